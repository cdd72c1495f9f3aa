/* table: configuration keys, the newest-wins merge (a hash table under one mutex; parsing,
 * not merging, dominates) and the documented total order of the output. */
#include "table/table.h"
#include "util/dec.h"
#include "util/hash.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

void row_key_init(struct row_key *k)
{
    memset(k, 0, sizeof(*k));
    buf_init(&k->key, ROW_TEXT_MAX);
    buf_init(&k->extras, ROW_TEXT_MAX);
    buf_init(&k->names, ROW_TEXT_MAX);
}

void row_key_release(struct row_key *k)
{
    buf_release(&k->key);
    buf_release(&k->extras);
    buf_release(&k->names);
    free(k->memo);
    k->memo = NULL;
    k->nmemo = k->capmemo = 0;
}

/* The id of the name of field i, from the memo when the previous row had the same name there. */
static int name_id(struct row_key *k, size_t i, const char *name, size_t len)
{
    struct name_memo *m;
    int id;

    if (i < k->nmemo) {
        m = &k->memo[i];
        if (m->len == len && !memcmp(k->names.p + m->off, name, len))
            return m->id;
        /* the layout changed here: what follows is remembered anew */
        buf_truncate(&k->names, m->off);
        k->nmemo = i;
    }
    id = fields_key_id(name, len);
    if (id < 0 && fields_is_extra_config(name))
        id = NAME_EXTRA;
    if (i == k->nmemo && buf_add(&k->names, name, len) == 0) {
        ALLOC_GROW(k->memo, k->nmemo + 1, k->capmemo);
        m = &k->memo[k->nmemo++];
        m->off = (uint32_t)(k->names.len - len);
        m->len = (uint32_t)len;
        m->id = id;
    }
    return id;
}

void table_index(const struct row *r, struct row_key *k)
{
    for (int i = 0; i < NFIELDS; i++)
        k->idx[i] = -1;
    buf_reset(&k->key);
    buf_reset(&k->extras);
    if (buf_failed(&k->names)) {
        buf_reset(&k->names);
        k->nmemo = 0;
    }
    for (size_t i = 0; i < r->n; i++) {
        const char *name = row_key(r, i);
        int id = name_id(k, i, name, row_klen(r, i));
        if (r->f[i].kind == VAL_NULL) {
            if (id >= 0)
                k->idx[id] = -1; /* a later null overrides, as a later duplicate key does */
            continue;
        }
        if (id >= 0) {
            k->idx[id] = (int)i;
        } else if (id == NAME_EXTRA) {
            if (k->extras.len)
                buf_addc(&k->extras, '\x1e');
            buf_add(&k->extras, name, row_klen(r, i));
            buf_addc(&k->extras, '=');
            buf_add(&k->extras, row_val(r, i), r->f[i].vlen);
        }
    }
}

void table_key(const struct row *r, struct row_key *k)
{
    size_t need = k->extras.len;
    char *p;

    buf_reset(&k->key);
    for (int i = 0; i < NKEY; i++)
        need += k->idx[i] < 0 ? 2 : r->f[k->idx[i]].vlen + 1;
    /* '\x1f' separates values; '\x01' marks a missing one, so "" and missing differ */
    if (buf_reserve(&k->key, need) < 0) {
        /* past the cap (only an absurd row): as much as fits, as buf_add leaves it */
        for (int i = 0; i < NKEY; i++) {
            if (k->idx[i] < 0)
                buf_addc(&k->key, '\x01');
            else
                buf_add(&k->key, row_val(r, (size_t)k->idx[i]), r->f[k->idx[i]].vlen);
            buf_addc(&k->key, '\x1f');
        }
        buf_add(&k->key, k->extras.p, k->extras.len);
        k->hash = fnv1a(FNV1A_INIT, k->key.p, k->key.len);
        return;
    }
    p = k->key.p;
    for (int i = 0; i < NKEY; i++) {
        if (k->idx[i] < 0) {
            *p++ = '\x01';
        } else {
            const struct field *f = &r->f[k->idx[i]];
            memcpy(p, r->text.p + f->val, f->vlen);
            p += f->vlen;
        }
        *p++ = '\x1f';
    }
    memcpy(p, k->extras.p, k->extras.len);
    p += k->extras.len;
    *p = '\0';
    k->key.len = need;
    k->hash = fnv1a(FNV1A_INIT, k->key.p, k->key.len);
}

void table_prepare(const struct row *r, struct row_key *k)
{
    table_index(r, k);
    table_key(r, k);
}

const char *trow_get(const struct trow *t, const char *src)
{
    for (uint32_t i = t->n; i-- > 0;) {
        if (!strcmp(t->text + t->f[i].key, src))
            return t->f[i].kind == VAL_NULL ? NULL : t->text + t->f[i].val;
    }
    return NULL;
}

/* One allocation per kept row: header, fields, text, key, extras. */
static struct trow *trow_new(const struct row *r, const struct row_key *k, struct row_rank rank,
                             uint64_t h)
{
    size_t fsz = r->n * sizeof(struct field);
    size_t total = sizeof(struct trow) + fsz + r->text.len + 1 + k->key.len + 1 + k->extras.len + 1;
    struct trow *t = xmalloc(total);
    char *p = (char *)(t + 1);

    /* the block may be spooled to disk byte for byte: no padding left uninitialised */
    memset(t, 0, sizeof(*t) + fsz);
    t->rank = rank;
    t->n = (uint32_t)r->n;
    t->f = (struct field *)p;
    for (size_t i = 0; i < r->n; i++) {
        t->f[i].key = r->f[i].key;
        t->f[i].val = r->f[i].val;
        t->f[i].vlen = r->f[i].vlen;
        t->f[i].kind = r->f[i].kind;
    }
    p += fsz;
    t->text = p;
    /* row_add ends each value with a NUL but leaves the byte after the last one unwritten */
    if (r->text.len)
        memcpy(p, r->text.p, r->text.len);
    p[r->text.len] = '\0';
    p += r->text.len + 1;
    memcpy(p, k->key.p, k->key.len + 1);
    t->key = p;
    t->keylen = k->key.len;
    p += k->key.len + 1;
    memcpy(p, k->extras.p, k->extras.len + 1);
    t->extras = p;
    for (int i = 0; i < NKEY; i++)
        t->kv[i] = k->idx[i] < 0 ? NULL : t->text + r->f[k->idx[i]].val;
    t->hash = h;
    return t;
}

struct trow *trow_clone(const struct trow *t)
{
    size_t total = trow_size(t);
    struct trow *c = xmalloc(total);
    char *base = (char *)c;
    const char *old = (const char *)t;

    memcpy(c, t, total);
    c->f = (struct field *)(base + ((const char *)t->f - old));
    c->text = base + (t->text - old);
    c->key = base + (t->key - old);
    c->extras = base + (t->extras - old);
    for (int i = 0; i < NKEY; i++)
        c->kv[i] = t->kv[i] ? base + (t->kv[i] - old) : NULL;
    return c;
}

void table_init(struct table *t)
{
    memset(t, 0, sizeof(*t));
    pthread_mutex_init(&t->lock, NULL);
}

void table_release(struct table *t)
{
    for (size_t i = 0; i < t->nslots; i++)
        free(t->slots[i]);
    free(t->slots);
    pthread_mutex_destroy(&t->lock);
    memset(t, 0, sizeof(*t));
}

static void table_grow(struct table *t)
{
    size_t n = t->nslots ? t->nslots * 2 : 256;
    struct trow **s = xcalloc(n, sizeof(*s));

    for (size_t i = 0; i < t->nslots; i++) {
        struct trow *r = t->slots[i];
        if (!r)
            continue;
        size_t j = r->hash & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = r;
    }
    free(t->slots);
    t->slots = s;
    t->nslots = n;
}

/* Is a newer than b? Across runs the newer run; within one run the first occurrence. */
static int rank_wins(struct row_rank a, struct row_rank b)
{
    if (a.run != b.run)
        return a.run > b.run;
    if (a.file != b.file)
        return a.file < b.file;
    return a.index < b.index;
}

struct trow *table_make(const struct row *r, const struct row_key *k, struct row_rank rank)
{
    return trow_new(r, k, rank, k->hash);
}

int table_may_keep(struct table *t, const struct row_key *k, struct row_rank rank)
{
    int keep = 1;

    pthread_mutex_lock(&t->lock);
    if (t->nslots) {
        for (size_t j = k->hash & (t->nslots - 1);; j = (j + 1) & (t->nslots - 1)) {
            const struct trow *cur = t->slots[j];
            if (!cur)
                break;
            if (cur->hash == k->hash && cur->keylen == k->key.len &&
                !memcmp(cur->key, k->key.p, k->key.len)) {
                keep = rank_wins(rank, cur->rank);
                t->offered += !keep;
                break;
            }
        }
    }
    pthread_mutex_unlock(&t->lock);
    return keep;
}

size_t trow_size(const struct trow *t)
{
    /* the one block trow_new laid out: header, fields, text, key, extras */
    return (size_t)(t->extras - (const char *)t) + strlen(t->extras) + 1;
}

/* What a spooled row needs besides its bytes: where its parts start within the block. */
struct spool_head {
    uint64_t size, text, key, extras;
    int64_t kv[NKEY];
};

int trow_spool_write(FILE *fp, const struct trow *t)
{
    struct spool_head h;
    const char *base = (const char *)t;

    memset(&h, 0, sizeof(h));
    h.size = trow_size(t);
    h.text = (uint64_t)(t->text - base);
    h.key = (uint64_t)(t->key - base);
    h.extras = (uint64_t)(t->extras - base);
    for (int i = 0; i < NKEY; i++)
        h.kv[i] = t->kv[i] ? (int64_t)(t->kv[i] - base) : -1;
    if (fwrite(&h, sizeof(h), 1, fp) != 1 || fwrite(t, 1, h.size, fp) != h.size)
        return -1;
    return 0;
}

int trow_spool_read(FILE *fp, struct trow **out)
{
    struct spool_head h;
    struct trow *t;
    char *base;

    *out = NULL;
    if (fread(&h, sizeof(h), 1, fp) != 1)
        return feof(fp) && !ferror(fp) ? 0 : -1;
    /* written by this process moments ago, but checked all the same */
    if (h.size < sizeof(*t) || h.size > ((size_t)1 << 31) || h.text >= h.size || h.key >= h.size ||
        h.extras >= h.size)
        return -1;
    t = xmalloc(h.size);
    if (fread(t, 1, h.size, fp) != h.size) {
        free(t);
        return -1;
    }
    base = (char *)t;
    t->f = (struct field *)(t + 1);
    t->text = base + h.text;
    t->key = base + h.key;
    t->extras = base + h.extras;
    for (int i = 0; i < NKEY; i++)
        t->kv[i] = h.kv[i] >= 0 && (uint64_t)h.kv[i] < h.size ? base + h.kv[i] : NULL;
    *out = t;
    return 1;
}

void table_put(struct table *t, struct trow *row)
{
    size_t j;

    pthread_mutex_lock(&t->lock);
    t->offered++;
    if ((t->count + 1) * 10 > t->nslots * 7)
        table_grow(t);
    j = row->hash & (t->nslots - 1);
    for (;; j = (j + 1) & (t->nslots - 1)) {
        struct trow *cur = t->slots[j];
        if (!cur) {
            t->slots[j] = row;
            t->count++;
            break;
        }
        if (cur->hash == row->hash && cur->keylen == row->keylen &&
            !memcmp(cur->key, row->key, row->keylen)) {
            if (rank_wins(row->rank, cur->rank)) {
                t->slots[j] = row;
                free(cur);
                t->replaced++;
            } else {
                free(row);
            }
            break;
        }
    }
    pthread_mutex_unlock(&t->lock);
}

static int parse_num(const char *s, double *v)
{
    char *end;
    if (!*s)
        return 0;
    if (dec_parse(s, v)) /* the same number, without strtod's cost for plain decimals */
        return 1;
    *v = strtod(s, &end);
    return *end == '\0';
}

int table_cmp_values(const char *a, const char *b)
{
    double x, y;

    if (!a || !b)
        return a ? 1 : b ? -1 : 0;
    if (parse_num(a, &x) && parse_num(b, &y) && x != y)
        return x < y ? -1 : 1;
    return strcmp(a, b);
}

static const enum key_field sort_head[] = {K_HW, K_PRECISION, K_ISL, K_OSL, K_TP};

static int cmp_trow(const void *pa, const void *pb)
{
    const struct trow *a = *(struct trow *const *)pa, *b = *(struct trow *const *)pb;
    int c;

    for (size_t i = 0; i < sizeof(sort_head) / sizeof(sort_head[0]); i++)
        if ((c = table_cmp_values(a->kv[sort_head[i]], b->kv[sort_head[i]])))
            return c;
    for (int i = 0; i < NKEY; i++) {
        if (i == K_HW || i == K_PRECISION || i == K_ISL || i == K_OSL || i == K_TP || i == K_CONC)
            continue;
        if ((c = table_cmp_values(a->kv[i], b->kv[i])))
            return c;
    }
    if ((c = strcmp(a->extras, b->extras)))
        return c;
    if ((c = table_cmp_values(a->kv[K_CONC], b->kv[K_CONC])))
        return c;
    c = memcmp(a->key, b->key, a->keylen < b->keylen ? a->keylen : b->keylen);
    return c ? c : (a->keylen > b->keylen) - (a->keylen < b->keylen);
}

/* One value of the sort key: missing, a number (8 order-preserving bytes, then its text, for
 * numbers equal as numbers), or text; each ends in a NUL so a prefix sorts first. */
static void sort_key_value(struct buf *out, const char *v)
{
    double x;

    if (!v) {
        buf_addc(out, '\x01');
        return;
    }
    if (parse_num(v, &x)) {
        uint64_t bits;
        unsigned char b[8];
        if (x == 0)
            x = 0; /* -0 and 0 are one number */
        memcpy(&bits, &x, sizeof(bits));
        bits = bits >> 63 ? ~bits : bits | ((uint64_t)1 << 63);
        for (int i = 0; i < 8; i++)
            b[i] = (unsigned char)(bits >> (56 - 8 * i));
        buf_addc(out, '\x02');
        buf_add(out, b, sizeof(b));
    } else {
        buf_addc(out, '\x03');
    }
    buf_add(out, v, strlen(v) + 1);
}

void trow_sort_key(const struct trow *t, struct buf *out)
{
    for (size_t i = 0; i < sizeof(sort_head) / sizeof(sort_head[0]); i++)
        sort_key_value(out, t->kv[sort_head[i]]);
    for (int i = 0; i < NKEY; i++) {
        if (i == K_HW || i == K_PRECISION || i == K_ISL || i == K_OSL || i == K_TP || i == K_CONC)
            continue;
        sort_key_value(out, t->kv[i]);
    }
    buf_add(out, t->extras, strlen(t->extras) + 1);
    sort_key_value(out, t->kv[K_CONC]);
    buf_add(out, t->key, t->keylen);
}

struct trow **table_sorted(struct table *t, size_t *n)
{
    struct trow **v = xmalloc((t->count + 1) * sizeof(*v));
    size_t k = 0;

    for (size_t i = 0; i < t->nslots; i++)
        if (t->slots[i])
            v[k++] = t->slots[i];
    qsort(v, k, sizeof(*v), cmp_trow);
    *n = k;
    return v;
}
