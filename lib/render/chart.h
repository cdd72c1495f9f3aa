/* chart: the model of one scatter chart as the dashboard draws it (series of points, each
 * series' Pareto front as a monotone curve, axes, legend, title, footnote) and its drawing with
 * cairo into SVG, PNG or PDF: the same drawing code for every format. */
#ifndef IMX_CHART_H
#define IMX_CHART_H

#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>

enum chart_format { CHART_SVG, CHART_PNG, CHART_PDF };

/* Marker shapes, one per framework, so a chart printed in grey still tells frameworks apart. */
enum chart_mark {
    MARK_CIRCLE,
    MARK_SQUARE,
    MARK_TRIANGLE,
    MARK_DIAMOND,
    MARK_TRIANGLE_DOWN,
    MARK_PENTAGON,
    MARK_HEXAGON,
    MARK_STAR,
    MARK_CROSS,
    MARK_PLUS,
    MARK_NSHAPES
};

enum chart_vendor { VENDOR_OTHER, VENDOR_NVIDIA, VENDOR_AMD };

struct chart_rgb {
    double r, g, b;
};

struct chart_point {
    double x, y;
    int front;   /* on the series' front: the curve goes through it */
    char *label; /* annotation for --annotate ("TP8 c64"), or NULL */
    char *tip;   /* what hovering it tells (its configuration), or NULL */
};

struct chart_series {
    char *name;  /* the legend's label */
    char *gpu;   /* decides the vendor, hence the colour family */
    char *group; /* what the marker shape follows (the framework) */
    struct chart_point *pts;
    size_t n, cap;
    /* set by chart_style() */
    enum chart_vendor vendor;
    struct chart_rgb colour;
    enum chart_mark mark;
};

struct chart_axis {
    char *title; /* "Interactivity (tok/s/user)" */
    int log;     /* logarithmic scale */
    int dates;   /* values are days since 1970-01-01, ticks whole days labelled MM-DD */
};

/* A chart's size: the default suits a laptop screen and a report column; the bounds keep a
 * typo (--width 5, --width 1e9) from drawing nothing or a PNG of gigabytes. */
#define CHART_WIDTH_DEFAULT 960
#define CHART_HEIGHT_DEFAULT 600
#define CHART_SIZE_MIN 100
#define CHART_SIZE_MAX 20000
/* the bounds as messages say them, "100 to 20000" */
#define CHART_STR_(x) #x
#define CHART_STR(x) CHART_STR_(x)
#define CHART_SIZE_TEXT CHART_STR(CHART_SIZE_MIN) " to " CHART_STR(CHART_SIZE_MAX)
/* A PNG is a bitmap in memory while drawn (4 bytes a pixel): 64 million pixels, 256 MB. */
#define CHART_PNG_PIXELS_MAX 64e6
/* Values past this magnitude are not drawn (counted): an axis must span its range in doubles. */
#define CHART_VALUE_MAX 1e300

struct chart {
    char *title, *subtitle, *footnote;
    struct chart_axis x, y;
    struct chart_series *series;
    size_t nseries, cap;
    double width, height; /* pixels (PNG) or points (SVG user units, PDF) */
    int annotate;         /* label front points */
    int legend_below;     /* the legend in rows under the plot, not a column at its right */
};

/* What a drawing left out, for the caller to say so. */
struct chart_stats {
    size_t points;    /* marks drawn */
    size_t fronts;    /* front curves drawn (series with two or more front points) */
    size_t dropped;   /* points not drawable: not finite, or not positive on a log axis */
    size_t huge;      /* of which beyond +-CHART_VALUE_MAX */
    size_t legend;    /* series named in the legend (all, unless the chart is too small) */
    size_t labels;    /* annotations drawn */
    size_t unlabeled; /* annotations left out where they would overlap */
};

void chart_init(struct chart *c);
void chart_release(struct chart *c);
/* Setters copy their strings (NULL clears). */
void chart_set_text(char **slot, const char *s);
/* Adds a series (strings copied) and returns it; its points follow with chart_add_point. */
struct chart_series *chart_add_series(struct chart *c, const char *name, const char *gpu,
                                      const char *group);
void chart_add_point(struct chart_series *s, double x, double y, int front, const char *label,
                     const char *tip);

/* The vendor of a GPU name (h100, b200, gb300 NVIDIA; mi300x AMD). */
enum chart_vendor chart_vendor_of(const char *gpu);
/*
 * Gives every series its colour and marker: NVIDIA series in greens and teals, AMD series in
 * reds and oranges, others in blues and purples, distinct within a vendor (in the series'
 * order); one marker shape per group (framework), in the order the groups first appear.
 */
void chart_style(struct chart *c);

/* Gives each series of c the colour and marker of the series of `from` with the same name (one
 * styled list of a report section's series, so that a series looks the same in every chart). */
void chart_take_style(struct chart *c, const struct chart *from);

/* Nice ticks for [lo, hi]: linear steps of 1, 2 or 5 times a power of ten, or powers of ten
 * (with 2 and 5 between when few decades) on a log axis. Widens [lo, hi] to whole ticks. */
struct chart_ticks {
    double lo, hi;
    double v[64];
    size_t n;
    double step; /* linear step (0 on a log axis) */
};
void chart_ticks(struct chart_ticks *t, double lo, double hi, int log, int target);
/* A tick's label: "0.25", "1500", "12k", "2.5M", "1e-05". */
void chart_tick_label(char *out, size_t n, double v, double step);
/* Ticks of a date axis (days since 1970-01-01): steps of 1, 2, 3, 7, 14, 28, ... days. */
void chart_date_ticks(struct chart_ticks *t, double lo, double hi, int target);

/* The format an output path names by its extension (.svg, .png, .pdf); -1 otherwise. */
int chart_format_of(const char *path);

/* Whether a chart of this size can be drawn in this format; 0, or -IMX_EUSAGE with a message. */
IMX_MUST_CHECK int chart_size_check(double width, double height, enum chart_format fmt,
                                    struct imx_err *err);
/*
 * Draws the chart (chart_style() first) into out, in the format asked. Points that cannot be
 * drawn are counted in st (may be NULL), never invented. Fails only when cairo does.
 */
IMX_MUST_CHECK int chart_render(const struct chart *c, enum chart_format fmt, struct buf *out,
                                struct chart_stats *st, struct imx_err *err);
/*
 * The chart as an <svg> element to inline in an HTML page: no XML declaration, ids prefixed
 * with `prefix` (cairo names its glyphs and clips the same way in every chart, and one page
 * holds many), scaling to its container's width; attrs (NULL or escaped attribute text) is added
 * to the <svg> element.
 */
IMX_MUST_CHECK int chart_render_inline(const struct chart *c, const char *prefix, const char *attrs,
                                       struct buf *out, struct chart_stats *st,
                                       struct imx_err *err);

/*
 * Frees cairo's and fontconfig's process-wide caches (fonts) once no chart is drawn any more, so
 * that leak checkers see only imx's own memory; a no-op when nothing was drawn.
 */
void chart_cleanup(void);

/* The drawing geometry, for a page's hover script: the plot area and the axis mappings. */
struct chart_frame {
    double px0, py0, px1, py1; /* plot area in user units (y down) */
    double xlo, xhi, ylo, yhi; /* axis ranges */
    int xlog, ylog;
};
/* Where the chart's data fall once laid out (the same layout chart_render uses). */
IMX_MUST_CHECK int chart_layout(const struct chart *c, struct chart_frame *f, struct imx_err *err);
/* A data point's position in user units; 0, or -1 when it cannot be drawn. */
int chart_frame_map(const struct chart_frame *f, double x, double y, double *ux, double *uy);

#endif
