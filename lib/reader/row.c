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
    size_t start = r->text.len;
    struct field nf;

    nf.key = (uint32_t)start;
    if (buf_add(&r->text, key, klen) < 0 || buf_addc(&r->text, '\0') < 0)
        goto toobig;
    nf.val = (uint32_t)r->text.len;
    if (buf_add(&r->text, val, vlen) < 0 || buf_addc(&r->text, '\0') < 0)
        goto toobig;
    nf.vlen = (uint32_t)vlen;
    nf.kind = (uint8_t)kind;
    xgrow((void **)&r->f, &r->cap, r->n + 1, sizeof(*r->f));
    r->f[r->n++] = nf;
    return 0;
toobig:
    buf_truncate(&r->text, start);
    return -1;
}
