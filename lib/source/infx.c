/* infx: InferenceX API names, decoding, discovery documents and cache files (see infx.h).
 * Discovery documents are small (availability is ~150 KB), so they are read as yajl trees;
 * benchmark rows go through the streaming reader (reader/apirows). */
#include "source/infx.h"
#include "cache/apifiles.h"
#include "util/date.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <yajl/yajl_tree.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Display names. `model=` takes the dashboard's display name, matched exactly; rows come back
 * with the DB key, and one display name can cover several keys (Kimi-K2.5). The built-in table
 * is the app's models.ts of 2026-08; /api/openapi.json lists the live names. */
static const struct {
    const char *display;
    const char *keys[4]; /* NULL-terminated */
} models[] = {
    {"DeepSeek-R1-0528", {"dsr1", NULL}},
    {"gpt-oss-120b", {"gptoss120b", NULL}},
    {"Llama-3.3-70B-Instruct-FP8", {"llama70b", NULL}},
    {"Qwen-3.5-397B-A17B", {"qwen3.5", NULL}},
    {"Kimi-K2.5", {"kimik2.5", "kimik2.6", "kimik2.7-code", NULL}},
    {"Kimi-K3", {"kimik3", NULL}},
    {"MiniMax-M2.5", {"minimaxm2.5", "minimaxm2.7", NULL}},
    {"MiniMax-M3", {"minimaxm3", NULL}},
    {"GLM-5", {"glm5", "glm5.1", NULL}},
    {"GLM-5.2", {"glm5.2", NULL}},
    {"DeepSeek-V4-Pro", {"dsv4", NULL}},
};
#define NMODELS (sizeof(models) / sizeof(models[0]))

/* Artifact prefixes the ETL aliases onto DB keys (notes 2.1). */
static const struct {
    const char *prefix, *key;
} prefix_alias[] = {{"gptoss", "gptoss120b"}, {"dsv4pro", "dsv4"}, {"kimik2.7", "kimik2.7-code"}};

const char *infx_display_of_key(const char *key)
{
    for (size_t i = 0; i < NMODELS; i++)
        for (size_t k = 0; models[i].keys[k]; k++)
            if (!strcmp(models[i].keys[k], key))
                return models[i].display;
    return NULL;
}

int infx_openapi_names(const char *json, size_t len, struct strs *out, struct imx_err *err)
{
    yajl_val root = json_parse(json, len, "/api/openapi.json", err);
    yajl_val params;
    size_t before = out->n;

    if (!root)
        return -IMX_EPARSE;
    params = json_path(root, "paths", "/api/v1/benchmarks", "get", "parameters", NULL);
    for (size_t i = 0; i < json_len(params); i++) {
        yajl_val p = json_at(params, i);
        const char *name = json_str(json_get(p, "name"));
        yajl_val en;
        if (!name || strcmp(name, "model") != 0)
            continue;
        en = json_path(p, "schema", "enum", NULL);
        for (size_t k = 0; k < json_len(en); k++) {
            const char *s = json_str(json_at(en, k));
            if (s && *s)
                strs_add(out, s);
        }
    }
    yajl_tree_free(root);
    if (out->n == before)
        return imx_seterr(err, IMX_EPARSE, "/api/openapi.json: no model names in it");
    return 0;
}

/* Case-insensitive equality after dropping a quantization suffix (-FP4, -FP8-V2, -MXFP4...):
 * the ETL's own rule for telling a model from its checkpoint. */
static size_t base_len(const char *s)
{
    static const char *const quant[] = {"-fp4", "-fp8", "-mxfp4", "-nvfp4"};
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        for (size_t q = 0; q < 4; q++) {
            size_t ql = strlen(quant[q]);
            if (!strncasecmp(s + i, quant[q], ql) && (s[i + ql] == '\0' || s[i + ql] == '-'))
                return i;
        }
    }
    return n;
}

static int same_model_name(const char *a, const char *b)
{
    size_t la = base_len(a), lb = base_len(b);
    return la == lb && la > 0 && !strncasecmp(a, b, la);
}

int infx_resolve_model(const char *arg, const struct strs *live, struct strs *out, int *all,
                       struct imx_err *err)
{
    const char *name;
    size_t before = out->n;

    *all = 0;
    if (!arg || !*arg || !strcasecmp(arg, "all")) {
        *all = 1;
        return 0;
    }
    /* exact display name, built-in or live */
    for (size_t i = 0; i < NMODELS; i++)
        if (!strcmp(arg, models[i].display))
            strs_add(out, models[i].display);
    if (strs_has(live, arg))
        strs_add(out, arg);
    if (out->n > before)
        return 0;
    /* a DB key or an artifact prefix */
    {
        const char *key = arg;
        for (size_t i = 0; i < sizeof(prefix_alias) / sizeof(prefix_alias[0]); i++)
            if (!strcasecmp(arg, prefix_alias[i].prefix))
                key = prefix_alias[i].key;
        for (size_t i = 0; i < NMODELS; i++)
            for (size_t k = 0; models[i].keys[k]; k++)
                if (!strcasecmp(models[i].keys[k], key))
                    strs_add(out, models[i].display);
        if (out->n > before)
            return 0;
    }
    /* a display name in another case, or the name part of an id / org_Name form */
    name = strrchr(arg, '/');
    if (name)
        name++;
    else if (strchr(arg, '_'))
        name = strchr(arg, '_') + 1;
    else
        name = arg;
    for (size_t i = 0; i < NMODELS; i++)
        if (same_model_name(name, models[i].display) || same_model_name(arg, models[i].display))
            strs_add(out, models[i].display);
    for (size_t i = 0; live && i < live->n; i++)
        if (same_model_name(name, live->v[i]) || same_model_name(arg, live->v[i]))
            strs_add(out, live->v[i]);
    if (out->n > before)
        return 0;
    {
        struct buf b = BUF_INIT;
        for (size_t i = 0; i < NMODELS; i++)
            buf_addf(&b, "%s%s", i ? ", " : "", models[i].display);
        for (size_t i = 0; live && i < live->n; i++)
            if (!infx_display_of_key(live->v[i]) && strstr(b.p, live->v[i]) == NULL)
                buf_addf(&b, ", %s", live->v[i]);
        imx_seterr(err, IMX_ENOTFOUND,
                   "unknown model '%s' for the InferenceX API; known display names: %s", arg, b.p);
        buf_release(&b);
    }
    return -IMX_ENOTFOUND;
}

static int is_gzip(const char *p, size_t n)
{
    return n >= 2 && (unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b;
}

int infx_decode_body(const char *in, size_t n, size_t max, char **out, size_t *outlen,
                     struct imx_err *err)
{
    struct archive *a;
    struct archive_entry *e;
    struct buf b = BUF_INIT_MAX(max + 1);
    char chunk[FS_IO_CHUNK];
    la_ssize_t got = 0;
    int r = 0;

    if (!is_gzip(in, n)) {
        if (n > max)
            return imx_seterr(err, IMX_ETOOBIG, "response larger than %zu bytes", max);
        *out = xstrndup(in, n);
        *outlen = n;
        return 0;
    }
    /* libarchive peels every gzip layer (the origin's, then a proxy's) below the raw format */
    a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_format_raw(a);
    if (archive_read_open_memory(a, in, n) != ARCHIVE_OK ||
        archive_read_next_header(a, &e) != ARCHIVE_OK)
        r = imx_seterr(err, IMX_EPARSE, "bad gzip body: %s", archive_error_string(a));
    else if (archive_filter_count(a) > 3) /* the layers, and the reader of the bytes */
        r = imx_seterr(err, IMX_EPARSE, "response gzip-encoded more than twice");
    while (r == 0 && (got = archive_read_data(a, chunk, sizeof(chunk))) > 0)
        if (buf_add(&b, chunk, (size_t)got) < 0 || b.len > max)
            r = imx_seterr(err, IMX_ETOOBIG, "response larger than %zu bytes once decoded", max);
    if (r == 0 && got < 0)
        r = imx_seterr(err, IMX_EPARSE, "truncated or corrupt gzip body: %s",
                       archive_error_string(a));
    archive_read_free(a);
    if (r == 0)
        *out = buf_detach(&b, outlen); /* "" when empty, never NULL */
    buf_release(&b);
    return r;
}

struct infx_day *infx_avail_day(const struct infx_avail *a, const char *date)
{
    for (size_t i = a->n; i-- > 0;)
        if (!strcmp(a->v[i].date, date))
            return &a->v[i];
    return NULL;
}

static struct infx_day *day_of(struct infx_avail *a, const char *date)
{
    struct infx_day *d = infx_avail_day(a, date);

    if (d)
        return d;
    ALLOC_GROW(a->v, a->n + 1, a->cap);
    memset(&a->v[a->n], 0, sizeof(a->v[a->n]));
    memcpy(a->v[a->n].date, date, 10);
    return &a->v[a->n++];
}

static int cmp_day(const void *x, const void *y)
{
    return strcmp(((const struct infx_day *)x)->date, ((const struct infx_day *)y)->date);
}

int infx_avail_parse(const char *json, size_t len, struct infx_avail *out, struct imx_err *err)
{
    yajl_val root = json_parse(json, len, "/api/v1/availability", err);

    if (!root)
        return -IMX_EPARSE;
    if (!YAJL_IS_ARRAY(root)) {
        yajl_tree_free(root);
        return imx_seterr(err, IMX_EPARSE, "/api/v1/availability: not an array");
    }
    for (size_t i = 0; i < json_len(root); i++) {
        yajl_val row = json_at(root, i);
        const char *date = json_str(json_get(row, "date"));
        const char *key = json_str(json_get(row, "model"));
        struct infx_day *d;
        if (!date || !key || !date_valid(date))
            continue;
        d = day_of(out, date);
        strs_add(&d->keys, key);
    }
    yajl_tree_free(root);
    if (out->n > 1)
        qsort(out->v, out->n, sizeof(*out->v), cmp_day);
    return 0;
}

void infx_avail_release(struct infx_avail *a)
{
    for (size_t i = 0; i < a->n; i++)
        strs_release(&a->v[i].keys);
    free(a->v);
    memset(a, 0, sizeof(*a));
}

/* A run id given as a string (the API's bigint) or, after type drift, as a number; out holds
 * 20 bytes. */
static int id_text(yajl_val v, char *out)
{
    const char *s = json_text(v);
    size_t len = s ? strspn(s, "0123456789") : 0;

    if (len == 0 || len > 19 || s[len])
        return -1;
    memcpy(out, s, len + 1);
    return 0;
}

/* A run attempt, a number or a string of digits; 0 when it is not one. */
static long attempt_of(yajl_val v)
{
    char t[24];
    long x = id_text(v, t) == 0 ? strtol(t, NULL, 10) : 0;

    return x <= RUN_ATTEMPT_MAX ? x : 0;
}

int infx_wfinfo_parse(const char *json, size_t len, struct infx_wfinfo *out, struct imx_err *err)
{
    yajl_val root = json_parse(json, len, "/api/v1/workflow-info", err);
    yajl_val runs, rcs;

    if (!root)
        return -IMX_EPARSE;
    runs = json_get(root, "runs");
    if (!YAJL_IS_OBJECT(root) || !runs || !YAJL_IS_ARRAY(runs)) {
        yajl_tree_free(root);
        return imx_seterr(err, IMX_EPARSE, "/api/v1/workflow-info: no runs array");
    }
    for (size_t i = 0; i < runs->u.array.len; i++) {
        yajl_val r = runs->u.array.values[i];
        struct infx_run *x;
        char id[24];
        if (id_text(json_get(r, "github_run_id"), id) < 0)
            continue;
        ALLOC_GROW(out->runs, out->n + 1, out->cap);
        x = &out->runs[out->n++];
        memset(x, 0, sizeof(*x));
        memcpy(x->id, id, sizeof(id));
        x->attempt = attempt_of(json_get(r, "run_attempt"));
        x->name = json_strdup(json_get(r, "name"));
        x->conclusion = json_strdup(json_get(r, "conclusion"));
        x->html_url = json_strdup(json_get(r, "html_url"));
        x->created_at = json_strdup(json_get(r, "created_at"));
        x->date = json_strdup(json_get(r, "date"));
        if (!x->date && x->created_at) {
            char day[DATE_LEN + 1];
            if (date_timestamp_day(x->created_at, day) == 0)
                x->date = xstrdup(day);
        }
    }
    /* runConfigs (since 2026-06-15): the model keys of each run */
    rcs = json_get(root, "runConfigs");
    for (size_t i = 0; i < json_len(rcs); i++) {
        yajl_val rc = json_at(rcs, i);
        const char *key = json_str(json_get(rc, "model"));
        char id[24];
        if (id_text(json_get(rc, "github_run_id"), id) < 0 || !key)
            continue;
        for (size_t k = 0; k < out->n; k++) {
            struct infx_run *x = &out->runs[k];
            if (strcmp(x->id, id) != 0)
                continue;
            strs_add(&x->keys, key);
            if (!x->head_sha)
                x->head_sha = json_strdup(json_get(rc, "head_sha"));
            if (!x->run_started_at)
                x->run_started_at = json_strdup(json_get(rc, "run_started_at"));
        }
    }
    yajl_tree_free(root);
    return 0;
}

void infx_wfinfo_release(struct infx_wfinfo *w)
{
    for (size_t i = 0; i < w->n; i++) {
        struct infx_run *r = &w->runs[i];
        free(r->name);
        free(r->conclusion);
        free(r->html_url);
        free(r->created_at);
        free(r->date);
        free(r->head_sha);
        free(r->run_started_at);
        strs_release(&r->keys);
    }
    free(w->runs);
    memset(w, 0, sizeof(*w));
}

int infx_run_json(const struct infx_run *r, struct buf *out)
{
    size_t start = out->len;

    buf_addf(out, "{\n  \"id\": %s", r->id);
    buf_add_member(out, ",\n  ", "name", r->name);
    buf_add_member(out, ",\n  ", "head_sha", r->head_sha);
    buf_add_member(out, ",\n  ", "status", "completed");
    buf_add_member(out, ",\n  ", "conclusion", r->conclusion);
    buf_addf(out, ",\n  \"run_attempt\": %ld", r->attempt);
    buf_add_member(out, ",\n  ", "created_at", r->created_at);
    buf_add_member(out, ",\n  ", "run_started_at", r->run_started_at);
    buf_add_member(out, ",\n  ", "html_url", r->html_url);
    buf_add_member(out, ",\n  ", "imx_source", "api");
    if (buf_adds(out, "\n}\n") < 0) {
        buf_truncate(out, start);
        return -1;
    }
    return 0;
}
