/* test_chart: the renderer: nice ticks and their labels, colours by vendor and markers by
 * framework, d3's monotone-x segments, and the three formats drawn by the same code (SVG marks
 * and fronts counted, PNG and PDF headers and sizes). */
#include "render/chart.h"
#include "render/curve.h"

#include "unit.h"

#include <math.h>
#include <stdlib.h>

#define NEAR(a, b) (fabs((double)(a) - (double)(b)) < 1e-9 * (1 + fabs((double)(b))))

static void ticks_linear(void)
{
    struct chart_ticks t;
    char lab[32];

    chart_ticks(&t, 0, 9300, 0, 6);
    CHECK(t.step == 2000 && t.lo == 0 && t.hi == 10000 && t.n == 6);
    chart_ticks(&t, 0.013, 4.7, 0, 5);
    CHECK(t.step == 1 && t.lo == 0 && t.hi == 5);
    chart_ticks(&t, 3, 3, 0, 5); /* one value: widened, never a zero range */
    CHECK(t.lo < 3 && t.hi > 3 && t.n >= 2);
    chart_ticks(&t, -1, 1, 0, 4);
    CHECK(t.lo == -1 && t.hi == 1 && t.v[2] == 0);
    chart_tick_label(lab, sizeof(lab), 0.5, 0.25 * 2);
    CHECK_STR(lab, "0.5");
    chart_tick_label(lab, sizeof(lab), 12000, 2000);
    CHECK_STR(lab, "12k");
    chart_tick_label(lab, sizeof(lab), 12500, 500);
    CHECK_STR(lab, "12500");
    chart_tick_label(lab, sizeof(lab), 4000, 1000);
    CHECK_STR(lab, "4k");
    chart_tick_label(lab, sizeof(lab), 4500, 500);
    CHECK_STR(lab, "4500");
    chart_tick_label(lab, sizeof(lab), 2500000, 500000);
    CHECK_STR(lab, "2.5M");
    chart_tick_label(lab, sizeof(lab), 0.02, 0.01);
    CHECK_STR(lab, "0.02");
}

static void ticks_log(void)
{
    struct chart_ticks t;
    char lab[32];

    chart_ticks(&t, 3, 4500, 1, 6);
    CHECK(t.lo == 1 && t.hi == 10000 && t.n == 5 && t.step == 0);
    CHECK(NEAR(t.v[1], 10) && NEAR(t.v[4], 10000));
    chart_ticks(&t, 0.3, 20, 1, 6); /* three decades: 2 and 5 between */
    CHECK(NEAR(t.lo, 0.2) && NEAR(t.hi, 20) && t.n == 7 && NEAR(t.v[1], 0.5));
    chart_ticks(&t, -1, 5, 1, 6); /* not drawable on a log axis: a default decade */
    CHECK(t.lo == 1 && t.hi == 10);
    chart_tick_label(lab, sizeof(lab), 0.2, 0);
    CHECK_STR(lab, "0.2");
    chart_tick_label(lab, sizeof(lab), 100000, 0);
    CHECK_STR(lab, "100k");
    chart_tick_label(lab, sizeof(lab), 1000, 0);
    CHECK_STR(lab, "1000");
}

/* Tiny and huge ranges read as numbers, never as rows of identical "0.000000000" or of
 * 60-digit integers; many decades on a log axis are thinned to a readable count. */
static void ticks_extremes(void)
{
    struct chart_ticks t;
    char lab[64];

    chart_ticks(&t, 0, 3.2e-12, 0, 6);
    CHECK(t.n >= 4 && t.n <= 9 && t.step > 0);
    for (size_t i = 1; i < t.n; i++) {
        char prev[64];
        chart_tick_label(prev, sizeof(prev), t.v[i - 1], t.step);
        chart_tick_label(lab, sizeof(lab), t.v[i], t.step);
        CHECK(strcmp(prev, lab) != 0 && strlen(lab) < 10);
    }
    chart_tick_label(lab, sizeof(lab), 1.5e-12, 5e-13);
    CHECK_STR(lab, "1.5e-12");
    chart_tick_label(lab, sizeof(lab), 0, 5e-13);
    CHECK_STR(lab, "0");
    chart_ticks(&t, 0, 1.6e299, 0, 8);
    CHECK(isfinite(t.hi) && t.hi >= 1.6e299 && t.n >= 4 && t.n <= 10);
    chart_tick_label(lab, sizeof(lab), t.v[1], t.step);
    CHECK(strlen(lab) < 10 && strstr(lab, "e+29"));
    chart_tick_label(lab, sizeof(lab), 2.5e12, 5e11);
    CHECK_STR(lab, "2.5T");
    chart_ticks(&t, 1e-200, 1e200, 1, 8); /* 400 decades: a tick every 50 */
    CHECK(t.n >= 5 && t.n <= 10 && NEAR(log10(t.v[1]) - log10(t.v[0]), 50));
    CHECK(t.lo <= 1e-200 && t.hi >= 1e200);
    chart_tick_label(lab, sizeof(lab), 1e50, 0);
    CHECK_STR(lab, "1e+50");
    chart_ticks(&t, 0, 0, 0, 5); /* all zero: 0 to 1, not centred on zero */
    CHECK(t.lo == 0 && t.hi == 1);
}

static void ticks_dates(void)
{
    struct chart_ticks t;

    chart_date_ticks(&t, 20435.5, 20466, 6); /* a month: weekly ticks on whole days */
    CHECK(t.step == 7 && t.lo <= 20435 && t.hi >= 20466 && t.n >= 5 && t.n <= 7);
    for (size_t i = 0; i < t.n; i++)
        CHECK(t.v[i] == floor(t.v[i]));
    chart_date_ticks(&t, 20435, 20437, 6);
    CHECK(t.step == 1 && t.n == 3);
    chart_date_ticks(&t, 20000, 20000, 6); /* one day: still a range */
    CHECK(t.hi > t.lo);
}

static int greenish(struct chart_rgb c)
{
    return c.g > c.r && (c.g >= c.b - 0.1);
}

static int reddish(struct chart_rgb c)
{
    return c.r > c.g && c.r > c.b;
}

static void colours_and_marks(void)
{
    struct chart c;
    static const char *const gpus[] = {"b200", "h100", "gb200", "mi300x", "mi355x", "b200", "tpu7"};
    static const char *const fws[] = {"sglang", "vllm",  "dynamo-trt", "vllm",
                                      "atom",   "newfw", "otherfw"};

    chart_init(&c);
    for (size_t i = 0; i < 7; i++)
        chart_add_series(&c, gpus[i], gpus[i], fws[i]);
    chart_style(&c);
    CHECK(chart_vendor_of("b200-trt") == VENDOR_NVIDIA);
    CHECK(chart_vendor_of("mi355x-amd_0") == VENDOR_AMD);
    CHECK(chart_vendor_of("gb300") == VENDOR_NVIDIA);
    CHECK(chart_vendor_of("tpu7") == VENDOR_OTHER);
    for (size_t i = 0; i < 7; i++) {
        if (c.series[i].vendor == VENDOR_NVIDIA)
            CHECK(greenish(c.series[i].colour));
        if (c.series[i].vendor == VENDOR_AMD)
            CHECK(reddish(c.series[i].colour));
        for (size_t j = 0; j < i; j++) { /* distinct colours, all vendors */
            struct chart_rgb a = c.series[i].colour, b = c.series[j].colour;
            CHECK(fabs(a.r - b.r) + fabs(a.g - b.g) + fabs(a.b - b.b) > 0.1);
        }
    }
    CHECK(c.series[3].vendor == VENDOR_AMD && c.series[6].vendor == VENDOR_OTHER);
    /* one shape per framework, the same for the same framework */
    CHECK(c.series[1].mark == c.series[3].mark && c.series[1].mark == MARK_CIRCLE);
    CHECK(c.series[0].mark != c.series[1].mark && c.series[2].mark != c.series[0].mark);
    CHECK(c.series[5].mark != c.series[6].mark);
    for (size_t i = 0; i < 7; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(fws[i], fws[j]))
                CHECK(c.series[i].mark != c.series[j].mark);
    chart_release(&c);
}

/* d3.line().curve(d3.curveMonotoneX) on (0,0) (1,1) (2,4) (3,9): "M0,0C0.333,0.167,..." */
/* CIE76 difference of two colours (sRGB to Lab, D65) */
static double lab_diff(struct chart_rgb a, struct chart_rgb b)
{
    double la[3], lb[3], d = 0;
    struct chart_rgb in[2] = {a, b};
    double *out[2] = {la, lb};

    for (int k = 0; k < 2; k++) {
        double c[3] = {in[k].r, in[k].g, in[k].b}, X, Y, Z, f[3];
        for (int i = 0; i < 3; i++)
            c[i] = c[i] <= 0.04045 ? c[i] / 12.92 : pow((c[i] + 0.055) / 1.055, 2.4);
        X = (0.4124 * c[0] + 0.3576 * c[1] + 0.1805 * c[2]) / 0.95047;
        Y = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
        Z = (0.0193 * c[0] + 0.1192 * c[1] + 0.9505 * c[2]) / 1.08883;
        f[0] = X, f[1] = Y, f[2] = Z;
        for (int i = 0; i < 3; i++)
            f[i] = f[i] > 0.008856 ? cbrt(f[i]) : 7.787 * f[i] + 16.0 / 116;
        out[k][0] = 116 * f[1] - 16, out[k][1] = 500 * (f[0] - f[1]),
        out[k][2] = 200 * (f[1] - f[2]);
    }
    for (int i = 0; i < 3; i++)
        d += (la[i] - lb[i]) * (la[i] - lb[i]);
    return sqrt(d);
}

static double hue_of(struct chart_rgb c)
{
    double mx = fmax(c.r, fmax(c.g, c.b)), mn = fmin(c.r, fmin(c.g, c.b)), d = mx - mn, h;

    if (d == 0)
        return -1;
    if (mx == c.r)
        h = fmod((c.g - c.b) / d, 6);
    else if (mx == c.g)
        h = (c.b - c.r) / d + 2;
    else
        h = (c.r - c.g) / d + 4;
    h *= 60;
    return h < 0 ? h + 360 : h;
}

/*
 * Hundreds of series: every colour distinct (as 8-bit RGB, what the files hold) within and
 * across vendors, NVIDIA's in greens and teals, AMD's in reds and oranges, and the first eight
 * of a vendor clearly apart (CIE76 difference of 20 or more).
 */
static void colours_many(void)
{
    struct chart c;
    char name[32];
    unsigned *seen;
    size_t n = 900;

    chart_init(&c);
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "s%zu", i);
        chart_add_series(&c, name, i % 3 == 0 ? "b200" : i % 3 == 1 ? "mi355x" : "tpu7", "vllm");
    }
    chart_style(&c);
    seen = calloc(n, sizeof(*seen));
    for (size_t i = 0; i < n; i++) {
        struct chart_rgb k = c.series[i].colour;
        double h = hue_of(k);
        seen[i] = (unsigned)lround(k.r * 255) << 16 | (unsigned)lround(k.g * 255) << 8 |
                  (unsigned)lround(k.b * 255);
        for (size_t j = 0; j < i; j++)
            CHECK(seen[i] != seen[j]);
        if (c.series[i].vendor == VENDOR_NVIDIA)
            CHECK(h >= 75 && h <= 185);
        else if (c.series[i].vendor == VENDOR_AMD)
            CHECK(h >= 340 || h <= 40);
        else
            CHECK(h >= 200 && h <= 290);
        /* the first eight of each vendor: series 0..23, three vendors in turn */
        for (size_t j = i % 3; j < i && i < 24; j += 3)
            CHECK(lab_diff(k, c.series[j].colour) >= 20);
    }
    free(seen);
    chart_release(&c);
}

static void monotone_segments(void)
{
    double x[] = {0, 1, 2, 3}, y[] = {0, 1, 4, 9}, seg[6 * 3];
    double x2[] = {0, 1}, y2[] = {0, 100}, seg2[6];
    double xd[] = {0, 1, 1, 2}, yd[] = {0, 5, 5, 5}, segd[6 * 3];

    CHECK(curve_monotone_x(x, y, 4, seg) == 3);
    /* interior tangents: min(1, 3, |p|/2 = 1) * 2 = 2 at x=1; min(3, 5, 2) * 2 = 4 at x=2 */
    CHECK(NEAR(seg[0], 1.0 / 3) && NEAR(seg[1], (3 * 1 - 2) / 2.0 / 3));
    CHECK(NEAR(seg[2], 2.0 / 3) && NEAR(seg[3], 1 - 2.0 / 3));
    CHECK(NEAR(seg[4], 1) && NEAR(seg[5], 1));
    CHECK(NEAR(seg[7], 1 + 2.0 / 3) && NEAR(seg[9], 4 - 4.0 / 3));
    /* last end tangent from its neighbour: (3 * 5 - 4) / 2 = 5.5 */
    CHECK(NEAR(seg[13], 4 + 4.0 / 3) && NEAR(seg[15], 9 - 5.5 / 3) && NEAR(seg[17], 9));
    /* two points: a straight line, as d3 draws it (not the calculator's 1.5 and 0.75) */
    CHECK(curve_monotone_x(x2, y2, 2, seg2) == 1);
    CHECK(NEAR(seg2[1], 100.0 / 3) && NEAR(seg2[3], 200.0 / 3) && NEAR(seg2[5], 100));
    /* coincident points are skipped: three distinct ones, two segments */
    CHECK(curve_monotone_x(xd, yd, 4, segd) == 2);
    CHECK(NEAR(segd[10], 2) && NEAR(segd[11], 5));
    /* a flat then rising run stays monotone: no control point above the next knot */
    CHECK(segd[1] <= 5 && segd[3] <= 5 && segd[7] >= 5 - 1e-12);
}

static void formats(void)
{
    CHECK(chart_format_of("a/chart.svg") == CHART_SVG);
    CHECK(chart_format_of("chart.PNG") == CHART_PNG);
    CHECK(chart_format_of("x.pdf") == CHART_PDF);
    CHECK(chart_format_of("x.jpg") == -1);
    CHECK(chart_format_of("svg") == -1);
    CHECK(chart_format_of("dir.svg/chart") == -1);
}

static void sample(struct chart *c, int log)
{
    struct chart_series *s;

    chart_init(c);
    chart_set_text(&c->title, "gpt-oss-120b 1k/1k fp4");
    chart_set_text(&c->footnote, "runs 2025-12-01 to 2025-12-20");
    chart_set_text(&c->x.title, "Interactivity (tok/s/user)");
    chart_set_text(&c->y.title, "Throughput per GPU (tok/s/gpu)");
    c->y.log = log;
    s = chart_add_series(c, "b200 sglang fp4", "b200", "sglang");
    chart_add_point(s, 20, 9000, 1, "TP4 c256", "b200 tp4 conc 256");
    chart_add_point(s, 60, 5000, 1, "TP4 c64", NULL);
    chart_add_point(s, 150, 1500, 1, "TP8 c8", NULL);
    chart_add_point(s, 50, 3000, 0, NULL, NULL);
    s = chart_add_series(c, "mi355x vllm fp4", "mi355x", "vllm");
    chart_add_point(s, 30, 6000, 1, "TP8 c128", NULL);
    chart_add_point(s, 90, 2000, 1, "TP8 c16", NULL);
    chart_add_point(s, 40, 0, 0, NULL, NULL); /* zero: not drawable on a log axis */
    s = chart_add_series(c, "h100 trt fp8", "h100", "trt");
    chart_add_point(s, 40, 1000, 1, NULL, NULL); /* one front point: a mark, no curve */
    chart_add_point(s, NAN, 10, 0, NULL, NULL);  /* never drawn */
    chart_style(c);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void svg_counts(void)
{
    struct chart c;
    struct buf out = BUF_INIT;
    struct chart_stats st;
    struct imx_err err = IMX_ERR_INIT;

    sample(&c, 0);
    c.annotate = 1;
    CHECK(chart_render(&c, CHART_SVG, &out, &st, &err) == 0);
    CHECK(st.points == 8 && st.dropped == 1 && st.fronts == 2);
    CHECK(st.labels + st.unlabeled == 5 && st.labels >= 3);
    CHECK(strncmp(out.p, "<?xml", 5) == 0 && strstr(out.p, "</svg>"));
    CHECK(strstr(out.p, "width=\"960px\"") != NULL);
    /* one element per mark (fill and outline together), legend marks too; one per front */
    CHECK(count(out.p, "stroke-width:0.9;") == 8 + 3);
    CHECK(count(out.p, "stroke-width:2.25;") == 2);
    buf_release(&out);

    c.y.log = 1;
    CHECK(chart_render(&c, CHART_SVG, &out, &st, &err) == 0);
    CHECK(st.points == 7 && st.dropped == 2);
    buf_release(&out);
    chart_release(&c);
}

static const char *find_bytes(const char *hay, size_t n, const char *needle, size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(hay + i, needle, k))
            return hay + i;
    return NULL;
}

static unsigned be32(const unsigned char *p)
{
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

static void png_pdf(void)
{
    struct chart c;
    struct buf out = BUF_INIT;
    struct imx_err err = IMX_ERR_INIT;
    const unsigned char *u;

    sample(&c, 0);
    c.width = 640;
    c.height = 400;
    CHECK(chart_render(&c, CHART_PNG, &out, NULL, &err) == 0);
    u = (const unsigned char *)out.p;
    CHECK(out.len > 1000 && !memcmp(u, "\x89PNG\r\n\x1a\n", 8) && !memcmp(u + 12, "IHDR", 4));
    CHECK(be32(u + 16) == 640 && be32(u + 20) == 400);
    buf_release(&out);
    CHECK(chart_render(&c, CHART_PDF, &out, NULL, &err) == 0);
    CHECK(!strncmp(out.p, "%PDF-1.", 7));
    CHECK(find_bytes(out.p, out.len, "/MediaBox [ 0 0 640 400 ]", 25) != NULL);
    CHECK(find_bytes(out.p, out.len, "%%EOF", 5) != NULL);
    buf_release(&out);
    c.width = 5;
    CHECK(chart_render(&c, CHART_PNG, &out, NULL, &err) == -IMX_EUSAGE);
    CHECK(strstr(err.msg, "chart size") != NULL);
    buf_release(&out);
    chart_release(&c);
}

static void inline_ids(void)
{
    struct chart c;
    struct buf a = BUF_INIT, b = BUF_INIT;
    struct imx_err err = IMX_ERR_INIT;
    struct chart_frame f;
    double u, v;

    sample(&c, 0);
    CHECK(chart_render_inline(&c, "c1", "data-x=\"1\"", &a, NULL, &err) == 0);
    CHECK(chart_render_inline(&c, "c2", NULL, &b, NULL, &err) == 0);
    CHECK(strncmp(a.p, "<svg", 4) == 0 && !strstr(a.p, "<?xml"));
    CHECK(strstr(a.p, "viewBox=\"0 0 960 600\"") != NULL);
    CHECK(strstr(a.p, "role=\"img\" data-x=\"1\">") != NULL);
    /* every id and every reference carries the chart's prefix */
    CHECK(count(a.p, "id=\"") > 0 && count(a.p, "id=\"") == count(a.p, "id=\"c1-"));
    CHECK(count(a.p, "href=\"#") == count(a.p, "href=\"#c1-"));
    CHECK(count(a.p, "url(#") == count(a.p, "url(#c1-"));
    CHECK(count(b.p, "id=\"c2-") == count(a.p, "id=\"c1-"));
    /* the hover map agrees with the drawing's frame */
    CHECK(chart_layout(&c, &f, &err) == 0);
    CHECK(f.px0 > 16 && f.px1 < 960 && f.py0 < f.py1 && f.xlo == 0 && f.ylo == 0);
    CHECK(chart_frame_map(&f, f.xlo, f.ylo, &u, &v) == 0 && NEAR(u, f.px0) && NEAR(v, f.py1));
    CHECK(chart_frame_map(&f, NAN, 1, &u, &v) == -1);
    /* the legend under the plot gives the plot the chart's whole width */
    c.legend_below = 1;
    CHECK(chart_layout(&c, &f, &err) == 0);
    CHECK(NEAR(f.px1, 960 - 16) && f.py1 < 600 - 3 * 18);
    buf_release(&a);
    buf_release(&b);
    chart_release(&c);
}

/* A legend of long names or hundreds of series leaves the plot most of the chart: names are cut
 * with an ellipsis, the legend moves under the plot and names as many series as fit, the last
 * cell counting the others (st.legend says how many were named). */
static void legend_bounds(void)
{
    struct chart c;
    struct chart_frame f;
    struct chart_stats st;
    struct imx_err err = IMX_ERR_INIT;
    struct buf out = BUF_INIT;
    char name[600];

    sample(&c, 0);
    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    chart_add_series(&c, name, "b200", "trt");
    chart_add_point(&c.series[c.nseries - 1], 50, 2000, 1, NULL, NULL);
    chart_style(&c);
    CHECK(chart_layout(&c, &f, &err) == 0);
    CHECK(f.px1 - f.px0 > 960 * 0.55);
    CHECK(chart_render(&c, CHART_SVG, &out, &st, &err) == 0 && st.legend == 4);
    buf_release(&out);
    chart_release(&c);

    sample(&c, 0);
    for (size_t i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "B200 framework%zu fp4", i);
        chart_add_point(chart_add_series(&c, name, "b200", name), 10 + (double)i, 100, 1, NULL,
                        NULL);
    }
    chart_style(&c);
    CHECK(chart_layout(&c, &f, &err) == 0);
    CHECK(f.px1 - f.px0 > 960 * 0.8 && f.py1 - f.py0 > 600 * 0.35);
    CHECK(chart_render(&c, CHART_SVG, &out, &st, &err) == 0);
    CHECK(st.legend > 20 && st.legend < 303 && st.points == 308);
    /* one legend mark per named series, a mark per point */
    CHECK(count(out.p, "stroke-width:0.9;") == st.points + st.legend);
    buf_release(&out);
    chart_release(&c);
}

/* Text from the data or the cache's path is drawn, never obeyed: invalid UTF-8 (which cairo
 * refuses) and controls become \xNN, in every format, and the SVG stays well-formed. */
static void hostile_text(void)
{
    struct chart c;
    struct buf out = BUF_INIT;
    struct imx_err err = IMX_ERR_INIT;
    static const enum chart_format fmts[] = {CHART_SVG, CHART_PNG, CHART_PDF};

    sample(&c, 0);
    chart_set_text(&c.title, "model \xff\xfe\x01 \xe2\x80\xae</svg>&");
    chart_set_text(&c.footnote, "cache c\xc3\x28");
    chart_add_point(chart_add_series(&c, "b200 \x1b[31m\xc0\xaf", "b200", "x\xff"), 1, 1, 1,
                    "TP\x07", "a\n\xff\nb");
    chart_style(&c);
    CHECK_STR(c.title, "model \\xff\\xfe\\x01 \\xe2\\x80\\xae</svg>&");
    CHECK_STR(c.series[3].name, "b200 \\x1b[31m\\xc0\\xaf");
    CHECK_STR(c.series[3].pts[0].tip, "a\n\\xff\nb");
    for (size_t i = 0; i < 3; i++) {
        CHECK(chart_render(&c, fmts[i], &out, NULL, &err) == 0);
        buf_release(&out);
    }
    chart_release(&c);
}

int main(void)
{
    RUN(ticks_linear);
    RUN(ticks_log);
    RUN(ticks_extremes);
    RUN(ticks_dates);
    RUN(colours_and_marks);
    RUN(colours_many);
    RUN(monotone_segments);
    RUN(formats);
    RUN(svg_counts);
    RUN(png_pdf);
    RUN(inline_ids);
    RUN(legend_bounds);
    RUN(hostile_text);
    chart_cleanup();
    UNIT_END();
}
