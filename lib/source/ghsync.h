/* ghsync: GitHub as a source (source_github, source.h). Selects runs (named, newest N, date
 * range), asks GitHub only what the cache does not know (ETags, unchanged runs cost nothing),
 * downloads the chosen artifacts in parallel, verifies, unpacks and installs them, and records
 * each run; ghsync_list is its selection alone, for `imx runs`. */
#ifndef IMX_GHSYNC_H
#define IMX_GHSYNC_H

#include "source/github.h"
#include "source/source.h"
#include "util/err.h"

#include <stddef.h>

/* A run as selected: its object (when GitHub was asked) and what the cache knows. */
struct ghsync_run {
    unsigned long long id;
    struct gh_run run; /* id 0 when not fetched */
    int cached;        /* complete in the cache and unchanged */
};

/*
 * The selection only, for `imx runs`: the runs GitHub lists (newest first; sel->recent, else
 * GH_PER_PAGE) or the named ones, through the ETag store of env->store (open, not locked). For runs
 * not in the cache, their artifact listings too (arts[i], narts[i]; NULL when not asked).
 */
IMX_MUST_CHECK int ghsync_list(struct source_env *env, struct ghsync_run **runs, size_t *n,
                               struct gh_artifact ***arts, size_t **narts, struct imx_err *err);
void ghsync_runs_free(struct ghsync_run *runs, size_t n, struct gh_artifact **arts, size_t *narts);

#endif
