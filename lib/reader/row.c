/* row: storage of one flattened JSON row (see row.h). */
#include "reader/row.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

void row_init(struct row *r)
{
    buf_init(&r->text, ROW_TEXT_MAX);
    r->f = NULL;
    r->n = r->cap = 0;
}

void row_release(struct row *r)
{
    buf_release(&r->text);
    free(r->f);
    row_init(r);
}

void row_clear(struct row *r)
{
    buf_reset(&r->text);
    r->n = 0;
}

const struct field *row_find(const struct row *r, const char *key)
{
    /* backwards: of duplicate keys the last one counts, as in Python's json */
    for (size_t i = r->n; i-- > 0;)
        if (!strcmp(r->text.p + r->f[i].key, key))
            return &r->f[i];
    return NULL;
}

const char *row_get(const struct row *r, const char *key)
{
    const struct field *f = row_find(r, key);
    return f && f->kind != VAL_NULL ? r->text.p + f->val : NULL;
}

int row_add(struct row *r, const char *key, size_t klen, const char *val, size_t vlen,
            enum val_kind kind)
{
    struct field *nf;
    char *p;

    /* one reservation and two copies: this runs for every value of every row */
    if (buf_reserve(&r->text, klen + vlen + 2) < 0 || r->text.len + klen + vlen + 2 > UINT32_MAX)
        return -1;
    ALLOC_GROW(r->f, r->n + 1, r->cap);
    nf = &r->f[r->n++];
    p = r->text.p + r->text.len;
    nf->key = (uint32_t)r->text.len;
    memcpy(p, key, klen);
    p[klen] = '\0';
    nf->val = (uint32_t)(r->text.len + klen + 1);
    memcpy(p + klen + 1, val, vlen);
    p[klen + 1 + vlen] = '\0';
    nf->vlen = (uint32_t)vlen;
    nf->kind = (uint8_t)kind;
    r->text.len += klen + vlen + 2;
    return 0;
}

int row_add_value(struct row *r, size_t key_off, size_t klen, const char *val, size_t vlen,
                  enum val_kind kind)
{
    struct field *nf;
    char *p;

    if (buf_reserve(&r->text, vlen + 1) < 0 || r->text.len + vlen + 1 > UINT32_MAX)
        return -1;
    ALLOC_GROW(r->f, r->n + 1, r->cap);
    nf = &r->f[r->n++];
    p = r->text.p + r->text.len;
    nf->key = (uint32_t)key_off;
    nf->val = (uint32_t)(key_off + klen + 1);
    memcpy(p, val, vlen);
    p[vlen] = '\0';
    nf->vlen = (uint32_t)vlen;
    nf->kind = (uint8_t)kind;
    r->text.len += vlen + 1;
    return 0;
}
