/* test_store: the cache store: manifest round trip, ETag store, installing artifacts by rename
 * (the aggregate into the run folder, others into their own), superseding, the writer lock. */
#include "cache/store.h"
#include "unit.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char base[256];

static int exists(const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", base, rel);
    return path_exists(p);
}

static void manifest_roundtrip(void)
{
    struct manifest m, back;
    struct manifest_art *a;
    struct buf b = BUF_INIT;
    struct imx_err err = IMX_ERR_INIT;

    manifest_init(&m, 123);
    m.run_attempt = 2;
    m.updated_at = xstrdup("2026-01-14T22:27:36Z");
    m.artifacts_etag = xstrdup("W/\"abc\"");
    m.complete = 1;
    m.rows_known = 1;
    run_rows_add(&m.rows, "gptoss", 26);
    run_rows_add(&m.rows, "dsr1", 30);
    a = manifest_get(&m, 77, "results_bmk");
    a->state = ART_COMPLETE;
    a->size = 1234;
    a->digest = xstrdup("sha256:00ff");
    a->path = xstrdup(".");
    a->files = xcalloc(1, sizeof(char *));
    a->files[0] = xstrdup("agg_bmk.json");
    a->nfiles = 1;
    a = manifest_get(&m, 78, "we\"ird\\name");
    a->state = ART_EXPIRED;
    a->expired = 1;
    manifest_format(&m, &b);
    manifest_init(&back, 123);
    CHECK(manifest_parse(&back, b.p, b.len, &err) == 0);
    CHECK(back.run_attempt == 2 && back.complete && back.n == 2);
    CHECK_STR(back.artifacts_etag, "W/\"abc\"");
    CHECK(back.rows_known && back.rows.total == 56 && back.rows.n == 2);
    CHECK(manifest_find(&back, 77) && manifest_find(&back, 77)->state == ART_COMPLETE &&
          manifest_find(&back, 77)->nfiles == 1 && manifest_find(&back, 77)->size == 1234);
    CHECK(manifest_find(&back, 78) && manifest_find(&back, 78)->state == ART_EXPIRED);
    CHECK_STR(manifest_find(&back, 78)->name, "we\"ird\\name");
    CHECK(manifest_parse(&back, "{\"artifacts\": [", 15, &err) < 0);
    manifest_release(&back);
    manifest_release(&m);
    buf_release(&b);
}

static void etags(void)
{
    struct store s;
    struct imx_err err = IMX_ERR_INIT;
    char *etag, *link, *body;
    size_t len;

    CHECK(store_open(&s, base, &err) == 0);
    CHECK(store_etag_get(&s, "http://x/a", &etag, &link, &body, &len) == 0);
    CHECK(store_etag_put(&s, "http://x/a", "W/\"1\"", "<http://x/a?page=2>; rel=\"next\"",
                         "{\"a\":\n1}", 8, &err) == 0);
    CHECK(store_etag_get(&s, "http://x/a", &etag, &link, &body, &len) == 1);
    CHECK_STR(etag, "W/\"1\"");
    CHECK_STR(link, "<http://x/a?page=2>; rel=\"next\"");
    CHECK(len == 8 && !memcmp(body, "{\"a\":\n1}", 8));
    free(etag);
    free(link);
    free(body);
    CHECK(store_etag_get(&s, "http://x/b", &etag, &link, &body, &len) == 0);
    store_close(&s);
}

static void put_file(const char *path, const char *text)
{
    struct imx_err err = IMX_ERR_INIT;
    CHECK(atomic_write(path, text, strlen(text), &err) == 0);
}

static void install_and_supersede(void)
{
    struct store s;
    struct imx_err err = IMX_ERR_INIT;
    struct manifest m;
    struct store_install in;
    struct unpack_result res;
    char f[512];

    CHECK(store_open(&s, base, &err) == 0);
    manifest_init(&m, 9);
    snprintf(f, sizeof(f), "%s/.imx/tmp/raw1", base);
    memset(&in, 0, sizeof(in));
    in.run_id = 9;
    in.id = 100;
    in.name = "results_bmk";
    in.file = f;
    in.filename = "agg_bmk.json";
    in.source = "github";
    put_file(f, "[1]");
    CHECK(store_install_artifact(&s, &m, &in, &res, &err) == 0);
    CHECK(exists("run_9/agg_bmk.json") && !exists("run_9/.staging-100") &&
          !exists(".imx/tmp/raw1"));
    CHECK(manifest_find(&m, 100)->state == ART_COMPLETE);
    /* a re-run's upload of the same name: the first is kept aside */
    put_file(f, "[2]");
    in.id = 200;
    CHECK(store_install_artifact(&s, &m, &in, &res, &err) == 0);
    CHECK(exists("run_9/.superseded/100-results_bmk/agg_bmk.json"));
    CHECK(manifest_find(&m, 100)->state == ART_SUPERSEDED);
    CHECK(manifest_find(&m, 200)->state == ART_COMPLETE);
    /* another artifact goes to its own folder; an unsafe name is refused */
    put_file(f, "{}");
    in.id = 300;
    in.name = "bmk_x";
    in.filename = "agg_bmk_x.json";
    CHECK(store_install_artifact(&s, &m, &in, &res, &err) == 0 &&
          exists("run_9/bmk_x/agg_bmk_x.json"));
    put_file(f, "{}");
    in.id = 400;
    in.name = "..";
    CHECK(store_install_artifact(&s, &m, &in, &res, &err) == -IMX_EUNSAFE);
    CHECK(manifest_find(&m, 400) == NULL);
    /* a zip that fails leaves nothing visible */
    put_file(f, "not a zip");
    in.id = 500;
    in.name = "bmk_y";
    in.is_zip = 1;
    CHECK(store_install_artifact(&s, &m, &in, &res, &err) < 0);
    CHECK(!exists("run_9/bmk_y") && !exists("run_9/.staging-500"));
    CHECK(store_manifest_save(&s, &m, &err) == 0);
    CHECK(store_have(&s, 9, 200) && !store_have(&s, 9, 100) && !store_have(&s, 9, 500));
    manifest_release(&m);
    store_close(&s);
}

static void locks(void)
{
    struct store a, b;
    struct imx_err err = IMX_ERR_INIT;

    CHECK(store_open(&a, base, &err) == 0 && store_open(&b, base, &err) == 0);
    CHECK(store_lock(&a, 0, NULL, NULL, &err) == 0);
    imx_err_clear(&err);
    CHECK(store_lock(&b, 0, NULL, NULL, &err) == -IMX_ELOCK);
    CHECK(strstr(err.msg, "--no-wait") != NULL);
    store_close(&a);
    CHECK(store_lock(&b, 0, NULL, NULL, &err) == 0);
    store_close(&b);
}

static void runs_listed(void)
{
    unsigned long long *ids = NULL;
    size_t n = 0;
    struct imx_err err = IMX_ERR_INIT;
    char p[512];

    snprintf(p, sizeof(p), "%s/run_10", base);
    mkdir_p(p, &err);
    snprintf(p, sizeof(p), "%s/run_x1", base);
    mkdir_p(p, &err);
    CHECK(store_list_runs(base, &ids, &n, &err) == 0 && n == 2 && ids[0] == 10 && ids[1] == 9);
    free(ids);
}

int main(void)
{
    char tmpl[] = "/tmp/imx-store.XXXXXX";
    if (!mkdtemp(tmpl))
        return 1;
    snprintf(base, sizeof(base), "%s", tmpl);
    RUN(manifest_roundtrip);
    RUN(etags);
    RUN(install_and_supersede);
    RUN(locks);
    RUN(runs_listed);
    remove_tree(base);
    UNIT_END();
}
