/* ghsync: `imx sync` from GitHub. Selects runs (named, newest N, date range), asks GitHub only
 * what the cache does not know (ETags, unchanged runs cost nothing), downloads the chosen
 * artifacts in parallel, verifies, unpacks and installs them, and records each run. */
#ifndef IMX_GHSYNC_H
#define IMX_GHSYNC_H

#include "source/github.h"
#include "util/err.h"

#include <stddef.h>

struct ghsync_stats {
    unsigned long runs;        /* runs selected */
    unsigned long runs_cached; /* already complete: nothing asked */
    unsigned long runs_synced; /* brought up to date now */
    unsigned long runs_failed; /* incomplete: something could not be fetched */
    unsigned long artifacts;   /* artifacts downloaded and installed */
    unsigned long artifacts_cached;
    unsigned long artifacts_expired; /* chosen artifacts GitHub no longer has */
    unsigned long artifacts_failed;
    unsigned long artifacts_superseded;
    unsigned long artifacts_no_token; /* not downloaded: no token */
    unsigned long long bytes;         /* artifact bytes downloaded */
    unsigned long api_requests, api_not_modified, blob_requests;
    long long rate_stopped_until; /* epoch when a rate limit stopped the sync, else 0 */
    int auth_refused;             /* GitHub refused the token for downloads */
    int cache_failed;             /* a write to the cache failed (full disk, I/O error) */
    char first_error[512];        /* the first failure, for the summary */
};

struct ghsync_opts {
    const char *cache;
    const char *api_url; /* NULL: GH_DEFAULT_API */
    const char *repo;    /* NULL: GH_DEFAULT_REPO */
    const char *workflow;
    const char *branch, *event;
    const char *since, *until; /* YYYY-MM-DD */
    const char *artifact;      /* extra fnmatch pattern */
    char *const *ids;          /* named runs (decimal), nids of them */
    size_t nids;
    long recent;       /* the N newest runs when > 0; else the newest (without ids and dates) */
    const char *token; /* NULL: anonymous (listing only) */
    int jobs;
    long max_wait;
    int no_wait;
    long stall_seconds; /* 0: the http default */
    long min_rate;      /* bytes/s, 0: the http default */
    long deadline;      /* seconds per request, 0: the http default */
    long backoff_ms;    /* 0: the http default */
    int list_only;      /* select and list runs, download nothing (imx runs) */
    struct imx_diag *diag;
    /* per-run lines and notices (may be NULL) */
    void (*note)(void *ud, const char *line);
    void *note_ud;
    /* verbose request log (may be NULL) */
    void (*log)(void *ud, const char *line);
    void *log_ud;
    int log_headers;
    /* called once when another process holds the cache lock and we wait */
    void (*waiting)(void *ud);
    void *waiting_ud;
    /* live progress (may be NULL): called as transfers end */
    void (*progress)(void *ud, const struct ghsync_stats *st, unsigned long runs_done);
    void *progress_ud;
    int (*interrupted)(void);
};

/* A run as selected: its object (when GitHub was asked) and what the cache knows. */
struct ghsync_run {
    unsigned long long id;
    struct gh_run run; /* id 0 when not fetched */
    int cached;        /* complete in the cache and unchanged */
};

/*
 * Runs the sync. Returns 0 when selection worked (single runs may still have failed: see
 * st->runs_failed) or a negative IMX_E* code when nothing could be done (lock, listing).
 * *ids receives the selected run ids as decimal strings (malloc'ed array of malloc'ed
 * strings, also on partial failure), newest first for listings, in the given order for ids.
 */
IMX_MUST_CHECK int ghsync_run(const struct ghsync_opts *o, struct ghsync_stats *st, char ***ids,
                              size_t *nids, struct imx_err *err);

/*
 * The selection only, for `imx runs`: the runs GitHub lists (newest first; o->recent, else
 * GH_PER_PAGE) or the named ones, through the ETag store, taking no lock. For runs not
 * in the cache, their artifact listings too (arts[i], narts[i]; NULL when not asked).
 */
IMX_MUST_CHECK int ghsync_list(const struct ghsync_opts *o, struct ghsync_run **runs, size_t *n,
                               struct gh_artifact ***arts, size_t **narts, struct ghsync_stats *st,
                               struct imx_err *err);
void ghsync_runs_free(struct ghsync_run *runs, size_t n, struct gh_artifact **arts, size_t *narts);

#endif
