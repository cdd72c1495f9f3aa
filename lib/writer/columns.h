/* columns: the column sets of the output table (seed, default, all, or a list) and the
 * value of a column for a kept row, whether it is a row field or run metadata. */
#ifndef IMX_COLUMNS_H
#define IMX_COLUMNS_H

#include "cache/scan.h"
#include "table/table.h"
#include "util/err.h"

enum col_src {
    COL_FIELD,   /* a row field (source name in `field`) */
    COL_DATE,    /* the run's created_at */
    COL_RUN_ID,  /* the run id */
    COL_GPU,     /* canonical GPU from hw */
    COL_ATTEMPT, /* the run's run_attempt */
    COL_EVENT,   /* the run's event */
    COL_BRANCH,  /* the run's head_branch */
    COL_FILE,    /* the file below run_<ID>/ the row came from */
    COL_SOURCE,  /* where the run's rows came from: github, gcs or api */
};

struct column {
    char *name;  /* CSV header */
    char *field; /* source field name, for COL_FIELD */
    enum col_src src;
};

struct colset {
    struct column *v;
    size_t n, cap;
};

/*
 * Builds a column set from a --columns value: "seed", "default" (or NULL),
 * "all", or a comma-separated list of column names (CSV or source names).
 * `all` and lists look at the rows to find the fields that exist. An unknown
 * column in a list is an IMX_EUSAGE error naming it.
 */
int colset_build(struct colset *cs, const char *spec, struct trow *const *rows, size_t n,
                 struct imx_err *err);
void colset_release(struct colset *cs);

/*
 * The value of column c for row t (runs gives the run metadata) and its length
 * in *len; NULL for a missing value. scratch must hold at least 32 bytes.
 */
const char *column_value(const struct column *c, const struct trow *t, const struct run_list *runs,
                         char *scratch, size_t *len);

#endif
