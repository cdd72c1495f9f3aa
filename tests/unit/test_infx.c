/* test_infx: the InferenceX API source's pure parts: display names and --model mapping,
 * gzip decoding, the discovery documents (real captures) and the cache file names. */
#include "source/infx.h"
#include "cache/apifiles.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SAMPLE(file) unit_shared("reference/samples-api/" file)

static const char gz1[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x8b\xae\x56\x4a\x54\xb2\x32"
                          "\xac\x8d\x05\x00\x7d\x73\xcb\xf2\x09\x00\x00\x00";
static const char gz2[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x93\xef\xe6\x60\x00\x01\x26"
                          "\xe6\xee\x75\x61\x5e\x21\x9b\x8c\xd6\xf4\xb2\x32\xd4\x16\x9f\xfe\xc4"
                          "\x09\x14\x04\x00\xe1\x67\xe3\x33\x1d\x00\x00\x00";
/* three layers: more than any origin and proxy make */
static const char gz3[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x93\xef\xe6\x60\x00\x01\x26"
                          "\xe6\xc9\xef\x9f\x25\x30\x30\xaa\x3d\x7b\x57\x9a\x18\xa7\x38\xbb\xe7"
                          "\xda\x97\x4d\x46\x57\xc4\xe6\xff\x3b\xc2\x29\xc2\xc2\xf0\x30\xfd\xb1"
                          "\xb1\x2c\x50\x15\x00\xc5\xbf\x6a\xfa\x2e\x00\x00\x00";

static int resolves_to(const char *arg, const char *want)
{
    struct strs out = {0};
    struct imx_err err = IMX_ERR_INIT;
    int all, ok;

    ok = infx_resolve_model(arg, NULL, &out, &all, &err) == 0 && out.n >= 1 &&
         !strcmp(out.v[0], want);
    if (!ok)
        fprintf(stderr, "  %s -> %s (%s)\n", arg, out.n ? out.v[0] : "nothing", err.msg);
    strs_release(&out);
    return ok;
}

static void model_names(void)
{
    struct strs out = {0}, live = {0};
    struct imx_err err = IMX_ERR_INIT;
    int all;

    CHECK(resolves_to("DeepSeek-R1-0528", "DeepSeek-R1-0528"));
    CHECK(resolves_to("gpt-oss-120B", "gpt-oss-120b")); /* the scrapers' case error */
    CHECK(resolves_to("gptoss", "gpt-oss-120b"));
    CHECK(resolves_to("gptoss120b", "gpt-oss-120b"));
    CHECK(resolves_to("openai_GPT-OSS-120B", "gpt-oss-120b"));
    CHECK(resolves_to("openai/gpt-oss-120b", "gpt-oss-120b"));
    CHECK(resolves_to("dsr1", "DeepSeek-R1-0528"));
    CHECK(resolves_to("nvidia/DeepSeek-R1-0528-FP4-V2", "DeepSeek-R1-0528"));
    CHECK(resolves_to("amd/DeepSeek-R1-0528-MXFP4-Preview", "DeepSeek-R1-0528"));
    CHECK(resolves_to("kimik2.6", "Kimi-K2.5")); /* one display name, several keys */
    CHECK(resolves_to("kimik2.7", "Kimi-K2.5"));
    CHECK(resolves_to("glm5.1", "GLM-5"));
    CHECK(resolves_to("dsv4pro", "DeepSeek-V4-Pro"));
    CHECK(resolves_to("meta-llama/Llama-3.3-70B-Instruct", "Llama-3.3-70B-Instruct-FP8"));
    CHECK_STR(infx_display_of_key("minimaxm2.7"), "MiniMax-M2.5");
    CHECK(infx_display_of_key("nope") == NULL);

    CHECK(infx_resolve_model("all", NULL, &out, &all, &err) == 0 && all == 1 && out.n == 0);
    CHECK(infx_resolve_model("Mystery-9", NULL, &out, &all, &err) == -IMX_ENOTFOUND);
    CHECK(strstr(err.msg, "Mystery-9") && strstr(err.msg, "DeepSeek-R1-0528") &&
          strstr(err.msg, "Kimi-K2.5"));
    /* a live name from the OpenAPI document resolves, in any case */
    strs_add(&live, "Qwen3.8-Flash-Next");
    imx_err_clear(&err);
    CHECK(infx_resolve_model("qwen3.8-flash-next", &live, &out, &all, &err) == 0 && out.n == 1);
    CHECK(out.n == 1 && !strcmp(out.v[0], "Qwen3.8-Flash-Next"));
    strs_release(&out);
    strs_release(&live);
}

static void openapi_doc(void)
{
    static const char doc[] =
        "{\"openapi\":\"3.1.0\",\"paths\":{\"/api/v1/benchmarks\":{\"get\":{\"parameters\":["
        "{\"name\":\"date\",\"schema\":{\"type\":\"string\"}},"
        "{\"name\":\"model\",\"schema\":{\"type\":\"string\",\"enum\":[\"DeepSeek-R1-0528\","
        "\"GLM-5.3\",\"\"]}}]}}}}";
    struct strs names = {0};
    struct imx_err err = IMX_ERR_INIT;

    CHECK(infx_openapi_names(doc, strlen(doc), &names, &err) == 0);
    CHECK(names.n == 2 && strs_has(&names, "GLM-5.3"));
    strs_release(&names);
    CHECK(infx_openapi_names("{\"paths\":{}}", 12, &names, &err) == -IMX_EPARSE);
    CHECK(infx_openapi_names("<html>", 6, &names, &err) == -IMX_EPARSE);
    strs_release(&names);
}

static void decoding(void)
{
    struct imx_err err = IMX_ERR_INIT;
    char *out = NULL;
    size_t n = 0;

    CHECK(infx_decode_body("[1]", 3, 100, &out, &n, &err) == 0 && n == 3 && !strcmp(out, "[1]"));
    free(out);
    CHECK(infx_decode_body(gz1, sizeof(gz1) - 1, 100, &out, &n, &err) == 0);
    CHECK(n == 9 && !strcmp(out, "[{\"a\":1}]"));
    free(out);
    /* gzip inside gzip (origin gzip, then a proxy's) */
    CHECK(infx_decode_body(gz2, sizeof(gz2) - 1, 100, &out, &n, &err) == 0);
    CHECK(n == 9 && !strcmp(out, "[{\"a\":1}]"));
    free(out);
    CHECK(infx_decode_body(gz3, sizeof(gz3) - 1, 100, &out, &n, &err) == -IMX_EPARSE);
    CHECK(strstr(err.msg, "more than twice") != NULL);
    imx_err_clear(&err);
    /* truncated stream */
    CHECK(infx_decode_body(gz1, 15, 100, &out, &n, &err) == -IMX_EPARSE);
    CHECK(strstr(err.msg, "gzip") != NULL);
    imx_err_clear(&err);
    /* the cap applies to the decoded size */
    CHECK(infx_decode_body(gz1, sizeof(gz1) - 1, 5, &out, &n, &err) == -IMX_ETOOBIG);
    imx_err_clear(&err);
    CHECK(infx_decode_body("[1,2,3]", 7, 5, &out, &n, &err) == -IMX_ETOOBIG);
}

static void real_availability(void)
{
    struct infx_avail a = {0};
    struct imx_err err = IMX_ERR_INIT;
    char *text;
    size_t len;

    if (read_file(SAMPLE("full/availability.json"), 1 << 22, &text, &len, &err) < 0) {
        printf("SKIP unit/real_availability: %s\n", err.msg);
        return;
    }
    CHECK(infx_avail_parse(text, len, &a, &err) == 0);
    CHECK(a.n == 41);
    CHECK(a.n && !strcmp(a.v[0].date, "2025-10-19") && !strcmp(a.v[a.n - 1].date, "2026-06-14"));
    for (size_t i = 1; i < a.n; i++)
        CHECK(strcmp(a.v[i - 1].date, a.v[i].date) < 0);
    free(text);
    infx_avail_release(&a);
}

/* Availability as the API sends it (date ascending, unordered within a date), written here:
 * one day per date, sorted, each with its model keys once; rows without a valid date or a
 * model are left out. */
static void availability(void)
{
    static const char json[] =
        "[{\"model\":\"dsr1\",\"isl\":1024,\"osl\":1024,\"precision\":\"fp8\","
        "\"hardware\":\"mi325x\",\"framework\":\"sglang\",\"spec_method\":\"none\","
        "\"disagg\":false,\"date\":\"2026-05-18\"},"
        "{\"model\":\"gptoss120b\",\"isl\":1024,\"osl\":8192,\"date\":\"2026-05-18\"},"
        "{\"model\":\"dsr1\",\"isl\":8192,\"osl\":1024,\"date\":\"2026-05-18\"},"
        "{\"model\":\"dsr1\",\"isl\":1024,\"osl\":1024,\"date\":\"2025-12-01\"},"
        "{\"model\":\"dsr1\",\"date\":\"2026-02-30\"},{\"date\":\"2026-01-01\"},"
        "{\"model\":\"kimik2.5\",\"date\":\"2025-11-03\"}]";
    struct infx_avail a = {0};
    struct imx_err err = IMX_ERR_INIT;

    CHECK(infx_avail_parse(json, sizeof(json) - 1, &a, &err) == 0);
    CHECK(a.n == 3);
    if (a.n == 3) {
        CHECK_STR(a.v[0].date, "2025-11-03");
        CHECK_STR(a.v[1].date, "2025-12-01");
        CHECK_STR(a.v[2].date, "2026-05-18");
        CHECK(a.v[2].keys.n == 2 && !strcmp(a.v[2].keys.v[0], "dsr1") &&
              !strcmp(a.v[2].keys.v[1], "gptoss120b"));
    }
    infx_avail_release(&a);
    CHECK(infx_avail_parse("{}", 2, &a, &err) == -IMX_EPARSE);
    imx_err_clear(&err);
}

/* A first attempt of a run of 2026-06-14 as parsed, and the run.json imx writes of it. */
static void check_first_attempt(struct infx_run *r, const char *id)
{
    struct buf b = BUF_INIT;
    char want[64];

    CHECK_STR(r->id, id);
    CHECK(r->attempt == 1);
    CHECK_STR(r->created_at, "2026-06-14T04:08:16Z");
    CHECK_STR(r->date, "2026-06-14");
    snprintf(want, sizeof(want), "\"id\": %s,", id);
    CHECK(infx_run_json(r, &b) == 0);
    CHECK(b.p && strstr(b.p, want) && strstr(b.p, "\"run_attempt\": 1,") &&
          strstr(b.p, "\"imx_source\": \"api\""));
    buf_release(&b);
}

/* workflow-info in the API's shape, written here: string ids, runs with their configs, and the
 * type drift of a numeric id and a string attempt; a bad id is skipped. */
static void workflow_info(void)
{
    static const char plain[] =
        "{\"runs\":[{\"github_run_id\":\"27480000909\",\"name\":\"Run Sweep\","
        "\"conclusion\":\"success\",\"run_attempt\":1,\"html_url\":\"https://github.com/"
        "SemiAnalysisAI/InferenceX/actions/runs/27480000909\",\"created_at\":"
        "\"2026-06-14T04:08:16Z\",\"date\":\"2026-06-14\"}],\"changelogs\":[],\"configs\":"
        "[{\"model\":\"qwen3.5\",\"isl\":1024,\"osl\":1024}]}";
    static const char drift[] =
        "{\"runs\":[{\"github_run_id\":27485974465,\"run_attempt\":\"2\",\"name\":\"a\\u2014b\","
        "\"conclusion\":\"success\",\"created_at\":\"2026-06-14T04:08:16Z\"},"
        "{\"github_run_id\":\"12x\"}],\"runConfigs\":[{\"github_run_id\":\"27485974465\","
        "\"model\":\"minimaxm3\",\"head_sha\":\"abc\",\"run_started_at\":\"2026-06-14T05:00:00Z\"},"
        "{\"github_run_id\":\"27485974465\",\"model\":\"minimaxm3\"}]}";
    struct infx_wfinfo w = {0};
    struct imx_err err = IMX_ERR_INIT;
    struct buf b = BUF_INIT;

    CHECK(infx_wfinfo_parse(plain, sizeof(plain) - 1, &w, &err) == 0);
    CHECK(w.n == 1 && w.runs[0].keys.n == 0);
    if (w.n == 1)
        check_first_attempt(&w.runs[0], "27480000909");
    infx_wfinfo_release(&w);
    CHECK(infx_wfinfo_parse(drift, sizeof(drift) - 1, &w, &err) == 0);
    CHECK(w.n == 1 && w.runs[0].keys.n > 0);
    if (w.n == 1) {
        CHECK_STR(w.runs[0].id, "27485974465");
        CHECK(w.runs[0].attempt == 2);
        CHECK_STR(w.runs[0].date, "2026-06-14");
        CHECK(w.runs[0].keys.n == 1 && !strcmp(w.runs[0].keys.v[0], "minimaxm3"));
        CHECK_STR(w.runs[0].head_sha, "abc");
        buf_reset(&b);
        CHECK(infx_run_json(&w.runs[0], &b) == 0 && strstr(b.p, "\"name\": \"a\xe2\x80\x94"
                                                                "b\""));
    }
    infx_wfinfo_release(&w);
    CHECK(infx_wfinfo_parse("[]", 2, &w, &err) == -IMX_EPARSE);
    buf_release(&b);
}

/* The real capture of 2026-06-14 (real-data layer: skipped without ../shared). */
static void real_workflow_info(void)
{
    struct infx_wfinfo w = {0};
    struct imx_err err = IMX_ERR_INIT;
    char *text;
    size_t len;

    if (read_file(SAMPLE("api_workflow-info_date=2026-06-14.json"), 1 << 20, &text, &len, &err) <
        0) {
        printf("SKIP unit/real_workflow_info: %s\n", err.msg);
        return;
    }
    CHECK(infx_wfinfo_parse(text, len, &w, &err) == 0);
    CHECK(w.n == 3 && w.runs[0].keys.n == 0);
    if (w.n == 3) {
        check_first_attempt(&w.runs[0], "27485974465");
        CHECK_STR(w.runs[2].date, "2026-06-14");
    }
    free(text);
    infx_wfinfo_release(&w);
}

static void cache_files(void)
{
    char tmpl[] = "/tmp/imx-infx-XXXXXX";
    char *dir = mkdtemp(tmpl);
    struct buf p = BUF_INIT;
    char **files = NULL;
    struct imx_err err = IMX_ERR_INIT;
    long attempt;

    CHECK(dir != NULL);
    if (!dir)
        return;
    CHECK(apifiles_name(&p, "Kimi-K2.5", 3) == 0);
    CHECK(!strcmp(p.p, "benchmarks_Kimi-K2.5_a3.json"));
    buf_reset(&p);
    CHECK(apifiles_name(&p, "../x/y", 1) == -1 && p.len == 0); /* a hostile name */
    CHECK(apifiles_name(&p, "a/b", 1) == 0 && !strcmp(p.p, "benchmarks_a_b_a1.json"));
    buf_reset(&p);
    buf_addf(&p, "%s/run_123/api", dir);
    CHECK(mkdir_p(p.p, &err) == 0);
    {
        static const char *const names[] = {"benchmarks_DeepSeek-R1-0528_a3.json",
                                            "benchmarks_gpt-oss-120b_a4.json",
                                            "benchmarks_DeepSeek-R1-0528_a4.json",
                                            "benchmarks_x_a10.json.tmp",
                                            "notes.json",
                                            ".benchmarks_x_a11.json.tmp-123"};
        for (size_t i = 0; i < 6; i++) {
            struct buf f = BUF_INIT;
            buf_addf(&f, "%s/%s", p.p, names[i]);
            CHECK(atomic_write(f.p, "[]", 2, &err) == 0);
            buf_release(&f);
        }
    }
    buf_reset(&p);
    buf_addf(&p, "%s/run_123", dir);
    CHECK(apifiles_list(p.p, &files, &attempt) == 2 && attempt == 4);
    CHECK(strstr(files[0], "benchmarks_DeepSeek-R1-0528_a4.json") &&
          strstr(files[1], "benchmarks_gpt-oss-120b_a4.json"));
    apifiles_free(files, 2);
    buf_release(&p);
    remove_tree(dir);
}

int main(void)
{
    RUN(model_names);
    RUN(openapi_doc);
    RUN(decoding);
    RUN(availability);
    RUN(real_availability);
    RUN(workflow_info);
    RUN(real_workflow_info);
    RUN(cache_files);
    UNIT_END();
}
