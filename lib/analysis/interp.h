/* interp: the dashboard calculator's monotone cubic interpolation along a front: Steffen's
 * tangents (d3's monotone-x curve) and cubic Hermite evaluation, without extrapolation. */
#ifndef IMX_INTERP_H
#define IMX_INTERP_H

#include <stddef.h>

/*
 * Tangents m[0..n-1] at the knots (x ascending; equal xs allowed) by Steffen's method, as the
 * dashboard computes them: interior knots first, then m[0] from m[1], then m[n-1] from m[n-2]
 * (so two knots give 1.5 and 0.75 times the secant). n == 1 gives m[0] = 0.
 */
void interp_tangents(const double *x, const double *y, size_t n, double *m);

/*
 * The curve at target: 0 and *out when x[0] <= target <= x[n-1] (one knot: within 1e-6 of
 * it), else -1 (no extrapolation). *lo (may be NULL) receives the index of the bracketing
 * interval's left knot (its right knot is *lo + 1, or *lo itself for one knot).
 */
int interp_eval(const double *x, const double *y, const double *m, size_t n, double target,
                double *out, size_t *lo);

/* The bracketing interval of target (as interp_eval), or -1 when target is outside. */
int interp_bracket(const double *x, size_t n, double target, size_t *lo);

#endif
