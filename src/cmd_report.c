/* cmd_report: `imx report`: one self-contained HTML file of the whole cache or a selection
 * (charts, calculator tables, provenance), readable offline, on a phone and in print. */
#include "analysis.h"
#include "render/report.h"
#include "table/extract.h"

#include <stdio.h>

/* The trend's interactivity target (tok/s/user), one of the calculator table's. */
#define TREND_TARGET 50
#include <stdlib.h>
#include <string.h>

int cmd_report(struct cli *cli)
{
    struct imx_err err = IMX_ERR_INIT;
    const char *out = cli->output ? cli->output : "imx-report.html";
    struct gpu_table gpus;
    struct report_opts ro;
    struct report_stats st;
    struct report_trend trend;
    struct extract x;
    struct trow **rows;
    struct buf page = BUF_INIT, sel = BUF_INIT_MAX(8192);
    size_t n;
    int status, st2;

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
    memset(&ro, 0, sizeof(ro));
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
        fprintf(stderr,
                "Wrote %s: %zu model and sequence pairs, %zu charts (%zu points), %zu tables, "
                "%zu KB\n",
                out, st.sections, st.charts, st.points, st.tables, page.len / 1024);
    if (st2 != EXIT_OK)
        status = st2;
    report_trend_release(&trend);
    gpu_table_release(&gpus);
out:
    free(rows);
    extract_release(&x);
    buf_release(&page);
    buf_release(&sel);
    return status;
}
