/* curve: d3.curveMonotoneX as Bezier segments (see curve.h). Fronts have distinct x, but a
 * zero width gets a zero secant instead of d3's infinities, as the calculator does. */
#include "render/curve.h"

#include <math.h>

static double sign(double v)
{
    return v < 0 ? -1 : 1;
}

/* The interior tangent at point 1 of three (Steffen). */
static double slope3(double x0, double y0, double x1, double y1, double x2, double y2)
{
    double h0 = x1 - x0, h1 = x2 - x1;
    double s0 = h0 ? (y1 - y0) / h0 : 0, s1 = h1 ? (y2 - y1) / h1 : 0;
    double p = (s0 * h1 + s1 * h0) / (h0 + h1);
    double m = (sign(s0) + sign(s1)) * fmin(fmin(fabs(s0), fabs(s1)), 0.5 * fabs(p));

    return isnan(m) ? 0 : m;
}

/* An end tangent from the neighbouring one. */
static double slope2(double x0, double y0, double x1, double y1, double t)
{
    double h = x1 - x0;
    return h ? (3 * (y1 - y0) / h - t) / 2 : t;
}

static void segment(double *seg, double x0, double y0, double t0, double x1, double y1, double t1)
{
    double dx = (x1 - x0) / 3;

    seg[0] = x0 + dx;
    seg[1] = y0 + dx * t0;
    seg[2] = x1 - dx;
    seg[3] = y1 - dx * t1;
    seg[4] = x1;
    seg[5] = y1;
}

size_t curve_monotone_x(const double *x, const double *y, size_t n, double *seg)
{
    size_t k[3], m = 0, nseg = 0;
    double t0 = 0;

    /* a sliding window over the last three distinct points: k[0], k[1], k[2] */
    for (size_t i = 0; i < n; i++) {
        if (m && x[i] == x[k[m > 2 ? 2 : m - 1]] && y[i] == y[k[m > 2 ? 2 : m - 1]])
            continue;
        if (m < 3) {
            k[m++] = i;
            if (m < 3)
                continue;
        } else {
            k[0] = k[1], k[1] = k[2], k[2] = i;
        }
        {
            double t1 = slope3(x[k[0]], y[k[0]], x[k[1]], y[k[1]], x[k[2]], y[k[2]]);
            if (nseg == 0)
                t0 = slope2(x[k[0]], y[k[0]], x[k[1]], y[k[1]], t1);
            segment(seg + 6 * nseg++, x[k[0]], y[k[0]], t0, x[k[1]], y[k[1]], t1);
            t0 = t1;
        }
    }
    if (m == 2) {
        double h = x[k[1]] - x[k[0]], s = h ? (y[k[1]] - y[k[0]]) / h : 0;
        segment(seg, x[k[0]], y[k[0]], s, x[k[1]], y[k[1]], s);
        return 1;
    }
    if (m == 3)
        segment(seg + 6 * nseg++, x[k[1]], y[k[1]], t0, x[k[2]], y[k[2]],
                slope2(x[k[1]], y[k[1]], x[k[2]], y[k[2]], t0));
    return nseg;
}
