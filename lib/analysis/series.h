/* series: the dashboard's lines. A series is (GPU, framework, speculative method, disaggregated
 * or not, precision) within one model and one ISL/OSL pair, with the app's name normalisation. */
#ifndef IMX_SERIES_H
#define IMX_SERIES_H

#include "table/table.h"

struct series {
    char *prefix;    /* model prefix (infmax_model_prefix), "" when unknown */
    char *isl, *osl; /* sequence lengths as their source text */
    char *gpu;       /* analysis_gpu of hw */
    char *framework; /* normalised: sglang-disagg -> mori-sglang, trtllm -> trt, lowercase */
    char *spec;      /* speculative method, "none" when empty */
    char *precision; /* lowercase; nvfp4 and mxfp4 -> fp4 */
    int disagg;
    char *label; /* <gpu>_<framework>[_<spec>][_disagg]_<precision>, e.g. b200_sglang_mtp_fp8 */
};

/* The series of a kept row (all strings malloc'ed). */
void series_of_row(const struct trow *t, struct series *s);
void series_release(struct series *s);
/* Order of series: model, isl, osl (numerically), gpu, framework, spec, disagg, precision. */
int series_cmp(const struct series *a, const struct series *b);
/* Same model, ISL/OSL and series? */
int series_same(const struct series *a, const struct series *b);
void series_copy(struct series *dst, const struct series *src);

#endif
