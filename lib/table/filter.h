/* filter: the row filters (--gpu, --framework, --precision, --seq/--isl/--osl, --disagg, --conc)
 * that any command writing or selecting rows applies after the merge, so a filter never changes
 * which run's row wins a configuration. Parsed once from the command line, matched per row. */
#ifndef IMX_FILTER_H
#define IMX_FILTER_H

#include "table/fields.h"
#include "table/table.h"
#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>

enum filter_dim {
    FILTER_GPU,       /* canonical GPU (b200 matches b200-trt), runner label or its family */
    FILTER_FRAMEWORK, /* framework, ignoring case */
    FILTER_PRECISION, /* precision, ignoring case */
    FILTER_SEQ,       /* isl/osl pairs: 1k1k, 1k8k, 8k1k (k = 1024), or ISL/OSL in tokens */
    FILTER_ISL,       /* input sequence length in tokens */
    FILTER_OSL,       /* output sequence length in tokens */
    FILTER_DISAGG,    /* yes (disaggregated prefill/decode) or no (missing counts as no) */
    FILTER_CONC,      /* concurrency */
    NFILTER
};

struct filter_value {
    char *text;    /* as given, lowercased (text dimensions, messages) */
    double num[2]; /* the number (numeric dimensions), isl and osl for FILTER_SEQ, 1/0 for disagg */
};

/* One dimension: the values given (any of them matches); none given matches every row. */
struct filter_values {
    struct filter_value *v;
    size_t n, cap;
};

struct row_filter {
    struct filter_values dim[NFILTER];
};

void row_filter_init(struct row_filter *f);
void row_filter_release(struct row_filter *f);
/*
 * Adds the comma-separated values of one option (may be called again for the same
 * dimension: the values add up). A malformed value is an IMX_EUSAGE error naming it.
 */
IMX_MUST_CHECK int row_filter_add(struct row_filter *f, enum filter_dim d, const char *arg,
                                  struct imx_err *err);
/* Is any filter set? */
int row_filter_active(const struct row_filter *f);
/* Does a row with these configuration values (kv[NKEY], NULL when missing) pass every filter? */
int row_filter_match(const struct row_filter *f, const char *const kv[NKEY]);
/* Keeps the rows that pass (in order) at the front of rows; returns how many. */
size_t row_filter_keep(const struct row_filter *f, struct trow **rows, size_t n);
/* The option name of a dimension ("gpu", "seq", ...). */
const char *row_filter_option(enum filter_dim d);
/* The filters as options, for messages: "--gpu mi355x --seq 1k1k". */
void row_filter_describe(const struct row_filter *f, struct buf *out);

#endif
