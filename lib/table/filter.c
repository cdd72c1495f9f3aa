/* filter: parsing of the row-filter options and the per-row match. Numbers compare as numbers
 * (conc 64 matches 64 and 64.0), text ignoring case, GPUs on the canonical name or the label. */
#include "table/filter.h"
#include "reader/names.h"
#include "util/units.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const dim_option[NFILTER] = {
    [FILTER_GPU] = "gpu",
    [FILTER_FRAMEWORK] = "framework",
    [FILTER_PRECISION] = "precision",
    [FILTER_SEQ] = "seq",
    [FILTER_ISL] = "isl",
    [FILTER_OSL] = "osl",
    [FILTER_DISAGG] = "disagg",
    [FILTER_CONC] = "conc",
};

const char *row_filter_option(enum filter_dim d)
{
    return d < NFILTER ? dim_option[d] : "?";
}

void row_filter_init(struct row_filter *f)
{
    memset(f, 0, sizeof(*f));
}

void row_filter_release(struct row_filter *f)
{
    for (int d = 0; d < NFILTER; d++) {
        for (size_t i = 0; i < f->dim[d].n; i++)
            free(f->dim[d].v[i].text);
        free(f->dim[d].v);
    }
    memset(f, 0, sizeof(*f));
}

/* A finite number with nothing after it ("64", "1024", "0.5"). */
static int parse_num(const char *s, size_t len, double *out)
{
    char tmp[64];
    double v;

    if (!len || len >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if ((!isdigit((unsigned char)tmp[0]) && tmp[0] != '.') || units_decimal(tmp, &v) < 0)
        return -1;
    *out = v;
    return 0;
}

/* "1k8k" (thousands of 1024 tokens) or "1024/8192" (tokens). */
static int parse_seq(const char *s, double *isl, double *osl)
{
    const char *k1 = strpbrk(s, "kK");

    if (k1 && (k1[1] != '\0') && (s[strlen(s) - 1] == 'k' || s[strlen(s) - 1] == 'K')) {
        if (parse_num(s, (size_t)(k1 - s), isl) < 0 ||
            parse_num(k1 + 1, strlen(k1 + 1) - 1, osl) < 0)
            return -1;
        *isl *= 1024;
        *osl *= 1024;
        return 0;
    }
    {
        const char *slash = strchr(s, '/');
        if (!slash || parse_num(s, (size_t)(slash - s), isl) < 0 ||
            parse_num(slash + 1, strlen(slash + 1), osl) < 0)
            return -1;
    }
    return 0;
}

static void push(struct filter_values *v, const char *text, const double num[2])
{
    struct filter_value *fv;

    ALLOC_GROW(v->v, v->n + 1, v->cap);
    fv = &v->v[v->n++];
    fv->text = xstrdup(text);
    for (char *p = fv->text; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    fv->num[0] = num[0];
    fv->num[1] = num[1];
}

static int add_one(struct row_filter *f, enum filter_dim d, const char *val, struct imx_err *err)
{
    double num[2] = {0, 0};
    const char *opt = dim_option[d];

    switch (d) {
    case FILTER_SEQ:
        if (parse_seq(val, &num[0], &num[1]) < 0)
            return imx_seterr(err, IMX_EUSAGE,
                              "invalid value '%s' for --%s: expected 1k1k, 1k8k, 8k1k (k = 1024 "
                              "tokens) or ISL/OSL in tokens",
                              val, opt);
        break;
    case FILTER_ISL:
    case FILTER_OSL:
    case FILTER_CONC:
        if (parse_num(val, strlen(val), &num[0]) < 0)
            return imx_seterr(err, IMX_EUSAGE, "invalid value '%s' for --%s: expected a number",
                              val, opt);
        break;
    case FILTER_DISAGG:
        if (!strcasecmp(val, "yes") || !strcasecmp(val, "true"))
            num[0] = 1;
        else if (strcasecmp(val, "no") && strcasecmp(val, "false"))
            return imx_seterr(err, IMX_EUSAGE, "invalid value '%s' for --%s: expected yes or no",
                              val, opt);
        break;
    default:
        break;
    }
    push(&f->dim[d], val, num);
    return 0;
}

int row_filter_add(struct row_filter *f, enum filter_dim d, const char *arg, struct imx_err *err)
{
    const char *p = arg;
    size_t n0;

    if ((unsigned)d >= NFILTER)
        return imx_seterr(err, IMX_EUSAGE, "unknown filter");
    n0 = f->dim[d].n;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *val = xstrndup(p, len);
        int r = 0;
        if (!len)
            r = imx_seterr(err, IMX_EUSAGE, "empty value in --%s '%s'", dim_option[d], arg);
        else
            r = add_one(f, d, val, err);
        free(val);
        if (r < 0) {
            /* all or nothing: the values of a refused option are not half-kept */
            while (f->dim[d].n > n0)
                free(f->dim[d].v[--f->dim[d].n].text);
            return r;
        }
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

int row_filter_active(const struct row_filter *f)
{
    for (int d = 0; d < NFILTER; d++)
        if (f->dim[d].n)
            return 1;
    return 0;
}

static int num_is(const char *text, double want)
{
    char *end;
    double v;

    if (!text)
        return 0;
    v = strtod(text, &end);
    return end != text && !*end && v == want;
}

/* The runner label itself, its canonical GPU, or its family: h100 matches h100-cw_0, a label
 * of 2025 that names_gpu does not know, but gb200 never matches b200. */
static int gpu_is(const char *hw, const char *canon, const char *want)
{
    size_t n = strlen(want);

    if (!strcasecmp(hw, want) || (canon && !strcmp(canon, want)))
        return 1;
    return !strncasecmp(hw, want, n) && (hw[n] == '-' || hw[n] == '_');
}

/* The key field a single-valued dimension looks at. */
static const int dim_field[NFILTER] = {
    [FILTER_GPU] = K_HW,
    [FILTER_FRAMEWORK] = K_FRAMEWORK,
    [FILTER_PRECISION] = K_PRECISION,
    [FILTER_SEQ] = K_ISL,
    [FILTER_ISL] = K_ISL,
    [FILTER_OSL] = K_OSL,
    [FILTER_DISAGG] = K_DISAGG,
    [FILTER_CONC] = K_CONC,
};

static int match_value(enum filter_dim d, const struct filter_value *want,
                       const char *const kv[NKEY], const char *canon)
{
    const char *val = kv[dim_field[d]];

    switch (d) {
    case FILTER_GPU:
        return val && gpu_is(val, canon, want->text);
    case FILTER_FRAMEWORK:
    case FILTER_PRECISION:
        return val && !strcasecmp(val, want->text);
    case FILTER_SEQ:
        return num_is(kv[K_ISL], want->num[0]) && num_is(kv[K_OSL], want->num[1]);
    case FILTER_DISAGG:
        return (val && !strcasecmp(val, "true")) == (want->num[0] != 0);
    default:
        return num_is(val, want->num[0]);
    }
}

static int match_dim(const struct filter_values *v, enum filter_dim d, const char *const kv[NKEY])
{
    char canon[32];
    int have_canon = d == FILTER_GPU && kv[K_HW] && names_gpu(kv[K_HW], canon, sizeof(canon));

    for (size_t i = 0; i < v->n; i++)
        if (match_value(d, &v->v[i], kv, have_canon ? canon : NULL))
            return 1;
    return 0;
}

int row_filter_match(const struct row_filter *f, const char *const kv[NKEY])
{
    for (int d = 0; d < NFILTER; d++)
        if (f->dim[d].n && !match_dim(&f->dim[d], (enum filter_dim)d, kv))
            return 0;
    return 1;
}

size_t row_filter_keep(const struct row_filter *f, struct trow **rows, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        if (row_filter_match(f, rows[i]->kv))
            rows[k++] = rows[i];
    return k;
}

void row_filter_describe(const struct row_filter *f, struct buf *out)
{
    for (int d = 0; d < NFILTER; d++) {
        const struct filter_values *v = &f->dim[d];
        if (!v->n)
            continue;
        buf_addf(out, "%s--%s ", out->len ? " " : "", dim_option[d]);
        for (size_t i = 0; i < v->n; i++)
            buf_addf(out, "%s%s", i ? "," : "", v->v[i].text);
    }
}
