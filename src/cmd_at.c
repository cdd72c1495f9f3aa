/* cmd_at: `imx at`: the dashboard's calculator. Every series of the newest row of each
 * configuration, interpolated along its throughput/interactivity front at one target. */
#include "analysis.h"

#include <stdio.h>
#include <string.h>

static void summary(const struct cli *cli, const struct pareto *p, enum calc_mode mode,
                    double target, size_t rows, size_t answered)
{
    if (cli->quiet)
        return;
    msg_line("Rows of model %s: %zu (the newest of every configuration)", cli->model, rows);
    msg_line("At %s %g: %zu series, %zu answered, %zu without an answer (see the note column)",
             mode == CALC_INTERACTIVITY ? "interactivity" : "throughput", target, p->n, answered,
             p->n - answered);
    if (p->st.no_x + p->st.no_y)
        msg_line("Left out: %zu rows without interactivity or throughput", p->st.no_x + p->st.no_y);
    cli_wrote(cli, p->n);
}

int cmd_at(struct cli *cli)
{
    struct imx_err err = IMX_ERR_INIT;
    struct cli_analysis a;
    struct pareto p;
    struct pareto_opts po;
    enum calc_mode mode;
    double target;
    size_t answered = 0;
    int metric, status;

    memset(&p, 0, sizeof(p));
    if ((status = cli_calc_target(cli, &mode, &target, &metric)) != EXIT_OK)
        return status;
    if ((status = cli_analysis_begin(cli, &a, 1)) != EXIT_OK)
        goto done;
    calc_pareto_opts(&po, mode, &a.g, &a.x.runs);
    if (pareto_build(&p, a.rows, a.n, &po, &err) < 0) {
        msg_error("%s", err.msg);
        status = exit_for(err.code);
        goto done;
    }
    buf_adds(&a.out, series_header);
    buf_adds(&a.out, answer_header);
    buf_addc(&a.out, '\n');
    cli_answers(&a.out, &p, mode, target, metric, &a.x.runs, NULL, &answered);
    status = cli_analysis_finish(cli, &a);
    if (status == EXIT_OK || status == EXIT_PARTIAL) {
        summary(cli, &p, mode, target, a.n, answered);
        cli_gpu_summary(cli, &a.g, &p);
    }
done:
    pareto_release(&p);
    cli_analysis_release(&a);
    return status;
}
