/* ghsync: GitHub as a source (source_github). Asks only what the cache does not know (ETags; an
 * unchanged run costs nothing) and runs listings, downloads, installs and each run's record in one
 * http loop, installs and records on the worker thread so that the transfers never wait on disk. */
#include "source/github.h"
#include "source/source.h"
#include "cache/rows.h"
#include "cache/select.h"
#include "cache/store.h"
#include "cache/verify.h"
#include "util/date.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BAD_JSON_RETRIES 2
#define BLOB_MAX_DEFAULT ((unsigned long long)8 << 30)
#define BLOB_HOPS_MAX 5
#define INSTALLS_WAITING_MAX 64

struct eng;

/*
 * A paged listing of the API (the runs, a run's artifacts): conditional GETs through the ETag
 * store (the stored answer serves a 304), the pager's next pages, a page that is not a listing
 * asked again. page() reads a page: 0 to go on, 1 when it has enough, < 0 when it is not a
 * listing (err says why); end() is called once, with rc 0 or the failure and why.
 */
struct listing {
    struct eng *e;
    void *ud;
    const char *what; /* "cannot list the runs" */
    char *url;
    struct http_req req;
    char *etag, *link, *body; /* the stored answer to url */
    size_t len;
    struct gh_pager pager;
    char *etag1; /* the first page's ETag */
    int bad_json;
    int (*page)(struct listing *l, const char *body, size_t len, long long *total,
                struct imx_err *err);
    void (*end)(struct listing *l, int rc, const char *why);
};

/*
 * An artifact download: /zip on the API (redirects not followed), then the Location fetched with
 * no Authorization into tmp, following at most BLOB_HOPS_MAX further redirects of the blob host,
 * also without credentials. Any failure after the redirect asks /zip again (a fresh signed URL),
 * within the client's attempts. The body is checked against the listing's size and digest.
 */
struct dl {
    struct rj *rj;
    const struct gh_artifact *a;
    struct store_tmp tmp;
    struct http_req zip, blob;
    char *zip_url, *blob_url;
    int hops;
    /* the install, on the worker thread (blob holds the answer: its size and headers) */
    struct http_task task;
    int irc;
    struct imx_err ierr;
    struct unpack_result res;
    size_t superseded;
    /* a failure, recorded in the manifest when the run is (never while installs run) */
    enum art_state fail_state; /* ART_FAILED, ART_EXPIRED, or ART_PENDING for none */
    char *fail_msg;
};

/* One selected run and its progress. */
struct rj {
    struct eng *e;
    unsigned long long id;
    struct gh_run run; /* run.id == 0 when not known */
    int listed;        /* the artifact listing was read */
    struct manifest m;
    struct listing l; /* its request fetches the run object first, when one is asked for */
    struct gh_artifact *arts;
    size_t narts;
    struct dl *dls;
    size_t ndl, capdl, pending; /* dls: the downloads, only moved before the first starts */
    struct source_run r;        /* its counts (rj_report fills in the rest) */
    char why[IMX_ERR_MAX + 600];
    int finished;
    struct http_task record; /* rj_record on the worker thread, then rj_report */
    int cache_failed;
};

struct eng {
    struct source_env *env;
    struct imx_err *err;
    struct gh gh;
    struct rj **rj;
    size_t nrj, caprj;
    struct listing runs;
    size_t want;       /* runs wanted from the listing (0: all), e->nrj found so far */
    unsigned long off; /* listed runs that do not match the filters, and the first of them: */
    char off_first[256];
    struct dl **dlq;
    size_t ndlq, capdlq, dlnext, dl_active, dl_limit, installing;
    unsigned long long etag_puts;
    int pumping;
};

/* *slot replaced by a copy of v (NULL stays NULL). */
static void set_str(char **slot, const char *v)
{
    free(*slot);
    *slot = v ? xstrdup(v) : NULL;
}

/* ---- paged listings through the ETag store ------------------------------------------------ */

static void listing_release(struct listing *l)
{
    http_req_release(&l->req);
    gh_pager_release(&l->pager);
    free(l->url);
    free(l->etag);
    free(l->link);
    free(l->body);
    free(l->etag1);
    l->url = l->etag = l->link = l->body = l->etag1 = NULL;
}

/* An answer for the ETag store, written on the worker thread (two fsyncs the transfers need not
 * wait for; a lost entry only costs a full answer next time). */
struct etag_put {
    struct http_task task;
    const struct store *store;
    char *url, *etag, *link, *body;
    size_t len;
};

static void etag_put_work(struct http_task *t)
{
    struct etag_put *p = t->ud;
    struct imx_err e2 = IMX_ERR_INIT;
    store_etag_put(p->store, p->url, p->etag, p->link, p->body, p->len, &e2);
}

static void etag_put_done(struct http_task *t)
{
    struct etag_put *p = t->ud;
    free(p->url);
    free(p->etag);
    free(p->link);
    free(p->body);
    free(p);
}

/* Stores a 200 answer once it parsed (its body is taken). */
static void cond_keep(struct eng *e, struct http_req *r)
{
    struct etag_put *p;

    if (r->status != 200 || !r->etag)
        return;
    p = xcalloc(1, sizeof(*p));
    p->store = e->env->store;
    p->url = xstrdup(r->url);
    p->etag = xstrdup(r->etag);
    set_str(&p->link, r->link);
    p->body = buf_detach(&r->body, &p->len);
    p->task.work = etag_put_work;
    p->task.done = etag_put_done;
    p->task.ud = p;
    p->task.key = e->etag_puts++; /* any lane: spread */
    http_task_submit(e->env->http, &p->task);
}

/* Why an API answer is not usable, for messages. */
static void api_status_msg(char *out, size_t n, const struct http_req *r, const char *what)
{
    const char *hint = "";

    if (r->status == 401)
        hint = ": bad credentials (check GH_TOKEN)";
    else if (r->status == 403)
        hint = ": forbidden";
    else if (r->status == 404)
        hint = ": not found";
    else if (r->status == 422)
        hint = ": the server refused the query";
    else if (r->status == 304)
        hint = ": not modified, but nothing is stored";
    snprintf(out, n, "%s: HTTP %ld%s (%s)", what, r->status, hint, r->shown);
}

static void list_page(struct listing *l);

static void on_page(struct http_req *r, void *ud)
{
    struct listing *l = ud;
    struct imx_err e2 = IMX_ERR_INIT;
    const char *body = r->body.p, *link = r->link;
    size_t len = r->body.len;
    long long total = -1;
    char why[IMX_ERR_MAX + 600] = "", *next = NULL;
    int rc = r->code;

    if (r->status == 304 && l->body && !rc) {
        body = l->body;
        len = l->len;
        link = l->link;
    } else if (!rc && r->status != 200) {
        rc = -IMX_EHTTP;
        api_status_msg(why, sizeof(why), r, l->what);
    }
    if (rc < 0) {
        if (!why[0])
            snprintf(why, sizeof(why), "%s: %s", l->what, r->msg);
    } else if ((rc = l->page(l, body, len, &total, &e2)) < 0) {
        /* a broken body (an HTML error page, a cut-off answer): ask again, unconditionally */
        if (++l->bad_json <= BAD_JSON_RETRIES && http_retry(l->e->env->http, r) == 0) {
            r->if_none_match = NULL;
            return;
        }
        rc = -IMX_EHTTP; /* the server's fault (exit 3), like any answer that is not a listing */
        snprintf(why, sizeof(why), "%s: %s (%s)", l->what, e2.msg, r->url);
    } else {
        l->bad_json = 0;
        cond_keep(l->e, r);
        if (!l->etag1 && r->etag)
            l->etag1 = xstrdup(r->etag);
        if (rc == 0 && gh_pager_next(&l->pager, r->url, link, total, &next, &e2) < 0) {
            rc = -IMX_EHTTP;
            snprintf(why, sizeof(why), "%s: %s", l->what, e2.msg);
        } else if (next) {
            free(l->url);
            l->url = next;
            list_page(l);
            return;
        }
    }
    l->end(l, rc < 0 ? rc : 0, why);
}

static void list_page(struct listing *l)
{
    http_req_release(&l->req);
    gh_api_req(&l->e->gh, &l->req, l->url);
    free(l->etag);
    free(l->link);
    free(l->body);
    l->etag = l->link = l->body = NULL;
    if (store_etag_get(l->e->env->store, l->url, &l->etag, &l->link, &l->body, &l->len))
        l->req.if_none_match = l->etag;
    l->req.done = on_page;
    l->req.ud = l;
    http_submit(l->e->env->http, &l->req);
}

/* Lists from url (taken) on. */
static void list_start(struct listing *l, char *url)
{
    gh_pager_release(&l->pager);
    free(l->url);
    l->url = url;
    l->bad_json = 0;
    list_page(l);
}

/* ---- selection ----------------------------------------------------------------------------- */

/* What a download holds until it ends: its file, requests and URLs (not its failure). */
static void dl_release(struct dl *d)
{
    store_tmp_discard(&d->tmp);
    http_req_release(&d->zip);
    http_req_release(&d->blob);
    free(d->zip_url);
    free(d->blob_url);
    d->zip_url = d->blob_url = NULL;
}

static void load_manifest(struct eng *e, struct rj *j)
{
    struct imx_err e2 = IMX_ERR_INIT;
    int r = store_manifest_load(e->env->store, j->id, &j->m, &e2);

    if (r < 0)
        imx_warn(e->env->diag, IMX_EPARSE, "%s (it will be rebuilt)", e2.msg);
    if (r > 0) {
        /* a stored file gone or cut short (existence and size): the run is fetched again */
        struct buf dir = BUF_INIT_MAX(FS_PATH_MAX);
        size_t before = 0;
        for (size_t i = 0; i < j->m.n; i++)
            before += j->m.arts[i].damaged;
        store_run_dir(e->env->store, j->id, &dir);
        if (verify_run(dir.p, &j->m, 0, NULL) || before)
            j->m.complete = 0;
        buf_release(&dir);
    }
}

static struct rj *rj_add(struct eng *e, unsigned long long id)
{
    struct rj *j;

    for (size_t i = 0; i < e->nrj; i++)
        if (e->rj[i]->id == id)
            return NULL;
    j = xcalloc(1, sizeof(*j));
    j->e = e;
    j->id = id;
    load_manifest(e, j);
    ALLOC_GROW(e->rj, e->nrj + 1, e->caprj);
    e->rj[e->nrj++] = j;
    return j;
}

static void rj_free(struct rj *j)
{
    for (size_t i = 0; i < j->ndl; i++) {
        dl_release(&j->dls[i]);
        free(j->dls[i].fail_msg);
    }
    free(j->dls);
    for (size_t i = 0; i < j->narts; i++)
        gh_artifact_release(&j->arts[i]);
    free(j->arts);
    listing_release(&j->l);
    manifest_release(&j->m);
    gh_run_release(&j->run);
    free(j);
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Complete in the cache and unchanged since: nothing to ask. */
static int unchanged(struct eng *e, struct rj *j)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    int ok;

    if (!j->m.complete) /* also without a manifest */
        return 0;
    if (e->env->sel->artifact && !same_str(e->env->sel->artifact, j->m.pattern))
        return 0;
    if (j->run.id &&
        (j->run.attempt != j->m.run_attempt || !same_str(j->run.updated_at, j->m.updated_at)))
        return 0;
    store_run_file(e->env->store, j->id, "run.json", &p);
    ok = path_exists(p.p);
    buf_release(&p);
    return ok;
}

/* The run object of a cached run, from its run.json (for dates in messages). */
static void load_run_json(struct eng *e, struct rj *j)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct imx_err e2 = IMX_ERR_INIT;
    char *text = NULL;
    size_t len = 0;

    /* the cap the store and the scan read the same file with */
    store_run_file(e->env->store, j->id, "run.json", &p);
    if (read_file(p.p, STORE_RUN_JSON_MAX, &text, &len, &e2) == 0) {
        struct gh_run r;
        if (gh_parse_run(text, len, &r, &e2) == 0 && r.id == j->id) {
            gh_run_release(&j->run);
            j->run = r;
        } else {
            gh_run_release(&r);
        }
    }
    free(text);
    buf_release(&p);
}

/* The listing asks GitHub to filter on event and branch; each run is checked again on its own
 * fields, so that a server that ignores a filter cannot slip other runs into the selection
 * (--official means push runs on main, whatever the server did). */
static int own_filters_match(struct eng *e, const struct gh_run *run)
{
    struct run_select sel = {.event = e->env->sel->event, .branch = e->env->sel->branch};

    if (run_select_match(&sel, run->event, run->branch, NULL, NULL, NULL))
        return 1;
    if (!e->off++)
        snprintf(e->off_first, sizeof(e->off_first), "run %llu, event %s, branch %s", run->id,
                 run->event && *run->event ? run->event : "none",
                 run->branch && *run->branch ? run->branch : "none");
    return 0;
}

/* A page of runs: those that match taken until want are known. */
static int runs_page(struct listing *l, const char *body, size_t len, long long *total,
                     struct imx_err *err)
{
    struct eng *e = l->e;
    struct gh_run *runs = NULL;
    size_t n = 0;
    int rc = gh_parse_runs(body, len, &runs, &n, total, err);

    for (size_t i = 0; i < n; i++) {
        struct rj *j = NULL;
        if (rc == 0 && own_filters_match(e, &runs[i]) && !(e->want && e->nrj >= e->want))
            j = rj_add(e, runs[i].id);
        if (j) {
            j->run = runs[i];
            memset(&runs[i], 0, sizeof(runs[i]));
        }
        gh_run_release(&runs[i]);
    }
    free(runs);
    return rc < 0 ? rc : e->want && e->nrj >= e->want;
}

static void runs_end(struct listing *l, int rc, const char *why)
{
    struct eng *e = l->e;

    if (rc == 0)
        return;
    if (!l->req.code && l->req.status == 404)
        /* a refusal by the server (exit 3), not an absence of data */
        imx_seterr(e->err, IMX_EHTTP,
                   "%s: is '%s' a workflow of %s, and %s a repository? (since February 2026 the "
                   "repository is %s; InferenceMAX/InferenceMAX is an empty placeholder)",
                   why, e->env->where->workflow, e->gh.repo, e->gh.repo, GH_DEFAULT_REPO);
    else
        imx_seterr(e->err, !l->req.code && l->req.status == 401 ? IMX_EAUTH : -rc, "%s", why);
}

/* Lists runs newest first, page after page, until want runs are known (0: all pages). */
static int list_runs(struct eng *e, size_t want)
{
    const struct source_sel *sel = e->env->sel;
    struct buf u = BUF_INIT_MAX(HTTP_URL_MAX);

    gh_runs_url(&u, e->gh.api, e->gh.repo, e->env->where->workflow, sel->branch, sel->event,
                sel->since, sel->until);
    e->want = want;
    e->runs.e = e;
    e->runs.what = "cannot list the runs";
    e->runs.page = runs_page;
    e->runs.end = runs_end;
    list_start(&e->runs, buf_detach(&u, NULL));
    http_run(e->env->http, e->env->interrupted);
    listing_release(&e->runs);
    if (e->off)
        imx_warn(e->env->diag, IMX_EPARSE,
                 "GitHub listed %lu run%s that %s not match --event/--branch (first: %s): left out",
                 e->off, e->off == 1 ? "" : "s", e->off == 1 ? "does" : "do", e->off_first);
    return e->err->code ? -e->err->code : 0;
}

static void on_run(struct http_req *r, void *ud)
{
    struct rj *j = ud;
    struct imx_err e2 = IMX_ERR_INIT;

    if (r->code < 0) {
        snprintf(j->why, sizeof(j->why), "%s", r->msg);
    } else if (r->status == 404) {
        snprintf(j->why, sizeof(j->why), "no such run in %s (GitHub answered HTTP 404)",
                 j->e->gh.repo);
    } else if (r->status != 200) {
        api_status_msg(j->why, sizeof(j->why), r, "cannot get the run");
    } else if (gh_parse_run(r->body.p, r->body.len, &j->run, &e2) < 0) {
        if (++j->l.bad_json <= BAD_JSON_RETRIES && http_retry(j->e->env->http, r) == 0)
            return;
        snprintf(j->why, sizeof(j->why), "%s (%s)", e2.msg, r->url);
    } else if (j->run.id != j->id) {
        snprintf(j->why, sizeof(j->why), "GitHub answered run %llu for run %llu", j->run.id, j->id);
        gh_run_release(&j->run);
    }
}

/* Named runs: those complete in the cache cost nothing; the others are asked for. */
static int named_runs(struct eng *e, int ask_cached)
{
    for (size_t i = 0; i < e->env->sel->nids; i++) {
        unsigned long long id = strtoull(e->env->sel->ids[i], NULL, 10);
        struct rj *j = rj_add(e, id);
        if (!j)
            continue;
        if (!ask_cached && unchanged(e, j)) {
            load_run_json(e, j);
            j->r.cached = 1;
            continue;
        }
        j->l.url = gh_url(&e->gh, "/actions/runs/%llu", id);
        gh_api_req(&e->gh, &j->l.req, j->l.url);
        j->l.req.done = on_run;
        j->l.req.ud = j;
        http_submit(e->env->http, &j->l.req);
    }
    return http_run(e->env->http, e->env->interrupted);
}

/* ---- per run: listing, choice, downloads, record ------------------------------------------- */

static void pump(struct eng *e);

/* Records the run (worker thread): the downloads' failures in the manifest, run.json, then the
 * manifest. Nothing else of the run moves meanwhile: its downloads have all ended. */
static void rj_record(struct http_task *t)
{
    struct rj *j = t->ud;
    struct eng *e = j->e;
    struct imx_err e2 = IMX_ERR_INIT;
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);

    for (size_t i = 0; i < j->ndl; i++) {
        struct dl *d = &j->dls[i];
        struct manifest_art *ma;
        if (d->fail_state == ART_PENDING)
            continue;
        ma = manifest_get(&j->m, d->a->id, d->a->name);
        ma->state = d->fail_state;
        if (d->fail_state == ART_EXPIRED)
            ma->expired = 1;
        else
            set_str(&ma->error, d->fail_msg); /* dl_fail's message */
    }
    if (j->run.id &&
        store_write_run_json(e->env->store, j->id, j->run.json, j->run.jsonlen, &e2) < 0) {
        snprintf(j->why, sizeof(j->why), "%s", e2.msg);
        j->r.failed++;
        j->cache_failed = 1;
    }
    j->m.run_attempt = j->run.attempt;
    set_str(&j->m.updated_at, j->run.updated_at);
    set_str(&j->m.artifacts_etag, j->l.etag1);
    set_str(&j->m.pattern, e->env->sel->artifact);
    j->m.complete = !j->r.failed && !j->r.no_token && !j->r.incomplete;
    if (j->r.got || !j->m.rows_known) {
        run_rows_release(&j->m.rows);
        store_run_dir(e->env->store, j->id, &p);
        rows_count_run(p.p, &j->m.rows);
        j->m.rows_known = 1;
    }
    buf_release(&p);
    if (store_manifest_save(e->env->store, &j->m, &e2) < 0) {
        snprintf(j->why, sizeof(j->why), "%s", e2.msg);
        j->r.failed++;
        j->m.complete = 0;
        j->cache_failed = 1;
    }
}

/* Says what happened to the run (loop thread). */
static void rj_report(struct http_task *t)
{
    struct rj *j = t->ud;
    struct eng *e = j->e;
    char day[DATE_LEN + 1];
    struct source_run r = j->r; /* the counts, and the rest known now: */

    r.id = j->id;
    r.lost = j->why[0] && !j->listed;
    r.rows_known = j->m.rows_known;
    r.rows = j->m.rows.total;
    r.by_model = &j->m.rows;
    r.why = j->why[0] ? j->why : NULL;
    if (j->cache_failed)
        e->env->st.cache_failed = 1;
    if (r.got)
        e->env->st.rows += j->m.rows.total;
    if (j->run.created_at && date_timestamp_day(j->run.created_at, day) == 0)
        r.date = day;
    else if (j->run.id || j->listed)
        r.date = "date unknown";
    source_run_done(e->env, &r);
}

/* The run is done with: recorded (off the loop) when there is something to record, and said. */
static void rj_finish(struct rj *j)
{
    if (j->finished)
        return;
    j->finished = 1;
    j->record.ud = j;
    j->record.key = j->id; /* after the run's installs */
    j->record.work = rj_record;
    j->record.done = rj_report;
    if (!j->r.cached && (!j->why[0] || j->listed) && !j->e->env->list_only)
        http_task_submit(j->e->env->http, &j->record);
    else
        rj_report(&j->record);
}

static void dl_end(struct dl *d)
{
    struct rj *j = d->rj;
    dl_release(d);
    if (--j->pending == 0)
        rj_finish(j);
}

/* A download that failed (loop thread): counted and said now, kept in the manifest when the run
 * is recorded (another download of the run may be installing into it on the worker thread),
 * and the next one started. */
static void dl_fail(struct dl *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void dl_fail(struct dl *d, int code, const char *fmt, ...)
{
    struct rj *j = d->rj;
    struct eng *e = j->e;
    struct buf m = BUF_INIT_MAX(BUF_MSG_MAX);
    va_list ap;

    va_start(ap, fmt);
    buf_vaddf(&m, fmt, ap);
    va_end(ap);
    if (d->tmp.fp)
        e->dl_active--; /* its transfers were running (they write to the open file) */
    if (code == IMX_EEXPIRED) {
        d->fail_state = ART_EXPIRED;
        j->r.expired++;
        e->env->st.artifacts_expired++;
    } else {
        d->fail_state = ART_FAILED;
        free(d->fail_msg);
        d->fail_msg = xstrdup(m.p);
        j->r.failed++;
        e->env->st.artifacts_failed++;
        e->env->st.cache_failed |= code == IMX_EIO;
        /* a refused token is said once, in the summary: the run lines only point at it */
        if (!j->why[0])
            snprintf(j->why, sizeof(j->why), "%s",
                     code == IMX_EAUTH ? "download refused, the token lacks permission (see below)"
                                       : m.p);
        source_first_error(e->env, "%s", m.p);
        if (code == IMX_EAUTH)
            e->env->st.auth_refused = 1;
        else if (code == IMX_ERATE)
            e->env->st.rate_stopped_until = http_rate_stopped_until(e->env->http);
        else
            imx_warn(e->env->diag, code, "run %llu: %s", j->id, m.p);
    }
    buf_release(&m);
    dl_end(d);
    pump(e);
}

/* Unpacks and installs a verified download (worker thread). */
static void dl_install(struct http_task *t)
{
    struct dl *d = t->ud;
    struct rj *j = d->rj;
    char *filename = gh_disposition_filename(d->blob.content_disposition); /* raw artifacts */
    struct store_install in = {.run_id = j->id,
                               .id = d->a->id,
                               .name = d->a->name,
                               .file = d->tmp.path,
                               .is_zip = gh_is_zip(d->blob.content_type, d->blob.url),
                               .filename = filename,
                               .source = "github"};
    size_t before = 0, after = 0;

    for (size_t i = 0; i < j->m.n; i++)
        before += j->m.arts[i].state == ART_SUPERSEDED;
    imx_err_clear(&d->ierr);
    d->irc = store_install_artifact(j->e->env->store, &j->m, &in, &d->res, &d->ierr);
    for (size_t i = 0; i < j->m.n; i++)
        after += j->m.arts[i].state == ART_SUPERSEDED;
    d->superseded = after - before;
    free(filename);
}

static void dl_installed(struct http_task *t)
{
    struct dl *d = t->ud;
    struct rj *j = d->rj;
    struct eng *e = j->e;

    e->installing--;
    if (d->irc < 0) {
        dl_fail(d, d->ierr.code, "artifact '%s' (id %llu) refused: %s", d->a->name, d->a->id,
                d->ierr.msg);
        return;
    }
    if (d->res.skipped)
        imx_warn(e->env->diag, IMX_EUNSAFE,
                 "run %llu: artifact '%s': %lu entr%s with a hidden name or one of imx's "
                 "own (run.json, imx-manifest.json, .superseded/) not unpacked",
                 j->id, d->a->name, d->res.skipped, d->res.skipped == 1 ? "y" : "ies");
    j->r.got++;
    j->r.bytes += d->blob.received;
    e->env->st.artifacts++;
    e->env->st.bytes += d->blob.received;
    e->env->st.artifacts_superseded += d->superseded;
    dl_end(d);
    pump(e);
}

static void blob_start(struct dl *d, const char *url);

static void on_blob(struct http_req *r, void *ud)
{
    struct dl *d = ud;
    struct eng *e = d->rj->e;
    int sha = d->a->digest && !strncasecmp(d->a->digest, "sha256:", 7), code = 0;
    char why[700] = "", got[65];

    for (size_t i = 0; i < 32; i++) /* the body's sha256, as the listing's digest writes it */
        sprintf(got + 2 * i, "%02x", r->sha256[i]);
    if (r->code == -IMX_EINTR) {
        dl_fail(d, IMX_EINTR, "interrupted");
        return;
    }
    if (r->code == -IMX_EIO) {
        /* the disk, not the server: a fresh URL would not help */
        dl_fail(d, IMX_EIO, "artifact '%s' (id %llu): %s", d->a->name, d->a->id, r->msg);
        return;
    }
    if (r->code == 0 && r->status >= 300 && r->status < 400 && r->location &&
        d->hops < BLOB_HOPS_MAX) {
        d->hops++;
        blob_start(d, r->location);
        return;
    }
    if (r->code < 0) {
        code = -r->code;
        snprintf(why, sizeof(why), "%s", r->msg);
    } else if (r->status >= 300 && r->status < 400 && r->location) {
        code = IMX_EHTTP;
        snprintf(why, sizeof(why), "more than %d redirects from the download host", BLOB_HOPS_MAX);
    } else if (r->status != 200) {
        code = IMX_EHTTP;
        snprintf(why, sizeof(why), "download host answered HTTP %ld (%s)", r->status, r->shown);
    } else if (sha && r->received != d->a->size) {
        code = IMX_EVERIFY;
        snprintf(why, sizeof(why), "got %llu bytes, the listing says %llu",
                 (unsigned long long)r->received, d->a->size);
    } else if (sha && strcasecmp(got, d->a->digest + 7)) {
        code = IMX_EVERIFY;
        snprintf(why, sizeof(why), "sha256 %s differs from the digest %s", got, d->a->digest);
    } else if (r->content_length >= 0 && (unsigned long long)r->content_length != r->received) {
        code = IMX_EVERIFY;
        snprintf(why, sizeof(why), "got %llu bytes of %lld", (unsigned long long)r->received,
                 r->content_length);
    }
    if (code) {
        /* whatever failed after the redirect, a fresh signed URL may cure: /zip asked again */
        d->hops = 0; /* the fresh URL's redirects count anew */
        if (http_retry(e->env->http, &d->zip) < 0)
            dl_fail(d, code, "artifact '%s' (id %llu): %s (after %d attempts)", d->a->name,
                    d->a->id, why, d->zip.attempt);
        return;
    }
    e->dl_active--;
    /* the http layer flushed and checked the file; the install takes it by name, so a queued
     * install holds no descriptor */
    fclose(d->tmp.fp);
    d->tmp.fp = NULL;
    d->task.work = dl_install;
    d->task.done = dl_installed;
    d->task.ud = d;
    d->task.key = d->rj->id; /* one run's installs and record in turn: they share its manifest */
    e->installing++;
    http_task_submit(e->env->http, &d->task);
    pump(e);
}

static void blob_start(struct dl *d, const char *url)
{
    char *u = xstrdup(url); /* url may belong to the request about to be reset */

    free(d->blob_url);
    d->blob_url = u;
    http_req_release(&d->blob);
    http_req_init(&d->blob, d->blob_url);
    /* the signed URL is the credential: no Authorization, whatever the host */
    d->blob.fp = d->tmp.fp;
    d->blob.fp_path = d->tmp.path;
    d->blob.hash = 1;
    d->blob.manual_retry = 1;
    d->blob.redact_query = 1;
    d->blob.max_body = d->a->digest && d->a->size ? d->a->size : BLOB_MAX_DEFAULT;
    d->blob.done = on_blob;
    d->blob.ud = d;
    d->blob.priority = 2; /* the last step of a download: its file frees soonest */
    http_submit(d->rj->e->env->http, &d->blob);
}

/* A short reason from an error body: ": " and its JSON message, else nothing. */
static void api_message(const struct http_req *r, char *out, size_t n)
{
    yajl_val root;
    const char *m;
    char why[64];

    out[0] = '\0';
    if (!r->content_type || !strstr(r->content_type, "json") || !r->body.len)
        return;
    root = json_tree_parse(r->body.p, r->body.len, why, sizeof(why));
    m = json_str(json_get(root, "message"));
    if (m)
        snprintf(out, n, ": %s", m);
    yajl_tree_free(root);
}

static void on_zip(struct http_req *r, void *ud)
{
    struct dl *d = ud;
    const struct gh_artifact *a = d->a;
    char m[300];

    api_message(r, m, sizeof(m));
    if (r->code < 0)
        dl_fail(d, -r->code, "artifact '%s' (id %llu): %s", a->name, a->id, r->msg);
    else if (r->status >= 300 && r->status < 400 && r->location)
        blob_start(d, r->location);
    else if (r->status == 410)
        dl_fail(d, IMX_EEXPIRED, "artifact '%s' (id %llu) has expired (HTTP 410%s)", a->name, a->id,
                m);
    else if (r->status == 401)
        dl_fail(d, IMX_EAUTH,
                "GitHub rejected the token (HTTP 401%s): set GH_TOKEN to a valid token", m);
    else if (r->status == 403)
        dl_fail(d, IMX_EAUTH,
                "GitHub refused the download of artifact '%s' (HTTP 403%s): the token needs "
                "read access to Actions (classic tokens: the public_repo or repo scope)",
                a->name, m);
    else if (r->status == 404)
        dl_fail(d, IMX_ENOTFOUND, "artifact '%s' (id %llu) not found (HTTP 404)", a->name, a->id);
    else
        dl_fail(d, IMX_EHTTP, "artifact '%s' (id %llu): /zip answered HTTP %ld%s", a->name, a->id,
                r->status, m);
}

static void dl_start(struct eng *e, struct dl *d)
{
    d->zip_url = gh_url(&e->gh, "/actions/artifacts/%llu/zip", d->a->id);
    gh_api_req(&e->gh, &d->zip, d->zip_url);
    d->zip.compressed = 0;
    d->zip.max_body = 1 << 20;
    d->zip.done = on_zip;
    d->zip.ud = d;
    d->zip.priority = 1; /* ahead of the listings still queued: a listed run downloads now */
    e->dl_active++;
    http_submit(e->env->http, &d->zip);
}

/* Starts downloads while fewer than dl_limit run (each holds a temporary file open) and fewer
 * than INSTALLS_WAITING_MAX wait for the disk (each holds a temporary file, no descriptor). */
static void pump(struct eng *e)
{
    if (e->pumping)
        return;
    e->pumping = 1;
    while (e->dl_active < e->dl_limit && e->installing < INSTALLS_WAITING_MAX &&
           e->dlnext < e->ndlq) {
        struct dl *d = e->dlq[e->dlnext++];
        struct imx_err e2 = IMX_ERR_INIT;

        if (e->env->st.auth_refused)
            dl_fail(d, IMX_EAUTH, "not asked: GitHub refused the token for downloads");
        else if (store_tmp_open(e->env->store, &d->tmp, &e2) < 0)
            dl_fail(d, e2.code, "%s", e2.msg);
        else
            dl_start(e, d);
    }
    e->pumping = 0;
}

static void copy_meta(struct manifest_art *ma, const struct gh_artifact *a)
{
    ma->size = a->size;
    set_str(&ma->digest, a->digest);
    set_str(&ma->created_at, a->created_at);
    set_str(&ma->updated_at, a->updated_at);
    set_str(&ma->expires_at, a->expires_at);
    ma->expired = a->expired || ma->state == ART_EXPIRED;
}

/* The listing is complete: choose, and queue what the cache lacks. */
static void rj_choose(struct rj *j)
{
    struct eng *e = j->e;
    enum gh_pick *pick = source_choose(e->env, j->id, j->arts, j->narts);

    j->listed = 1;
    for (size_t i = 0; i < j->narts; i++) {
        const struct gh_artifact *a = &j->arts[i];
        struct manifest_art *ma;

        if (pick[i] == GH_REFUSED)
            continue;
        if (pick[i] != GH_TAKE) {
            ma = manifest_find(&j->m, a->id);
            if (ma)
                copy_meta(ma, a); /* an older upload we hold keeps its record fresh */
            continue;
        }
        ma = manifest_get(&j->m, a->id, a->name);
        copy_meta(ma, a);
        if (ma->state == ART_COMPLETE && !ma->damaged) {
            e->env->st.artifacts_cached++;
            continue;
        }
        if (ma->state == ART_COMPLETE && a->expired && !e->env->list_only) {
            /* damaged, and not to be had again: the files stay as they are, and say so */
            snprintf(j->why, sizeof(j->why),
                     "artifact '%s' is damaged in the cache and GitHub no longer has it "
                     "(expired): 'imx verify' lists the files",
                     a->name);
            j->r.failed++;
            continue;
        }
        if (ma->state != ART_COMPLETE && (ma->state == ART_EXPIRED || a->expired)) {
            /* recorded, never asked again: GitHub deleted the bytes */
            if (ma->state != ART_EXPIRED) {
                e->env->st.artifacts_expired++;
                j->r.expired++;
            }
            ma->state = ART_EXPIRED;
            ma->expired = 1;
            continue;
        }
        if (e->env->list_only) {
            j->r.incomplete++;
            continue;
        }
        if (!e->gh.auth_header) {
            /* a damaged artifact keeps its files, and its state, until a token fetches it */
            if (ma->state != ART_COMPLETE) {
                ma->state = ART_FAILED;
                set_str(&ma->error, "no token: GitHub requires one to download artifacts");
            }
            j->r.no_token++;
            e->env->st.artifacts_no_token++;
            continue;
        }
        ma->state = ART_PENDING;
        ALLOC_GROW(j->dls, j->ndl + 1, j->capdl);
        j->dls[j->ndl++] = (struct dl){.rj = j, .a = a, .tmp.slot = -1};
    }
    free(pick);
    j->pending = j->ndl;
    if (!j->ndl) {
        rj_finish(j);
        return;
    }
    for (size_t i = 0; i < j->ndl; i++) {
        ALLOC_GROW(e->dlq, e->ndlq + 1, e->capdlq);
        e->dlq[e->ndlq++] = &j->dls[i];
    }
    pump(e);
}

static int arts_page(struct listing *l, const char *body, size_t len, long long *total,
                     struct imx_err *err)
{
    struct rj *j = l->ud;
    return gh_parse_artifacts(body, len, &j->arts, &j->narts, total, err);
}

static void arts_end(struct listing *l, int rc, const char *why)
{
    struct rj *j = l->ud;

    if (rc == 0) {
        rj_choose(j);
        return;
    }
    snprintf(j->why, sizeof(j->why), "%s", why);
    if (rc == -IMX_ERATE)
        j->e->env->st.rate_stopped_until = http_rate_stopped_until(j->e->env->http);
    rj_finish(j);
}

/* A run with its object: cached (nothing asked) or listed again. */
static void rj_start(struct rj *j)
{
    struct eng *e = j->e;

    if (!j->r.cached && j->run.id && unchanged(e, j))
        j->r.cached = 1;
    if (j->r.cached || !j->run.id) {
        rj_finish(j); /* nothing to ask, or the run itself could not be fetched (j->why) */
        return;
    }
    j->l.e = e;
    j->l.ud = j;
    j->l.what = "cannot list the artifacts";
    j->l.page = arts_page;
    j->l.end = arts_end;
    list_start(&j->l,
               gh_url(&e->gh, "/actions/runs/%llu/artifacts?per_page=%d", j->id, GH_PER_PAGE));
}

/* ---- the entry points ------------------------------------------------------------------- */

static int eng_open(struct eng *e, struct source_env *env, struct imx_err *err)
{
    memset(e, 0, sizeof(*e));
    e->env = env;
    e->err = err;
    if (!env->store || !env->http)
        return imx_seterr(err, IMX_EUSAGE, "the GitHub source needs the store and a client");
    /* the first GitHub request is near: the token now (listings too: its rate limit is higher) */
    if (gh_init(&e->gh, env->where->github_api, env->where->repo, source_token(env), err) < 0)
        return -IMX_EUSAGE;
    /* a download holds one transfer at a time, to the API (/zip) or to the download host (the
     * blob), and the client has --jobs transfers for each host: twice as many downloads, so
     * that the API's transfers never wait for blobs (no more /zip requests out when GitHub
     * refuses the token) */
    e->dl_limit = 2 * (size_t)http_client_jobs(e->env->http);
    return 0;
}

static void eng_close(struct eng *e)
{
    /* what the worker threads still have (the ETag answer of the last page of runs) */
    if (e->env->http) {
        http_run(e->env->http, e->env->interrupted);
        if (!e->env->st.rate_stopped_until)
            e->env->st.rate_stopped_until = http_rate_stopped_until(e->env->http);
    }
    for (size_t i = 0; i < e->nrj; i++)
        rj_free(e->rj[i]);
    free(e->rj);
    free(e->dlq);
    gh_release(&e->gh);
}

static int select_runs(struct eng *e, int ask_cached)
{
    const struct source_sel *sel = e->env->sel;

    if (sel->nids)
        return named_runs(e, ask_cached);
    /* no count: a listing shows a page, a date range syncs all of it, else the newest run */
    return list_runs(e, sel->recent > 0              ? (size_t)sel->recent
                        : e->env->list_only          ? GH_PER_PAGE
                        : (sel->since || sel->until) ? 0
                                                     : 1);
}

static int gh_source_sync(struct source_env *env, struct imx_err *err)
{
    struct eng e;
    int r = eng_open(&e, env, err);

    if (r == 0)
        r = select_runs(&e, 0);
    if (r == 0) {
        env->st.runs = e.nrj;
        for (size_t i = 0; i < e.nrj; i++)
            rj_start(e.rj[i]);
        r = http_run(env->http, env->interrupted);
        if (r < 0)
            imx_seterr(err, -r, "interrupted");
        /* runs cut short (interrupted) still say what they got: their records are tasks,
         * which an http_run interrupted again still carries out */
        for (size_t i = 0; i < e.nrj; i++)
            if (!e.rj[i]->finished && !e.rj[i]->pending)
                rj_finish(e.rj[i]);
        if (http_run(env->http, env->interrupted) < 0 && r == 0)
            r = imx_seterr(err, IMX_EINTR, "interrupted");
    }
    if (e.nrj) {
        env->runs_out = xcalloc(e.nrj, sizeof(*env->runs_out));
        for (size_t i = 0; i < e.nrj; i++) {
            struct buf b = BUF_INIT_MAX(BUF_NUM_MAX);
            buf_addf(&b, "%llu", e.rj[i]->id);
            env->runs_out[i] = buf_detach(&b, NULL);
        }
        env->nruns_out = e.nrj;
    }
    eng_close(&e);
    return r;
}

/* What GitHub says of a run not (completely) cached: its listing's chosen artifacts. */
static void list_artifacts(struct eng *e, struct rj *j, struct source_listed *l)
{
    enum gh_pick *pick = source_choose(e->env, j->id, j->arts, j->narts);

    for (size_t i = 0; i < j->narts; i++) {
        if (pick[i] != GH_TAKE)
            continue;
        l->arts++;
        l->size += j->arts[i].size;
        l->expired += j->arts[i].expired != 0;
    }
    l->fetch = l->expiry_known = 1;
    free(pick);
}

static int gh_source_list(struct source_env *env, struct source_listed **out, size_t *n,
                          struct imx_err *err)
{
    struct eng e;
    int r;

    *out = NULL;
    *n = 0;
    env->list_only = 1;
    r = eng_open(&e, env, err);
    if (r == 0)
        r = select_runs(&e, 1);
    if (r == 0) {
        for (size_t i = 0; i < e.nrj; i++) {
            struct rj *j = e.rj[i];
            if (j->run.id && !j->m.complete)
                rj_start(j);
        }
        http_run(env->http, env->interrupted);
        *out = xcalloc(e.nrj + 1, sizeof(**out));
        for (size_t i = 0; i < e.nrj; i++) {
            struct rj *j = e.rj[i];
            struct source_listed *l = &(*out)[*n];
            if (!j->run.id)
                continue; /* not on GitHub */
            (*n)++;
            l->id = j->id;
            set_str(&l->created, j->run.created_at);
            set_str(&l->event, j->run.event);
            set_str(&l->branch, j->run.branch);
            l->attempt = j->run.attempt;
            if (j->listed && !j->m.complete)
                list_artifacts(&e, j, l);
        }
    }
    eng_close(&e);
    return r;
}

/* GitHub: its own API's limits (rate limits obeyed, ETags), --jobs transfers. */
const struct imx_source source_github = {
    .name = "github",
    .label = "GitHub",
    .about = "GitHub Actions artifacts (downloads need a token)",
    .sync = gh_source_sync,
    .list = gh_source_list,
};
