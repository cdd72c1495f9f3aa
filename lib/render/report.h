/* report: one self-contained HTML page of a selection of the cache: per model and sequence
 * pair its charts (inline SVG from the chart renderer), the calculator's table, and the
 * provenance of every number. Nothing in it asks the network for anything. */
#ifndef IMX_REPORT_H
#define IMX_REPORT_H

#include "analysis/gpus.h"
#include "table/diff.h"
#include "table/extract.h"
#include "table/table.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * The trend: per model and sequence pair and per series, the calculator's throughput per GPU at
 * one interactivity target, run day by run day (every row of every run of the day, as the
 * dashboard's trend view). Fed run by run (an extract_run_fn over extract_each_run), oldest
 * first; memory holds one run day's rows.
 */
struct report_trend_pt {
    double day; /* days since 1970-01-01 */
    double v;
    char *tip;
};

struct report_trend_series {
    char *group; /* the section's anchor: "gptoss-1k-1k" */
    char *name, *gpu, *framework;
    struct report_trend_pt *p;
    size_t n, cap;
};

struct row_filter;
struct report_trend {
    double target; /* tok/s/user */
    const struct gpu_table *gpus;
    const struct row_filter *filter; /* may be NULL */
    struct report_trend_series *s;
    size_t n, cap;
    char day[11];      /* the run day being gathered */
    struct table rows; /* its rows: of two runs of the day, the later one's (as imx trend) */
    size_t days;       /* run days seen */
    struct imx_err err;
};

void report_trend_init(struct report_trend *t, double target, const struct gpu_table *g,
                       const struct row_filter *filter);
/* An extract_run_fn (ud: the trend): gathers a run's rows; a new day computes the last one. */
int report_trend_run(void *ud, const struct run_info *run, struct trow **rows, size_t n);
/* Computes the last day gathered; 0 or a negative IMX_E* code (message in t->err). */
int report_trend_finish(struct report_trend *t);
void report_trend_release(struct report_trend *t);

struct report_opts {
    const char *cache;     /* named in the header and the footnotes */
    const char *selection; /* the options that selected the rows ("--gpu b200"), or "" */
    const struct gpu_table *gpus;
    const struct report_trend *trend; /* NULL: no trend section */
    /* the changes since the previous run day (diff_tables: that day's merged table against the
     * rows), shown per section; old_run NULL: one run day only, said in one line */
    const struct diff_entry *changes;
    size_t nchanges;
    const char *old_run, *new_run; /* "run 1000 (2025-12-10)" */
};

struct report_stats {
    size_t sections, charts, tables, points;
};

/*
 * Writes the page for rows (kept rows of the selection, in table order) read by x into out.
 * Fails only when the page would pass out's cap or cairo fails.
 */
IMX_MUST_CHECK int report_write(struct buf *out, struct trow *const *rows, size_t n,
                                const struct extract *x, const struct report_opts *o,
                                struct report_stats *st, struct imx_err *err);

/* Appends s with &, <, >, " and ' escaped for HTML text and attributes, shown as messages show
 * names (buf_add_shown: controls, bidirectional overrides and invalid UTF-8 as \\xNN). */
void html_escape(struct buf *out, const char *s);

#endif
