/* test_github: GitHub API helpers: the artifact choice, run listings kept byte for byte, artifact
 * listings, URLs and the created= filter, Content-Disposition names, zip detection. */
#include "source/github.h"
#include "unit.h"

#include <stdlib.h>

static struct gh_artifact A(unsigned long long id, const char *name) {
    struct gh_artifact a;
    memset(&a, 0, sizeof(a));
    a.id = id;
    a.name = (char *)name;
    return a;
}

static void
choose_aggregate(void)
{
    struct gh_artifact a[] = {A(1, "changelog-metadata"),
                              A(2, "bmk_gptoss_1k1k_x_h100-cw_0"),
                              A(3, "server_logs_gptoss_1k1k_x"),
                              A(4, "results_bmk"),
                              A(5, "run-stats"),
                              A(6, "results_bmk"),
                              A(7, "gpu_metrics_x"),
                              A(8, "eval_results_all")};
    enum gh_pick p[8];
    gh_choose(a, 8, NULL, p);
    CHECK(p[3] == GH_OLDER);
    CHECK(p[5] == GH_TAKE);
    for (int i = 0; i < 8; i++)
        if (i != 3 && i != 5)
            CHECK(p[i] == GH_SKIP);
    /* a pattern adds to the rule */
    gh_choose(a, 8, "eval_*", p);
    CHECK(p[7] == GH_TAKE && p[5] == GH_TAKE && p[0] == GH_SKIP);
}

static void choose_percfg(void)
{
    struct gh_artifact a[] = {A(1, "bmk_dsr1_8k1k_fp8_sglang_tp8_ep1_dpa_false_conc4_h200-nb_0"),
                              A(2, "bmk_agentic_glm5_x"), A(3, "server_logs_dsr1_8k1k_x"),
                              A(4, "bmk_dsr1_1k1k_fp8_sglang_tp8_ep1_dpa_false_conc8_h200-nb_0"),
                              A(5, "run-stats")};
    enum gh_pick p[5];
    gh_choose(a, 5, NULL, p);
    CHECK(p[0] == GH_TAKE && p[3] == GH_TAKE);
    CHECK(p[1] == GH_SKIP && p[2] == GH_SKIP && p[4] == GH_SKIP);
}

static void choose_scheduler_era(void)
{
    /* 2025: unprefixed per-configuration artifacts win over results_<exp> */
    struct gh_artifact a[] = {A(1, "gptoss_1k1k_fp4_vllm_tp8_conc64_h100-cw_1"),
                              A(2, "results_gptoss_1k1k"), A(3, "graphs_gptoss_1k1k"),
                              A(4, "dsr1_1024_8192_fp8_sglang_tp8_conc4_mi300x-amd_0")};
    enum gh_pick p[4];
    gh_choose(a, 4, NULL, p);
    CHECK(p[0] == GH_TAKE && p[3] == GH_TAKE && p[1] == GH_SKIP && p[2] == GH_SKIP);
    /* without them, results_<exp> */
    gh_choose(a + 1, 2, NULL, p);
    CHECK(p[0] == GH_TAKE && p[1] == GH_SKIP);
    /* end-to-end runs' aggregate */
    {
        struct gh_artifact b[] = {A(1, "results_all"), A(2, "gptoss_1k1k_fp4_vllm_tp8_conc4_x")};
        gh_choose(b, 2, NULL, p);
        CHECK(p[0] == GH_TAKE && p[1] == GH_SKIP);
    }
    /* nothing usable: nothing taken */
    {
        struct gh_artifact c[] = {A(1, "run-stats"), A(2, "profile_x"), A(3, "notes")};
        gh_choose(c, 3, NULL, p);
        CHECK(p[0] == GH_SKIP && p[1] == GH_SKIP && p[2] == GH_SKIP);
    }
    /* near misses of the 2025 names: a lone 1k, nothing after the sequence, no prefix, one
     * length only, an underscore in the prefix */
    {
        struct gh_artifact d[] = {A(1, "gptoss_1k_x"), A(2, "gptoss_1k1k_"), A(3, "_1k1k_x"),
                                  A(4, "gptoss_1024_x"), A(5, "gpt_oss_1k1k_x")};
        enum gh_pick q[5];
        gh_choose(d, 5, NULL, q);
        for (size_t i = 0; i < 5; i++)
            CHECK(q[i] == GH_SKIP);
        d[4].name = (char *)"gpt.oss-2_8k1k_x";
        gh_choose(d, 5, NULL, q);
        CHECK(q[4] == GH_TAKE);
    }
}

static void runs_raw(void)
{
    const char *body =
        "{\"total_count\": 2, \"workflow_runs\": [\n"
        "  {\"id\": 21012127808, \"run_attempt\": 2, \"name\": \"a]}\\\"[{\","
        " \"nested\": {\"x\": [1, {\"y\": \"}\"}]}, \"created_at\": \"2026-01-14T22:27:36Z\","
        " \"updated_at\": \"u\", \"event\": \"push\", \"head_branch\": \"main\"} ,"
        "{\"id\": 5, \"created_at\": null}\n]}";
    struct gh_run *runs = NULL;
    size_t n = 0;
    long long total = 0;
    struct imx_err err = IMX_ERR_INIT;

    CHECK(gh_parse_runs(body, strlen(body), &runs, &n, &total, &err) == 0);
    CHECK(n == 2 && total == 2);
    if (n == 2) {
        CHECK(runs[0].id == 21012127808ULL && runs[0].attempt == 2);
        CHECK_STR(runs[0].branch, "main");
        CHECK(!strncmp(runs[0].json, "{\"id\": 21012127808", 18));
        CHECK(runs[0].json[runs[0].jsonlen - 1] == '}' && strstr(runs[0].json, "\"}\"}]}"));
        CHECK_STR(runs[1].json, "{\"id\": 5, \"created_at\": null}");
        CHECK(runs[1].created_at == NULL && runs[1].attempt == 0);
    }
    for (size_t i = 0; i < n; i++)
        gh_run_release(&runs[i]);
    free(runs);
    n = 0;
    runs = NULL;
    CHECK(gh_parse_runs("<html>502</html>", 16, &runs, &n, &total, &err) < 0 && n == 0);
    CHECK(gh_parse_runs("{\"workflow_runs\": {}}", 21, &runs, &n, &total, &err) < 0);
    CHECK(gh_parse_runs("{\"workflow_runs\": [{\"no\": 1}]}", 30, &runs, &n, &total, &err) < 0);
    imx_err_clear(&err);
    CHECK(gh_parse_runs("{\"workflow_runs\": [3]}", 22, &runs, &n, &total, &err) < 0);
    CHECK(strstr(err.msg, "no id") != NULL);
    free(runs);
}

static void artifacts(void)
{
    const char *body = "{\"total_count\":2,\"artifacts\":[{\"id\":7,\"name\":\"results_bmk\","
                       "\"size_in_bytes\":123,\"digest\":\"sha256:ab\",\"expired\":false,"
                       "\"expires_at\":\"2026-04-14T00:00:00Z\"},{\"id\":8,\"name\":\"x\","
                       "\"size_in_bytes\":1,\"digest\":null,\"expired\":true}]}";
    struct gh_artifact *a = NULL;
    size_t n = 0;
    long long total = 0;
    struct imx_err err = IMX_ERR_INIT;

    CHECK(gh_parse_artifacts(body, strlen(body), &a, &n, &total, &err) == 0 && n == 2);
    CHECK(total == 2);
    if (n == 2) {
        CHECK(a[0].id == 7 && a[0].size == 123 && !a[0].expired);
        CHECK_STR(a[0].digest, "sha256:ab");
        CHECK(a[1].digest == NULL && a[1].expired);
    }
    for (size_t i = 0; i < n; i++)
        gh_artifact_release(&a[i]);
    free(a);
}

static void urls(void)
{
    struct buf b = BUF_INIT;
    struct gh g;
    struct imx_err err = IMX_ERR_INIT;
    char *c = NULL;

    gh_runs_url(&b, "https://api.github.com", "SemiAnalysisAI/InferenceX", "run-sweep.yml", "main",
                "push", "2026-01-01", NULL);
    CHECK_STR(b.p, "https://api.github.com/repos/SemiAnalysisAI/InferenceX/actions/workflows/"
                   "run-sweep.yml/runs?status=success&per_page=100&branch=main&event=push"
                   "&created=%3E%3D2026-01-01");
    buf_release(&b);
    gh_runs_url(&b, "http://h", "o/r", "w.yml", NULL, NULL, "2026-01-01", "2026-02-01");
    CHECK_STR(b.p, "http://h/repos/o/r/actions/workflows/w.yml/runs?status=success&per_page=100"
                   "&created=2026-01-01..2026-02-01");
    buf_release(&b);
    gh_runs_url(&b, "http://h", "o/r", "w.yml", NULL, NULL, NULL, "2026-02-01");
    CHECK_STR(b.p, "http://h/repos/o/r/actions/workflows/w.yml/runs?status=success&per_page=100"
                   "&created=%3C%3D2026-02-01");
    buf_release(&b);
    CHECK(gh_init(&g, "https://h/api/v3/", "o/r", NULL, &err) == 0);
    c = gh_url(&g, "/actions/artifacts/%d/zip", 42);
    CHECK_STR(c, "https://h/api/v3/repos/o/r/actions/artifacts/42/zip");
    free(c);
    gh_release(&g);
}

static void disposition(void)
{
    char *f;
    f = gh_disposition_filename(
        "attachment; filename=\"agg_bmk.json\"; filename*=UTF-8''agg%20b.json");
    CHECK_STR(f, "agg b.json");
    free(f);
    f = gh_disposition_filename("attachment; filename=\"../../etc/passwd\"");
    CHECK_STR(f, "passwd");
    free(f);
    f = gh_disposition_filename("attachment; filename=plain.txt");
    CHECK_STR(f, "plain.txt");
    free(f);
    CHECK(gh_disposition_filename("attachment") == NULL);
    CHECK(gh_disposition_filename(NULL) == NULL);
    CHECK(gh_is_zip("application/zip", "http://h/x"));
    CHECK(gh_is_zip("application/x-zip-compressed; charset=x", "http://h/x"));
    CHECK(gh_is_zip("application/octet-stream", "http://h/a/results_bmk.zip?sig=1"));
    CHECK(!gh_is_zip("application/json", "http://h/a/agg_bmk.json?x=.zip"));
    CHECK(!gh_is_zip(NULL, "http://h/a/agg_bmk.json"));
}

/* Each run's own text, cut from the listing: only the first workflow_runs member of the top
 * level counts, whatever strings and nested objects hold. */
static void spans(void)
{
    const char *t = "{\"x\": \"workflow_runs\", \"o\": {\"workflow_runs\": [{\"id\": 9}]},"
                    " \"workflow_runs\": [ {\"id\": 1, \"s\": \"]}\\\"{[\"} , {\"id\": 2,"
                    " \"a\": [{}]} ], \"workflow_runs\": [{\"id\": 3}], \"total_count\": 1e3}";
    struct gh_run *runs = NULL;
    size_t n = 0;
    long long total = 0;
    struct imx_err err = IMX_ERR_INIT;

    CHECK(gh_parse_runs(t, strlen(t), &runs, &n, &total, &err) == 0 && n == 2);
    CHECK(total == -1); /* not an integer: none */
    if (n == 2) {
        CHECK_STR(runs[0].json, "{\"id\": 1, \"s\": \"]}\\\"{[\"}");
        CHECK(runs[0].jsonlen == strlen(runs[0].json) && runs[0].id == 1);
        CHECK_STR(runs[1].json, "{\"id\": 2, \"a\": [{}]}");
    }
    for (size_t i = 0; i < n; i++)
        gh_run_release(&runs[i]);
    free(runs);
}

static void pager(void)
{
    struct gh_pager p = {0};
    struct imx_err err = IMX_ERR_INIT;
    const char *u1 = "http://h/r?per_page=2";
    char *next = NULL;

    CHECK(gh_pager_next(&p, u1, "<http://h/r?per_page=2&page=2>; rel=\"next\"", 5, &next, &err) ==
          0);
    CHECK_STR(next, "http://h/r?per_page=2&page=2");
    free(next);
    /* relative, resolved against the request */
    CHECK(gh_pager_next(&p, "http://h/r?per_page=2&page=2", "</r?per_page=2&page=3>; rel=next", 5,
                        &next, &err) == 0);
    CHECK_STR(next, "http://h/r?per_page=2&page=3");
    free(next);
    /* past total_count 5 / per_page 2 + slack: 3 + 2 pages */
    CHECK(gh_pager_next(&p, "http://h/r?per_page=2&page=3", "</r?per_page=2&page=4>; rel=next", 5,
                        &next, &err) == 0);
    free(next);
    CHECK(gh_pager_next(&p, "http://h/r?per_page=2&page=4", "</r?per_page=2&page=5>; rel=next", 5,
                        &next, &err) == 0);
    free(next);
    CHECK(gh_pager_next(&p, "http://h/r?per_page=2&page=5", "</r?per_page=2&page=6>; rel=next", 5,
                        &next, &err) < 0 &&
          !next);
    CHECK(strstr(err.msg, "total_count 5") != NULL);
    gh_pager_release(&p);
    /* the very URL again (no page numbers to compare) */
    imx_err_clear(&err);
    CHECK(gh_pager_next(&p, "http://h/a", "<http://h/b>; rel=next", -1, &next, &err) == 0);
    free(next);
    CHECK(gh_pager_next(&p, "http://h/b", "<http://h/a>; rel=next", -1, &next, &err) < 0);
    CHECK(strstr(err.msg, "already read") != NULL);
    gh_pager_release(&p);
    /* no next: the end */
    CHECK(gh_pager_next(&p, "http://h/a", NULL, -1, &next, &err) == 0 && !next);
    gh_pager_release(&p);
    /* a total no server has does not overflow the page count: as good as none */
    CHECK(gh_pager_next(&p, "http://h/r?per_page=1", "<http://h/r?per_page=1&page=2>; rel=next",
                        9223372036854775807LL, &next, &err) == 0);
    free(next);
    gh_pager_release(&p);
    /* a total_count that lies (10^12 at 100 a page) cannot make a next page for ever sane */
    {
        char url[64], link[80];
        long pages = 1;
        int rc = 0;
        imx_err_clear(&err);
        for (; pages <= 2 * GH_PAGES_UNKNOWN && rc == 0; pages++) {
            snprintf(url, sizeof(url), "http://h/r?per_page=100&page=%ld", pages);
            snprintf(link, sizeof(link), "<http://h/r?per_page=100&page=%ld>; rel=next", pages + 1);
            rc = gh_pager_next(&p, url, link, 1000000000000LL, &next, &err);
            free(next);
        }
        CHECK(rc < 0 && pages - 1 <= GH_PAGES_UNKNOWN);
        CHECK(strstr(err.msg, "giving up") != NULL);
        gh_pager_release(&p);
    }
}

int main(void)
{
    RUN(pager);
    RUN(choose_aggregate);
    RUN(choose_percfg);
    RUN(choose_scheduler_era);
    RUN(runs_raw);
    RUN(artifacts);
    RUN(urls);
    RUN(disposition);
    RUN(spans);
    UNIT_END();
}
