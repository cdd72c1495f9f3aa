/* cmd_extract: `imx extract` (and imx without a command): read the cache, merge runs,
 * keep the newest row per configuration of one model, write the CSV and a summary. */
#include "analysis.h"
#include "cli.h"
#include "table/extract.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "output.h"
#include "writer/csv.h"
#include "writer/jsonl.h"
#include "writer/sqlitedb.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

const char *cli_cache_dir(const struct cli *cli)
{
    const char *env = getenv("IMX_CACHE");
    if (cli->cache)
        return cli->cache;
    return env && *env ? env : "raw";
}

void cli_run_select(const struct cli *cli, struct run_select *s)
{
    memset(s, 0, sizeof(*s));
    s->event = cli->event;
    s->branch = cli->branch;
    s->since = cli->since;
    s->until = cli->until;
    s->recent = cli->collect_recent;
}

/* "--event push removed 3, ..." for the runs the selection left out. */
static void selection_note(const struct extract *x, const struct extract_opts *o, struct buf *b)
{
    run_select_explain(&o->select, &x->selected, b);
}

/* Distinct values of one key field among the kept rows, for the summary. */
static void summarize_field(struct buf *out, struct trow *const *rows, size_t n, int k1, int k2)
{
    struct trow **v = xmalloc((n + 1) * sizeof(*v));
    size_t *count = xcalloc(n + 1, sizeof(*count));
    size_t m = 0;

    for (size_t i = 0; i < n; i++) {
        size_t j;
        for (j = 0; j < m; j++) {
            if (!table_cmp_values(v[j]->kv[k1], rows[i]->kv[k1]) &&
                (k2 < 0 || !table_cmp_values(v[j]->kv[k2], rows[i]->kv[k2])))
                break;
        }
        if (j == m)
            v[m++] = rows[i];
        count[j]++;
    }
    /* insertion sort: a handful of values */
    for (size_t i = 1; i < m; i++) {
        for (size_t j = i; j > 0; j--) {
            int c = table_cmp_values(v[j - 1]->kv[k1], v[j]->kv[k1]);
            if (!c && k2 >= 0)
                c = table_cmp_values(v[j - 1]->kv[k2], v[j]->kv[k2]);
            if (c <= 0)
                break;
            struct trow *t = v[j];
            size_t k = count[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
            count[j] = count[j - 1];
            count[j - 1] = k;
        }
    }
    /* with row counts, as the original extractor printed them */
    for (size_t i = 0; i < m; i++) {
        const char *a = v[i]->kv[k1];
        buf_addf(out, "%s%s", i ? ", " : "", a ? a : "(none)");
        if (k2 >= 0) {
            const char *b = v[i]->kv[k2];
            buf_addf(out, "/%s", b ? b : "(none)");
        }
        buf_addf(out, " (%zu)", count[i]);
    }
    free(count);
    free(v);
}

/* The days of the oldest and newest dated runs read, for the summary. */
static void run_dates(const struct extract *x, struct buf *out)
{
    const struct run_info *lo = NULL, *hi = NULL;
    char a[DATE_LEN + 1], b[DATE_LEN + 1];

    for (size_t i = 0; i < x->runs.n; i++) {
        const struct run_info *ri = &x->runs.v[i];
        if (!ri->created_at)
            continue;
        if (!lo || ri->created < lo->created)
            lo = ri;
        if (!hi || ri->created > hi->created)
            hi = ri;
    }
    if (lo && date_timestamp_day(lo->created_at, a) == 0 &&
        date_timestamp_day(hi->created_at, b) == 0)
        buf_addf(out, "%s to %s", a, b);
}

static void print_summary(const struct cli *cli, const struct extract *x,
                          const struct extract_opts *o, struct trow *const *rows, size_t nmerged,
                          size_t n, const char *out)
{
    const struct extract_stats *st = &x->st;
    struct buf b = BUF_INIT_MAX(BUF_MAX_DEFAULT), line = BUF_INIT;

    if (cli->quiet)
        return;
    buf_addf(&line, "Runs read: %zu", st->runs);
    if (x->selected.considered > x->selected.kept) {
        selection_note(x, o, &b);
        buf_addf(&line, " (of %zu cached: %s)", x->selected.considered, b.p);
        buf_reset(&b);
    }
    if (st->runs_empty)
        buf_addf(&line, " (%zu without rows)", st->runs_empty);
    if (st->runs_undated)
        buf_addf(&line, " (%zu undated: no run.json or no date in it)", st->runs_undated);
    run_dates(x, &b);
    if (b.len)
        buf_addf(&line, ", created %s", b.p);
    buf_reset(&b);
    msg_line("%s", line.p);
    buf_reset(&line);
    buf_addf(&line, "Rows of model %s: %lu before deduplication, %zu after", cli->model,
             st->rows_model, nmerged);
    if (row_filter_active(&cli->filter)) {
        row_filter_describe(&cli->filter, &b);
        buf_addf(&line, ", %zu matching %s", n, b.p);
        buf_reset(&b);
    }
    msg_line("%s", line.p);
    buf_release(&line);
    summarize_field(&b, rows, n, K_HW, -1);
    msg_line("GPUs: %s", b.p);
    buf_reset(&b);
    summarize_field(&b, rows, n, K_PRECISION, -1);
    msg_line("Precisions: %s", b.p);
    buf_reset(&b);
    summarize_field(&b, rows, n, K_ISL, K_OSL);
    msg_line("ISL/OSL pairs: %s", b.p);
    buf_release(&b);
    if (st->rows_agentic)
        msg_line("Skipped: %lu rows without fixed isl/osl (AgentX or unknown shape)",
                 st->rows_agentic);
    if (st->rows_bad)
        msg_line("Skipped: %lu rows with wrongly typed configuration fields", st->rows_bad);
    if (st->not_object)
        msg_line("Skipped: %lu array elements that were not row objects", st->not_object);
    if (st->files_damaged)
        msg_line("Damaged: %zu stored files missing or cut short since sync stored them ('imx "
                 "sync --repair' fetches them again)",
                 st->files_damaged);
    if (st->files_failed || st->dirs_failed)
        msg_line("Skipped: %zu unreadable files, %zu unreadable folders (%zu runs affected)",
                 st->files_failed, st->dirs_failed, st->runs_failed);
    if (st->runs_missing)
        msg_line("Skipped: %zu named runs not in the cache", st->runs_missing);
    if (st->runs_bad_meta)
        msg_line("Undated: %zu runs whose run.json is unreadable, malformed or has no valid "
                 "created_at (read as the oldest, or left out by the filters)",
                 st->runs_bad_meta);
    if (st->nan_tokens)
        msg_line("Read %lu NaN/Infinity values as missing", st->nan_tokens);
    if (st->seq_from_name)
        msg_line("Took isl/osl of %lu rows from their file names", st->seq_from_name);
    msg_line("Wrote %zu rows to %s", n, out);
}

static int cmp_model(const void *a, const void *b)
{
    return strcmp(((const struct model_count *)a)->prefix, ((const struct model_count *)b)->prefix);
}

/* Nothing usable for the table: say why, and for a named model which models the cache has
 * rows of (read again for all models: the first pass did not look at other models' rows). */
static int no_rows(const struct cli *cli, const struct extract_opts *o, const struct extract *x)
{
    struct buf b = BUF_INIT_MAX(BUF_MAX_DEFAULT);
    struct imx_err err = IMX_ERR_INIT;
    struct imx_diag quiet = {NULL, NULL, 0};
    struct extract_opts ao = *o;
    struct model_sel all;
    struct extract ax;
    size_t listed = 0;

    if (model_sel_init(&all, "all", &err) == 0) {
        ao.model = &all;
        ao.diag = &quiet;
        if (extract_run(&ax, &ao, &err) == 0) {
            if (ax.st.nmodels) /* qsort of NULL, 0 is undefined */
                qsort(ax.st.models, ax.st.nmodels, sizeof(*ax.st.models), cmp_model);
            for (size_t i = 0; i < ax.st.nmodels; i++) {
                const char *m = ax.st.models[i].prefix;
                if (!*m || !strcmp(m, "(unknown)"))
                    continue; /* no prefix to list (--model unknown names them) */
                buf_addf(&b, "%s%s (%lu rows)", listed++ ? ", " : "", m, ax.st.models[i].rows);
            }
            extract_release(&ax);
        }
        model_sel_release(&all);
    }
    if (listed && !o->model->all)
        msg_error("no rows of model '%s' in the cache; models there: %s", cli->model, b.p);
    else
        msg_error("no usable rows%s%s%s in the cache '%s': %zu runs, %lu rows read, %lu without "
                  "fixed isl/osl (AgentX or unknown shape), %zu files skipped",
                  o->model->all ? "" : " of model '", o->model->all ? "" : cli->model,
                  o->model->all ? "" : "'", o->cache, x->st.runs, x->st.rows, x->st.rows_agentic,
                  x->st.files_failed);
    buf_release(&b);
    return EXIT_DATA;
}

static void free_ids(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

/* No data after a failed sync: the sync's failure is the cause to report (3 rather than 5). */
static int no_data_status(int sync_status, int data_status)
{
    return sync_status == EXIT_OK || sync_status == EXIT_PARTIAL ? data_status : sync_status;
}

static int write_rows(enum out_format fmt, struct out *o, const struct colset *cs,
                      struct trow *const *rows, size_t n, const struct run_list *runs,
                      struct imx_err *err)
{
    if (fmt == FMT_JSONL)
        return jsonl_rows(o->fp, o->label, cs, rows, n, runs, err);
    return csv_rows(o->fp, o->label, cs, rows, n, runs, err);
}

static int write_failed(struct out *o, const struct imx_err *err)
{
    msg_error("%s%s", err->msg, o->af.tmp ? " (the previous file, if any, is unchanged)" : "");
    out_abort(o);
    return EXIT_FS;
}

static int write_output(const char *path, enum out_format fmt, const struct colset *cs,
                        struct trow *const *rows, size_t n, const struct extract *x)
{
    struct imx_err err = IMX_ERR_INIT;
    struct out o;
    int status = out_open(&o, path, 0);

    if (status != EXIT_OK)
        return status;
    if ((fmt == FMT_CSV && csv_header(o.fp, o.label, cs, &err) < 0) ||
        write_rows(fmt, &o, cs, rows, n, &x->runs, &err) < 0)
        return write_failed(&o, &err);
    return out_commit(&o);
}

/* --history: every run's rows, written run by run as they arrive. The columns are fixed before
 * the rows are seen; a run bringing a column the set lacks (a new topology field, or any new
 * field for --columns all) makes a second pass with the columns of every run. */
struct history {
    const struct cli *cli;
    const struct gpu_table *gpus; /* for the derived columns */
    const struct extract *x;
    enum out_format fmt;
    struct out out;
    struct colset cs;
    struct colwatch watch;
    struct trow **reps; /* one row per column the first pass found missing */
    size_t nreps, capreps;
    int pass;    /* 1, or 2 for the second pass */
    int restart; /* the first pass found a missing column: stop writing, collect */
    size_t runs; /* runs with rows */
    unsigned long rows;
    struct imx_err err;
};

static int history_columns(struct history *h)
{
    colset_release(&h->cs);
    if (colset_build(&h->cs, h->cli->columns, h->reps, h->nreps, &h->err) < 0)
        return -IMX_EUSAGE;
    colset_set_gpus(&h->cs, h->gpus);
    h->cs.csv_safe = h->cli->csv_safe;
    if (!h->cli->columns || !strcmp(h->cli->columns, "default") ||
        !strcmp(h->cli->columns, "seed") || !strcmp(h->cli->columns, "all"))
        colset_add_run_columns(&h->cs);
    return 0;
}

static int history_run(void *ud, const struct run_info *run, struct trow **rows, size_t n)
{
    struct history *h = ud;

    (void)run;
    n = row_filter_keep(&h->cli->filter, rows, n);
    if (h->pass == 1) {
        for (size_t i = 0; i < n; i++) {
            if (colset_covers(&h->watch, &h->cs, rows[i]))
                continue;
            ALLOC_GROW(h->reps, h->nreps + 1, h->capreps);
            h->reps[h->nreps++] = trow_clone(rows[i]);
            if (history_columns(h) < 0)
                return -IMX_EUSAGE;
            h->restart = 1;
        }
    }
    h->runs += n > 0;
    h->rows += n;
    if (h->restart)
        return 0;
    return write_rows(h->fmt, &h->out, &h->cs, rows, n, &h->x->runs, &h->err);
}

static int history_pass(struct history *h, struct extract *x, const struct extract_opts *o,
                        int *status)
{
    struct imx_err err = IMX_ERR_INIT;
    int r;

    h->x = x;
    h->runs = 0;
    h->rows = 0;
    if (h->fmt == FMT_CSV && csv_header(h->out.fp, h->out.label, &h->cs, &h->err) < 0) {
        *status = write_failed(&h->out, &h->err);
        return -1;
    }
    r = extract_each_run(x, o, history_run, h, &err);
    if (r < 0 && h->err.code == IMX_EIO) {
        *status = write_failed(&h->out, &h->err);
        return -1;
    }
    if (r < 0) {
        msg_error("%s", h->err.code ? h->err.msg : err.msg);
        out_abort(&h->out);
        *status = h->err.code == IMX_EUSAGE ? EXIT_USAGE : exit_for(err.code);
        return -1;
    }
    return 0;
}

/* Every run's rows (--history, SQLite) that came to nothing: no runs, no rows of the model, or
 * filters that leave none; written rows: how many passed the filters. */
static int no_history(const struct cli *cli, const struct cli_selection *s, const struct extract *x,
                      unsigned long written)
{
    int status = cli_no_runs(x, &s->o);

    if (status != EXIT_OK || written)
        return status;
    if (x->st.rows_model == 0 || !row_filter_active(&cli->filter))
        return no_rows(cli, &s->o, x);
    /* as the newest table: filters that leave nothing are an error, not an empty file */
    return cli_filtered_empty(cli, s, 0, x->st.rows_model);
}

static int extract_history(struct cli *cli, const struct cli_selection *s, struct extract *x,
                           struct extract_opts *o, const char *path, enum out_format fmt,
                           const struct gpu_table *g)
{
    struct history h;
    int status = EXIT_OK;

    memset(&h, 0, sizeof(h));
    h.cli = cli;
    h.gpus = g;
    h.fmt = fmt;
    h.pass = 1;
    colwatch_init(&h.watch, cli->columns);
    if (history_columns(&h) < 0) {
        msg_error("%s", h.err.msg);
        status = EXIT_USAGE;
        goto done;
    }
    status = out_open(&h.out, path, 1);
    if (status != EXIT_OK)
        goto done;
    if (history_pass(&h, x, o, &status) < 0)
        goto done;
    if (h.restart) {
        extract_release(x);
        h.pass = 2;
        h.restart = 0;
        status = out_rewind(&h.out);
        if (status != EXIT_OK) {
            out_abort(&h.out);
            goto done;
        }
        if (history_pass(&h, x, o, &status) < 0)
            goto done;
    }
    if ((status = no_history(cli, s, x, h.rows)) != EXIT_OK) {
        out_abort(&h.out);
        goto done;
    }
    status = out_commit(&h.out);
    if (status == EXIT_OK && !cli->quiet) {
        msg_line("Runs read: %zu", x->st.runs);
        msg_line("Rows of model %s: %lu in the history (%zu runs with rows)", cli->model, h.rows,
                 h.runs);
        msg_line("Wrote %lu rows to %s", h.rows, h.out.label);
    }
    if (status == EXIT_OK && extract_incomplete(x)) {
        if (!cli->quiet)
            msg_line("imx: the history is incomplete: some input was skipped (see above)");
        status = EXIT_PARTIAL;
    }
done:
    for (size_t i = 0; i < h.nreps; i++)
        free(h.reps[i]);
    free(h.reps);
    colset_release(&h.cs);
    colwatch_release(&h.watch);
    return status;
}

/* --format sqlite: every run's rows and the merged table's view in one database, updated in
 * place with only the new or changed runs when it exists. */
static int extract_sqlite(struct cli *cli, const struct cli_selection *s, struct extract *x,
                          const char *path, const struct gpu_table *g)
{
    const struct extract_opts *o = &s->o;
    struct imx_err err = IMX_ERR_INIT;
    struct sqldb_stats st;
    struct out dirs; /* only the folders it makes */
    int status, r;

    if (!strcmp(path, "-")) {
        msg_error("a SQLite database cannot go to standard output: name a file with -o");
        return EXIT_USAGE;
    }
    memset(&dirs, 0, sizeof(dirs));
    if (out_make_parent(&dirs, path) != EXIT_OK)
        return EXIT_FS;
    r = sqldb_write(path, o, &cli->filter, g, x, &st, &err);
    out_made_done(&dirs, r < 0);
    if (r < 0) {
        if (st.empty)
            return no_history(cli, s, x, 0);
        if (err.code == IMX_ENOTFOUND && cli_no_runs(x, o) != EXIT_OK)
            return EXIT_DATA;
        msg_error("%s (the previous database, if any, is unchanged)", err.msg);
        return exit_for(err.code);
    }
    if (!cli->quiet) {
        if (st.rebuilt)
            msg_line("Built %s: %zu runs, %lu rows, %lu in the view latest", path, st.runs_total,
                     st.rows_total, st.latest);
        else
            msg_line("Updated %s: %zu runs added, %zu replaced, %zu removed (%lu rows added); "
                     "%zu runs, %lu rows, %lu in the view latest",
                     path, st.runs_added, st.runs_replaced, st.runs_removed, st.rows_added,
                     st.runs_total, st.rows_total, st.latest);
    }
    status = EXIT_OK;
    if (extract_incomplete(x)) {
        if (!cli->quiet)
            msg_line("imx: the database is incomplete: some input was skipped (see above)");
        status = EXIT_PARTIAL;
    }
    return status;
}

/* -o, else by_model/<MODEL>/inferencemax.<format's extension>. */
static char *default_output(const struct cli *cli, const struct model_sel *sel, enum out_format fmt)
{
    struct buf p = BUF_INIT_MAX(BUF_LIST_MAX);
    char *dir;

    if (cli->output)
        return xstrdup(cli->output);
    dir = model_sel_dirname(sel);
    buf_addf(&p, "by_model/%s/inferencemax.%s", dir, out_format_ext(fmt));
    free(dir);
    return buf_detach(&p, NULL);
}

int cli_selection_init(struct cli *cli, struct cli_selection *s)
{
    struct imx_err err = IMX_ERR_INIT;

    memset(s, 0, sizeof(*s));
    s->diag.fn = msg_diag;
    s->diag.ud = cli;
    s->sync_status = EXIT_OK;
    if (!cli->model)
        cli->model = MODEL_DEFAULT;
    if (model_sel_init(&s->sel, cli->model, &err) < 0) {
        msg_error("%s", err.msg);
        return EXIT_USAGE;
    }
    s->have_sel = 1;
    cli_extract_opts(cli, &s->o);
    if (!cli->offline) {
        /* the old script's one-shot job: fetch what the selection names, then extract it */
        int explicit = cli->nids || cli->collect_recent > 0 || cli->since || cli->until;
        s->sync_status = cli_sync_selected(cli, &s->synced, &s->nsynced);
        if (s->sync_status == EXIT_USAGE || s->sync_status == EXIT_INTR)
            return s->sync_status;
        if (s->sync_status == EXIT_NET || s->sync_status == EXIT_FS)
            msg_warn("the sync did not complete: extracting what the cache holds (with no "
                     "network, or a cache imx may not write to, --offline reads the cache "
                     "without syncing)");
        else if (s->sync_status != EXIT_OK)
            msg_warn("the sync did not complete: extracting what the cache holds");
        if (explicit && s->nsynced) {
            /* exactly the runs the selection resolved to */
            s->o.ids = s->synced;
            s->o.nids = s->nsynced;
            memset(&s->o.select, 0, sizeof(s->o.select));
        }
    }
    s->o.model = &s->sel;
    s->o.diag = &s->diag;
    return EXIT_OK;
}

void cli_selection_release(struct cli_selection *s)
{
    if (s->have_sel)
        model_sel_release(&s->sel);
    free_ids(s->synced, s->nsynced);
    memset(s, 0, sizeof(*s));
}

int cli_no_runs(const struct extract *x, const struct extract_opts *o)
{
    if (x->st.runs == 0 && x->selected.considered > 0) {
        struct buf b = BUF_INIT_MAX(BUF_LIST_MAX);
        selection_note(x, o, &b);
        msg_error("no cached run matches the selection: %zu run%s in the cache '%s', %s",
                  x->selected.considered, x->selected.considered == 1 ? "" : "s", o->cache, b.p);
        buf_release(&b);
        return EXIT_DATA;
    }
    if (x->st.runs == 0 && o->nids == 0) {
        msg_error("no runs in the cache '%s' (expected run_<ID>/ folders; 'imx sync' fills it)",
                  o->cache);
        return EXIT_DATA;
    }
    return EXIT_OK;
}

int cli_selection_check(const struct cli *cli, const struct cli_selection *s,
                        const struct extract *x)
{
    int status = cli_no_runs(x, &s->o);

    if (status != EXIT_OK)
        return no_data_status(s->sync_status, status);
    /* per-run streams (extract_each_run) leave the table empty: rows_model tells */
    if (x->table.count == 0 && x->st.rows_model == 0)
        return no_data_status(s->sync_status, no_rows(cli, &s->o, x));
    return EXIT_OK;
}

int cli_filtered_empty(const struct cli *cli, const struct cli_selection *s, size_t n,
                       size_t nmerged)
{
    struct buf b = BUF_INIT_MAX(BUF_LIST_MAX);

    if (n > 0 || nmerged == 0)
        return EXIT_OK;
    row_filter_describe(&cli->filter, &b);
    msg_error("no rows of model '%s' match %s (%zu rows before the filters)", cli->model, b.p,
              nmerged);
    buf_release(&b);
    return no_data_status(s->sync_status, EXIT_DATA);
}

/* --model all without -o: one file per model under by_model/<canonical name>/, each with the
 * columns of its own rows. rows are in the table's order; each model's keep it. Rows go by
 * folder, not by prefix: two spellings of one model (70b, llama70b) share one file (each once
 * replaced the other's). */
static int write_per_model(const struct cli *cli, enum out_format fmt, struct trow **rows, size_t n,
                           const struct extract *x, const struct gpu_table *g)
{
    struct trow **sub = xmalloc((n + 1) * sizeof(*sub));
    char *done = xcalloc(n + 1, 1);
    const char **dirs = xcalloc(n + 1, sizeof(*dirs)); /* each row's folder */
    struct {
        const char *prefix;
        char *dir;
    } *seen = NULL; /* folders of the prefixes met */
    size_t nseen = 0, capseen = 0;
    int status = EXIT_OK;

    for (size_t i = 0; i < n; i++) {
        const char *prefix = rows[i]->kv[K_PREFIX];
        size_t k;
        for (k = 0; k < nseen; k++)
            if (prefix && seen[k].prefix ? !strcasecmp(prefix, seen[k].prefix)
                                         : prefix == seen[k].prefix)
                break;
        if (k == nseen) {
            ALLOC_GROW(seen, nseen + 1, capseen);
            seen[nseen].prefix = prefix;
            seen[nseen++].dir = model_prefix_dirname(prefix);
        }
        dirs[i] = seen[k].dir;
    }
    for (size_t i = 0; i < n && status == EXIT_OK; i++) {
        struct imx_err err = IMX_ERR_INIT;
        struct colset cs;
        struct buf path = BUF_INIT_MAX(BUF_LIST_MAX);
        size_t k = 0;

        if (done[i])
            continue;
        for (size_t j = i; j < n; j++) {
            if (!done[j] && !strcmp(dirs[i], dirs[j])) {
                done[j] = 1;
                sub[k++] = rows[j];
            }
        }
        buf_addf(&path, "by_model/%s/inferencemax.%s", dirs[i], out_format_ext(fmt));
        if (colset_build(&cs, cli->columns, sub, k, &err) < 0) {
            msg_error("%s", err.msg);
            status = EXIT_USAGE;
        } else {
            const char *prefix = rows[i]->kv[K_PREFIX];
            colset_set_gpus(&cs, g);
            cs.csv_safe = cli->csv_safe;
            status = write_output(path.p, fmt, &cs, sub, k, x);
            if (status == EXIT_OK && !cli->quiet)
                msg_line("Wrote %zu rows of %s to %s", k, prefix ? prefix : "(unknown)", path.p);
            colset_release(&cs);
        }
        buf_release(&path);
    }
    for (size_t k = 0; k < nseen; k++)
        free(seen[k].dir);
    free(seen);
    free(dirs);
    free(sub);
    free(done);
    return status;
}

int cmd_extract(struct cli *cli)
{
    struct imx_err err = IMX_ERR_INIT;
    struct cli_selection s;
    struct gpu_table g;
    struct extract x;
    struct extract_opts *o = &s.o;
    struct colset cs;
    struct trow **rows;
    char *outpath = NULL;
    enum out_format fmt;
    size_t n, nmerged;
    int status = EXIT_OK;

    memset(&x, 0, sizeof(x));
    if ((status = cli_gpu_table(cli, &g)) != EXIT_OK)
        return status;
    status = cli_selection_init(cli, &s);
    if (status == EXIT_USAGE || status == EXIT_INTR) {
        cli_selection_release(&s);
        gpu_table_release(&g);
        return status;
    }
    status = EXIT_OK;
    fmt = out_format_of(cli->format, cli->output);
    outpath = default_output(cli, &s.sel, fmt);
    if (fmt == FMT_SQLITE) {
        status = extract_sqlite(cli, &s, &x, outpath, &g);
        status = cli_worse_status(status, s.sync_status);
        goto done;
    }
    if (cli->history) {
        status = extract_history(cli, &s, &x, o, outpath, fmt, &g);
        status = cli_worse_status(status, s.sync_status);
        goto done;
    }
    if (extract_run(&x, o, &err) < 0) {
        msg_error("%s", err.msg);
        status = cli_worse_status(s.sync_status, exit_for(err.code));
        goto done;
    }
    if ((status = cli_selection_check(cli, &s, &x)) != EXIT_OK)
        goto done;
    rows = table_sorted(&x.table, &n);
    nmerged = n;
    /* after the merge: a filter never changes which run's row a configuration keeps */
    n = row_filter_keep(&cli->filter, rows, n);
    if ((status = cli_filtered_empty(cli, &s, n, nmerged)) != EXIT_OK)
        goto out;
    if (colset_build(&cs, cli->columns, rows, n, &err) < 0) {
        msg_error("%s", err.msg);
        status = EXIT_USAGE;
        goto out;
    }
    colset_set_gpus(&cs, &g);
    cs.csv_safe = cli->csv_safe;
    if (s.sel.all && !cli->output) {
        status = write_per_model(cli, fmt, rows, n, &x, &g);
        free(outpath);
        outpath = xstrdup("by_model/ (one file per model)");
    } else {
        /* one file of every model: the rows say which model (a list is as the user chose) */
        if (s.sel.all && (!cli->columns || !strcmp(cli->columns, "seed")))
            colset_add_model_columns(&cs);
        status = write_output(outpath, fmt, &cs, rows, n, &x);
    }
    if (status == EXIT_OK) {
        print_summary(cli, &x, o, rows, nmerged, n,
                      !strcmp(outpath, "-") ? "standard output" : outpath);
        if (colset_has_derived(&cs))
            cli_gpu_summary_rows(cli, &g, rows, n);
        if (extract_incomplete(&x)) {
            if (!cli->quiet)
                msg_line("imx: the table is incomplete: some input was skipped (see above)");
            status = EXIT_PARTIAL;
        }
    }
    colset_release(&cs);
    if (status == EXIT_OK || status == EXIT_PARTIAL)
        status = cli_worse_status(status, s.sync_status);
out:
    free(rows);
done:
    free(outpath);
    extract_release(&x);
    cli_selection_release(&s);
    gpu_table_release(&g);
    return status;
}
