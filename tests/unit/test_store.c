/* test_store: the cache store: manifest round trip, ETag store, installing artifacts by rename
 * (the aggregate into the run folder, others into their own), superseding, the writer lock. */
#include "cache/store.h"
#include "cache/verify.h"
#include "unit.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
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
    a->has_content = 1;
    a->content = xcalloc(1, sizeof(*a->content));
    a->content[0].path = xstrdup("agg_bmk.json");
    a->content[0].size = 3;
    memset(a->content[0].sha256, 'a', 64);
    a->ncontent = 1;
    a = manifest_get(&m, 78, "we\"ird name");
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
    CHECK_STR(manifest_find(&back, 78)->name, "we\"ird name");
    CHECK(manifest_find(&back, 77)->has_content && manifest_find(&back, 77)->ncontent == 1 &&
          manifest_find(&back, 77)->content[0].size == 3 &&
          !strcmp(manifest_find(&back, 77)->content[0].path, "agg_bmk.json"));
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

/* Entries a sync could not have written are never taken at their word. */
static void manifest_hostile(void)
{
    struct manifest m;
    struct imx_err err = IMX_ERR_INIT;
    static const char text[] =
        "{\"run_id\": 5, \"complete\": true, \"artifacts\": ["
        "{\"id\": 1, \"name\": \"results_bmk\", \"state\": \"complete\", \"path\": "
        "\"../../x\", \"files\": [\"agg_bmk.json\", \"../../y\", \"run.json\", \".superseded\"]},"
        "{\"id\": 2, \"name\": \"../../z\", \"state\": \"complete\", \"path\": \"../../z\"},"
        "{\"id\": 3, \"name\": \"run.json\", \"state\": \"complete\", \"path\": \"run.json\"},"
        "{\"id\": 4, \"name\": \"bmk_a\", \"state\": \"superseded\", \"path\": "
        "\".superseded/9-bmk_a\"},"
        "{\"id\": 5, \"name\": \"bmk_b\", \"state\": \"superseded\", \"path\": "
        "\".superseded/5-bmk_b\", \"content\": [{\"path\": \"../e\", \"size\": 1, \"sha256\": "
        "\"0000000000000000000000000000000000000000000000000000000000000000\"}]}]}";

    manifest_init(&m, 5);
    CHECK(manifest_parse(&m, text, strlen(text), &err) == 0);
    CHECK(!m.complete && m.n == 3);
    CHECK(manifest_find(&m, 1) && manifest_find(&m, 1)->path == NULL &&
          manifest_find(&m, 1)->state == ART_FAILED && manifest_find(&m, 1)->nfiles == 1);
    CHECK(!manifest_find(&m, 2) && !manifest_find(&m, 3));
    CHECK(manifest_find(&m, 4) && !manifest_find(&m, 4)->path);
    CHECK(manifest_find(&m, 5) && manifest_find(&m, 5)->path && !manifest_find(&m, 5)->has_content);
    manifest_release(&m);
}

/* Links planted in the cache: nothing is written or swept through them. */
static void links_refused(void)
{
    struct store s;
    struct imx_err err = IMX_ERR_INIT;
    char cache[600], victim[600], p[700];

    snprintf(cache, sizeof(cache), "%s/jail", base);
    snprintf(victim, sizeof(victim), "%s/victim", base);
    CHECK(mkdir(cache, 0755) == 0 && mkdir(victim, 0755) == 0);
    snprintf(p, sizeof(p), "%s/.keep.tmp-123456", victim);
    put_file(p, "victim");
    snprintf(p, sizeof(p), "%s/.imx", cache);
    CHECK(symlink(victim, p) == 0);
    CHECK(store_open(&s, cache, &err) == -IMX_EIO && strstr(err.msg, "symbolic link"));
    unlink(p);
    imx_err_clear(&err);
    /* a run folder that is a link: not swept, not written */
    snprintf(p, sizeof(p), "%s/run_77", cache);
    CHECK(symlink(victim, p) == 0);
    CHECK(store_open(&s, cache, &err) == 0 && store_lock(&s, 0, NULL, NULL, &err) == 0);
    snprintf(p, sizeof(p), "%s/.keep.tmp-123456", victim);
    CHECK(path_exists(p));
    CHECK(store_write_run_json(&s, 77, "{}", 2, &err) == -IMX_EIO && strstr(err.msg, "run_77"));
    snprintf(p, sizeof(p), "%s/run.json", victim);
    CHECK(!path_exists(p));
    store_close(&s);
    CHECK(jail_dirs(cache, "a/../b", 1, &err) < 0);
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

/* A file that differs from what sync stored is never deleted by a new install: it goes to
 * .damaged/; the new file's size and SHA-256 are recorded; a .superseded/ entry in a zip never
 * replaces the kept folder. */
static void damaged_set_aside(void)
{
    struct store s;
    struct imx_err err = IMX_ERR_INIT;
    struct manifest m;
    struct store_install in;
    struct unpack_result res;
    struct run_check c;
    char f[512], p[600];

    CHECK(store_open(&s, base, &err) == 0);
    manifest_init(&m, 11);
    snprintf(f, sizeof(f), "%s/.imx/tmp/raw2", base);
    memset(&in, 0, sizeof(in));
    in.run_id = 11;
    in.id = 100;
    in.name = "results_bmk";
    in.file = f;
    in.filename = "agg_bmk.json";
    put_file(f, "[2]");
    CHECK(store_install_artifact(&s, &m, &in, &res, &err) == 0);
    CHECK(manifest_find(&m, 100)->has_content && manifest_find(&m, 100)->ncontent == 1 &&
          manifest_find(&m, 100)->content[0].size == 3);
    snprintf(p, sizeof(p), "%s/run_11", base);
    memset(&c, 0, sizeof(c));
    CHECK(verify_run(p, &m, 1, &c) == 0 && c.n == 0 && c.files == 1);
    run_check_release(&c);
    /* a changed byte: found only by the deep check */
    snprintf(p, sizeof(p), "%s/run_11/agg_bmk.json", base);
    put_file(p, "[3]");
    snprintf(p, sizeof(p), "%s/run_11", base);
    CHECK(verify_run(p, &m, 0, NULL) == 0);
    CHECK(verify_run(p, &m, 1, &c) == 1 && c.n == 1 && c.v[0].kind == DAMAGE_CHANGED &&
          manifest_find(&m, 100)->damaged);
    run_check_release(&c);
    /* fetched again: the changed file is kept aside, the new one recorded */
    put_file(f, "[2]");
    CHECK(store_install_artifact(&s, &m, &in, &res, &err) == 0);
    CHECK(exists("run_11/.damaged/100-1/agg_bmk.json") && exists("run_11/agg_bmk.json"));
    CHECK(!manifest_find(&m, 100)->damaged);
    CHECK(verify_run(p, &m, 1, &c) == 0 && c.n == 0);
    run_check_release(&c);
    /* an unchanged file fetched again is simply replaced */
    put_file(f, "[2]");
    CHECK(store_install_artifact(&s, &m, &in, &res, &err) == 0 && !exists("run_11/.damaged/100-2"));
    /* a cut file: found by size */
    snprintf(p, sizeof(p), "%s/run_11/agg_bmk.json", base);
    put_file(p, "[");
    snprintf(p, sizeof(p), "%s/run_11", base);
    CHECK(verify_run(p, &m, 0, &c) == 1 && c.n == 1 && c.v[0].kind == DAMAGE_CUT);
    run_check_release(&c);
    /* an unexpected file */
    snprintf(p, sizeof(p), "%s/run_11/stray.json", base);
    put_file(p, "[]");
    snprintf(p, sizeof(p), "%s/run_11", base);
    CHECK(verify_run(p, &m, 1, &c) == 1 && c.n == 2);
    run_check_release(&c);
    manifest_release(&m);
    store_close(&s);
}

/* A source's own documents (the API's under api/) are recorded in the manifest beside the run's
 * artifacts: found by size cheaply, by SHA-256 once the entry is marked damaged; a document
 * written again over other bytes leaves them under .damaged/0-<n>/. */
static void docs_recorded(void)
{
    struct store s;
    struct imx_err err = IMX_ERR_INIT;
    struct manifest m;
    struct run_check c;
    char p[512], dir[512];
    size_t before;

    CHECK(store_open(&s, base, &err) == 0);
    CHECK(store_manifest_load(&s, 9, &m, &err) == 1);
    before = m.n;
    manifest_release(&m);
    CHECK(!store_doc_ok(&s, 9, "api", "b_a1.json"));
    CHECK(store_put_doc(&s, 9, "api", "b_a1.json", "api", "[1.5]", 5, &err) == 0);
    CHECK(store_put_doc(&s, 9, "api", "c_a1.json", "api", "[2]", 3, &err) == 0);
    CHECK(store_doc_ok(&s, 9, "api", "b_a1.json") && !store_doc_ok(&s, 9, "api", "x_a1.json"));
    CHECK(store_manifest_load(&s, 9, &m, &err) == 1 && m.n == before + 1);
    CHECK(manifest_find(&m, STORE_DOCS_ID)->ncontent == 2 &&
          manifest_find(&m, STORE_DOCS_ID)->size == 8);
    /* one digit changed: the size still matches, the deep check finds it */
    snprintf(p, sizeof(p), "%s/run_9/api/b_a1.json", base);
    put_file(p, "[1.6]");
    snprintf(dir, sizeof(dir), "%s/run_9", base);
    CHECK(store_doc_ok(&s, 9, "api", "b_a1.json"));
    memset(&c, 0, sizeof(c));
    CHECK(verify_run(dir, &m, 1, &c) == 1 && c.n == 1 && c.v[0].kind == DAMAGE_CHANGED &&
          !strcmp(c.v[0].path, "api/b_a1.json"));
    run_check_release(&c);
    CHECK(store_manifest_save(&s, &m, &err) == 0);
    manifest_release(&m);
    CHECK(!store_doc_ok(&s, 9, "api", "b_a1.json") && store_doc_ok(&s, 9, "api", "c_a1.json"));
    /* written again: the changed bytes kept, the entry no longer damaged */
    CHECK(store_put_doc(&s, 9, "api", "b_a1.json", "api", "[1.5]", 5, &err) == 0);
    CHECK(exists("run_9/.damaged/0-1/api/b_a1.json") && store_doc_ok(&s, 9, "api", "b_a1.json"));
    CHECK(store_manifest_load(&s, 9, &m, &err) == 1 && !manifest_find(&m, STORE_DOCS_ID)->damaged);
    manifest_release(&m);
    /* the same bytes again: nothing set aside; a name that leaves its folder: refused */
    CHECK(store_put_doc(&s, 9, "api", "c_a1.json", "api", "[2]", 3, &err) == 0 &&
          !exists("run_9/.damaged/0-2"));
    CHECK(store_put_doc(&s, 9, "api", "../x", "api", "[2]", 3, &err) == -IMX_EUNSAFE);
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
    CHECK(mkdir_p(p, &err) == 0);
    snprintf(p, sizeof(p), "%s/run_x1", base);
    CHECK(mkdir_p(p, &err) == 0);
    CHECK(store_list_runs(base, &ids, &n, &err) == 0 && n == 3 && ids[0] == 11 && ids[1] == 10 &&
          ids[2] == 9);
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
    RUN(manifest_hostile);
    RUN(links_refused);
    RUN(install_and_supersede);
    RUN(damaged_set_aside);
    RUN(docs_recorded);
    RUN(locks);
    RUN(runs_listed);
    remove_tree(base);
    UNIT_END();
}
