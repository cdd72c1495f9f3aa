/* extract: the offline pipeline from a cache to the merged table: scan runs, parse
 * their files in parallel, normalize rows, select the model, keep the newest row per configuration.
 */
#ifndef IMX_EXTRACT_H
#define IMX_EXTRACT_H

#include "cache/scan.h"
#include "cache/select.h"
#include "table/model.h"
#include "table/table.h"
#include "util/err.h"

struct extract_opts {
    const char *cache;
    char *const *ids; /* runs to read; all when nids == 0 */
    size_t nids;
    struct run_select select; /* --event, --branch, --since, --until, --collect-recent */
    const struct model_sel *model;
    int threads;     /* parse workers (<= 0: one per CPU) */
    size_t hold_max; /* bytes of a file's rows held in memory before spooling (0: 16 MiB) */
    struct imx_diag *diag;
};

struct model_count {
    char *prefix;
    unsigned long rows;
};

struct extract_stats {
    size_t runs;              /* runs selected */
    size_t runs_read;         /* runs whose files were all read */
    size_t runs_empty;        /* runs with no result files or no rows at all */
    size_t runs_failed;       /* runs with at least one unreadable file */
    size_t runs_missing;      /* named runs not in the cache */
    size_t runs_undated;      /* runs without a date (no run.json, or a bad one) */
    size_t runs_bad_meta;     /* runs whose run.json is unreadable or malformed, selected or not */
    size_t files;             /* result files read */
    size_t files_failed;      /* files that could not be parsed (their rows are not used) */
    size_t files_damaged;     /* files a sync stored, now missing or cut (the manifest says) */
    size_t dirs_failed;       /* folders of runs that could not be listed */
    unsigned long rows;       /* rows read, all models */
    unsigned long rows_model; /* rows of the selected model that reached the table */
    unsigned long rows_fixed; /* rows with fixed isl/osl, of any model looked at */
    unsigned long rows_agentic;     /* AgentX / not fixed-sequence rows skipped */
    unsigned long rows_bad;         /* rows with wrongly typed configuration fields, skipped */
    unsigned long not_object;       /* array elements that were not objects */
    unsigned long nan_tokens;       /* NaN/Infinity read as missing */
    unsigned long seq_from_name;    /* rows whose isl/osl came from a file name */
    unsigned long prefix_from_name; /* rows whose model prefix came from a name or model id */
    struct model_count *models;     /* rows per model prefix that reached the table */
    size_t nmodels;
};

struct extract {
    struct run_list runs;
    struct table table;
    struct extract_stats st;
    struct run_select_stats selected; /* what the selection kept and removed */
};

/*
 * Runs the pipeline. Problems with single files or rows are warnings (through
 * opts->diag) and counted in st; the function fails only when nothing can be
 * read at all (the cache is missing or unreadable).
 */
IMX_MUST_CHECK int extract_run(struct extract *x, const struct extract_opts *o,
                               struct imx_err *err);
void extract_release(struct extract *x);

/*
 * Called once per selected run, oldest first, with the run's rows of the selected model
 * deduplicated within the run only (a configuration measured twice in one run keeps its first
 * row), in the table's order. The rows are valid during the call only (trow_clone keeps one); the
 * callback may reorder or drop entries of the array.
 * A negative return stops the stream and becomes extract_each_run's result.
 */
typedef int (*extract_run_fn)(void *ud, const struct run_info *run, struct trow **rows, size_t n);
/*
 * The history: every run's rows, run by run (x->table stays empty; x->runs and x->st are
 * filled as by extract_run). Runs are parsed in parallel, handed over in order (by one worker at
 * a time, while the others parse on); memory holds at most a few runs per worker, whatever the
 * number of runs. Returns 0, an error of the scan,
 * or the callback's first negative return.
 */
IMX_MUST_CHECK int extract_each_run(struct extract *x, const struct extract_opts *o,
                                    extract_run_fn fn, void *ud, struct imx_err *err);
/* Was anything skipped that makes the table incomplete? */
int extract_incomplete(const struct extract *x);

#endif
