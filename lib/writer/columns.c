/* columns: column sets. The seed set is exactly the old extractor's 17 columns; the default
 * adds every configuration column, so no two rows of the default table look alike. */
#include "writer/columns.h"
#include "writer/coldoc.h"
#include "analysis/derived.h"
#include "reader/names.h"
#include "table/fields.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/xalloc.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    const char *field;
    enum col_src src;
} seed[] = {
    {"gpu_model", "hw", COL_FIELD},
    {"framework", "framework", COL_FIELD},
    {"precision", "precision", COL_FIELD},
    {"input_seq_len", "isl", COL_FIELD},
    {"output_seq_len", "osl", COL_FIELD},
    {"tensor_parallel", "tp", COL_FIELD},
    {"expert_parallel", "ep", COL_FIELD},
    {"concurrency", "conc", COL_FIELD},
    {"throughput_tokens_per_sec_per_gpu", "tput_per_gpu", COL_FIELD},
    {"output_throughput_per_gpu", "output_tput_per_gpu", COL_FIELD},
    {"mean_time_to_first_token_sec", "mean_ttft", COL_FIELD},
    {"p99_time_to_first_token_sec", "p99_ttft", COL_FIELD},
    {"mean_time_per_output_token_sec", "mean_tpot", COL_FIELD},
    {"mean_end_to_end_latency_sec", "mean_e2el", COL_FIELD},
    {"median_end_to_end_latency_sec", "median_e2el", COL_FIELD},
    {"benchmark_date", NULL, COL_DATE},
    {"run_id", NULL, COL_RUN_ID},
};
#define NSEED (sizeof(seed) / sizeof(seed[0]))

/* Run metadata columns that only --columns all (or a list) adds. */
static const struct {
    const char *name;
    enum col_src src;
} meta[] = {
    {"gpu", COL_GPU},           {"run_attempt", COL_ATTEMPT}, {"run_event", COL_EVENT},
    {"run_branch", COL_BRANCH}, {"source_file", COL_FILE},
};

static int has_column(const struct colset *cs, const char *name)
{
    for (size_t i = 0; i < cs->n; i++)
        if (!strcmp(cs->v[i].name, name))
            return 1;
    return 0;
}

/* Rows of one shape: their field names, and where each column's field is among them. */
struct shape {
    uint64_t hash;
    uint32_t nf;
    size_t nameslen;
    char *names; /* every field name with its NUL, in the row's order */
    int covered; /* every field has a column */
    int idx[];   /* per column, then per metrics_field: the field's index in the row, or -1 */
};

/* A bound on the shapes kept: input with a new shape in every row must not make the lookup
 * quadratic or the memory unbounded (a shape past the bound replaces an old one). */
#define SHAPES_MAX 256

struct colshapes {
    struct shape **v;
    size_t n, cap;
    size_t last;  /* the shape found last, tried first */
    size_t evict; /* the next to replace once SHAPES_MAX are kept */
};

static void shapes_clear(struct colshapes *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i]->names);
        free(s->v[i]);
    }
    s->n = s->last = s->evict = 0;
}

static void add(struct colset *cs, const char *name, const char *field, enum col_src src)
{
    if (has_column(cs, name))
        return;
    /* the shapes' field indexes are per column: a new column makes them stale */
    if (!cs->shapes)
        cs->shapes = xcalloc(1, sizeof(*cs->shapes));
    shapes_clear(cs->shapes);
    ALLOC_GROW(cs->v, cs->n + 1, cs->cap);
    cs->v[cs->n].name = xstrdup(name);
    cs->v[cs->n].field = field ? xstrdup(field) : NULL;
    cs->v[cs->n].src = src;
    cs->v[cs->n].metric = 0;
    cs->v[cs->n].gpus = NULL;
    cs->v[cs->n].first_derived = 0;
    cs->n++;
}

static void add_seed(struct colset *cs)
{
    for (size_t i = 0; i < NSEED; i++)
        add(cs, seed[i].name, seed[i].field, seed[i].src);
}

/* A source field's column. When its standardized name is already one of imx's own columns
 * (run metadata such as source_file, or another field's name), the source's value keeps a name
 * of its own, field_<name>, so that neither hides the other. */
static void add_field(struct colset *cs, const char *src)
{
    struct buf name = BUF_INIT_MAX(FIELDS_NAME_MAX * 4), alt = BUF_INIT_MAX(FIELDS_NAME_MAX * 4);
    fields_csv_name(src, &name);
    /* field_<name> may be a source field too (run_id beside field_run_id): prefixed again */
    while (has_column(cs, name.p)) {
        struct buf t = name;
        buf_reset(&alt);
        if (buf_addf(&alt, "field_%s", name.p) < 0)
            break;
        name = alt;
        alt = t;
    }
    add(cs, name.p, src, COL_FIELD);
    buf_release(&name);
    buf_release(&alt);
}

/* Names of the extra configuration fields present in the rows, sorted. */
static char **extra_config_names(struct trow *const *rows, size_t n, size_t *count)
{
    char **v = NULL;
    size_t cap = 0;

    *count = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = rows[i]->extras;
        while (*e) {
            const char *eq = strchr(e, '='), *end = strchr(e, '\x1e');
            size_t k;
            if (!end)
                end = e + strlen(e);
            if (eq && eq < end) {
                for (k = 0; k < *count; k++)
                    if (strlen(v[k]) == (size_t)(eq - e) && !strncmp(v[k], e, (size_t)(eq - e)))
                        break;
                if (k == *count) {
                    ALLOC_GROW(v, *count + 1, cap);
                    v[(*count)++] = xstrndup(e, (size_t)(eq - e));
                }
            }
            e = *end ? end + 1 : end;
        }
    }
    for (size_t i = 1; i < *count; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v;
}

static void add_default(struct colset *cs, struct trow *const *rows, size_t n)
{
    size_t nextra;
    char **extra;

    add_seed(cs);
    add(cs, "model_prefix", "infmax_model_prefix", COL_FIELD);
    add(cs, "model", "model", COL_FIELD);
    for (int i = 0; i < NKEY; i++)
        add(cs, key_fields[i].csv, key_fields[i].src, COL_FIELD);
    extra = extra_config_names(rows, n, &nextra);
    for (size_t i = 0; i < nextra; i++) {
        add_field(cs, extra[i]);
        free(extra[i]);
    }
    free(extra);
    add(cs, "gpu", NULL, COL_GPU);
    add(cs, "source", NULL, COL_SOURCE);
}

static struct gpu_table builtin;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void builtin_init(void)
{
    gpu_table_init(&builtin);
}

/* The built-in constants, for derived columns of a set no caller gave constants to. */
static const struct gpu_table *builtin_gpus(void)
{
    pthread_once(&builtin_once, builtin_init);
    return &builtin;
}

static void add_metric(struct colset *cs, int m)
{
    int first = 1;

    if (has_column(cs, metric_info[m].name))
        return;
    for (size_t i = 0; i < cs->n; i++)
        if (cs->v[i].src == COL_DERIVED)
            first = 0;
    add(cs, metric_info[m].name, NULL, COL_DERIVED);
    cs->v[cs->n - 1].metric = m;
    cs->v[cs->n - 1].first_derived = first;
}

/* The dashboard's derived metrics (--columns derived and all): measured power fields of the
 * rows keep their own names, these are provisioning constants. */
static void add_derived(struct colset *cs)
{
    for (int m = M_DERIVED_FIRST; m < NMETRIC; m++)
        add_metric(cs, m);
}

struct fname {
    const char *src;
    int rank;
};

static int cmp_fname(const void *a, const void *b)
{
    const struct fname *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return strcmp(x->src, y->src);
}

static void add_all(struct colset *cs, struct trow *const *rows, size_t n)
{
    struct fname *names = NULL;
    size_t nn = 0, cap = 0;

    add_default(cs, rows, n);
    add_derived(cs);
    for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
        add(cs, meta[i].name, NULL, meta[i].src);
    for (size_t i = 0; i < n; i++) {
        for (uint32_t f = 0; f < rows[i]->n; f++) {
            const char *src = rows[i]->text + rows[i]->f[f].key;
            size_t k;
            for (k = 0; k < nn; k++)
                if (!strcmp(names[k].src, src))
                    break;
            if (k < nn)
                continue;
            ALLOC_GROW(names, nn + 1, cap);
            names[nn].src = src;
            names[nn].rank = fields_family_rank(src);
            nn++;
        }
    }
    if (nn)
        qsort(names, nn, sizeof(*names), cmp_fname);
    for (size_t k = 0; k < nn; k++) {
        int known = 0;
        for (size_t c = 0; c < cs->n; c++)
            if (cs->v[c].field && !strcmp(cs->v[c].field, names[k].src))
                known = 1;
        if (!known)
            add_field(cs, names[k].src);
    }
    free(names);
}

/* The source field of a column `imx columns` describes, by its CSV or source name, or NULL
 * (malloc'ed): a list may name one no row of this table has (--history names its columns
 * before any row is read; a model's rows may all predate the field). */
static char *documented_field(const char *name)
{
    struct coldoc_list l;
    char *src = NULL;

    coldoc_list(&l);
    for (size_t i = 0; i < l.n && !src; i++)
        if (*l.v[i].source && (!strcmp(l.v[i].name, name) || !strcmp(l.v[i].source, name)))
            src = xstrdup(l.v[i].source);
    coldoc_list_release(&l);
    return src;
}

/* Finds a column by CSV or source name in a full set. */
static const struct column *lookup(const struct colset *all, const char *name, size_t len)
{
    for (size_t i = 0; i < all->n; i++) {
        const struct column *c = &all->v[i];
        if ((strlen(c->name) == len && !strncmp(c->name, name, len)) ||
            (c->field && strlen(c->field) == len && !strncmp(c->field, name, len)))
            return c;
    }
    return NULL;
}

int colset_build(struct colset *cs, const char *spec, struct trow *const *rows, size_t n,
                 struct imx_err *err)
{
    memset(cs, 0, sizeof(*cs));
    if (!spec || !strcmp(spec, "default")) {
        add_default(cs, rows, n);
    } else if (!strcmp(spec, "derived")) {
        add_default(cs, rows, n);
        add_derived(cs);
    } else if (!strcmp(spec, "seed")) {
        add_seed(cs);
    } else if (!strcmp(spec, "all")) {
        add_all(cs, rows, n);
    } else {
        struct colset all;
        const char *p = spec;
        memset(&all, 0, sizeof(all));
        add_all(&all, rows, n);
        while (*p) {
            const char *comma, *next;
            size_t len;
            const struct column *c;
            /* "gpu, concurrency": spaces around the commas are not part of the names */
            while (*p == ' ' || *p == '\t')
                p++;
            comma = strchr(p, ',');
            len = comma ? (size_t)(comma - p) : strlen(p);
            next = p + len;
            while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
                len--;
            c = lookup(&all, p, len);
            if (!c) {
                /* a known field no row has is still a valid (empty) column */
                char *nm = xstrndup(p, len), *src = documented_field(nm);
                struct buf csv = BUF_INIT_MAX(FIELDS_NAME_MAX);
                fields_csv_name(src ? src : nm, &csv);
                if (src) {
                    add(cs, csv.p, src, COL_FIELD);
                    free(src);
                } else if (len && (fields_key_id(nm, len) >= 0 || strcmp(csv.p, nm) ||
                                   fields_family_rank(nm) < 1000)) {
                    add(cs, csv.p, nm, COL_FIELD);
                } else {
                    int r = imx_seterr(err, IMX_EUSAGE,
                                       "unknown column '%s' in --columns (see imx(1) for the "
                                       "names; --columns all lists every column)",
                                       nm);
                    free(nm);
                    buf_release(&csv);
                    colset_release(&all);
                    colset_release(cs);
                    return r;
                }
                free(nm);
                buf_release(&csv);
            } else if (c->src == COL_DERIVED) {
                add_metric(cs, c->metric);
            } else {
                add(cs, c->name, c->field, c->src);
            }
            p = next;
            if (*p == ',')
                p++;
        }
        colset_release(&all);
        if (!cs->n)
            return imx_seterr(err, IMX_EUSAGE, "--columns names no column");
    }
    return 0;
}

void colset_add_model_columns(struct colset *cs)
{
    add(cs, "model_prefix", "infmax_model_prefix", COL_FIELD);
    add(cs, "model", "model", COL_FIELD);
}

void colset_add_run_columns(struct colset *cs)
{
    add(cs, "run_id", NULL, COL_RUN_ID);
    add(cs, "benchmark_date", NULL, COL_DATE);
    add(cs, "run_attempt", NULL, COL_ATTEMPT);
    add(cs, "source", NULL, COL_SOURCE);
}

void colset_set_gpus(struct colset *cs, const struct gpu_table *g)
{
    for (size_t i = 0; i < cs->n; i++)
        cs->v[i].gpus = g;
}

int colset_has_derived(const struct colset *cs)
{
    for (size_t i = 0; i < cs->n; i++)
        if (cs->v[i].src == COL_DERIVED)
            return 1;
    return 0;
}

void colset_release(struct colset *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->v[i].name);
        free(cs->v[i].field);
    }
    free(cs->v);
    if (cs->shapes) {
        shapes_clear(cs->shapes);
        free(cs->shapes->v);
        free(cs->shapes);
    }
    memset(cs, 0, sizeof(*cs));
}

static const char *with_len(const char *s, size_t *len)
{
    if (s)
        *len = strlen(s);
    return s;
}

const char *run_source_name(const struct run_info *ri)
{
    if (ri->kind == RUN_API)
        return "api";
    return ri->source && !strncmp(ri->source, "gcs", 3) ? "gcs" : "github";
}

const char *column_value(const struct column *c, const struct trow *t, const struct run_list *runs,
                         char *scratch, size_t *len)
{
    enum val_kind kind;
    return column_value_kind(c, t, runs, scratch, len, &kind);
}

/* The last field of t named name (lookups see the last of duplicate keys), -1 when none. */
static int find_field(const struct trow *t, const char *name)
{
    for (uint32_t i = t->n; i-- > 0;)
        if (!strcmp(t->text + t->f[i].key, name))
            return (int)i;
    return -1;
}

/* A derived column's number; mf: where the metrics' fields are (NULL: find them by name). */
static double derived(const struct column *c, const struct trow *t, const int *mf)
{
    /* Writers ask a row's columns in order: the set's first derived column computes all of
     * the row's metrics and the others reuse them (was every metric once per column). A row
     * at the address of an earlier one is recomputed by that first column. */
    static _Thread_local struct {
        const struct trow *t;
        const struct gpu_table *g;
        double v[NMETRIC];
    } memo;
    const struct gpu_table *g = c->gpus ? c->gpus : builtin_gpus();

    if (c->first_derived || memo.t != t || memo.g != g) {
        if (mf)
            metrics_of_fields(t, mf, g, 0, memo.v, NULL);
        else
            metrics_of_row(t, g, 0, memo.v, NULL);
        memo.t = t;
        memo.g = g;
    }
    return memo.v[c->metric];
}

/* A column's value; field: the column's field index (-2: find it by name); mf: where the
 * metrics' fields are (NULL: find them by name). */
static const char *value(const struct column *c, const struct trow *t, const struct run_list *runs,
                         int field, const int *mf, char *gpubuf, size_t *len, enum val_kind *kind)
{
    const struct run_info *ri = t->rank.run < runs->n ? &runs->v[t->rank.run] : NULL;

    *len = 0;
    *kind = c->src == COL_RUN_ID || c->src == COL_ATTEMPT ? VAL_NUM : VAL_STR;
    switch (c->src) {
    case COL_FIELD:
        if (field == -2)
            field = find_field(t, c->field);
        if (field < 0 || (uint32_t)field >= t->n || t->f[field].kind == VAL_NULL)
            return NULL;
        *len = t->f[field].vlen;
        *kind = (enum val_kind)t->f[field].kind;
        return t->text + t->f[field].val;
    case COL_DATE:
        return ri ? with_len(ri->created_at, len) : NULL;
    case COL_RUN_ID:
        return ri ? with_len(ri->id, len) : NULL;
    case COL_GPU: {
        const char *hw = t->kv[K_HW];
        if (hw && names_gpu(hw, gpubuf, 32))
            return with_len(gpubuf, len);
        return NULL;
    }
    case COL_ATTEMPT:
        if (ri && ri->attempt > 0) {
            snprintf(gpubuf, 32, "%ld", ri->attempt);
            return with_len(gpubuf, len);
        }
        return NULL;
    case COL_EVENT:
        return ri ? with_len(ri->event, len) : NULL;
    case COL_BRANCH:
        return ri ? with_len(ri->branch, len) : NULL;
    case COL_SOURCE:
        if (!ri)
            return NULL;
        return with_len(run_source_name(ri), len);
    case COL_FILE:
        return ri && t->rank.file < ri->nfiles ? with_len(ri->files[t->rank.file].rel, len) : NULL;
    case COL_DERIVED: {
        double v = derived(c, t, mf);
        if (isnan(v))
            return NULL;
        *kind = VAL_NUM;
        num_format(v, gpubuf, 32);
        return with_len(gpubuf, len);
    }
    }
    return NULL;
}

const char *column_value_kind(const struct column *c, const struct trow *t,
                              const struct run_list *runs, char *scratch, size_t *len,
                              enum val_kind *kind)
{
    return value(c, t, runs, -2, NULL, scratch, len, kind);
}

const char *column_value_at(const struct colset *cs, size_t col, const struct trow *t,
                            const struct run_list *runs, const int *fields, char *scratch,
                            size_t *len, enum val_kind *kind)
{
    if (!fields)
        return value(&cs->v[col], t, runs, -2, NULL, scratch, len, kind);
    return value(&cs->v[col], t, runs, fields[col], fields + cs->n, scratch, len, kind);
}

double column_number_at(const struct colset *cs, size_t col, const struct trow *t,
                        const int *fields)
{
    return derived(&cs->v[col], t, fields ? fields + cs->n : NULL);
}

void colwatch_init(struct colwatch *w, const char *spec)
{
    w->spec = spec;
}

void colwatch_release(struct colwatch *w)
{
    w->spec = NULL;
}

static int has_field(const struct colset *cs, const char *src)
{
    for (size_t i = 0; i < cs->n; i++)
        if (cs->v[i].field && !strcmp(cs->v[i].field, src))
            return 1;
    return 0;
}

static int extras_covered(const struct colset *cs, const char *e)
{
    int ok = 1;

    while (*e && ok) {
        const char *eq = strchr(e, '='), *end = strchr(e, '\x1e');
        if (!end)
            end = e + strlen(e);
        if (eq && eq < end) {
            char *src = xstrndup(e, (size_t)(eq - e));
            ok = has_field(cs, src);
            free(src);
        }
        e = *end ? end + 1 : end;
    }
    return ok;
}

/* FNV-1a's steps a word at a time, over a name and its length: every row's names are hashed,
 * and byte by byte was a tenth of the writer's time (the names are compared after a match). */
static uint64_t hash_name(uint64_t h, const char *p, size_t n)
{
    uint64_t w;

    h = (h ^ n) * FNV1A_PRIME;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * FNV1A_PRIME;
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, p, n);
    h = (h ^ w) * FNV1A_PRIME;
    return h ^ (h >> 29);
}

/* Are t's names those of sh, in order? One pass over the names. */
static int same_names(const struct shape *sh, const struct trow *t)
{
    const char *p = sh->names;

    for (uint32_t i = 0; i < t->n; i++) {
        const char *k = t->text + t->f[i].key;
        while (*p && *p == *k) {
            p++;
            k++;
        }
        if (*p++ != *k)
            return 0;
    }
    return 1;
}

static struct shape *new_shape(const struct colset *cs, const struct trow *t, uint64_t h,
                               size_t nameslen)
{
    struct colshapes *s = cs->shapes;
    struct shape *sh = xmalloc(sizeof(*sh) + (cs->n + NMFIELD) * sizeof(int));
    char *p = sh->names = xmalloc(nameslen ? nameslen : 1);

    sh->hash = h;
    sh->nf = t->n;
    sh->nameslen = nameslen;
    sh->covered = 1;
    for (uint32_t i = 0; i < t->n; i++) {
        const char *k = t->text + t->f[i].key;
        size_t l = strlen(k) + 1;
        memcpy(p, k, l);
        p += l;
        if (sh->covered && !has_field(cs, k))
            sh->covered = 0;
    }
    for (size_t c = 0; c < cs->n; c++)
        sh->idx[c] = cs->v[c].src == COL_FIELD ? find_field(t, cs->v[c].field) : -1;
    metrics_find_fields(t, sh->idx + cs->n);
    if (s->n < SHAPES_MAX) {
        ALLOC_GROW(s->v, s->n + 1, s->cap);
        s->last = s->n++;
    } else {
        s->last = s->evict++ % SHAPES_MAX;
        free(s->v[s->last]->names);
        free(s->v[s->last]);
    }
    s->v[s->last] = sh;
    return sh;
}

static struct shape *find_shape(const struct colset *cs, const struct trow *t)
{
    struct colshapes *s = cs->shapes;
    uint64_t h = FNV1A_INIT ^ t->n;
    size_t nameslen = 0;

    /* the rows of a file mostly share one shape: the last one found is tried first, by the
     * names alone (hashing them cost twice as much) */
    if (s->n && s->v[s->last]->nf == t->n && same_names(s->v[s->last], t))
        return s->v[s->last];
    for (uint32_t i = 0; i < t->n; i++) {
        const char *k = t->text + t->f[i].key;
        size_t l = strlen(k);
        h = hash_name(h, k, l);
        nameslen += l + 1;
    }
    for (size_t j = 0; j < s->n; j++) {
        size_t k = (s->last + j) % s->n;
        const struct shape *sh = s->v[k];
        if (sh->hash == h && sh->nf == t->n && sh->nameslen == nameslen && same_names(sh, t)) {
            s->last = k;
            return s->v[k];
        }
    }
    return new_shape(cs, t, h, nameslen);
}

const int *colset_fields(const struct colset *cs, const struct trow *t)
{
    if (!cs->shapes || !cs->n)
        return NULL;
    return find_shape(cs, t)->idx;
}

const int *colset_fields_covered(const struct colset *cs, const struct trow *t, int *covered)
{
    const struct shape *sh;

    *covered = 0;
    if (!cs->shapes || !cs->n)
        return NULL;
    sh = find_shape(cs, t);
    *covered = sh->covered;
    return sh->idx;
}

int colset_covers(struct colwatch *w, const struct colset *cs, const struct trow *t)
{
    int all = w->spec && !strcmp(w->spec, "all");

    if (w->spec && strcmp(w->spec, "default") && strcmp(w->spec, "derived") && !all)
        return 1;
    if (!all)
        return !*t->extras || extras_covered(cs, t->extras);
    if (cs->shapes && cs->n)
        return find_shape(cs, t)->covered;
    for (uint32_t f = 0; f < t->n; f++)
        if (!has_field(cs, t->text + t->f[f].key))
            return 0;
    return 1;
}

int writer_status(FILE *fp, const char *label, struct imx_err *err)
{
    if (ferror(fp))
        return imx_seterr(err, IMX_EIO, "cannot write '%s': %s", label,
                          strerror(errno ? errno : EIO));
    return 0;
}
