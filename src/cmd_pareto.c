/* cmd_pareto: `imx pareto`: the front of every series, with the dashboard's direction for the
 * chart and metric, its row selection (the newest run day per series) and its display limits. */
#include "analysis.h"
#include "table/fields.h"
#include "util/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The configuration columns after the fixed ones (the series' own fields are there already). */
static int config_column(int k)
{
    return k != K_PREFIX && k != K_ISL && k != K_OSL && k != K_CONC && k != K_PRECISION &&
           k != K_DISAGG;
}

static void write_header(struct buf *b, int all_points)
{
    buf_adds(b, series_header);
    buf_adds(b, ",x,y");
    if (all_points)
        buf_adds(b, ",on_front");
    buf_adds(b, ",concurrency,run_id,benchmark_date");
    for (int k = 0; k < NKEY; k++)
        if (config_column(k))
            buf_addf(b, ",%s", k == K_FRAMEWORK ? "source_framework" : key_fields[k].csv);
    buf_addc(b, '\n');
}

static void write_point(struct buf *b, const struct aseries *s, const struct apoint *p,
                        int all_points, const struct run_list *runs)
{
    const struct run_info *ri = p->row->rank.run < runs->n ? &runs->v[p->row->rank.run] : NULL;

    cell_series(b, &s->id);
    cell_num(b, p->x);
    cell_num(b, p->y);
    if (all_points)
        cell_str(b, p->on_front ? "1" : "0");
    cell_str(b, p->row->kv[K_CONC]);
    cell_str(b, ri ? ri->id : NULL);
    cell_str(b, ri ? ri->created_at : NULL);
    for (int k = 0; k < NKEY; k++)
        if (config_column(k))
            cell_str(b, p->row->kv[k]);
    buf_addc(b, '\n');
}

static void summary(const struct cli *cli, const struct pareto *p, const struct pareto_opts *o,
                    size_t rows_written)
{
    const struct pareto_stats *st = &p->st;

    if (cli->quiet)
        return;
    msg_line("Rows of model %s: %zu", cli->model, st->rows);
    msg_line("Pareto: y %s, x %s, %s, rows: %s", o->y >= 0 ? metric_info[o->y].name : o->y_column,
             metric_info[o->x].name, front_dir_name(p->dir),
             o->dedup == DEDUP_DASHBOARD ? "each series' newest run day (the dashboard's)"
                                         : "the newest of every configuration");
    msg_line("Series: %zu, points: %zu, on the fronts: %zu", p->n, st->points, st->front);
    if (st->older_day)
        msg_line("Left out: %zu rows of older run days than their series' newest", st->older_day);
    if (st->no_x)
        msg_line("Left out: %zu rows without x (%s)", st->no_x, metric_info[o->x].name);
    if (st->no_y)
        msg_line("Left out: %zu rows without y (missing, or no constants for their GPU)", st->no_y);
    if (st->over_cost)
        msg_line("Left out: %zu points costing more than $%g per million tokens "
                 "(--max-cost, --no-limits)",
                 st->over_cost, o->max_cost);
    if (st->over_ttft)
        msg_line("Left out: %zu points with a TTFT above %g s (--max-ttft, --no-limits)",
                 st->over_ttft, o->max_ttft);
    cli_wrote(cli, rows_written);
}

int cmd_pareto(struct cli *cli)
{
    struct imx_err err = IMX_ERR_INIT;
    struct cli_analysis a;
    struct pareto p;
    struct pareto_opts po;
    char *column = NULL;
    size_t written = 0;
    int status;

    memset(&p, 0, sizeof(p));
    if ((status = cli_analysis_begin(cli, &a, 1)) != EXIT_OK)
        goto done;
    cli_pareto_opts(cli, &po);
    if ((status = cli_resolve_metric(cli, a.rows, a.n, &po, &column)) != EXIT_OK)
        goto done;
    po.gpus = &a.g;
    po.runs = &a.x.runs;
    if (pareto_build(&p, a.rows, a.n, &po, &err) < 0) {
        msg_error("%s", err.msg);
        status = exit_for(err.code);
        goto done;
    }
    write_header(&a.out, cli->all_points);
    for (size_t i = 0; i < p.n; i++) {
        const struct aseries *sr = &p.v[i];
        for (size_t k = 0; k < sr->n; k++) {
            if (!cli->all_points && !sr->p[k].on_front)
                continue;
            write_point(&a.out, sr, &sr->p[k], cli->all_points, &a.x.runs);
            written++;
        }
    }
    status = cli_analysis_finish(cli, &a);
    if (status == EXIT_OK || status == EXIT_PARTIAL) {
        summary(cli, &p, &po, written);
        cli_gpu_summary(cli, &a.g, &p);
    }
done:
    free(column);
    pareto_release(&p);
    cli_analysis_release(&a);
    return status;
}
