/* apifiles: where the InferenceX API's rows live in the cache, the one place that knows it:
 * run_<ID>/api/benchmarks_<DISPLAY>_a<ATTEMPT>.json. The API source writes them (through the
 * store); the scan reads those of the highest attempt. */
#ifndef IMX_APIFILES_H
#define IMX_APIFILES_H

#include "util/buf.h"

#include <stddef.h>

/* The largest run attempt number read from a file name, run URL or API field: GitHub allows a
 * few dozen re-runs of a run, so anything near a million is not an attempt. */
#define RUN_ATTEMPT_MAX 1000000L

/* The run folder's folder of them (a docs entry of the manifest, store_put_doc). */
#define APIFILES_DIR "api"

/* Appends benchmarks_<DISPLAY>_a<ATTEMPT>.json to out (display names are [A-Za-z0-9.-];
 * anything else becomes '_'); -1 for a display name that starts with '.' or a name past the
 * buffer's cap (out unchanged). */
int apifiles_name(struct buf *out, const char *display, long attempt);

/* The benchmark files of a run folder that readers should use: those of the highest attempt,
 * sorted, as full paths (malloc'ed, in a malloc'ed array: apifiles_free). *attempt receives
 * that attempt (0 when none). Returns how many. */
size_t apifiles_list(const char *run_dir, char ***paths, long *attempt);
void apifiles_free(char **paths, size_t n);

/* Whether the stored document at path reads whole as the API's rows: how one that the manifest
 * does not record (stored by an older imx) is checked. */
int apifiles_doc_ok(const char *path);

#endif
