/* select: which cached runs a command line selects (--event, --branch, --official, --since,
 * --until, --collect-recent), read from each run's run.json exactly as GitHub's listing
 * selects runs, so that the filters mean the same online and offline. Shared by every command
 * that reads the cache (extract, runs, and the commands built on extract's selection). */
#ifndef IMX_SELECT_H
#define IMX_SELECT_H

#include "cache/scan.h"
#include "util/buf.h"

#include <stddef.h>

/* The filters, in the order they are applied (the counts of struct run_select_stats). */
enum sel_filter { SEL_EVENT, SEL_BRANCH, SEL_SINCE, SEL_UNTIL, SEL_RECENT, SEL_NFILTERS };

struct run_select {
    const char *event;  /* run.json's event must be this; NULL: any */
    const char *branch; /* run.json's head_branch must be this; NULL: any */
    const char *since;  /* YYYY-MM-DD: the UTC day of created_at on or after it; NULL: any */
    const char *until;  /* ... on or before it */
    long recent;        /* then the N newest left (run_info_cmp's order); <= 0: all */
};

struct run_select_stats {
    size_t considered;            /* runs looked at */
    size_t kept;                  /* runs selected */
    size_t removed[SEL_NFILTERS]; /* removed by each filter, the first that removed them */
    size_t unknown[SEL_NFILTERS]; /* of those, runs whose field is unknown (no run.json,
                                     no event or branch, no valid created_at) */
};

/* Does any filter apply (else every run is selected)? */
int run_select_active(const struct run_select *s);

/*
 * Does one run pass the field filters (event, branch, since, until; not recent)? Fields may
 * be NULL (unknown): a filter on an unknown field does not pass, since nothing says the run
 * matches. created_at is an ISO 8601 timestamp; its UTC day is compared. *why gets the
 * filter that removed it (and *unknown whether its field was missing) when it does not pass.
 */
int run_select_match(const struct run_select *s, const char *event, const char *branch,
                     const char *created_at, enum sel_filter *why, int *unknown);

/*
 * Keeps the runs of l (oldest first, as cache_scan returns them) that s selects, releasing
 * the others, and numbers the kept ones again (order 0 = oldest). st may be NULL.
 */
void run_select_apply(const struct run_select *s, struct run_list *l, struct run_select_stats *st);

/*
 * Says why runs were left out, for an empty (or surprising) selection: "--event push
 * removed 3 (2 without one in run.json), --since 2026-01-01 removed 1". Appends to out.
 */
void run_select_explain(const struct run_select *s, const struct run_select_stats *st,
                        struct buf *out);

#endif
