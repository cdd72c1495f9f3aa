/* jsonl: JSON Lines output of the table: one object per row, keys the column names, numbers
 * as their exact source text (JSON allows any number text), missing values left out. */
#ifndef IMX_JSONL_H
#define IMX_JSONL_H

#include "writer/columns.h"

#include <stdio.h>

/* Writes rows (no header: JSON Lines has none); -IMX_EIO naming `label` on a write error. */
IMX_MUST_CHECK int jsonl_rows(FILE *fp, const char *label, const struct colset *cs,
                              struct trow *const *rows, size_t n, const struct run_list *runs,
                              struct imx_err *err);

#endif
