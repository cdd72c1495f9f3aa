/* diff: two merged tables (two runs, or the tables as of two days) side by side: one entry per
 * configuration present in either, with its status and the relative change of the main metrics.
 */
#ifndef IMX_DIFF_H
#define IMX_DIFF_H

#include "table/table.h"

#include <stddef.h>

enum diff_status { DIFF_ADDED, DIFF_REMOVED, DIFF_CHANGED, DIFF_SAME };

/* The main metrics compared: source field, in the order they are shown. */
#define DIFF_NMETRICS 7
extern const char *const diff_metrics[DIFF_NMETRICS];

struct diff_entry {
    const struct trow *old, *new; /* NULL on the side that lacks the configuration */
    enum diff_status status;
};

const char *diff_status_name(enum diff_status s);

/*
 * Pairs the rows of two tables, each in the table's order (table_sorted), by configuration;
 * the entries come in the table's order. A configuration in both is `changed` when any main
 * metric differs (as a number; missing on one side only counts as a change), else `same`.
 * Returns a malloc'ed array of *n entries.
 */
struct diff_entry *diff_tables(struct trow *const *old, size_t nold, struct trow *const *new,
                               size_t nnew, size_t *n);

/*
 * The relative change in percent of a metric between two value texts (either may be NULL):
 * 1 and *pct when both are numbers and old is not zero, else 0.
 */
int diff_change(const char *old, const char *new, double *pct);

struct buf;
/* Appends a configuration in one line ("gptoss b200 sglang fp8 isl 1024 osl 1024 tp8 conc 64"). */
void diff_describe_config(struct buf *b, const struct trow *t);

#endif
