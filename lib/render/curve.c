/* curve: d3.curveMonotoneX as Bezier segments (see curve.h). The tangents are the analysis's
 * Steffen tangents, the calculator's own, so the drawn curve and the interpolated numbers follow
 * one rule; only two points differ, drawn straight as d3 draws them. */
#include "render/curve.h"
#include "analysis/interp.h"
#include "util/xalloc.h"

#include <stdlib.h>

size_t curve_monotone_x(const double *x, const double *y, size_t n, double *seg)
{
    double *xs = xmalloc((n + 1) * sizeof(*xs)), *ys = xmalloc((n + 1) * sizeof(*ys));
    double *m = xmalloc((n + 1) * sizeof(*m));
    size_t k = 0;

    /* points equal to their predecessor are skipped, as d3 does */
    for (size_t i = 0; i < n; i++) {
        if (k && x[i] == xs[k - 1] && y[i] == ys[k - 1])
            continue;
        xs[k] = x[i];
        ys[k] = y[i];
        k++;
    }
    if (k == 2) {
        double h = xs[1] - xs[0];
        m[0] = m[1] = h ? (ys[1] - ys[0]) / h : 0;
    } else if (k > 2) {
        interp_tangents(xs, ys, k, m);
    }
    for (size_t i = 0; i + 1 < k; i++) {
        double dx = (xs[i + 1] - xs[i]) / 3;
        double *s = seg + 6 * i;
        s[0] = xs[i] + dx;
        s[1] = ys[i] + dx * m[i];
        s[2] = xs[i + 1] - dx;
        s[3] = ys[i + 1] - dx * m[i + 1];
        s[4] = xs[i + 1];
        s[5] = ys[i + 1];
    }
    free(xs);
    free(ys);
    free(m);
    return k > 1 ? k - 1 : 0;
}
