/* source: what every source shares: the batch fetcher, the lazy token, per-run notes, the
 * first failure. */
#include "source/source.h"
#include "cache/rows.h"
#include "util/units.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An answer: into its source_get (ud), then to the engine when it asked to have each at once;
 * the request, one per GET in flight, is freed. */
static void fetch_done(struct http_req *r, void *ud)
{
    struct source_get *g = ud;

    g->status = r->code < 0 ? 0 : r->status;
    g->code = r->code;
    snprintf(g->msg, sizeof(g->msg), "%.*s", (int)sizeof(g->msg) - 1, r->msg);
    g->body = NULL;
    g->len = 0;
    if (r->fp) {
        g->len = (size_t)r->received;
        if (fclose(r->fp) != 0 && g->code == 0) {
            g->code = -IMX_EIO;
            snprintf(g->msg, sizeof(g->msg), "cannot write '%s': %s", g->to_file, strerror(errno));
        }
    } else if (r->code == 0) {
        g->body = buf_detach(&r->body, &g->len);
    }
    http_req_release(r);
    free(r);
    if (g->arrived)
        g->arrived(g, g->arrived_ud);
}

void source_submit(struct source_env *env, struct source_get *g)
{
    struct http_req *r;
    FILE *fp = NULL;

    if (env->fetcher) {
        env->fetcher->submit(env->fetcher->ud, g);
        return;
    }
    /* streamed: a download is never whole in memory */
    if (g->to_file && !(fp = fopen_new_nofollow(g->to_file))) {
        g->code = -IMX_EIO;
        snprintf(g->msg, sizeof(g->msg), "cannot write '%s': %s", g->to_file, strerror(errno));
        if (g->arrived)
            g->arrived(g, g->arrived_ud);
        return;
    }
    r = xcalloc(1, sizeof(*r));
    http_req_init(r, g->url);
    r->max_body = env->limits->max_body;
    r->compressed = env->limits->compressed;
    r->priority = g->priority;
    r->fp = fp;
    r->fp_path = g->to_file;
    r->done = fetch_done;
    r->ud = g;
    http_submit(env->http, r);
}

int source_run(struct source_env *env)
{
    return env->fetcher ? env->fetcher->run(env->fetcher->ud)
                        : http_run(env->http, env->interrupted);
}

void source_get_release(struct source_get *g)
{
    free(g->url);
    free(g->body);
    memset(g, 0, sizeof(*g));
}

void source_note(struct source_env *env, const char *fmt, ...)
{
    struct buf b = BUF_INIT_MAX(BUF_LIST_MAX);
    va_list ap;

    if (!env->note)
        return;
    va_start(ap, fmt);
    buf_vaddf(&b, fmt, ap);
    va_end(ap);
    env->note(env->note_ud, b.p);
    buf_release(&b);
}

/* The run's line through env->note (see source_run_done). */
static void say_run(struct source_env *env, const struct source_run *r)
{
    struct buf b = BUF_INIT_MAX(BUF_LIST_MAX);
    char size[32];

    if (!env->note)
        return;
    buf_addf(&b, "run %llu", r->id);
    if (r->date || r->detail)
        buf_addf(&b, " (%s%s%s)", r->date ? r->date : "", r->date && r->detail ? ", " : "",
                 r->detail ? r->detail : "");
    buf_adds(&b, ": ");
    if (r->lost) {
        /* never known to the source: only why (with no date, the why says it all) */
        buf_addf(&b, "%s%s", r->date ? "failed: " : "", r->why ? r->why : "failed");
        goto out;
    }
    if (r->cached) {
        buf_adds(&b, "cached");
    } else if (r->got) {
        units_bytes(r->bytes, size, sizeof(size));
        buf_addf(&b, "%s %lu artifact%s (%s)", r->verb ? r->verb : "downloaded", r->got,
                 r->got == 1 ? "" : "s", size);
    } else if (r->failed || r->no_token) {
        buf_adds(&b, "not downloaded");
    } else if (r->expired) {
        buf_adds(&b, "expired");
    } else {
        buf_adds(&b, "up to date");
    }
    if (r->rows_known && r->rows) {
        buf_addf(&b, ", %lu rows", r->rows);
        if (r->by_model) {
            buf_adds(&b, " (");
            run_rows_format(r->by_model, &b);
            buf_addc(&b, ')');
        }
    } else if (r->rows_known) {
        buf_adds(&b, ", no rows");
    }
    if (r->kept && !r->cached)
        buf_addf(&b, ", %lu cached", r->kept);
    if (r->expired)
        buf_addf(&b, "; %lu artifact%s expired", r->expired, r->expired == 1 ? "" : "s");
    if (r->failed)
        buf_addf(&b, "; %lu failed%s%s", r->failed, r->why ? ": " : "", r->why ? r->why : "");
    if (r->no_token)
        buf_addf(&b, "; %lu need a token", r->no_token);
out:
    env->note(env->note_ud, b.p);
    buf_release(&b);
}

void source_run_done(struct source_env *env, const struct source_run *r)
{
    env->st.runs_done++;
    if (r->lost || r->failed || r->no_token || r->incomplete) {
        env->st.runs_failed++;
        if (r->why)
            source_first_error(env, "%s", r->why);
    } else if (r->cached) {
        env->st.runs_cached++;
    } else {
        env->st.runs_synced++;
    }
    say_run(env, r);
    if (env->progress)
        env->progress(env->progress_ud);
}

void source_first_error(struct source_env *env, const char *fmt, ...)
{
    va_list ap;

    if (env->st.first_error[0])
        return;
    va_start(ap, fmt);
    vsnprintf(env->st.first_error, sizeof(env->st.first_error), fmt, ap);
    va_end(ap);
}

const char *source_token(struct source_env *env)
{
    struct source_token *t = env->token;

    if (!t)
        return NULL;
    if (!t->looked) {
        t->looked = 1;
        t->token = gh_token_find(env->where->github_api, &t->from);
        if (env->log) {
            char line[128];
            snprintf(line, sizeof(line), "GitHub token: %s", t->token ? t->from : "none");
            env->log(env->log_ud, line);
        }
    }
    return t->token;
}

void source_token_release(struct source_token *t)
{
    if (t->token) {
        explicit_bzero(t->token, strlen(t->token));
        free(t->token);
    }
    memset(t, 0, sizeof(*t));
}

enum gh_pick *source_choose(struct source_env *env, unsigned long long run,
                            const struct gh_artifact *arts, size_t n)
{
    enum gh_pick *pick = xcalloc(n + 1, sizeof(*pick));

    gh_choose(arts, n, env->sel->artifact, pick);
    for (size_t i = 0; i < n && !env->list_only; i++)
        if (pick[i] == GH_REFUSED)
            imx_warn(env->diag, IMX_EUNSAFE,
                     "run %llu: artifact name '%s' cannot be a folder name of the cache "
                     "(imx's own or hidden names, '/', '..'): skipped",
                     run, arts[i].name);
    return pick;
}

int source_named(const struct source_sel *sel, unsigned long long id)
{
    for (size_t i = 0; i < sel->nids; i++)
        if (strtoull(sel->ids[i], NULL, 10) == id)
            return 1;
    return !sel->nids;
}

void source_listed_free(struct source_listed *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].created);
        free(v[i].event);
        free(v[i].branch);
    }
    free(v);
}
