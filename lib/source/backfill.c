/* backfill: GitHub's run objects for runs synced from the GCS backup (see backfill.h). The
 * backup only knows a run's date folder and title; GitHub's object has the exact created_at,
 * event, branch and attempt that ordering runs and the runs table need. */
#include "source/backfill.h"

#include "util/buf.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#define SOURCE_MAX 32

static int read_run_json(const struct store *s, unsigned long long id, char **text, size_t *len,
                         struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    int r;

    store_run_file(s, id, "run.json", &p);
    r = read_file(p.p, STORE_RUN_JSON_MAX, text, len, err);
    buf_release(&p);
    return r;
}

/* The backup's mark of run.json text into src (a short name), or 0 when it has none or the
 * run was already looked up on GitHub. */
static int backup_source(const char *text, size_t len, char *src, size_t n)
{
    char why[8];
    yajl_val root = json_tree_parse(text, len, why, sizeof(why));
    const char *c = json_str(json_get(root, "imx_source"));
    int ok = 0;

    if (c && !strncmp(c, "gcs", 3) && !json_get(root, "imx_github") && strlen(c) < n) {
        /* written by imx itself: letters, digits and dashes; anything else is not ours */
        ok = strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(c);
        if (ok)
            strcpy(src, c);
    }
    yajl_tree_free(root);
    return ok;
}

int backfill_candidates(const struct store *s, struct backfill_cand **out, size_t *n,
                        struct imx_err *err)
{
    unsigned long long *all;
    size_t nall, cap = 0;

    *out = NULL;
    *n = 0;
    if (store_list_runs(s->cache, &all, &nall, err) < 0)
        return -IMX_EIO;
    for (size_t i = 0; i < nall; i++) {
        struct imx_err e = IMX_ERR_INIT;
        struct backfill_cand c = {all[i], NULL, 0, ""};

        /* a run without a readable run.json is not the backup's: nothing to fill */
        if (read_run_json(s, all[i], &c.text, &c.len, &e) == 0 &&
            backup_source(c.text, c.len, c.source, sizeof(c.source))) {
            ALLOC_GROW(*out, *n + 1, cap);
            (*out)[(*n)++] = c;
        } else {
            free(c.text);
        }
    }
    free(all);
    return 0;
}

void backfill_cands_free(struct backfill_cand *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(c[i].text);
    free(c);
}

/* text (a JSON object) with the members `"key": "value"` of kv (pairs, NULL-ended) added last,
 * into out. */
static int add_members(const char *text, size_t len, const char *const *kv, struct buf *out)
{
    size_t end = len, open = 0;
    int r = 0, first;

    while (end > 0 && text[end - 1] != '}')
        end--;
    while (open < len && text[open] != '{')
        open++;
    if (!end || open >= end - 1)
        return -1;
    end--; /* at the closing brace */
    while (end > open + 1 && strchr(" \t\r\n", text[end - 1]))
        end--;
    first = end == open + 1;
    buf_reset(out);
    buf_add(out, text, end);
    for (; kv[0] && r == 0; kv += 2, first = 0)
        r = buf_addf(out, "%s\n  \"%s\": \"%s\"", first ? "" : ",", kv[0], kv[1]);
    return r < 0 ? r : buf_adds(out, "\n}\n");
}

/* One answer: run.json rewritten, or left for next time. */
static int take(const struct store *s, const struct backfill_cand *c, struct http_req *r, int down,
                struct backfill_stats *st, struct imx_diag *diag, struct imx_err *err)
{
    struct imx_err e = IMX_ERR_INIT;
    struct buf out = BUF_INIT;
    struct gh_run run;
    unsigned long long id = c->id;
    int rc = 0;

    memset(&run, 0, sizeof(run));
    if (r->code == 0 && (r->status == 404 || r->status == 410)) {
        const char *kv[] = {"imx_github", "absent", NULL};
        if (add_members(c->text, c->len, kv, &out) == 0) {
            rc = store_write_run_json(s, id, out.p, out.len, err);
            st->absent += rc == 0;
        }
    } else if (r->code == -IMX_ENET && down) {
        st->failed++; /* said once for all, by the caller */
    } else if (r->code < 0 || r->status != 200) {
        imx_warn(diag, r->code < 0 ? -r->code : IMX_EHTTP, "run %llu: GitHub's run object: %s", id,
                 r->code < 0 ? r->msg : "unexpected HTTP status");
        st->failed++;
    } else if (gh_parse_run(r->body.p, r->body.len, &run, &e) < 0 || run.id != id) {
        imx_warn(diag, IMX_EPARSE, "run %llu: GitHub's run object: %s", id,
                 run.id != id && !e.msg[0] ? "another run's id" : e.msg);
        st->failed++;
    } else {
        const char *kv[] = {"imx_source", c->source, "imx_github", "run object", NULL};
        if (add_members(r->body.p, r->body.len, kv, &out) == 0) {
            rc = store_write_run_json(s, id, out.p, out.len, err);
            st->filled += rc == 0;
        }
    }
    gh_run_release(&run);
    buf_release(&out);
    return rc;
}

int backfill_run(struct gh *g, const struct store *s, const struct backfill_cand *c, size_t n,
                 struct backfill_stats *st, struct imx_diag *diag, int (*interrupted)(void),
                 struct imx_err *err)
{
    struct http_req *reqs;
    char **urls;
    const struct http_host_down *hd;
    int rc = 0;

    if (!n)
        return 0;
    reqs = xcalloc(n, sizeof(*reqs));
    urls = xcalloc(n, sizeof(*urls));
    for (size_t i = 0; i < n; i++) {
        struct buf u = BUF_INIT;
        gh_run_url(&u, g->api, g->repo, c[i].id);
        urls[i] = buf_detach(&u, NULL);
        gh_api_req(g, &reqs[i], urls[i]);
        /* only an enrichment: what fails is asked again by a later sync, not retried now */
        reqs[i].manual_retry = 1;
        http_submit(g->http, &reqs[i]);
    }
    st->asked += n;
    if (http_run(g->http, interrupted) < 0)
        rc = imx_seterr(err, IMX_EINTR, "interrupted");
    hd = http_host_down(g->http, g->api);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = take(s, &c[i], &reqs[i], hd != NULL, st, diag, err);
        http_req_release(&reqs[i]);
        free(urls[i]);
    }
    if (hd && st->failed)
        imx_warn(diag, IMX_ENET,
                 "GitHub could not be reached (%s): the run objects of %lu backup runs were not "
                 "asked for; a later sync asks again",
                 hd->why, st->failed);
    free(reqs);
    free(urls);
    return rc;
}
