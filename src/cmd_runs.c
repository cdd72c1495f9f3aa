/* cmd_runs: `imx runs`: the runs known to the cache and (unless --offline) to the sources of
 * --source (GitHub, the GCS backup, the InferenceX API), one per line in a plain aligned table
 * on stdout: dates, source, attempt, cached or not, artifacts, rows. */
#include "cache/rows.h"
#include "cache/scan.h"
#include "cache/select.h"
#include "cache/store.h"
#include "cli.h"
#include "reader/names.h"
#include "source/github.h"
#include "source/source.h"
#include "table/extract.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/xalloc.h"
#include "writer/csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum col {
    C_ID,
    C_CREATED,
    C_EVENT,
    C_BRANCH,
    C_SOURCE,
    C_ATTEMPT,
    C_CACHED,
    C_EXPIRED,
    C_ARTS,
    C_SIZE,
    C_ROWS,
    C_GPUS,
    C_MODELS,
    NCOL
};

static const char *const heads[NCOL] = {"RUN",     "CREATED", "EVENT",   "BRANCH",    "SOURCE",
                                        "ATTEMPT", "CACHED",  "EXPIRED", "ARTIFACTS", "SIZE",
                                        "ROWS",    "GPUS",    "MODELS"};

/* Where a run is known: its cached copy's origin, and each source that lists it now. */
enum { SRC_GITHUB = 1, SRC_GCS = 2, SRC_API = 4 };
static const struct {
    const char *name;
    unsigned bit;
} remote[] = {{"github", SRC_GITHUB}, {"gcs", SRC_GCS}, {"api", SRC_API}};

struct line {
    unsigned long long id;
    char *cell[NCOL];
    unsigned srcs;
    int remote_arts; /* ARTIFACTS and SIZE tell what a source would download */
    int matched;     /* cached rows pass --model and the row filters */
};

static void human(unsigned long long b, char *out, size_t n)
{
    if (b >= (1ULL << 30))
        snprintf(out, n, "%.1fG", (double)b / (1 << 30));
    else if (b >= (1ULL << 20))
        snprintf(out, n, "%.1fM", (double)b / (1 << 20));
    else if (b >= 1024)
        snprintf(out, n, "%.1fK", (double)b / 1024);
    else
        snprintf(out, n, "%lluB", b);
}

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dupf(const char *fmt, ...)
{
    struct buf b = BUF_INIT_MAX(BUF_BLOCK_MAX);
    va_list ap;
    va_start(ap, fmt);
    buf_vaddf(&b, fmt, ap);
    va_end(ap);
    return buf_detach(&b, NULL);
}

static char *or_dash(const char *s)
{
    return xstrdup(s && *s ? s : "-");
}

/* A created_at cell: unknown ("-") when it is not a date, as extract reads such a run undated
 * (2026-01-06T24:00:00Z or a 31st of February is no day to show). */
static char *created_cell(const char *s)
{
    long long epoch;

    return or_dash(s && date_parse_timestamp(s, &epoch) == 0 ? s : NULL);
}

/* The cache's view of a run: manifest, run.json (as the scan read it), rows. */
static void fill_cached(struct line *l, struct store *s, const struct run_info *ri)
{
    struct buf p = BUF_INIT_MAX(BUF_LIST_MAX);
    struct imx_err e = IMX_ERR_INIT;
    struct manifest m;
    struct run_rows rows;
    int have_m = store_manifest_load(s, l->id, &m, &e) > 0;
    unsigned long n = 0, expired = 0;
    unsigned long long size = 0;

    if (ri->has_meta) {
        l->cell[C_CREATED] = created_cell(ri->created_at);
        l->cell[C_EVENT] = or_dash(ri->event);
        l->cell[C_BRANCH] = or_dash(ri->branch);
        l->cell[C_ATTEMPT] = ri->attempt ? dupf("%ld", ri->attempt) : xstrdup("-");
        /* the rule of the table's source column */
        l->srcs |= ri->source && !strcmp(ri->source, "api")       ? SRC_API
                   : ri->source && !strncmp(ri->source, "gcs", 3) ? SRC_GCS
                                                                  : SRC_GITHUB;
    }
    for (size_t i = 0; have_m && i < m.n; i++) {
        if (m.arts[i].state == ART_COMPLETE) {
            n++;
            size += m.arts[i].size;
        } else if (m.arts[i].state == ART_EXPIRED) {
            expired++;
        }
    }
    memset(&rows, 0, sizeof(rows));
    if (have_m && m.rows_known) {
        for (size_t i = 0; i < m.rows.n; i++)
            run_rows_add(&rows, m.rows.v[i].model, m.rows.v[i].rows);
    } else {
        buf_reset(&p);
        store_run_dir(s, l->id, &p);
        rows_count_run(p.p, &rows);
    }
    /* a manifest that records only the API's documents: its rows are all the run has */
    if (have_m && m.n == 1 && m.arts[0].id == STORE_DOCS_ID && m.arts[0].state == ART_COMPLETE)
        l->cell[C_CACHED] = xstrdup("yes (API rows)");
    else
        l->cell[C_CACHED] = xstrdup(have_m       ? (m.complete ? "yes" : "partial")
                                    : rows.total ? "yes (no manifest)"
                                                 : "no");
    l->cell[C_EXPIRED] = have_m ? xstrdup(expired ? "yes" : "no") : xstrdup("-");
    if (have_m) {
        char h[32];
        human(size, h, sizeof(h));
        l->cell[C_ARTS] = dupf("%lu", n);
        l->cell[C_SIZE] = xstrdup(h);
    }
    {
        struct buf b = BUF_INIT_MAX(BUF_BLOCK_MAX);
        if (rows.total) {
            buf_addf(&b, "%lu (", rows.total);
            run_rows_format(&rows, &b);
            buf_addc(&b, ')');
        } else {
            buf_adds(&b, "0");
        }
        l->cell[C_ROWS] = buf_detach(&b, NULL);
    }
    run_rows_release(&rows);
    manifest_release(&m);
    buf_release(&p);
}

/* A source's view of a run: its dates and attempt when the cache has none, and the artifacts
 * a sync would fetch (the first source that would fetch any says how many). */
static void fill_listed(struct line *l, const struct source_listed *r, unsigned src)
{
    l->srcs |= src;
    if (!l->cell[C_CREATED]) {
        l->cell[C_CREATED] = created_cell(r->created);
        l->cell[C_EVENT] = or_dash(r->event);
        l->cell[C_BRANCH] = or_dash(r->branch);
        l->cell[C_ATTEMPT] = r->attempt ? dupf("%ld", r->attempt) : xstrdup("-");
    }
    if (!l->cell[C_CACHED])
        l->cell[C_CACHED] = xstrdup("no");
    if (r->fetch && !l->remote_arts) {
        char h[32];
        human(r->size, h, sizeof(h));
        free(l->cell[C_ARTS]);
        free(l->cell[C_SIZE]);
        l->cell[C_ARTS] = dupf("%lu", r->arts);
        l->cell[C_SIZE] = xstrdup(h);
        if (r->expiry_known) {
            free(l->cell[C_EXPIRED]);
            l->cell[C_EXPIRED] = xstrdup(!r->arts                ? "-"
                                         : r->expired == r->arts ? "yes"
                                         : r->expired            ? "some"
                                                                 : "no");
        }
        l->remote_arts = r->arts > r->expired;
    }
}

static char *sources_text(unsigned srcs)
{
    struct buf b = BUF_INIT_MAX(BUF_WORD_MAX);

    for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++)
        if (srcs & remote[i].bit)
            buf_addf(&b, "%s%s", b.len ? "," : "", remote[i].name);
    if (!b.len)
        buf_adds(&b, "-");
    return buf_detach(&b, NULL);
}

static int cmp_line(const void *a, const void *b)
{
    const struct line *x = a, *y = b;
    return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/* The table being built, and the cached runs the selection left out: a source listing one
 * of those must not bring it back as "not cached". */
struct lines {
    struct line *v;
    size_t n, cap;
    unsigned long long *out;
    size_t nout, capout;
};

/* The line of a run, added when new; NULL for a cached run the selection left out. */
static struct line *find_or_add(struct lines *t, unsigned long long id)
{
    for (size_t i = 0; i < t->nout; i++)
        if (t->out[i] == id)
            return NULL;
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].id == id)
            return &t->v[i];
    ALLOC_GROW(t->v, t->n + 1, t->cap);
    memset(&t->v[t->n], 0, sizeof(*t->v));
    t->v[t->n].id = id;
    return &t->v[t->n++];
}

/* What each cached run measured: its GPUs (canonical) and models, from the rows that pass
 * --model and the row filters (the reader's own rows, every run's, deduplicated within it). */
struct measured {
    const struct cli *cli;
    struct lines *t;
};

static void add_word(struct buf *b, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = b->p; (p = strstr(p, w)); p += n)
        if ((p == b->p || p[-1] == ',') && (p[n] == ',' || !p[n]))
            return;
    buf_addf(b, "%s%s", b->len ? "," : "", w);
}

static int on_measured(void *ud, const struct run_info *run, struct trow **rows, size_t n)
{
    struct measured *m = ud;
    struct buf gpus = BUF_INIT_MAX(BUF_TEXT_MAX), models = BUF_INIT_MAX(BUF_TEXT_MAX);
    struct line *l = NULL;

    for (size_t i = 0; i < m->t->n; i++)
        if (m->t->v[i].id == run->idn)
            l = &m->t->v[i];
    n = row_filter_keep(&m->cli->filter, rows, n);
    for (size_t i = 0; l && i < n; i++) {
        char canon[32];
        const char *hw = rows[i]->kv[K_HW];
        if (hw)
            add_word(&gpus, names_gpu(hw, canon, sizeof(canon)) ? canon : hw);
        if (rows[i]->kv[K_PREFIX])
            add_word(&models, rows[i]->kv[K_PREFIX]);
    }
    if (l && n) {
        l->matched = 1;
        free(l->cell[C_GPUS]);
        free(l->cell[C_MODELS]);
        l->cell[C_GPUS] = buf_detach(&gpus, NULL);
        l->cell[C_MODELS] = buf_detach(&models, NULL);
    }
    buf_release(&gpus);
    buf_release(&models);
    return 0;
}

/* Reads the cached runs listed (their rows) to fill GPUS and MODELS. */
static int measure_cached(struct cli *cli, struct lines *t, const char *cache)
{
    struct imx_err err = IMX_ERR_INIT;
    struct imx_diag diag = {msg_diag, cli, 0};
    struct model_sel sel;
    struct extract_opts o;
    struct extract x;
    struct measured m = {cli, t};
    char **ids = xcalloc(t->n + 1, sizeof(*ids));
    int r = 0;

    if (model_sel_init(&sel, cli->model ? cli->model : "all", &err) < 0) {
        msg_error("%s", err.msg);
        free(ids);
        return EXIT_USAGE;
    }
    memset(&o, 0, sizeof(o));
    memset(&x, 0, sizeof(x));
    o.cache = cache;
    o.model = &sel;
    o.diag = &diag;
    o.ids = ids;
    for (size_t i = 0; i < t->n; i++)
        ids[o.nids++] = dupf("%llu", t->v[i].id);
    if (o.nids)
        r = extract_each_run(&x, &o, on_measured, &m, &err);
    if (r < 0)
        msg_error("%s", err.msg);
    for (size_t i = 0; i < o.nids; i++)
        free(ids[i]);
    free(ids);
    extract_release(&x);
    model_sel_release(&sel);
    /* a run folder or file that could not be read is said and leaves the listing incomplete */
    return r < 0 ? exit_for(err.code) : diag.nwarn ? EXIT_PARTIAL : EXIT_OK;
}

/*
 * A run known only from the backup's or the API's listing, while --event or --branch (or
 * --official) selects: neither listing tells a run's event or branch, and a filter on an
 * unknown field does not pass (as for a cached run without them). Counted once in *left, and
 * left out for good (in t->out, as a cached run the selection removed).
 */
static int unknown_to_filters(const struct cli *cli, struct lines *t, unsigned long long id,
                              size_t *left)
{
    if (!cli->event && !cli->branch)
        return 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].id == id)
            return 0;
    for (size_t i = 0; i < t->nout; i++)
        if (t->out[i] == id)
            return 1;
    ALLOC_GROW(t->out, t->nout + 1, t->capout);
    t->out[t->nout++] = id;
    (*left)++;
    return 1;
}

static int named(const struct cli *cli, unsigned long long id)
{
    for (size_t k = 0; k < cli->nids; k++)
        if (strtoull(cli->ids[k], NULL, 10) == id)
            return 1;
    return !cli->nids;
}

/*
 * The cached runs the options select (cache/select.h: the same filters as GitHub's listing,
 * read from each run.json), as lines; the others are remembered in t->out. A cache that does
 * not exist is an error: nothing is created. *sst says what the selection removed.
 */
static int list_cached(struct cli *cli, struct store *s, struct lines *t,
                       struct run_select_stats *sst)
{
    struct imx_err err = IMX_ERR_INIT;
    struct imx_diag diag = {msg_diag, cli, 0};
    struct run_select sel;
    struct run_list all, kept;
    size_t missing = 0;

    if (cache_scan(s->cache, NULL, 0, &all, &missing, &diag, &err) < 0) {
        msg_error("%s", err.msg);
        return exit_for(err.code);
    }
    /* named runs first, then the filters among them */
    memset(&kept, 0, sizeof(kept));
    kept.v = xcalloc(all.n + 1, sizeof(*kept.v));
    for (size_t i = 0; i < all.n; i++) {
        if (named(cli, all.v[i].idn))
            kept.v[kept.n++] = all.v[i];
        else
            run_info_release(&all.v[i]);
    }
    free(all.v);
    kept.cap = kept.n;
    ALLOC_GROW(t->out, kept.n + 1, t->capout);
    {
        /* the ids before selection, to know which ones it removed */
        unsigned long long *before = xcalloc(kept.n + 1, sizeof(*before));
        size_t nbefore = kept.n;
        for (size_t i = 0; i < kept.n; i++)
            before[i] = kept.v[i].idn;
        cli_run_select(cli, &sel);
        run_select_apply(&sel, &kept, sst);
        for (size_t i = 0; i < nbefore; i++) {
            size_t k;
            for (k = 0; k < kept.n && kept.v[k].idn != before[i]; k++)
                ;
            if (k == kept.n)
                t->out[t->nout++] = before[i];
        }
        free(before);
    }
    for (size_t i = 0; i < kept.n; i++) {
        struct line *l = find_or_add(t, kept.v[i].idn); /* never NULL: kept is not out */
        if (l)
            fill_cached(l, s, &kept.v[i]);
    }
    run_list_release(&kept);
    return diag.nwarn ? EXIT_PARTIAL : EXIT_OK;
}

static void print_table(const struct line *v, size_t n, const size_t *width)
{
    for (int c = 0; c < NCOL; c++) {
        if (c == NCOL - 1)
            printf("%s\n", heads[c]);
        else
            printf("%-*s  ", (int)width[c], heads[c]);
    }
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < NCOL; c++) {
            if (c == NCOL - 1)
                printf("%s\n", v[i].cell[c]);
            else
                printf("%-*s  ", (int)width[c], v[i].cell[c]);
        }
    }
}

/* --format csv|json: the same cells, lowercase names, "-" (unknown) as empty or null. */
static void print_machine(const char *format, int csv_safe, const struct line *v, size_t n)
{
    int json = !strcmp(format, "json");
    struct buf b = BUF_INIT_MAX(BUF_DOC_MAX);

    for (int c = 0; c < NCOL && !json; c++) {
        for (const char *p = heads[c]; *p; p++)
            buf_addc(&b, (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p));
        buf_addc(&b, c == NCOL - 1 ? '\n' : ',');
    }
    if (json)
        buf_addc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (json)
            buf_adds(&b, i ? ",\n{" : "\n{");
        for (int c = 0; c < NCOL; c++) {
            const char *cell = strcmp(v[i].cell[c], "-") ? v[i].cell[c] : NULL;
            if (json) {
                char key[32];
                size_t k = 0;
                for (const char *p = heads[c]; *p && k < sizeof(key) - 1; p++)
                    key[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
                key[k] = '\0';
                buf_adds(&b, c ? "," : "");
                buf_add_json(&b, key);
                buf_addc(&b, ':');
                buf_add_json(&b, cell);
            } else {
                /* a branch or a title is anyone's text: "=HYPERLINK(...)" stays text */
                if (cell && csv_safe)
                    csv_field_safe(&b, cell, strlen(cell));
                else if (cell)
                    csv_field(&b, cell, strlen(cell));
                buf_addc(&b, c == NCOL - 1 ? '\n' : ',');
            }
        }
        if (json)
            buf_addc(&b, '}');
    }
    if (json)
        buf_adds(&b, "\n]\n");
    fwrite(b.p, 1, b.len, stdout);
    buf_release(&b);
}

int cmd_runs(struct cli *cli)
{
    struct store s;
    struct lines t;
    struct run_select_stats sst;
    struct line *v;
    size_t n, width[NCOL], unknown = 0;
    int status;
    const char *cache = cli_cache_dir(cli);
    const char *src = cli->source ? cli->source : "github";
    /* as GitHub's listing: the N asked for, else one page; named runs are looked for */
    long recent = cli->nids ? 0 : cli->collect_recent > 0 ? cli->collect_recent : GH_PER_PAGE;

    memset(&s, 0, sizeof(s));
    memset(&t, 0, sizeof(t));
    s.cache = (char *)cache;
    status = list_cached(cli, &s, &t, &sst);
    if (status != EXIT_OK && status != EXIT_PARTIAL) {
        free(t.v);
        free(t.out);
        return status;
    }
    if (t.n) {
        int st = measure_cached(cli, &t, cache);
        if (st == EXIT_USAGE)
            return st;
        status = cli_worse_status(status, st);
    }
    for (size_t k = 0; !cli->offline && k < sizeof(remote) / sizeof(remote[0]); k++) {
        struct source_listed *runs;
        size_t nruns;
        if (!cli_source_named(src, remote[k].name))
            continue;
        status =
            cli_worse_status(status, cli_list_source(cli, remote[k].name, recent, &runs, &nruns));
        for (size_t i = 0; i < nruns; i++) {
            /* GitHub's listing checks event and branch itself; the others tell neither */
            struct line *l =
                remote[k].bit != SRC_GITHUB && unknown_to_filters(cli, &t, runs[i].id, &unknown)
                    ? NULL
                    : find_or_add(&t, runs[i].id);
            if (l)
                fill_listed(l, &runs[i], remote[k].bit);
        }
        source_listed_free(runs, nruns);
    }
    if (cli->model || row_filter_active(&cli->filter)) {
        /* the runs holding such rows: only cached rows can tell */
        size_t k = 0;
        for (size_t i = 0; i < t.n; i++) {
            if (t.v[i].matched) {
                t.v[k++] = t.v[i];
            } else {
                for (int c = 0; c < NCOL; c++)
                    free(t.v[i].cell[c]);
            }
        }
        t.n = k;
    }
    v = t.v;
    n = t.n;
    if (n) /* qsort's pointer must be valid even for no element */
        qsort(v, n, sizeof(*v), cmp_line);
    for (int c = 0; c < NCOL; c++)
        width[c] = strlen(heads[c]);
    for (size_t i = 0; i < n; i++) {
        if (!v[i].cell[C_ID])
            v[i].cell[C_ID] = dupf("%llu", v[i].id);
        v[i].cell[C_SOURCE] = sources_text(v[i].srcs);
        for (int c = 0; c < NCOL; c++) {
            if (!v[i].cell[c])
                v[i].cell[c] = xstrdup("-");
            if (c == C_CREATED && strlen(v[i].cell[c]) > 10 && v[i].cell[c][10] == 'T') {
                /* 2026-01-14T22:27:36Z reads better as 2026-01-14 22:27:36 */
                v[i].cell[c][10] = ' ';
                v[i].cell[c][strcspn(v[i].cell[c], "Z")] = '\0';
            }
            if (!cli->format) {
                /* the table is read on a terminal: names and titles come from servers */
                char *shown = msg_shown(v[i].cell[c]);
                free(v[i].cell[c]);
                v[i].cell[c] = shown;
            }
            if (strlen(v[i].cell[c]) > width[c])
                width[c] = strlen(v[i].cell[c]);
        }
    }
    if (cli->format)
        print_machine(cli->format, cli->csv_safe, v, n);
    else
        print_table(v, n, width);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < NCOL; c++)
            free(v[i].cell[c]);
    free(v);
    free(t.out);
    /* the table first, whole: with 2>&1 into one file the count must not land inside a row */
    if (fflush(stdout) != 0)
        return cli_worse_status(status, EXIT_FS);
    if (!cli->quiet) {
        struct buf line = BUF_INIT;
        buf_addf(&line, "%zu run%s", n, n == 1 ? "" : "s");
        if (sst.considered > sst.kept) {
            struct buf b = BUF_INIT_MAX(BUF_LIST_MAX);
            struct run_select sel;
            cli_run_select(cli, &sel);
            run_select_explain(&sel, &sst, &b);
            buf_addf(&line, " (%zu of %zu cached runs selected: %s)", sst.kept, sst.considered,
                     b.p);
            buf_release(&b);
        }
        if (unknown)
            buf_addf(&line,
                     " (%zu run%s of the backup or the API left out: their listings do not tell "
                     "the event or branch that --event, --branch or --official selects)",
                     unknown, unknown == 1 ? "" : "s");
        msg_line("%s", line.p);
        buf_release(&line);
    }
    return status;
}
