/* rows: how many benchmark rows a cached run holds per model (infmax_model_prefix), counted
 * cheaply with a streaming yajl pass over the files the reader would read. For `imx runs` and
 * the per-run lines of `imx sync`. */
#ifndef IMX_ROWS_H
#define IMX_ROWS_H

#include "util/buf.h"

#include <stddef.h>

struct model_rows {
    char *model; /* "?" when a row has no infmax_model_prefix */
    unsigned long rows;
};

struct run_rows {
    struct model_rows *v; /* sorted by model */
    size_t n, cap;
    unsigned long total;
    unsigned long bad_files; /* files that did not parse */
};

void run_rows_release(struct run_rows *r);
void run_rows_add(struct run_rows *r, const char *model, unsigned long rows);
/* Counts the rows of one JSON text: the elements of a top-level array, or one object. */
int rows_count_text(const char *text, size_t len, struct run_rows *out);
/* Counts the rows of the run folder (the files cache_scan's rule picks). */
int rows_count_run(const char *run_dir, struct run_rows *out);
/* "dsr1 30, gptoss 26" (nothing when no rows). */
void run_rows_format(const struct run_rows *r, struct buf *out);

#endif
