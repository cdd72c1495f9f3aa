/* cmd_plot: `imx plot`: one chart of one model and sequence pair from the cache, drawn as the
 * dashboard draws it (every point, each series' front as a monotone curve) into SVG, PNG or PDF.
 */
#include "analysis.h"
#include "output.h"
#include "render/figure.h"
#include "table/extract.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_extract_opts(const struct cli *cli, struct extract_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->cache = cli_cache_dir(cli);
    o->ids = cli->ids;
    o->nids = cli->nids;
    cli_run_select(cli, &o->select);
}

int cli_rows_offline(struct cli *cli, struct extract *x, struct trow ***rows, size_t *n)
{
    struct cli_selection s;
    int status;

    *rows = NULL;
    *n = 0;
    memset(x, 0, sizeof(*x));
    /* plot and report read the cache only; the report shows every model unless told */
    cli->offline = 1;
    if (!cli->model && cli->cmd_bit == CMD_REPORT)
        cli->model = "all";
    status = cli_selection_init(cli, &s);
    if (status == EXIT_OK)
        status = cli_analysis_rows(cli, &s, x, rows, n);
    if (status == EXIT_OK && extract_incomplete(x))
        status = EXIT_PARTIAL;
    cli_selection_release(&s);
    return status;
}

int cli_write_file(const char *path, const struct buf *b)
{
    struct out o;
    int status = out_open(&o, path, 0);

    if (status != EXIT_OK)
        return status;
    if (fwrite(b->p, 1, b->len, o.fp) != b->len) {
        msg_error("cannot write '%s': %s", o.label, strerror(errno));
        out_abort(&o);
        return EXIT_FS;
    }
    return out_commit(&o);
}

/* One model and sequence pair per chart: more than one selected is a usage error naming them. */
static int one_pair(struct trow *const *rows, size_t n)
{
    struct buf b = BUF_INIT_MAX(BUF_LIST_MAX);
    size_t pairs = 0;

    for (size_t i = 0; i < n; i++) {
        size_t j;
        for (j = 0; j < i; j++)
            if (!table_cmp_values(rows[i]->kv[K_PREFIX], rows[j]->kv[K_PREFIX]) &&
                !table_cmp_values(rows[i]->kv[K_ISL], rows[j]->kv[K_ISL]) &&
                !table_cmp_values(rows[i]->kv[K_OSL], rows[j]->kv[K_OSL]))
                break;
        if (j < i)
            continue;
        if (pairs++)
            buf_adds(&b, ", ");
        buf_addf(&b, "%s ", rows[i]->kv[K_PREFIX] ? rows[i]->kv[K_PREFIX] : "?");
        figure_seq_name(rows[i]->kv[K_ISL], rows[i]->kv[K_OSL], &b);
    }
    if (pairs > 1) {
        msg_error("one chart shows one model and sequence pair; %zu are selected (%s): choose "
                  "with --model and --seq",
                  pairs, b.p);
        msg_line("try 'imx plot --help'");
    }
    buf_release(&b);
    return pairs > 1 ? -1 : 0;
}

int cmd_plot(struct cli *cli)
{
    struct imx_err err = IMX_ERR_INIT;
    const char *out = cli->output ? cli->output : "imx-plot.svg";
    int fmt = chart_format_of(out), x_metric, status, st2;
    char *column = NULL;
    struct gpu_table gpus;
    struct pareto_opts po;
    struct pareto p;
    struct extract x;
    struct trow **rows;
    struct chart c;
    struct chart_stats cst;
    struct figure_opts fo;
    struct buf img = BUF_INIT, src = BUF_INIT_MAX(BUF_LIST_MAX);
    size_t n;

    if (fmt < 0 && !strcmp(out, "-"))
        fmt = CHART_SVG;
    if (fmt < 0) {
        msg_error("cannot tell the format of '%s': expected a name ending in .svg, .png or .pdf",
                  out);
        return EXIT_USAGE;
    }
    /* a size that cannot be drawn is said before the cache is read */
    if (chart_size_check(cli->width > 0 ? cli->width : CHART_WIDTH_DEFAULT,
                         cli->height > 0 ? cli->height : CHART_HEIGHT_DEFAULT,
                         (enum chart_format)fmt, &err) < 0) {
        msg_error("%s", err.msg);
        return EXIT_USAGE;
    }
    cli_pareto_opts(cli, &po);
    x_metric = po.x;
    if ((status = cli_gpu_table(cli, &gpus)) != EXIT_OK)
        return status;

    status = cli_rows_offline(cli, &x, &rows, &n);
    if (status != EXIT_OK && status != EXIT_PARTIAL)
        goto out;
    if (one_pair(rows, n) < 0) {
        status = EXIT_USAGE;
        goto out;
    }
    /* a metric, or any numeric column as imx pareto takes it (titled by its name) */
    if ((st2 = cli_resolve_metric(cli, rows, n, &po, &column)) != EXIT_OK) {
        status = st2;
        goto out;
    }
    po.gpus = &gpus;
    po.runs = &x.runs;
    if (pareto_build(&p, rows, n, &po, &err) < 0) {
        msg_error("%s", err.msg);
        status = exit_for(err.code);
        goto out;
    }
    memset(&fo, 0, sizeof(fo));
    fo.annotate = cli->annotate;
    fo.log_x = cli->log_x;
    fo.log_y = cli->log_y;
    fo.width = cli->width;
    fo.height = cli->height;
    buf_addf(&src, "cache %s", cli_cache_dir(cli));
    fo.source = src.p;
    chart_init(&c);
    figure_build(&c, &p, x_metric, po.y, cli->metric, &x.runs, &fo);
    if (chart_render(&c, (enum chart_format)fmt, &img, &cst, &err) < 0) {
        msg_error("%s", err.msg);
        st2 = exit_for(err.code);
    } else {
        st2 = cli_write_file(out, &img);
    }
    if (st2 == EXIT_OK && !cli->quiet) {
        struct buf line = BUF_INIT;
        buf_addf(&line, "Wrote %s: %zu series, %zu points, %zu front curves", out, c.nseries,
                 cst.points, cst.fronts);
        if (c.annotate)
            buf_addf(&line, ", %zu labels (%zu left out where they would overlap)", cst.labels,
                     cst.unlabeled);
        msg_line("%s", line.p);
        buf_release(&line);
        if (cst.legend < c.nseries)
            msg_line("The legend names %zu of the %zu series (the chart is too small for more: "
                     "--width, --height, or fewer series with --gpu, --framework, --precision)",
                     cst.legend, c.nseries);
        if (p.st.older_day)
            msg_line("Left out: %zu rows of older run days than their series' newest",
                     p.st.older_day);
        if (p.st.no_x || p.st.no_y)
            msg_line("Left out: %zu rows without %s, %zu without %s", p.st.no_x,
                     figure_metric_noun(x_metric), p.st.no_y,
                     po.y >= 0 ? figure_metric_noun(po.y) : cli->metric);
        if (p.st.over_cost)
            msg_line("Left out: %zu rows costing more than the chart's limit", p.st.over_cost);
        if (cst.dropped > cst.huge)
            msg_line("Left out: %zu points not drawable on a log axis (zero or negative)",
                     cst.dropped - cst.huge);
        if (cst.huge)
            msg_line("Left out: %zu points beyond %g, too large to draw", cst.huge,
                     CHART_VALUE_MAX);
    }
    status = st2 == EXIT_OK ? status : st2;
    chart_release(&c);
    pareto_release(&p);
out:
    gpu_table_release(&gpus);
    free(rows);
    extract_release(&x);
    buf_release(&img);
    buf_release(&src);
    free(column);
    return status;
}
