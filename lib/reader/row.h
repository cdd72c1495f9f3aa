/* row: one benchmark row as read from JSON. Fields keep their source order and
 * every value its exact source text (numbers are never converted), so output is byte-exact. */
#ifndef IMX_ROW_H
#define IMX_ROW_H

#include "util/buf.h"

#include <stddef.h>
#include <stdint.h>

enum val_kind {
    VAL_NULL = 0, /* null, NaN, Infinity, -Infinity: a missing value */
    VAL_NUM,
    VAL_STR,
    VAL_BOOL,
};

struct field {
    uint32_t key; /* offsets into row.text of NUL-terminated strings */
    uint32_t val;
    uint32_t vlen;
    uint8_t kind;
};

/*
 * A row owns its text. Nested objects are flattened with '.' (router.name).
 * The reader reuses one row for every element, so a row handed to a callback
 * is valid only during the callback: copy what must outlive it.
 */
struct row {
    struct buf text;
    struct field *f;
    size_t n, cap;
};

#define ROW_TEXT_MAX ((size_t)1 << 20)

void row_init(struct row *r);
void row_release(struct row *r);
void row_clear(struct row *r);
/* Appends a field; -1 if the row would grow past ROW_TEXT_MAX. Duplicate keys are kept
 * (cheap), and lookups see the last one. */
int row_add(struct row *r, const char *key, size_t klen, const char *val, size_t vlen,
            enum val_kind kind);
/*
 * Completes a field whose key (klen bytes and a NUL) the caller already
 * appended to r->text at key_off; appends the value. -1 if too big.
 */
int row_add_value(struct row *r, size_t key_off, size_t klen, const char *val, size_t vlen,
                  enum val_kind kind);
static inline const char *row_key(const struct row *r, size_t i)
{
    return r->text.p + r->f[i].key;
}
static inline const char *row_val(const struct row *r, size_t i)
{
    return r->text.p + r->f[i].val;
}
/* The length of field i's name: its value's text follows the name's NUL (row_add_value). */
static inline size_t row_klen(const struct row *r, size_t i)
{
    return r->f[i].val - r->f[i].key - 1;
}
/* The field named key, or NULL. */
const struct field *row_find(const struct row *r, const char *key);
/* The value text of key when present and not null, else NULL. */
const char *row_get(const struct row *r, const char *key);

#endif
