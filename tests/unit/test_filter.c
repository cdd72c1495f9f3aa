/* Unit tests of the row filters: option parsing (lists, bad values) and the per-row match
 * (numbers as numbers, GPUs canonical, by label or family, disagg missing as no). */
#include "table/filter.h"
#include "unit.h"

#include <string.h>

static void row_kv(const char *kv[NKEY], const char *hw, const char *isl, const char *osl,
                   const char *conc, const char *disagg)
{
    memset(kv, 0, NKEY * sizeof(*kv));
    kv[K_HW] = hw;
    kv[K_FRAMEWORK] = "vLLM";
    kv[K_PRECISION] = "fp4";
    kv[K_ISL] = isl;
    kv[K_OSL] = osl;
    kv[K_CONC] = conc;
    kv[K_DISAGG] = disagg;
}

static int matches(enum filter_dim d, const char *arg, const char *const kv[NKEY])
{
    struct row_filter f;
    struct imx_err e = IMX_ERR_INIT;
    int r;

    row_filter_init(&f);
    if (row_filter_add(&f, d, arg, &e) < 0) {
        row_filter_release(&f);
        return -1;
    }
    r = row_filter_match(&f, kv);
    row_filter_release(&f);
    return r;
}

static void gpu_canonical_label_family(void)
{
    const char *kv[NKEY];
    row_kv(kv, "b200-trt", "1024", "1024", "64", NULL);
    CHECK(matches(FILTER_GPU, "b200", kv) == 1);
    CHECK(matches(FILTER_GPU, "B200-TRT", kv) == 1);
    CHECK(matches(FILTER_GPU, "h100,b200", kv) == 1);
    CHECK(matches(FILTER_GPU, "gb200", kv) == 0);
    row_kv(kv, "gb200", "1024", "1024", "64", NULL);
    CHECK(matches(FILTER_GPU, "b200", kv) == 0);
    row_kv(kv, "h100-cw_0", "1024", "1024", "64", NULL);
    CHECK(matches(FILTER_GPU, "h100", kv) == 1);
    CHECK(matches(FILTER_GPU, "h10", kv) == 0);
    row_kv(kv, NULL, "1024", "1024", "64", NULL);
    CHECK(matches(FILTER_GPU, "h100", kv) == 0);
}

static void numbers_and_sequences(void)
{
    const char *kv[NKEY];
    row_kv(kv, "b200", "1024", "8192", "64.0", NULL);
    CHECK(matches(FILTER_CONC, "64", kv) == 1);
    CHECK(matches(FILTER_CONC, "4,32", kv) == 0);
    CHECK(matches(FILTER_SEQ, "1k8k", kv) == 1);
    CHECK(matches(FILTER_SEQ, "1K8K", kv) == 1);
    CHECK(matches(FILTER_SEQ, "8k1k", kv) == 0);
    CHECK(matches(FILTER_SEQ, "1024/8192", kv) == 1);
    CHECK(matches(FILTER_ISL, "1024", kv) == 1);
    CHECK(matches(FILTER_OSL, "1024", kv) == 0);
    CHECK(matches(FILTER_FRAMEWORK, "VLLM", kv) == 1);
    CHECK(matches(FILTER_PRECISION, "fp8", kv) == 0);
    row_kv(kv, "b200", "1024", "8192", NULL, NULL);
    CHECK(matches(FILTER_CONC, "64", kv) == 0);
}

static void disagg_missing_is_no(void)
{
    const char *kv[NKEY];
    row_kv(kv, "gb200", "1024", "1024", "8", NULL);
    CHECK(matches(FILTER_DISAGG, "no", kv) == 1);
    CHECK(matches(FILTER_DISAGG, "yes", kv) == 0);
    row_kv(kv, "gb200", "1024", "1024", "8", "true");
    CHECK(matches(FILTER_DISAGG, "yes", kv) == 1);
    CHECK(matches(FILTER_DISAGG, "false", kv) == 0);
}

static void bad_values_refused(void)
{
    const char *kv[NKEY];
    struct row_filter f;
    struct imx_err e = IMX_ERR_INIT;
    struct buf b = BUF_INIT;

    row_kv(kv, "b200", "1024", "1024", "8", NULL);
    CHECK(matches(FILTER_SEQ, "1k", kv) == -1);
    CHECK(matches(FILTER_SEQ, "k1k", kv) == -1);
    CHECK(matches(FILTER_CONC, "sixty", kv) == -1);
    CHECK(matches(FILTER_CONC, "64,", kv) == -1);
    CHECK(matches(FILTER_ISL, "nan", kv) == -1);
    CHECK(matches(FILTER_DISAGG, "maybe", kv) == -1);
    row_filter_init(&f);
    CHECK(!row_filter_active(&f));
    CHECK(row_filter_add(&f, FILTER_CONC, "4,x", &e) < 0);
    CHECK(strstr(e.msg, "'x'") && strstr(e.msg, "--conc"));
    CHECK(row_filter_add(&f, FILTER_GPU, "B200", &e) == 0);
    CHECK(row_filter_add(&f, FILTER_GPU, "mi355x", &e) == 0);
    CHECK(row_filter_add(&f, FILTER_SEQ, "1k1k", &e) == 0);
    CHECK(row_filter_active(&f));
    row_filter_describe(&f, &b);
    CHECK_STR(b.p, "--gpu b200,mi355x --seq 1k1k");
    buf_release(&b);
    row_filter_release(&f);
}

int main(void)
{
    RUN(gpu_canonical_label_family);
    RUN(numbers_and_sequences);
    RUN(disagg_missing_is_no);
    RUN(bad_values_refused);
    UNIT_END();
}
