/* backfill: runs that came from the GCS backup get GitHub's own run object as run.json once a
 * token allows it (run metadata outlives artifacts), asked once per run: the answer, or a
 * run GitHub no longer has, is recorded in run.json itself. */
#ifndef IMX_BACKFILL_H
#define IMX_BACKFILL_H

#include "cache/store.h"
#include "source/github.h"
#include "util/err.h"

struct backfill_stats {
    unsigned long asked;  /* run objects requested */
    unsigned long filled; /* run.json replaced by GitHub's run object */
    unsigned long absent; /* GitHub answered 404 or 410: recorded, not asked again */
    unsigned long failed; /* no usable answer: asked again next time */
};

/* A run of the cache whose run.json was written from the backup and not yet looked up. */
struct backfill_cand {
    unsigned long long id;
    char *text; /* its run.json */
    size_t len;
    char source[32]; /* its "imx_source" mark, kept in the run object that replaces it */
};

/*
 * The runs of the cache whose run.json was written from the backup ("imx_source" starting
 * with "gcs") and not yet looked up on GitHub, newest first (free with backfill_cands_free).
 */
int backfill_candidates(const struct store *s, struct backfill_cand **out, size_t *n,
                        struct imx_err *err);
void backfill_cands_free(struct backfill_cand *c, size_t n);

/*
 * Fetches the run objects of the candidates through g (in parallel, as its http client
 * allows) and rewrites each run.json atomically: GitHub's object with the backup's
 * "imx_source" kept (so the table still says where the rows came from) and "imx_github": "run
 * object", or the old run.json marked "imx_github": "absent". Failures of single runs are
 * warnings through diag; returns < 0 only when writing the cache fails or interrupted() turns
 * true. The caller holds the cache's lock: run.json does not change under it.
 */
int backfill_run(struct gh *g, const struct store *s, const struct backfill_cand *c, size_t n,
                 struct backfill_stats *st, struct imx_diag *diag, int (*interrupted)(void),
                 struct imx_err *err);

#endif
