/* infxsync: discovery and download of InferenceX API runs into the cache (infx_sync in
 * infx.h). Requests go out in batches through the caller's fetcher, one batch per stage. */
#include "cache/apifiles.h"
#include "cache/jail.h"
#include "reader/apirows.h"
#include "source/infx.h"
#include "util/date.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <yajl/yajl_tree.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DOC_MAX ((size_t)4 << 20) /* availability / workflow-info read back from the cache */

struct sync {
    const struct infx_opts *o;
    struct infx_stats *st;
    struct imx_err *err;
    const char *base;
    struct infx_strs want; /* display names asked for; empty with all */
    int all;
    struct infx_strs live; /* names of /api/openapi.json once asked */
    int live_tried;
    struct infx_avail avail, old_avail;
    struct infx_strs recheck; /* dates to ask about again whatever the cache holds */
    int listing;              /* infx_list: the runs only, no benchmark file stored */
};

/* A date's workflow-info, from the cache or the API. */
struct day {
    char date[11];
    struct infx_wfinfo wi;
    int loaded;
};

static void get_init(struct source_get *g, char *url)
{
    memset(g, 0, sizeof(*g));
    g->url = url;
}

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

/* Query-string encoding of a display name (they are [A-Za-z0-9.-], but stay safe). */
static void add_escaped(struct buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~')
            buf_addc(b, (char)c);
        else
            buf_addf(b, "%%%02X", c);
    }
}

static char *bench_url(struct sync *s, const char *display, const char *run_id)
{
    struct buf q = BUF_INIT_MAX(4096);
    char *u;

    add_escaped(&q, display);
    u = url_for(s, "/api/v1/benchmarks?model=%s&runId=%s&exactRun=true", q.p, run_id);
    buf_release(&q);
    return u;
}

static int fetch(struct sync *s, struct source_get *g, size_t n)
{
    int r;

    if (!n)
        return 0;
    r = s->o->fetch(s->o->fetch_ud, g, n);
    if (r < 0 && r != -IMX_EINTR)
        r = 0; /* per-request outcomes say what failed */
    return r;
}

/* The "error" string of a JSON error body, into out. */
static void error_text(const struct source_get *g, char *out, size_t n)
{
    char *text = NULL;
    size_t len;
    struct imx_err e = IMX_ERR_INIT;

    snprintf(out, n, "HTTP %ld", g->status);
    if (g->body && infx_decode_body(g->body, g->len, INFX_ERROR_BODY_MAX, &text, &len, &e) == 0) {
        char ebuf[128];
        yajl_val root = json_tree_parse(text, len, ebuf, sizeof(ebuf));
        const char *msg = json_str(json_get(root, "error"));
        if (msg)
            snprintf(out, n, "HTTP %ld: %.200s", g->status, msg);
        yajl_tree_free(root);
    }
    free(text);
}

/* The decoded body of a successful request, or -1 with *why set. */
static int body_of(const struct source_get *g, char **text, size_t *len, char *why, size_t n)
{
    struct imx_err e = IMX_ERR_INIT;

    if (g->code < 0) {
        snprintf(why, n, "%s", g->msg[0] ? g->msg : imx_strerror(-g->code));
        return -1;
    }
    if (g->status != 200) {
        error_text(g, why, n);
        return -1;
    }
    if (infx_decode_body(g->body ? g->body : "", g->body ? g->len : 0, INFX_BODY_MAX, text, len,
                         &e) < 0) {
        snprintf(why, n, "%.200s", e.msg);
        return -1;
    }
    return 0;
}

static int fail_code(const struct source_get *g)
{
    if (g->code < 0)
        return g->code;
    return g->status == 429 ? -IMX_ERATE : -IMX_EHTTP;
}

/* Every file the API sync writes: through the store when one is at hand. */
static int store_doc(struct sync *s, const char *rel, const char *text, size_t len)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    int r = -IMX_EIO;

    if (s->o->save)
        return s->o->save(s->o->save_ud, rel, text, len, s->err);
    if (buf_addf(&p, "%s/%s", s->o->cache, rel) == 0) {
        r = jail_parent_dirs(s->o->cache, p.p, s->err);
        if (r == 0)
            r = atomic_write(p.p, text, len, s->err);
    }
    buf_release(&p);
    return r;
}

static int load_doc(struct sync *s, const char *rel, char **text, size_t *len)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct imx_err e = IMX_ERR_INIT;
    int r = -1;

    if (buf_addf(&p, "%s/%s", s->o->cache, rel) == 0 && path_exists(p.p))
        r = read_file(p.p, DOC_MAX, text, len, &e) < 0 ? -1 : 0;
    buf_release(&p);
    return r;
}

/* /api/openapi.json, once: the live display names, when the server answers with them. */
static void ask_openapi(struct sync *s)
{
    struct source_get g;
    char *text = NULL, why[256];
    size_t len;
    struct imx_err e = IMX_ERR_INIT;

    if (s->live_tried)
        return;
    s->live_tried = 1;
    get_init(&g, url_for(s, "/api/openapi.json"));
    fetch(s, &g, 1);
    if (body_of(&g, &text, &len, why, sizeof(why)) == 0 &&
        infx_openapi_names(text, len, &s->live, &e) == 0) {
        store_doc(s, "api/openapi.json", text, len);
    }
    free(text);
    source_get_release(&g);
}

static int resolve_models(struct sync *s)
{
    struct imx_err e = IMX_ERR_INIT;

    if (infx_resolve_model(s->o->model, NULL, &s->want, &s->all, &e) == 0)
        return 0;
    ask_openapi(s);
    imx_err_clear(&e);
    if (infx_resolve_model(s->o->model, &s->live, &s->want, &s->all, &e) == 0)
        return 0;
    return imx_seterr(s->err, -e.code ? e.code : IMX_ENOTFOUND, "%s", e.msg);
}

/* The display name to ask for a DB key; unknown keys are reported once each. */
static const char *display_for(struct sync *s, const char *key, struct infx_strs *warned)
{
    const char *d = infx_display_of_key(key);

    if (!d && !infx_strs_has(warned, key)) {
        infx_strs_add(warned, key);
        s->st->unknown_keys++;
        imx_warn(s->o->diag, IMX_ENOTFOUND,
                 "InferenceX model key '%s' has no known display name: its rows are skipped", key);
    }
    return d;
}

static int wanted(struct sync *s, const char *display)
{
    return s->all || infx_strs_has(&s->want, display);
}

static const struct infx_day *avail_day(const struct infx_avail *a, const char *date)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->v[i].date, date))
            return &a->v[i];
    return NULL;
}

static int same_keys(const struct infx_day *x, const struct infx_day *y)
{
    if (!x || !y || x->keys.n != y->keys.n)
        return 0;
    for (size_t i = 0; i < x->keys.n; i++)
        if (!infx_strs_has(&y->keys, x->keys.v[i]))
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
    get_init(&g, url_for(s, "/api/v1/availability"));
    r = fetch(s, &g, 1);
    if (r < 0) {
        source_get_release(&g);
        return imx_seterr(s->err, -r, "interrupted");
    }
    if (body_of(&g, &text, &len, why, sizeof(why)) < 0) {
        r = imx_seterr(s->err, -fail_code(&g), "%s: %s", g.url, why);
        s->st->failed++;
    } else if ((r = infx_avail_parse(text, len, &s->avail, s->err)) == 0) {
        r = store_doc(s, "api/availability.json", text, len);
    }
    free(text);
    source_get_release(&g);
    return r;
}

static void wf_rel(struct buf *b, const char *date)
{
    buf_reset(b);
    buf_addf(b, "api/workflow-info/%s.json", date);
}

/* Loads or asks for the workflow-info of days[0..n). */
static int load_days(struct sync *s, struct day *days, size_t n)
{
    struct source_get *g = xcalloc(n ? n : 1, sizeof(*g));
    size_t *idx = xcalloc(n ? n : 1, sizeof(*idx)), ng = 0;
    struct buf rel = BUF_INIT_MAX(FS_PATH_MAX);
    const char *newest = s->avail.n ? s->avail.v[s->avail.n - 1].date : NULL;
    int r = 0;

    for (size_t i = 0; i < n; i++) {
        struct day *d = &days[i];
        char *text = NULL;
        size_t len;
        int ask = s->o->refresh || infx_strs_has(&s->recheck, d->date) ||
                  (newest && date_diff(d->date, newest) < INFX_RECHECK_DAYS) ||
                  !same_keys(avail_day(&s->avail, d->date), avail_day(&s->old_avail, d->date));
        s->st->dates++;
        wf_rel(&rel, d->date);
        if (!ask && load_doc(s, rel.p, &text, &len) == 0) {
            struct imx_err e = IMX_ERR_INIT;
            if (infx_wfinfo_parse(text, len, &d->wi, &e) == 0) {
                d->loaded = 1;
                free(text);
                continue;
            }
            infx_wfinfo_release(&d->wi);
            free(text);
        }
        get_init(&g[ng], url_for(s, "/api/v1/workflow-info?date=%s", d->date));
        idx[ng++] = i;
    }
    s->st->dates_listed += ng;
    r = fetch(s, g, ng);
    for (size_t k = 0; k < ng && r == 0; k++) {
        struct day *d = &days[idx[k]];
        char *text = NULL, why[256];
        size_t len;
        struct imx_err e = IMX_ERR_INIT;
        if (body_of(&g[k], &text, &len, why, sizeof(why)) < 0) {
            s->st->failed++;
            imx_warn(s->o->diag, -fail_code(&g[k]), "%s: %s", g[k].url, why);
        } else if (infx_wfinfo_parse(text, len, &d->wi, &e) < 0) {
            s->st->failed++;
            infx_wfinfo_release(&d->wi);
            imx_warn(s->o->diag, e.code, "%s: %s", g[k].url, e.msg);
        } else {
            d->loaded = 1;
            wf_rel(&rel, d->date);
            if ((r = store_doc(s, rel.p, text, len)) < 0)
                break;
        }
        free(text);
    }
    for (size_t k = 0; k < ng; k++)
        source_get_release(&g[k]);
    free(g);
    free(idx);
    buf_release(&rel);
    if (r == -IMX_EINTR)
        imx_seterr(s->err, IMX_EINTR, "interrupted");
    return r;
}

/* The run's existing run.json: 1 written by imx from the API (attempt in *attempt), 2 from
 * another source, 0 none. */
static int run_json_state(struct sync *s, const char *id, long *attempt)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct imx_err e = IMX_ERR_INIT;
    char *text = NULL, ebuf[64];
    size_t len;
    int st = 0;

    *attempt = 0;
    buf_addf(&p, "%s/run_%s/run.json", s->o->cache, id);
    if (path_exists(p.p) && read_file(p.p, DOC_MAX, &text, &len, &e) == 0) {
        yajl_val root = json_tree_parse(text, len, ebuf, sizeof(ebuf));
        const char *src = json_str(json_get(root, "imx_source"));
        long long att;
        st = src && !strcmp(src, "api") ? 1 : 2;
        if (json_int(json_get(root, "run_attempt"), &att) == 0)
            *attempt = (long)att;
        yajl_tree_free(root);
    } else if (path_exists(p.p)) {
        st = 2;
    }
    free(text);
    buf_release(&p);
    return st;
}

/* Does the run folder hold artifacts (GitHub or GCS)? Those win over API rows. */
static int has_artifacts(struct sync *s, const char *id)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    DIR *d;
    struct dirent *de;
    int yes = 0;

    buf_addf(&p, "%s/run_%s", s->o->cache, id);
    if ((d = opendir(p.p))) {
        while (!yes && (de = readdir(d)))
            yes = !strcmp(de->d_name, "agg_bmk.json") || !strncmp(de->d_name, "bmk_", 4) ||
                  !strncmp(de->d_name, "results_", 8);
        closedir(d);
    }
    buf_release(&p);
    return yes;
}

/* A run and what it still needs. */
struct job {
    const struct infx_run *run;
    struct infx_strs need;   /* display names to fetch */
    struct infx_strs models; /* all display names of the run */
    size_t failed, got;
    unsigned long rows;
    unsigned long long bytes;
};

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
    if (tx != ty)
        return ty > tx ? 1 : -1;
    return strlen(y->id) != strlen(x->id) ? (strlen(y->id) > strlen(x->id) ? 1 : -1)
                                          : strcmp(y->id, x->id);
}

static int id_named(const struct infx_opts *o, const char *id)
{
    for (size_t i = 0; i < o->nids; i++)
        if (!strcmp(o->ids[i], id))
            return 1;
    return 0;
}

struct rowpeek {
    char date[11];
    char id[24];
    long attempt;
    int seen;
};

static int peek_row(void *ud, struct row *r, size_t index)
{
    struct rowpeek *p = ud;
    const char *d = row_get(r, "run_date"), *url = row_get(r, "run_url");
    (void)index;
    if (p->seen || !d || strlen(d) != 10 || !url)
        return 0;
    if (apirow_parse_run_url(url, p->id, sizeof(p->id), &p->attempt) == 0) {
        memcpy(p->date, d, 11);
        p->seen = 1;
    }
    return 0;
}

/* Validates a /benchmarks body as JSON rows; counts them. */
static int check_rows(const char *text, size_t len, const char *url, struct apirow_stats *as,
                      struct rowpeek *peek, struct imx_err *err)
{
    struct reader_opts ro = {.fn = peek ? peek_row : NULL, .ud = peek, .label = url};
    return apirows_read_mem(text, len, &ro, as, err);
}

static int store_bench(struct sync *s, const char *id, const char *display, long attempt,
                       const char *text, size_t len)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    int r = -IMX_EIO;

    /* "./run_<ID>/api/benchmarks_...": relative to the cache */
    if (apifiles_path(&p, ".", id, display, attempt) == 0)
        r = store_doc(s, p.p + 2, text, len);
    buf_release(&p);
    return r;
}

/*
 * Runs named on the command line that the cache does not date: ask /benchmarks for them
 * with each model of the availability list; the rows say the run's date and attempt.
 */
static int locate_ids(struct sync *s)
{
    struct infx_strs names = {0}, warned = {0}, todo = {0};
    struct source_get *g;
    size_t ng = 0, k = 0;
    int r = 0;

    for (size_t i = 0; i < s->o->nids; i++) {
        long att;
        struct buf rel = BUF_INIT_MAX(FS_PATH_MAX);
        char *text = NULL;
        size_t len;
        int known = 0;
        if (run_json_state(s, s->o->ids[i], &att) == 1) {
            /* dated by our own run.json: ask about that date again */
            buf_addf(&rel, "run_%s/run.json", s->o->ids[i]);
            if (load_doc(s, rel.p, &text, &len) == 0) {
                char ebuf[64];
                yajl_val root = json_tree_parse(text, len, ebuf, sizeof(ebuf));
                const char *c = json_str(json_get(root, "created_at"));
                if (c && strlen(c) >= 10) {
                    char date[11];
                    memcpy(date, c, 10);
                    date[10] = '\0';
                    if (!infx_strs_has(&s->recheck, date))
                        infx_strs_add(&s->recheck, date);
                    known = 1;
                }
                yajl_tree_free(root);
                free(text);
            }
        }
        buf_release(&rel);
        if (!known && !infx_strs_has(&todo, s->o->ids[i]))
            infx_strs_add(&todo, s->o->ids[i]);
    }
    if (!todo.n)
        goto out;
    for (size_t d = 0; d < s->avail.n; d++)
        for (size_t i = 0; i < s->avail.v[d].keys.n; i++) {
            const char *disp = display_for(s, s->avail.v[d].keys.v[i], &warned);
            if (disp && wanted(s, disp) && !infx_strs_has(&names, disp))
                infx_strs_add(&names, disp);
        }
    g = xcalloc(todo.n * names.n + 1, sizeof(*g));
    for (size_t i = 0; i < todo.n; i++)
        for (size_t m = 0; m < names.n; m++)
            get_init(&g[ng++], bench_url(s, names.v[m], todo.v[i]));
    r = fetch(s, g, ng);
    for (size_t i = 0; i < todo.n && r == 0; i++) {
        int found = 0;
        for (size_t m = 0; m < names.n; m++, k++) {
            char *text = NULL, why[256];
            size_t len;
            struct rowpeek pk;
            struct apirow_stats as = {0, 0, 0};
            struct imx_err e = IMX_ERR_INIT;
            memset(&pk, 0, sizeof(pk));
            if (body_of(&g[k], &text, &len, why, sizeof(why)) < 0) {
                s->st->failed++;
                imx_warn(s->o->diag, -fail_code(&g[k]), "%s: %s", g[k].url, why);
            } else if (check_rows(text, len, g[k].url, &as, &pk, &e) < 0) {
                s->st->failed++;
                imx_warn(s->o->diag, e.code, "%s", e.msg);
            } else if (pk.seen && !strcmp(pk.id, todo.v[i])) {
                found = 1;
                if (!infx_strs_has(&s->recheck, pk.date))
                    infx_strs_add(&s->recheck, pk.date);
                /* keep the answer: it is the run's rows for that attempt */
                if (pk.attempt > 0 && !s->listing &&
                    (r = store_bench(s, todo.v[i], names.v[m], pk.attempt, text, len)) == 0) {
                    s->st->files++;
                    s->st->rows += as.rows;
                    s->st->agentic += as.agentic;
                }
            }
            free(text);
        }
        if (!found)
            imx_warn(s->o->diag, IMX_ENOTFOUND, "run %s: the InferenceX API has no rows of it%s",
                     todo.v[i], s->all ? "" : " for this model");
    }
    for (size_t i = 0; i < ng; i++)
        source_get_release(&g[i]);
    free(g);
    if (r == -IMX_EINTR)
        imx_seterr(s->err, IMX_EINTR, "interrupted");
out:
    infx_strs_release(&names);
    infx_strs_release(&warned);
    infx_strs_release(&todo);
    return r;
}

static int write_run_json(struct sync *s, const struct infx_run *run)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX), body = BUF_INIT;
    int r = -IMX_EIO;

    if (buf_addf(&p, "run_%s/run.json", run->id) == 0 && infx_run_json(run, &body) == 0)
        r = store_doc(s, p.p, body.p, body.len);
    buf_release(&p);
    buf_release(&body);
    return r;
}

/* Fetches what the selected runs still need and writes their run.json. */
static int fetch_runs(struct sync *s, const struct infx_run *const *runs, size_t nruns,
                      struct day *days, size_t ndays)
{
    struct job *jobs = xcalloc(nruns ? nruns : 1, sizeof(*jobs));
    struct infx_strs warned = {0};
    struct source_get *g;
    size_t ng = 0, total = 0;
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    int r = 0;

    (void)days;
    (void)ndays;
    for (size_t i = 0; i < nruns; i++) {
        struct job *j = &jobs[i];
        const struct infx_run *run = runs[i];
        const struct infx_day *ad = run->date ? avail_day(&s->avail, run->date) : NULL;
        const struct infx_strs *keys = run->keys.n || !ad ? &run->keys : &ad->keys;
        long att;
        j->run = run;
        if (run_json_state(s, run->id, &att) == 2 && has_artifacts(s, run->id)) {
            s->st->runs_artifacts++;
            continue;
        }
        for (size_t k = 0; k < keys->n; k++) {
            const char *disp = display_for(s, keys->v[k], &warned);
            if (!disp || !wanted(s, disp) || infx_strs_has(&j->models, disp))
                continue;
            infx_strs_add(&j->models, disp);
            buf_reset(&p);
            if (apifiles_path(&p, s->o->cache, run->id, disp, run->attempt) == 0 &&
                !path_exists(p.p))
                infx_strs_add(&j->need, disp);
        }
        total += j->need.n;
    }
    g = xcalloc(total + 1, sizeof(*g));
    for (size_t i = 0; i < nruns; i++)
        for (size_t m = 0; m < jobs[i].need.n; m++)
            get_init(&g[ng++], bench_url(s, jobs[i].need.v[m], jobs[i].run->id));
    r = fetch(s, g, ng);
    ng = 0;
    for (size_t i = 0; i < nruns && r == 0; i++) {
        struct job *j = &jobs[i];
        long att;
        int state;
        for (size_t m = 0; m < j->need.n; m++, ng++) {
            char *text = NULL, why[256];
            size_t len;
            struct apirow_stats as = {0, 0, 0};
            struct imx_err e = IMX_ERR_INIT;
            if (body_of(&g[ng], &text, &len, why, sizeof(why)) < 0) {
                j->failed++;
                s->st->failed++;
                imx_warn(s->o->diag, -fail_code(&g[ng]), "run %s: %s: %s", j->run->id, g[ng].url,
                         why);
            } else if (check_rows(text, len, g[ng].url, &as, NULL, &e) < 0) {
                j->failed++;
                s->st->failed++;
                imx_warn(s->o->diag, e.code, "run %s: %s", j->run->id, e.msg);
            } else if ((r = store_bench(s, j->run->id, j->need.v[m], j->run->attempt, text, len)) ==
                       0) {
                j->got++;
                j->rows += as.rows;
                j->bytes += len;
                s->st->files++;
                s->st->rows += as.rows;
                s->st->agentic += as.agentic;
            }
            free(text);
            if (r < 0)
                break;
        }
        if (r < 0)
            break;
        if (!j->models.n)
            continue;
        state = run_json_state(s, j->run->id, &att);
        if (j->failed == 0 && (state == 0 || (state == 1 && att != j->run->attempt)))
            r = write_run_json(s, j->run);
        if (j->need.n)
            s->st->runs_new++;
        else
            s->st->runs_kept++;
        if (s->o->env) {
            struct source_run sr;
            memset(&sr, 0, sizeof(sr));
            sr.id = strtoull(j->run->id, NULL, 10);
            sr.date = j->run->date;
            buf_reset(&p);
            if (j->need.n && state == 1 && att && att != j->run->attempt)
                buf_addf(&p, "attempt %ld replacing attempt %ld", j->run->attempt, att);
            else
                buf_addf(&p, "attempt %ld", j->run->attempt);
            sr.detail = p.p;
            sr.cached = !j->need.n;
            sr.got = j->got;
            sr.failed = j->failed;
            sr.bytes = j->bytes;
            sr.rows_known = j->need.n > 0;
            sr.rows = j->rows;
            source_say_run(s->o->env, &sr);
        }
    }
    for (size_t i = 0; i < total; i++)
        source_get_release(&g[i]);
    free(g);
    for (size_t i = 0; i < nruns; i++) {
        infx_strs_release(&jobs[i].need);
        infx_strs_release(&jobs[i].models);
    }
    free(jobs);
    infx_strs_release(&warned);
    buf_release(&p);
    if (r == -IMX_EINTR)
        imx_seterr(s->err, IMX_EINTR, "interrupted");
    return r;
}

static int in_range(const struct infx_opts *o, const char *date)
{
    return date_in_range(date, o->since, o->until);
}

/*
 * Discovery: availability, then workflow-info per date (named runs' dates, the range, or
 * newest first until enough runs). *runs point into *days, newest first; the caller releases
 * both, also on failure.
 */
static int discover(struct sync *s, struct day **daysp, size_t *ndaysp,
                    const struct infx_run ***runsp, size_t *nrunsp)
{
    const struct infx_opts *o = s->o;
    struct day *days = NULL;
    size_t ndays = 0;
    const struct infx_run **runs = NULL;
    size_t nruns = 0, caprun = 0;
    long want_runs = o->recent > 0 ? o->recent : 0;
    int r;

    *daysp = NULL;
    *ndaysp = 0;
    *runsp = NULL;
    *nrunsp = 0;
    if (!want_runs && !o->nids && !o->since && !o->until)
        want_runs = 1; /* the newest run, as sync does for GitHub */
    if ((r = resolve_models(s)) < 0)
        return r;
    if ((r = get_availability(s)) < 0)
        return r;
    if (o->nids && (r = locate_ids(s)) < 0)
        return r;
    days = xcalloc(s->avail.n + s->recheck.n + 1, sizeof(*days));
    for (size_t i = s->avail.n; i-- > 0;) {
        const char *d = s->avail.v[i].date;
        if (o->nids ? infx_strs_has(&s->recheck, d) : in_range(o, d))
            memcpy(days[ndays++].date, d, 11);
    }
    for (size_t i = 0; i < s->recheck.n; i++) {
        int dup = 0;
        for (size_t k = 0; k < ndays; k++)
            dup |= !strcmp(days[k].date, s->recheck.v[i]);
        if (!dup && strlen(s->recheck.v[i]) == 10)
            memcpy(days[ndays++].date, s->recheck.v[i], 11);
    }
    *daysp = days;
    *ndaysp = ndays;
    for (size_t at = 0; at < ndays;) {
        /* with a run count, a few dates at a time (newest first) until enough runs */
        size_t step = want_runs && !o->nids ? INFX_MAX_PARALLEL : ndays - at;
        if (step > ndays - at)
            step = ndays - at;
        if ((r = load_days(s, days + at, step)) < 0)
            break;
        for (size_t i = at; i < at + step; i++) {
            for (size_t k = 0; k < days[i].wi.n; k++) {
                const struct infx_run *run = &days[i].wi.runs[k];
                if (o->nids && !id_named(o, run->id))
                    continue;
                ALLOC_GROW(runs, nruns + 1, caprun);
                runs[nruns++] = run;
            }
        }
        at += step;
        if (want_runs && !o->nids && nruns >= (size_t)want_runs)
            break;
    }
    if (nruns > 1)
        qsort(runs, nruns, sizeof(*runs), cmp_run_newest);
    if (want_runs && !o->nids && nruns > (size_t)want_runs)
        nruns = (size_t)want_runs;
    s->st->runs = nruns;
    *runsp = runs;
    *nrunsp = nruns;
    return r;
}

static void sync_release(struct sync *s, struct day *days, size_t ndays,
                         const struct infx_run **runs)
{
    for (size_t i = 0; i < ndays; i++)
        infx_wfinfo_release(&days[i].wi);
    free(days);
    free(runs);
    infx_strs_release(&s->want);
    infx_strs_release(&s->live);
    infx_strs_release(&s->recheck);
    infx_avail_release(&s->avail);
    infx_avail_release(&s->old_avail);
}

static int sync_init(struct sync *s, const struct infx_opts *o, struct infx_stats *st,
                     struct imx_err *err)
{
    memset(s, 0, sizeof(*s));
    memset(st, 0, sizeof(*st));
    s->o = o;
    s->st = st;
    s->err = err;
    s->base = o->base_url && *o->base_url ? o->base_url : INFX_DEFAULT_URL;
    if (!o->fetch || !o->cache)
        return imx_seterr(err, IMX_EUSAGE, "infx: no fetcher or cache");
    return 0;
}

int infx_sync(const struct infx_opts *o, struct infx_stats *st, struct imx_err *err)
{
    struct sync s;
    struct day *days = NULL;
    size_t ndays = 0, nruns = 0;
    const struct infx_run **runs = NULL;
    int r = sync_init(&s, o, st, err);

    if (r < 0)
        return r;
    r = discover(&s, &days, &ndays, &runs, &nruns);
    if (r == 0)
        r = fetch_runs(&s, runs, nruns, days, ndays);
    sync_release(&s, days, ndays, runs);
    return r < 0 ? r : 0;
}

/* ---- the API as a source (source/source.h) ----------------------------------------------- */

/* The options that env says (selection, where, the shared fetcher). */
static void infx_opts_from(struct infx_opts *o, struct source_env *env)
{
    memset(o, 0, sizeof(*o));
    o->base_url = env->where->infx_url;
    o->cache = env->cache;
    o->ids = env->sel->ids;
    o->nids = env->sel->nids;
    o->since = env->sel->since;
    o->until = env->sel->until;
    o->model = env->where->model;
    o->refresh = env->where->refresh;
    o->fetch = source_fetch;
    o->fetch_ud = env;
    o->diag = env->diag;
}

static int save_file(void *ud, const char *rel, const char *data, size_t len, struct imx_err *err)
{
    struct source_env *env = ud;
    return store_write_file(env->store, rel, data, len, err);
}

static int api_source_sync(struct source_env *env, struct imx_err *err)
{
    struct infx_opts o;
    struct infx_stats st;
    int r;

    infx_opts_from(&o, env);
    o.recent = env->sel->recent;
    o.save = save_file;
    o.save_ud = env;
    o.env = env;
    memset(&st, 0, sizeof(st));
    r = infx_sync(&o, &st, err);
    env->st.dates += st.dates;
    env->st.dates_listed += st.dates_listed;
    env->st.rows += st.rows;
    env->st.runs += st.runs;
    env->st.runs_synced += st.runs_new;
    env->st.runs_cached += st.runs_kept;
    env->st.artifacts += st.files;
    env->st.artifacts_failed += st.failed;
    return r;
}

/* The API's runs: rows, not artifacts, so nothing of what a sync would fetch. */
static int api_source_list(struct source_env *env, struct source_listed **out, size_t *n,
                           struct imx_err *err)
{
    struct infx_opts o;
    struct infx_stats st;
    struct sync s;
    struct day *days = NULL;
    size_t ndays = 0, nruns = 0;
    const struct infx_run **runs = NULL;
    int r;

    infx_opts_from(&o, env);
    o.recent = env->sel->recent;
    *n = 0;
    *out = NULL;
    if ((r = sync_init(&s, &o, &st, err)) < 0)
        return r;
    /* the discovery of a sync (its responses kept in the cache), no benchmark file stored */
    s.listing = 1;
    r = discover(&s, &days, &ndays, &runs, &nruns);
    *out = xcalloc(nruns + 1, sizeof(**out));
    for (size_t i = 0; r == 0 && i < nruns; i++) {
        struct source_listed *l = &(*out)[(*n)++];
        l->id = strtoull(runs[i]->id, NULL, 10);
        l->created = runs[i]->created_at ? xstrdup(runs[i]->created_at)
                     : runs[i]->date     ? xstrdup(runs[i]->date)
                                         : NULL;
        l->attempt = runs[i]->attempt;
    }
    sync_release(&s, days, ndays, runs);
    return r < 0 ? r : st.failed ? 1 : 0;
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
    .sync = api_source_sync,
    .list = api_source_list,
};
