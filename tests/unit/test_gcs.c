/* test_gcs: the pure parts of the GCS backup source: object names, listing pages,
 * hashes, URL encoding, the workflow filter and the per-date listing state. */
#include "source/gcs.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "unit.h"

#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void name_artifact(void)
{
    struct gcs_name n;

    CHECK(gcs_name_parse(
              "2026-01-05/Run_Sweep_-_main_20720630953/artifacts/"
              "bmk_dsr1_1k1k_fp8_sglang_tp8_ep1_dpa_false_conc4_mi325x-amd_0_5100000123.zip",
              &n) == 0);
    CHECK(n.kind == GCS_NAME_ARTIFACT);
    CHECK_STR(n.date, "2026-01-05");
    CHECK_STR(n.folder, "Run_Sweep_-_main");
    CHECK(n.run_id == 20720630953ULL);
    CHECK_STR(n.artifact, "bmk_dsr1_1k1k_fp8_sglang_tp8_ep1_dpa_false_conc4_mi325x-amd_0");
    CHECK(n.artifact_id == 5100000123ULL);
    gcs_name_release(&n);

    CHECK(gcs_name_parse("2026-01-05/Run_Sweep_-_main_20720630953/artifacts/results_bmk_51.zip",
                         &n) == 0);
    CHECK_STR(n.artifact, "results_bmk");
    CHECK(n.artifact_id == 51);
    gcs_name_release(&n);
}

static void name_metadata_and_bad(void)
{
    struct gcs_name n;

    CHECK(
        gcs_name_parse("2026-01-05/Run_Sweep_-_main_20720630953/artifacts/artifacts_metadata.json",
                       &n) == 0);
    CHECK(n.kind == GCS_NAME_METADATA);
    CHECK(n.run_id == 20720630953ULL);
    CHECK(n.artifact == NULL);
    gcs_name_release(&n);

    /* run id shorter than 10 digits, missing artifact id, no .zip, bad date, no folder */
    CHECK(gcs_name_parse("2026-01-05/Full_Sweep_-_1k1k_12345/artifacts/results_bmk_1.zip", &n) < 0);
    CHECK(n.kind == GCS_NAME_BAD);
    CHECK(gcs_name_parse("2026-01-05/Run_Sweep_20720630953/artifacts/results_bmk.zip", &n) < 0);
    CHECK(gcs_name_parse("2026-01-05/Run_Sweep_20720630953/artifacts/results_bmk_1.tar", &n) < 0);
    CHECK(gcs_name_parse("2026-13-05/Run_Sweep_20720630953/artifacts/results_bmk_1.zip", &n) < 0);
    CHECK(gcs_name_parse("2026-01-05/_20720630953/artifacts/results_bmk_1.zip", &n) < 0);
    CHECK(gcs_name_parse("2026-01-05/Run_Sweep_20720630953/results_bmk_1.zip", &n) < 0);
    CHECK(gcs_name_parse("README.txt", &n) < 0);
    CHECK(gcs_name_parse("2026-01-05/", &n) < 0);
    CHECK(gcs_name_parse("", &n) < 0);
}

static void name_greedy_and_odd(void)
{
    struct gcs_name n;

    /* Spaces, '+' and a nested "/artifacts/" in the title: the last one splits. */
    CHECK(gcs_name_parse("2025-10-01/Run Sweep - a+b/artifacts/x_1234567890/artifacts/"
                         "gptoss 1k1k+x_7_99.zip",
                         &n) == 0);
    CHECK_STR(n.folder, "Run Sweep - a+b/artifacts/x");
    CHECK(n.run_id == 1234567890ULL);
    CHECK_STR(n.artifact, "gptoss 1k1k+x_7");
    CHECK(n.artifact_id == 99);
    gcs_name_release(&n);

    /* When the last "/artifacts/" does not give a match, an earlier one may. */
    CHECK(gcs_name_parse("2025-10-01/T_1234567890/artifacts/a/artifacts/b_5.zip", &n) == 0);
    CHECK_STR(n.folder, "T");
    CHECK_STR(n.artifact, "a/artifacts/b");
    gcs_name_release(&n);
}

static const char page1[] =
    "{\"kind\":\"storage#objects\",\"nextPageToken\":\"CkQy\",\"items\":["
    "{\"name\":\"2026-01-05/Run_Sweep_-_main_20720630953/artifacts/artifacts_metadata.json\","
    "\"size\":\"48213\",\"updated\":\"2026-01-06T02:11:09.120Z\",\"metadata\":{\"a\":[1,{\"b\":2}]}"
    "},"
    "{\"name\":\"2026-01-05/Run_Sweep_-_main_20720630953/artifacts/results_bmk_5100000999.zip\","
    "\"size\":31877,\"md5Hash\":\"XUFAKrxLKna5cZ2REBfFkg==\",\"crc32c\":\"4waSgw==\"}],"
    "\"prefixes\":[\"2026-01-05/\",\"2026-01-06/\"],\"unknown\":{\"items\":[]}}";

static void page_parse(void)
{
    struct gcs_page pg;
    struct imx_err err = IMX_ERR_INIT;
    static const unsigned char md5_hello[16] = {0x5d, 0x41, 0x40, 0x2a, 0xbc, 0x4b, 0x2a, 0x76,
                                                0xb9, 0x71, 0x9d, 0x91, 0x10, 0x17, 0xc5, 0x92};

    gcs_page_init(&pg);
    CHECK(gcs_page_parse(&pg, page1, strlen(page1), &err) == 0);
    CHECK(pg.nitems == 2);
    CHECK(pg.nprefixes == 2);
    CHECK_STR(pg.next_token, "CkQy");
    CHECK(pg.items[0].size == 48213 && pg.items[0].has_size);
    CHECK(!pg.items[0].has_md5 && !pg.items[0].has_crc32c);
    CHECK_STR(pg.items[0].updated, "2026-01-06T02:11:09.120Z");
    CHECK(pg.items[1].size == 31877);
    CHECK(pg.items[1].has_md5 && !memcmp(pg.items[1].md5, md5_hello, 16));
    CHECK(pg.items[1].has_crc32c && pg.items[1].crc32c == 0xE3069283u);
    CHECK_STR(pg.prefixes[1], "2026-01-06/");
    /* A second page appends and clears the token. */
    CHECK(gcs_page_parse(&pg, "{\"items\":[{\"name\":\"x\"}]}", 24, &err) == 0);
    CHECK(pg.nitems == 3 && pg.next_token == NULL);
    gcs_page_release(&pg);

    /* Empty folder: no items at all. */
    CHECK(gcs_page_parse(&pg, "{\"kind\":\"storage#objects\"}", 26, &err) == 0);
    CHECK(pg.nitems == 0);
    gcs_page_release(&pg);
}

static void page_parse_errors(void)
{
    static const char *const bad[] = {
        "[]",
        "{\"items\":{}}",
        "{\"items\":[{\"size\":\"1\"}]}",
        "{\"items\":[{\"name\":\"a\",\"size\":\"-1\"}]}",
        "{\"items\":[{\"name\":\"a\",\"md5Hash\":\"short\"}]}",
        "{\"items\":[{\"name\":\"a\",\"crc32c\":\"AAAAAAAA\"}]}",
        "{\"items\":[{\"name\":\"a\"}",
        "<html>503</html>",
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct gcs_page pg;
        struct imx_err err = IMX_ERR_INIT;
        gcs_page_init(&pg);
        CHECK(gcs_page_parse(&pg, bad[i], strlen(bad[i]), &err) == -IMX_EPARSE);
        CHECK(err.code == IMX_EPARSE);
        gcs_page_release(&pg);
    }
}

static void *crc_worker(void *arg)
{
    static const char text[] = "123456789";
    int *ok = arg;

    *ok = 1;
    for (int i = 0; i < 2000; i++)
        *ok &= gcs_crc32c(0, text, 9) == 0xE3069283u;
    return NULL;
}

/* The first use of the table from many threads at once: each sees a whole table (run first,
 * before anything else in this binary builds it). */
static void crc32c_threads(void)
{
    pthread_t t[8];
    int ok[8];

    for (int i = 0; i < 8; i++)
        CHECK(pthread_create(&t[i], NULL, crc_worker, &ok[i]) == 0);
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        CHECK(ok[i]);
    }
}

static void hashes(void)
{
    unsigned char b[16];

    CHECK(gcs_crc32c(0, "123456789", 9) == 0xE3069283u);
    CHECK(gcs_crc32c(gcs_crc32c(0, "1234", 4), "56789", 5) == 0xE3069283u);
    CHECK(gcs_crc32c(0, "", 0) == 0);
    CHECK(gcs_b64_decode("AAAAAQ==", b, 5) < 0);
    CHECK(gcs_b64_decode("AAAAAQ==", b, 4) == 0 && b[3] == 1);
    CHECK(gcs_b64_decode("AAAAAQ=", b, 4) < 0);
    CHECK(gcs_b64_decode("AAAAAA==", b, 4) == 0 && b[3] == 0);
    CHECK(gcs_b64_decode("AQIDBA==", b, 4) == 0 && b[0] == 1 && b[3] == 4);
    CHECK(gcs_b64_decode("AQ=DBA==", b, 4) < 0);
    CHECK(gcs_b64_decode("AQ$DBA==", b, 4) < 0);
}

static void verify_file(void)
{
    char path[] = "/tmp/imx-test-gcs-XXXXXX";
    int fd = mkstemp(path);
    struct gcs_object o;
    struct imx_err err = IMX_ERR_INIT;
    static const unsigned char md5_hello[16] = {0x5d, 0x41, 0x40, 0x2a, 0xbc, 0x4b, 0x2a, 0x76,
                                                0xb9, 0x71, 0x9d, 0x91, 0x10, 0x17, 0xc5, 0x92};

    CHECK(fd >= 0);
    CHECK(write(fd, "hello", 5) == 5);
    close(fd);
    memset(&o, 0, sizeof(o));
    o.name = (char *)"obj";
    o.size = 5;
    o.has_size = 1;
    o.has_md5 = 1;
    memcpy(o.md5, md5_hello, 16);
    CHECK(gcs_verify_file(path, &o, &err) == 0);
    o.md5[0] ^= 1;
    CHECK(gcs_verify_file(path, &o, &err) == -IMX_EVERIFY);
    imx_err_clear(&err);
    o.has_md5 = 0;
    o.has_crc32c = 1;
    o.crc32c = gcs_crc32c(0, "hello", 5);
    CHECK(gcs_verify_file(path, &o, &err) == 0);
    o.crc32c ^= 1;
    CHECK(gcs_verify_file(path, &o, &err) == -IMX_EVERIFY);
    imx_err_clear(&err);
    o.crc32c ^= 1;
    o.size = 6; /* a truncated download */
    CHECK(gcs_verify_file(path, &o, &err) == -IMX_EVERIFY);
    CHECK(strstr(err.msg, "5 bytes") != NULL);
    unlink(path);
}

static void encoding(void)
{
    struct buf b = BUF_INIT;

    CHECK(http_url_encode_keep(&b, "2026-01-05/Run Sweep - a+b_1/artifacts/x~y(1)!.zip",
                               GCS_KEEP_PATH) == 0);
    CHECK_STR(b.p, "2026-01-05/Run%20Sweep%20-%20a%2Bb_1/artifacts/x~y(1)!.zip");
    buf_reset(&b);
    CHECK(http_url_encode_keep(&b, "2026-01-05/", GCS_KEEP_QUERY) == 0);
    CHECK_STR(b.p, "2026-01-05%2F");
    buf_reset(&b);
    CHECK(http_url_encode_keep(&b, "a=b&c\xc3\xa9", GCS_KEEP_QUERY) == 0);
    CHECK_STR(b.p, "a%3Db%26c%C3%A9");
    buf_release(&b);
}

static void workflow_filter(void)
{
    CHECK(gcs_folder_matches_workflow("Run_Sweep_-_main", "run-sweep.yml"));
    CHECK(gcs_folder_matches_workflow("Run_Sweep_-_Add_gb300_configs", "run-sweep.yml"));
    CHECK(gcs_folder_matches_workflow("Run_Sweep", ".github/workflows/run-sweep.yml"));
    CHECK(!gcs_folder_matches_workflow("Run_Sweeper_-_x", "run-sweep.yml"));
    CHECK(!gcs_folder_matches_workflow("Full_Sweep_Scheduler_-_1k1k", "run-sweep.yml"));
    CHECK(!gcs_folder_matches_workflow("End-to-End_Tests", "run-sweep.yml"));
    CHECK(gcs_folder_matches_workflow("Full_Sweep_Scheduler_-_1k1k",
                                      "full-sweep-1k1k-scheduler.yml"));
    CHECK(gcs_folder_matches_workflow("Full_Sweep_-_1k1k", "full-sweep-1k1k-scheduler.yml"));
    CHECK(!gcs_folder_matches_workflow("Full_Sweep_Scheduler_-_1k8k",
                                       "full-sweep-1k1k-scheduler.yml"));
    CHECK(!gcs_folder_matches_workflow("Run_Sweep_-_full sweep 1k1k",
                                       "full-sweep-1k1k-scheduler.yml"));
    CHECK(gcs_folder_matches_workflow("Full_Sweep_Scheduler_-_8k1k", "full-sweep-scheduler.yml"));
    CHECK(gcs_folder_matches_workflow("End-to-End_Tests", "e2e-tests.yml"));
    CHECK(gcs_folder_matches_workflow("anything", "*"));
}

static void dates(void)
{
    /* nothing stored, refresh */
    CHECK(gcs_date_needs_listing("2026-01-01", "2026-02-01", NULL, 0));
    CHECK(gcs_date_needs_listing("2026-01-01", "2026-02-01", "2026-02-01T00:00:00Z", 1));
    /* settled */
    CHECK(!gcs_date_needs_listing("2026-01-01", "2026-02-01", "2026-02-01T00:00:00Z", 0));
    /* the last two days of the bucket */
    CHECK(gcs_date_needs_listing("2026-02-01", "2026-02-01", "2026-02-09T00:00:00Z", 0));
    CHECK(gcs_date_needs_listing("2026-01-31", "2026-02-01", "2026-02-09T00:00:00Z", 0));
    CHECK(!gcs_date_needs_listing("2026-01-30", "2026-02-01", "2026-02-09T00:00:00Z", 0));
    /* listed while fresh */
    CHECK(gcs_date_needs_listing("2026-01-01", "2026-02-01", "2026-01-02T10:00:00Z", 0));
    CHECK(gcs_date_needs_listing("2026-01-01", "2026-02-01", "garbage", 0));
}

static void state_roundtrip(void)
{
    char dir[] = "/tmp/imx-test-gcs-XXXXXX";
    static const char last[] = "{\"items\":[{\"name\":\"2026-01-05/x\",\"size\":\"7\"}]}";
    struct gcs_page back;
    struct imx_err err = IMX_ERR_INIT;
    struct buf p = BUF_INIT, two = BUF_INIT;
    char *listed_at = NULL;

    CHECK(mkdtemp(dir) != NULL);
    gcs_page_init(&back);
    CHECK(gcs_state_load(dir, "bkt", "2026-01-05", &back, &listed_at, &err) == 0);
    CHECK(listed_at == NULL);
    /* the pages as the server sent them, read back as one listing */
    buf_addf(&two, "%s,%s", page1, last);
    CHECK(gcs_state_save(dir, "bkt", "2026-01-05", &two, "2026-01-09T01:02:03Z", &err) == 0);
    CHECK(gcs_state_load(dir, "bkt", "2026-01-05", &back, &listed_at, &err) == 0);
    CHECK_STR(listed_at, "2026-01-09T01:02:03Z");
    CHECK(back.nitems == 3 && !back.next_token);
    CHECK(back.items[1].size == 31877 && back.items[1].crc32c == 0xE3069283u);
    free(listed_at);
    gcs_page_release(&back);

    /* A listing that stops at a page with a nextPageToken, or a damaged file, counts as absent. */
    buf_reset(&two);
    buf_adds(&two, page1);
    CHECK(gcs_state_save(dir, "bkt", "2026-01-05", &two, "x", &err) == 0);
    CHECK(gcs_state_load(dir, "bkt", "2026-01-05", &back, &listed_at, &err) == 0);
    CHECK(listed_at == NULL && back.nitems == 0);
    buf_addf(&p, "%s/.imx-gcs/bkt/2026-01-05.json", dir);
    CHECK(atomic_write(p.p, "{\"listed_at\":\"x\",\"pages\":[", 26, &err) == 0);
    CHECK(gcs_state_load(dir, "bkt", "2026-01-05", &back, &listed_at, &err) == 0);
    CHECK(listed_at == NULL && back.nitems == 0);

    /* Bucket names cannot leave the state folder. */
    CHECK(gcs_state_save(dir, "../x", "2026-01-05", &two, "x", &err) == -IMX_EUSAGE);
    CHECK(gcs_state_save(dir, "bkt", "../../x", &two, "x", &err) == -IMX_EUSAGE);
    buf_release(&p);
    buf_release(&two);
    remove_tree(dir);
}

static const char listing[] =
    "{\"items\":["
    "{\"name\":\"2026-01-05/Run_Sweep_-_main_20720630953/artifacts/artifacts_metadata.json\"},"
    "{\"name\":\"2026-01-05/Run_Sweep_-_main_20720630953/artifacts/"
    "results_bmk_7.zip\",\"size\":\"3\"},"
    "{\"name\":\"2026-01-05/Run_Sweep_-_main_20720630953/artifacts/"
    "results_bmk_9.zip\",\"size\":\"4\"},"
    "{\"name\":\"2026-01-05/End-to-End_Tests_20720630999/artifacts/results_bmk_8.zip\"},"
    "{\"name\":\"2026-01-05/End-to-End_Tests_20720630999/artifacts/run-stats_10.zip\"},"
    "{\"name\":\"2026-01-05/README.txt\"},"
    "{\"name\":\"2026-01-05/Run_Sweep_-_x_20720631000/artifacts/bmk_a_11.zip\"}]}";

static void index_runs(void)
{
    struct gcs_page pg;
    struct gcs_index ix;
    struct imx_err err = IMX_ERR_INIT;
    struct gcs_run *r;

    gcs_page_init(&pg);
    memset(&ix, 0, sizeof(ix));
    CHECK(gcs_page_parse(&pg, listing, strlen(listing), &err) == 0);
    gcs_index_add(&ix, &pg, "run-sweep.yml");
    CHECK(ix.n == 2);
    CHECK(ix.unparsed == 1);
    CHECK(ix.runs[0].id == 20720631000ULL);
    r = gcs_index_find(&ix, 20720630953ULL);
    CHECK(r && r->narts == 2 && r->meta != NULL);
    CHECK(r && r->arts[1].id == 9 && r->objs[1]->size == 4);
    CHECK(r && !strcmp(r->folder, "Run_Sweep_-_main") && !strcmp(r->date, "2026-01-05"));
    CHECK(ix.runs[0].meta == NULL);
    gcs_index_release(&ix);
    gcs_index_add(&ix, &pg, NULL);
    CHECK(ix.n == 3);
    gcs_index_release(&ix);
    gcs_page_release(&pg);
}

static void run_json(void)
{
    static const char meta[] =
        "[{\"id\":9,\"name\":\"results_bmk\",\"created_at\":\"2026-01-05T21:03:11Z\","
        "\"workflow_run\":{\"id\":20720630953,\"head_branch\":\"main\",\"head_sha\":\"abc\"}},"
        "{\"id\":8,\"name\":\"x\",\"created_at\":\"2026-01-05T20:00:00Z\","
        "\"workflow_run\":{\"id\":20720630953}},"
        "{\"id\":1,\"name\":\"y\",\"created_at\":\"2020-01-01T00:00:00Z\","
        "\"workflow_run\":{\"id\":1}}]";
    struct gcs_run run;
    struct buf out = BUF_INIT;
    struct imx_err err = IMX_ERR_INIT, bad = IMX_ERR_INIT;

    memset(&run, 0, sizeof(run));
    run.id = 20720630953ULL;
    memcpy(run.date, "2026-01-05", 11);
    run.folder = (char *)"Run_Sweep_-_main";
    CHECK(gcs_run_json(&run, meta, strlen(meta), "SemiAnalysisAI/InferenceX", NULL, &out, &bad,
                       &err) == 0);
    CHECK(bad.code == 0);
    CHECK(strstr(out.p, "\"id\": 20720630953") != NULL);
    CHECK(strstr(out.p, "\"name\": \"Run Sweep - main\"") != NULL);
    CHECK(strstr(out.p, "\"head_branch\": \"main\"") != NULL);
    CHECK(strstr(out.p, "\"head_sha\": \"abc\"") != NULL);
    CHECK(strstr(out.p, "\"created_at\": \"2026-01-05T20:00:00Z\"") != NULL);
    CHECK(strstr(out.p, "\"imx_source\": \"gcs-backup\"") != NULL);
    CHECK(strstr(out.p, "actions/runs/20720630953") != NULL);
    CHECK(strstr(out.p, "\"metadata\": true") != NULL);
    buf_reset(&out);
    /* Without metadata: the date folder. */
    CHECK(gcs_run_json(&run, NULL, 0, NULL, "bkt", &out, &bad, &err) == 0);
    CHECK(strstr(out.p, "\"created_at\": \"2026-01-05T00:00:00Z\"") != NULL);
    CHECK(strstr(out.p, "\"head_branch\": null") != NULL);
    CHECK(strstr(out.p, "\"metadata\": false") != NULL);
    buf_reset(&out);
    /* Metadata that does not read: said in bad, the run.json of none. */
    CHECK(gcs_run_json(&run, "{}", 2, NULL, NULL, &out, &bad, &err) == 0);
    CHECK(bad.code == IMX_EPARSE && strstr(bad.msg, "not an array") != NULL);
    CHECK(strstr(out.p, "\"metadata\": false") != NULL);
    buf_release(&out);
}

int main(void)
{
    RUN(crc32c_threads);
    RUN(name_artifact);
    RUN(name_metadata_and_bad);
    RUN(name_greedy_and_odd);
    RUN(page_parse);
    RUN(page_parse_errors);
    RUN(hashes);
    RUN(verify_file);
    RUN(encoding);
    RUN(workflow_filter);
    RUN(dates);
    RUN(state_roundtrip);
    RUN(index_runs);
    RUN(run_json);
    UNIT_END();
}
