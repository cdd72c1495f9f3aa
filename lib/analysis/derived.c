/* derived: per-row metrics. The formulas are the dashboard's (analysis reference, section 3);
 * unlike the app, a missing or zero input gives a missing value, never a made-up 0. */
#include "analysis/derived.h"
#include "util/dec.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
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

double analysis_num(const struct trow *t, const char *src)
{
    const char *s = trow_get(t, src);
    char *end;
    double v;

    if (!s || !*s)
        return NAN;
    if (dec_parse(s, &v))
        return v;
    v = strtod(s, &end);
    return *end || !isfinite(v) ? NAN : v;
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
    for (; hw[k] && hw[k] != '-' && hw[k] != '_' && k + 1 < cap; k++)
        out[k] = (char)tolower((unsigned char)hw[k]);
    out[k] = '\0';
    return k > 0;
}

static double total_gpus(const struct trow *t)
{
    double tp = analysis_num(t, "tp"), p = analysis_num(t, "num_prefill_gpu"),
           d = analysis_num(t, "num_decode_gpu");

    if (truthy(t->kv[K_DISAGG]) || isnan(tp))
        return p + d; /* NaN when either is missing */
    return tp;
}

/* Positive and finite: the only throughputs a cost or an energy can be computed from. */
static double usable(double v)
{
    return v > 0 && isfinite(v) ? v : NAN;
}

void metrics_of_row(const struct trow *t, const struct gpu_table *g, int output_fallback,
                    double v[NMETRIC], int *no_constants)
{
    char gpu[64];
    const struct gpu_spec *spec = NULL;
    double tput[3];

    for (int i = 0; i < NMETRIC; i++)
        v[i] = metric_info[i].src ? analysis_num(t, metric_info[i].src) : NAN;
    if (output_fallback && isnan(v[M_OUTPUT_TPUT]))
        v[M_OUTPUT_TPUT] = v[M_TPUT];
    v[M_TOTAL_GPUS] = total_gpus(t);
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
        double mtok_per_hour = tput[k] * 3600 / 1e6;
        for (int c = 0; c < 3; c++) {
            double price = spec->v[GC_COSTH + c];
            v[M_COSTH + 3 * k + c] = price > 0 ? price / mtok_per_hour : NAN;
        }
    }
    {
        /* per-MW and J/token list total, output, input: tput[] is total, output, input too */
        double kw = spec->v[GC_POWER] > 0 ? spec->v[GC_POWER] : NAN;
        for (int k = 0; k < 3; k++) {
            v[M_TPMW + k] = tput[k] * 1000 / kw;
            v[M_JPT + k] = kw * 1000 / tput[k];
        }
    }
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
     * of the 15th digit), and %g drops the zeros: one try finds the common case. Larger
     * numbers (%.15g of those may take the exponent form where fewer digits would not) and
     * subnormals (fewer bits, so wider ulps) are left to the search. */
    if (fabs(v) < 1e15 && fabs(v) >= DBL_MIN) {
        snprintf(out, cap, "%.15g", v);
        if (dec_to_double(out) == v)
            return;
        snprintf(out, cap, "%.16g", v);
        if (dec_to_double(out) == v)
            return;
        snprintf(out, cap, "%.17g", v);
        return;
    }
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
