/* gcssync: the GCS backup as a source of runs (source_gcs, source.h). One http loop carries it
 * all: the date folders are listed newest first, each run's downloads start as soon as its folder
 * is listed (ahead of the listings still queued), and each download is verified and installed
 * through the store on the client's worker threads as it arrives. */
#include "source/backfill.h"
#include "source/gcs.h"
#include "util/date.h"
#include "util/xalloc.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* GCS announces no total: a date folder holds a few thousand objects (a few pages of 1000), so
 * a listing past this many pages is a server handing out fresh tokens for ever. */
#define MAX_PAGES 200
/* Date folders listed at once while runs are searched for, newest first (a date range is
 * listed all at once): a few more than a search usually needs. */
#define LIST_WINDOW 8
/* Downloads in flight or waiting for their install, each with a scratch file: enough to keep
 * every transfer slot busy. */
#define GETS_MAX 256
/* Among the requests waiting for a slot, the downloads of runs already chosen go first. */
#define PRIORITY_GET 1

/* ---- the engine ---------------------------------------------------------------------- */

/* The listing of the date folders (top level) or of one date folder, page by page. */
struct listing {
    struct eng *e;
    char date[11], prefix[12]; /* YYYY-MM-DD and "YYYY-MM-DD/", "" for the top level */
    struct source_get g;
    struct gcs_page pg;
    struct buf raw; /* its pages as received, comma-separated: the state stored */
    int pages;      /* pages asked for after the first */
    int complete;
    struct gcs_index ix; /* the runs of a date folder, once complete */
};

/* A run chosen, and what became of its artifacts. */
struct pick {
    struct gcs_run *run;
    unsigned long taken; /* artifacts the rule takes, of size bytes */
    unsigned long long size;
    unsigned long arts, got; /* of those, the ones the cache lacked, and installed */
    unsigned long long bytes;
};

/* One download: an artifact (art != NULL) or a run's metadata, the object obj. */
struct job {
    struct eng *e;
    size_t pick; /* in e->picks, which grows: only the loop's thread looks there */
    const struct gcs_run *run;
    const struct gh_artifact *art;
    const struct gcs_object *obj;
    struct source_get g; /* its url made once for every attempt */
    struct store_tmp tmp;
    int attempts;
    /* the disk work of an answer, on a worker thread of the HTTP client */
    struct http_task task;
    int wrc; /* 0, 1 (verification failed: fetch again) or a negative IMX_E* code */
    struct imx_err werr, wbad;
};

struct eng {
    struct source_env *env;
    struct imx_err *err;
    const char *base, *bucket;
    char now[32];
    long recent;
    struct listing top;
    struct listing *dates; /* in range, newest first */
    size_t ndates, window;
    size_t started;  /* dates[0..started) read or being listed */
    size_t ordered;  /* dates[0..ordered) complete and their runs taken, in order */
    char newest[11]; /* the newest date of the bucket, "" when none */
    int stop;        /* the selection is satisfied: no more folders are listed */
    unsigned long long min_id;
    unsigned long unparsed, missing;
    struct pick *picks;
    size_t npicks, cappicks;
    struct job **jobs; /* every download, queued in order */
    size_t njobs, capjobs, next, active;
    int rc; /* the failure that stopped the source */
};

static char *list_url(struct eng *e, const char *prefix, const char *token)
{
    struct buf u = BUF_INIT;

    buf_addf(&u, "%s/storage/v1/b/", e->base);
    http_url_encode_keep(&u, e->bucket, GCS_KEEP_QUERY);
    buf_addf(&u, "/o?maxResults=%d", GCS_PAGE_SIZE);
    if (*prefix) {
        buf_adds(&u, "&prefix=");
        http_url_encode_keep(&u, prefix, GCS_KEEP_QUERY);
        buf_adds(&u, "&fields=items(name%2Csize%2Cmd5Hash%2Ccrc32c%2Cupdated)%2CnextPageToken");
    } else {
        buf_adds(&u, "&delimiter=%2F&fields=prefixes%2CnextPageToken");
    }
    if (token) {
        buf_adds(&u, "&pageToken=");
        http_url_encode_keep(&u, token, GCS_KEEP_QUERY);
    }
    return buf_detach(&u, NULL);
}

static char *object_url(struct eng *e, const char *name)
{
    struct buf u = BUF_INIT;

    buf_addf(&u, "%s/", e->base);
    http_url_encode_keep(&u, e->bucket, GCS_KEEP_PATH);
    buf_addc(&u, '/');
    http_url_encode_keep(&u, name, GCS_KEEP_PATH);
    return buf_detach(&u, NULL);
}

/* A 401 or 403: the bucket is no longer public, the source is stopped. */
static int refused(struct eng *e, const char *what, long status)
{
    return imx_seterr(e->err, IMX_EAUTH,
                      "GCS source unavailable: bucket %s refused %s (HTTP %ld); what was synced "
                      "is kept",
                      e->bucket, what, status);
}

/* Stops the source: the first failure is the one told. */
static void fail(struct eng *e, int rc, const struct imx_err *why)
{
    if (e->rc < 0)
        return;
    e->rc = rc;
    if (why)
        *e->err = *why;
}

static void on_list(struct source_get *g, void *ud);

/* The listing's next page (its first, or the one after the answer in l->g, now released), at
 * the default priority. */
static void list_next(struct listing *l)
{
    source_get_release(&l->g);
    l->g.url = list_url(l->e, l->prefix, l->pg.next_token);
    l->g.arrived = on_list;
    l->g.arrived_ud = l;
    source_submit(l->e->env, &l->g);
}

/* A listing's answer read into l: 0, or the failure that stops the source (in e->err). */
static int list_page(struct eng *e, struct listing *l, const struct source_get *r)
{
    const char *what = *l->prefix ? l->prefix : "the date folders";
    struct imx_err pe = IMX_ERR_INIT;

    if (r->code < 0)
        return imx_seterr(e->err, -r->code, "GCS listing of %s: %s", what, r->msg);
    if (r->status == 403 || r->status == 401)
        return refused(e, "listing", r->status);
    if (r->status == 404)
        return imx_seterr(e->err, IMX_ENOTFOUND, "GCS bucket %s not found (HTTP 404)", e->bucket);
    if (r->status != 200)
        return imx_seterr(e->err, r->status == 429 ? IMX_ERATE : IMX_EHTTP,
                          "GCS listing of %s: HTTP %ld", what, r->status);
    if (gcs_page_parse(&l->pg, r->body, r->len, &pe) < 0)
        return imx_seterr(e->err, pe.code, "%s (listing of %s: %s)", pe.msg, what, r->url);
    if (l->raw.len)
        buf_addc(&l->raw, ',');
    buf_add(&l->raw, r->body, r->len);
    if (l->pg.next_token && l->pages++ >= MAX_PAGES)
        return imx_seterr(e->err, IMX_EHTTP,
                          "GCS listing of %s: more than %d pages, each with a new pageToken (a "
                          "server loop); giving up on it",
                          what, MAX_PAGES);
    return 0;
}

static void listing_release(struct listing *l)
{
    source_get_release(&l->g);
    gcs_page_release(&l->pg);
    buf_release(&l->raw);
    gcs_index_release(&l->ix);
    memset(l, 0, sizeof(*l));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The top level is listed: the date folders in range, newest first. */
static void take_dates(struct eng *e)
{
    const struct source_sel *sel = e->env->sel;
    struct gcs_page *pg = &e->top.pg;

    qsort(pg->prefixes, pg->nprefixes, sizeof(char *), cmp_str);
    e->dates = xcalloc(pg->nprefixes + 1, sizeof(*e->dates));
    for (size_t i = pg->nprefixes; i-- > 0;) {
        const char *p = pg->prefixes[i];
        char day[11] = "";
        struct listing *l;

        if (strlen(p) == 11 && p[10] == '/')
            memcpy(day, p, 10);
        if (!date_valid(day)) {
            e->unparsed++;
            continue;
        }
        if (!*e->newest)
            memcpy(e->newest, day, sizeof(day));
        if (!date_in_range(day, sel->since, sel->until))
            continue;
        l = &e->dates[e->ndates++];
        l->e = e;
        buf_init(&l->raw, GCS_STATE_MAX);
        memcpy(l->date, day, sizeof(day));
        memcpy(l->prefix, p, sizeof(l->prefix));
    }
    e->env->st.dates += e->ndates;
    /* a search for runs goes back a few folders at a time; a date range is listed in one go */
    e->window = e->recent || sel->nids ? LIST_WINDOW : e->ndates;
}

/* Whether run id is in the folders dates[0..upto). */
static int found_id(struct eng *e, unsigned long long id, size_t upto)
{
    for (size_t i = 0; i < upto; i++)
        if (gcs_index_find(&e->dates[i].ix, id))
            return 1;
    return 0;
}

/* Whether the runs taken so far are the selection: older folders need not be listed. */
static int satisfied(struct eng *e)
{
    const struct source_sel *sel = e->env->sel;
    unsigned long long min_wanted = ULLONG_MAX;
    size_t found = 0;

    if (!sel->nids || e->recent)
        return !sel->nids && e->recent && e->npicks >= (size_t)e->recent;
    for (size_t i = 0; i < sel->nids; i++) {
        unsigned long long v = strtoull(sel->ids[i], NULL, 10);
        found += found_id(e, v, e->ordered);
        min_wanted = v < min_wanted ? v : min_wanted;
    }
    /* Run ids grow with time: older folders cannot hold a smaller-than-seen id... */
    return found == sel->nids ||
           (e->min_id && e->min_id < min_wanted && !(sel->since || sel->until));
}

static void pump(struct eng *e);

static void queue(struct eng *e, size_t pick, const struct gh_artifact *art,
                  const struct gcs_object *obj)
{
    struct job *j = xcalloc(1, sizeof(*j));

    j->e = e;
    j->pick = pick;
    j->run = e->picks[pick].run;
    j->art = art;
    j->obj = obj;
    j->tmp.slot = -1;
    ALLOC_GROW(e->jobs, e->njobs + 1, e->capjobs);
    e->jobs[e->njobs++] = j;
}

static int run_has(struct eng *e, unsigned long long id, const char *file)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    int r;

    store_run_file(e->env->store, id, file, &p);
    r = path_exists(p.p);
    buf_release(&p);
    return r;
}

/* Writes run.json through the store (any thread: errors in err; metadata that does not read,
 * in bad_meta). */
static int save_run_json(struct eng *e, const struct gcs_run *r, const char *meta, size_t metalen,
                         struct imx_err *err, struct imx_err *bad_meta)
{
    struct buf text = BUF_INIT;
    int rc = gcs_run_json(r, meta, metalen, e->env->where->repo, e->bucket, &text, bad_meta, err);

    if (rc == 0)
        rc = store_write_run_json(e->env->store, r->id, text.p, text.len, err);
    buf_release(&text);
    return rc;
}

/* A run is chosen: what the cache lacks of it is queued (unless only listing). */
static void take_run(struct eng *e, struct gcs_run *r)
{
    enum gh_pick *pick = source_choose(e->env, r->id, r->arts, r->narts);
    size_t first = e->njobs, p = e->npicks;

    ALLOC_GROW(e->picks, e->npicks + 1, e->cappicks);
    memset(&e->picks[p], 0, sizeof(*e->picks));
    e->picks[e->npicks++].run = r;
    for (size_t a = 0; a < r->narts; a++) {
        if (pick[a] != GH_TAKE)
            continue;
        e->picks[p].taken++;
        e->picks[p].size += r->objs[a]->size;
        if (store_have(e->env->store, r->id, r->arts[a].id)) {
            e->env->st.artifacts_cached++;
            continue;
        }
        e->picks[p].arts++;
        if (!e->env->list_only)
            queue(e, p, &r->arts[a], r->objs[a]);
    }
    free(pick);
    if (!e->env->list_only && !run_has(e, r->id, "run.json")) {
        if (r->meta)
            queue(e, p, NULL, r->meta);
        else if ((e->njobs > first || run_has(e, r->id, ".")) &&
                 save_run_json(e, r, NULL, 0, e->err, e->err) < 0)
            e->rc = -e->err->code;
    }
}

/* The runs of a folder, taken in order (newest first) once every newer folder was. */
static void take_folder(struct eng *e, struct listing *l)
{
    const struct source_sel *sel = e->env->sel;

    e->unparsed += l->ix.unparsed;
    if (l->ix.min_id && (!e->min_id || l->ix.min_id < e->min_id))
        e->min_id = l->ix.min_id;
    for (size_t i = 0; i < l->ix.n && e->rc == 0; i++) {
        struct gcs_run *r = &l->ix.runs[i];
        if (!source_named(sel, r->id))
            continue;
        if (e->recent && e->npicks >= (size_t)e->recent)
            break;
        take_run(e, r);
    }
    if (satisfied(e))
        e->stop = 1;
}

/* A folder of the window: its stored listing when settled, else listed now. */
static void start_folder(struct eng *e, struct listing *l)
{
    char *listed_at = NULL;

    if (gcs_state_load(e->env->cache, e->bucket, l->date, &l->pg, &listed_at, e->err) < 0) {
        fail(e, -e->err->code, NULL);
    } else if (!gcs_date_needs_listing(l->date, e->newest, listed_at, e->env->where->refresh)) {
        l->complete = 1;
        gcs_index_add(&l->ix, &l->pg, e->env->where->workflow);
    } else {
        gcs_page_release(&l->pg);
        list_next(l);
    }
    free(listed_at);
}

/* Takes the runs of the folders complete in order, and starts the next folders of the window. */
static void advance(struct eng *e)
{
    for (;;) {
        while (e->ordered < e->ndates && e->dates[e->ordered].complete && !e->stop && e->rc == 0)
            take_folder(e, &e->dates[e->ordered++]);
        if (e->stop || e->rc < 0 || e->started >= e->ndates || e->started >= e->ordered + e->window)
            break;
        start_folder(e, &e->dates[e->started++]);
    }
    pump(e);
}

static void on_list(struct source_get *r, void *ud)
{
    struct listing *l = ud;
    struct eng *e = l->e;
    int rc;

    if (e->rc < 0 || r->code == -IMX_EINTR)
        return;
    rc = list_page(e, l, r);
    if (rc < 0) {
        fail(e, rc, NULL);
        return;
    }
    if (l->pg.next_token) {
        list_next(l);
        return;
    }
    l->complete = 1;
    if (l == &e->top) {
        take_dates(e);
    } else {
        gcs_index_add(&l->ix, &l->pg, e->env->where->workflow);
        e->env->st.dates_listed++;
        /* A state that cannot be written only costs a listing next time. */
        if (gcs_state_save(e->env->cache, e->bucket, l->date, &l->raw, e->now, NULL) < 0)
            imx_warn(e->env->diag, IMX_EIO, "cannot store the GCS listing of %s", l->date);
    }
    advance(e);
}

/* ---- downloads ----------------------------------------------------------------------- */

static void on_get(struct source_get *g, void *ud);

/* A download, ahead of the listings waiting. */
static void job_start(struct job *j)
{
    struct eng *e = j->e;

    if (!j->g.url)
        j->g.url = object_url(e, j->obj->name);
    /* artifacts are streamed to a scratch file of the store (opened again by name by the
     * fetcher), never held whole in memory */
    if (j->art && store_tmp_open(e->env->store, &j->tmp, e->err) < 0) {
        fail(e, -e->err->code, NULL);
        return;
    }
    if (j->tmp.fp)
        fclose(j->tmp.fp);
    j->tmp.fp = NULL;
    j->g.to_file = j->tmp.path;
    j->g.priority = PRIORITY_GET;
    j->g.arrived = on_get;
    j->g.arrived_ud = j;
    source_submit(e->env, &j->g);
}

/* Starts queued downloads while fewer than GETS_MAX are under way. */
static void pump(struct eng *e)
{
    while (e->rc == 0 && e->active < GETS_MAX && e->next < e->njobs) {
        e->active++;
        job_start(e->jobs[e->next++]);
    }
}

static void job_end(struct job *j)
{
    store_tmp_discard(&j->tmp);
    free(j->g.body);
    j->g.body = NULL;
    j->e->active--;
    pump(j->e);
}

/* A verified backup zip: installed like a GitHub download, recorded with source "gcs". */
static int install(struct eng *e, const struct job *j, struct imx_err *err)
{
    const struct store *s = e->env->store;
    struct store_install si = {.run_id = j->run->id,
                               .id = j->art->id,
                               .name = j->art->name,
                               .file = j->tmp.path,
                               .is_zip = 1,
                               .source = "gcs"};
    struct unpack_result res;
    struct manifest m;
    struct manifest_art *a;
    int r = store_manifest_load(s, si.run_id, &m, err);

    if (r < 0)
        return r;
    r = store_install_artifact(s, &m, &si, &res, err);
    if (r == 0) {
        a = manifest_get(&m, j->art->id, j->art->name);
        a->size = j->g.len;
        free(a->updated_at);
        a->updated_at = j->obj->updated ? xstrdup(j->obj->updated) : NULL;
        m.complete = manifest_all_stored(&m);
        r = store_manifest_save(s, &m, err);
    }
    manifest_release(&m);
    return r;
}

/* The disk work of an answer, on a worker thread: the artifact verified against its listing
 * entry and installed, or run.json written with the metadata. */
static void settle_work(struct http_task *t)
{
    struct job *j = t->ud;
    struct eng *e = j->e;

    imx_err_clear(&j->werr);
    imx_err_clear(&j->wbad);
    if (!j->art)
        j->wrc = save_run_json(e, j->run, j->g.body, j->g.len, &j->werr, &j->wbad);
    else if (gcs_verify_file(j->tmp.path, j->obj, &j->wbad) < 0)
        j->wrc = 1;
    else
        j->wrc = install(e, j, &j->werr);
}

/* Its outcome, counted and told on the loop's thread. */
static void settled(struct http_task *t)
{
    struct job *j = t->ud;
    struct eng *e = j->e;
    struct pick *p = &e->picks[j->pick];
    int rc = j->wrc;

    if (j->wbad.code && !j->art)
        imx_warn(e->env->diag, IMX_EPARSE, "%s (%s)", j->wbad.msg, j->g.url);
    if (rc == 1 && j->attempts < GCS_ATTEMPTS && e->rc == 0) {
        /* fetched again, into a new scratch file */
        store_tmp_discard(&j->tmp);
        job_start(j);
        return;
    }
    if (rc == 1) {
        imx_warn(e->env->diag, IMX_EVERIFY, "run %llu: %s; refused after %d attempts", p->run->id,
                 j->wbad.msg, j->attempts);
        e->env->st.artifacts_failed++;
    } else if (rc == 0 && j->art) {
        p->got++;
        p->bytes += j->obj->size;
        e->env->st.artifacts++;
        e->env->st.bytes += j->g.len;
    } else if (rc < 0 && j->art && rc != -IMX_EIO && rc != -IMX_ELOCK && rc != -IMX_EINTR) {
        /* An archive the cache refuses (unsafe, too big): this artifact only. */
        imx_warn(e->env->diag, -rc, "run %llu: %s", p->run->id, j->werr.msg);
        e->env->st.artifacts_failed++;
    } else if (rc < 0) {
        fail(e, rc, &j->werr);
    }
    job_end(j);
}

/* One answer: a failure counted and told, else its disk work handed to a worker thread (a
 * run's installs and its run.json one after another). */
static void on_get(struct source_get *r, void *ud)
{
    struct job *j = ud;
    struct eng *e = j->e;
    const struct gcs_run *run = j->run;
    const char *what = j->art ? j->art->name : "artifacts_metadata.json";

    if (e->rc < 0 || r->code == -IMX_EINTR) {
        job_end(j); /* the source stopped: what is on its way is not taken */
        return;
    }
    j->attempts++;
    if (r->code == 0 && (r->status == 403 || r->status == 401)) {
        e->rc = refused(e, "a download", r->status);
    } else if (r->code < 0 || r->status != 200) {
        if (r->code < 0)
            imx_warn(e->env->diag, -r->code, "run %llu: %s: %s", run->id, what, r->msg);
        else if (r->status == 404)
            imx_warn(e->env->diag, IMX_ENOTFOUND,
                     "run %llu: %s is listed but missing from the bucket (HTTP 404)", run->id,
                     what);
        else
            imx_warn(e->env->diag, IMX_EHTTP, "run %llu: %s: HTTP %ld", run->id, what, r->status);
        if (j->art)
            e->env->st.artifacts_failed++;
        else if (save_run_json(e, run, NULL, 0, e->err, e->err) < 0)
            e->rc = -e->err->code; /* run.json without the metadata */
    } else {
        j->task.work = settle_work;
        j->task.done = settled;
        j->task.ud = j;
        j->task.key = run->id;
        http_task_submit(e->env->http, &j->task);
        return;
    }
    job_end(j);
}

/* ---- the source -------------------------------------------------------------------------- */

/* After the per-run lines: what did not parse, and the engine freed. */
static void eng_end(struct eng *e)
{
    if (e->rc == 0 && e->unparsed)
        imx_warn(e->env->diag, IMX_EPARSE,
                 "%lu object name%s of the backup did not parse (skipped)", e->unparsed,
                 e->unparsed == 1 ? "" : "s");
    listing_release(&e->top);
    for (size_t i = 0; i < e->ndates; i++)
        listing_release(&e->dates[i]);
    free(e->dates);
    for (size_t i = 0; i < e->njobs; i++) {
        source_get_release(&e->jobs[i]->g);
        free(e->jobs[i]);
    }
    free(e->jobs);
    free(e->picks);
}

/* Lists what the selection needs, picks its runs (e->picks, newest first) and, unless only
 * listing, downloads and installs what the cache lacks of them. */
static int eng_run(struct eng *e, struct source_env *env, struct imx_err *err)
{
    const struct source_sel *sel = env->sel;
    time_t now = time(NULL);
    struct tm tm;
    int rc;

    memset(e, 0, sizeof(*e));
    e->env = env;
    e->err = err;
    e->base = env->where->gcs_url ? env->where->gcs_url : GCS_DEFAULT_URL;
    e->bucket = env->where->bucket ? env->where->bucket : GCS_DEFAULT_BUCKET;
    e->recent = sel->recent > 0 ? sel->recent : (!sel->nids && !sel->since && !sel->until);
    e->top.e = e;
    buf_init(&e->top.raw, GCS_STATE_MAX);
    gmtime_r(&now, &tm);
    strftime(e->now, sizeof(e->now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    list_next(&e->top);
    rc = source_run(env);
    if (e->rc < 0)
        rc = e->rc;
    for (size_t i = 0; i < sel->nids; i++) {
        if (!found_id(e, strtoull(sel->ids[i], NULL, 10), e->ndates)) {
            e->missing++;
            if (rc == 0) /* a listing that failed says nothing of what the bucket holds */
                imx_warn(env->diag, IMX_ENOTFOUND, "run %s is not in the GCS backup (bucket %s)",
                         sel->ids[i], e->bucket);
        }
    }
    e->rc = rc;
    return rc;
}

static int gcs_source_sync(struct source_env *env, struct imx_err *err)
{
    struct eng e;
    int r = eng_run(&e, env, err);

    /* Per-run lines: what was done, even when the source failed midway. */
    env->st.runs += e.npicks;
    for (size_t i = 0; i < e.npicks; i++) {
        const struct pick *p = &e.picks[i];
        source_run_done(env, &(struct source_run){.id = p->run->id,
                                                  .date = p->run->date,
                                                  .detail = p->run->folder,
                                                  .cached = !p->arts,
                                                  .got = p->got,
                                                  .failed = p->arts - p->got,
                                                  .bytes = p->bytes});
    }
    env->st.runs_failed += e.missing;
    eng_end(&e);
    if (r == 0 && !(env->interrupted && env->interrupted()))
        r = backfill_sync(env, err);
    return r;
}

/* The backup's runs, and what a sync would still fetch of each (unless the cache has it). */
static int gcs_source_list(struct source_env *env, struct source_listed **out, size_t *n,
                           struct imx_err *err)
{
    struct eng e;
    int r;

    env->list_only = 1;
    /* the listings of a sync, their stored state reused and updated the same way */
    r = eng_run(&e, env, err);

    *n = e.npicks;
    *out = xcalloc(e.npicks + 1, sizeof(**out));
    for (size_t i = 0; i < e.npicks; i++)
        (*out)[i] = (struct source_listed){.id = e.picks[i].run->id,
                                           .created = xstrdup(e.picks[i].run->date),
                                           .arts = e.picks[i].taken,
                                           .size = e.picks[i].size,
                                           .fetch = e.picks[i].arts > 0};
    r = r < 0 ? r : e.missing ? 1 : 0;
    eng_end(&e);
    return r;
}

/* GCS is a CDN: --jobs transfers, zips of any size (streamed to files), no time limit. */
const struct imx_source source_gcs = {
    .name = "gcs",
    .label = "GCS",
    .about = "the public GCS backup (older runs, no token)",
    .limits = {.max_body = GCS_ZIP_MAX},
    .sync = gcs_source_sync,
    .list = gcs_source_list,
};
