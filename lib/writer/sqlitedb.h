/* sqlitedb: the history as one SQLite database: tables `runs` and `rows` (every run's rows,
 * every column, typed), the view `latest` (exactly the merged table, in its order), the table
 * `gpu_specs` (the GPU constants in use) and the views `latest_costs` and `latest_power` (the
 * derived metrics computed over it), indexes on
 * the configuration; built into a temporary file renamed into place, then updated in place in
 * one transaction with only the runs that are new or changed. */
#ifndef IMX_SQLITEDB_H
#define IMX_SQLITEDB_H

#include "analysis/gpus.h"
#include "table/extract.h"
#include "table/filter.h"
#include "util/err.h"

/* The schema version, in PRAGMA user_version; a database of another version is rebuilt. */
#define SQLITEDB_SCHEMA 3
/* How long a write waits for another process's lock on the file before it fails. */
#define SQLITEDB_BUSY_MS 10000

struct sqldb_stats {
    int rebuilt;          /* built from scratch (new file, other schema or other selection) */
    size_t runs_added;    /* runs not in the database before */
    size_t runs_replaced; /* runs whose attempt or result files changed */
    size_t runs_removed;  /* runs no longer in the cache */
    size_t runs_total;
    unsigned long rows_added;
    unsigned long rows_total;
    unsigned long latest; /* rows of the view latest */
    int empty;            /* no row was left to store: nothing written (IMX_ENOTFOUND) */
};

/*
 * Writes or updates the database at path with the runs and rows that o selects (the run
 * selection by ids, --collect-recent or dates makes a full rebuild every time: incremental
 * updates are for the whole cache). filter: rows kept (may be NULL). gpus: the constants
 * of gpu_specs. x is filled as by
 * extract_each_run with the runs read (release it). Returns 0 or a negative IMX_E* code; the
 * previous database is never left half-written. No row to store (st->empty) writes nothing,
 * as no other format writes a table without rows.
 */
IMX_MUST_CHECK int sqldb_write(const char *path, const struct extract_opts *o,
                               const struct row_filter *filter, const struct gpu_table *gpus,
                               struct extract *x, struct sqldb_stats *st, struct imx_err *err);

#endif
