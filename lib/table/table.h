/* table: merge of all runs into one row per configuration. A row replaces another
 * with the same configuration only when its run is newer, so the result never depends on read
 * order. */
#ifndef IMX_TABLE_H
#define IMX_TABLE_H

#include "reader/row.h"
#include "table/fields.h"
#include "util/buf.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Where a row came from; decides which of two rows of one configuration is kept. */
struct row_rank {
    uint32_t run;   /* order of the run, higher = newer */
    uint32_t file;  /* order of the file within the run */
    uint32_t index; /* element within the file */
};

/* A kept row: an immutable copy of the row's fields and text. */
struct trow {
    struct row_rank rank;
    uint32_t n;
    struct field *f;
    char *text;
    const char *kv[NKEY]; /* configuration values (NULL when missing), into text */
    const char *extras;   /* further configuration fields, "name=value" joined by '\x1e' */
    const char *key;      /* the whole configuration, the identity of the row */
    size_t keylen;
    uint64_t hash;
};

/* The value text of a source field of a kept row, or NULL when missing. */
const char *trow_get(const struct trow *t, const char *src);

/* What a field name resolved to, remembered by its position in the row (see row_key). */
struct name_memo {
    uint32_t off, len; /* the name, in row_key.names */
    int id;            /* fields_key_id, or NAME_EXTRA, or -1 */
};
#define NAME_EXTRA (-2) /* an unknown field that is part of the configuration */

/* Per-row result of table_prepare: where the key fields are, and the key itself. */
struct row_key {
    int idx[NFIELDS]; /* field index in the row, -1 when missing (null counts as missing) */
    struct buf key;
    struct buf extras;
    uint64_t hash; /* of key (table_key) */
    /* The names of the previous row's fields in order and what each resolved to: rows of one
     * file name their fields alike, so a name is compared with the one at its position (no
     * hash, no strlen) and resolved again only where the layout changes. */
    struct buf names;
    struct name_memo *memo;
    size_t nmemo, capmemo;
};

void row_key_init(struct row_key *k);
void row_key_release(struct row_key *k);
/* Finds the known fields of a row (one hashed pass) and collects its extra configuration. */
void table_index(const struct row *r, struct row_key *k);
/* Builds the configuration key from the index (after any fields were added to the row). */
void table_key(const struct row *r, struct row_key *k);
/* Both of the above. */
void table_prepare(const struct row *r, struct row_key *k);

struct table {
    struct trow **slots;
    size_t nslots, count;
    pthread_mutex_t lock;
    unsigned long offered;  /* rows offered */
    unsigned long replaced; /* rows displaced by a newer run's row */
};

void table_init(struct table *t);
void table_release(struct table *t);
/* A kept-row copy of a row, not yet in any table (free() it, or hand it to table_put). */
struct trow *table_make(const struct row *r, const struct row_key *k, struct row_rank rank);
/*
 * Would a row of this key and rank still be kept (thread-safe)? 0 when the table holds a row of
 * the same configuration that wins over it: the table only ever trades a row for a winning one,
 * so such a row is never kept, and need not be copied at all.
 */
int table_may_keep(struct table *t, const struct row_key *k, struct row_rank rank);
/* Bytes the kept row occupies (one allocation). */
size_t trow_size(const struct trow *t);
/* A copy of a kept row that outlives its table (free() it). */
struct trow *trow_clone(const struct trow *t);
/*
 * A spool of kept rows on disk, for rows that must wait until their whole file parsed
 * (memory stays bounded whatever the file's size). Write returns 0 or -1; read returns 1
 * with a row (free() it or hand it to table_put), 0 at the end, -1 on a read error.
 */
int trow_spool_write(FILE *fp, const struct trow *t);
int trow_spool_read(FILE *fp, struct trow **out);
/* Puts a row into the table (thread-safe), taking ownership: it is kept when its
 * configuration is new or its run is newer than the kept row's, else freed. */
void table_put(struct table *t, struct trow *row);
/*
 * The kept rows in the table's total order: gpu_model, precision, isl, osl, tp
 * (numbers numerically), the rest of the configuration, concurrency, key.
 * The array is malloc'ed (caller frees it); the rows stay owned by the table.
 */
struct trow **table_sorted(struct table *t, size_t *n);

/*
 * A byte string whose bytewise order (memcmp, then length: SQLite's BLOB order) is the
 * table's order, for databases that must sort rows as imx does. Appends to out.
 */
void trow_sort_key(const struct trow *t, struct buf *out);

/* Compares two values for the sort: missing first, numbers numerically, text bytewise. */
int table_cmp_values(const char *a, const char *b);

#endif
