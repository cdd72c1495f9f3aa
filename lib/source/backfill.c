/* backfill: GitHub's run objects for runs synced from the GCS backup (see backfill.h). The
 * backup only knows a run's date folder and title; GitHub's object has the exact created_at,
 * event, branch and attempt that ordering runs and the runs table need. */
#include "source/backfill.h"

#include "util/buf.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The record of an unreachable GitHub: "<epoch> <scheme://host:port> <message>", rewritten whole.
 * Only GitHub's host is looked up in it (a record of older versions may hold other hosts). */
#define MEMO_PATH "%s/.imx/unreachable" /* of the cache */
#define MEMO_MAX ((size_t)64 << 10)

struct stats {
    unsigned long asked;  /* run objects requested */
    unsigned long filled; /* run.json replaced by GitHub's run object */
    unsigned long absent; /* GitHub answered 404 or 410: recorded, not asked again */
    unsigned long failed; /* no usable answer: asked again next time */
};

/* A run of the cache whose run.json was written from the backup and not yet looked up. */
struct cand {
    unsigned long long id;
    char *text; /* its run.json */
    size_t len;
    char source[32]; /* its "imx_source" mark, kept in the run object that replaces it */
};

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

/* The runs of the cache whose run.json was written from the backup ("imx_source" starting with
 * "gcs") and not yet looked up on GitHub, newest first. */
static int candidates(const struct store *s, struct cand **out, size_t *n, struct imx_err *err)
{
    unsigned long long *all;
    size_t nall, cap = 0;

    *out = NULL;
    *n = 0;
    if (store_list_runs(s->cache, &all, &nall, err) < 0)
        return -IMX_EIO;
    for (size_t i = 0; i < nall; i++) {
        struct imx_err e = IMX_ERR_INIT;
        struct cand c = {all[i], NULL, 0, ""};
        struct buf p = BUF_INIT_MAX(FS_PATH_MAX);

        store_run_file(s, all[i], "run.json", &p);
        /* a run without a readable run.json is not the backup's: nothing to fill */
        if (read_file(p.p, STORE_RUN_JSON_MAX, &c.text, &c.len, &e) == 0 &&
            backup_source(c.text, c.len, c.source, sizeof(c.source))) {
            ALLOC_GROW(*out, *n + 1, cap);
            (*out)[(*n)++] = c;
        } else {
            free(c.text);
        }
        buf_release(&p);
    }
    free(all);
    return 0;
}

static void cands_free(struct cand *c, size_t n)
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
    int first;

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
    for (; kv[0]; kv += 2, first = 0)
        buf_add_member(out, first ? "\n  " : ",\n  ", kv[0], kv[1]);
    return buf_adds(out, "\n}\n");
}

/* One answer: run.json rewritten, or left for next time. */
static int take(const struct store *s, const struct cand *c, struct http_req *r, int down,
                struct stats *st, struct imx_diag *diag, struct imx_err *err)
{
    struct imx_err e = IMX_ERR_INIT;
    struct buf out = BUF_INIT;
    struct gh_run run = {.id = 0}; /* released whichever answer came */
    unsigned long long id = c->id;
    int rc = 0;

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

/* The run objects of the candidates, asked in parallel as g's http client allows. */
static int fetch(struct gh *g, struct source_env *env, const struct cand *c, size_t n,
                 struct stats *st, struct imx_err *err)
{
    struct http_req *reqs = xcalloc(n, sizeof(*reqs));
    char **urls = xcalloc(n, sizeof(*urls));
    const struct http_host_down *hd;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        urls[i] = gh_url(g, "/actions/runs/%llu", c[i].id);
        gh_api_req(g, &reqs[i], urls[i]);
        /* only an enrichment: what fails is asked again by a later sync, not retried now */
        reqs[i].manual_retry = 1;
        http_submit(env->http, &reqs[i]);
    }
    st->asked += n;
    if (http_run(env->http, env->interrupted) < 0)
        rc = imx_seterr(err, IMX_EINTR, "interrupted");
    hd = http_host_down(env->http, g->api);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = take(env->store, &c[i], &reqs[i], hd != NULL, st, env->diag, err);
        http_req_release(&reqs[i]);
        free(urls[i]);
    }
    if (hd && st->failed)
        imx_warn(env->diag, IMX_ENET,
                 "GitHub could not be reached (%s): the run objects of %lu backup runs were not "
                 "asked for; a later sync asks again",
                 hd->why, st->failed);
    free(reqs);
    free(urls);
    return rc;
}

/* Whether url's host could not be reached within the last BACKFILL_MEMO_SECONDS, by the cache's
 * record: 1 with *age (seconds ago) and why (the failure's message) set, else 0. A missing or
 * unreadable record remembers nothing. */
static int memo_recent(const char *cache, const char *url, long *age, char *why, size_t whysize)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct imx_err e = IMX_ERR_INIT;
    char *text = NULL, *k = http_host_key(url), *save = NULL, *line = NULL, *end;
    long long now = (long long)time(NULL), when;
    size_t len, kn = k ? strlen(k) : 0;
    int found = 0;

    buf_addf(&p, MEMO_PATH, cache);
    if (k && read_file(p.p, MEMO_MAX, &text, &len, &e) == 0)
        line = strtok_r(text, "\n", &save);
    for (; line && !found; line = strtok_r(NULL, "\n", &save)) {
        /* "<epoch> <host> <why>", the host exactly url's */
        when = strtoll(line, &end, 10);
        found = end > line && *end == ' ' && !strncmp(end + 1, k, kn) &&
                (end[kn + 1] == ' ' || !end[kn + 1]) && when <= now &&
                now - when <= BACKFILL_MEMO_SECONDS;
        if (found) {
            *age = (long)(now - when);
            snprintf(why, whysize, "%s", end[kn + 1] ? end + kn + 2 : "");
        }
    }
    free(k);
    free(text);
    buf_release(&p);
    return found;
}

/* Records that GitHub could not be reached (hd: its host as the client marked it down), or
 * nothing when it could. */
static int memo_save(const char *cache, const struct http_host_down *hd, struct imx_err *err)
{
    struct buf out = BUF_INIT_MAX(MEMO_MAX), p = BUF_INIT_MAX(FS_PATH_MAX);
    int rc;

    if (!hd)
        return 0;
    /* one line: a message holds no newline */
    buf_addf(&out, "%lld %s %.*s\n", (long long)time(NULL), hd->host, (int)strcspn(hd->why, "\r\n"),
             hd->why);
    buf_addf(&p, MEMO_PATH, cache);
    rc = atomic_write(p.p, out.p, out.len, err);
    buf_release(&out);
    buf_release(&p);
    return rc;
}

int backfill_sync(struct source_env *env, struct imx_err *err)
{
    struct cand *c = NULL;
    struct stats st = {0, 0, 0, 0};
    size_t n = 0;
    struct gh g;
    char why[256];
    long ago = 0;
    const char *token;
    int r = candidates(env->store, &c, &n, err);

    if (r < 0 || !n || !(token = source_token(env))) {
        cands_free(c, n);
        return r;
    }
    if (memo_recent(env->cache, env->where->github_api, &ago, why, sizeof(why))) {
        /* only an enrichment: a GitHub that could not be reached just now is not waited on */
        source_note(env,
                    "GitHub run objects for backup runs: not asked, GitHub could not be reached "
                    "%ld s ago (%s); a sync after %d minutes asks again",
                    ago, why, BACKFILL_MEMO_SECONDS / 60);
        cands_free(c, n);
        return 0;
    }
    r = gh_init(&g, env->where->github_api, env->where->repo, token, err);
    if (r == 0) {
        struct imx_err e2 = IMX_ERR_INIT;
        const struct http_host_down *hd;
        r = fetch(&g, env, c, n, &st, err);
        hd = http_host_down(env->http, g.api);
        /* a record not written costs a wait next time, nothing more */
        memo_save(env->cache, hd, &e2);
        /* GitHub answered but gave not one run object (a refused token, errors): the rows are
         * in, the runs lack what a token sync gives them (exit 1). Unreachable, it is skipped. */
        if (r == 0 && !hd && st.failed && !st.filled && !st.absent)
            env->st.run_objects_failed = st.failed;
        gh_release(&g);
    }
    source_note(env,
                "GitHub run objects for backup runs: %lu asked, %lu filled, %lu no longer on "
                "GitHub, %lu failed",
                st.asked, st.filled, st.absent, st.failed);
    cands_free(c, n);
    return r;
}
