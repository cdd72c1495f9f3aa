/* derived: per-row metrics. The formulas are the dashboard's (analysis reference, section 3);
 * unlike the app, a missing or zero input gives a missing value, never a made-up 0. */
#include "analysis/derived.h"
#include "util/dec.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct metric_info metric_info[NMETRIC] = {
#define X(id, name, shortname, src, better) {name, shortname, src, better},
    IMX_METRICS(X)
#undef X
};

int metric_is_cost(int m)
{
    return m >= M_COSTH && m <= M_COSTR_IN;
}

/* The dashboard app's own keys of the cost metrics. */
static const struct {
    const char *key;
    int metric;
} app_keys[] = {
    {"costhOutput", M_COSTH_OUT}, {"costnOutput", M_COSTN_OUT}, {"costrOutput", M_COSTR_OUT},
    {"costhi", M_COSTH_IN},       {"costni", M_COSTN_IN},       {"costri", M_COSTR_IN},
    {"tpPerMw", M_TPMW},
};

int metric_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof(app_keys) / sizeof(app_keys[0]); i++)
        if (!strcmp(name, app_keys[i].key))
            return app_keys[i].metric;
    for (int i = 0; i < NMETRIC; i++)
        if (!strcmp(name, metric_info[i].name) || !strcmp(name, metric_info[i].short_name) ||
            (metric_info[i].src && !strcmp(name, metric_info[i].src)))
            return i;
    return -1;
}

/* The number a value's text holds; NaN when missing, not a number or not finite. */
static double num_of_text(const char *s)
{
    char *end;
    double v;

    if (!s || !*s)
        return NAN;
    if (dec_parse(s, &v))
        return v;
    v = strtod(s, &end);
    return *end || !isfinite(v) ? NAN : v;
}

double analysis_num(const struct trow *t, const char *src)
{
    return num_of_text(trow_get(t, src));
}

const char *metrics_field(int i)
{
    static const char *const more[] = {"tp", "num_prefill_gpu", "num_decode_gpu"};
    if (i >= 0 && i < NMETRIC)
        return metric_info[i].src;
    return i >= NMETRIC && i < NMFIELD ? more[i - NMETRIC] : NULL;
}

void metrics_find_fields(const struct trow *t, int f[NMFIELD])
{
    for (int i = 0; i < NMFIELD; i++) {
        const char *name = metrics_field(i);
        f[i] = -1;
        for (uint32_t k = t->n; name && k-- > 0;) {
            if (!strcmp(t->text + t->f[k].key, name)) {
                f[i] = (int)k;
                break;
            }
        }
    }
}

/* The number in field i of t (-1: none), as analysis_num reads it. */
static double field_num(const struct trow *t, int i)
{
    if (i < 0 || (uint32_t)i >= t->n || t->f[i].kind == VAL_NULL)
        return NAN;
    return num_of_text(t->text + t->f[i].val);
}

static int truthy(const char *s)
{
    return s && !strcmp(s, "true");
}

int analysis_gpu(const char *hw, char *out, size_t cap)
{
    size_t k = 0;

    if (!hw || !cap)
        return 0;
    for (; hw[k] && hw[k] != '-' && hw[k] != '_' && hw[k] != ' ' && k + 1 < cap; k++)
        out[k] = (char)tolower((unsigned char)hw[k]);
    out[k] = '\0';
    return k > 0;
}

static double total_gpus(const struct trow *t, const int f[NMFIELD])
{
    double tp = field_num(t, f[MF_TP]), p = field_num(t, f[MF_PREFILL_GPUS]),
           d = field_num(t, f[MF_DECODE_GPUS]);

    if (truthy(t->kv[K_DISAGG]) || isnan(tp))
        return p + d; /* NaN when either is missing */
    return tp;
}

/* A derived number, or missing where a step overflowed: a throughput of 5e-324 tok/s costs
 * more than a double holds and one of 1.7e308 overflows on its way to Mtok/h (whose cost
 * would then read 0): no number to write, never "inf" nor a made-up 0. */
static double finite_or_nan(double v)
{
    return isfinite(v) ? v : NAN;
}

/* Positive and finite: the only throughputs a cost or an energy can be computed from. */
static double usable(double v)
{
    return v > 0 && isfinite(v) ? v : NAN;
}

void metrics_of_row(const struct trow *t, const struct gpu_table *g, int output_fallback,
                    double v[NMETRIC], int *no_constants)
{
    int f[NMFIELD];

    metrics_find_fields(t, f);
    metrics_of_fields(t, f, g, output_fallback, v, no_constants);
}

void metrics_of_fields(const struct trow *t, const int f[NMFIELD], const struct gpu_table *g,
                       int output_fallback, double v[NMETRIC], int *no_constants)
{
    char gpu[64];
    const struct gpu_spec *spec = NULL;
    double tput[3];

    for (int i = 0; i < NMETRIC; i++)
        v[i] = metric_info[i].src ? field_num(t, f[i]) : NAN;
    if (output_fallback && isnan(v[M_OUTPUT_TPUT]))
        v[M_OUTPUT_TPUT] = v[M_TPUT];
    v[M_TOTAL_GPUS] = total_gpus(t, f);
    if (analysis_gpu(t->kv[K_HW], gpu, sizeof(gpu)))
        spec = gpu_table_find(g, gpu);
    if (no_constants)
        *no_constants = !spec;
    if (!spec)
        return;
    tput[0] = usable(v[M_TPUT]);
    tput[1] = usable(v[M_OUTPUT_TPUT]);
    tput[2] = usable(v[M_INPUT_TPUT]);
    for (int k = 0; k < 3; k++) {
        double mtok_per_hour = finite_or_nan(tput[k] * 3600 / 1e6);
        for (int c = 0; c < 3; c++) {
            double price = spec->v[GC_COSTH + c];
            v[M_COSTH + 3 * k + c] = price > 0 ? finite_or_nan(price / mtok_per_hour) : NAN;
        }
    }
    {
        /* per-MW and J/token list total, output, input: tput[] is total, output, input too */
        double kw = spec->v[GC_POWER] > 0 ? spec->v[GC_POWER] : NAN;
        for (int k = 0; k < 3; k++) {
            v[M_TPMW + k] = finite_or_nan(tput[k] * 1000 / kw);
            v[M_JPT + k] = finite_or_nan(kw * 1000 / tput[k]);
        }
    }
}

/* P significant digits (trailing zeros dropped) and the decimal exponent x as %.Pg writes a
 * number below 1e15 that is not a whole number: the fixed form unless x < -4. */
static void g_text(int neg, const char *dig, int p, int x, char *out, size_t cap)
{
    char b[48];
    size_t n = 0;

    while (p > 1 && dig[p - 1] == '0')
        p--;
    if (neg)
        b[n++] = '-';
    if (x < -4) {
        b[n++] = dig[0];
        if (p > 1)
            b[n++] = '.';
        for (int i = 1; i < p; i++)
            b[n++] = dig[i];
        n += (size_t)snprintf(b + n, sizeof(b) - n, "e-%02d", -x);
    } else if (x < 0) {
        b[n++] = '0';
        b[n++] = '.';
        for (int i = -1; i > x; i--)
            b[n++] = '0';
        for (int i = 0; i < p; i++)
            b[n++] = dig[i];
    } else {
        for (int i = 0; i < p || i <= x; i++) {
            if (i == x + 1)
                b[n++] = '.';
            b[n++] = i < p ? dig[i] : '0';
        }
    }
    b[n] = '\0';
    if (n < cap)
        memcpy(out, b, n + 1);
    else
        snprintf(out, cap, "%s", b);
}

__extension__ typedef unsigned __int128 u128;

/* m * 10^k / 2^s rounded to the nearest integer (s >= 1, 0 <= k <= 22); 0 when the digits
 * dropped are exactly half (printf's rounding of a tie is left to printf). */
static int scaled(uint64_t m, int s, int k, u128 *d)
{
    u128 n = m, rest, half;

    if (k < 0 || k > 22)
        return 0;
    for (int i = 0; i < k; i++)
        n *= 10;
    *d = n >> s;
    rest = n & (((u128)1 << s) - 1);
    half = (u128)1 << (s - 1);
    if (rest == half)
        return 0;
    if (rest > half)
        ++*d;
    return 1;
}

static void put_digits(u128 d, char *dig, int p)
{
    for (int i = p - 1; i >= 0; i--) {
        dig[i] = (char)('0' + (int)(d % 10));
        d /= 10;
    }
}

/*
 * The shortest text of a normal v below 1e15, not whole, in integers: v = m / 2^s exactly, so
 * v rounded to p significant digits is m * 10^(p-1-x) / 2^s rounded, x the decimal exponent.
 * The 15- and 16-digit roundings are tried, then the 17 digits (which always read back). 0
 * when v is below 1e-6 (the product would not fit in 128 bits) or a rounding is a tie; the
 * caller then searches with printf.
 */
static int shortest(double v, char *out, size_t cap)
{
    static const uint64_t pow10[] = {1ULL,
                                     10ULL,
                                     100ULL,
                                     1000ULL,
                                     10000ULL,
                                     100000ULL,
                                     1000000ULL,
                                     10000000ULL,
                                     100000000ULL,
                                     1000000000ULL,
                                     10000000000ULL,
                                     100000000000ULL,
                                     1000000000000ULL,
                                     10000000000000ULL,
                                     100000000000000ULL,
                                     1000000000000000ULL,
                                     10000000000000000ULL,
                                     100000000000000000ULL};
    double a = fabs(v);
    int e2, s, x, tries = 0;
    uint64_t m = (uint64_t)ldexp(frexp(a, &e2), 53);
    char dig[17];
    u128 d, d17;

    s = 53 - e2;
    if (!(a >= 1e-6 && a < 1e15) || s < 1 || s > 120)
        return 0;
    /* x from log10 may be one off near a power of ten: 17 digits tell */
    x = (int)floor(log10(a));
    for (;;) {
        if (++tries > 3 || !scaled(m, s, 16 - x, &d))
            return 0;
        if (d >= pow10[17])
            x++;
        else if (d < pow10[16])
            x--;
        else
            break;
    }
    d17 = d;
    for (int p = 15; p <= 16; p++) {
        int rx = x;
        double back;
        if (!scaled(m, s, p - 1 - x, &d))
            return 0;
        if (d >= pow10[p]) { /* rounded up to the next power of ten */
            d = pow10[p - 1];
            rx++;
        }
        if (!dec_value((uint64_t)d, rx - (p - 1), &back))
            return 0;
        if (back == a) {
            put_digits(d, dig, p);
            g_text(v < 0, dig, p, rx, out, cap);
            return 1;
        }
    }
    put_digits(d17, dig, 17);
    g_text(v < 0, dig, 17, x, out, cap);
    return 1;
}

void num_format(double v, char *out, size_t cap)
{
    /* whole numbers as integers (50, not 5e+01) */
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, cap, "%.0f", v);
        return;
    }
    /* A normal number below 1e15 that p <= 15 digits read back as is, rounded to 15 digits,
     * those p digits and zeros (it lies within half an ulp of them, far less than half a unit
     * of the 15th digit), and %g drops the zeros: so 15, 16 or 17 digits, tried in order, give
     * the shortest text. Larger numbers (%.15g of those may take the exponent form where fewer
     * digits would not) and subnormals (fewer bits, so wider ulps) are left to the search. */
    if (fabs(v) < 1e15 && fabs(v) >= DBL_MIN && shortest(v, out, cap))
        return;
    /* the fewest digits that read back as v: whether p digits do is monotone in p and 17
     * always do, so a binary search finds them in 5 tries instead of up to 17 */
    int lo = 1, hi = 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        snprintf(out, cap, "%.*g", mid, v);
        if (strtod(out, NULL) == v)
            hi = mid;
        else
            lo = mid + 1;
    }
    snprintf(out, cap, "%.*g", lo, v);
}
