/* units: human-readable sizes, rates and durations, and the numbers people type. */
#include "util/units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void units_bytes(unsigned long long b, char *out, size_t n)
{
    if (b >= (1ULL << 30))
        snprintf(out, n, "%.1f GB", (double)b / (1 << 30));
    else if (b >= (1ULL << 20))
        snprintf(out, n, "%.1f MB", (double)b / (1 << 20));
    else if (b >= 1024)
        snprintf(out, n, "%.1f KB", (double)b / 1024);
    else
        snprintf(out, n, "%llu B", b);
}

void units_rate(double r, char *out, size_t n)
{
    char b[32];

    /* below one byte a second, "0 B/s" says it: no "0.0 MB/s" */
    units_bytes(r > 0 ? (unsigned long long)(r + 0.5) : 0, b, sizeof(b));
    snprintf(out, n, "%s/s", b);
}

void units_duration(double s, char *out, size_t n)
{
    unsigned long t = s > 0 ? (unsigned long)(s + 0.5) : 0;

    if (t >= 3600)
        snprintf(out, n, "%luh%02lum", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(out, n, "%lum%02lus", t / 60, t % 60);
    else
        snprintf(out, n, "%lus", t);
}

int units_decimal(const char *s, double *out)
{
    char *end;
    double v;

    if (!*s || s[strspn(s, "0123456789.eE+-")])
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}
