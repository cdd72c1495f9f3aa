/* scan: the read side of the cache. Finds the runs under CACHE/run_<ID>/, their metadata
 * (run.json) and, per run, the one set of result files to read so that no result counts twice. */
#ifndef IMX_SCAN_H
#define IMX_SCAN_H

#include "util/err.h"

#include <stddef.h>

enum run_kind {
    RUN_NONE = 0,  /* no result files */
    RUN_AGGREGATE, /* agg_bmk.json (results_bmk) */
    RUN_PERCONFIG, /* bmk_* or pre-December per-configuration artifacts */
    RUN_RESULTS,   /* results_<exp>/agg_<exp>.json arrays of the 2025 schedulers */
    RUN_API,       /* no artifacts: InferenceX API rows, run_<ID>/api/ (source/infx.h) */
};

struct run_file {
    char *path; /* full path */
    char *rel;  /* path below the run folder: names carry isl/osl for old rows */
};

struct run_info {
    char *id; /* decimal run id */
    unsigned long long idn;
    char *dir;
    /* from run.json; NULL when unknown */
    char *created_at;  /* NULL also when run.json's created_at is not a date (see bad_date) */
    long long created; /* created_at in seconds since 1970 UTC (util/date.h), when set */
    char *bad_date;    /* run.json's created_at text when it does not parse as a date */
    int meta_bad;      /* run.json unreadable, malformed or badly dated (warned by cache_scan) */
    char *event;
    char *branch;
    char *html_url;
    char *source; /* run.json's imx_source ("gcs", "api"), NULL for GitHub's own run object */
    long attempt; /* 0 when unknown */
    int has_meta;
    int linked; /* run_<ID> is a symbolic link: never read through (its files are unreadable) */
    enum run_kind kind;
    struct run_file *files;
    size_t nfiles;
    /* folders of the run that could not be listed (permissions; ELOOP: a link, not followed):
     * the first one and how many */
    char *unreadable;
    int unreadable_errno;
    size_t nunreadable;
    int manifest; /* the run folder lists STORE_MANIFEST, or could not be listed (unknown) */
    size_t order; /* 0 = oldest; newer runs win (run_list_sort) */
};

struct run_list {
    struct run_info *v;
    size_t n, cap;
};

/* 0 when the cache is a folder; else an error naming it: IMX_ENOTFOUND when it does not
 * exist (nothing is created: every command that only reads says so alike), IMX_EIO when it is
 * something else. */
IMX_MUST_CHECK int cache_check_dir(const char *cache, struct imx_err *err);
/*
 * Scans cache for runs and their run.json (not their files: see
 * run_info_find_files). With nids > 0 only those runs (a named run missing from the
 * cache is reported through diag and counted in *missing). Runs are returned
 * oldest first, in run_info_cmp's order. A run.json that cannot be read or parsed, or
 * whose created_at is not a date, is warned about through diag and marks the run
 * meta_bad; the run is still read, undated.
 */
IMX_MUST_CHECK int cache_scan(const char *cache, char *const *ids, size_t nids,
                              struct run_list *out, size_t *missing, struct imx_diag *diag,
                              struct imx_err *err);
void run_list_release(struct run_list *l);

/*
 * The total order of runs, which never depends on what other runs are present: every
 * undated run (no run.json, or a created_at that is not a date) is older than every
 * dated run; dated runs compare by created_at as an instant (offsets honoured), then by
 * run id; undated runs by run id (GitHub assigns ids in time order); equal ids (run_07
 * and run_7) by folder name. Negative, 0 or positive as a is older, the same, newer.
 */
int run_info_cmp(const struct run_info *a, const struct run_info *b);
/* Sorts oldest first by run_info_cmp and numbers the runs (order 0 = oldest). */
void run_list_sort(struct run_list *l);
void run_info_release(struct run_info *ri);

/*
 * Finds the result files of a scanned run (kind, files): the walk of its
 * folder, left out of cache_scan so that callers can run it in parallel.
 */
void run_info_find_files(struct run_info *ri);
/* The same, returning the run folder open (a descriptor the caller closes; negative when it
 * could not be opened): the files' rel names are relative to it, so opening each takes one
 * lookup, not one per component of the cache's path. */
int run_info_find_files_at(struct run_info *ri);

/* Parses run.json into the metadata fields of ri (used by scan, and by `imx runs`). A
 * created_at that is not a date leaves created_at NULL and its text in bad_date. */
IMX_MUST_CHECK int run_info_load_meta(struct run_info *ri, const char *path, struct imx_err *err);

#endif
