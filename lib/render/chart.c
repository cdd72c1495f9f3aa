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

void chart_set_text(char **slot, const char *s)
{
    free(*slot);
    *slot = s ? xstrdup(s) : NULL;
}

struct chart_series *chart_add_series(struct chart *c, const char *name, const char *gpu,
                                      const char *group)
{
    struct chart_series *s;

    ALLOC_GROW(c->series, c->nseries + 1, c->cap);
    s = &c->series[c->nseries++];
    memset(s, 0, sizeof(*s));
    s->name = xstrdup(name ? name : "");
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
    p->label = label ? xstrdup(label) : NULL;
    p->tip = tip ? xstrdup(tip) : NULL;
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

/* Palettes ordered so that neighbours differ in lightness as well as hue (greyscale). */
static const unsigned palette_nvidia[] = {0x76b900, 0x00796b, 0x26c6da, 0x1b5e20, 0xaed581,
                                          0x4db6ac, 0x558b2f, 0x004d40, 0x00acc1, 0x2e7d32};
static const unsigned palette_amd[] = {0xe53935, 0xf57c00, 0x880e4f, 0xffb300,
                                       0xb71c1c, 0xff8a65, 0xbf360c, 0xd81b60};
static const unsigned palette_other[] = {0x1e88e5, 0x6a1b9a, 0x0d47a1, 0x9575cd, 0x546e7a};

static struct chart_rgb rgb_of(unsigned hex, unsigned round)
{
    struct chart_rgb c = {((hex >> 16) & 255) / 255.0, ((hex >> 8) & 255) / 255.0,
                          (hex & 255) / 255.0};
    /* past the palette's end: the same hues again, darker, so colours stay distinct */
    double k = pow(0.7, round);
    c.r *= k;
    c.g *= k;
    c.b *= k;
    return c;
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
    int taken[MARK_NSHAPES] = {0};
    char **groups = xcalloc(c->nseries + 1, sizeof(*groups));
    enum chart_mark *gmark = xcalloc(c->nseries + 1, sizeof(*gmark));
    size_t ng = 0;

    for (size_t i = 0; i < sizeof(framework_marks) / sizeof(framework_marks[0]); i++)
        taken[framework_marks[i].mark] = 1;
    for (size_t i = 0; i < c->nseries; i++) {
        struct chart_series *s = &c->series[i];
        const unsigned *pal;
        size_t npal, k, g;

        s->vendor = chart_vendor_of(s->gpu);
        switch (s->vendor) {
        case VENDOR_NVIDIA:
            pal = palette_nvidia, npal = sizeof(palette_nvidia) / sizeof(*pal);
            break;
        case VENDOR_AMD:
            pal = palette_amd, npal = sizeof(palette_amd) / sizeof(*pal);
            break;
        default:
            pal = palette_other, npal = sizeof(palette_other) / sizeof(*pal);
            break;
        }
        k = used[s->vendor]++;
        s->colour = rgb_of(pal[k % npal], (unsigned)(k / npal));

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
        double a = floor(log10(lo) + 1e-9), b = ceil(log10(hi) - 1e-9);
        if (b <= a)
            b = a + 1;
        t->lo = pow(10, a);
        t->hi = pow(10, b);
        for (double e = a; e <= b && t->n < 64; e++) {
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
    if (hi == lo) {
        double d = lo ? fabs(lo) / 2 : 1;
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

void chart_tick_label(char *out, size_t n, double v, double step)
{
    double a = fabs(v);

    if (step <= 0) {
        /* a log axis: powers of ten and their 2 and 5 multiples */
        step = pow(10, floor(log10(a > 0 ? a : 1) + 1e-9));
        if (a >= 1e-4 && a < 1e4) {
            snprintf(out, n, "%.*f", decimals_of(step), v);
            return;
        }
        if (a < 1e-4) {
            snprintf(out, n, "%g", v);
            return;
        }
    }
    if (a >= 1e9 && step >= 1e8)
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
