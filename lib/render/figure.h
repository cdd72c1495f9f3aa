/* figure: a chart from the analysis's series and fronts (struct pareto): one legend entry per
 * series, one mark per point, the front flags, point labels and hover text, axes titled with
 * their units, a title and a footnote that say what was drawn from which runs. */
#ifndef IMX_FIGURE_H
#define IMX_FIGURE_H

#include "analysis/pareto.h"
#include "render/chart.h"

struct figure_opts {
    int annotate, log_x, log_y;
    double width, height;   /* 0: the chart's defaults */
    const char *what;       /* the subtitle's first part; NULL: "<y> vs <x>" */
    const char *model_name; /* the title's model; NULL: the series' model prefix */
    const char *source;     /* the footnote's source ("the cache raw"), or NULL */
};

/* An axis title with its unit: "Interactivity (tok/s/user)"; a field's name when not a metric. */
const char *figure_metric_title(int metric);
/* The short name of a metric for titles: "throughput per GPU". */
const char *figure_metric_noun(int metric);
/* The legend's name of a series: "B200 sglang mtp disagg fp8". */
void figure_series_name(const struct series *s, struct buf *out);
/* A point's parallelism and concurrency: "TP8 c64", "TP4 EP4 c256", "P2xTP4 D1xTP8 c64". */
void figure_point_label(const struct trow *t, struct buf *out);
/* A sequence length pair as the dashboard says it: "1k/1k", "8k/1k", "1000/200". */
void figure_seq_name(const char *isl, const char *osl, struct buf *out);

/*
 * Fills c (chart_init'ed) from p: every usable point of every series, fronts flagged. x_metric
 * and y_metric title the axes (y_metric -1: y_title names the y). runs gives the footnote's
 * date range. The chart is styled (chart_style) and ready to render.
 */
void figure_build(struct chart *c, const struct pareto *p, int x_metric, int y_metric,
                  const char *y_title, const struct run_list *runs, const struct figure_opts *o);

#endif
