/* gcssync: the GCS backup as a source of runs (see gcs.h): date folders, incremental
 * listings, run and artifact choice, verified downloads handed to the cache. Transport injected. */
#include "cache/jail.h"
#include "source/backfill.h"
#include "source/gcs.h"
#include "source/github.h"
#include "source/http.h"
#include "util/date.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* GCS announces no total: a date folder holds a few thousand objects (a few pages of 1000), so
 * a listing past this many pages is a server handing out fresh tokens for ever. */
#define MAX_PAGES 200

/* ---- artifact choice --------------------------------------------------------------- */

enum gh_pick *gcs_pick(const struct gcs_run *r, const char *pattern)
{
    struct gh_artifact *arts = xcalloc(r->narts + 1, sizeof(*arts));
    enum gh_pick *pick = xcalloc(r->narts + 1, sizeof(*pick));

    for (size_t i = 0; i < r->narts; i++) {
        arts[i].id = r->arts[i].id;
        arts[i].name = r->arts[i].name; /* read only: gh_choose does not keep or free it */
    }
    gh_choose(arts, r->narts, pattern, pick);
    free(arts);
    return pick;
}

/* ---- requests ---------------------------------------------------------------------- */

struct engine {
    const struct gcs_opts *o;
    struct gcs_stats *st;
    struct imx_err *err;
    const char *base, *bucket;
    char now[32];
    size_t batch;
};

static char *list_url(struct engine *e, const char *prefix, int delim, const char *token)
{
    struct buf u = BUF_INIT;

    buf_addf(&u, "%s/storage/v1/b/", e->base);
    gcs_encode_query(&u, e->bucket);
    buf_addf(&u, "/o?maxResults=%d", GCS_PAGE_SIZE);
    if (prefix) {
        buf_adds(&u, "&prefix=");
        gcs_encode_query(&u, prefix);
    }
    if (delim)
        buf_adds(&u, "&delimiter=%2F&fields=prefixes%2CnextPageToken");
    else
        buf_adds(&u, "&fields=items(name%2Csize%2Cmd5Hash%2Ccrc32c%2Cupdated)%2CnextPageToken");
    if (token) {
        buf_adds(&u, "&pageToken=");
        gcs_encode_query(&u, token);
    }
    return buf_detach(&u, NULL);
}

static char *object_url(struct engine *e, const char *name)
{
    struct buf u = BUF_INIT;

    buf_addf(&u, "%s/", e->base);
    gcs_encode_path(&u, e->bucket);
    buf_addc(&u, '/');
    gcs_encode_path(&u, name);
    return buf_detach(&u, NULL);
}

/* A listing response that is not a page: 403 ends the GCS source, anything else this listing. */
static int list_status(struct engine *e, const struct source_get *g, const char *what)
{
    if (g->code < 0)
        return imx_seterr(e->err, g->code, "GCS listing of %s: %s", what, g->msg);
    if (g->status == 403 || g->status == 401)
        return imx_seterr(e->err, IMX_EAUTH,
                          "GCS source unavailable: bucket %s refused listing (HTTP %ld); "
                          "what was synced is kept",
                          e->bucket, g->status);
    if (g->status == 404)
        return imx_seterr(e->err, IMX_ENOTFOUND, "GCS bucket %s not found (HTTP 404)", e->bucket);
    if (g->status != 200)
        return imx_seterr(e->err, g->status == 429 ? IMX_ERATE : IMX_EHTTP,
                          "GCS listing of %s: HTTP %ld", what, g->status);
    return 0;
}

struct listing {
    char *prefix; /* NULL: the top level */
    struct gcs_page pg;
    char **tokens; /* every token followed, to catch one that repeats */
    size_t ntokens, cap;
    int done;
};

static void listing_release(struct listing *l)
{
    free(l->prefix);
    gcs_page_release(&l->pg);
    for (size_t i = 0; i < l->ntokens; i++)
        free(l->tokens[i]);
    free(l->tokens);
    memset(l, 0, sizeof(*l));
}

/* Lists n prefixes (or the top level) to the end, their pages fetched side by side. */
static int list_all(struct engine *e, struct listing *ls, size_t n, int delim)
{
    struct source_get *reqs = xcalloc(n ? n : 1, sizeof(*reqs));
    size_t *which = xcalloc(n ? n : 1, sizeof(*which));
    int rc = 0;

    for (;;) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            struct listing *l = &ls[i];
            if (l->done)
                continue;
            reqs[k].url = list_url(e, l->prefix, delim, l->pg.next_token);
            which[k++] = i;
        }
        if (!k)
            break;
        rc = e->o->fetch(e->o->fetch_ud, reqs, k);
        for (size_t j = 0; j < k && rc == 0; j++) {
            struct listing *l = &ls[which[j]];
            const char *what = l->prefix ? l->prefix : "the date folders";
            rc = list_status(e, &reqs[j], what);
            if (rc == 0) {
                struct imx_err pe = IMX_ERR_INIT;
                rc = gcs_page_parse(&l->pg, reqs[j].body ? reqs[j].body : "",
                                    reqs[j].body ? reqs[j].len : 0, &pe);
                if (rc < 0)
                    imx_seterr(e->err, pe.code, "%s (listing of %s: %s)", pe.msg, what,
                               reqs[j].url);
            }
            if (rc == 0 && l->pg.next_token) {
                for (size_t t = 0; t < l->ntokens; t++)
                    if (!strcmp(l->tokens[t], l->pg.next_token))
                        rc = imx_seterr(e->err, IMX_EPARSE,
                                        "GCS listing of %s: pageToken repeats (a server loop); "
                                        "giving up on it",
                                        what);
                if (rc == 0 && l->ntokens >= MAX_PAGES)
                    rc = imx_seterr(e->err, IMX_EHTTP,
                                    "GCS listing of %s: more than %d pages, each with a new "
                                    "pageToken (a server loop); giving up on it",
                                    what, MAX_PAGES);
                if (rc == 0) {
                    ALLOC_GROW(l->tokens, l->ntokens + 1, l->cap);
                    l->tokens[l->ntokens++] = xstrdup(l->pg.next_token);
                }
            }
            if (rc == 0 && !l->pg.next_token)
                l->done = 1;
        }
        for (size_t j = 0; j < k; j++)
            source_get_release(&reqs[j]);
        if (rc < 0)
            break;
    }
    free(reqs);
    free(which);
    return rc;
}

/* ---- dates ------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct dates {
    char **v;
    size_t n;
};

static int list_dates(struct engine *e, struct dates *d)
{
    struct listing top;
    int rc;

    memset(&top, 0, sizeof(top));
    memset(d, 0, sizeof(*d));
    rc = list_all(e, &top, 1, 1);
    if (rc == 0) {
        d->v = xcalloc(top.pg.nprefixes + 1, sizeof(char *));
        for (size_t i = 0; i < top.pg.nprefixes; i++) {
            const char *p = top.pg.prefixes[i];
            size_t len = strlen(p);
            char day[11];
            if (len == 11 && p[10] == '/') {
                memcpy(day, p, 10);
                day[10] = '\0';
                if (date_valid(day)) {
                    d->v[d->n++] = xstrdup(day);
                    continue;
                }
            }
            e->st->unparsed++;
        }
        qsort(d->v, d->n, sizeof(char *), cmp_str);
    }
    listing_release(&top);
    return rc;
}

static void dates_release(struct dates *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i]);
    free(d->v);
}

/* Loads the listings of dates[0..n) into ix: stored ones when settled, the rest listed now. */
static int load_dates(struct engine *e, char **dates, size_t n, const char *newest,
                      struct gcs_index *ix)
{
    struct listing *ls = xcalloc(n ? n : 1, sizeof(*ls));
    size_t nl = 0;
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        struct gcs_page pg;
        char *listed_at = NULL;
        int found = 0;

        gcs_page_init(&pg);
        rc = gcs_state_load(e->o->cache, e->bucket, dates[i], &pg, &listed_at, &found, e->err);
        if (rc == 0 && !gcs_date_needs_listing(dates[i], newest, listed_at, found, e->o->refresh))
            gcs_index_add(ix, &pg, e->o->workflow);
        else if (rc == 0) {
            struct buf p = BUF_INIT;
            buf_addf(&p, "%s/", dates[i]);
            ls[nl++].prefix = buf_detach(&p, NULL);
        }
        free(listed_at);
        gcs_page_release(&pg);
    }
    if (rc == 0 && nl)
        rc = list_all(e, ls, nl, 0);
    for (size_t i = 0; i < nl && rc == 0; i++) {
        char day[11];
        memcpy(day, ls[i].prefix, 10);
        day[10] = '\0';
        gcs_index_add(ix, &ls[i].pg, e->o->workflow);
        e->st->dates_listed++;
        /* A state that cannot be written only costs a listing next time. */
        if (gcs_state_save(e->o->cache, e->bucket, day, &ls[i].pg, e->now, NULL) < 0)
            imx_warn(e->o->diag, IMX_EIO, "cannot store the GCS listing of %s", day);
    }
    for (size_t i = 0; i < n; i++)
        listing_release(&ls[i]);
    free(ls);
    return rc;
}

/* ---- runs -------------------------------------------------------------------------- */

static int wanted_id(const struct gcs_opts *o, unsigned long long id)
{
    for (size_t i = 0; i < o->nids; i++)
        if (strtoull(o->ids[i], NULL, 10) == id)
            return 1;
    return 0;
}

static unsigned long long min_wanted(const struct gcs_opts *o)
{
    unsigned long long m = 0;
    for (size_t i = 0; i < o->nids; i++) {
        unsigned long long v = strtoull(o->ids[i], NULL, 10);
        if (!m || v < m)
            m = v;
    }
    return m;
}

static size_t count_found(const struct gcs_opts *o, struct gcs_index *ix)
{
    size_t k = 0;
    for (size_t i = 0; i < o->nids; i++)
        k += gcs_index_find(ix, strtoull(o->ids[i], NULL, 10)) != NULL;
    return k;
}

/* Which date folders to look at, newest first, until the selection is satisfied. */
static int collect(struct engine *e, struct dates *d, struct gcs_index *ix)
{
    const struct gcs_opts *o = e->o;
    const char *newest = d->n ? d->v[d->n - 1] : NULL;
    long recent = o->recent > 0 ? o->recent : (!o->nids && !o->since && !o->until ? 1 : 0);
    size_t hi = d->n, step;
    char **range = xcalloc(d->n + 1, sizeof(char *));
    size_t nr = 0;
    int rc = 0;

    for (size_t i = 0; i < d->n; i++) {
        if (!date_in_range(d->v[i], o->since, o->until))
            continue;
        range[nr++] = d->v[i];
    }
    e->st->dates = nr;
    hi = nr;
    /* A date range is listed in one go; a search for runs goes back a few folders at a time. */
    step = recent || o->nids ? 8 : (nr ? nr : 1);
    while (hi > 0 && rc == 0) {
        size_t lo = hi > step ? hi - step : 0;
        rc = load_dates(e, range + lo, hi - lo, newest, ix);
        hi = lo;
        if (rc < 0)
            break;
        if (recent && (long)ix->n >= recent && !o->nids)
            break;
        if (o->nids && !recent) {
            /* Run ids grow with time: older folders cannot hold a smaller-than-seen id... */
            if (count_found(o, ix) == o->nids)
                break;
            if (ix->min_id && ix->min_id < min_wanted(o) && !(o->since || o->until))
                break;
        }
    }
    free(range);
    return rc;
}

static int file_exists_in_run(const char *cache, unsigned long long id, const char *file)
{
    struct buf p = BUF_INIT;
    int r;
    buf_addf(&p, "%s/run_%llu/%s", cache, id, file);
    r = path_exists(p.p);
    buf_release(&p);
    return r;
}

/* Writes run.json (any thread: errors in err; metadata that does not read, in bad_meta). */
static int run_json_save(struct engine *e, const struct gcs_run *r, const char *meta,
                         size_t metalen, struct imx_err *err, struct imx_err *bad_meta)
{
    struct buf path = BUF_INIT, text = BUF_INIT;
    int rc = gcs_run_json(r, meta, metalen, e->o->repo, e->bucket, &text, bad_meta);

    if (rc < 0 && meta) {
        /* Metadata that does not read is as good as none. */
        buf_reset(&text);
        rc = gcs_run_json(r, NULL, 0, e->o->repo, e->bucket, &text, err);
    } else if (rc < 0) {
        *err = *bad_meta;
        imx_err_clear(bad_meta);
    }
    if (rc == 0 && e->o->store.save_run_json) {
        /* the cache's own writer */
        rc = e->o->store.save_run_json(e->o->store.ud, r->id, text.p, text.len, err);
    } else if (rc == 0) {
        buf_addf(&path, "%s/run_%llu/run.json", e->o->cache, r->id);
        rc = jail_parent_dirs(e->o->cache, path.p, err);
        if (rc == 0)
            rc = atomic_write(path.p, text.p, text.len, err);
    }
    buf_release(&path);
    buf_release(&text);
    return rc;
}

static int write_run_json(struct engine *e, const struct gcs_run *r, const char *meta,
                          size_t metalen)
{
    struct imx_err bad = IMX_ERR_INIT;
    int rc = run_json_save(e, r, meta, metalen, e->err, &bad);

    if (bad.code)
        imx_warn(e->o->diag, IMX_EPARSE, "%s", bad.msg);
    return rc;
}

/* One download to fetch: an artifact (art != NULL) or a run's metadata. */
struct job {
    struct gcs_run *run;
    struct gcs_artifact *art;
    int attempts;
    int done;
    int ok; /* installed */
    /* the disk work of an answer, on a worker thread of the HTTP client (settle_work) */
    struct http_task task;
    struct batch *b;
    size_t x;
    int wrc; /* 0, 1 (verification failed: fetch again) or a negative IMX_E* code */
    struct imx_err werr, wbad;
};

/* The scratch file of an artifact download: the store's scratch folder, which the lock's holder
 * sweeps after a kill -9 (else CACHE/.imx-gcs/tmp); registered for the signal cleanup. */
static int scratch_open(struct engine *e, const struct job *j, struct buf *tmp, int *slot)
{
    struct buf dir = BUF_INIT;
    sigset_t saved;
    FILE *f;
    int rc;

    if (e->o->scratch) {
        buf_adds(&dir, e->o->scratch);
        rc = mkdir_p(dir.p, e->err);
    } else {
        buf_addf(&dir, "%s/.imx-gcs/tmp", e->o->cache);
        rc = jail_dirs(e->o->cache, ".imx-gcs/tmp", 1, e->err);
    }
    if (rc == 0 && buf_addf(tmp, "%s/%llu-%d.zip", dir.p, j->art->id, (int)getpid()) < 0)
        rc = imx_seterr(e->err, IMX_ETOOBIG, "'%s': path too long", dir.p);
    buf_release(&dir);
    if (rc < 0)
        return rc;
    tempfile_hold(&saved);
    f = fopen(tmp->p, "wb");
    if (f)
        *slot = tempfile_register(tmp->p);
    tempfile_unhold(&saved);
    if (!f)
        return imx_seterr(e->err, IMX_EIO, "%s: cannot write", tmp->p);
    fclose(f);
    return 0;
}

/* Verifies a download in its scratch file against its listing entry and installs it (any
 * thread): 0, 1 when it should be fetched again (verr says why), or a negative IMX_E* code. */
static int verify_install(struct engine *e, struct job *j, size_t len, const char *tmp,
                          struct imx_err *verr, struct imx_err *err)
{
    struct gcs_install in;

    if (gcs_verify_file(tmp, &j->art->obj, verr) < 0)
        return 1;
    memset(&in, 0, sizeof(in));
    in.run_id = j->run->id;
    in.name = j->art->name;
    in.id = j->art->id;
    in.zip_path = tmp;
    in.size = len;
    in.updated = j->art->obj.updated;
    return e->o->store.install(e->o->store.ud, &in, err);
}

/* What verify_install said, counted and told (the loop's thread): 1 when the artifact should
 * be fetched again, else 0 or the code that stops the source. */
static int took_artifact(struct engine *e, struct job *j, size_t len, int rc,
                         const struct imx_err *verr)
{
    if (rc == 1) {
        if (j->attempts < GCS_ATTEMPTS)
            return 1; /* again */
        imx_warn(e->o->diag, IMX_EVERIFY, "run %llu: %s; refused after %d attempts", j->run->id,
                 verr->msg, j->attempts);
        e->st->failed++;
        return 0;
    }
    if (rc == 0) {
        j->ok = 1;
        e->st->artifacts++;
        e->st->bytes += len;
    } else if (rc != -IMX_EIO && rc != -IMX_ELOCK && rc != -IMX_EINTR) {
        /* An archive the cache refuses (unsafe, too big): this artifact only. */
        imx_warn(e->o->diag, -rc, "run %llu: %s", j->run->id, e->err->msg);
        imx_err_clear(e->err);
        e->st->failed++;
        rc = 0;
    }
    return rc;
}

/* Verifies a download (in the scratch file, or a body the fetcher kept) against its listing
 * entry and installs it; 1 when it should be fetched again. */
static int take_artifact(struct engine *e, struct job *j, const struct source_get *g,
                         const char *tmp)
{
    struct imx_err verr = IMX_ERR_INIT;
    int rc = 0;

    if (g->body) {
        /* a fetcher that kept the body: a scratch copy, checked then unpacked (no fsync: the
         * cache's own writes are atomic) */
        FILE *f = fopen(tmp, "wb");
        int bad = !f || (g->len && fwrite(g->body, 1, g->len, f) != g->len);
        if (f)
            bad |= fclose(f) != 0;
        if (bad)
            rc = imx_seterr(e->err, IMX_EIO, "%s: cannot write", tmp);
    }
    if (rc < 0)
        return rc;
    rc = verify_install(e, j, g->len, tmp, &verr, e->err);
    return took_artifact(e, j, g->len, rc, &verr);
}

/* A batch of downloads in flight: each answer is settled as it arrives (when the fetcher says
 * so), the rest after the batch. */
struct batch {
    struct engine *e;
    struct job *jobs;
    struct source_get *reqs;
    size_t *which;
    struct buf *tmp;
    int *settled;
    int rc; /* the first failure that stops the source */
};

/* The disk work of an answer, on a worker thread: nothing of the engine but its options. */
static void settle_work(struct http_task *t)
{
    struct job *j = t->ud;
    struct batch *b = j->b;
    const struct source_get *g = &b->reqs[j->x];

    imx_err_clear(&j->werr);
    imx_err_clear(&j->wbad);
    if (j->art)
        j->wrc = verify_install(b->e, j, g->len, b->tmp[j->x].p, &j->wbad, &j->werr);
    else
        j->wrc = run_json_save(b->e, j->run, g->body, g->len, &j->werr, &j->wbad);
}

/* Its outcome, counted and told on the loop's thread. */
static void settled(struct http_task *t)
{
    struct job *j = t->ud;
    struct batch *b = j->b;
    struct engine *e = b->e;
    int rc;

    if (j->wrc < 0)
        *e->err = j->werr;
    if (j->art) {
        rc = took_artifact(e, j, b->reqs[j->x].len, j->wrc, &j->wbad);
        if (rc == 1)
            rc = 0; /* verification failed: tried again next round */
        else
            j->done = 1;
    } else {
        if (j->wbad.code)
            imx_warn(e->o->diag, IMX_EPARSE, "%s", j->wbad.msg);
        rc = j->wrc;
        j->done = 1;
    }
    if (rc < 0 && !b->rc)
        b->rc = rc;
}

/* One answer: the run's metadata written, or the artifact verified and installed; off_loop
 * (an answer handed over as it arrived) on a worker thread of the HTTP client when there is
 * one, while the rest of the batch is on its way. */
static void settle(struct batch *b, size_t x, int off_loop)
{
    struct engine *e = b->e;
    struct job *j = &b->jobs[b->which[x]];
    struct source_get *g = &b->reqs[x];
    const char *what = j->art ? j->art->name : "artifacts_metadata.json";
    int rc;

    b->settled[x] = 1;
    if (b->rc < 0 || g->code == -IMX_EINTR)
        return; /* the source stopped: what is on its way is not taken */
    j->attempts++;
    if (g->code == 0 && (g->status == 403 || g->status == 401)) {
        b->rc = imx_seterr(e->err, IMX_EAUTH,
                           "GCS source unavailable: bucket %s refused a download (HTTP %ld); "
                           "what was synced is kept",
                           e->bucket, g->status);
        return;
    }
    if (g->code < 0 || g->status != 200) {
        if (g->code < 0)
            imx_warn(e->o->diag, -g->code, "run %llu: %s: %s", j->run->id, what, g->msg);
        else if (g->status == 404)
            imx_warn(e->o->diag, IMX_ENOTFOUND,
                     "run %llu: %s is listed but missing from the bucket (HTTP 404)", j->run->id,
                     what);
        else
            imx_warn(e->o->diag, IMX_EHTTP, "run %llu: %s: HTTP %ld", j->run->id, what, g->status);
        j->done = 1;
        if (j->art)
            e->st->failed++;
        else
            b->rc = write_run_json(e, j->run, NULL, 0);
        return;
    }
    if (off_loop && e->o->env && e->o->env->http && !(j->art && g->body)) {
        j->b = b;
        j->x = x;
        j->task.work = settle_work;
        j->task.done = settled;
        j->task.ud = j;
        j->task.key = j->run->id; /* a run's installs and its run.json one after another */
        http_task_submit(e->o->env->http, &j->task);
        return;
    }
    if (!j->art) {
        b->rc = write_run_json(e, j->run, g->body, g->len);
        j->done = 1;
        return;
    }
    rc = take_artifact(e, j, g, b->tmp[x].p);
    if (rc == 1)
        rc = 0; /* verification failed: tried again next round */
    else
        j->done = 1;
    b->rc = rc;
}

static void arrived(struct source_get *g, void *ud)
{
    struct batch *b = ud;
    settle(b, (size_t)(g - b->reqs), 1);
}

static int download(struct engine *e, struct job *jobs, size_t n)
{
    struct batch b;
    int rc = 0;

    memset(&b, 0, sizeof(b));
    b.e = e;
    b.jobs = jobs;
    b.reqs = xcalloc(e->batch, sizeof(*b.reqs));
    b.which = xcalloc(e->batch, sizeof(*b.which));
    b.tmp = xcalloc(e->batch, sizeof(*b.tmp));
    b.settled = xcalloc(e->batch, sizeof(*b.settled));
    {
        int *slot = xcalloc(e->batch, sizeof(*slot));
        for (;;) {
            size_t k = 0;
            for (size_t i = 0; i < n && k < e->batch && rc == 0; i++) {
                if (jobs[i].done || jobs[i].attempts >= GCS_ATTEMPTS)
                    continue;
                /* A job already tried this round waits for the next one. */
                b.reqs[k].url =
                    object_url(e, jobs[i].art ? jobs[i].art->obj.name : jobs[i].run->meta.name);
                b.reqs[k].arrived = arrived;
                b.reqs[k].arrived_ud = &b;
                b.settled[k] = 0;
                buf_init(&b.tmp[k], BUF_MAX_DEFAULT);
                slot[k] = -1;
                /* artifacts are streamed to their scratch file, never held whole in memory */
                if (jobs[i].art && (rc = scratch_open(e, &jobs[i], &b.tmp[k], &slot[k])) == 0)
                    b.reqs[k].to_file = b.tmp[k].p;
                b.which[k++] = i;
            }
            if (!k)
                break;
            if (rc == 0)
                rc = e->o->fetch(e->o->fetch_ud, b.reqs, k);
            for (size_t x = 0; x < k && rc == 0; x++)
                if (!b.settled[x])
                    settle(&b, x, 0);
            if (rc == 0)
                rc = b.rc;
            for (size_t x = 0; x < k; x++) {
                source_get_release(&b.reqs[x]);
                if (slot[x] >= 0) {
                    unlink(b.tmp[x].p);
                    tempfile_unregister(slot[x]);
                }
                buf_release(&b.tmp[x]);
            }
            if (rc < 0)
                break;
        }
        free(slot);
    }
    free(b.reqs);
    free(b.which);
    free(b.tmp);
    free(b.settled);
    return rc;
}

static void engine_init(struct engine *e, const struct gcs_opts *o, struct gcs_stats *st,
                        struct imx_err *err)
{
    memset(st, 0, sizeof(*st));
    memset(e, 0, sizeof(*e));
    e->o = o;
    e->st = st;
    e->err = err;
    e->base = o->base_url ? o->base_url : GCS_DEFAULT_URL;
    e->bucket = o->bucket ? o->bucket : GCS_DEFAULT_BUCKET;
    e->batch = o->batch ? o->batch : GCS_BATCH_DEFAULT;
    if (o->now) {
        snprintf(e->now, sizeof(e->now), "%s", o->now);
    } else {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(e->now, sizeof(e->now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
}

/* Lists what the selection needs and picks its runs, newest first: *sel points into ix. */
static int pick_runs(struct engine *e, struct gcs_index *ix, struct gcs_run ***sel, size_t *nsel)
{
    const struct gcs_opts *o = e->o;
    long recent = o->recent > 0 ? o->recent : (!o->nids && !o->since && !o->until ? 1 : 0);
    struct dates d;
    int rc;

    *sel = NULL;
    *nsel = 0;
    rc = list_dates(e, &d);
    if (rc < 0)
        return rc;
    rc = collect(e, &d, ix);
    e->st->unparsed += ix->unparsed;
    dates_release(&d);
    if (rc < 0)
        return rc;
    gcs_index_sort(ix);
    *sel = xcalloc(ix->n + 1, sizeof(**sel));
    for (size_t i = 0; i < ix->n; i++) {
        struct gcs_run *r = &ix->runs[i];
        if (o->nids && !wanted_id(o, r->id))
            continue;
        if (!date_in_range(r->date, o->since, o->until))
            continue;
        if (recent && (long)*nsel >= recent)
            break;
        (*sel)[(*nsel)++] = r;
    }
    for (size_t i = 0; i < o->nids; i++) {
        if (!gcs_index_find(ix, strtoull(o->ids[i], NULL, 10))) {
            e->st->missing++;
            imx_warn(o->diag, IMX_ENOTFOUND, "run %s is not in the GCS backup (bucket %s)",
                     o->ids[i], e->bucket);
        }
    }
    e->st->runs = *nsel;
    return 0;
}

int gcs_sync(const struct gcs_opts *o, struct gcs_stats *st, struct imx_err *err)
{
    struct engine e;
    struct gcs_index ix;
    struct job *jobs = NULL;
    size_t njobs = 0, cap = 0;
    size_t *first_job = NULL;
    struct gcs_run **sel = NULL;
    size_t nsel = 0;
    int rc;

    engine_init(&e, o, st, err);
    memset(&ix, 0, sizeof(ix));
    if (!o->fetch || !o->store.install || !o->store.have)
        return imx_seterr(err, IMX_EUSAGE, "gcs_sync: no transport or cache");
    rc = pick_runs(&e, &ix, &sel, &nsel);
    if (rc < 0)
        goto out;

    /* What each run lacks. */
    first_job = xcalloc(nsel + 1, sizeof(size_t));
    for (size_t i = 0; i < nsel; i++) {
        struct gcs_run *r = sel[i];
        enum gh_pick *pick = gcs_pick(r, o->artifact);

        first_job[i] = njobs;
        for (size_t a = 0; a < r->narts; a++) {
            if (pick[a] == GH_REFUSED)
                imx_warn(o->diag, IMX_EUNSAFE,
                         "run %llu: artifact name '%s' cannot be a folder name of the cache "
                         "(imx's own or hidden names, '/', '..'): skipped",
                         r->id, r->arts[a].name);
            if (pick[a] != GH_TAKE)
                continue;
            if (o->store.have(o->store.ud, r->id, r->arts[a].id)) {
                st->cached++;
                continue;
            }
            ALLOC_GROW(jobs, njobs + 1, cap);
            memset(&jobs[njobs], 0, sizeof(*jobs));
            jobs[njobs].run = r;
            jobs[njobs++].art = &r->arts[a];
        }
        if (!file_exists_in_run(o->cache, r->id, "run.json")) {
            if (r->meta.name) {
                ALLOC_GROW(jobs, njobs + 1, cap);
                memset(&jobs[njobs], 0, sizeof(*jobs));
                jobs[njobs++].run = r;
            } else if (njobs > first_job[i] || file_exists_in_run(o->cache, r->id, ".")) {
                rc = write_run_json(&e, r, NULL, 0);
                if (rc < 0)
                    break;
            }
        }
        free(pick);
    }
    if (rc == 0)
        rc = download(&e, jobs, njobs);
    /* Per-run lines: what was done, even when the source failed midway. */
    for (size_t i = 0; i < nsel; i++) {
        struct gcs_run *r = sel[i];
        size_t end = i + 1 < nsel ? first_job[i + 1] : njobs;
        unsigned long got = 0, lost = 0;
        unsigned long long bytes = 0;

        for (size_t k = first_job[i]; k < end; k++) {
            if (!jobs[k].art)
                continue;
            if (jobs[k].ok)
                got++, bytes += jobs[k].art->obj.size;
            else
                lost++;
        }
        st->runs_new += got > 0;
        if (o->env) {
            struct source_run sr;
            memset(&sr, 0, sizeof(sr));
            sr.id = r->id;
            sr.date = r->date;
            sr.detail = r->folder;
            sr.cached = !got && !lost;
            sr.got = got;
            sr.failed = lost;
            sr.bytes = bytes;
            source_say_run(o->env, &sr);
        }
    }
out:
    free(first_job);
    free(sel);
    free(jobs);
    gcs_index_release(&ix);
    return rc;
}

/* ---- the backup as a source (source/source.h) -------------------------------------------- */

/* The options that env says (selection, where, the shared fetcher). */
static void gcs_opts_from(struct gcs_opts *o, struct source_env *env)
{
    memset(o, 0, sizeof(*o));
    o->base_url = env->where->gcs_url;
    o->bucket = env->where->bucket;
    o->cache = env->cache;
    o->workflow = env->where->workflow;
    o->repo = env->where->repo;
    o->artifact = env->sel->artifact;
    o->ids = env->sel->ids;
    o->nids = env->sel->nids;
    o->since = env->sel->since;
    o->until = env->sel->until;
    o->refresh = env->where->refresh;
    o->fetch = source_fetch;
    o->fetch_ud = env;
    o->diag = env->diag;
}

static int have_art(void *ud, unsigned long long run_id, unsigned long long art_id)
{
    struct source_env *env = ud;
    return store_have(env->store, run_id, art_id);
}

/* A verified backup zip: installed like a GitHub download, recorded with source "gcs". */
static int install_art(void *ud, const struct gcs_install *in, struct imx_err *err)
{
    struct source_env *env = ud;
    struct store_install si;
    struct unpack_result res;
    struct manifest m;
    struct manifest_art *a;
    int r = store_manifest_load(env->store, in->run_id, &m, err);

    if (r < 0)
        return r;
    memset(&si, 0, sizeof(si));
    si.run_id = in->run_id;
    si.id = in->id;
    si.name = in->name;
    si.file = in->zip_path;
    si.is_zip = 1;
    si.source = "gcs";
    r = store_install_artifact(env->store, &m, &si, &res, err);
    if (r == 0) {
        a = manifest_get(&m, in->id, in->name);
        a->size = in->size;
        free(a->updated_at);
        a->updated_at = in->updated ? xstrdup(in->updated) : NULL;
        m.complete = manifest_all_stored(&m);
        r = store_manifest_save(env->store, &m, err);
    }
    manifest_release(&m);
    return r;
}

static int save_run_json(void *ud, unsigned long long run_id, const char *json, size_t len,
                         struct imx_err *err)
{
    struct source_env *env = ud;
    return store_write_run_json(env->store, run_id, json, len, err);
}

static int gcs_source_sync(struct source_env *env, struct imx_err *err)
{
    struct gcs_opts o;
    struct gcs_stats st;
    int r;

    gcs_opts_from(&o, env);
    o.scratch = env->store->tmp_dir;
    o.recent = env->sel->recent;
    o.store.have = have_art;
    o.store.install = install_art;
    o.store.save_run_json = save_run_json;
    o.store.ud = env;
    o.env = env;
    r = gcs_sync(&o, &st, err);
    if (r == 0 && !(env->interrupted && env->interrupted()))
        r = backfill_sync(env, err);
    if (r < 0)
        return r;
    if (st.unparsed)
        imx_warn(env->diag, IMX_EPARSE, "%lu object name%s of the backup did not parse (skipped)",
                 st.unparsed, st.unparsed == 1 ? "" : "s");
    env->st.dates += st.dates;
    env->st.dates_listed += st.dates_listed;
    env->st.runs += st.runs;
    env->st.runs_synced += st.runs_new;
    env->st.runs_cached += st.runs - st.runs_new;
    env->st.runs_failed += st.missing;
    env->st.artifacts += st.artifacts;
    env->st.artifacts_cached += st.cached;
    env->st.artifacts_failed += st.failed;
    env->st.bytes += st.bytes;
    return r;
}

/* The backup's runs, and what a sync would still fetch of each (unless the cache has it). */
static int gcs_source_list(struct source_env *env, struct source_listed **out, size_t *n,
                           struct imx_err *err)
{
    struct gcs_opts o;
    struct gcs_stats st;
    struct engine e;
    struct gcs_index ix;
    struct gcs_run **sel = NULL;
    size_t nsel = 0;
    int r;

    gcs_opts_from(&o, env);
    o.recent = env->sel->recent;
    engine_init(&e, &o, &st, err);
    memset(&ix, 0, sizeof(ix));
    *n = 0;
    *out = NULL;
    /* the listings of a sync, their stored state reused and updated the same way */
    r = pick_runs(&e, &ix, &sel, &nsel);
    if (r == 0 && st.unparsed)
        imx_warn(env->diag, IMX_EPARSE, "%lu object name%s of the backup did not parse (skipped)",
                 st.unparsed, st.unparsed == 1 ? "" : "s");
    *out = xcalloc(nsel + 1, sizeof(**out));
    for (size_t i = 0; i < nsel; i++) {
        const struct gcs_run *run = sel[i];
        struct source_listed *l = &(*out)[(*n)++];
        enum gh_pick *pick = gcs_pick(run, env->sel->artifact);
        unsigned long missing = 0;

        l->id = run->id;
        l->created = xstrdup(run->date);
        for (size_t a = 0; a < run->narts; a++) {
            if (pick[a] != GH_TAKE)
                continue;
            l->arts++;
            l->size += run->arts[a].obj.size;
            missing += !store_have(env->store, run->id, run->arts[a].id);
        }
        l->fetch = missing > 0;
        free(pick);
    }
    free(sel);
    gcs_index_release(&ix);
    return r < 0 ? r : st.missing ? 1 : 0;
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
