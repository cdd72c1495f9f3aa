/* apirows: maps InferenceX API benchmark rows onto agg_bmk.json names (see apirows.h).
 * The generic reader does the parsing; this file only renames, reshapes and filters. */
#include "reader/apirows.h"
#include "cache/apifiles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* API model keys whose artifacts name the model differently (notes 2.1, ETL aliases). */
static const struct {
    const char *key;
    const char *prefix;
    const char *id;
} model_keys[] = {
    {"gptoss120b", "gptoss", "openai/gpt-oss-120b"},
    {"dsr1", "dsr1", "deepseek-ai/DeepSeek-R1-0528"},
    {"kimik2.7-code", "kimik2.7", NULL},
};

/* Top-level API fields consumed by the mapping (everything else scalar passes through). */
static const char *const consumed[] = {
    "hardware",
    "conc",
    "image",
    "model",
    "framework",
    "precision",
    "spec_method",
    "disagg",
    "isl",
    "osl",
    "is_multinode",
    "prefill_tp",
    "prefill_ep",
    "prefill_dp_attention",
    "prefill_num_workers",
    "decode_tp",
    "decode_ep",
    "decode_dp_attention",
    "decode_num_workers",
    "num_prefill_gpu",
    "num_decode_gpu",
    "tp",
    "ep",
    "dp_attention",
    "benchmark_type",
    "offload_mode",
    "recipe_fingerprint",
    "id",
    "date",
    "run_url",
    "metrics",
    /* internal DB identities, meaningless outside the app */
    "workflow_run_id",
    "run_started_at",
    "curve_workflow_run_id",
    "curve_run_started_at",
};

const char *apirow_prefix_of_key(const char *key)
{
    for (size_t i = 0; i < sizeof(model_keys) / sizeof(model_keys[0]); i++)
        if (!strcmp(model_keys[i].key, key))
            return model_keys[i].prefix;
    return key;
}

static const char *id_of_key(const char *key)
{
    for (size_t i = 0; i < sizeof(model_keys) / sizeof(model_keys[0]); i++)
        if (!strcmp(model_keys[i].key, key))
            return model_keys[i].id;
    return NULL;
}

int apirow_parse_run_url(const char *url, char *id, size_t idsize, long *attempt)
{
    const char *p = url ? strstr(url, "/runs/") : NULL;
    size_t n = 0;

    *attempt = 0;
    if (!p)
        return -1;
    p += 6;
    while (p[n] >= '0' && p[n] <= '9')
        n++;
    if (n == 0 || n >= idsize || n > 19 || (p[n] && p[n] != '/' && p[n] != '?'))
        return -1;
    memcpy(id, p, n);
    id[n] = '\0';
    if (!strncmp(p + n, "/attempts/", 10)) {
        char *end;
        long a = strtol(p + n + 10, &end, 10);
        if (end != p + n + 10 && a > 0 && a < RUN_ATTEMPT_MAX)
            *attempt = a;
    }
    return 0;
}

static int looks_numeric(const char *s)
{
    char *end;
    if (!*s)
        return 0;
    (void)strtod(s, &end);
    return *end == '\0';
}

/* 1 true, 0 false, -1 absent or unreadable; drift sends "true" strings. */
static int get_bool(const struct row *in, const char *key)
{
    const struct field *f = row_find(in, key);
    const char *v;

    if (!f || f->kind == VAL_NULL)
        return -1;
    v = in->text.p + f->val;
    if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "1"))
        return 1;
    if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "0"))
        return 0;
    return -1;
}

static int add(struct row *out, const char *key, const char *val, size_t vlen, enum val_kind k)
{
    return row_add(out, key, strlen(key), val, vlen, k);
}

static int add_str(struct row *out, const char *key, const char *val)
{
    return add(out, key, val, strlen(val), VAL_STR);
}

/* Copies in[from] to out[to] unless absent or null; numeric=1 turns "8" into a number. */
static int copy(struct row *out, const char *to, const struct row *in, const char *from,
                int numeric)
{
    const struct field *f = row_find(in, from);
    enum val_kind k;

    if (!f || f->kind == VAL_NULL)
        return 0;
    k = (enum val_kind)f->kind;
    if (numeric && k == VAL_STR && looks_numeric(in->text.p + f->val))
        k = VAL_NUM;
    return add(out, to, in->text.p + f->val, f->vlen, k);
}

static int copy_bool(struct row *out, const char *to, const struct row *in, const char *from,
                     int as_string)
{
    int b = get_bool(in, from);
    if (b < 0)
        return 0;
    return add(out, to, b ? "true" : "false", b ? 4 : 5, as_string ? VAL_STR : VAL_BOOL);
}

static int is_consumed(const char *key)
{
    for (size_t i = 0; i < sizeof(consumed) / sizeof(consumed[0]); i++)
        if (!strcmp(consumed[i], key))
            return 1;
    return 0;
}

static int map_topology(const struct row *in, struct row *out)
{
    static const char *const ints[] = {"prefill_tp",      "prefill_ep",    "prefill_num_workers",
                                       "decode_tp",       "decode_ep",     "decode_num_workers",
                                       "num_prefill_gpu", "num_decode_gpu"};
    int r = 0;

    /* single-node means "not multinode" (notes 2.1, v1 rows): disaggregated GB200 rows from
     * before 2025-12-05 are single-node and their artifacts carry tp/ep */
    if (get_bool(in, "is_multinode") != 1) {
        const char *tp = row_find(in, "prefill_tp") ? "prefill_tp" : "tp";
        const char *ep = row_find(in, "prefill_ep") ? "prefill_ep" : "ep";
        const char *dp =
            row_find(in, "prefill_dp_attention") ? "prefill_dp_attention" : "dp_attention";
        r |= copy(out, "tp", in, tp, 1);
        r |= copy(out, "ep", in, ep, 1);
        r |= copy_bool(out, "dp_attention", in, dp, 1);
        return r;
    }
    for (size_t i = 0; i < 3; i++)
        r |= copy(out, ints[i], in, ints[i], 1);
    r |= copy_bool(out, "prefill_dp_attention", in, "prefill_dp_attention", 1);
    for (size_t i = 3; i < 6; i++)
        r |= copy(out, ints[i], in, ints[i], 1);
    r |= copy_bool(out, "decode_dp_attention", in, "decode_dp_attention", 1);
    for (size_t i = 6; i < 8; i++)
        r |= copy(out, ints[i], in, ints[i], 1);
    return r;
}

int apirow_map(const struct row *in, struct row *out, struct apirow_stats *st)
{
    const char *bt = row_get(in, "benchmark_type");
    const char *key = row_get(in, "model");
    const char *url = row_get(in, "run_url");
    char id[32];
    long attempt;
    int r = 0;

    row_clear(out);
    if (!row_get(in, "isl") || !row_get(in, "osl") || (bt && strcmp(bt, "single_turn") != 0)) {
        if (st)
            st->agentic++;
        return 0;
    }
    if (!row_get(in, "hardware") || !row_get(in, "conc")) {
        if (st)
            st->unusable++;
        return 0;
    }
    r |= copy(out, "hw", in, "hardware", 0);
    r |= copy(out, "conc", in, "conc", 1);
    r |= copy(out, "image", in, "image", 0);
    if (key) {
        const char *mid = id_of_key(key);
        if (mid)
            r |= add_str(out, "model", mid);
        r |= add_str(out, "infmax_model_prefix", apirow_prefix_of_key(key));
    }
    r |= copy(out, "framework", in, "framework", 0);
    r |= copy(out, "precision", in, "precision", 0);
    r |= copy(out, "spec_decoding", in, "spec_method", 0);
    r |= copy_bool(out, "disagg", in, "disagg", 0);
    r |= copy(out, "isl", in, "isl", 1);
    r |= copy(out, "osl", in, "osl", 1);
    r |= copy_bool(out, "is_multinode", in, "is_multinode", 0);
    r |= map_topology(in, out);
    for (size_t i = 0; i < in->n; i++) {
        const char *k = row_key(in, i);
        if (!strncmp(k, "metrics.", 8) && k[8])
            r |= add(out, k + 8, row_val(in, i), in->f[i].vlen, (enum val_kind)in->f[i].kind);
    }
    r |= copy(out, "benchmark_type", in, "benchmark_type", 0);
    r |= copy(out, "offload_mode", in, "offload_mode", 0);
    r |= copy(out, "recipe_fingerprint", in, "recipe_fingerprint", 0);
    r |= copy(out, "api_id", in, "id", 0);
    /* unknown scalars pass through; nested unknowns (power_audit.*) and arrays do not */
    for (size_t i = 0; i < in->n; i++) {
        const char *k = row_key(in, i);
        if (strchr(k, '.') || is_consumed(k) || in->f[i].kind == VAL_NULL || row_find(out, k))
            continue;
        r |= add(out, k, row_val(in, i), in->f[i].vlen, (enum val_kind)in->f[i].kind);
    }
    r |= copy(out, "run_date", in, "date", 0);
    r |= copy(out, "run_url", in, "run_url", 0);
    if (url && apirow_parse_run_url(url, id, sizeof(id), &attempt) == 0) {
        char num[24];
        int n = 0;
        r |= add(out, "run_id", id, strlen(id), VAL_NUM);
        if (attempt > 0) {
            n = snprintf(num, sizeof(num), "%ld", attempt);
            r |= add(out, "run_attempt", num, (size_t)n, VAL_NUM);
        }
    }
    if (r < 0)
        return -1;
    if (st)
        st->rows++;
    return 1;
}

struct mapctx {
    const struct reader_opts *o;
    struct apirow_stats *st;
    struct row out;
    struct imx_err *err;
};

static int on_row(void *ud, struct row *in, size_t index)
{
    struct mapctx *m = ud;
    int r = apirow_map(in, &m->out, m->st);

    if (r < 0)
        return imx_seterr(m->err, IMX_ETOOBIG, "%s: row %zu is larger than 1 MiB once mapped",
                          m->o->label ? m->o->label : "API response", index);
    if (r == 0 || !m->o->fn)
        return 0;
    return m->o->fn(m->o->ud, &m->out, index);
}

static int run(const char *path, const char *data, size_t len, const struct reader_opts *o,
               struct apirow_stats *st, struct imx_err *err)
{
    struct mapctx m = {o, st, {BUF_INIT, NULL, 0, 0}, err};
    struct reader_opts inner = *o;
    int r;

    row_init(&m.out);
    inner.fn = on_row;
    inner.ud = &m;
    r = path ? reader_read_file(path, &inner, err) : reader_read_mem(data, len, &inner, err);
    row_release(&m.out);
    return r;
}

int apirows_read_file(const char *path, const struct reader_opts *o, struct apirow_stats *st,
                      struct imx_err *err)
{
    return run(path, NULL, 0, o, st, err);
}

int apirows_read_mem(const char *data, size_t len, const struct reader_opts *o,
                     struct apirow_stats *st, struct imx_err *err)
{
    return run(NULL, data, len, o, st, err);
}
