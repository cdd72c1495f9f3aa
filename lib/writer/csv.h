/* csv: RFC 4180 output of the table: UTF-8, one header line, '\n' line ends, missing
 * values empty, every number exactly as its source text. */
#ifndef IMX_CSV_H
#define IMX_CSV_H

#include "writer/columns.h"

#include <stdio.h>

/* Appends one CSV field (quoted when it holds a comma, quote, CR or LF). */
void csv_field(struct buf *out, const char *s, size_t len);
/* The same, with a ' before text a spreadsheet would run as a formula (= + - @ tab CR at the
 * start; numbers such as -1.5 are left as they are): --csv-safe. */
void csv_field_safe(struct buf *out, const char *s, size_t len);
/* The header line, and rows without it (a table written piece by piece, e.g. run by run);
 * -IMX_EIO naming `label` when fp reports an error. */
IMX_MUST_CHECK int csv_header(FILE *fp, const char *label, const struct colset *cs,
                              struct imx_err *err);
IMX_MUST_CHECK int csv_rows(FILE *fp, const char *label, const struct colset *cs,
                            struct trow *const *rows, size_t n, const struct run_list *runs,
                            struct imx_err *err);
/* Writes header and rows; returns 0 or -IMX_EIO (naming `label`) when fp reports an error. */
IMX_MUST_CHECK int csv_write(FILE *fp, const char *label, const struct colset *cs,
                             struct trow *const *rows, size_t n, const struct run_list *runs,
                             struct imx_err *err);

#endif
