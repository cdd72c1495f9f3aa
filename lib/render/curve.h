/* curve: the Bezier segments of d3's monotone-x curve (Steffen's tangents), the curve the
 * dashboard draws through each front. */
#ifndef IMX_CURVE_H
#define IMX_CURVE_H

#include <stddef.h>

/*
 * For n points sorted by x (device or data space), writes the cubic segments from point 0 on:
 * 6 numbers each (first control point, second control point, end point) into seg, which holds
 * 6 * (n - 1) numbers. Points equal to their predecessor are skipped, as d3 does. Two points
 * give a straight segment (controls at its thirds), as d3 draws them. Returns the segments.
 */
size_t curve_monotone_x(const double *x, const double *y, size_t n, double *seg);

#endif
