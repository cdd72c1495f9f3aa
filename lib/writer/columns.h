/* columns: the column sets of the output table (seed, default, all, or a list) and the
 * value of a column for a kept row, whether it is a row field or run metadata. */
#ifndef IMX_COLUMNS_H
#define IMX_COLUMNS_H

#include "analysis/gpus.h"
#include "cache/scan.h"
#include "table/table.h"
#include "util/err.h"

#include <stdio.h>

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
    COL_DERIVED, /* a derived metric (analysis/derived.h), from the row and the GPU constants */
};

struct column {
    char *name;  /* CSV header */
    char *field; /* source field name, for COL_FIELD */
    enum col_src src;
    int metric;                   /* COL_DERIVED: enum metric */
    const struct gpu_table *gpus; /* COL_DERIVED: the constants (NULL: the built-in table) */
    int first_derived;            /* COL_DERIVED: the set's first, which computes a row's metrics */
};

struct colshapes;

struct colset {
    struct column *v;
    size_t n, cap;
    int csv_safe;             /* CSV: a ' before text cells a spreadsheet would take as a formula */
    struct colshapes *shapes; /* where the columns' fields are in rows of each shape (columns.c) */
};

/*
 * Builds a column set from a --columns value: "seed", "default" (or NULL), "derived" (default
 * and the derived metrics: total_gpus, costs, per-MW, all-in J/token), "all" (which has them
 * too), or a comma-separated list of column names (CSV or source names).
 * `all` and lists look at the rows to find the fields that exist. An unknown
 * column in a list is an IMX_EUSAGE error naming it.
 */
IMX_MUST_CHECK int colset_build(struct colset *cs, const char *spec, struct trow *const *rows,
                                size_t n, struct imx_err *err);
void colset_release(struct colset *cs);
/* The GPU constants the derived columns of the set use (the built-in table until set). */
void colset_set_gpus(struct colset *cs, const struct gpu_table *g);
/* Does the set have a derived column? */
int colset_has_derived(const struct colset *cs);
/* Appends model_prefix and model when the set lacks them (a table of several models). */
void colset_add_model_columns(struct colset *cs);
/* Appends the run columns a row of the history needs (run_id, benchmark_date, run_attempt,
 * source) when the set lacks them. */
void colset_add_run_columns(struct colset *cs);

/*
 * Where each column's field is in row t: an array of cs->n field indexes of t, -1 for a field
 * t lacks (and for columns that are not row fields), followed by the NMFIELD indexes of the
 * fields the derived metrics read (metrics_find_fields). Rows of one shape (the same field
 * names in the same order) share one array, found by the names' hash and checked name by
 * name, so a writer looks its fields up once per shape instead of by name per row and column.
 * Valid until the next call or until a column is added to the set; NULL for a set without
 * columns.
 */
const int *colset_fields(const struct colset *cs, const struct trow *t);

/* column_value_kind for column col of the set, with fields from colset_fields (NULL: found by
 * name). */
const char *column_value_at(const struct colset *cs, size_t col, const struct trow *t,
                            const struct run_list *runs, const int *fields, char *scratch,
                            size_t *len, enum val_kind *kind);

/* A derived column's value as the number that column_value_at writes as text (the shortest text
 * that reads back as it), NaN when the row has none: for writers that store numbers. */
double column_number_at(const struct colset *cs, size_t col, const struct trow *t,
                        const int *fields);

/*
 * The value of column c for row t (runs gives the run metadata) and its length
 * in *len; NULL for a missing value. scratch must hold at least 32 bytes.
 */
const char *column_value(const struct column *c, const struct trow *t, const struct run_list *runs,
                         char *scratch, size_t *len);

/*
 * Whether a column set built before the rows were seen (a table written run by run) has a
 * column for every field of a row that its spec would show: the extra configuration fields
 * for the default set, every field for `all`; seed and lists are fixed. For `all` the answer
 * is kept with the row's shape (colset_fields), so rows of one shape are checked once.
 */
struct colwatch {
    const char *spec;
};
void colwatch_init(struct colwatch *w, const char *spec);
void colwatch_release(struct colwatch *w);
int colset_covers(struct colwatch *w, const struct colset *cs, const struct trow *t);
/* colset_fields, and in *covered colset_covers for the spec "all", with one look-up. */
const int *colset_fields_covered(const struct colset *cs, const struct trow *t, int *covered);

/* Where a run's rows came from: github, gcs (the backup) or api (the InferenceX API). */
const char *run_source_name(const struct run_info *ri);

/* After writing to fp: 0, or -IMX_EIO naming label when fp reports an error (the writers'
 * common ending). */
IMX_MUST_CHECK int writer_status(FILE *fp, const char *label, struct imx_err *err);

/* The same, with the value's JSON kind (a field's own; run ids and attempts are numbers, other
 * run metadata text). */
const char *column_value_kind(const struct column *c, const struct trow *t,
                              const struct run_list *runs, char *scratch, size_t *len,
                              enum val_kind *kind);

#endif
