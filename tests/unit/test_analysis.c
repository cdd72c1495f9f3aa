/* Unit tests of the analysis core: the four Pareto fronts and their ties, Steffen tangents and
 * Hermite interpolation, GPU constants, derived metrics, series names and the calculator. */
#include "analysis/calc.h"
#include "analysis/derived.h"
#include "analysis/front.h"
#include "analysis/gpus.h"
#include "analysis/interp.h"
#include "analysis/pareto.h"
#include "analysis/series.h"
#include "reader/reader.h"
#include "unit.h"
#include "unit_table.h"
#include "util/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

static int near(double a, double b)
{
    return fabs(a - b) <= 1e-12 * (fabs(b) > 1 ? fabs(b) : 1);
}
#define NEAR(a, b) near((a), (b))

static size_t front_of(enum front_dir d, const double (*xy)[2], size_t n, size_t *out)
{
    struct front_pt p[32];
    for (size_t i = 0; i < n; i++) {
        p[i].x = xy[i][0];
        p[i].y = xy[i][1];
    }
    return front_compute(d, p, n, out);
}

static int same(const size_t *got, size_t ngot, const size_t *want, size_t nwant)
{
    if (ngot != nwant)
        return 0;
    for (size_t i = 0; i < ngot; i++)
        if (got[i] != want[i])
            return 0;
    return 1;
}

static void fronts_empty_and_one_point(void)
{
    static const double one[][2] = {{3, 4}};
    size_t out[4];
    for (int d = 0; d < 4; d++) {
        CHECK(front_compute((enum front_dir)d, NULL, 0, out) == 0);
        CHECK(front_of((enum front_dir)d, one, 1, out) == 1 && out[0] == 0);
    }
}

static void front_upper_left_ties(void)
{
    /* equal x (2,9)/(2,8): the higher stays; equal y (2,9)/(3,9): the larger x pops the other */
    static const double pts[][2] = {{0.5, 3}, {1, 10}, {2, 8}, {2, 9}, {3, 9}, {4, 5}};
    static const size_t want[] = {1, 4, 5};
    /* identical points: the first in input order wins */
    static const double dup[][2] = {{1, 5}, {1, 5}, {2, 1}};
    static const size_t want_dup[] = {0, 2};
    static const double flat[][2] = {{1, 5}, {2, 5}, {3, 5}};
    static const size_t want_flat[] = {2};
    size_t out[8], n;

    n = front_of(FRONT_UPPER_LEFT, pts, 6, out);
    CHECK(same(out, n, want, 3));
    n = front_of(FRONT_UPPER_LEFT, dup, 3, out);
    CHECK(same(out, n, want_dup, 2));
    n = front_of(FRONT_UPPER_LEFT, flat, 3, out);
    CHECK(same(out, n, want_flat, 1));
}

static void front_upper_right_ties(void)
{
    /* (3,5) equals the maximum with a larger x: taken; (2,3) below it at the same x: not */
    static const double pts[][2] = {{1, 1}, {2, 3}, {2, 5}, {3, 5}, {4, 4}, {5, 6}};
    static const size_t want[] = {0, 2, 3, 5};
    static const double dup[][2] = {{2, 5}, {2, 5}};
    static const size_t want_dup[] = {0};
    size_t out[8], n;

    n = front_of(FRONT_UPPER_RIGHT, pts, 6, out);
    CHECK(same(out, n, want, 4));
    n = front_of(FRONT_UPPER_RIGHT, dup, 2, out);
    CHECK(same(out, n, want_dup, 1));
}

static void front_lower_left_ties(void)
{
    /* equal y (3,2)/(4,2): not below the minimum, so only the first; identical: the first */
    static const double pts[][2] = {{1, 5}, {1, 3}, {2, 4}, {3, 2}, {3, 2}, {4, 2}};
    static const size_t want[] = {1, 3};
    size_t out[8], n;

    n = front_of(FRONT_LOWER_LEFT, pts, 6, out);
    CHECK(same(out, n, want, 2));
}

static void front_lower_right_ties(void)
{
    /* walked from the right; equal y keeps the larger x; reported in ascending x */
    static const double pts[][2] = {{1, 1}, {2, 3}, {2, 2}, {3, 4}, {4, 5}, {4, 6}, {0.5, 1}};
    static const size_t want[] = {0, 2, 3, 4};
    size_t out[8], n;

    n = front_of(FRONT_LOWER_RIGHT, pts, 7, out);
    CHECK(same(out, n, want, 4));
    CHECK(front_dir_parse("lower_right") == FRONT_LOWER_RIGHT);
    CHECK(front_dir_parse("down") == -1);
    CHECK(front_dir_flip(FRONT_UPPER_LEFT) == FRONT_UPPER_RIGHT);
    CHECK(front_dir_flip(FRONT_LOWER_RIGHT) == FRONT_LOWER_LEFT);
}

static void tangents_steffen(void)
{
    static const double x[] = {0, 1, 3}, y[] = {0, 2, 3};
    static const double x2[] = {0, 1}, y2[] = {0, 100};
    double m[3], v;

    /* interior: p = (2*2 + 0.5*1)/3 = 1.5, m = 2 * min(2, 0.5, 0.75) = 1; then the ends */
    interp_tangents(x, y, 3, m);
    CHECK(NEAR(m[1], 1) && NEAR(m[0], 2.5) && NEAR(m[2], 0.25));
    /* two knots: 1.5 and 0.75 times the secant, so the midpoint is 59.375, not 50 */
    interp_tangents(x2, y2, 2, m);
    CHECK(NEAR(m[0], 150) && NEAR(m[1], 75));
    CHECK(interp_eval(x2, y2, m, 2, 0.5, &v, NULL) == 0 && NEAR(v, 59.375));
}

static void interp_knots_and_ends(void)
{
    static const double x[] = {1, 2, 4, 7, 8}, y[] = {10, 9, 5, 4.5, 1};
    double m[5], v;
    size_t lo;

    interp_tangents(x, y, 5, m);
    for (size_t i = 0; i < 5; i++) {
        CHECK(interp_eval(x, y, m, 5, x[i], &v, NULL) == 0);
        CHECK(v == y[i]);
    }
    CHECK(interp_eval(x, y, m, 5, 1, &v, &lo) == 0 && lo == 0);
    CHECK(interp_eval(x, y, m, 5, 8, &v, &lo) == 0 && lo == 3);
    CHECK(interp_eval(x, y, m, 5, 3, &v, &lo) == 0 && lo == 1 && v < 9 && v > 5);
    /* no extrapolation at either end */
    CHECK(interp_eval(x, y, m, 5, 1 - 1e-9, &v, NULL) < 0);
    CHECK(interp_eval(x, y, m, 5, 8 + 1e-9, &v, NULL) < 0);
    CHECK(interp_eval(x, y, m, 5, NAN, &v, NULL) < 0);
    CHECK(interp_eval(x, y, m, 0, 1, &v, NULL) < 0);
}

static void interp_flat_segments(void)
{
    static const double x[] = {0, 1, 2, 3}, y[] = {0, 1, 1, 2};
    static const double fx[] = {0, 1, 2}, fy[] = {5, 5, 5};
    double m[4], v;

    /* a flat middle segment stays flat: zero tangents at both of its knots */
    interp_tangents(x, y, 4, m);
    CHECK(m[1] == 0 && m[2] == 0);
    CHECK(interp_eval(x, y, m, 4, 1.5, &v, NULL) == 0 && v == 1);
    interp_tangents(fx, fy, 3, m);
    CHECK(m[0] == 0 && m[1] == 0 && m[2] == 0);
    CHECK(interp_eval(fx, fy, m, 3, 0.25, &v, NULL) == 0 && v == 5);
}

static void interp_zero_widths(void)
{
    static const double x[] = {0, 1, 1, 2}, y[] = {0, 1, 2, 3};
    static const double z[] = {1, 1, 1}, zy[] = {0, 1, 2};
    double m[4], v;

    /* a zero width has a zero secant; the interior tangents around it are 0 */
    interp_tangents(x, y, 4, m);
    CHECK(m[1] == 0 && m[2] == 0 && NEAR(m[0], 1.5) && NEAR(m[3], 1.5));
    CHECK(interp_eval(x, y, m, 4, 1, &v, NULL) == 0 && v == 2);
    /* all widths zero: p is NaN, the tangent 0, the ends take the neighbour's */
    interp_tangents(z, zy, 3, m);
    CHECK(m[0] == 0 && m[1] == 0 && m[2] == 0);
    CHECK(interp_eval(z, zy, m, 3, 1, &v, NULL) == 0 && v == 1);
}

static void interp_one_point(void)
{
    static const double x[] = {50}, y[] = {7};
    double m[1], v;
    interp_tangents(x, y, 1, m);
    CHECK(m[0] == 0);
    CHECK(interp_eval(x, y, m, 1, 50 + 5e-7, &v, NULL) == 0 && v == 7);
    CHECK(interp_eval(x, y, m, 1, 50 - 2e-6, &v, NULL) < 0);
}

static void gpu_constants_file(void)
{
    struct gpu_table g;
    struct imx_err e = IMX_ERR_INIT;
    char path[] = "/tmp/imx-gpus-XXXXXX";
    int fd = mkstemp(path);
    const char *csv = "gpu,costh\nB200,2.5\nrtx6000pro,0.9\n";
    const struct gpu_spec *s;

    CHECK(fd >= 0);
    CHECK(write(fd, csv, strlen(csv)) == (ssize_t)strlen(csv));
    close(fd);
    gpu_table_init(&g);
    s = gpu_table_find(&g, "mi355x");
    CHECK(s && s->v[GC_POWER] == 2.65 && s->v[GC_COSTR] == 2.10);
    CHECK(gpu_table_load(&g, path, &e) == 0);
    s = gpu_table_find(&g, "b200");
    /* listed columns replace, others stay */
    CHECK(s && s->v[GC_COSTH] == 2.5 && s->v[GC_POWER] == 2.17 && s->origin == 1);
    s = gpu_table_find(&g, "rtx6000pro");
    CHECK(s && s->v[GC_COSTH] == 0.9 && isnan(s->v[GC_POWER]) && s->origin == 2);
    CHECK(g.overridden == 1 && g.added == 1);
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(write(fd, "gpu,power_kw\nh100,-3\n", 21) == 21);
    close(fd);
    CHECK(gpu_table_load(&g, path, &e) == -IMX_EPARSE);
    CHECK(strstr(e.msg, "line 2") && strstr(e.msg, "power_kw") && strstr(e.msg, path));
    imx_err_clear(&e);
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(write(fd, "gpu,watts\n", 10) == 10);
    close(fd);
    CHECK(gpu_table_load(&g, path, &e) == -IMX_EPARSE && strstr(e.msg, "watts"));
    gpu_table_release(&g);
    {
        /* what a careless file holds: a repeated GPU, a stray field, a hexadecimal number are
         * errors naming the line; a spreadsheet's byte order mark is not */
        static const struct {
            const char *csv, *want; /* want NULL: loads */
        } bad[] = {
            {"gpu,costh\nh100,1\nH100,2\n", "line 3: gpu 'h100' again (first on line 2)"},
            {"gpu,costh\nb200,1\nfoo,2\nfoo,3\n", "line 4: gpu 'foo' again (first on line 3)"},
            {"gpu,costh\nh100,1,2\n", "line 2: 3 fields, the header has 2"},
            {"gpu,power_kw\nh100,0x10\n", "line 2: power_kw '0x10' is not a number"},
            {"\xef\xbb\xbfgpu,costh\nh100,1.5e0\n", NULL},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            imx_err_clear(&e);
            gpu_table_init(&g);
            fd = open(path, O_WRONLY | O_TRUNC);
            CHECK(write(fd, bad[i].csv, strlen(bad[i].csv)) == (ssize_t)strlen(bad[i].csv));
            close(fd);
            if (bad[i].want) {
                CHECK(gpu_table_load(&g, path, &e) == -IMX_EPARSE && strstr(e.msg, bad[i].want));
            } else {
                CHECK(gpu_table_load(&g, path, &e) == 0);
                s = gpu_table_find(&g, "h100");
                CHECK(s && s->v[GC_COSTH] == 1.5 && g.overridden == 1);
            }
            gpu_table_release(&g);
        }
    }
    unlink(path);
}

static void derived_metrics(void)
{
    struct table t;
    struct gpu_table g;
    size_t n;
    double v[NMETRIC];
    int noc;
    struct trow **rows =
        unit_table_load(&t,
                        "[{\"hw\":\"b200-trt\",\"tp\":8,\"conc\":4,\"tput_per_gpu\":1000,"
                        "\"output_tput_per_gpu\":0,\"median_intvty\":50},"
                        " {\"hw\":\"rtx6000pro-lat\",\"tp\":1,\"conc\":8,\"tput_per_gpu\":10},"
                        " {\"hw\":\"gb200\",\"disagg\":true,\"num_prefill_gpu\":4,"
                        "\"num_decode_gpu\":12,\"conc\":16,\"tput_per_gpu\":2000}]",
                        &n);
    char s[32];

    gpu_table_init(&g);
    CHECK(n == 3);
    /* sorted by hw: b200-trt, gb200, rtx6000pro-lat */
    metrics_of_row(rows[0], &g, 0, v, &noc);
    CHECK(!noc && v[M_TOTAL_GPUS] == 8);
    CHECK(NEAR(v[M_COSTH], 1.95 / (1000 * 3600 / 1e6)) && NEAR(v[M_COSTR], 2.9 / 3.6));
    CHECK(NEAR(v[M_TPMW], 1000 * 1000 / 2.17) && NEAR(v[M_JPT], 2.17 * 1000 / 1000));
    /* zero output throughput and missing input: empty, never 0 */
    CHECK(isnan(v[M_COSTH_OUT]) && isnan(v[M_TPMW_OUT]) && isnan(v[M_JPT_IN]));
    metrics_of_row(rows[0], &g, 1, v, &noc);
    CHECK(v[M_OUTPUT_TPUT] == 0); /* the fallback is for a missing value, not a zero */
    metrics_of_row(rows[1], &g, 0, v, &noc);
    CHECK(!noc && v[M_TOTAL_GPUS] == 16);
    metrics_of_row(rows[2], &g, 1, v, &noc);
    CHECK(noc && isnan(v[M_COSTH]) && v[M_TOTAL_GPUS] == 1 && v[M_OUTPUT_TPUT] == 10);
    CHECK(metric_lookup("costh") == M_COSTH && metric_lookup("tput_per_gpu") == M_TPUT);
    CHECK(metric_lookup("cost_per_mtok_input_rental_3y") == M_COSTR_IN);
    CHECK(metric_lookup("nope") == -1);
    num_format(0.1, s, sizeof(s));
    CHECK_STR(s, "0.1");
    num_format(1.0 / 3, s, sizeof(s));
    CHECK(strtod(s, NULL) == 1.0 / 3);
    free(rows);
    table_release(&t);
    gpu_table_release(&g);
}

static void series_names(void)
{
    struct table t;
    size_t n;
    struct series s[3];
    struct trow **rows = unit_table_load(
        &t,
        "[{\"hw\":\"mi355x-amd_0\",\"framework\":\"SGLang-Disagg\",\"precision\":\"MXFP4\","
        "\"isl\":1024,\"osl\":1024,\"conc\":4,\"infmax_model_prefix\":\"dsr1\"},"
        " {\"hw\":\"b200\",\"framework\":\"trtllm\",\"precision\":\"fp8\",\"spec_decoding\":"
        "\"mtp\","
        "\"isl\":8192,\"osl\":1024,\"conc\":4},"
        " {\"hw\":\"gb200\",\"framework\":\"dynamo-trtllm\",\"precision\":\"fp4\",\"mtp\":\"on\","
        "\"disagg\":true,\"isl\":1024,\"osl\":1024,\"conc\":4}]",
        &n);
    CHECK(n == 3);
    for (size_t i = 0; i < n; i++)
        series_of_row(rows[i], &s[i]);
    CHECK_STR(s[0].label, "b200_trt_mtp_fp8");
    CHECK_STR(s[1].label, "gb200_dynamo-trt_mtp_disagg_fp4");
    CHECK_STR(s[2].label, "mi355x_mori-sglang_disagg_fp4");
    CHECK(s[2].disagg && !strcmp(s[2].spec, "none") && !strcmp(s[2].prefix, "dsr1"));
    CHECK(series_cmp(&s[0], &s[0]) == 0 && series_cmp(&s[0], &s[1]) != 0);
    for (size_t i = 0; i < n; i++)
        series_release(&s[i]);
    free(rows);
    table_release(&t);
}

static void pareto_and_calculator(void)
{
    struct table t;
    struct gpu_table g;
    struct pareto p;
    struct pareto_opts o;
    struct calc_answer a;
    struct imx_err e = IMX_ERR_INIT;
    size_t n;
    /* one series: (intvty, tput) = (10,100) (20,80) (20,70) (40,20) and a point without x */
    struct trow **rows = unit_table_load(
        &t,
        "[{\"hw\":\"h100\",\"precision\":\"fp8\",\"framework\":\"vllm\",\"isl\":1024,"
        "\"osl\":1024,\"conc\":64,\"tput_per_gpu\":100,\"median_intvty\":10},"
        " {\"hw\":\"h100\",\"precision\":\"fp8\",\"framework\":\"vllm\",\"isl\":1024,"
        "\"osl\":1024,\"conc\":32,\"tput_per_gpu\":80,\"median_intvty\":20},"
        " {\"hw\":\"h100\",\"precision\":\"fp8\",\"framework\":\"vllm\",\"isl\":1024,"
        "\"osl\":1024,\"conc\":16,\"tput_per_gpu\":70,\"median_intvty\":20},"
        " {\"hw\":\"h100\",\"precision\":\"fp8\",\"framework\":\"vllm\",\"isl\":1024,"
        "\"osl\":1024,\"conc\":8,\"tput_per_gpu\":20,\"median_intvty\":40},"
        " {\"hw\":\"h100\",\"precision\":\"fp8\",\"framework\":\"vllm\",\"isl\":1024,"
        "\"osl\":1024,\"conc\":2,\"tput_per_gpu\":5}]",
        &n);

    gpu_table_init(&g);
    calc_pareto_opts(&o, CALC_INTERACTIVITY, &g, NULL);
    CHECK(pareto_build(&p, rows, n, &o, &e) == 0);
    CHECK(p.n == 1 && p.v[0].n == 4 && p.v[0].nfront == 3 && p.st.no_x == 1);
    CHECK(p.v[0].p[p.v[0].front[1]].y == 80);
    calc_at(&p.v[0], CALC_INTERACTIVITY, 20, &a);
    CHECK(a.ok && a.v[M_TPUT] == 80 && a.v[M_CONC] == 32 && a.lo->y == 80);
    calc_at(&p.v[0], CALC_INTERACTIVITY, 45, &a);
    CHECK(!a.ok && strstr(a.note, "outside"));
    calc_at(&p.v[0], CALC_INTERACTIVITY, 15, &a);
    CHECK(a.ok && a.v[M_TPUT] > 80 && a.v[M_TPUT] < 100 && a.lo->y == 100 && a.hi->y == 80);
    CHECK(NEAR(a.v[M_COSTH], a.v[M_COSTH])); /* interpolated on its own, present */
    pareto_release(&p);
    /* cost chart: lower_right, and points above the display limit left out */
    pareto_opts_init(&o);
    o.y = M_COSTH;
    o.gpus = &g;
    o.dedup = DEDUP_CONFIG;
    o.max_cost = 10; /* the point at 20 tok/s/GPU costs $18 per Mtok */
    CHECK(pareto_build(&p, rows, n, &o, &e) == 0);
    CHECK(p.dir == FRONT_LOWER_RIGHT && p.st.over_cost == 1 && p.v[0].n == 3);
    pareto_release(&p);
    free(rows);
    table_release(&t);
    gpu_table_release(&g);
}

/* The calculator's edges: Math.round's concurrency, numbers too large or too small for a double
 * (no "inf" ever written), and an answer asked for a metric some front point lacks. */
static void calculator_edges(void)
{
    struct table t;
    struct gpu_table g;
    struct pareto p;
    struct pareto_opts o;
    struct calc_answer a;
    struct imx_err e = IMX_ERR_INIT;
    size_t n;
    /* series 1 (h100): a one-point front whose concurrency is just below a half; series 2
     * (h200): a throughput of 5e-324 tok/s; series 3 (rtx6000pro): no constants; series 4
     * (b200): knots of +-1.7e308, whose secant overflows */
    struct trow **rows = unit_table_load(
        &t,
        "[{\"hw\":\"h100\",\"precision\":\"fp8\",\"framework\":\"vllm\",\"isl\":1024,"
        "\"osl\":1024,\"conc\":0.49999999999999994,\"tput_per_gpu\":100,\"median_intvty\":50}"
        ",{\"hw\":\"h200\",\"precision\":\"fp8\",\"framework\":\"vllm\",\"isl\":1024,"
        "\"osl\":1024,\"conc\":4,\"tput_per_gpu\":5e-324,\"median_intvty\":50}"
        ",{\"hw\":\"rtx6000pro-lat\",\"precision\":\"fp8\",\"framework\":\"vllm\",\"isl\":1024,"
        "\"osl\":1024,\"conc\":4,\"tput_per_gpu\":100,\"median_intvty\":50}"
        ",{\"hw\":\"b200\",\"precision\":\"fp8\",\"framework\":\"vllm\",\"isl\":1024,"
        "\"osl\":1024,\"conc\":4,\"tput_per_gpu\":-1.7e308,\"median_intvty\":10}"
        ",{\"hw\":\"b200\",\"precision\":\"fp8\",\"framework\":\"vllm\",\"isl\":1024,"
        "\"osl\":1024,\"conc\":8,\"tput_per_gpu\":1.7e308,\"median_intvty\":5}"
        ",{\"hw\":\"b200\",\"precision\":\"fp8\",\"framework\":\"vllm\",\"isl\":1024,"
        "\"osl\":1024,\"conc\":16,\"tput_per_gpu\":-1.8e308,\"median_intvty\":20}]",
        &n);
    int ok;

    gpu_table_init(&g);
    calc_pareto_opts(&o, CALC_INTERACTIVITY, &g, NULL);
    CHECK(pareto_build(&p, rows, n, &o, &e) == 0);
    CHECK(p.n == 4);
    /* series order: b200, h100, h200, rtx6000pro */
    calc_at(&p.v[1], CALC_INTERACTIVITY, 50, &a);
    CHECK(a.ok && a.v[M_CONC] == 0); /* floor(v + 0.5) gave 1 */
    calc_at(&p.v[2], CALC_INTERACTIVITY, 50, &a);
    CHECK(a.ok && isnan(a.v[M_COSTH]) && isnan(a.v[M_JPT]) && a.v[M_TPMW] > 0);
    CHECK(!calc_require(&a, M_COSTH) && strstr(a.note, "no costh"));
    calc_at(&p.v[3], CALC_INTERACTIVITY, 50, &a);
    ok = a.ok;
    CHECK(ok && calc_require(&a, M_TPUT) && !calc_require(&a, M_TPMW) && strstr(a.note, "tpmw"));
    /* between 5 and 10 the secant is -inf: no number, never inf */
    calc_at(&p.v[0], CALC_INTERACTIVITY, 7.5, &a);
    CHECK(!a.ok && !isinf(a.v[M_TPUT]) && !isinf(a.v[M_COSTH]));
    pareto_release(&p);
    free(rows);
    table_release(&t);
    gpu_table_release(&g);
}

int main(void)
{
    RUN(fronts_empty_and_one_point);
    RUN(front_upper_left_ties);
    RUN(front_upper_right_ties);
    RUN(front_lower_left_ties);
    RUN(front_lower_right_ties);
    RUN(tangents_steffen);
    RUN(interp_knots_and_ends);
    RUN(interp_flat_segments);
    RUN(interp_zero_widths);
    RUN(interp_one_point);
    RUN(gpu_constants_file);
    RUN(derived_metrics);
    RUN(series_names);
    RUN(pareto_and_calculator);
    RUN(calculator_edges);
    UNIT_END();
}
