/* reader: streams benchmark rows out of a JSON file (an array of row objects, or one
 * row object) through yajl callbacks; memory does not depend on the size of the file. */
#ifndef IMX_READER_H
#define IMX_READER_H

#include "reader/row.h"
#include "util/err.h"

#include <stddef.h>

/*
 * Called once per row object, with its index among the file's top-level
 * elements. The row is only valid during the call. Returning a negative code
 * stops the read with that code (the callback sets err itself).
 */
typedef int (*reader_row_fn)(void *ud, struct row *row, size_t index);

struct reader_stats {
    unsigned long rows;       /* row objects delivered */
    unsigned long not_object; /* top-level elements that were not objects (skipped) */
    unsigned long nan_tokens; /* NaN / Infinity tokens read as missing values */
    unsigned long dropped;    /* rows dropped by the early filter */
    unsigned long skipped;    /* of those, rows whose rest was skipped, not parsed */
};

/* The deepest nesting accepted; deeper input is an error, not a stack overflow. */
#define READER_MAX_DEPTH 64
/* Longest number text accepted (Python writes at most ~25 characters). */
#define READER_MAX_NUMBER 128

/*
 * An early filter: called with the string value of the row's top-level field
 * named `watch_key` as soon as it is read. Returning 0 drops the row at once
 * (fn is not called for it): in an array of rows, the rest of its object is
 * only checked by a small validator, not parsed by yajl, so a row of another
 * model costs a fraction of its parse. Whatever that validator does not vouch
 * for makes the file be read again without it: rows, counts, messages and
 * positions are exactly those of a full parse.
 */
typedef int (*reader_watch_fn)(void *ud, const char *val, size_t len);

struct reader_opts {
    reader_row_fn fn;
    void *ud;
    const char *label;       /* how to name the input in messages (its path) */
    struct imx_diag *diag;   /* warnings about skipped elements; may be NULL */
    struct reader_stats *st; /* may be NULL */
    const char *watch_key;   /* optional early filter (both or neither) */
    reader_watch_fn watch;
    int no_skip; /* parse dropped rows to their end with yajl (the reference tests compare with) */
};

/* Reads a file. Errors name the file and the line and column where parsing stopped. */
IMX_MUST_CHECK int reader_read_file(const char *path, const struct reader_opts *o,
                                    struct imx_err *err);
/* The same for a path relative to the open folder at (or AT_FDCWD); o->label names it. */
IMX_MUST_CHECK int reader_read_at(int at, const char *path, const struct reader_opts *o,
                                  struct imx_err *err);
/* Reads JSON held in memory (tests and fuzzing). */
IMX_MUST_CHECK int reader_read_mem(const char *data, size_t len, const struct reader_opts *o,
                                   struct imx_err *err);

#endif
