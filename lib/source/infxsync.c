/* infxsync: the InferenceX API as a source (source_api): discovery and download of its runs
 * into the store. Requests flow through the env's fetcher as a pipeline: a run's documents are
 * asked for as soon as its date's workflow-info is in, while other dates are still asked about. */
#include "cache/apifiles.h"
#include "cache/scan.h"
#include "reader/apirows.h"
#include "source/infx.h"
#include "util/date.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <yajl/yajl_tree.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOC_MAX ((size_t)4 << 20) /* availability / workflow-info read back from the cache */

/* Of the requests waiting, a run's documents start before the listings of other dates. */
enum { PRIO_DAY = 0, PRIO_RUN = 1 };

struct sync {
    struct source_env *env;
    struct imx_err *err;
    struct store *store, own_store; /* env's, or one opened to list (no lock) */
    const char *base;
    struct strs want; /* display names asked for; empty with all */
    int all;
    struct strs live;   /* names of /api/openapi.json once asked */
    struct strs warned; /* model keys without a display name, warned about */
    struct infx_avail avail, old_avail;
    long want_runs;   /* the newest runs to take (steps of dates), 0: every run of the dates */
    size_t next_day;  /* with want_runs: avail's dates taken so far, newest first */
    int chosen;       /* with want_runs: the runs are chosen */
    int listing;      /* api_list: the runs only, no benchmark file stored */
    size_t days_open; /* workflow-info requests on their way */
    unsigned long failed;
    int rc; /* the first failure that stops the sync (the store, an interrupt) */
    struct day *days;
    struct job *jobs;
    const struct infx_run **runs; /* point into days */
    size_t nruns, capruns;
};

/* A date's workflow-info, from the cache or the API. */
struct day {
    struct sync *s;
    struct day *next;
    char date[DATE_LEN + 1];
    struct infx_wfinfo wi;
    struct source_get g;
    int loaded;
};

/* A run's documents, one per display name; or, without run, a run named on the command line
 * that the cache does not date, asked for with each model (its rows say its date). */
struct job {
    struct sync *s;
    struct job *next;
    const struct infx_run *run;
    const char *id;
    char who[32];         /* "run <ID>: " for a run's warnings, "" locating */
    struct strs names;    /* display names asked for */
    struct strs dates;    /* without run: the dates its rows say */
    struct source_get *g; /* one per name */
    size_t open, failed, got;
    unsigned long rows;
    unsigned long long bytes;
};

static char *url_for(struct sync *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *url_for(struct sync *s, const char *fmt, ...)
{
    struct buf b = BUF_INIT_MAX(HTTP_URL_MAX);
    va_list ap;
    size_t n = strlen(s->base);

    while (n > 0 && s->base[n - 1] == '/')
        n--;
    buf_add(&b, s->base, n);
    va_start(ap, fmt);
    buf_vaddf(&b, fmt, ap);
    va_end(ap);
    return buf_detach(&b, NULL);
}

static void get_start(struct sync *s, struct source_get *g, char *url, int priority,
                      void (*arrived)(struct source_get *g, void *ud), void *ud)
{
    *g =
        (struct source_get){.url = url, .priority = priority, .arrived = arrived, .arrived_ud = ud};
    source_submit(s->env, g);
}

/* One GET, waited for (discovery's first steps). */
static int get_now(struct sync *s, struct source_get *g, char *url)
{
    get_start(s, g, url, PRIO_DAY, NULL, NULL);
    if (source_run(s->env) < 0)
        return imx_seterr(s->err, IMX_EINTR, "interrupted");
    return 0;
}

/* Whether the sync stops (an answer that came meanwhile is not taken). */
static int stopping(struct sync *s, const struct source_get *g)
{
    if (g->code == -IMX_EINTR && s->rc == 0)
        s->rc = imx_seterr(s->err, IMX_EINTR, "interrupted");
    return s->rc < 0;
}

/* The decoded body of a successful request, or its failure's code with why set (the "error"
 * string of a JSON error body, when there is one). */
static int body_of(const struct source_get *g, char **text, size_t *len, char *why, size_t n)
{
    struct imx_err e = IMX_ERR_INIT;

    if (g->code < 0) {
        snprintf(why, n, "%s", g->msg[0] ? g->msg : imx_strerror(-g->code));
        return g->code;
    }
    if (g->status == 200) {
        if (infx_decode_body(g->body ? g->body : "", g->body ? g->len : 0, INFX_BODY_MAX, text, len,
                             &e) == 0)
            return 0;
        snprintf(why, n, "%.200s", e.msg);
        return -IMX_EHTTP;
    }
    snprintf(why, n, "HTTP %ld", g->status);
    if (g->body && infx_decode_body(g->body, g->len, INFX_ERROR_BODY_MAX, text, len, &e) == 0) {
        yajl_val root = json_tree_parse(*text, *len, NULL, 0);
        const char *msg = json_str(json_get(root, "error"));
        if (msg)
            snprintf(why, n, "HTTP %ld: %.200s", g->status, msg);
        yajl_tree_free(root);
        free(*text);
        *text = NULL;
    }
    return g->status == 429 ? -IMX_ERATE : -IMX_EHTTP;
}

/* A file of the cache read into *text: 0, or < 0 when it is not there or does not read. */
static int load_doc(struct sync *s, const char *rel, char **text, size_t *len)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct imx_err e = IMX_ERR_INIT;
    int r = -IMX_ETOOBIG;

    if (buf_addf(&p, "%s/%s", s->env->cache, rel) == 0)
        r = read_file(p.p, DOC_MAX, text, len, &e);
    buf_release(&p);
    return r;
}

static int resolve_models(struct sync *s)
{
    struct imx_err e = IMX_ERR_INIT;
    const char *model = s->env->where->model;
    struct source_get g;
    char *text = NULL, why[256];
    size_t len;

    if (infx_resolve_model(model, NULL, &s->want, &s->all, &e) == 0)
        return 0;
    /* /api/openapi.json: the live display names, when the server answers with them */
    if (get_now(s, &g, url_for(s, "/api/openapi.json")) == 0 &&
        body_of(&g, &text, &len, why, sizeof(why)) == 0)
        infx_openapi_names(text, len, &s->live, &e);
    free(text);
    source_get_release(&g);
    imx_err_clear(&e);
    if (infx_resolve_model(model, &s->live, &s->want, &s->all, &e) == 0)
        return 0;
    return imx_seterr(s->err, -e.code ? e.code : IMX_ENOTFOUND, "%s", e.msg);
}

/* The display names to ask for of model keys; unknown keys are reported once each. */
static void names_for(struct sync *s, const struct strs *keys, struct strs *out)
{
    for (size_t k = 0; k < keys->n; k++) {
        const char *d = infx_display_of_key(keys->v[k]);
        if (!d && strs_add(&s->warned, keys->v[k]))
            imx_warn(s->env->diag, IMX_ENOTFOUND,
                     "InferenceX model key '%s' has no known display name: its rows are skipped",
                     keys->v[k]);
        if (d && (s->all || strs_has(&s->want, d)))
            strs_add(out, d);
    }
}

static int same_keys(const struct infx_day *x, const struct infx_day *y)
{
    if (!x || !y || x->keys.n != y->keys.n)
        return 0;
    for (size_t i = 0; i < x->keys.n; i++)
        if (!strs_has(&y->keys, x->keys.v[i]))
            return 0;
    return 1;
}

static int get_availability(struct sync *s)
{
    struct source_get g;
    char *text = NULL, why[256];
    size_t len;
    int r;

    if (load_doc(s, "api/availability.json", &text, &len) == 0) {
        struct imx_err e = IMX_ERR_INIT;
        infx_avail_parse(text, len, &s->old_avail, &e); /* a bad old copy is just ignored */
        free(text);
        text = NULL;
    }
    if ((r = get_now(s, &g, url_for(s, "/api/v1/availability"))) == 0) {
        if ((r = body_of(&g, &text, &len, why, sizeof(why))) < 0) {
            r = imx_seterr(s->err, -r, "%s: %s", g.url, why);
            s->failed++;
        } else {
            struct imx_err e = IMX_ERR_INIT;
            /* named by its URL, as every other answer of a server */
            if ((r = infx_avail_parse(text, len, &s->avail, &e)) < 0)
                imx_seterr(s->err, e.code, "%s: %s", g.url, e.msg);
            else
                r = store_write_file(s->store, "api/availability.json", text, len, s->err);
        }
    }
    free(text);
    source_get_release(&g);
    return r;
}

/* What the run folder holds: 0 no run.json, 1 one imx wrote from the API (attempt in *attempt,
 * the day of its created_at in date when not NULL), 2 another source's (or one that does not
 * read), 3 that and artifacts, which win over API rows. */
static int run_state(struct sync *s, const char *id, long *attempt, char *date)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct imx_err e = IMX_ERR_INIT;
    struct run_info ri;
    int st = 0;

    memset(&ri, 0, sizeof(ri));
    buf_addf(&p, "%s/run_%s/run.json", s->env->cache, id);
    if (path_exists(p.p))
        st =
            run_info_load_meta(&ri, p.p, &e) == 0 && ri.source && !strcmp(ri.source, "api") ? 1 : 2;
    *attempt = ri.attempt;
    if (date && st == 1 && ri.created_at)
        snprintf(date, DATE_LEN + 1, "%.*s", DATE_LEN, ri.created_at);
    if (st == 2) {
        buf_truncate(&p, p.len - strlen("/run.json"));
        ri.dir = buf_detach(&p, NULL);
        run_info_find_files(&ri);
        st += ri.kind != RUN_NONE && ri.kind != RUN_API;
    }
    run_info_release(&ri);
    buf_release(&p);
    return st;
}

/* What a located run's rows say of it. */
struct rowpeek {
    char date[DATE_LEN + 1];
    char id[24];
    long attempt;
    int seen;
};

static int peek_row(void *ud, struct row *r, size_t index)
{
    struct rowpeek *p = ud;
    const char *d = row_get(r, "run_date"), *url = row_get(r, "run_url");

    (void)index;
    if (!p->seen && d && date_valid(d) && url &&
        apirow_parse_run_url(url, p->id, sizeof(p->id), &p->attempt) == 0) {
        memcpy(p->date, d, sizeof(p->date));
        p->seen = 1;
    }
    return 0;
}

/* The run's documents are all in: its run.json (when none failed) and its line. */
static void run_done(struct job *j)
{
    struct sync *s = j->s;
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX), body = BUF_INIT_MAX(STORE_RUN_JSON_MAX);
    long att;
    int state = run_state(s, j->id, &att, NULL);
    struct source_run sr = {.id = strtoull(j->id, NULL, 10),
                            .date = j->run->date,
                            .cached = !j->names.n,
                            .got = j->got,
                            .failed = j->failed,
                            .bytes = j->bytes,
                            .rows_known = j->names.n > 0,
                            .rows = j->rows};

    if (j->failed == 0 && (state == 0 || (state == 1 && att != j->run->attempt)))
        s->rc = infx_run_json(j->run, &body) < 0
                    ? imx_seterr(s->err, IMX_ETOOBIG, "run %s: run.json too large", j->id)
                    : store_write_run_json(s->store, sr.id, body.p, body.len, s->err);
    if (j->names.n && state == 1 && att && att != j->run->attempt)
        buf_addf(&p, "attempt %ld replacing attempt %ld", j->run->attempt, att);
    else
        buf_addf(&p, "attempt %ld", j->run->attempt);
    sr.detail = p.p;
    source_run_done(s->env, &sr);
    buf_release(&p);
    buf_release(&body);
}

static void run_start(struct sync *s, const struct infx_run *run);
static struct day *day_want(struct sync *s, const char *date);

/* A run named on the command line that the API has no rows of: the sync is incomplete, as for
 * the backup. */
static void not_found(struct sync *s, const char *id)
{
    imx_warn(s->env->diag, IMX_ENOTFOUND, "run %s: the InferenceX API has no rows of it%s", id,
             s->all ? "" : " for this model");
    s->env->st.runs_failed++;
}

/* A located run's answers are all in: its dates are asked about, and it starts with them. */
static void located(struct job *l)
{
    struct sync *s = l->s;

    if (!l->dates.n)
        not_found(s, l->id);
    for (size_t i = 0; i < l->dates.n; i++) {
        struct day *d = day_want(s, l->dates.v[i]);
        for (size_t k = 0; d->loaded && !s->listing && k < d->wi.n; k++)
            if (!strcmp(d->wi.runs[k].id, l->id))
                run_start(s, &d->wi.runs[k]);
    }
}

/* A /benchmarks answer: checked as JSON rows and stored under the run's attempt (or, locating,
 * the attempt its rows say). */
static void bench_arrived(struct source_get *g, void *ud)
{
    struct job *j = ud;
    struct sync *s = j->s;
    const char *name = j->names.v[g - j->g];
    char *text = NULL, why[256];
    size_t len;
    int r;
    struct rowpeek pk;
    struct apirow_stats as = {0, 0, 0};
    struct reader_opts ro = {.fn = j->run ? NULL : peek_row, .ud = &pk, .label = g->url};
    struct imx_err e = IMX_ERR_INIT;
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);

    j->open--;
    memset(&pk, 0, sizeof(pk));
    if (stopping(s, g))
        goto out;
    if ((r = body_of(g, &text, &len, why, sizeof(why))) < 0 ||
        apirows_read_mem(text, len, &ro, &as, &e) < 0) {
        j->failed++;
        s->failed++;
        if (r < 0)
            imx_warn(s->env->diag, -r, "%s%s: %s", j->who, g->url, why);
        else
            imx_warn(s->env->diag, e.code, "%s%s", j->who, e.msg);
    } else if (j->run || (pk.seen && !strcmp(pk.id, j->id))) {
        if (!j->run)
            strs_add(&j->dates, pk.date);
        /* keep a located run's answer: it is the run's rows for that attempt */
        if ((j->run || (pk.attempt > 0 && !s->listing)) &&
            apifiles_name(&p, name, j->run ? j->run->attempt : pk.attempt) == 0 &&
            (s->rc = store_put_doc(s->store, strtoull(j->id, NULL, 10), APIFILES_DIR, p.p, "api",
                                   text, len, s->err)) == 0) {
            j->got++;
            j->rows += as.rows;
            j->bytes += len;
            s->env->st.bytes += len; /* the summary's "stored (N KB)", as the run lines say */
            s->env->st.artifacts++;
            s->env->st.rows += as.rows;
        }
    }
    if (!j->open && s->rc == 0 && j->run)
        run_done(j);
    else if (!j->open && s->rc == 0)
        located(j);
out:
    free(text);
    buf_release(&p);
    source_get_release(g);
}

/* Asks for each of names about run id; run NULL: to locate it. */
static struct job *job_new(struct sync *s, const struct infx_run *run, const char *id,
                           const struct strs *names)
{
    struct job *j = xcalloc(1, sizeof(*j));
    struct buf q = BUF_INIT_MAX(HTTP_URL_MAX);

    j->s = s;
    j->run = run;
    j->id = id;
    if (run)
        snprintf(j->who, sizeof(j->who), "run %s: ", id);
    j->next = s->jobs;
    s->jobs = j;
    for (size_t m = 0; names && m < names->n; m++)
        strs_add(&j->names, names->v[m]);
    j->g = xcalloc(j->names.n + 1, sizeof(*j->g));
    j->open = j->names.n;
    for (size_t m = 0; m < j->names.n; m++) {
        buf_reset(&q);
        http_url_encode(&q, j->names.v[m]);
        get_start(s, &j->g[m],
                  url_for(s, "/api/v1/benchmarks?model=%s&runId=%s&exactRun=true", q.p, id),
                  run ? PRIO_RUN : PRIO_DAY, bench_arrived, j);
    }
    buf_release(&q);
    return j;
}

/* Asks for what a selected run still needs; done at once when it needs nothing. */
static void run_start(struct sync *s, const struct infx_run *run)
{
    const struct infx_day *ad = run->date ? infx_avail_day(&s->avail, run->date) : NULL;
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct strs models = {0}, need = {0};
    struct job *j;
    long att;

    if (s->rc < 0 || run_state(s, run->id, &att, NULL) == 3)
        return;
    names_for(s, run->keys.n || !ad ? &run->keys : &ad->keys, &models);
    for (size_t m = 0; m < models.n; m++) {
        buf_reset(&p);
        if (apifiles_name(&p, models.v[m], run->attempt) == 0 &&
            !store_doc_ok(s->store, strtoull(run->id, NULL, 10), APIFILES_DIR, p.p))
            strs_add(&need, models.v[m]);
    }
    if (models.n) {
        j = job_new(s, run, run->id, &need);
        if (!need.n)
            run_done(j);
    }
    strs_release(&models);
    strs_release(&need);
    buf_release(&p);
}

/* Whether run id is still being located (its answers may hold its documents). */
static int locating(struct sync *s, const char *id)
{
    for (struct job *j = s->jobs; j; j = j->next)
        if (!j->run && j->open && !strcmp(j->id, id))
            return 1;
    return 0;
}

/* A run's created_at as an instant; runs without a valid one sort as the oldest. */
static long long created_instant(const struct infx_run *r)
{
    long long t;
    return r->created_at && date_parse_timestamp(r->created_at, &t) == 0 ? t : LLONG_MIN;
}

static int cmp_run_newest(const void *a, const void *b)
{
    const struct infx_run *x = *(const struct infx_run *const *)a;
    const struct infx_run *y = *(const struct infx_run *const *)b;
    long long tx = created_instant(x), ty = created_instant(y);
    unsigned long long ix = strtoull(x->id, NULL, 10), iy = strtoull(y->id, NULL, 10);

    if (tx != ty)
        return ty > tx ? 1 : -1;
    return (iy > ix) - (iy < ix);
}

/* The runs known so far, newest first; with a run count, only that many. */
static void choose_runs(struct sync *s)
{
    if (s->nruns > 1)
        qsort(s->runs, s->nruns, sizeof(*s->runs), cmp_run_newest);
    if (s->want_runs && s->nruns > (size_t)s->want_runs)
        s->nruns = (size_t)s->want_runs;
}

/* A date's runs are known: with every date of the range or named runs, they start now. */
static void day_loaded(struct sync *s, struct day *d)
{
    const struct source_sel *sel = s->env->sel;

    d->loaded = 1;
    for (size_t k = 0; k < d->wi.n; k++) {
        const struct infx_run *run = &d->wi.runs[k];
        if (!source_named(sel, strtoull(run->id, NULL, 10)))
            continue;
        ALLOC_GROW(s->runs, s->nruns + 1, s->capruns);
        s->runs[s->nruns++] = run;
        if (!s->want_runs && !s->listing && !locating(s, run->id))
            run_start(s, run);
    }
}

static void next_days(struct sync *s);

static void day_arrived(struct source_get *g, void *ud)
{
    struct day *d = ud;
    struct sync *s = d->s;
    char *text = NULL, why[256];
    size_t len;
    int r;
    struct imx_err e = IMX_ERR_INIT;
    struct buf rel = BUF_INIT_MAX(FS_PATH_MAX);

    s->days_open--;
    if (stopping(s, g))
        goto out;
    if ((r = body_of(g, &text, &len, why, sizeof(why))) < 0) {
        s->failed++;
        imx_warn(s->env->diag, -r, "%s: %s", g->url, why);
    } else if (infx_wfinfo_parse(text, len, &d->wi, &e) < 0) {
        s->failed++;
        infx_wfinfo_release(&d->wi);
        imx_warn(s->env->diag, e.code, "%s: %s", g->url, e.msg);
    } else {
        buf_addf(&rel, "api/workflow-info/%s.json", d->date);
        if ((s->rc = store_write_file(s->store, rel.p, text, len, s->err)) == 0)
            day_loaded(s, d);
    }
    if (s->want_runs)
        next_days(s);
out:
    free(text);
    buf_release(&rel);
    source_get_release(g);
}

/*
 * A date's workflow-info: from the cache, or asked again when the date is recent (within
 * INFX_RECHECK_DAYS of the newest date), when availability changed for it, for dates of runs
 * named explicitly, or with refresh. Returns the date's entry.
 */
static struct day *day_want(struct sync *s, const char *date)
{
    const char *newest = s->avail.n ? s->avail.v[s->avail.n - 1].date : NULL;
    struct buf rel = BUF_INIT_MAX(FS_PATH_MAX);
    struct imx_err e = IMX_ERR_INIT;
    struct day *d;
    char *text = NULL;
    size_t len;
    int ask;

    for (d = s->days; d; d = d->next)
        if (!strcmp(d->date, date))
            return d;
    d = xcalloc(1, sizeof(*d));
    d->s = s;
    d->next = s->days;
    s->days = d;
    memcpy(d->date, date, sizeof(d->date));
    s->env->st.dates++;
    ask = s->env->where->refresh || s->env->sel->nids ||
          (newest && date_diff(date, newest) < INFX_RECHECK_DAYS) ||
          !same_keys(infx_avail_day(&s->avail, date), infx_avail_day(&s->old_avail, date));
    buf_addf(&rel, "api/workflow-info/%s.json", date);
    if (!ask && load_doc(s, rel.p, &text, &len) == 0 &&
        infx_wfinfo_parse(text, len, &d->wi, &e) == 0) {
        day_loaded(s, d);
    } else {
        infx_wfinfo_release(&d->wi);
        s->env->st.dates_listed++;
        s->days_open++;
        get_start(s, &d->g, url_for(s, "/api/v1/workflow-info?date=%s", date), PRIO_DAY,
                  day_arrived, d);
    }
    free(text);
    buf_release(&rel);
    return d;
}

/* With a run count: the next few dates of the range, newest first, until enough runs are
 * known; then the newest of them start. */
static void next_days(struct sync *s)
{
    const struct source_sel *sel = s->env->sel;

    while (!s->days_open && s->nruns < (size_t)s->want_runs && s->next_day < s->avail.n &&
           s->rc == 0) {
        for (size_t k = 0; k < INFX_MAX_PARALLEL && s->next_day < s->avail.n; s->next_day++) {
            const char *date = s->avail.v[s->avail.n - 1 - s->next_day].date;
            if (date_in_range(date, sel->since, sel->until)) {
                day_want(s, date);
                k++;
            }
        }
    }
    if (s->days_open || s->chosen || s->rc < 0)
        return;
    s->chosen = 1;
    choose_runs(s);
    for (size_t i = 0; i < s->nruns && !s->listing; i++)
        run_start(s, s->runs[i]);
}

/*
 * Runs named on the command line: those our own run.json dates ask about that date again; the
 * others are asked for with each model of the availability list, and the rows say the run's
 * date and attempt.
 */
static void locate_ids(struct sync *s)
{
    const struct source_sel *sel = s->env->sel;
    struct strs names = {0};

    for (size_t d = 0; d < s->avail.n; d++)
        names_for(s, &s->avail.v[d].keys, &names);
    for (size_t i = 0; i < sel->nids; i++) {
        char date[DATE_LEN + 1] = "";
        long att;
        if (run_state(s, sel->ids[i], &att, date) == 1 && date_valid(date))
            day_want(s, date);
        else if (!names.n)
            not_found(s, sel->ids[i]);
        else if (!locating(s, sel->ids[i]))
            job_new(s, NULL, sel->ids[i], &names);
    }
    strs_release(&names);
}

/*
 * Discovery and download (notes section 6): availability, then workflow-info per date (named
 * runs' dates, the range, or newest first until enough runs), then /benchmarks?model=&runId=
 * &exactRun=true per run and model, storing what is not in the cache yet. Failures of single
 * runs are warnings (counted as failed artifacts); failing discovery is an error. The caller
 * releases s, also on failure.
 */
static int sync_run(struct sync *s, struct source_env *env, int listing, struct imx_err *err)
{
    const struct source_sel *sel = env->sel;
    int r;

    memset(s, 0, sizeof(*s));
    s->env = env;
    s->err = err;
    s->listing = listing;
    s->base =
        env->where->infx_url && *env->where->infx_url ? env->where->infx_url : INFX_DEFAULT_URL;
    /* listing takes no lock, but keeps the discovery answers as a sync would */
    s->store = env->store ? env->store : &s->own_store;
    if (!env->store && (r = store_open(&s->own_store, env->cache, err)) < 0) {
        s->store = NULL;
        return r;
    }
    s->want_runs = sel->nids ? 0 : sel->recent > 0 ? sel->recent : !sel->since && !sel->until;
    if ((r = resolve_models(s)) < 0 || (r = get_availability(s)) < 0)
        return r;
    if (sel->nids)
        locate_ids(s);
    else if (s->want_runs)
        next_days(s);
    for (size_t i = s->avail.n; !sel->nids && !s->want_runs && i-- > 0;)
        if (date_in_range(s->avail.v[i].date, sel->since, sel->until))
            day_want(s, s->avail.v[i].date);
    if (source_run(env) < 0 && s->rc == 0)
        s->rc = imx_seterr(err, IMX_EINTR, "interrupted");
    if (!s->want_runs)
        choose_runs(s);
    env->st.runs += s->nruns;
    env->st.artifacts_failed += s->failed;
    return s->rc;
}

static void sync_release(struct sync *s)
{
    while (s->days) {
        struct day *d = s->days;
        s->days = d->next;
        infx_wfinfo_release(&d->wi);
        free(d);
    }
    while (s->jobs) {
        struct job *j = s->jobs;
        s->jobs = j->next;
        strs_release(&j->names);
        strs_release(&j->dates);
        free(j->g);
        free(j);
    }
    free(s->runs);
    strs_release(&s->want);
    strs_release(&s->live);
    strs_release(&s->warned);
    infx_avail_release(&s->avail);
    infx_avail_release(&s->old_avail);
    if (s->store == &s->own_store)
        store_close(s->store);
}

static int api_sync(struct source_env *env, struct imx_err *err)
{
    struct sync s;
    int r = sync_run(&s, env, 0, err);

    sync_release(&s);
    return r < 0 ? r : 0;
}

/* The API's runs: rows, not artifacts, so nothing of what a sync would fetch. */
static int api_list(struct source_env *env, struct source_listed **out, size_t *n,
                    struct imx_err *err)
{
    struct sync s;
    int r = sync_run(&s, env, 1, err);

    *n = 0;
    *out = xcalloc(s.nruns + 1, sizeof(**out));
    for (size_t i = 0; r == 0 && i < s.nruns; i++) {
        struct source_listed *l = &(*out)[(*n)++];
        const struct infx_run *run = s.runs[i];
        l->id = strtoull(run->id, NULL, 10);
        l->created = run->created_at ? xstrdup(run->created_at)
                     : run->date     ? xstrdup(run->date)
                                     : NULL;
        l->attempt = run->attempt;
    }
    sync_release(&s);
    return r < 0 ? r : s.failed ? 1 : 0;
}

/* The API asks for politeness: its own client's limits. */
const struct imx_source source_api = {
    .name = "api",
    .label = "InferenceX API",
    .about = "the InferenceX API's published rows (no token)",
    .limits = {.max_jobs = INFX_MAX_PARALLEL,
               .timeout_seconds = INFX_TIMEOUT_S,
               .attempts = INFX_ATTEMPTS,
               .max_body = INFX_BODY_MAX,
               .compressed = 1},
    .sync = api_sync,
    .list = api_list,
};
