/* calc: interpolation of every metric along a series' front (analysis reference, section 6).
 * Each metric gets its own Steffen tangents on the front's xs. */
#include "analysis/calc.h"
#include "analysis/interp.h"
#include "util/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void calc_pareto_opts(struct pareto_opts *o, enum calc_mode mode, const struct gpu_table *gpus,
                      const struct run_list *runs)
{
    pareto_opts_init(o);
    o->x = mode == CALC_INTERACTIVITY ? M_INTVTY : M_TPUT;
    o->y = mode == CALC_INTERACTIVITY ? M_TPUT : M_INTVTY;
    o->direction = FRONT_UPPER_LEFT;
    o->max_cost = INFINITY;
    o->max_ttft = INFINITY;
    o->dedup = DEDUP_CONFIG;
    o->output_fallback = 1;
    o->gpus = gpus;
    o->runs = runs;
}

int calc_require(struct calc_answer *a, int metric)
{
    if (!a->ok)
        return 0;
    if (isnan(a->v[metric]))
        snprintf(a->note, sizeof(a->note),
                 "no %s: missing at a front point (an input, or the GPU's constants) or "
                 "not a finite number",
                 metric_info[metric].short_name);
    else if (!(a->v[metric] > 0))
        snprintf(a->note, sizeof(a->note), "interpolated %s is not above 0",
                 metric_info[metric].short_name);
    else
        return 1;
    a->ok = 0;
    return 0;
}

void calc_at(const struct aseries *s, enum calc_mode mode, double target, struct calc_answer *a)
{
    size_t n = s->nfront, lo;
    double *x, *y, *m;
    int primary = mode == CALC_INTERACTIVITY ? M_TPUT : M_INTVTY;

    memset(a, 0, sizeof(*a));
    for (int k = 0; k < NMETRIC; k++)
        a->v[k] = NAN;
    a->front_min = n ? s->p[s->front[0]].x : NAN;
    a->front_max = n ? s->p[s->front[n - 1]].x : NAN;
    if (!n) {
        snprintf(a->note, sizeof(a->note), "no points");
        return;
    }
    x = xmalloc(n * sizeof(*x));
    y = xmalloc(n * sizeof(*y));
    m = xmalloc(n * sizeof(*m));
    for (size_t i = 0; i < n; i++)
        x[i] = s->p[s->front[i]].x;
    if (interp_bracket(x, n, target, &lo) < 0) {
        if (n == 1)
            snprintf(a->note, sizeof(a->note),
                     "one-point front at %.6g: no interpolation away from it", x[0]);
        else
            snprintf(a->note, sizeof(a->note), "target outside the front (%.6g to %.6g)", x[0],
                     x[n - 1]);
        goto out;
    }
    a->lo = &s->p[s->front[lo]];
    a->hi = &s->p[s->front[n == 1 ? lo : lo + 1]];
    for (int k = 0; k < NMETRIC; k++) {
        int missing = 0;
        double v;
        for (size_t i = 0; i < n; i++) {
            y[i] = s->p[s->front[i]].m[k];
            missing |= isnan(y[i]);
        }
        if (missing)
            continue;
        interp_tangents(x, y, n, m);
        /* huge knots can give an infinite or NaN curve: no number, as for a missing one */
        if (interp_eval(x, y, m, n, target, &v, NULL) < 0 || !isfinite(v))
            continue;
        v = v < 0 ? 0 : v;
        /* Math.round's: halves upwards; round() agrees for v >= 0, floor(v + 0.5) does not
         * (0.49999999999999994 + 0.5 rounds to 1 in doubles) */
        a->v[k] = k == M_CONC ? round(v) : v;
    }
    a->ok = 1;
    calc_require(a, primary);
out:
    free(x);
    free(y);
    free(m);
}
