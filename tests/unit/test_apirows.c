/* test_apirows: the mapping of InferenceX API rows onto agg_bmk.json names, on the real
 * captured responses of the shared reference folder and on hand-made drift cases. */
#include "reader/apirows.h"
#include "util/xalloc.h"

#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SAMPLE(file) unit_shared("reference/samples-api/" file)

/* Collected mapped rows, each serialized as "key=value|key=value|..." for easy checks. */
struct got {
    char **rows;
    size_t n, cap;
};

static int collect(void *ud, struct row *r, size_t index)
{
    struct got *g = ud;
    struct buf b = BUF_INIT;
    (void)index;
    for (size_t i = 0; i < r->n; i++)
        buf_addf(&b, "%s%s=%s", i ? "|" : "", row_key(r, i), row_val(r, i));
    ALLOC_GROW(g->rows, g->n + 1, g->cap);
    g->rows[g->n++] = buf_detach(&b, NULL);
    return 0;
}

static void got_free(struct got *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->rows[i]);
    free(g->rows);
    memset(g, 0, sizeof(*g));
}

/* The value of key in a serialized row, into out (NULL when absent). */
static const char *val(const char *row, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    const char *p = row;
    while (p && *p) {
        if (!strncmp(p, key, kl) && p[kl] == '=') {
            const char *e = strchr(p + kl + 1, '|');
            size_t l = e ? (size_t)(e - p - kl - 1) : strlen(p + kl + 1);
            if (l >= n)
                l = n - 1;
            memcpy(out, p + kl + 1, l);
            out[l] = '\0';
            return out;
        }
        p = strchr(p, '|');
        if (p)
            p++;
    }
    return NULL;
}

static int have_samples(void)
{
    return access(SAMPLE("full/benchmarks.json"), R_OK) == 0;
}

static int read_path(const char *path, struct got *g, struct apirow_stats *st)
{
    struct reader_opts o = {.fn = collect, .ud = g};
    struct imx_err err = IMX_ERR_INIT;
    int r = apirows_read_file(path, &o, st, &err);
    if (r < 0)
        fprintf(stderr, "  %s\n", err.msg);
    return r;
}

static int read_text(const char *json, struct got *g, struct apirow_stats *st)
{
    struct reader_opts o = {.fn = collect, .ud = g};
    struct imx_err err = IMX_ERR_INIT;
    int r = apirows_read_mem(json, strlen(json), &o, st, &err);
    if (r < 0)
        fprintf(stderr, "  %s\n", err.msg);
    return r;
}

static void real_june_rows(void)
{
    struct got g = {0};
    struct apirow_stats st = {0};
    char v[256];

    CHECK(read_path(SAMPLE("api_benchmarks_DeepSeek-R1-0528_rows_2026-06-14.json"), &g, &st) == 0);
    CHECK(g.n == 6 && st.rows == 6 && st.agentic == 0);
    if (g.n != 6)
        goto out;
    /* single-node sglang: prefill_* become tp/ep/dp_attention, tp*ep GPU counts vanish */
    CHECK_STR(val(g.rows[0], "hw", v, sizeof(v)), "mi355x");
    CHECK_STR(val(g.rows[0], "tp", v, sizeof(v)), "4");
    CHECK_STR(val(g.rows[0], "ep", v, sizeof(v)), "1");
    CHECK_STR(val(g.rows[0], "dp_attention", v, sizeof(v)), "false");
    CHECK(!val(g.rows[0], "prefill_tp", v, sizeof(v)));
    CHECK(!val(g.rows[0], "num_prefill_gpu", v, sizeof(v)));
    CHECK_STR(val(g.rows[0], "spec_decoding", v, sizeof(v)), "none");
    CHECK_STR(val(g.rows[0], "infmax_model_prefix", v, sizeof(v)), "dsr1");
    CHECK_STR(val(g.rows[0], "model", v, sizeof(v)), "deepseek-ai/DeepSeek-R1-0528");
    /* metrics flattened under their usual names, number text untouched */
    CHECK_STR(val(g.rows[0], "p99.9_ttft", v, sizeof(v)), "0.8233558841543273");
    CHECK_STR(val(g.rows[0], "tput_per_gpu", v, sizeof(v)), "198.9447984579421");
    CHECK_STR(val(g.rows[0], "avg_power_w", v, sizeof(v)), "628.907");
    CHECK(!val(g.rows[0], "metrics", v, sizeof(v)));
    CHECK_STR(val(g.rows[0], "run_date", v, sizeof(v)), "2026-06-11");
    CHECK_STR(val(g.rows[0], "run_id", v, sizeof(v)), "27213443242");
    CHECK_STR(val(g.rows[0], "run_attempt", v, sizeof(v)), "1");
    CHECK(!strncmp(g.rows[0], "hw=mi355x|conc=4|image=lmsysorg/sglang", 38));
    /* b200 trt tp8 ep8: the app's num_*_gpu = 64 must not survive as a GPU count */
    CHECK_STR(val(g.rows[1], "tp", v, sizeof(v)), "8");
    CHECK_STR(val(g.rows[1], "ep", v, sizeof(v)), "8");
    CHECK_STR(val(g.rows[1], "spec_decoding", v, sizeof(v)), "mtp");
    CHECK(!strstr(g.rows[1], "=64|") && !val(g.rows[1], "num_decode_gpu", v, sizeof(v)));
    for (size_t i = 0; i < g.n; i++) {
        if (strstr(g.rows[i], "hw=gb200|") && strstr(g.rows[i], "framework=dynamo-trt")) {
            /* disagg multinode: topology as given, no single-node tp */
            CHECK_STR(val(g.rows[i], "prefill_tp", v, sizeof(v)), "4");
            CHECK_STR(val(g.rows[i], "prefill_dp_attention", v, sizeof(v)), "true");
            CHECK_STR(val(g.rows[i], "decode_num_workers", v, sizeof(v)), "4");
            CHECK_STR(val(g.rows[i], "num_decode_gpu", v, sizeof(v)), "32");
            CHECK_STR(val(g.rows[i], "is_multinode", v, sizeof(v)), "true");
            CHECK(!val(g.rows[i], "tp", v, sizeof(v)));
            CHECK_STR(val(g.rows[i], "run_attempt", v, sizeof(v)), "5");
        }
        if (strstr(g.rows[i], "run_date=2025-10-06"))
            CHECK(!val(g.rows[i], "image", v, sizeof(v))); /* image: null */
        CHECK(!val(g.rows[i], "workers", v, sizeof(v)));
    }
out:
    got_free(&g);
}

/* A row of the September 2026 shape (dsv4 on b200, tp8 ep8 with DP attention) as mapped. */
static void check_september(const char *row, const char *api_id, const char *run_id)
{
    char v[256];

    CHECK_STR(val(row, "api_id", v, sizeof(v)), api_id);
    CHECK_STR(val(row, "benchmark_type", v, sizeof(v)), "single_turn");
    CHECK_STR(val(row, "offload_mode", v, sizeof(v)), "off");
    CHECK_STR(val(row, "infmax_model_prefix", v, sizeof(v)), "dsv4");
    CHECK(!val(row, "model", v, sizeof(v)));
    CHECK_STR(val(row, "pp", v, sizeof(v)), "1");
    CHECK_STR(val(row, "kv_cache_pool_tokens", v, sizeof(v)), "375856");
    CHECK_STR(val(row, "dp_attention", v, sizeof(v)), "true");
    CHECK(val(row, "recipe_fingerprint", v, sizeof(v)) && strlen(v) == 64);
    /* the app's internal run identities are not run ids */
    CHECK(!val(row, "curve_workflow_run_id", v, sizeof(v)));
    CHECK_STR(val(row, "curve_date", v, sizeof(v)), "2026-09-03");
    CHECK_STR(val(row, "run_id", v, sizeof(v)), run_id);
}

static void real_september_row(void)
{
    struct got g = {0};
    struct apirow_stats st = {0};

    CHECK(read_path(SAMPLE("api_benchmarks_DeepSeek-V4-Pro_row_2026-09-04.json"), &g, &st) == 0);
    CHECK(g.n == 1);
    if (g.n == 1)
        check_september(g.rows[0], "440994", "33554397154");
    got_free(&g);
}

static void real_full_volume(void)
{
    struct got g = {0};
    struct apirow_stats st = {0};
    size_t single = 0, multi = 0;
    char v[256];

    CHECK(read_path(SAMPLE("full/benchmarks.json"), &g, &st) == 0);
    CHECK(g.n == 435 && st.rows == 435);
    for (size_t i = 0; i < g.n; i++) {
        if (val(g.rows[i], "tp", v, sizeof(v)))
            single++;
        if (val(g.rows[i], "num_prefill_gpu", v, sizeof(v)))
            multi++;
        CHECK(val(g.rows[i], "run_id", v, sizeof(v)));
        CHECK(val(g.rows[i], "mean_ttft", v, sizeof(v)));
    }
    CHECK(single + multi == 435 && single > 0 && multi > 0);
    /* the 8 disaggregated single-node GB200 rows of 2025-12 take prefill_tp/prefill_ep */
    {
        size_t gb200_disagg = 0;
        for (size_t i = 0; i < g.n; i++)
            if (val(g.rows[i], "disagg", v, sizeof(v)) && !strcmp(v, "true") &&
                val(g.rows[i], "is_multinode", v, sizeof(v)) && !strcmp(v, "false")) {
                gb200_disagg++;
                CHECK(val(g.rows[i], "tp", v, sizeof(v)) && val(g.rows[i], "ep", v, sizeof(v)));
            }
        CHECK(gb200_disagg == 8);
    }
    got_free(&g);
    memset(&st, 0, sizeof(st));
    /* history rows: no mean_ or std_ metrics */
    CHECK(read_path(SAMPLE("full/benchmarks-history.json"), &g, &st) == 0);
    CHECK(g.n == 1462);
    for (size_t i = 0; i < g.n; i++)
        CHECK(!val(g.rows[i], "mean_ttft", v, sizeof(v)) &&
              val(g.rows[i], "median_ttft", v, sizeof(v)));
    got_free(&g);
}

static void drift_and_agentic(void)
{
    static const char json[] =
        "[{\"hardware\":\"h200\",\"framework\":\"sglang\",\"model\":\"gptoss120b\","
        "\"precision\":\"fp4\",\"spec_method\":\"none\",\"disagg\":\"false\","
        "\"is_multinode\":false,\"prefill_tp\":\"2\",\"prefill_ep\":1,"
        "\"prefill_dp_attention\":\"true\",\"num_prefill_gpu\":2,\"isl\":\"1024\","
        "\"osl\":1024,\"conc\":\"8\",\"image\":null,\"metrics\":{\"p99.9_ttft\":0.5,"
        "\"router_name\":\"none\",\"tput_per_gpu\":1e3},\"workers\":[{\"role\":\"x\"}],"
        "\"power_audit\":{\"schema\":2},\"curve_date\":\"2026-01-02\",\"extra_field\":7,"
        "\"date\":\"2026-01-02\",\"run_url\":null},"
        "{\"hardware\":\"b200\",\"model\":\"dsr1\",\"isl\":null,\"osl\":null,\"conc\":4,"
        "\"benchmark_type\":\"agentic_traces\",\"metrics\":{\"offload_mode\":\"on\"}},"
        "{\"hardware\":\"b200\",\"model\":\"dsr1\",\"isl\":1024,\"osl\":1024,\"conc\":4,"
        "\"benchmark_type\":\"agentic_traces\"},"
        "{\"hardware\":\"b200\",\"model\":\"kimik2.7-code\",\"isl\":1024,\"osl\":1024,"
        "\"conc\":4,\"run_url\":\"https://github.com/o/r/actions/runs/123\"},"
        "{\"model\":\"dsr1\",\"isl\":1024,\"osl\":1024,\"conc\":4}]";
    struct got g = {0};
    struct apirow_stats st = {0};
    char v[256];

    CHECK(read_text(json, &g, &st) == 0);
    CHECK(g.n == 2 && st.rows == 2 && st.agentic == 2 && st.unusable == 1);
    if (g.n != 2)
        goto out;
    CHECK_STR(val(g.rows[0], "infmax_model_prefix", v, sizeof(v)), "gptoss");
    CHECK_STR(val(g.rows[0], "model", v, sizeof(v)), "openai/gpt-oss-120b");
    CHECK_STR(val(g.rows[0], "disagg", v, sizeof(v)), "false");
    CHECK_STR(val(g.rows[0], "tp", v, sizeof(v)), "2");
    CHECK_STR(val(g.rows[0], "dp_attention", v, sizeof(v)), "true");
    CHECK_STR(val(g.rows[0], "conc", v, sizeof(v)), "8");
    CHECK_STR(val(g.rows[0], "isl", v, sizeof(v)), "1024");
    CHECK_STR(val(g.rows[0], "router_name", v, sizeof(v)), "none");
    CHECK_STR(val(g.rows[0], "tput_per_gpu", v, sizeof(v)), "1e3");
    CHECK_STR(val(g.rows[0], "extra_field", v, sizeof(v)), "7");
    CHECK(!val(g.rows[0], "power_audit.schema", v, sizeof(v)));
    CHECK(!val(g.rows[0], "image", v, sizeof(v)));
    CHECK(!val(g.rows[0], "run_id", v, sizeof(v)) && !val(g.rows[0], "run_url", v, sizeof(v)));
    CHECK_STR(val(g.rows[1], "infmax_model_prefix", v, sizeof(v)), "kimik2.7");
    CHECK_STR(val(g.rows[1], "run_id", v, sizeof(v)), "123");
    CHECK(!val(g.rows[1], "run_attempt", v, sizeof(v)));
out:
    got_free(&g);
}

/* Rows of the June and September 2026 shapes, written here from the API's field dictionary: a
 * single-node trt row whose num_*_gpu is the app's tp*ep (64, not a GPU count), and a row with
 * the September fields (string id, benchmark_type, offload_mode, recipe_fingerprint, curve_*,
 * power_audit, topology and string metrics). */
static void june_september_shapes(void)
{
    static const char json[] =
        "[{\"hardware\":\"b200\",\"framework\":\"trt\",\"model\":\"dsr1\",\"precision\":"
        "\"fp4\",\"spec_method\":\"mtp\",\"disagg\":false,\"is_multinode\":false,"
        "\"prefill_tp\":8,\"prefill_ep\":8,\"prefill_dp_attention\":true,"
        "\"prefill_num_workers\":0,\"decode_tp\":8,\"decode_ep\":8,\"decode_dp_attention\":true,"
        "\"decode_num_workers\":0,\"num_prefill_gpu\":64,\"num_decode_gpu\":64,\"isl\":8192,"
        "\"osl\":1024,\"conc\":32,\"image\":\"nvcr.io/nvidia/tensorrt-llm/release:1.2.0\","
        "\"metrics\":{\"p99_itl\":0.0213,\"p99.9_ttft\":1.5,\"tput_per_gpu\":1234.5678901234567},"
        "\"workers\":null,\"date\":\"2026-01-14\",\"run_url\":\"https://github.com/"
        "SemiAnalysisAI/InferenceX/actions/runs/21010000505/attempts/1\"},"
        "{\"id\":\"400047\",\"hardware\":\"b200\",\"framework\":\"vllm\",\"model\":\"dsv4\","
        "\"precision\":\"fp4\",\"spec_method\":\"none\",\"disagg\":false,\"is_multinode\":false,"
        "\"prefill_tp\":8,\"prefill_ep\":8,\"prefill_dp_attention\":true,"
        "\"prefill_num_workers\":0,\"decode_tp\":8,\"decode_ep\":8,\"decode_dp_attention\":true,"
        "\"decode_num_workers\":0,\"num_prefill_gpu\":64,\"num_decode_gpu\":64,"
        "\"benchmark_type\":\"single_turn\",\"offload_mode\":\"off\",\"isl\":8192,\"osl\":1024,"
        "\"conc\":64,\"image\":\"vllm/vllm-openai:nightly\",\"recipe_fingerprint\":"
        "\"5b2d8c0f7e3a4b1c9d6e2f8a0b1c3d5e7f9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c\",\"metrics\":{\"pp\":"
        "1,"
        "\"dcp_size\":1,\"pcp_size\":1,\"router_name\":\"none\",\"tput_per_gpu\":1449.6,"
        "\"kv_cache_pool_tokens\":375856,\"power_metric_schema_version\":2},\"workers\":null,"
        "\"date\":\"2026-09-03\",\"run_url\":\"https://github.com/SemiAnalysisAI/InferenceX/"
        "actions/"
        "runs/33550001010/attempts/1\",\"curve_date\":\"2026-09-03\",\"curve_workflow_run_id\":"
        "\"2401\",\"curve_run_started_at\":\"2026-09-03 "
        "22:38:12+00\",\"power_audit\":{\"schema\":2,"
        "\"checked\":true}}]";
    struct got g = {0};
    struct apirow_stats st = {0};
    char v[256];

    CHECK(read_text(json, &g, &st) == 0);
    CHECK(g.n == 2 && st.rows == 2 && st.agentic == 0);
    if (g.n != 2)
        goto out;
    CHECK_STR(val(g.rows[0], "tp", v, sizeof(v)), "8");
    CHECK_STR(val(g.rows[0], "ep", v, sizeof(v)), "8");
    CHECK_STR(val(g.rows[0], "dp_attention", v, sizeof(v)), "true");
    CHECK_STR(val(g.rows[0], "spec_decoding", v, sizeof(v)), "mtp");
    CHECK(!strstr(g.rows[0], "=64|") && !val(g.rows[0], "num_decode_gpu", v, sizeof(v)));
    CHECK_STR(val(g.rows[0], "p99.9_ttft", v, sizeof(v)), "1.5");
    CHECK_STR(val(g.rows[0], "tput_per_gpu", v, sizeof(v)), "1234.5678901234567");
    CHECK_STR(val(g.rows[0], "run_id", v, sizeof(v)), "21010000505");
    CHECK_STR(val(g.rows[0], "run_date", v, sizeof(v)), "2026-01-14");
    CHECK_STR(val(g.rows[0], "model", v, sizeof(v)), "deepseek-ai/DeepSeek-R1-0528");
    check_september(g.rows[1], "400047", "33550001010");
    CHECK_STR(val(g.rows[1], "router_name", v, sizeof(v)), "none");
    CHECK(!val(g.rows[1], "power_audit.schema", v, sizeof(v)));
out:
    got_free(&g);
}

/* Single-node means "not multinode": a disaggregated row with is_multinode false (GB200,
 * before the 2025-12-05 schema change) takes prefill_tp/prefill_ep as tp/ep. */
static void single_node_disagg(void)
{
    static const char json[] =
        "[{\"hardware\":\"gb200\",\"framework\":\"dynamo-trt\",\"model\":\"dsr1\","
        "\"precision\":\"fp4\",\"spec_method\":\"none\",\"disagg\":true,"
        "\"is_multinode\":false,\"prefill_tp\":36,\"prefill_ep\":1,"
        "\"prefill_dp_attention\":false,\"prefill_num_workers\":0,\"decode_tp\":36,"
        "\"decode_ep\":1,\"decode_dp_attention\":false,\"decode_num_workers\":0,"
        "\"num_prefill_gpu\":36,\"num_decode_gpu\":36,\"isl\":1024,\"osl\":1024,\"conc\":4,"
        "\"metrics\":{\"tput_per_gpu\":1.5},\"date\":\"2025-12-05\",\"run_url\":"
        "\"https://github.com/SemiAnalysisAI/InferenceX/actions/runs/19948006055/attempts/3\"},"
        "{\"hardware\":\"gb200\",\"framework\":\"dynamo-trt\",\"model\":\"dsr1\","
        "\"precision\":\"fp4\",\"disagg\":true,\"is_multinode\":true,\"prefill_tp\":4,"
        "\"prefill_ep\":4,\"prefill_num_workers\":2,\"decode_tp\":8,\"decode_ep\":8,"
        "\"decode_num_workers\":1,\"num_prefill_gpu\":8,\"num_decode_gpu\":8,\"isl\":1024,"
        "\"osl\":1024,\"conc\":4}]";
    struct got g = {0};
    struct apirow_stats st = {0};
    char v[256];

    CHECK(read_text(json, &g, &st) == 0);
    CHECK(g.n == 2);
    if (g.n != 2)
        goto out;
    CHECK_STR(val(g.rows[0], "disagg", v, sizeof(v)), "true");
    CHECK_STR(val(g.rows[0], "is_multinode", v, sizeof(v)), "false");
    CHECK_STR(val(g.rows[0], "tp", v, sizeof(v)), "36");
    CHECK_STR(val(g.rows[0], "ep", v, sizeof(v)), "1");
    CHECK_STR(val(g.rows[0], "dp_attention", v, sizeof(v)), "false");
    /* the app's num_*_gpu = tp*ep convention is not a GPU count: not carried */
    CHECK(!val(g.rows[0], "num_prefill_gpu", v, sizeof(v)));
    CHECK(!val(g.rows[0], "prefill_tp", v, sizeof(v)));
    /* multinode rows keep their two-sided topology */
    CHECK(!val(g.rows[1], "tp", v, sizeof(v)));
    CHECK_STR(val(g.rows[1], "prefill_tp", v, sizeof(v)), "4");
    CHECK_STR(val(g.rows[1], "decode_num_workers", v, sizeof(v)), "1");
    CHECK_STR(val(g.rows[1], "num_decode_gpu", v, sizeof(v)), "8");
out:
    got_free(&g);
}

static void run_urls(void)
{
    char id[32];
    long a;

    CHECK(apirow_parse_run_url("https://github.com/SemiAnalysisAI/InferenceX/actions/runs/"
                               "20720630953/attempts/4",
                               id, sizeof(id), &a) == 0);
    CHECK_STR(id, "20720630953");
    CHECK(a == 4);
    CHECK(apirow_parse_run_url("https://x/actions/runs/55", id, sizeof(id), &a) == 0 && a == 0);
    CHECK(apirow_parse_run_url("https://x/actions/runs/", id, sizeof(id), &a) == -1);
    CHECK(apirow_parse_run_url("https://x/actions/runs/12ab", id, sizeof(id), &a) == -1);
    CHECK(apirow_parse_run_url(NULL, id, sizeof(id), &a) == -1);
    CHECK(apirow_parse_run_url("https://x/runs/99999999999999999999999", id, sizeof(id), &a) == -1);
}

int main(void)
{
    if (have_samples()) {
        RUN(real_june_rows);
        RUN(real_september_row);
        RUN(real_full_volume);
    } else {
        printf("SKIP unit/apirows real samples: $IMX_SHARED/reference (default ../shared) not "
               "found\n");
    }
    RUN(june_september_shapes);
    RUN(drift_and_agentic);
    RUN(single_node_disagg);
    RUN(run_urls);
    UNIT_END();
}
