/* backfill: runs that came from the GCS backup get GitHub's own run object as run.json once a
 * token allows it (run metadata outlives artifacts), asked once per run: the answer, or a
 * run GitHub no longer has, is recorded in run.json itself. A GitHub that could not be reached
 * is remembered for a few minutes in the cache's private state (.imx/unreachable), so that the
 * next sync does not wait on it again for what only enriches the data. */
#ifndef IMX_BACKFILL_H
#define IMX_BACKFILL_H

#include "source/source.h"
#include "util/err.h"

#define BACKFILL_MEMO_SECONDS 600 /* how long an unreachable GitHub is remembered */

/*
 * The runs of the cache whose run.json was written from the backup ("imx_source" starting with
 * "gcs") and not yet looked up get their run objects from GitHub, in parallel through env->http
 * (the token is looked for only when some run lacks its object). Each run.json is rewritten
 * atomically: GitHub's object with the backup's "imx_source" kept (so the table still says where
 * the rows came from) and "imx_github": "run object", or the old run.json marked "imx_github":
 * "absent". Failures of single runs are warnings through env->diag, the counts one note.
 * Returns < 0 only when writing the cache fails or the command is interrupted. The caller holds
 * the cache's lock: run.json does not change under it.
 */
int backfill_sync(struct source_env *env, struct imx_err *err);

#endif
