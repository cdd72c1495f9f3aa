/* interp: Steffen tangents and Hermite evaluation, written down from the dashboard's rules
 * (analysis reference, section 6): sign(0) is +1, a NaN tangent becomes 0, zero widths give
 * zero secants and the neighbour's tangent at the ends. */
#include "analysis/interp.h"

#include <math.h>

static double sign1(double v)
{
    return v < 0 ? -1.0 : 1.0;
}

/* The three-way minimum of JavaScript's Math.min: NaN when any argument is NaN. */
static double min3(double a, double b, double c)
{
    double m;
    if (isnan(a) || isnan(b) || isnan(c))
        return NAN;
    m = a < b ? a : b;
    return m < c ? m : c;
}

void interp_tangents(const double *x, const double *y, size_t n, double *m)
{
    for (size_t i = 0; i < n; i++)
        m[i] = 0;
    if (n < 2)
        return;
    for (size_t i = 1; i + 1 < n; i++) {
        double h0 = x[i] - x[i - 1], h1 = x[i + 1] - x[i];
        double s0 = h0 ? (y[i] - y[i - 1]) / h0 : 0, s1 = h1 ? (y[i + 1] - y[i]) / h1 : 0;
        double p = (s0 * h1 + s1 * h0) / (h0 + h1);
        double t = (sign1(s0) + sign1(s1)) * min3(fabs(s0), fabs(s1), fabs(p) / 2);
        m[i] = isnan(t) ? 0 : t;
    }
    {
        double h = x[1] - x[0];
        m[0] = h ? (3 * ((y[1] - y[0]) / h) - m[1]) / 2 : m[1];
    }
    {
        double h = x[n - 1] - x[n - 2];
        m[n - 1] = h ? (3 * ((y[n - 1] - y[n - 2]) / h) - m[n - 2]) / 2 : m[n - 2];
    }
}

int interp_bracket(const double *x, size_t n, double target, size_t *lo)
{
    size_t a = 0, b;

    if (!n || isnan(target))
        return -1;
    if (n == 1) {
        if (!(fabs(target - x[0]) < 1e-6))
            return -1;
        *lo = 0;
        return 0;
    }
    if (target < x[0] || target > x[n - 1])
        return -1;
    b = n - 1;
    while (b - a > 1) {
        size_t mid = a + (b - a) / 2;
        if (x[mid] <= target)
            a = mid;
        else
            b = mid;
    }
    *lo = a;
    return 0;
}

int interp_eval(const double *x, const double *y, const double *m, size_t n, double target,
                double *out, size_t *lo)
{
    size_t a;
    double h, t, t2, t3;

    if (interp_bracket(x, n, target, &a) < 0)
        return -1;
    if (lo)
        *lo = a;
    if (n == 1) {
        *out = y[0];
        return 0;
    }
    h = x[a + 1] - x[a];
    if (h == 0) {
        *out = y[a];
        return 0;
    }
    t = (target - x[a]) / h;
    t2 = t * t;
    t3 = t2 * t;
    *out = (2 * t3 - 3 * t2 + 1) * y[a] + (t3 - 2 * t2 + t) * h * m[a] +
           (-2 * t3 + 3 * t2) * y[a + 1] + (t3 - t2) * h * m[a + 1];
    return 0;
}
