/* Unit test of the writers' per-shape field lookup (colset_fields) against the lookup by name,
 * and of num_format's shortest round-trip text against a plain search over every precision. */
#include "analysis/derived.h"
#include "reader/reader.h"
#include "table/table.h"
#include "unit.h"
#include "unit_table.h"
#include "writer/columns.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every column of every row: the value through the shape's index is the value found by name
 * (same text, length and kind). Returns the number of mismatches. */
static int compare_all(const struct colset *cs, struct trow **rows, size_t n)
{
    struct run_list runs;
    int bad = 0;

    memset(&runs, 0, sizeof(runs));
    for (size_t i = 0; i < n; i++) {
        const int *fields = colset_fields(cs, rows[i]);
        if (!fields)
            return 1;
        for (size_t c = 0; c < cs->n; c++) {
            char s1[32], s2[32];
            size_t l1 = 0, l2 = 0;
            enum val_kind k1 = VAL_NULL, k2 = VAL_NULL;
            const char *a = column_value_at(cs, c, rows[i], &runs, fields, s1, &l1, &k1);
            const char *b = column_value_kind(&cs->v[c], rows[i], &runs, s2, &l2, &k2);
            if (!a != !b || l1 != l2 || k1 != k2 || (a && memcmp(a, b, l1))) {
                fprintf(stderr, "  row %zu column %s: '%s' != '%s'\n", i, cs->v[c].name,
                        a ? a : "(null)", b ? b : "(null)");
                bad++;
            }
        }
    }
    return bad;
}

/* The derived metrics from the fields the shape found equal those found by name. */
static int metrics_agree(const struct colset *cs, struct trow **rows, size_t n)
{
    struct gpu_table g;
    int bad = 0;

    gpu_table_init(&g);
    for (size_t i = 0; i < n; i++) {
        double a[NMETRIC], b[NMETRIC];
        int na = -1, nb = -2;
        metrics_of_fields(rows[i], colset_fields(cs, rows[i]) + cs->n, &g, 1, a, &na);
        metrics_of_row(rows[i], &g, 1, b, &nb);
        for (int m = 0; m < NMETRIC; m++) /* the inputs as trow_get finds them */
            if (metric_info[m].src && m != M_OUTPUT_TPUT)
                b[m] = analysis_num(rows[i], metric_info[m].src);
        for (int m = 0; m < NMETRIC; m++)
            if (!(a[m] == b[m] || (isnan(a[m]) && isnan(b[m])))) {
                fprintf(stderr, "  row %zu metric %s: %g != %g\n", i, metric_info[m].name, a[m],
                        b[m]);
                bad++;
            }
        bad += na != nb;
    }
    gpu_table_release(&g);
    return bad;
}

/* Rows of several shapes in one run: fields in other orders, a field missing, a null, a
 * duplicated key (the last one counts), names that only differ in where they split. */
static void shapes_map_each_column(void)
{
    static const char json[] =
        "[{\"hw\":\"h100\",\"conc\":1,\"tput_per_gpu\":10.5,\"mean_ttft\":0.25,\"tp\":8},"
        " {\"tput_per_gpu\":11.5,\"conc\":2,\"tp\":8,\"hw\":\"h100\",\"mean_ttft\":0.5},"
        " {\"hw\":\"h100\",\"conc\":3,\"mean_ttft\":0.75,\"tp\":8},"
        " {\"hw\":\"h100\",\"conc\":4,\"tput_per_gpu\":null,\"mean_ttft\":1,\"tp\":8},"
        " {\"hw\":\"h100\",\"conc\":5,\"tput_per_gpu\":1,\"tput_per_gpu\":2,\"tp\":8},"
        " {\"hw\":\"h100\",\"conc\":6,\"ab\":\"x\",\"c\":\"y\",\"tp\":8},"
        " {\"hw\":\"h100\",\"conc\":7,\"a\":\"x\",\"bc\":\"y\",\"tp\":8},"
        " {\"hw\":\"h100\",\"conc\":8,\"tput_per_gpu\":12.5,\"mean_ttft\":0.125,\"tp\":8},"
        " {\"hw\":\"b200\",\"conc\":9,\"disagg\":true,\"num_decode_gpu\":4,\"tput_per_gpu\":3.5,"
        "\"output_tput_per_gpu\":1.25,\"num_prefill_gpu\":2,\"median_intvty\":30}]";
    struct table t;
    struct colset cs;
    struct imx_err e = IMX_ERR_INIT;
    size_t n;
    struct trow **rows = unit_table_load(&t, json, &n);
    const int *f;
    size_t ctput = 0, cab = 0;

    CHECK(n == 9);
    CHECK(colset_build(&cs, "all", rows, n, &e) == 0);
    CHECK(metrics_agree(&cs, rows, n) == 0);
    CHECK(compare_all(&cs, rows, n) == 0);
    /* again in reverse: the shapes are now known, found rather than made */
    for (size_t i = 0; i < n / 2; i++) {
        struct trow *x = rows[i];
        rows[i] = rows[n - 1 - i];
        rows[n - 1 - i] = x;
    }
    CHECK(compare_all(&cs, rows, n) == 0);
    for (size_t c = 0; c < cs.n; c++) {
        if (cs.v[c].field && !strcmp(cs.v[c].field, "tput_per_gpu"))
            ctput = c;
        if (cs.v[c].field && !strcmp(cs.v[c].field, "ab"))
            cab = c;
    }
    CHECK(ctput && cab);
    for (size_t i = 0; i < n; i++) {
        const char *conc = trow_get(rows[i], "conc");
        f = colset_fields(&cs, rows[i]);
        if (!strcmp(conc, "2"))
            CHECK(f[ctput] == 0); /* first in this row */
        if (!strcmp(conc, "3"))
            CHECK(f[ctput] == -1); /* missing */
        if (!strcmp(conc, "5"))
            CHECK(f[ctput] == 3); /* the second of the duplicates */
        if (!strcmp(conc, "6"))
            CHECK(f[cab] == 2);
        if (!strcmp(conc, "7"))
            CHECK(f[cab] == -1);
    }
    /* a column added to the set: the indexes are made again for the wider set */
    colset_add_run_columns(&cs);
    CHECK(compare_all(&cs, rows, n) == 0);
    colset_release(&cs);
    /* a fixed list in another order than the rows' fields */
    CHECK(colset_build(&cs, "mean_ttft,conc,tput_per_gpu,hw", rows, n, &e) == 0);
    CHECK(cs.n == 4);
    CHECK(compare_all(&cs, rows, n) == 0);
    colset_release(&cs);
    free(rows);
    table_release(&t);
}

/* More shapes than are kept: old ones are replaced, and every row still maps right. */
static void shapes_past_the_bound(void)
{
    struct buf json = BUF_INIT;
    struct table t;
    struct colset cs;
    struct imx_err e = IMX_ERR_INIT;
    size_t n;
    struct trow **rows;

    buf_addc(&json, '[');
    for (int i = 0; i < 600; i++)
        buf_addf(&json, "%s{\"hw\":\"h100\",\"conc\":%d,\"knob%d\":%d,\"tput_per_gpu\":%d.5}",
                 i ? "," : "", i, i % 300, i, i);
    buf_addc(&json, ']');
    rows = unit_table_load(&t, json.p, &n);
    CHECK(n == 600);
    CHECK(colset_build(&cs, "all", rows, n, &e) == 0);
    CHECK(compare_all(&cs, rows, n) == 0);
    CHECK(compare_all(&cs, rows, n) == 0);
    colset_release(&cs);
    free(rows);
    table_release(&t);
    buf_release(&json);
}

/* --columns all over rows seen one run at a time: a row with a field the set lacks is not
 * covered until the set is built again with it. */
static void covers_new_fields(void)
{
    static const char json[] = "[{\"hw\":\"h100\",\"conc\":1,\"tput_per_gpu\":1.5},"
                               " {\"hw\":\"h100\",\"conc\":2,\"tput_per_gpu\":2.5,\"new\":1}]";
    struct table t;
    struct colset cs;
    struct colwatch w;
    struct imx_err e = IMX_ERR_INIT;
    size_t n;
    struct trow **rows = unit_table_load(&t, json, &n);

    CHECK(n == 2);
    colwatch_init(&w, "all");
    CHECK(colset_build(&cs, "all", rows, 1, &e) == 0);
    CHECK(colset_covers(&w, &cs, rows[0]) == 1);
    CHECK(colset_covers(&w, &cs, rows[1]) == 0);
    CHECK(colset_covers(&w, &cs, rows[1]) == 0); /* the shape remembers its answer */
    colset_release(&cs);
    CHECK(colset_build(&cs, "all", rows, 2, &e) == 0);
    CHECK(colset_covers(&w, &cs, rows[0]) == 1);
    CHECK(colset_covers(&w, &cs, rows[1]) == 1);
    colset_release(&cs);
    colwatch_release(&w);
    free(rows);
    table_release(&t);
}

/* The definition num_format must match: the fewest %g digits that read back as v. */
static void shortest_reference(double v, char *out, size_t cap)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, cap, "%.0f", v);
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(out, cap, "%.*g", p, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
    return unit_rand(&rng);
}

static int same_as_reference(double v)
{
    char a[40], b[40];
    num_format(v, a, sizeof(a));
    shortest_reference(v, b, sizeof(b));
    if (strcmp(a, b)) {
        fprintf(stderr, "  num_format(%.17g): '%s', reference '%s'\n", v, a, b);
        return 0;
    }
    return 1;
}

static void num_format_shortest(void)
{
    static const double fixed[] = {0.1,
                                   1.0 / 3,
                                   2.0 / 3,
                                   1e-5,
                                   1.5e-5,
                                   123456.7,
                                   0.30000000000000004,
                                   999999999999999.9,
                                   1e15,
                                   1e15 + 0.5,
                                   4503599627370495.5,
                                   1e16,
                                   1e21,
                                   1e22,
                                   1e23,
                                   5e-324,
                                   2.2250738585072014e-308,
                                   1.7976931348623157e308,
                                   9.5,
                                   0.95,
                                   99.99999999999999,
                                   -0.0,
                                   -7.25,
                                   1e-4,
                                   9.999999999999999e-5};
    int bad = 0;

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        bad += !same_as_reference(fixed[i]) + !same_as_reference(-fixed[i]);
    for (int k = -9; k <= 15; k++) {
        /* around powers of ten, where the number of digits before the point changes */
        double p = pow(10, k);
        bad += !same_as_reference(nextafter(p, 0)) + !same_as_reference(nextafter(p, 1e300));
        bad += !same_as_reference(p * 1.5) + !same_as_reference(nextafter(p * 9.5, 0));
    }
    for (int i = 0; i < 3000; i++) {
        /* decimals of 1 to 17 digits at many scales, as measurements and their ratios are */
        char s[64];
        int digits = 1 + (int)(next() % 17), e10 = (int)(next() % 40) - 20;
        uint64_t scale = 1, m;
        double v;
        for (int d = 0; d < digits; d++)
            scale *= 10;
        m = next() % scale;
        snprintf(s, sizeof(s), "%llue%d", (unsigned long long)m, e10);
        v = strtod(s, NULL);
        bad += !same_as_reference(v);
        bad += !same_as_reference(v / 3.6);
        bad += !same_as_reference(1000.0 / (v + 1));
    }
    for (int i = 0; i < 2000; i++) {
        uint64_t bits = next();
        double v;
        memcpy(&v, &bits, sizeof(v));
        if (isfinite(v))
            bad += !same_as_reference(v);
    }
    CHECK(bad == 0);
}

int main(void)
{
    RUN(shapes_map_each_column);
    RUN(shapes_past_the_bound);
    RUN(covers_new_fields);
    RUN(num_format_shortest);
    UNIT_END();
}
