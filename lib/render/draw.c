/* draw: lays out and draws a chart with cairo. One drawing routine serves the SVG, PNG and PDF
 * surfaces; fronts are d3's monotone-x curve computed in device space, as the dashboard does. */
#include "render/chart.h"
#include "render/curve.h"
#include "util/date.h"
#include "util/xalloc.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FONT "DejaVu Sans"
#define OUT_MAX ((size_t)256 << 20)

/* Type sizes and strokes. The mark outline and the front width are used by nothing else, so a
 * test can count marks and fronts in the SVG. */
enum {
    TITLE_PX = 18,
    SUB_PX = 12,
    TICK_PX = 11,
    AXIS_PX = 12,
    LEGEND_PX = 11,
    FOOT_PX = 9,
    LABEL_PX = 9,
};
#define PAD 16.0
#define MARK_R 4.2
#define MARK_OUTLINE 0.9
#define FRONT_WIDTH 2.25
#define LABEL_HALO 3.5
/* The legend's share of the chart: a side column of at most this much of the width, else rows
 * under the plot of at most this much of the height. */
#define LEGEND_SIDE_MAX 0.42
#define LEGEND_BELOW_MAX 0.4

struct layout {
    double w, h;
    struct chart_frame f;
    struct chart_ticks xt, yt;
    double title_y, sub_y, foot_y;
    double lx, ly, lcolw, lrowh; /* legend: origin, column width, row height */
    double ltextw;               /* a name's widest: longer names end in an ellipsis */
    size_t lrows, lcols, lshown; /* lshown < nseries: the last cell says how many more */
    int below;                   /* the legend in rows under the plot */
    double ytitle_x, xtitle_y, xlabel_y;
};

static void set_font(cairo_t *cr, double px, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, px);
}

static double text_w(cairo_t *cr, const char *s)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    return e.x_advance;
}

static int fonts_used;

void chart_cleanup(void)
{
    if (!fonts_used)
        return;
    cairo_debug_reset_static_data();
    FcFini();
    fonts_used = 0;
}

/* Unhinted metrics: text measures the same on every surface, so the layout does too. */
static void setup_cr(cairo_t *cr)
{
    fonts_used = 1;
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
}

static int in_range(double v)
{
    return fabs(v) <= CHART_VALUE_MAX; /* false for NaN */
}

static int drawable(const struct chart *c, double x, double y)
{
    return in_range(x) && in_range(y) && (!c->x.log || x > 0) && (!c->y.log || y > 0);
}

/* Room around the data, so that no point sits on the frame half hidden: on a log axis a factor
 * at both ends (a lone point is not drawn in a corner), on a linear one 3% of the span. */
static void margins(int log, double *lo, double *hi)
{
    double span = fmax(*hi, 0) - fmin(*lo, 0);

    if (log) {
        *lo /= 1.06;
        *hi *= 1.06;
        return;
    }
    if (*hi > 0)
        *hi += span * 0.03;
    if (*lo < 0)
        *lo -= span * 0.03;
}

static void data_range(const struct chart *c, double *xlo, double *xhi, double *ylo, double *yhi)
{
    *xlo = *ylo = INFINITY;
    *xhi = *yhi = -INFINITY;
    for (size_t i = 0; i < c->nseries; i++) {
        for (size_t j = 0; j < c->series[i].n; j++) {
            const struct chart_point *p = &c->series[i].pts[j];
            if (!drawable(c, p->x, p->y))
                continue;
            *xlo = fmin(*xlo, p->x);
            *xhi = fmax(*xhi, p->x);
            *ylo = fmin(*ylo, p->y);
            *yhi = fmax(*yhi, p->y);
        }
    }
    /* headroom: a point on the last tick would sit on the frame, half hidden */
    if (isfinite(*xhi) && isfinite(*xlo) && c->x.dates) {
        *xlo -= 1; /* a day's margin: the first and last days off the frame */
        *xhi += 1;
    }
    if (isfinite(*xhi) && isfinite(*xlo)) {
        if (!c->x.dates)
            margins(c->x.log, xlo, xhi);
        margins(c->y.log, ylo, yhi);
    }
    /* a linear axis of positive quantities starts at zero, as the dashboard's do */
    if (!c->x.log && !c->x.dates && *xlo > 0 && isfinite(*xlo))
        *xlo = 0;
    if (!c->y.log && *ylo > 0 && isfinite(*ylo))
        *ylo = 0;
}

static void do_layout(cairo_t *cr, const struct chart *c, struct layout *L)
{
    double xlo, xhi, ylo, yhi, top, bottom, ylabw = 0, legw = 0, legh;
    char lab[64];

    memset(L, 0, sizeof(*L));
    L->w = c->width;
    L->h = c->height;
    data_range(c, &xlo, &xhi, &ylo, &yhi);

    top = PAD;
    if (c->title && *c->title) {
        L->title_y = top + TITLE_PX;
        top = L->title_y + 6;
    }
    if (c->subtitle && *c->subtitle) {
        L->sub_y = top + SUB_PX;
        top = L->sub_y + 4;
    }
    top += 12;
    bottom = L->h - PAD;
    if (c->footnote && *c->footnote) {
        L->foot_y = bottom;
        bottom -= FOOT_PX + 10;
    }
    /* the legend: a column at the right, more columns when the series do not fit; or rows
     * under the plot, which leaves a narrow chart its whole width, also when the columns would
     * take more than LEGEND_SIDE_MAX of it; under the plot it takes at most LEGEND_BELOW_MAX of
     * the height, the last cell counting the series left out */
    set_font(cr, LEGEND_PX, 0);
    L->ltextw = fmin(L->w * 0.3, 320);
    for (size_t i = 0; i < c->nseries; i++)
        legw = fmax(legw, fmin(text_w(cr, c->series[i].name), L->ltextw));
    L->lcolw = legw + 2 * MARK_R + 26;
    L->lrowh = LEGEND_PX + 7;
    L->lshown = c->nseries;
    L->below = c->legend_below;
    if (!L->below && c->nseries) {
        legh = bottom - (AXIS_PX + 8) - (TICK_PX + 6) - top;
        L->lrows = (size_t)fmax(1, floor(legh / L->lrowh));
        L->lcols = (c->nseries + L->lrows - 1) / L->lrows;
        L->below = (double)L->lcols * L->lcolw > L->w * LEGEND_SIDE_MAX;
    }
    if (L->below && c->nseries) {
        /* under the plot a name may take half the width: two columns of long names */
        L->ltextw = fmax(L->ltextw, fmin((L->w - 2 * PAD) / 2 - (2 * MARK_R + 26), 420));
        legw = 0;
        for (size_t i = 0; i < c->nseries; i++)
            legw = fmax(legw, fmin(text_w(cr, c->series[i].name), L->ltextw));
        L->lcolw = legw + 2 * MARK_R + 26;
    }
    if (L->below && c->nseries) {
        size_t maxrows = (size_t)fmax(1, floor((bottom - top) * LEGEND_BELOW_MAX / L->lrowh));
        L->lcols = (size_t)fmax(1, floor((L->w - 2 * PAD) / L->lcolw));
        L->lrows = (c->nseries + L->lcols - 1) / L->lcols;
        if (L->lrows > maxrows) {
            L->lrows = maxrows;
            L->lshown = L->lrows * L->lcols - 1;
        } else {
            L->lcols = (c->nseries + L->lrows - 1) / L->lrows;
        }
        L->ly = bottom - (double)L->lrows * L->lrowh;
        L->lx = PAD;
        bottom = L->ly - 8;
    }
    L->xtitle_y = bottom;
    bottom -= AXIS_PX + 8;
    L->xlabel_y = bottom;
    bottom -= TICK_PX + 6;
    if (!L->below && c->nseries) {
        L->lrows = (c->nseries + L->lcols - 1) / L->lcols;
        L->lx = L->w - PAD - L->lcols * L->lcolw;
        L->ly = top;
    }

    chart_ticks(&L->yt, ylo, yhi, c->y.log, (int)fmax(3, (bottom - top) / 55));
    set_font(cr, TICK_PX, 0);
    for (size_t i = 0; i < L->yt.n; i++) {
        chart_tick_label(lab, sizeof(lab), L->yt.v[i], L->yt.step);
        ylabw = fmax(ylabw, text_w(cr, lab));
    }
    L->ytitle_x = PAD + AXIS_PX;
    L->f.px0 = L->ytitle_x + 10 + ylabw + 8;
    L->f.px1 = (L->lcols && !L->below ? L->lx - 14 : L->w - PAD);
    if (L->f.px1 < L->f.px0 + 40)
        L->f.px1 = L->f.px0 + 40;
    L->f.py0 = top;
    L->f.py1 = bottom;
    if (c->x.dates)
        chart_date_ticks(&L->xt, xlo, xhi, (int)fmax(2, (L->f.px1 - L->f.px0) / 70));
    else
        chart_ticks(&L->xt, xlo, xhi, c->x.log, (int)fmax(3, (L->f.px1 - L->f.px0) / 95));
    L->f.xlo = L->xt.lo;
    L->f.xhi = L->xt.hi;
    L->f.ylo = L->yt.lo;
    L->f.yhi = L->yt.hi;
    L->f.xlog = c->x.log;
    L->f.ylog = c->y.log;
}

int chart_frame_map(const struct chart_frame *f, double x, double y, double *ux, double *uy)
{
    double tx, ty;

    if (!(fabs(x) <= CHART_VALUE_MAX && fabs(y) <= CHART_VALUE_MAX) || (f->xlog && x <= 0) ||
        (f->ylog && y <= 0))
        return -1;
    tx = f->xlog ? (log10(x) - log10(f->xlo)) / (log10(f->xhi) - log10(f->xlo))
                 : (x - f->xlo) / (f->xhi - f->xlo);
    ty = f->ylog ? (log10(y) - log10(f->ylo)) / (log10(f->yhi) - log10(f->ylo))
                 : (y - f->ylo) / (f->yhi - f->ylo);
    *ux = f->px0 + tx * (f->px1 - f->px0);
    *uy = f->py1 - ty * (f->py1 - f->py0);
    return 0;
}

static void mark_path(cairo_t *cr, enum chart_mark m, double x, double y, double r)
{
    static const double tau = 6.283185307179586;
    double pts[24][2];
    int n = 0;

    switch (m) {
    case MARK_CIRCLE:
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0, tau);
        cairo_close_path(cr);
        return;
    case MARK_SQUARE:
        r *= 0.88;
        cairo_rectangle(cr, x - r, y - r, 2 * r, 2 * r);
        return;
    case MARK_TRIANGLE:
    case MARK_TRIANGLE_DOWN:
    case MARK_PENTAGON:
    case MARK_HEXAGON: {
        int k = m == MARK_PENTAGON ? 5 : m == MARK_HEXAGON ? 6 : 3;
        double s = m == MARK_TRIANGLE_DOWN ? -1 : 1, rr = k == 3 ? r * 1.25 : r * 1.05;
        for (int i = 0; i < k; i++) {
            double a = -tau / 4 + i * tau / k;
            pts[n][0] = x + rr * cos(a);
            pts[n][1] = y + s * rr * sin(a) + (k == 3 ? s * r * 0.2 : 0);
            n++;
        }
        break;
    }
    case MARK_DIAMOND:
        r *= 1.25;
        pts[0][0] = x, pts[0][1] = y - r, pts[1][0] = x + r * 0.8, pts[1][1] = y;
        pts[2][0] = x, pts[2][1] = y + r, pts[3][0] = x - r * 0.8, pts[3][1] = y;
        n = 4;
        break;
    case MARK_STAR:
        for (int i = 0; i < 10; i++) {
            double a = -tau / 4 + i * tau / 10, rr = i % 2 ? r * 0.55 : r * 1.35;
            pts[n][0] = x + rr * cos(a);
            pts[n][1] = y + rr * sin(a);
            n++;
        }
        break;
    case MARK_CROSS:
    case MARK_PLUS: {
        /* a thick plus (rotated for the cross) as one filled outline, like every other mark */
        double a = m == MARK_CROSS ? tau / 8 : 0, w = r * 0.42, l = r * 1.2;
        static const int sx[12] = {-1, 1, 1, 3, 3, 1, 1, -1, -1, -3, -3, -1};
        static const int sy[12] = {-3, -3, -1, -1, 1, 1, 3, 3, 1, 1, -1, -1};
        for (int i = 0; i < 12; i++) {
            double u = (abs(sx[i]) == 3 ? l * (sx[i] > 0 ? 1 : -1) : w * sx[i]);
            double v = (abs(sy[i]) == 3 ? l * (sy[i] > 0 ? 1 : -1) : w * sy[i]);
            pts[n][0] = x + u * cos(a) - v * sin(a);
            pts[n][1] = y + u * sin(a) + v * cos(a);
            n++;
        }
        break;
    }
    default:
        cairo_rectangle(cr, x - r, y - r, 2 * r, 2 * r);
        return;
    }
    cairo_move_to(cr, pts[0][0], pts[0][1]);
    for (int i = 1; i < n; i++)
        cairo_line_to(cr, pts[i][0], pts[i][1]);
    cairo_close_path(cr);
}

/* One mark: fill and outline of one path (a single element in the SVG). */
static void draw_mark(cairo_t *cr, const struct chart_series *s, double x, double y, int front)
{
    mark_path(cr, s->mark, x, y, front ? MARK_R : MARK_R * 0.85);
    cairo_set_source_rgba(cr, s->colour.r, s->colour.g, s->colour.b, front ? 1.0 : 0.38);
    cairo_fill_preserve(cr);
    if (front)
        cairo_set_source_rgb(cr, 1, 1, 1);
    else
        cairo_set_source_rgba(cr, s->colour.r, s->colour.g, s->colour.b, 0.85);
    cairo_set_line_width(cr, MARK_OUTLINE);
    cairo_stroke(cr);
}

static void show_text(cairo_t *cr, double x, double y, const char *s, double align)
{
    cairo_move_to(cr, x - align * text_w(cr, s), y);
    cairo_show_text(cr, s);
}

/* The longest start of s (cut at a character boundary: the text is valid UTF-8) no wider than
 * maxw, or with from_end its longest end; its length in bytes. */
static size_t fitting_part(cairo_t *cr, const char *s, size_t n, double maxw, int from_end)
{
    char *t = xmalloc(n + 1);
    size_t k = n;

    for (;; k--) {
        const char *p = from_end ? s + n - k : s;
        while (k > 0 && ((unsigned char)(from_end ? p[0] : s[k]) & 0xc0) == 0x80)
            p = from_end ? p + 1 : p, k--;
        memcpy(t, p, k);
        t[k] = '\0';
        if (k == 0 || text_w(cr, t) <= maxw)
            break;
    }
    free(t);
    return k;
}

/*
 * s at most maxw wide: when longer, its start and its end with an ellipsis between, so that
 * names that differ only at their end (a precision, a suffix) stay apart. Only the first and
 * last 200 bytes are measured: a name of megabytes costs no more than one of a line.
 */
static void show_fitted(cairo_t *cr, double x, double y, const char *s, double maxw, double align)
{
    size_t n = strlen(s), h, e, m = n < 200 ? n : 200;
    double half;
    char *t;

    if (n < 400 && text_w(cr, s) <= maxw) {
        show_text(cr, x, y, s, align);
        return;
    }
    half = (maxw - text_w(cr, "\xe2\x80\xa6")) / 2;
    h = fitting_part(cr, s, m, half, 0);
    e = fitting_part(cr, s + n - m, m, half, 1);
    t = xmalloc(h + e + 4);
    memcpy(t, s, h);
    memcpy(t + h, "\xe2\x80\xa6", 3);
    memcpy(t + h + 3, s + n - e, e);
    t[h + e + 3] = '\0';
    show_text(cr, x, y, t, align);
    free(t);
}

static void grey(cairo_t *cr, double v)
{
    cairo_set_source_rgb(cr, v, v, v);
}

static void draw_axes(cairo_t *cr, const struct chart *c, const struct layout *L)
{
    const struct chart_frame *f = &L->f;
    char lab[64];
    double u, v;

    cairo_set_line_width(cr, 1);
    set_font(cr, TICK_PX, 0);
    for (size_t i = 0; i < L->yt.n; i++) {
        if (chart_frame_map(f, L->xt.lo, L->yt.v[i], &u, &v) < 0)
            continue;
        v = floor(v) + 0.5; /* crisp one-pixel lines in the PNG */
        grey(cr, 0.9);
        cairo_move_to(cr, f->px0, v);
        cairo_line_to(cr, f->px1, v);
        cairo_stroke(cr);
        grey(cr, 0.3);
        chart_tick_label(lab, sizeof(lab), L->yt.v[i], L->yt.step);
        show_text(cr, f->px0 - 7, v + TICK_PX * 0.35, lab, 1);
    }
    for (size_t i = 0; i < L->xt.n; i++) {
        if (chart_frame_map(f, L->xt.v[i], L->yt.lo, &u, &v) < 0)
            continue;
        u = floor(u) + 0.5;
        grey(cr, 0.9);
        cairo_move_to(cr, u, f->py0);
        cairo_line_to(cr, u, f->py1);
        cairo_stroke(cr);
        grey(cr, 0.3);
        if (c->x.dates) {
            char day[16];
            date_format((long)L->xt.v[i], day);
            snprintf(lab, sizeof(lab), "%s", day + 5); /* MM-DD: the title gives the years */
        } else {
            chart_tick_label(lab, sizeof(lab), L->xt.v[i], L->xt.step);
        }
        show_text(cr, u, L->xlabel_y, lab, 0.5);
    }
    grey(cr, 0.45);
    cairo_move_to(cr, f->px0 + 0.5, f->py0);
    cairo_line_to(cr, f->px0 + 0.5, f->py1 + 0.5);
    cairo_line_to(cr, f->px1, f->py1 + 0.5);
    cairo_stroke(cr);

    set_font(cr, AXIS_PX, 0);
    grey(cr, 0.15);
    /* a title longer than its axis is cut in the middle, never drawn past the chart */
    if (c->x.title)
        show_fitted(cr, (f->px0 + f->px1) / 2, L->xtitle_y, c->x.title, L->w - 2 * PAD, 0.5);
    if (c->y.title) {
        cairo_save(cr);
        cairo_translate(cr, L->ytitle_x, (f->py0 + f->py1) / 2);
        cairo_rotate(cr, -M_PI / 2);
        show_fitted(cr, 0, 0, c->y.title, f->py1 - f->py0 + 2 * PAD, 0.5);
        cairo_restore(cr);
    }
}

/* A line of text at the left margin, in a smaller size when it would not fit the width. */
static void text_line(cairo_t *cr, const struct layout *L, const char *s, double y, double px,
                      int bold, double g)
{
    double w;

    set_font(cr, px, bold);
    w = text_w(cr, s);
    if (w > L->w - 2 * PAD)
        set_font(cr, fmax(px * (L->w - 2 * PAD) / w, px * 0.6), bold);
    grey(cr, g);
    show_fitted(cr, PAD, y, s, L->w - 2 * PAD, 0);
}

static void draw_texts(cairo_t *cr, const struct chart *c, const struct layout *L)
{
    if (c->title && *c->title)
        text_line(cr, L, c->title, L->title_y, TITLE_PX, 1, 0.08);
    if (c->subtitle && *c->subtitle)
        text_line(cr, L, c->subtitle, L->sub_y, SUB_PX, 0, 0.35);
    if (c->footnote && *c->footnote)
        text_line(cr, L, c->footnote, L->foot_y, FOOT_PX, 0, 0.45);
}

static void draw_legend(cairo_t *cr, const struct chart *c, const struct layout *L,
                        struct chart_stats *st)
{
    set_font(cr, LEGEND_PX, 0);
    for (size_t i = 0; i < c->nseries && i <= L->lshown; i++) {
        const struct chart_series *s = &c->series[i];
        double x = L->lx + (double)(i / L->lrows) * L->lcolw;
        double y = L->ly + (double)(i % L->lrows) * L->lrowh + L->lrowh / 2;

        if (i == L->lshown) {
            char more[64];
            snprintf(more, sizeof(more), "and %zu more series", c->nseries - L->lshown);
            grey(cr, 0.35);
            show_text(cr, x, y + LEGEND_PX * 0.36, more, 0);
            break;
        }
        cairo_set_source_rgb(cr, s->colour.r, s->colour.g, s->colour.b);
        cairo_set_line_width(cr, FRONT_WIDTH * 0.8);
        cairo_move_to(cr, x, y);
        cairo_line_to(cr, x + 4 * MARK_R, y);
        cairo_stroke(cr);
        draw_mark(cr, s, x + 2 * MARK_R, y, 1);
        grey(cr, 0.15);
        show_fitted(cr, x + 4 * MARK_R + 6, y + LEGEND_PX * 0.36, s->name, L->ltextw, 0);
        st->legend++;
    }
}

/* The front points of a series in device space, sorted by x (the curve's order). */
static size_t front_points(const struct chart *c, const struct chart_series *s,
                           const struct layout *L, double *xs, double *ys)
{
    size_t n = 0;

    for (size_t j = 0; j < s->n; j++) {
        const struct chart_point *p = &s->pts[j];
        if (!p->front || !drawable(c, p->x, p->y))
            continue;
        chart_frame_map(&L->f, p->x, p->y, &xs[n], &ys[n]);
        n++;
    }
    for (size_t i = 1; i < n; i++) {
        for (size_t k = i; k > 0 && xs[k - 1] > xs[k]; k--) {
            double t = xs[k];
            xs[k] = xs[k - 1], xs[k - 1] = t;
            t = ys[k];
            ys[k] = ys[k - 1], ys[k - 1] = t;
        }
    }
    return n;
}

static void draw_front(cairo_t *cr, const struct chart *c, const struct chart_series *s,
                       const struct layout *L, struct chart_stats *st)
{
    double *xs = xmalloc((s->n + 1) * sizeof(*xs)), *ys = xmalloc((s->n + 1) * sizeof(*ys));
    double *seg = xmalloc((s->n + 1) * 6 * sizeof(*seg));
    size_t n = front_points(c, s, L, xs, ys);

    if (n >= 2) {
        size_t nseg = curve_monotone_x(xs, ys, n, seg);
        cairo_move_to(cr, xs[0], ys[0]);
        for (size_t i = 0; i < nseg; i++)
            cairo_curve_to(cr, seg[6 * i], seg[6 * i + 1], seg[6 * i + 2], seg[6 * i + 3],
                           seg[6 * i + 4], seg[6 * i + 5]);
        cairo_set_source_rgb(cr, s->colour.r, s->colour.g, s->colour.b);
        cairo_set_line_width(cr, FRONT_WIDTH);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_stroke(cr);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        st->fronts++;
    }
    free(xs);
    free(ys);
    free(seg);
}

struct box {
    double x0, y0, x1, y1;
};

static int overlaps(const struct box *a, const struct box *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

/* Annotations, greedily: each label takes the first of four places beside its point that
 * overlaps no mark and no label already placed and stays inside the plot; else it is left out. */
static void draw_labels(cairo_t *cr, const struct chart *c, const struct layout *L,
                        struct chart_stats *st)
{
    struct box *placed = NULL;
    size_t np = 0, cap = 0;

    /* marks are obstacles too: a label never hides a point */
    for (size_t i = 0; i < c->nseries; i++) {
        for (size_t j = 0; j < c->series[i].n; j++) {
            const struct chart_point *p = &c->series[i].pts[j];
            double u, v;
            if (chart_frame_map(&L->f, p->x, p->y, &u, &v) < 0)
                continue;
            ALLOC_GROW(placed, np + 1, cap);
            placed[np++] = (struct box){u - MARK_R, v - MARK_R, u + MARK_R, v + MARK_R};
        }
    }
    set_font(cr, LABEL_PX, 0);
    for (size_t i = 0; i < c->nseries; i++) {
        const struct chart_series *s = &c->series[i];
        for (size_t j = 0; j < s->n; j++) {
            const struct chart_point *p = &s->pts[j];
            double u, v, w, h = LABEL_PX;
            int done = 0;

            if (!p->front || !p->label || !*p->label || !drawable(c, p->x, p->y))
                continue;
            chart_frame_map(&L->f, p->x, p->y, &u, &v);
            w = text_w(cr, p->label);
            for (int k = 0; k < 4 && !done; k++) {
                double dx = k % 2 ? -w - 6 : 6, dy = k < 2 ? -6 : h + 6;
                struct box b = {u + dx - 1, v + dy - h - 1, u + dx + w + 1, v + dy + 2};
                size_t q;
                if (b.x0 < L->f.px0 || b.x1 > L->f.px1 || b.y0 < L->f.py0 || b.y1 > L->f.py1)
                    continue;
                for (q = 0; q < np && !overlaps(&b, &placed[q]); q++)
                    ;
                if (q < np)
                    continue;
                ALLOC_GROW(placed, np + 1, cap);
                placed[np++] = b;
                /* a white halo keeps the label readable where it crosses a curve */
                cairo_move_to(cr, u + dx, v + dy);
                cairo_text_path(cr, p->label);
                cairo_set_source_rgb(cr, 1, 1, 1);
                cairo_set_line_width(cr, LABEL_HALO);
                cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
                cairo_stroke_preserve(cr);
                cairo_set_source_rgb(cr, s->colour.r * 0.6, s->colour.g * 0.6, s->colour.b * 0.6);
                cairo_fill(cr);
                cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
                done = 1;
            }
            if (done)
                st->labels++;
            else
                st->unlabeled++;
        }
    }
    free(placed);
}

static void draw_chart(cairo_t *cr, const struct chart *c, struct chart_stats *st)
{
    struct layout L;

    setup_cr(cr);
    do_layout(cr, c, &L);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    draw_texts(cr, c, &L);
    draw_axes(cr, c, &L);

    /* the cloud first, fronts over it, front marks on top */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < c->nseries; i++) {
            const struct chart_series *s = &c->series[i];
            for (size_t j = 0; j < s->n; j++) {
                const struct chart_point *p = &s->pts[j];
                double u, v;
                if (!p->front != !pass)
                    continue;
                if (!drawable(c, p->x, p->y)) {
                    st->dropped++;
                    st->huge +=
                        isfinite(p->x) && isfinite(p->y) && !(in_range(p->x) && in_range(p->y));
                    continue;
                }
                chart_frame_map(&L.f, p->x, p->y, &u, &v);
                draw_mark(cr, s, u, v, p->front);
                st->points++;
            }
        }
        if (pass == 0)
            for (size_t i = 0; i < c->nseries; i++)
                draw_front(cr, c, &c->series[i], &L, st);
    }
    if (c->annotate)
        draw_labels(cr, c, &L, st);
    draw_legend(cr, c, &L, st);
    if (!st->points) {
        set_font(cr, AXIS_PX, 0);
        grey(cr, 0.4);
        show_text(cr, (L.f.px0 + L.f.px1) / 2, (L.f.py0 + L.f.py1) / 2, "no points to draw", 0.5);
    }
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
    return buf_add(closure, data, len) < 0 ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static int cairo_failed(cairo_status_t s, struct imx_err *err)
{
    if (s == CAIRO_STATUS_WRITE_ERROR)
        return imx_seterr(err, IMX_ETOOBIG, "the chart is larger than %zu MB", OUT_MAX >> 20);
    return imx_seterr(err, IMX_EIO, "cairo: %s", cairo_status_to_string(s));
}

int chart_size_check(double width, double height, enum chart_format fmt, struct imx_err *err)
{
    if (!(width >= CHART_SIZE_MIN && width <= CHART_SIZE_MAX && height >= CHART_SIZE_MIN &&
          height <= CHART_SIZE_MAX))
        return imx_seterr(err, IMX_EUSAGE, "chart size %gx%g: expected " CHART_SIZE_TEXT " each",
                          width, height);
    if (fmt == CHART_PNG && ceil(width) * ceil(height) > CHART_PNG_PIXELS_MAX)
        return imx_seterr(err, IMX_EUSAGE,
                          "a PNG of %gx%g pixels is too large (at most %.0f million pixels; SVG "
                          "and PDF scale to any size)",
                          width, height, CHART_PNG_PIXELS_MAX / 1e6);
    return 0;
}

/* Appends s with XML's five special characters escaped (s is already shown text). */
static void xml_text(struct buf *out, const char *s)
{
    for (; s && *s; s++) {
        const char *e = *s == '&'    ? "&amp;"
                        : *s == '<'  ? "&lt;"
                        : *s == '>'  ? "&gt;"
                        : *s == '"'  ? "&quot;"
                        : *s == '\'' ? "&#39;"
                                     : NULL;
        if (e)
            buf_adds(out, e);
        else
            buf_addc(out, *s);
    }
}

/*
 * The chart's words for readers that do not see the drawing (a screen reader, a search, a
 * script): cairo writes text as glyph outlines, so an SVG file gets the title as <title> and the
 * subtitle and footnote (what, from which runs, imx's version) as <desc>, right after <svg ...>.
 */
static int svg_words(const struct chart *c, struct buf *svg)
{
    struct buf words = BUF_INIT_MAX(svg->max);
    const char *start = strstr(svg->p, "<svg");
    const char *end = start ? strchr(start, '>') : NULL;
    size_t at;
    int r;

    if (!end)
        return 0;
    at = (size_t)(end + 1 - svg->p);
    buf_adds(&words, "\n<title>");
    xml_text(&words, c->title);
    buf_adds(&words, "</title>\n<desc>");
    xml_text(&words, c->subtitle);
    buf_adds(&words, c->subtitle && c->footnote ? ". " : "");
    xml_text(&words, c->footnote);
    buf_adds(&words, "</desc>");
    r = buf_add(&words, svg->p + at, svg->len - at);
    if (r == 0) {
        buf_truncate(svg, at);
        r = buf_add(svg, words.p, words.len);
    }
    buf_release(&words);
    return r;
}

static int render(const struct chart *c, enum chart_format fmt, int words, struct buf *out,
                  struct chart_stats *st, struct imx_err *err)
{
    int r;
    struct chart_stats dummy;
    cairo_surface_t *s;
    cairo_status_t cs;
    cairo_t *cr;

    if (!st)
        st = &dummy;
    memset(st, 0, sizeof(*st));
    if ((r = chart_size_check(c->width, c->height, fmt, err)) < 0)
        return r;
    out->max = OUT_MAX;
    switch (fmt) {
    case CHART_SVG:
        s = cairo_svg_surface_create_for_stream(to_buf, out, c->width, c->height);
        cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PX);
        break;
    case CHART_PDF:
        s = cairo_pdf_surface_create_for_stream(to_buf, out, c->width, c->height);
        if (c->title)
            cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, c->title);
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "imx " IMX_VERSION);
        if (c->footnote)
            cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_SUBJECT, c->footnote);
        break;
    default:
        s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(c->width),
                                       (int)ceil(c->height));
        break;
    }
    cr = cairo_create(s);
    draw_chart(cr, c, st);
    cs = cairo_status(cr);
    cairo_destroy(cr);
    if (cs == CAIRO_STATUS_SUCCESS && fmt == CHART_PNG)
        cs = cairo_surface_write_to_png_stream(s, to_buf, out);
    cairo_surface_finish(s);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (cs != CAIRO_STATUS_SUCCESS)
        return cairo_failed(cs, err);
    if (fmt == CHART_SVG && words && svg_words(c, out) < 0)
        return cairo_failed(CAIRO_STATUS_WRITE_ERROR, err);
    return 0;
}

int chart_render(const struct chart *c, enum chart_format fmt, struct buf *out,
                 struct chart_stats *st, struct imx_err *err)
{
    return render(c, fmt, 1, out, st, err);
}

int chart_layout(const struct chart *c, struct chart_frame *f, struct imx_err *err)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
    cairo_t *cr = cairo_create(s);
    cairo_status_t cs;
    struct layout L;

    setup_cr(cr);
    do_layout(cr, c, &L);
    *f = L.f;
    cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return cs == CAIRO_STATUS_SUCCESS ? 0 : cairo_failed(cs, err);
}

/* Copies src[0, n) to out with every id and reference to one prefixed (one pass). */
static int prefix_ids(struct buf *out, const char *src, size_t n, const char *prefix)
{
    static const char *const marks[] = {"id=\"", "href=\"#", "url(#"};
    size_t from = 0;

    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < 3; k++) {
            size_t len = strlen(marks[k]);
            if (src[i] != marks[k][0] || n - i < len || memcmp(src + i, marks[k], len))
                continue;
            if (buf_add(out, src + from, i + len - from) < 0 || buf_addf(out, "%s-", prefix) < 0)
                return -1;
            from = i + len;
            i = from - 1;
            break;
        }
    }
    return buf_add(out, src + from, n - from);
}

int chart_render_inline(const struct chart *c, const char *prefix, const char *attrs,
                        struct buf *out, struct chart_stats *st, struct imx_err *err)
{
    struct buf svg = BUF_INIT;
    const char *start, *tag_end;
    /* the page says the words itself (aria-label, caption): a <title> would also be a tooltip
     * over the whole chart, hiding the points' own */
    int r = render(c, CHART_SVG, 0, &svg, st, err);

    if (r < 0) {
        buf_release(&svg);
        return r;
    }
    start = strstr(svg.p, "<svg");
    tag_end = start ? strchr(start, '>') : NULL;
    if (!tag_end) {
        buf_release(&svg);
        return imx_seterr(err, IMX_EPARSE, "cairo wrote an SVG without an <svg> element");
    }
    /* the page's stylesheet sizes the chart: width and height give way to the viewBox */
    if (buf_addf(out,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                 "xmlns:xlink=\"http://www.w3.org/1999/xlink\" viewBox=\"0 0 %g %g\" "
                 "class=\"chart\" role=\"img\"%s%s>",
                 c->width, c->height, attrs ? " " : "", attrs ? attrs : "") < 0 ||
        prefix_ids(out, tag_end + 1, svg.len - (size_t)(tag_end + 1 - svg.p), prefix) < 0)
        r = imx_seterr(err, IMX_ETOOBIG, "the report is larger than %zu MB", out->max >> 20);
    buf_release(&svg);
    return r;
}
