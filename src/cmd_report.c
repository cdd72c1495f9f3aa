/* cmd_report: `imx report`: one self-contained HTML file of the whole cache or a selection
 * (charts, calculator tables, provenance), readable offline, on a phone and in print. */
#include "analysis.h"
#include "render/report.h"
#include "table/diff.h"
#include "table/extract.h"

#include <stdio.h>

/* The trend's interactivity target (tok/s/user), one of the calculator table's. */
#define TREND_TARGET 50
#include <stdlib.h>
#include <string.h>

/* The newest run of x created before `before` (a date; NULL: any), or NULL. */
static const struct run_info *newest_run(const struct extract *x, const char *before)
{
    const struct run_info *best = NULL;

    for (size_t i = 0; i < x->runs.n; i++) {
        const struct run_info *ri = &x->runs.v[i];
        if (!ri->created_at || (before && strncmp(ri->created_at, before, 10) >= 0))
            continue;
        if (!best || strcmp(ri->created_at, best->created_at) > 0)
            best = ri;
    }
    return best;
}

/*
 * The changes since the previous run day, as `imx diff PREV NEWEST` on dates: the merged table
 * as of the end of the run day before the newest one against the rows. Nothing when there is
 * no earlier run day (or it cannot be read: the report goes on without it, saying so).
 */
static void load_changes(struct cli *cli, struct trow *const *rows, size_t n,
                         const struct extract *x, struct extract *old, struct trow ***orows,
                         struct report_opts *ro, struct buf *labels)
{
    struct imx_err err = IMX_ERR_INIT;
    struct imx_diag quiet = {NULL, NULL, 0}; /* the first pass said it all */
    const struct run_info *nr = newest_run(x, NULL), *pr;
    struct model_sel msel;
    struct extract_opts o;
    char day[11];
    size_t nold;

    if (!nr || !(pr = newest_run(x, nr->created_at)))
        return;
    snprintf(day, sizeof(day), "%.10s", pr->created_at);
    if (model_sel_init(&msel, cli->model, &err) < 0)
        return;
    cli_extract_opts(cli, &o);
    o.model = &msel;
    o.diag = &quiet;
    o.select.until = day;
    if (extract_run(old, &o, &err) < 0) {
        msg_warn("no changes since the previous run: %s", err.msg);
    } else {
        *orows = table_sorted(&old->table, &nold);
        nold = row_filter_keep(&cli->filter, *orows, nold);
        ro->changes = diff_tables(*orows, nold, rows, n, &ro->nchanges);
        buf_addf(labels, "run %s (%.10s)", pr->id, pr->created_at);
        buf_addc(labels, '\0');
        buf_addf(labels, "run %s (%.10s)", nr->id, nr->created_at);
        ro->old_run = labels->p;
        ro->new_run = labels->p + strlen(labels->p) + 1;
    }
    model_sel_release(&msel);
}

int cmd_report(struct cli *cli)
{
    struct imx_err err = IMX_ERR_INIT;
    const char *out = cli->output ? cli->output : "imx-report.html";
    struct gpu_table gpus;
    struct report_opts ro;
    struct report_stats st;
    struct report_trend trend;
    struct extract x, old;
    struct trow **rows, **orows = NULL;
    struct buf page = BUF_INIT, sel = BUF_INIT_MAX(BUF_LIST_MAX),
               labels = BUF_INIT_MAX(BUF_LIST_MAX);
    size_t n;
    int status, st2;

    memset(&ro, 0, sizeof(ro));
    memset(&old, 0, sizeof(old));
    status = cli_rows_offline(cli, &x, &rows, &n);
    if (status != EXIT_OK && status != EXIT_PARTIAL)
        goto out;
    if ((st2 = cli_gpu_table(cli, &gpus)) != EXIT_OK) {
        status = st2;
        goto out;
    }
    if (cli->model && strcmp(cli->model, "all"))
        buf_addf(&sel, "--model %s", cli->model);
    if (row_filter_active(&cli->filter)) {
        if (sel.len)
            buf_addc(&sel, ' ');
        row_filter_describe(&cli->filter, &sel);
    }
    /* the trend: a second pass over the same runs, run by run (memory: one run day) */
    report_trend_init(&trend, TREND_TARGET, &gpus, &cli->filter);
    {
        struct imx_diag quiet = {NULL, NULL, 0}; /* the first pass said it all */
        struct model_sel msel;
        struct extract_opts o;
        struct extract hx;

        if (model_sel_init(&msel, cli->model, &err) == 0) {
            cli_extract_opts(cli, &o);
            o.model = &msel;
            o.diag = &quiet;
            if (extract_each_run(&hx, &o, report_trend_run, &trend, &err) < 0 ||
                report_trend_finish(&trend) < 0) {
                msg_warn("no trend: %s", err.code ? err.msg : trend.err.msg);
                report_trend_release(&trend);
                report_trend_init(&trend, TREND_TARGET, &gpus, &cli->filter);
            }
            extract_release(&hx);
            model_sel_release(&msel);
        }
    }
    load_changes(cli, rows, n, &x, &old, &orows, &ro, &labels);
    ro.new_run = ro.new_run ? ro.new_run : "the newest run";
    ro.trend = &trend;
    ro.cache = cli_cache_dir(cli);
    ro.selection = sel.p;
    ro.gpus = &gpus;
    if (report_write(&page, rows, n, &x, &ro, &st, &err) < 0) {
        msg_error("%s", err.msg);
        st2 = exit_for(err.code);
    } else {
        st2 = cli_write_file(out, &page);
    }
    if (st2 == EXIT_OK && !cli->quiet)
        msg_line("Wrote %s: %zu model and sequence pairs, %zu charts (%zu points), %zu tables, "
                 "%zu KB",
                 out, st.sections, st.charts, st.points, st.tables, page.len / 1024);
    if (st2 != EXIT_OK)
        status = st2;
    report_trend_release(&trend);
    gpu_table_release(&gpus);
out:
    free(rows);
    free(orows);
    free((void *)ro.changes);
    extract_release(&old);
    extract_release(&x);
    buf_release(&labels);
    buf_release(&page);
    buf_release(&sel);
    return status;
}
