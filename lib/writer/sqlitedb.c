/* sqlitedb: building and updating the history database. Rows arrive run by run from
 * extract_each_run; columns are added (ALTER TABLE) when a run brings a field the table lacks;
 * the view latest picks, per configuration, the row of the newest run (runs.ord) and sorts by a
 * key whose byte order is the table's order (trow_sort_key). */
#include "writer/sqlitedb.h"
#include "analysis/derived.h"
#include "cache/select.h"
#include "util/buf.h"
#include "util/dec.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "writer/columns.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a run looked like when it was stored: a changed attempt, run.json, manifest or folder
 * (a sync added or superseded artifacts) makes the run be read again. */
struct runsig {
    unsigned long long id;
    size_t ord; /* place among all cached runs, oldest 0 */
    int stored; /* in the database as it is now */
    char sig[160];
};

#define NKIND (VAL_BOOL + 1)

struct db {
    sqlite3 *h;
    const char *path; /* for messages */
    struct imx_err *err;
    const struct extract *x;
    const struct row_filter *filter;
    const struct gpu_table *gpus; /* the constants of gpu_specs */
    struct sqldb_stats *st;
    struct colset cs; /* every column seen: --columns all over the representatives */
    struct colwatch watch;
    struct trow **reps; /* one row per field-name set that brought a column */
    size_t nreps, capreps;
    char **have; /* columns the rows table has */
    size_t nhave, caphave;
    sqlite3_stmt *ins_row, *ins_run;
    char (*types)[NKIND]; /* per column of ins_row, by enum val_kind: col_type */
    char *nulls;          /* per column of ins_row: NULL is bound (kept across rows) */
    struct runsig *sigs;  /* incremental: every cached run, sorted by id; NULL in a full build */
    size_t nsigs;
};

static int db_fail(struct db *d, const char *what)
{
    return imx_seterr(d->err, IMX_EIO, "'%s': SQLite: %s: %s", d->path, what, sqlite3_errmsg(d->h));
}

static int exec(struct db *d, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(d->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int r = imx_seterr(d->err, IMX_EIO, "'%s': SQLite: %s", d->path, msg ? msg : "error");
        sqlite3_free(msg);
        return r;
    }
    return 0;
}

static void quote_ident(struct buf *b, const char *name)
{
    buf_addc(b, '"');
    for (; *name; name++) {
        if (*name == '"')
            buf_addc(b, '"');
        buf_addc(b, *name);
    }
    buf_addc(b, '"');
}

/* INTEGER, REAL or TEXT: configuration numbers and booleans are integers, metrics reals, names
 * text; a field imx does not know takes the type of its first value (kind < 0: not known). */
static char col_type(const struct column *c, int kind)
{
    int id;

    switch (c->src) {
    case COL_RUN_ID:
    case COL_ATTEMPT:
        return 'I';
    case COL_FIELD:
        break;
    case COL_DERIVED:
        /* numbers as --columns derived writes them: GPUs counted, the rest measured */
        return c->metric == M_TOTAL_GPUS ? 'I' : 'R';
    default:
        return 'T';
    }
    id = fields_key_id(c->field, strlen(c->field));
    if (id >= 0 && id < NKEY)
        return key_fields[id].type == 's' ? 'T' : 'I';
    if (id >= 0)
        return 'T';
    if (kind == VAL_NUM)
        return 'R';
    if (kind == VAL_BOOL)
        return 'I';
    if (kind == VAL_STR)
        return 'T';
    return fields_family_rank(c->field) < 1000 || strstr(c->name, "throughput") ? 'R' : 'T';
}

static const char *type_name(char t)
{
    return t == 'I' ? "INTEGER" : t == 'R' ? "REAL" : "TEXT";
}

static int have_column(const struct db *d, const char *name)
{
    for (size_t i = 0; i < d->nhave; i++)
        if (!strcmp(d->have[i], name))
            return 1;
    return 0;
}

static void note_column(struct db *d, const char *name)
{
    ALLOC_GROW(d->have, d->nhave + 1, d->caphave);
    d->have[d->nhave++] = xstrdup(name);
}

/* The kind of a column's first value among the representative rows, -1 when none has one. */
static int column_kind(const struct db *d, const struct column *c)
{
    char scratch[32];
    for (size_t i = 0; i < d->nreps; i++) {
        size_t len;
        enum val_kind k;
        if (column_value_kind(c, d->reps[i], &d->x->runs, scratch, &len, &k))
            return (int)k;
    }
    return -1;
}

static int prepare_insert(struct db *d)
{
    struct buf b = BUF_INIT_MAX(BUF_DOC_MAX);
    int r = 0;

    /* a column's type for each kind of value, once per column set rather than per value */
    d->types = xrealloc(d->types, (d->cs.n ? d->cs.n : 1) * sizeof(*d->types));
    /* a new statement's parameters are all NULL */
    d->nulls = xrealloc(d->nulls, d->cs.n ? d->cs.n : 1);
    memset(d->nulls, 1, d->cs.n ? d->cs.n : 1);
    for (size_t i = 0; i < d->cs.n; i++)
        for (int k = 0; k < NKIND; k++)
            d->types[i][k] = col_type(&d->cs.v[i], k);

    sqlite3_finalize(d->ins_row);
    d->ins_row = NULL;
    buf_adds(&b, "INSERT INTO rows (");
    for (size_t i = 0; i < d->cs.n; i++) {
        quote_ident(&b, d->cs.v[i].name);
        buf_addc(&b, ',');
    }
    buf_adds(&b, "imx_key,imx_sort) VALUES (");
    for (size_t i = 0; i < d->cs.n + 2; i++)
        buf_adds(&b, i ? ",?" : "?");
    buf_addc(&b, ')');
    if (sqlite3_prepare_v2(d->h, b.p, -1, &d->ins_row, NULL) != SQLITE_OK)
        r = db_fail(d, "insert");
    buf_release(&b);
    return r;
}

/* Adds the columns of the set that the table lacks, then prepares the insert again. */
static int sync_columns(struct db *d)
{
    struct buf b = BUF_INIT_MAX(BUF_MAX_DEFAULT);
    int r = 0;

    for (size_t i = 0; i < d->cs.n && r == 0; i++) {
        const struct column *c = &d->cs.v[i];
        if (have_column(d, c->name))
            continue;
        buf_reset(&b);
        buf_adds(&b, "ALTER TABLE rows ADD COLUMN ");
        quote_ident(&b, c->name);
        buf_addf(&b, " %s", type_name(col_type(c, column_kind(d, c))));
        r = exec(d, b.p);
        if (r == 0)
            note_column(d, c->name);
    }
    buf_release(&b);
    return r < 0 ? r : prepare_insert(d);
}

static int is_integer(const char *v)
{
    if (*v == '-')
        v++;
    if (!*v)
        return 0;
    for (; *v; v++)
        if (*v < '0' || *v > '9')
            return 0;
    return 1;
}

/* Column c's parameter to NULL: bindings outlive sqlite3_reset, so a column NULL in row after
 * row (a disaggregated field in an aggregated run) is bound once. */
static void bind_null(struct db *d, size_t c)
{
    if (!d->nulls[c]) {
        sqlite3_bind_null(d->ins_row, (int)c + 1);
        d->nulls[c] = 1;
    }
}

/* A row field's value (not NULL); a number's text is never true or false. */
static void bind_value(sqlite3_stmt *st, int i, char type, const char *v, size_t len,
                       enum val_kind kind)
{
    if (type != 'T' &&
        (kind == VAL_BOOL || (kind != VAL_NUM && (!strcmp(v, "true") || !strcmp(v, "false"))))) {
        sqlite3_bind_int(st, i, !strcmp(v, "true"));
    } else if (type == 'T' || kind != VAL_NUM) {
        sqlite3_bind_text(st, i, v, (int)len, SQLITE_STATIC);
    } else if (type == 'I' && is_integer(v) && len < 19) {
        sqlite3_bind_int64(st, i, strtoll(v, NULL, 10));
    } else {
        sqlite3_bind_double(st, i, dec_to_double(v));
    }
}

/*
 * A derived column bound as its number, without the text the other writers need: that text
 * reads back as the same double, so the value stored is the same. 0 for a count that is not
 * whole (rare), left to the text path.
 */
static int bind_derived(struct db *d, size_t c, const struct trow *t, const int *fields, int i)
{
    double v = column_number_at(&d->cs, c, t, fields);

    if (isnan(v)) {
        bind_null(d, c);
        return 1;
    }
    if (d->types[c][VAL_NUM] == 'R')
        sqlite3_bind_double(d->ins_row, i, v);
    else if (v == floor(v) && fabs(v) < 1e15)
        sqlite3_bind_int64(d->ins_row, i, (sqlite3_int64)v);
    else
        return 0;
    d->nulls[c] = 0;
    return 1;
}

/* fields: where t's fields are (colset_fields). */
static int insert_row(struct db *d, const struct trow *t, const int *fields, struct buf *sk)
{
    int i = 1;

    for (size_t c = 0; c < d->cs.n; c++, i++) {
        const struct column *col = &d->cs.v[c];
        char scratch[32];
        size_t len;
        enum val_kind kind;
        const char *v;
        char type;
        if (col->src == COL_DERIVED && bind_derived(d, c, t, fields, i))
            continue;
        v = column_value_at(&d->cs, c, t, &d->x->runs, fields, scratch, &len, &kind);
        if (!v) {
            bind_null(d, c);
            continue;
        }
        d->nulls[c] = 0;
        type = d->types[c][kind];
        if (col->src != COL_FIELD) {
            /* run metadata: a copy when made in scratch; the run's own text outlives the insert */
            if (type != 'T' && is_integer(v) && len < 19)
                sqlite3_bind_int64(d->ins_row, i, strtoll(v, NULL, 10));
            else if (type == 'R')
                sqlite3_bind_double(d->ins_row, i, dec_to_double(v));
            else
                sqlite3_bind_text(d->ins_row, i, v, (int)len,
                                  v == scratch ? SQLITE_TRANSIENT : SQLITE_STATIC);
            continue;
        }
        bind_value(d->ins_row, i, type, v, len, kind);
    }
    sqlite3_bind_blob(d->ins_row, i++, t->key, (int)t->keylen, SQLITE_STATIC);
    buf_reset(sk);
    trow_sort_key(t, sk);
    sqlite3_bind_blob(d->ins_row, i, sk->p, (int)sk->len, SQLITE_STATIC);
    if (sqlite3_step(d->ins_row) != SQLITE_DONE)
        return db_fail(d, "insert a row");
    sqlite3_reset(d->ins_row);
    return 0;
}

static int cmp_sig(const void *a, const void *b)
{
    const struct runsig *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static const struct runsig *find_sig(const struct db *d, unsigned long long id)
{
    struct runsig key;
    key.id = id;
    return d->sigs ? bsearch(&key, d->sigs, d->nsigs, sizeof(key), cmp_sig) : NULL;
}

static void run_signature(const struct run_info *ri, char *out, size_t cap)
{
    static const char *const names[] = {"", "/run.json", "/imx-manifest.json"};
    struct buf b = BUF_INIT_MAX(BUF_TEXT_MAX);

    buf_addf(&b, "a%ld", ri->attempt);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
        struct stat st;
        buf_addf(&p, "%s%s", ri->dir, names[i]);
        if (stat(p.p, &st) == 0)
            buf_addf(&b, " %lld.%09ld:%lld", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                     (long long)st.st_size);
        else
            buf_adds(&b, " -");
        buf_release(&p);
    }
    snprintf(out, cap, "%s", b.p);
    buf_release(&b);
}

static int insert_run(struct db *d, const struct run_info *run, size_t nrows)
{
    const struct runsig *s = find_sig(d, run->idn);
    struct buf files = BUF_INIT_MAX(BUF_MAX_DEFAULT);
    char sig[160];
    sqlite3_stmt *st = d->ins_run;
    int r = 0;

    if (s)
        memcpy(sig, s->sig, sizeof(sig));
    else
        run_signature(run, sig, sizeof(sig));
    for (size_t i = 0; i < run->nfiles; i++)
        if (run->files[i].rel)
            buf_addf(&files, "%s%s", files.len ? "\n" : "", run->files[i].rel);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)run->idn);
    if (run->attempt > 0)
        sqlite3_bind_int64(st, 2, run->attempt);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_text(st, 3, run->created_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, run->event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, run->branch, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, run_source_name(run), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, run->html_url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, files.p, (int)files.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)(s ? s->ord : run->order));
    sqlite3_bind_text(st, 10, sig, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)nrows);
    if (sqlite3_step(st) != SQLITE_DONE)
        r = db_fail(d, "insert a run");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    buf_release(&files);
    return r;
}

static int on_run(void *ud, const struct run_info *run, struct trow **rows, size_t n)
{
    struct db *d = ud;
    struct buf sk = BUF_INIT_MAX(BUF_MAX_DEFAULT);
    int r = 0, grew = 0;

    size_t i = 0;

    if (d->filter)
        n = row_filter_keep(d->filter, rows, n);
    /* rows whose every field has a column go in as they come, their shape found once */
    for (; d->ins_row && i < n && r == 0; i++) {
        int covered;
        const int *fields = colset_fields_covered(&d->cs, rows[i], &covered);
        if (!fields || !covered)
            break;
        r = insert_row(d, rows[i], fields, &sk);
    }
    /* from the first row that brings a new field on: the run's new columns, then its rows */
    for (size_t k = i; k < n && r == 0; k++) {
        if (colset_covers(&d->watch, &d->cs, rows[k]))
            continue;
        ALLOC_GROW(d->reps, d->nreps + 1, d->capreps);
        d->reps[d->nreps++] = trow_clone(rows[k]);
        colset_release(&d->cs);
        if (colset_build(&d->cs, "all", d->reps, d->nreps, d->err) < 0)
            r = -IMX_EUSAGE;
        grew = 1;
    }
    if (r == 0 && (grew || !d->ins_row))
        r = sync_columns(d);
    for (; i < n && r == 0; i++)
        r = insert_row(d, rows[i], colset_fields(&d->cs, rows[i]), &sk);
    buf_release(&sk);
    if (r == 0)
        r = insert_run(d, run, n);
    d->st->rows_added += n;
    return r;
}

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);\n"
    "CREATE TABLE IF NOT EXISTS runs (run_id INTEGER PRIMARY KEY, run_attempt INTEGER,\n"
    " created_at TEXT, event TEXT, branch TEXT, source TEXT, url TEXT, artifacts TEXT,\n"
    " ord INTEGER NOT NULL, signature TEXT, rows INTEGER);\n";

static int load_columns(struct db *d)
{
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(d->h, "SELECT name FROM pragma_table_info('rows')", -1, &st, NULL) !=
        SQLITE_OK)
        return db_fail(d, "table_info");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (name && strcmp(name, "imx_key") && strcmp(name, "imx_sort"))
            note_column(d, name);
    }
    sqlite3_finalize(st);
    return 0;
}

static int create_rows_table(struct db *d)
{
    struct buf b = BUF_INIT_MAX(BUF_MAX_DEFAULT);
    int r;

    buf_adds(&b, "CREATE TABLE rows (");
    for (size_t i = 0; i < d->cs.n; i++) {
        quote_ident(&b, d->cs.v[i].name);
        buf_addf(&b, " %s,", type_name(col_type(&d->cs.v[i], -1)));
    }
    buf_adds(&b, "imx_key BLOB NOT NULL, imx_sort BLOB NOT NULL)");
    r = exec(d, b.p);
    for (size_t i = 0; i < d->cs.n && r == 0; i++)
        note_column(d, d->cs.v[i].name);
    buf_release(&b);
    return r;
}

static void column_list(struct buf *b, const struct db *d, const char *prefix)
{
    for (size_t i = 0; i < d->nhave; i++) {
        buf_adds(b, i ? "," : "");
        buf_adds(b, prefix);
        quote_ident(b, d->have[i]);
    }
}

/* The rows of latest, with imx_sort: the views over it keep the table's order. */
static const char latest_rows[] =
    " FROM (SELECT r.*, row_number() OVER (PARTITION BY r.imx_key ORDER BY u.ord DESC) AS imx_rn "
    "FROM rows r JOIN runs u ON u.run_id = r.run_id) l";

/* The table gpu_specs: the constants in use (built-in or --gpu-specs), written anew each time, so
 * that the views over it follow the constants of the last write. */
static int write_gpu_specs(struct db *d)
{
    sqlite3_stmt *st = NULL;
    int r = exec(d, "CREATE TABLE IF NOT EXISTS gpu_specs (gpu TEXT PRIMARY KEY, power_kw REAL, "
                    "cost_hyperscaler REAL, cost_neocloud REAL, cost_rental_3y REAL);\n"
                    "DELETE FROM gpu_specs;");

    if (r == 0 && sqlite3_prepare_v2(d->h, "INSERT OR REPLACE INTO gpu_specs VALUES (?,?,?,?,?)",
                                     -1, &st, NULL) != SQLITE_OK)
        r = db_fail(d, "gpu_specs");
    for (size_t i = 0; r == 0 && d->gpus && i < d->gpus->n; i++) {
        const struct gpu_spec *g = &d->gpus->v[i];
        sqlite3_bind_text(st, 1, g->gpu, -1, SQLITE_STATIC);
        for (int c = 0; c < NGC; c++) {
            if (isnan(g->v[c]))
                sqlite3_bind_null(st, 2 + c);
            else
                sqlite3_bind_double(st, 2 + c, g->v[c]);
        }
        if (sqlite3_step(st) != SQLITE_DONE)
            r = db_fail(d, "gpu_specs");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return r;
}

/* A throughput of latest as SQL, NULL unless positive and finite (derived.c's usable(): a source
 * text such as 1e999 is a REAL infinity here, and would cost 0); NULL when the table has no such
 * column. */
static void usable_tput(struct buf *b, const struct db *d, int m)
{
    if (!have_column(d, metric_info[m].name)) {
        buf_adds(b, "NULL");
        return;
    }
    buf_adds(b, "(CASE WHEN l.");
    quote_ident(b, metric_info[m].name);
    buf_adds(b, " > 0 AND l.");
    quote_ident(b, metric_info[m].name);
    buf_adds(b, " <= 1.7976931348623157e308 THEN l.");
    quote_ident(b, metric_info[m].name);
    buf_adds(b, " END)");
}

/* expr as SQL, NULL where it overflows to an infinity (derived.c's finite_or_nan: a throughput
 * of 1.7e308 overflows on its way to Mtok/h, and would cost 0) */
static void finite_sql(struct buf *b, const char *expr)
{
    buf_addf(b, "(CASE WHEN abs(%s) <= 1.7976931348623157e308 THEN %s END)", expr, expr);
}

/* a CREATE VIEW statement over every column the table has */
#define VIEW_SQL_MAX ((size_t)1 << 22)

/*
 * latest_costs and latest_power: latest's measured columns (its derived ones, stored with the
 * built-in constants, left out) and the derived metrics computed over gpu_specs by the formulas
 * of derived.c, in the same order of operations, for the same GPU.
 */
static int write_metric_views(struct db *d)
{
    static const int tputs[3] = {M_TPUT, M_OUTPUT_TPUT, M_INPUT_TPUT};
    static const char *const prices[3] = {"cost_hyperscaler", "cost_neocloud", "cost_rental_3y"};
    struct buf b = BUF_INIT_MAX(VIEW_SQL_MAX), e = BUF_INIT_MAX(BUF_TEXT_MAX),
               t = BUF_INIT_MAX(BUF_TEXT_MAX);
    int r;

    for (int view = 0; view < 2; view++) {
        const char *name = view ? "latest_power" : "latest_costs";
        int first = 1;
        buf_addf(&b, "DROP VIEW IF EXISTS %s;\nCREATE VIEW %s AS SELECT ", name, name);
        for (size_t i = 0; i < d->nhave; i++) {
            int m = metric_lookup(d->have[i]);
            if (m >= M_DERIVED_FIRST && !strcmp(metric_info[m].name, d->have[i]))
                continue;
            buf_adds(&b, first ? "l." : ",l.");
            quote_ident(&b, d->have[i]);
            first = 0;
        }
        for (int k = 0; k < 3; k++) {
            if (view == 0) {
                for (int c = 0; c < 3; c++) {
                    buf_reset(&e);
                    buf_addf(&e, "g.%s / ", prices[c]);
                    buf_reset(&t);
                    usable_tput(&t, d, tputs[k]);
                    buf_adds(&t, " * 3600 / 1e6");
                    finite_sql(&e, t.p);
                    buf_addf(&b, ",CASE WHEN g.%s > 0 THEN ", prices[c]);
                    finite_sql(&b, e.p);
                    buf_addf(&b, " END AS %s", metric_info[M_COSTH + 3 * k + c].name);
                }
                continue;
            }
            buf_reset(&e);
            usable_tput(&e, d, tputs[k]);
            buf_adds(&e, " * 1000 / g.power_kw");
            buf_adds(&b, ",CASE WHEN g.power_kw > 0 THEN ");
            finite_sql(&b, e.p);
            buf_addf(&b, " END AS %s", metric_info[M_TPMW + k].name);
        }
        for (int k = 0; view == 1 && k < 3; k++) {
            buf_reset(&e);
            buf_adds(&e, "g.power_kw * 1000 / ");
            usable_tput(&e, d, tputs[k]);
            buf_adds(&b, ",CASE WHEN g.power_kw > 0 THEN ");
            finite_sql(&b, e.p);
            buf_addf(&b, " END AS %s", metric_info[M_JPT + k].name);
        }
        buf_adds(&b, latest_rows);
        /* the GPU as derived.c finds it (analysis_gpu): the label's first token split on '-',
         * '_' or ' ', lowercased; the column gpu knows only some labels (h100-cw_0 has none) */
        buf_adds(&b, " LEFT JOIN gpu_specs g ON g.gpu = lower(substr(l.gpu_model, 1, "
                     "min(instr(l.gpu_model || '-', '-'), instr(l.gpu_model || '_', '_'), "
                     "instr(l.gpu_model || ' ', ' ')) - 1)) "
                     "WHERE l.imx_rn = 1 ORDER BY l.imx_sort;\n");
    }
    r = exec(d, b.p);
    buf_release(&e);
    buf_release(&t);
    buf_release(&b);
    return r;
}

/* The views history and latest, over the columns the table has now (written again after each
 * update). */
static int write_views(struct db *d)
{
    struct buf b = BUF_INIT_MAX(VIEW_SQL_MAX);
    int r;

    buf_adds(&b, "DROP VIEW IF EXISTS history;\nCREATE VIEW history AS SELECT ");
    column_list(&b, d, "r.");
    buf_adds(&b, " FROM rows r JOIN runs u ON u.run_id = r.run_id ORDER BY u.ord, r.imx_sort;\n"
                 "DROP VIEW IF EXISTS latest;\nCREATE VIEW latest AS SELECT ");
    column_list(&b, d, "");
    buf_adds(&b, latest_rows);
    buf_adds(&b, " WHERE imx_rn = 1 ORDER BY imx_sort;\n"
                 "CREATE INDEX IF NOT EXISTS rows_key ON rows(imx_key);\n"
                 "CREATE INDEX IF NOT EXISTS rows_run ON rows(run_id);\n"
                 "CREATE INDEX IF NOT EXISTS rows_config ON rows(model_prefix, gpu_model, "
                 "framework, precision, input_seq_len, output_seq_len, concurrency);\n");
    buf_addf(&b, "PRAGMA user_version = %d;\n", SQLITEDB_SCHEMA);
    r = exec(d, b.p);
    buf_release(&b);
    if (r == 0)
        r = write_gpu_specs(d);
    return r < 0 ? r : write_metric_views(d);
}

static sqlite3_int64 count(struct db *d, const char *sql)
{
    sqlite3_stmt *st;
    sqlite3_int64 n = -1;

    if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/*
 * The totals for the summary. latest holds one row per configuration key among the rows of the
 * stored runs, and every row is stored with its run (inserted and deleted together): its size
 * is the number of distinct keys, counted on the index rows_key instead of by running the view
 * (which sorts every row with every column).
 */
static void count_totals(struct db *d)
{
    d->st->latest = (unsigned long)count(d, "SELECT count(DISTINCT imx_key) FROM rows");
    d->st->rows_total = (unsigned long)count(d, "SELECT count(*) FROM rows");
    d->st->runs_total = (size_t)count(d, "SELECT count(*) FROM runs");
}

static char *meta_get(struct db *d, const char *key)
{
    sqlite3_stmt *st;
    char *v = NULL;

    if (sqlite3_prepare_v2(d->h, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        v = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

/* Which rows the database holds: the model and the filters (another selection is rebuilt). */
static char *selection_text(const struct extract_opts *o, const struct row_filter *filter)
{
    struct buf b = BUF_INIT_MAX(BUF_BLOCK_MAX);
    const struct model_sel *m = o->model;

    buf_addf(&b, "model=%s", m->all ? "all" : m->prefix ? m->prefix : m->id ? m->id : "?");
    if (filter && row_filter_active(filter)) {
        buf_adds(&b, " ");
        row_filter_describe(filter, &b);
    }
    return buf_detach(&b, NULL);
}

static int set_meta(struct db *d, const char *selection)
{
    sqlite3_stmt *st;
    int r = 0;

    if (sqlite3_prepare_v2(d->h, "INSERT OR REPLACE INTO meta VALUES ('selection', ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return db_fail(d, "meta");
    sqlite3_bind_text(st, 1, selection, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        r = db_fail(d, "meta");
    sqlite3_finalize(st);
    return r;
}

static int open_db(struct db *d, const char *file)
{
    /* one thread at a time uses the connection (the runs are handed over in turn): no mutex
     * around every call */
    if (sqlite3_open_v2(file, &d->h,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        return db_fail(d, "open");
    sqlite3_busy_timeout(d->h, SQLITEDB_BUSY_MS);
    return 0;
}

static void close_db(struct db *d)
{
    sqlite3_finalize(d->ins_row);
    sqlite3_finalize(d->ins_run);
    d->ins_row = d->ins_run = NULL;
    if (d->h)
        sqlite3_close(d->h);
    d->h = NULL;
}

static int prepare_run_insert(struct db *d)
{
    if (sqlite3_prepare_v2(d->h, "INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?)", -1, &d->ins_run,
                           NULL) != SQLITE_OK)
        return db_fail(d, "insert runs");
    return 0;
}

/* Reads every run (or the selection) into an empty database. */
static int fill(struct db *d, const struct extract_opts *o, struct extract *x)
{
    int r;
    d->x = x;
    r = extract_each_run(x, o, on_run, d, d->err);
    if (r == 0 && !d->ins_row)
        r = sync_columns(d);
    d->st->runs_added = x->runs.n;
    return r;
}

/* No row of the selection is left in the database: the caller says so, the file is not
 * written. */
static int refuse_empty(struct db *d)
{
    if (count(d, "SELECT EXISTS (SELECT 1 FROM rows)") != 0) /* or -1: the next step says */
        return 0;
    d->st->empty = 1;
    return imx_seterr(d->err, IMX_ENOTFOUND, "no rows to store in '%s'", d->path);
}

static int full_build(struct db *d, const char *path, const struct extract_opts *o,
                      struct extract *x, const char *selection)
{
    struct atomic_file af;
    int r;

    d->st->rebuilt = 1;
    r = atomic_file_open(&af, path, d->err);
    if (r < 0)
        return r;
    r = open_db(d, af.tmp);
    /* The temporary file is the journal: an interrupted build is never renamed into place.
     * Rows are only appended, so a small page cache loses nothing; 16 KiB pages make a quarter
     * of the writes and reads (the indexes are built by reading the table back) and the build
     * 0.1 s faster at 1,000 runs. The peak memory follows the cache and the index sorter's
     * memory (250 pages): 2 MiB and 4 MiB here, 25 MB in all (8 MiB and 4 KiB pages: 36 MB). */
    if (r == 0)
        r = exec(d, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                    "PRAGMA page_size = 16384; PRAGMA cache_size = -2048; BEGIN;");
    if (r == 0)
        r = exec(d, schema);
    if (r == 0)
        r = create_rows_table(d);
    if (r == 0)
        r = prepare_run_insert(d);
    if (r == 0)
        r = set_meta(d, selection);
    if (r == 0)
        r = fill(d, o, x);
    if (r == 0 && x->runs.n == 0 && !o->nids)
        r = imx_seterr(d->err, IMX_ENOTFOUND, "no runs in the cache '%s'", o->cache);
    if (r == 0)
        r = refuse_empty(d);
    if (r == 0)
        r = write_views(d);
    if (r == 0)
        r = exec(d, "COMMIT");
    if (r == 0)
        count_totals(d);
    close_db(d);
    if (r < 0) {
        atomic_file_abort(&af);
        return r;
    }
    return atomic_file_commit(&af, d->err);
}

static int delete_run(struct db *d, sqlite3_int64 id)
{
    static const char *const sql[] = {"DELETE FROM rows WHERE run_id = ?",
                                      "DELETE FROM runs WHERE run_id = ?"};
    for (size_t i = 0; i < 2; i++) {
        sqlite3_stmt *st;
        int ok;
        if (sqlite3_prepare_v2(d->h, sql[i], -1, &st, NULL) != SQLITE_OK)
            return db_fail(d, "delete");
        sqlite3_bind_int64(st, 1, id);
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_finalize(st);
        if (!ok)
            return db_fail(d, "delete");
    }
    return 0;
}

/*
 * The update: every cached run's signature against the stored one; runs gone are deleted,
 * changed ones deleted and read again, new ones read; the order of all runs is written again
 * (a run from the backup may be older than runs stored before). One transaction.
 */
static int update(struct db *d, const struct extract_opts *o, struct extract *x)
{
    struct run_list all;
    size_t missing = 0;
    char **ids = NULL;
    size_t nids = 0, capids = 0;
    sqlite3_int64 *gone = NULL; /* stored runs no longer cached */
    size_t ngone = 0, capgone = 0;
    sqlite3_stmt *st = NULL;
    int r;

    memset(&all, 0, sizeof(all));
    r = cache_scan(o->cache, NULL, 0, &all, &missing, o->diag, d->err);
    if (r < 0)
        return r;
    d->sigs = xcalloc(all.n + 1, sizeof(*d->sigs));
    d->nsigs = all.n;
    for (size_t i = 0; i < all.n; i++) {
        d->sigs[i].id = all.v[i].idn;
        d->sigs[i].ord = i;
        run_signature(&all.v[i], d->sigs[i].sig, sizeof(d->sigs[i].sig));
    }
    qsort(d->sigs, d->nsigs, sizeof(*d->sigs), cmp_sig);
    r = exec(d, "PRAGMA synchronous = FULL; BEGIN IMMEDIATE;");
    if (r == 0 &&
        sqlite3_prepare_v2(d->h, "SELECT run_id, signature FROM runs", -1, &st, NULL) != SQLITE_OK)
        r = db_fail(d, "runs");
    /* stored runs: gone, changed or the same */
    while (r == 0 && st && sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 id = sqlite3_column_int64(st, 0);
        const char *sig = (const char *)sqlite3_column_text(st, 1);
        const struct runsig *s = find_sig(d, (unsigned long long)id);
        if (s && sig && !strcmp(s->sig, sig)) {
            d->sigs[s - d->sigs].stored = 1;
            continue;
        }
        if (s) {
            d->st->runs_replaced++;
        } else {
            d->st->runs_removed++;
            ALLOC_GROW(gone, ngone + 1, capgone);
            gone[ngone++] = id;
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    /* read again what is not stored as it is now */
    for (size_t i = 0; r == 0 && i < d->nsigs; i++) {
        if (d->sigs[i].stored)
            continue;
        ALLOC_GROW(ids, nids + 1, capids);
        ids[nids] = xmalloc(24);
        snprintf(ids[nids], 24, "%llu", d->sigs[i].id);
        nids++;
    }
    {
        /* delete the runs gone and the runs to read again; keep the others' order current */
        sqlite3_stmt *q = NULL, *u = NULL;
        if (r == 0 &&
            (sqlite3_prepare_v2(d->h, "SELECT run_id FROM runs", -1, &q, NULL) != SQLITE_OK ||
             sqlite3_prepare_v2(d->h, "UPDATE runs SET ord = ? WHERE run_id = ?", -1, &u, NULL) !=
                 SQLITE_OK))
            r = db_fail(d, "runs");
        while (r == 0 && q && sqlite3_step(q) == SQLITE_ROW) {
            sqlite3_int64 id = sqlite3_column_int64(q, 0);
            const struct runsig *s = find_sig(d, (unsigned long long)id);
            if (s && s->stored) {
                sqlite3_bind_int64(u, 1, (sqlite3_int64)s->ord);
                sqlite3_bind_int64(u, 2, id);
                if (sqlite3_step(u) != SQLITE_DONE)
                    r = db_fail(d, "runs");
                sqlite3_reset(u);
            }
        }
        sqlite3_finalize(q);
        sqlite3_finalize(u);
    }
    for (size_t k = 0; r == 0 && k < nids; k++)
        r = delete_run(d, (sqlite3_int64)strtoll(ids[k], NULL, 10));
    for (size_t k = 0; r == 0 && k < ngone; k++)
        r = delete_run(d, gone[k]);
    if (r == 0)
        r = load_columns(d);
    if (r == 0)
        r = prepare_run_insert(d);
    if (r == 0 && nids) {
        struct extract_opts o2 = *o;
        o2.ids = ids;
        o2.nids = nids;
        r = fill(d, &o2, x);
        d->st->runs_added = nids - d->st->runs_replaced;
    }
    if (r == 0)
        r = refuse_empty(d);
    if (r == 0)
        r = write_views(d);
    if (r == 0)
        r = exec(d, "COMMIT");
    else
        exec(d, "ROLLBACK");
    if (r == 0)
        count_totals(d);
    for (size_t k = 0; k < nids; k++)
        free(ids[k]);
    free(ids);
    free(gone);
    run_list_release(&all);
    return r;
}

/* Can the database at path be updated in place for this selection? */
static int updatable(struct db *d, const char *path, const char *selection)
{
    struct imx_err quiet = IMX_ERR_INIT;
    struct imx_err *keep = d->err;
    char *sel;
    int ok;

    if (!path_exists(path))
        return 0;
    d->err = &quiet;
    /* versions 1 and 2 stored the derived columns as TEXT: such a file is built anew */
    ok = open_db(d, path) == 0 && count(d, "PRAGMA user_version") == SQLITEDB_SCHEMA;
    d->err = keep;
    if (!ok) {
        close_db(d);
        return 0;
    }
    sel = meta_get(d, "selection");
    ok = sel && !strcmp(sel, selection);
    free(sel);
    if (!ok)
        close_db(d);
    return ok;
}

/*
 * Is path a file imx must not replace: neither absent, empty, nor a database imx wrote (a
 * CSV named out.db, another application's SQLite database, a device or a FIFO)? Replacing it
 * would lose the user's data, so the write is refused, naming the file and what it is.
 */
static int foreign_file(const char *path, struct imx_err *err)
{
    static const char magic[16] = "SQLite format 3";
    char head[16];
    struct stat st;
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    int fd, rc, ours = 0;
    ssize_t got;

    if (stat(path, &st) != 0)
        return 0;
    if (!S_ISREG(st.st_mode))
        /* renaming the new database over /dev/null would replace the device itself */
        return imx_seterr(err, IMX_EIO,
                          "'%s' is not a regular file: a SQLite database is written to a file "
                          "of its own (name one with -o)",
                          path);
    if (st.st_size == 0)
        return 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    got = fd < 0 ? -1 : read(fd, head, sizeof(head));
    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)sizeof(head) || memcmp(head, magic, sizeof(magic)))
        return imx_seterr(err, IMX_EIO,
                          "'%s' exists and is not a SQLite database: imx does not replace it "
                          "(remove it, or name another file)",
                          path);
    /* read-write: the journal a killed update left is rolled back on this first read, as
     * the update itself would (read-only, such a database cannot be read at all) */
    rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(h, SQLITEDB_BUSY_MS);
        rc = sqlite3_prepare_v2(h,
                                "SELECT user_version, EXISTS (SELECT 1 FROM sqlite_master WHERE "
                                "type = 'table' AND name = 'meta') FROM pragma_user_version",
                                -1, &q, NULL);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        int v = sqlite3_column_int(q, 0);
        ours = v >= 1 && v <= SQLITEDB_SCHEMA && sqlite3_column_int(q, 1); /* any imx schema */
    } else {
        /* only a file SQLite calls no database is not ours; busy, locked or unreadable is
         * for the write itself to report */
        rc = h ? sqlite3_errcode(h) : rc;
        ours = rc != SQLITE_NOTADB && rc != SQLITE_CORRUPT;
    }
    sqlite3_finalize(q);
    sqlite3_close(h);
    if (!ours)
        return imx_seterr(err, IMX_EIO,
                          "'%s' is a SQLite database imx did not write (or of another schema "
                          "version): imx does not replace it (remove it, or name another file)",
                          path);
    return 0;
}

int sqldb_write(const char *path, const struct extract_opts *o, const struct row_filter *filter,
                const struct gpu_table *gpus, struct extract *x, struct sqldb_stats *st,
                struct imx_err *err)
{
    struct db d;
    char *selection = selection_text(o, filter);
    int r;

    memset(x, 0, sizeof(*x));
    memset(st, 0, sizeof(*st));
    if ((r = foreign_file(path, err)) < 0) {
        free(selection);
        return r;
    }
    memset(&d, 0, sizeof(d));
    d.path = path;
    d.err = err;
    d.filter = filter;
    d.gpus = gpus;
    d.st = st;
    colwatch_init(&d.watch, "all");
    if ((r = colset_build(&d.cs, "all", NULL, 0, err)) < 0) {
        colwatch_release(&d.watch);
        free(selection);
        return r;
    }
    colset_add_run_columns(&d.cs);
    /* a run selection reads part of the cache: such a database is built anew every time */
    if (!o->nids && !run_select_active(&o->select) && updatable(&d, path, selection)) {
        r = update(&d, o, x);
        close_db(&d);
    } else {
        r = full_build(&d, path, o, x, selection);
    }
    for (size_t i = 0; i < d.nreps; i++)
        free(d.reps[i]);
    free(d.reps);
    for (size_t i = 0; i < d.nhave; i++)
        free(d.have[i]);
    free(d.have);
    free(d.sigs);
    free(d.types);
    free(d.nulls);
    colset_release(&d.cs);
    colwatch_release(&d.watch);
    free(selection);
    return r;
}
