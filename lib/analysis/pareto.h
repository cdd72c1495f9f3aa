/* pareto: from the kept rows of a selection to the series, each with all its usable points and
 * which of them are on its front. One code path for `imx pareto`, `imx at`, `imx trend` and
 * the charts (`imx plot`), so they cannot disagree. */
#ifndef IMX_PARETO_H
#define IMX_PARETO_H

#include "analysis/derived.h"
#include "analysis/front.h"
#include "analysis/gpus.h"
#include "analysis/series.h"
#include "cache/scan.h"
#include "table/table.h"
#include "util/err.h"

enum pareto_dedup {
    DEDUP_DASHBOARD, /* per series, only the rows of its newest run day (the main chart) */
    DEDUP_CONFIG,    /* every row given (imx's newest row per configuration) */
};

struct pareto_opts {
    int x;                /* enum metric of the x axis: M_INTVTY, M_E2EL, M_TTFT_P99, ... */
    int y;                /* enum metric of the y axis, or -1 for y_column */
    const char *y_column; /* source field of any numeric row field (when y is -1) */
    char y_better;        /* 'h' or 'l' for y_column; ignored for metrics */
    int direction;        /* enum front_dir, or -1: the dashboard's for this chart and metric */
    double max_cost;      /* leave out cost points above this (INFINITY: no limit) */
    double max_ttft;      /* leave out points whose TTFT x is above this (INFINITY: no limit) */
    enum pareto_dedup dedup;
    int output_fallback; /* output throughput falls back to total (calculator, trend) */
    const struct gpu_table *gpus;
    const struct run_list *runs; /* the rows' runs: dates for DEDUP_DASHBOARD */
};

/* Defaults: x interactivity, y throughput, the dashboard's direction and limits ($5, 60 s). */
void pareto_opts_init(struct pareto_opts *o);

struct apoint {
    const struct trow *row;
    size_t order; /* position of the row among the rows given */
    double x, y;
    double m[NMETRIC]; /* every metric of the row (NaN when missing) */
    int on_front;
};

struct aseries {
    struct series id;
    struct apoint *p; /* usable points, by ascending x (equal x: the rows' order) */
    size_t n;
    size_t *front; /* indices into p of the front points, ascending x */
    size_t nfront;
    char day[11]; /* the run day the series' rows come from (DEDUP_DASHBOARD), else "" */
};

struct pareto_stats {
    size_t rows;         /* rows offered */
    size_t older_day;    /* left out: not of their series' newest run day */
    size_t no_x, no_y;   /* left out: x or y missing (or zero for input/output throughput) */
    size_t over_cost;    /* left out: cost above max_cost */
    size_t over_ttft;    /* left out: TTFT x above max_ttft */
    size_t no_constants; /* rows whose GPU has no constants (derived values empty) */
    size_t points, front;
};

struct pareto {
    struct aseries *v; /* in series order (series_cmp) */
    size_t n;
    enum front_dir dir;
    struct pareto_stats st;
    char **no_constants_gpus; /* GPUs without constants among the rows, sorted */
    size_t n_no_constants_gpus;
};

/* The dashboard's direction for a chart (x) and a y that is better higher ('h') or lower. */
enum front_dir pareto_default_dir(int x, char better);

/* Groups rows (in the table's order) into series and computes their fronts. */
IMX_MUST_CHECK int pareto_build(struct pareto *p, struct trow *const *rows, size_t n,
                                const struct pareto_opts *o, struct imx_err *err);
void pareto_release(struct pareto *p);
/* Adds p's statistics and GPUs without constants to acc (zeroed at first, no series): what
 * several builds left out, as one summary (the trend's days). */
void pareto_add_stats(struct pareto *acc, const struct pareto *p);

#endif
