/* backfill: runs that came from the GCS backup get GitHub's own run object as run.json once a
 * token allows it (run metadata outlives artifacts), asked once per run; a GitHub that could not
 * be reached is remembered for a while (.imx/unreachable), as this only enriches the data. */
#ifndef IMX_BACKFILL_H
#define IMX_BACKFILL_H

#include "source/source.h"
#include "util/err.h"

#define BACKFILL_MEMO_SECONDS 600 /* how long an unreachable GitHub is remembered */

/*
 * The runs of the cache whose run.json the backup wrote ("imx_source" starting with "gcs") and
 * that were not looked up yet get their run objects through env->http (the token is looked for
 * only when there are some). Each run.json is rewritten atomically: GitHub's object with the
 * backup's "imx_source" kept and "imx_github": "run object", or the old one marked
 * "imx_github": "absent". Failures of single runs are warnings, the counts one note. Returns < 0
 * only when writing the cache fails or the command is interrupted. The caller holds the lock.
 */
int backfill_sync(struct source_env *env, struct imx_err *err);

#endif
