/* calc: the dashboard's calculator: a series' value at a target interactivity (or throughput),
 * every metric interpolated along the series' front, with no extrapolation. */
#ifndef IMX_CALC_H
#define IMX_CALC_H

#include "analysis/pareto.h"

enum calc_mode {
    CALC_INTERACTIVITY, /* x = interactivity, y = throughput per GPU: throughput at a target */
    CALC_THROUGHPUT,    /* x = throughput per GPU, y = interactivity: interactivity at a target */
};

/* The pareto options of the calculator's fronts (upper_left, no display limits, every row). */
void calc_pareto_opts(struct pareto_opts *o, enum calc_mode mode, const struct gpu_table *gpus,
                      const struct run_list *runs);

struct calc_answer {
    int ok; /* 0: no answer, `note` says why */
    char note[160];
    double v[NMETRIC]; /* interpolated metrics, clamped at 0 (concurrency rounded); NaN when
                        * some front point lacks the metric */
    const struct apoint *lo, *hi; /* the bracketing front points (the same for one point) */
    double front_min, front_max;  /* the front's x range (NaN when empty) */
};

/* The answer of one series (built with calc_pareto_opts) at target: dropped (ok 0, a note)
 * when the interpolated output quantity (throughput, or interactivity) is not above 0. */
void calc_at(const struct aseries *s, enum calc_mode mode, double target, struct calc_answer *a);
/* The answer's value is the metric asked for: it is dropped too when that metric is missing
 * or not above 0. Returns a->ok. */
int calc_require(struct calc_answer *a, int metric);

#endif
