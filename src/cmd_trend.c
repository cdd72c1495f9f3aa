/* cmd_trend: `imx trend`: the calculator's answer for every run day, from that day's rows only
 * (every run of the day; of two runs measuring one configuration the later one counts), read
 * run by run from the cache so that memory holds one day at a time. */
#include "analysis.h"
#include "util/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct trend {
    const struct cli *cli;
    const struct gpu_table *g;
    const struct extract *x;
    enum calc_mode mode;
    double target;
    int metric;
    char day[DATE_LEN + 1]; /* the day being gathered */
    struct table t;         /* its rows: newest-wins within the day */
    struct buf *out;
    size_t days, lines, answered, undated_runs, rows;
    size_t kept;            /* rows the filters kept, dated or not */
    struct pareto left_out; /* every day's statistics: what was left out and why */
};

/* The day's answers, then an empty table for the next day. */
static void flush_day(struct trend *tr)
{
    struct imx_err err = IMX_ERR_INIT;
    struct pareto_opts po;
    struct pareto p;
    struct trow **rows;
    size_t n;

    if (!tr->t.count)
        return;
    rows = table_sorted(&tr->t, &n);
    calc_pareto_opts(&po, tr->mode, tr->g, &tr->x->runs);
    if (pareto_build(&p, rows, n, &po, &err) == 0) {
        cli_answers(tr->out, &p, tr->mode, tr->target, tr->metric, &tr->x->runs, tr->day,
                    &tr->answered);
        tr->lines += p.n;
        pareto_add_stats(&tr->left_out, &p);
        pareto_release(&p);
    }
    tr->days++;
    tr->rows += n;
    free(rows);
    table_release(&tr->t);
    table_init(&tr->t);
}

static int trend_run(void *ud, const struct run_info *run, struct trow **rows, size_t n)
{
    struct trend *tr = ud;
    char day[DATE_LEN + 1];

    n = row_filter_keep(&tr->cli->filter, rows, n);
    tr->kept += n;
    if (!run->created_at || date_timestamp_day(run->created_at, day) < 0) {
        tr->undated_runs += n > 0;
        return 0;
    }
    /* runs arrive oldest first, so a day's runs are consecutive */
    if (strcmp(day, tr->day)) {
        flush_day(tr);
        memcpy(tr->day, day, sizeof(day));
    }
    for (size_t i = 0; i < n; i++)
        table_put(&tr->t, trow_clone(rows[i]));
    return 0;
}

static void summary(const struct cli *cli, const struct trend *tr, const struct extract *x)
{
    if (cli->quiet)
        return;
    msg_line("Runs read: %zu; rows of model %s: %zu over %zu run days", x->st.runs, cli->model,
             tr->rows, tr->days);
    msg_line("Trend at %s %g: %zu series-days, %zu answered, %zu without an answer (see "
             "the note column)",
             tr->mode == CALC_INTERACTIVITY ? "interactivity" : "throughput", tr->target, tr->lines,
             tr->answered, tr->lines - tr->answered);
    if (tr->undated_runs)
        msg_line("Left out: %zu runs without a date (no run.json or no created_at)",
                 tr->undated_runs);
    if (tr->left_out.st.no_x + tr->left_out.st.no_y)
        msg_line("Left out: %zu rows without interactivity or throughput",
                 tr->left_out.st.no_x + tr->left_out.st.no_y);
    cli_wrote(cli, tr->lines);
}

int cmd_trend(struct cli *cli)
{
    struct imx_err err = IMX_ERR_INIT;
    struct cli_analysis a;
    struct trend tr;
    int status;

    memset(&tr, 0, sizeof(tr));
    if ((status = cli_calc_target(cli, &tr.mode, &tr.target, &tr.metric)) != EXIT_OK)
        return status;
    table_init(&tr.t);
    if ((status = cli_analysis_begin(cli, &a, 0)) != EXIT_OK)
        goto done;
    tr.cli = cli;
    tr.g = &a.g;
    tr.x = &a.x;
    tr.out = &a.out;
    buf_adds(&a.out, "date,");
    buf_adds(&a.out, series_header);
    buf_adds(&a.out, answer_header);
    buf_addc(&a.out, '\n');
    if (extract_each_run(&a.x, &a.s.o, trend_run, &tr, &err) < 0) {
        msg_error("%s", err.msg);
        status = cli_worse_status(a.s.sync_status, exit_for(err.code));
        goto done;
    }
    flush_day(&tr);
    if ((status = cli_selection_check(cli, &a.s, &a.x)) != EXIT_OK)
        goto done;
    /* the words of every command (extract --history's count: rows of every run) */
    if ((status = cli_filtered_empty(cli, &a.s, tr.kept, a.x.st.rows_model)) != EXIT_OK)
        goto done;
    if (!tr.rows) {
        msg_error("no rows of model '%s' are dated: %zu runs without a valid created_at (or no "
                  "run.json)",
                  cli->model, tr.undated_runs);
        status = EXIT_DATA;
        goto done;
    }
    status = cli_analysis_finish(cli, &a);
    if (status == EXIT_OK || status == EXIT_PARTIAL) {
        summary(cli, &tr, &a.x);
        cli_gpu_summary(cli, &a.g, &tr.left_out);
    }
done:
    pareto_release(&tr.left_out);
    table_release(&tr.t);
    cli_analysis_release(&a);
    return status;
}
