/* chart: the chart model, its colours and markers, and nice axis ticks (drawing is in draw.c).
 */
#include "render/chart.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void chart_init(struct chart *c)
{
    memset(c, 0, sizeof(*c));
    c->width = CHART_WIDTH_DEFAULT;
    c->height = CHART_HEIGHT_DEFAULT;
}

static void chart_series_release(struct chart_series *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->pts[i].label);
        free(s->pts[i].tip);
    }
    free(s->pts);
    free(s->name);
    free(s->gpu);
    free(s->group);
}

void chart_release(struct chart *c)
{
    for (size_t i = 0; i < c->nseries; i++)
        chart_series_release(&c->series[i]);
    free(c->series);
    free(c->title);
    free(c->subtitle);
    free(c->footnote);
    free(c->x.title);
    free(c->y.title);
    chart_init(c);
}

/*
 * A copy of s as a chart shows it: names come from the data and the cache's path, and a control
 * character, a bidirectional override or a byte of invalid UTF-8 would draw a box, reorder the
 * text or stop cairo (which refuses invalid UTF-8 outright); each shows as \xNN instead. Newlines
 * separate a hover text's lines and stay, where lines is set.
 */
static char *shown_dup(const char *s, int lines)
{
    struct buf b = BUF_INIT;
    const char *nl;

    if (!s)
        return NULL;
    for (; lines && (nl = strchr(s, '\n')); s = nl + 1) {
        buf_add_shown(&b, s, (size_t)(nl - s));
        buf_addc(&b, '\n');
    }
    buf_add_shown(&b, s, strlen(s));
    return buf_detach(&b, NULL);
}

void chart_set_text(char **slot, const char *s)
{
    free(*slot);
    *slot = shown_dup(s, 0);
}

struct chart_series *chart_add_series(struct chart *c, const char *name, const char *gpu,
                                      const char *group)
{
    struct chart_series *s;

    ALLOC_GROW(c->series, c->nseries + 1, c->cap);
    s = &c->series[c->nseries++];
    memset(s, 0, sizeof(*s));
    s->name = shown_dup(name ? name : "", 0);
    s->gpu = xstrdup(gpu ? gpu : "");
    s->group = xstrdup(group ? group : "");
    return s;
}

void chart_add_point(struct chart_series *s, double x, double y, int front, const char *label,
                     const char *tip)
{
    struct chart_point *p;

    ALLOC_GROW(s->pts, s->n + 1, s->cap);
    p = &s->pts[s->n++];
    p->x = x;
    p->y = y;
    p->front = front;
    p->label = shown_dup(label, 0);
    p->tip = shown_dup(tip, 1);
}

enum chart_vendor chart_vendor_of(const char *gpu)
{
    static const char *const nvidia[] = {"h100",  "h200",  "h20",  "h800", "b200",  "b300",
                                         "gb200", "gb300", "a100", "l40",  "gh200", "rtx"};
    size_t n = 0;

    if (!gpu)
        return VENDOR_OTHER;
    /* the canonical GPU is the runner label's first token: b200-trt, mi355x_0 */
    while (gpu[n] && gpu[n] != '-' && gpu[n] != '_')
        n++;
    if (n >= 2 && !strncasecmp(gpu, "mi", 2) && isdigit((unsigned char)gpu[2]))
        return VENDOR_AMD;
    for (size_t i = 0; i < sizeof(nvidia) / sizeof(nvidia[0]); i++) {
        size_t k = strlen(nvidia[i]);
        if (n >= k && !strncasecmp(gpu, nvidia[i], k))
            return VENDOR_NVIDIA;
    }
    return VENDOR_OTHER;
}

/*
 * Each vendor's first colours, chosen greedily for the largest smallest difference (CIE Lab)
 * inside its hue family (NVIDIA greens and teals, hue 80-178 degrees; AMD reds and oranges,
 * 345-36; others blues and purples, 205-285), lightness 30-78: the first eight of a vendor differ
 * by 25 or more, in lightness too, so neighbours stay apart in a grey print.
 */
static const unsigned palette_nvidia[] = {0x76b900, 0x0f5752, 0x26d9a9, 0x006613,
                                          0x26d962, 0x1da59c, 0x658b18, 0x1da558,
                                          0x0c9711, 0x14d011, 0x14714a, 0x3f570f};
static const unsigned palette_amd[] = {0xe53935, 0xe2ac5a, 0x713914, 0xff8000, 0xe25a7c, 0xe27c5a,
                                       0x970c28, 0xa36200, 0xff0000, 0xa33100, 0xff3d64, 0xec5413};
static const unsigned palette_other[] = {0x1e88e5, 0x0400ff, 0x7e1da5, 0x0062ff,
                                         0x144a71, 0xbf1fff, 0x1d3da5, 0x5626d9,
                                         0x5aa9e2, 0xa94cf0, 0x1371ec, 0x0c4f97};
#define NPAL 12

/* The hue family of each vendor, in degrees (lo may be negative: reds wrap around 0). */
static const double vendor_hue[3][2] = {{205, 285}, {80, 178}, {-15, 36}};

static unsigned hsl_hex(double h, double s, double l)
{
    double c = (1 - fabs(2 * l - 1)) * s, hp = fmod(h + 360, 360) / 60;
    double x = c * (1 - fabs(fmod(hp, 2) - 1)), m = l - c / 2, rgb[3] = {0, 0, 0};
    int k = (int)hp % 6;
    static const int at[6][2] = {{0, 1}, {1, 0}, {1, 2}, {2, 1}, {2, 0}, {0, 2}};
    unsigned hex = 0;

    rgb[at[k][0]] = c;
    rgb[at[k][1]] = x;
    for (int i = 0; i < 3; i++)
        hex = hex << 8 | (unsigned)lround((rgb[i] + m) * 255);
    return hex;
}

/*
 * The k-th colour of a vendor: the palette, then hues spread by the golden ratio over the
 * vendor's family at four lightnesses and two saturations, moved along the hue until no series
 * before has the same 8-bit colour (a chart of hundreds of series keeps them all distinct).
 */
static unsigned vendor_colour(enum chart_vendor v, size_t k, const unsigned *taken, size_t ntaken)
{
    static const double light[4] = {0.30, 0.42, 0.54, 0.66};
    const double *h = vendor_hue[v];
    double t = fmod((double)(k - NPAL) * 0.6180339887498949, 1.0);
    unsigned hex;

    if (k < NPAL)
        return v == VENDOR_NVIDIA ? palette_nvidia[k]
               : v == VENDOR_AMD  ? palette_amd[k]
                                  : palette_other[k];
    for (unsigned tries = 0;; tries++) {
        size_t i;
        hex = hsl_hex(h[0] + fmod(t + tries * 0.0029, 1.0) * (h[1] - h[0]),
                      (k / 4) % 2 ? 0.7 : 0.95, light[k % 4]);
        for (i = 0; i < ntaken && taken[i] != hex; i++)
            ;
        if (i == ntaken || tries > 4096)
            return hex;
    }
}

static struct chart_rgb rgb_of(unsigned hex)
{
    return (struct chart_rgb){((hex >> 16) & 255) / 255.0, ((hex >> 8) & 255) / 255.0,
                              (hex & 255) / 255.0};
}

/* Frameworks with a fixed marker, so one framework looks the same on every chart. */
static const struct {
    const char *name;
    enum chart_mark mark;
} framework_marks[] = {
    {"vllm", MARK_CIRCLE},
    {"sglang", MARK_SQUARE},
    {"trt", MARK_TRIANGLE},
    {"dynamo-trt", MARK_DIAMOND},
    {"dynamo-sglang", MARK_TRIANGLE_DOWN},
    {"mori-sglang", MARK_PENTAGON},
    {"atom", MARK_HEXAGON},
    {"dynamo-vllm", MARK_STAR},
};

void chart_style(struct chart *c)
{
    size_t used[3] = {0, 0, 0};
    unsigned *hexes = xcalloc(c->nseries + 1, sizeof(*hexes));
    int taken[MARK_NSHAPES] = {0};
    char **groups = xcalloc(c->nseries + 1, sizeof(*groups));
    enum chart_mark *gmark = xcalloc(c->nseries + 1, sizeof(*gmark));
    size_t ng = 0;

    for (size_t i = 0; i < sizeof(framework_marks) / sizeof(framework_marks[0]); i++)
        taken[framework_marks[i].mark] = 1;
    for (size_t i = 0; i < c->nseries; i++) {
        struct chart_series *s = &c->series[i];
        size_t g;

        s->vendor = chart_vendor_of(s->gpu);
        hexes[i] = vendor_colour(s->vendor, used[s->vendor]++, hexes, i);
        s->colour = rgb_of(hexes[i]);

        for (g = 0; g < ng; g++)
            if (!strcmp(groups[g], s->group))
                break;
        if (g == ng) {
            size_t f, m;
            groups[ng] = s->group;
            for (f = 0; f < sizeof(framework_marks) / sizeof(framework_marks[0]); f++)
                if (!strcasecmp(framework_marks[f].name, s->group))
                    break;
            if (f < sizeof(framework_marks) / sizeof(framework_marks[0])) {
                gmark[ng] = framework_marks[f].mark;
            } else {
                /* an unknown framework: the first shape no known one uses, then any */
                for (m = 0; m < MARK_NSHAPES && taken[m]; m++)
                    ;
                if (m == MARK_NSHAPES)
                    m = ng % MARK_NSHAPES;
                taken[m] = 1;
                gmark[ng] = (enum chart_mark)m;
            }
            ng++;
        }
        s->mark = gmark[g];
    }
    free(groups);
    free(gmark);
    free(hexes);
}

void chart_take_style(struct chart *c, const struct chart *from)
{
    for (size_t i = 0; i < c->nseries; i++) {
        for (size_t j = 0; j < from->nseries; j++) {
            if (strcmp(c->series[i].name, from->series[j].name))
                continue;
            c->series[i].vendor = from->series[j].vendor;
            c->series[i].colour = from->series[j].colour;
            c->series[i].mark = from->series[j].mark;
            break;
        }
    }
}

static double nice_step(double range, int target)
{
    double raw = range / (target > 1 ? target : 1), p = pow(10, floor(log10(raw))), f = raw / p;

    if (f < 1.5)
        return p;
    if (f < 3.5)
        return 2 * p;
    if (f < 7.5)
        return 5 * p;
    return 10 * p;
}

void chart_ticks(struct chart_ticks *t, double lo, double hi, int log, int target)
{
    memset(t, 0, sizeof(*t));
    if (!isfinite(lo) || !isfinite(hi) || (log && (lo <= 0 || hi <= 0))) {
        lo = log ? 1 : 0;
        hi = log ? 10 : 1;
    }
    if (hi < lo) {
        double s = lo;
        lo = hi;
        hi = s;
    }
    if (log) {
        double a = floor(log10(lo) + 1e-9), b = ceil(log10(hi) - 1e-9), every = 1;
        if (b <= a)
            b = a + 1;
        /* many decades: every k-th labelled, so the labels do not overlap */
        if (b - a > (target > 2 ? target : 2)) {
            every = fmax(1, round(nice_step(b - a, target > 2 ? target : 2)));
            a = floor(a / every) * every;
            b = ceil(b / every) * every;
        }
        t->lo = pow(10, a);
        t->hi = pow(10, b);
        for (double e = a; e <= b && t->n < 64; e += every) {
            double d = pow(10, e);
            t->v[t->n++] = d;
            /* up to three decades: 2 and 5 between, so the axis has enough labels to be read */
            if (b - a <= 3 && e < b && t->n + 2 < 64) {
                t->v[t->n++] = 2 * d;
                t->v[t->n++] = 5 * d;
            }
        }
        /* with 2 and 5 between, the axis ends at the ticks around the data, not the decades */
        if (b - a <= 3) {
            size_t first = 0, last = t->n - 1, k = 0;
            while (first + 1 < t->n && t->v[first + 1] <= lo * (1 + 1e-9))
                first++;
            while (last > first + 1 && t->v[last - 1] >= hi * (1 - 1e-9))
                last--;
            for (size_t i = first; i <= last; i++)
                t->v[k++] = t->v[i];
            t->n = k;
            t->lo = t->v[0];
            t->hi = t->v[k - 1];
        }
        return;
    }
    if (hi == lo && lo == 0) {
        hi = 1; /* all zero: the axis of a positive quantity, not one centred on zero */
    } else if (hi == lo) {
        double d = fabs(lo) / 2;
        lo -= d;
        hi += d;
    }
    t->step = nice_step(hi - lo, target);
    t->lo = floor(lo / t->step + 1e-9) * t->step;
    t->hi = ceil(hi / t->step - 1e-9) * t->step;
    for (double v = t->lo; v <= t->hi + t->step * 1e-6 && t->n < 64; v += t->step)
        t->v[t->n++] = fabs(v) < t->step * 1e-9 ? 0 : v;
}

void chart_date_ticks(struct chart_ticks *t, double lo, double hi, int target)
{
    static const double steps[] = {1, 2, 3, 7, 14, 28, 56, 91, 182, 365, 730};
    size_t k = 0;

    memset(t, 0, sizeof(*t));
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    lo = floor(lo);
    hi = ceil(hi);
    if (hi <= lo)
        hi = lo + 1;
    while (k + 1 < sizeof(steps) / sizeof(steps[0]) && (hi - lo) / steps[k] > target)
        k++;
    t->step = steps[k];
    t->lo = floor(lo / t->step) * t->step;
    t->hi = ceil(hi / t->step) * t->step;
    for (double v = t->lo; v <= t->hi + 0.5 && t->n < 64; v += t->step)
        t->v[t->n++] = v;
}

static int decimals_of(double step)
{
    int d = (int)ceil(-log10(step) - 1e-9);
    return d < 0 ? 0 : d > 9 ? 9 : d;
}

/* v in scientific notation with the significant digits that tell ticks step apart: "1.5e-12" */
static void sci_label(char *out, size_t n, double v, double step)
{
    int digits = (int)(floor(log10(fabs(v)) + 1e-9) - floor(log10(step) + 1e-9)) + 1;
    snprintf(out, n, "%.*g", digits < 1 ? 1 : digits > 15 ? 15 : digits, v);
}

void chart_tick_label(char *out, size_t n, double v, double step)
{
    double a = fabs(v);

    if (v == 0 || !isfinite(v)) {
        snprintf(out, n, "%g", v);
        return;
    }
    if (step <= 0) {
        /* a log axis: powers of ten and their 2 and 5 multiples */
        step = pow(10, floor(log10(a) + 1e-9));
        if (a >= 1e-4 && a < 1e4) {
            snprintf(out, n, "%.*f", decimals_of(step), v);
            return;
        }
    }
    /* past the suffixes, or finer than a fixed notation reads: a power of ten written out */
    if (a >= 1e15 || step < 1e-4)
        sci_label(out, n, v, step);
    else if (a >= 1e12 && step >= 1e11)
        snprintf(out, n, "%.*fT", decimals_of(step / 1e12), v / 1e12);
    else if (a >= 1e9 && step >= 1e8)
        snprintf(out, n, "%.*fG", decimals_of(step / 1e9), v / 1e9);
    else if (a >= 1e6 && step >= 1e5)
        snprintf(out, n, "%.*fM", decimals_of(step / 1e6), v / 1e6);
    else if (a >= 1000 && step >= 1000)
        snprintf(out, n, "%.*fk", decimals_of(step / 1e3), v / 1e3);
    else
        snprintf(out, n, "%.*f", decimals_of(step), v);
}

int chart_format_of(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;

    if (!dot || strchr(dot, '/'))
        return -1;
    if (!strcasecmp(dot, ".svg"))
        return CHART_SVG;
    if (!strcasecmp(dot, ".png"))
        return CHART_PNG;
    if (!strcasecmp(dot, ".pdf"))
        return CHART_PDF;
    return -1;
}
