/* series: normalisation of a row's series fields as the dashboard does at ingest, so that imx
 * draws the same lines (frameworks aliased, spec method "none" when empty, GPU from the label). */
#include "analysis/series.h"
#include "analysis/derived.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static char *lower(const char *s)
{
    char *d = xstrdup(s ? s : "");
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

static const struct {
    const char *from, *to;
    int disagg;
} framework_alias[] = {
    {"sglang-disagg", "mori-sglang", 1},
    {"trtllm", "trt", 0},
    {"dynamo-trtllm", "dynamo-trt", 0},
};

void series_of_row(const struct trow *t, struct series *s)
{
    struct buf b = BUF_INIT_MAX(BUF_BLOCK_MAX);
    const char *spec = t->kv[K_SPEC], *disagg = t->kv[K_DISAGG];
    char gpu[64];

    memset(s, 0, sizeof(*s));
    s->prefix = xstrdup(t->kv[K_PREFIX] ? t->kv[K_PREFIX] : "");
    s->isl = xstrdup(t->kv[K_ISL] ? t->kv[K_ISL] : "");
    s->osl = xstrdup(t->kv[K_OSL] ? t->kv[K_OSL] : "");
    s->gpu = xstrdup(analysis_gpu(t->kv[K_HW], gpu, sizeof(gpu)) ? gpu : "");
    s->framework = lower(t->kv[K_FRAMEWORK]);
    s->disagg = disagg && !strcmp(disagg, "true");
    for (size_t i = 0; i < sizeof(framework_alias) / sizeof(framework_alias[0]); i++) {
        if (!strcmp(s->framework, framework_alias[i].from)) {
            free(s->framework);
            s->framework = xstrdup(framework_alias[i].to);
            s->disagg |= framework_alias[i].disagg;
            break;
        }
    }
    /* rows before December 2025 said "mtp": "on" where later ones say spec_decoding */
    if ((!spec || !*spec) && t->kv[K_MTP] && !strcmp(t->kv[K_MTP], "on"))
        spec = "mtp";
    s->spec = lower(spec && *spec ? spec : "none");
    s->precision = lower(t->kv[K_PRECISION]);
    if (!strcmp(s->precision, "nvfp4") || !strcmp(s->precision, "mxfp4")) {
        free(s->precision);
        s->precision = xstrdup("fp4");
    }
    buf_addf(&b, "%s_%s", *s->gpu ? s->gpu : "unknown", *s->framework ? s->framework : "unknown");
    if (strcmp(s->spec, "none"))
        buf_addf(&b, "_%s", s->spec);
    if (s->disagg)
        buf_adds(&b, "_disagg");
    buf_addf(&b, "_%s", *s->precision ? s->precision : "unknown");
    s->label = buf_detach(&b, NULL);
}

void series_release(struct series *s)
{
    free(s->prefix);
    free(s->isl);
    free(s->osl);
    free(s->gpu);
    free(s->framework);
    free(s->spec);
    free(s->precision);
    free(s->label);
    memset(s, 0, sizeof(*s));
}

int series_cmp(const struct series *a, const struct series *b)
{
    int c;

    if ((c = strcmp(a->prefix, b->prefix)) || (c = table_cmp_values(a->isl, b->isl)) ||
        (c = table_cmp_values(a->osl, b->osl)) || (c = strcmp(a->gpu, b->gpu)) ||
        (c = strcmp(a->framework, b->framework)) || (c = strcmp(a->spec, b->spec)))
        return c;
    if (a->disagg != b->disagg)
        return a->disagg - b->disagg;
    return strcmp(a->precision, b->precision);
}

int series_same(const struct series *a, const struct series *b)
{
    return !series_cmp(a, b) && !strcmp(a->isl, b->isl) && !strcmp(a->osl, b->osl);
}

void series_copy(struct series *dst, const struct series *src)
{
    dst->prefix = xstrdup(src->prefix);
    dst->isl = xstrdup(src->isl);
    dst->osl = xstrdup(src->osl);
    dst->gpu = xstrdup(src->gpu);
    dst->framework = xstrdup(src->framework);
    dst->spec = xstrdup(src->spec);
    dst->precision = xstrdup(src->precision);
    dst->disagg = src->disagg;
    dst->label = xstrdup(src->label);
}
