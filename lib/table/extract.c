/* extract: parallel parse of the selected runs (one worker per core pulling runs from a
 * shared counter) feeding the newest-wins table. A file's rows enter the table only once
 * the whole file parsed, so a corrupt file never contributes half its rows. */
#include "table/extract.h"
#include "cache/verify.h"
#include "reader/apirows.h"
#include "reader/names.h"
#include "reader/reader.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Rows of one file held back in memory until the file parsed completely; past this, held
 * rows go to a spool file, so memory stays bounded whatever the file's size and a file that
 * fails still contributes no row. */
#define HOLD_MAX ((size_t)16 << 20)
#define BAD_ROW_WARNINGS 3

struct worker {
    struct extract *x;
    const struct extract_opts *o;
    size_t *next; /* shared run counter */
    pthread_mutex_t *lock;
    struct extract_stats st;   /* local counts, summed at the end */
    struct extract_stats fst;  /* counts of the file being read, into st once it parsed */
    struct table *table;       /* where rows go: the shared table, or this worker's run table */
    struct run_stream *stream; /* per-run mode (extract_each_run), else NULL */
    struct row_key key;
    /* the file being read */
    const struct run_info *run;
    const struct run_file *file;
    uint32_t file_order;
    struct trow **held;
    size_t nheld, capheld, held_bytes;
    FILE *spool; /* held rows past HOLD_MAX (an unlinked temporary file) */
    size_t nspooled;
    struct imx_err *err; /* the current file's error */
    unsigned long bad_in_file;
    int rows_in_run;
};

static void count_model(struct extract_stats *st, const char *prefix)
{
    const char *p = prefix ? prefix : "(unknown)";
    for (size_t i = 0; i < st->nmodels; i++) {
        if (!strcmp(st->models[i].prefix, p)) {
            st->models[i].rows++;
            return;
        }
    }
    st->models = xrealloc(st->models, (st->nmodels + 1) * sizeof(*st->models));
    st->models[st->nmodels].prefix = xstrdup(p);
    st->models[st->nmodels].rows = 1;
    st->nmodels++;
}

static void drop_held(struct worker *w)
{
    for (size_t i = 0; i < w->nheld; i++)
        free(w->held[i]);
    w->nheld = 0;
    w->held_bytes = 0;
    if (w->spool) {
        rewind(w->spool);
        if (ftruncate(fileno(w->spool), 0) != 0) {
            /* a spool that cannot be emptied is not reused */
            fclose(w->spool);
            w->spool = NULL;
        }
    }
    w->nspooled = 0;
}

/* The file parsed: its spooled rows, then its held ones, go into the table. */
static int commit_held(struct worker *w)
{
    int r = 0;

    if (w->nspooled) {
        struct trow *t;
        size_t n = 0;
        if (fflush(w->spool) != 0 || fseek(w->spool, 0, SEEK_SET) != 0) {
            r = -1;
        } else {
            int k;
            while ((k = trow_spool_read(w->spool, &t)) > 0) {
                table_put(w->table, t);
                n++;
            }
            if (k < 0 || n != w->nspooled)
                r = -1;
        }
        if (r < 0) {
            /* some spooled rows may be in already: the caller says so, loudly */
            drop_held(w);
            return r;
        }
    }
    for (size_t i = 0; i < w->nheld; i++)
        table_put(w->table, w->held[i]);
    w->nheld = 0;
    w->held_bytes = 0;
    drop_held(w);
    return 0;
}

/* Moves the held rows to the spool; -1 (err set) when the spool cannot be written. */
static int spool_held(struct worker *w)
{
    if (!w->spool && !(w->spool = tmpfile()))
        return imx_seterr(w->err, IMX_EIO,
                          "'%s': cannot create a temporary file for the rows of a large file: %s",
                          w->file->path, strerror(errno));
    for (size_t i = 0; i < w->nheld; i++) {
        if (trow_spool_write(w->spool, w->held[i]) < 0)
            return imx_seterr(w->err, IMX_EIO,
                              "'%s': cannot write the rows of a large file to a temporary file: "
                              "%s",
                              w->file->path, strerror(errno ? errno : EIO));
        free(w->held[i]);
        w->held[i] = NULL;
        w->nspooled++;
    }
    w->nheld = 0;
    w->held_bytes = 0;
    return 0;
}

static const char *kind_name(enum val_kind k)
{
    switch (k) {
    case VAL_NUM:
        return "number";
    case VAL_STR:
        return "string";
    case VAL_BOOL:
        return "boolean";
    default:
        return "null";
    }
}

/* A configuration field of the wrong JSON type makes the row unusable: its key would lie. */
static int check_types(struct worker *w, const struct row *r, size_t index)
{
    for (int i = 0; i < NKEY; i++) {
        int fi = w->key.idx[i];
        const struct field *f;
        int ok;
        if (fi < 0)
            continue;
        f = &r->f[fi];
        switch (key_fields[i].type) {
        case 'n':
            ok = f->kind == VAL_NUM;
            break;
        case 'b':
            ok = f->kind == VAL_BOOL ||
                 (f->kind == VAL_STR && (!strcmp(row_val(r, (size_t)fi), "true") ||
                                         !strcmp(row_val(r, (size_t)fi), "false")));
            break;
        default:
            ok = f->kind == VAL_STR;
        }
        if (!ok) {
            if (w->bad_in_file++ < BAD_ROW_WARNINGS)
                imx_warn(w->o->diag, IMX_EPARSE,
                         "'%s': row %zu: field '%s' is a %s, expected a %s: row skipped",
                         w->file->path, index, key_fields[i].src, kind_name((enum val_kind)f->kind),
                         key_fields[i].type == 'n'   ? "number"
                         : key_fields[i].type == 'b' ? "boolean"
                                                     : "string");
            return 0;
        }
    }
    return 1;
}

/* Adds a field the row lacked and records it in the index. */
static void add_indexed(struct row *r, struct row_key *k, int id, const char *val, size_t len,
                        enum val_kind kind)
{
    const char *name = id < NKEY ? key_fields[id].src : "";
    if (row_add(r, name, strlen(name), val, len, kind) == 0)
        k->idx[id] = (int)(r->n - 1);
}

static const char *indexed(const struct row *r, const struct row_key *k, int id)
{
    return k->idx[id] < 0 ? NULL : row_val(r, (size_t)k->idx[id]);
}

static int on_row(void *ud, struct row *r, size_t index)
{
    struct worker *w = ud;
    struct row_key *k = &w->key;
    const char *prefix, *model;

    w->fst.rows++;
    table_index(r, k);
    /* rows before late 2025 carry isl/osl only in their artifact's name */
    if (k->idx[K_ISL] < 0 && k->idx[K_OSL] < 0 && k->idx[A_SCENARIO] < 0) {
        long isl, osl;
        if (names_seq_lens(w->file->rel, &isl, &osl, NULL)) {
            char num[32];
            int n = snprintf(num, sizeof(num), "%ld", isl);
            add_indexed(r, k, K_ISL, num, (size_t)n, VAL_NUM);
            n = snprintf(num, sizeof(num), "%ld", osl);
            add_indexed(r, k, K_OSL, num, (size_t)n, VAL_NUM);
            w->fst.seq_from_name++;
        }
    }
    model = indexed(r, k, A_MODEL);
    if (k->idx[K_PREFIX] < 0) {
        struct buf pbuf = BUF_INIT_MAX(BUF_NAME_MAX);
        const char *alias;
        if (names_model_prefix(w->file->rel, &pbuf) ||
            (model && (alias = names_prefix_of_model(model)) && buf_adds(&pbuf, alias) == 0)) {
            add_indexed(r, k, K_PREFIX, pbuf.p, pbuf.len, VAL_STR);
            w->fst.prefix_from_name++;
        }
        buf_release(&pbuf);
        model = indexed(r, k, A_MODEL); /* the row's text may have moved */
    }
    prefix = indexed(r, k, K_PREFIX);
    /* AgentX rows: no fixed sequence lengths, nested metric objects */
    if (k->idx[A_SCENARIO] >= 0 || k->idx[K_ISL] < 0 || k->idx[K_OSL] < 0) {
        w->fst.rows_agentic++;
        return 0;
    }
    w->fst.rows_fixed++;
    if (!model_sel_match(w->o->model, prefix, model))
        return 0;
    if (!check_types(w, r, index)) {
        w->fst.rows_bad++;
        return 0;
    }
    /* only rows that reach the table count, per model and in all */
    count_model(&w->fst, prefix);
    w->fst.rows_model++;
    table_key(r, k);
    {
        struct row_rank rank = {(uint32_t)w->run->order, w->file_order, (uint32_t)index};
        struct trow *t;
        /* runs are read newest first: most rows of older runs lose, and are not even copied */
        if (!table_may_keep(w->table, k, rank))
            return 0;
        t = table_make(r, k, rank);
        ALLOC_GROW(w->held, w->nheld + 1, w->capheld);
        w->held[w->nheld++] = t;
        w->held_bytes += trow_size(t);
        if (w->held_bytes > (w->o->hold_max ? w->o->hold_max : HOLD_MAX) && spool_held(w) < 0)
            return -IMX_EIO;
    }
    return 0;
}

/* Early filter on infmax_model_prefix: rows of other models are counted, not stored (nor
 * looked at: whether they have fixed isl/osl is not known). */
static int watch_prefix(void *ud, const char *val, size_t len)
{
    struct worker *w = ud;
    const struct model_sel *m = w->o->model;
    char prefix[128];

    /* val is not NUL-terminated; an absurdly long prefix is left to the full path */
    if (!m->prefix || len >= sizeof(prefix))
        return 1;
    memcpy(prefix, val, len);
    prefix[len] = '\0';
    /* a dropped row is counted once the file is read (reader_stats.dropped): the reader may
     * show it to this filter again when it reads the file a second time */
    return model_sel_match(m, prefix, NULL);
}

/* Files the run's manifest says a sync stored, now missing or cut short (existence and size: a
 * deleted aggregate would otherwise only make the run's rows vanish). */
static void check_stored(struct worker *w, const struct run_info *ri)
{
    struct manifest m;
    struct imx_err e = IMX_ERR_INIT;
    struct run_check c;

    if (manifest_load_dir(ri->dir, ri->idn, &m, &e) <= 0)
        return;
    memset(&c, 0, sizeof(c));
    verify_run(ri->dir, &m, 0, &c);
    for (size_t i = 0; i < c.n; i++) {
        const struct damage *d = &c.v[i];
        if (d->kept)
            continue; /* superseded: not read anyway */
        w->st.files_damaged++;
        if (d->kind == DAMAGE_CUT)
            imx_warn(w->o->diag, IMX_EVERIFY,
                     "run %s: '%s/%s' is cut short (%llu of %llu bytes): its rows are "
                     "incomplete; 'imx sync --repair %s' fetches it again",
                     ri->id, ri->dir, d->path, d->have, d->want, ri->id);
        else
            imx_warn(w->o->diag, IMX_EVERIFY,
                     "run %s: '%s/%s' is %s since sync stored it: its rows are not read; "
                     "'imx sync --repair %s' fetches it again",
                     ri->id, ri->dir, d->path, d->kind == DAMAGE_MISSING ? "missing" : "changed",
                     ri->id);
    }
    run_check_release(&c);
    manifest_release(&m);
}

static void merge_stats(struct extract_stats *d, struct extract_stats *s)
{
    d->runs_read += s->runs_read;
    d->runs_failed += s->runs_failed;
    d->runs_empty += s->runs_empty;
    d->files += s->files;
    d->files_failed += s->files_failed;
    d->files_damaged += s->files_damaged;
    d->dirs_failed += s->dirs_failed;
    d->rows += s->rows;
    d->rows_model += s->rows_model;
    d->rows_agentic += s->rows_agentic;
    d->rows_fixed += s->rows_fixed;
    d->rows_bad += s->rows_bad;
    d->not_object += s->not_object;
    d->nan_tokens += s->nan_tokens;
    d->seq_from_name += s->seq_from_name;
    d->prefix_from_name += s->prefix_from_name;
    for (size_t i = 0; i < s->nmodels; i++) {
        size_t j;
        for (j = 0; j < d->nmodels; j++)
            if (!strcmp(d->models[j].prefix, s->models[i].prefix))
                break;
        if (j == d->nmodels) {
            d->models = xrealloc(d->models, (d->nmodels + 1) * sizeof(*d->models));
            d->models[j].prefix = s->models[i].prefix;
            d->models[j].rows = 0;
            d->nmodels++;
        } else {
            free(s->models[i].prefix);
        }
        d->models[j].rows += s->models[i].rows;
    }
    free(s->models);
    s->models = NULL;
    s->nmodels = 0;
}

static void stats_release(struct extract_stats *s)
{
    for (size_t i = 0; i < s->nmodels; i++)
        free(s->models[i].prefix);
    free(s->models);
    s->models = NULL;
    s->nmodels = 0;
}

static void read_run(struct worker *w, struct run_info *ri)
{
    int failed = 0;
    int at = run_info_find_files_at(ri);

    /* the folder's listing tells whether a sync left a manifest: no probe for one */
    if (ri->manifest)
        check_stored(w, ri);
    w->run = ri;
    w->rows_in_run = 0;
    if (ri->nunreadable) {
        /* the run's files below it are unknown: the table may miss some of its rows */
        imx_warn(w->o->diag, IMX_EIO, "cannot read '%s': %s (run %s%s)", ri->unreadable,
                 ri->unreadable_errno == ELOOP
                     ? "a symbolic link (imx reads no folder of its cache through a link)"
                     : strerror(ri->unreadable_errno),
                 ri->id, ri->nunreadable > 1 ? ", and more folders of it" : "");
        w->st.dirs_failed += ri->nunreadable;
        failed = 1;
    }
    for (size_t i = 0; i < ri->nfiles; i++) {
        struct imx_err err = IMX_ERR_INIT;
        struct reader_stats rs = {0};
        struct reader_opts ro = {
            .fn = on_row, .ud = w, .label = ri->files[i].path, .diag = w->o->diag, .st = &rs};
        if (w->o->model->prefix) {
            ro.watch_key = "infmax_model_prefix";
            ro.watch = watch_prefix;
        }
        int r;
        size_t kept = 0;

        w->file = &ri->files[i];
        w->file_order = (uint32_t)i;
        w->bad_in_file = 0;
        w->err = &err;
        w->st.files++;
        if (ri->kind == RUN_API) {
            struct apirow_stats as = {0, 0, 0};
            r = apirows_read_file(ri->files[i].path, &ro, &as, &err);
            w->fst.rows_agentic += as.agentic;
        } else {
            /* from the run folder's descriptor: one lookup, not one per folder of the path */
            r = at >= 0 ? reader_read_at(at, ri->files[i].rel, &ro, &err)
                        : reader_read_file(ri->files[i].path, &ro, &err);
        }
        w->fst.rows += rs.dropped;
        w->fst.not_object += rs.not_object;
        w->fst.nan_tokens += rs.nan_tokens;
        if (w->bad_in_file > BAD_ROW_WARNINGS)
            imx_warn(w->o->diag, IMX_EPARSE,
                     "'%s': %lu more rows with wrongly typed fields skipped", ri->files[i].path,
                     w->bad_in_file - BAD_ROW_WARNINGS);
        kept = w->nheld + w->nspooled;
        if (r >= 0 && commit_held(w) < 0) {
            /* rows read back from the spool may already be in: say so rather than hide it */
            r = imx_seterr(&err, IMX_EIO,
                           "'%s': cannot read back the rows of a large file from a temporary "
                           "file (some of its rows may be in the table)",
                           ri->files[i].path);
        }
        if (r < 0) {
            /* all or nothing: the file's rows and counts are dropped */
            imx_warn(w->o->diag, err.code,
                     "%s: file skipped (run %s; 'imx verify' tells whether the cache is damaged, "
                     "'imx sync --repair %s' fetches damaged files again)",
                     err.msg, ri->id, ri->id);
            drop_held(w);
            w->st.files_failed++;
            failed = 1;
            kept = 0;
            stats_release(&w->fst);
        } else {
            if (w->fst.rows_agentic && !w->fst.rows_fixed && !rs.dropped)
                imx_warn(w->o->diag, IMX_EPARSE,
                         "'%s': none of its %lu rows has fixed isl/osl (AgentX or an unknown "
                         "shape): nothing in it is used",
                         ri->files[i].path, w->fst.rows_agentic);
            w->rows_in_run |= w->fst.rows > 0;
            merge_stats(&w->st, &w->fst);
        }
        memset(&w->fst, 0, sizeof(w->fst));
        /* Memory stays flat over thousands of runs: only the names of files that gave rows
         * to the table are kept (the source_file column); full paths are rebuilt by nobody. */
        free(ri->files[i].path);
        ri->files[i].path = NULL;
        if (!kept) {
            free(ri->files[i].rel);
            ri->files[i].rel = NULL;
        }
    }
    if (at >= 0)
        close(at);
    if (failed)
        w->st.runs_failed++;
    else
        w->st.runs_read++;
    if (!ri->nfiles || !w->rows_in_run)
        w->st.runs_empty++;
}

/* Per-run mode: runs are parsed in parallel, up to STREAM_AHEAD per worker beyond the oldest
 * not yet handed over, and handed over strictly in run order by whichever worker finds the
 * next one ready (one worker at a time). The callback's work (a SQLite insert) thus runs on one
 * core while the others keep parsing, instead of each worker waiting for its turn with its one
 * run: a run slower to parse than its predecessor no longer stalls the callback. */
#define STREAM_AHEAD 4

struct run_slot {
    struct table table; /* the run's rows while it is parsed and until handed over */
    struct trow **rows; /* sorted, once parsed */
    size_t n;
    int ready;
};

struct run_stream {
    extract_run_fn fn;
    void *ud;
    pthread_mutex_t lock;
    pthread_cond_t room; /* emitted moved on: a slot is free */
    struct run_slot *slots;
    size_t nslots;
    size_t emitted; /* runs handed over (or skipped after a stop) */
    int emitting;   /* a worker is handing runs over */
    int stop;       /* the callback's first error code, 0 while all is well */
};

/* The slot of run i, once the run that used it last has been handed over. */
static struct run_slot *claim_slot(struct run_stream *s, size_t i)
{
    pthread_mutex_lock(&s->lock);
    while (i >= s->emitted + s->nslots)
        pthread_cond_wait(&s->room, &s->lock);
    pthread_mutex_unlock(&s->lock);
    return &s->slots[i % s->nslots];
}

/* Hands over the ready runs in order, unless another worker is doing so; called with the lock
 * held, which it releases around the callback. */
static void drain(struct run_stream *s, struct run_list *runs)
{
    while (!s->emitting && s->emitted < runs->n) {
        size_t i = s->emitted;
        struct run_slot *sl = &s->slots[i % s->nslots];
        int stop = s->stop;
        if (!sl->ready)
            break;
        s->emitting = 1;
        pthread_mutex_unlock(&s->lock);
        if (!stop) {
            int r = s->fn(s->ud, &runs->v[i], sl->rows, sl->n);
            if (r < 0)
                stop = r;
        }
        free(sl->rows);
        sl->rows = NULL;
        table_release(&sl->table);
        table_init(&sl->table);
        pthread_mutex_lock(&s->lock);
        if (stop && !s->stop)
            s->stop = stop;
        sl->ready = 0;
        s->emitted++;
        s->emitting = 0;
        pthread_cond_broadcast(&s->room);
    }
}

/* Run i of the stream: read into its slot (nothing is read once the callback failed or an
 * interrupt came), sorted, marked ready, and handed over with any ready runs after it. */
static void stream_run(struct worker *w, size_t i)
{
    struct run_stream *s = w->stream;
    struct run_slot *sl = claim_slot(s, i);

    w->table = &sl->table;
    if (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED) && !tempfile_interrupted()) {
        read_run(w, &w->x->runs.v[i]);
        /* sorted here, in parallel, rather than by the worker that hands it over */
        sl->rows = table_sorted(&sl->table, &sl->n);
    }
    pthread_mutex_lock(&s->lock);
    if (tempfile_interrupted() && !s->stop)
        s->stop = -IMX_EINTR;
    sl->ready = 1;
    drain(s, &w->x->runs);
    pthread_mutex_unlock(&s->lock);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    for (;;) {
        size_t i = __atomic_fetch_add(w->next, 1, __ATOMIC_RELAXED);
        if (i >= w->x->runs.n)
            break;
        if (w->stream) {
            /* oldest first, the order the rows are handed over in; a run claimed is always
             * marked ready, read or not, so that the ones after it are handed over */
            stream_run(w, i);
        } else {
            if (tempfile_interrupted())
                break;
            /* newest first: the rows most likely to be kept arrive first */
            read_run(w, &w->x->runs.v[w->x->runs.n - 1 - i]);
        }
    }
    return NULL;
}

static int run_workers(struct extract *x, const struct extract_opts *o, struct run_stream *stream,
                       struct imx_err *err)
{
    size_t next = 0, missing = 0;
    int nthreads = o->threads;
    struct worker *w;
    pthread_t *tid;
    int r;

    memset(x, 0, sizeof(*x));
    table_init(&x->table);
    r = cache_scan(o->cache, o->ids, o->nids, &x->runs, &missing, o->diag, err);
    if (r < 0)
        return r;
    /* before the selection: a run whose date is unknown may belong to a date range that now
     * leaves it out, so the result is incomplete whatever the filters */
    for (size_t i = 0; i < x->runs.n; i++)
        x->st.runs_bad_meta += x->runs.v[i].meta_bad != 0;
    run_select_apply(&o->select, &x->runs, &x->selected);
    x->st.runs = x->runs.n;
    x->st.runs_missing = missing;
    for (size_t i = 0; i < x->runs.n; i++)
        x->st.runs_undated += !x->runs.v[i].created_at;
    if (nthreads <= 0) {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        nthreads = ncpu > 0 ? (int)ncpu : 1;
    }
    if ((size_t)nthreads > x->runs.n)
        nthreads = x->runs.n ? (int)x->runs.n : 1;
    if (nthreads > 16)
        nthreads = 16;
    if (stream) {
        stream->nslots = (size_t)nthreads * STREAM_AHEAD;
        stream->slots = xcalloc(stream->nslots, sizeof(*stream->slots));
        for (size_t i = 0; i < stream->nslots; i++)
            table_init(&stream->slots[i].table);
    }
    w = xcalloc((size_t)nthreads, sizeof(*w));
    tid = xcalloc((size_t)nthreads, sizeof(*tid));
    for (int i = 0; i < nthreads; i++) {
        w[i].x = x;
        w[i].o = o;
        w[i].next = &next;
        w[i].stream = stream;
        w[i].table = &x->table; /* a stream's runs go to their slots */
        row_key_init(&w[i].key);
    }
    /* worker 0 runs on this thread: no thread at all for a single run */
    for (int i = 1; i < nthreads; i++)
        if (pthread_create(&tid[i], NULL, worker_main, &w[i]) != 0)
            tid[i] = 0;
    worker_main(&w[0]);
    for (int i = 1; i < nthreads; i++)
        if (tid[i])
            pthread_join(tid[i], NULL);
    for (int i = 0; i < nthreads; i++) {
        merge_stats(&x->st, &w[i].st);
        row_key_release(&w[i].key);
        free(w[i].held);
        if (w[i].spool)
            fclose(w[i].spool);
    }
    free(w);
    free(tid);
    if (stream) {
        /* every claimed run was handed over: the slots are empty */
        for (size_t i = 0; i < stream->nslots; i++)
            table_release(&stream->slots[i].table);
        free(stream->slots);
    }
    if (tempfile_interrupted())
        return imx_seterr(err, IMX_EINTR, "interrupted");
    return 0;
}

int extract_run(struct extract *x, const struct extract_opts *o, struct imx_err *err)
{
    return run_workers(x, o, NULL, err);
}

int extract_each_run(struct extract *x, const struct extract_opts *o, extract_run_fn fn, void *ud,
                     struct imx_err *err)
{
    struct run_stream s;
    int r;

    memset(&s, 0, sizeof(s));
    s.fn = fn;
    s.ud = ud;
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.room, NULL);
    r = run_workers(x, o, &s, err);
    pthread_cond_destroy(&s.room);
    pthread_mutex_destroy(&s.lock);
    return r < 0 ? r : s.stop;
}

int extract_incomplete(const struct extract *x)
{
    return x->st.files_failed || x->st.dirs_failed || x->st.runs_missing || x->st.rows_bad ||
           x->st.not_object || x->st.runs_bad_meta || x->st.files_damaged;
}

void extract_release(struct extract *x)
{
    run_list_release(&x->runs);
    table_release(&x->table);
    for (size_t i = 0; i < x->st.nmodels; i++)
        free(x->st.models[i].prefix);
    free(x->st.models);
    memset(x, 0, sizeof(*x));
}
