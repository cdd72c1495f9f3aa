/* derived: the numbers analysis works with, per row: the measured inputs (throughputs,
 * interactivity, latencies, concurrency) and the dashboard's derived metrics (total GPUs, cost
 * per million tokens, tokens per all-in megawatt, all-in joules per token). */
#ifndef IMX_DERIVED_H
#define IMX_DERIVED_H

#include "analysis/gpus.h"
#include "table/table.h"

#include <stddef.h>

/* id, CSV name, short name, source field (inputs only), better ('h' higher, 'l' lower) */
#define IMX_METRICS(X)                                                                             \
    X(M_TPUT, "throughput_tokens_per_sec_per_gpu", "throughput", "tput_per_gpu", 'h')              \
    X(M_OUTPUT_TPUT, "output_throughput_per_gpu", "output_throughput", "output_tput_per_gpu", 'h') \
    X(M_INPUT_TPUT, "input_throughput_per_gpu", "input_throughput", "input_tput_per_gpu", 'h')     \
    X(M_INTVTY, "median_interactivity_tokens_per_sec_per_user", "interactivity", "median_intvty",  \
      'h')                                                                                         \
    X(M_E2EL, "median_end_to_end_latency_sec", "e2el", "median_e2el", 'l')                         \
    X(M_TTFT_P99, "p99_time_to_first_token_sec", "ttft_p99", "p99_ttft", 'l')                      \
    X(M_TTFT_MEDIAN, "median_time_to_first_token_sec", "ttft_median", "median_ttft", 'l')          \
    X(M_CONC, "concurrency", "conc", "conc", 'h')                                                  \
    X(M_TOTAL_GPUS, "total_gpus", "gpus", NULL, 'l')                                               \
    X(M_COSTH, "cost_per_mtok_total_owning_hyperscaler", "costh", NULL, 'l')                       \
    X(M_COSTN, "cost_per_mtok_total_owning_neocloud", "costn", NULL, 'l')                          \
    X(M_COSTR, "cost_per_mtok_total_rental_3y", "costr", NULL, 'l')                                \
    X(M_COSTH_OUT, "cost_per_mtok_output_owning_hyperscaler", "costh_output", NULL, 'l')           \
    X(M_COSTN_OUT, "cost_per_mtok_output_owning_neocloud", "costn_output", NULL, 'l')              \
    X(M_COSTR_OUT, "cost_per_mtok_output_rental_3y", "costr_output", NULL, 'l')                    \
    X(M_COSTH_IN, "cost_per_mtok_input_owning_hyperscaler", "costh_input", NULL, 'l')              \
    X(M_COSTN_IN, "cost_per_mtok_input_owning_neocloud", "costn_input", NULL, 'l')                 \
    X(M_COSTR_IN, "cost_per_mtok_input_rental_3y", "costr_input", NULL, 'l')                       \
    X(M_TPMW, "tokens_per_sec_per_mw_total", "tpmw", NULL, 'h')                                    \
    X(M_TPMW_OUT, "tokens_per_sec_per_mw_output", "tpmw_output", NULL, 'h')                        \
    X(M_TPMW_IN, "tokens_per_sec_per_mw_input", "tpmw_input", NULL, 'h')                           \
    X(M_JPT, "joules_per_token_allin_total", "jpt", NULL, 'l')                                     \
    X(M_JPT_OUT, "joules_per_token_allin_output", "jpt_output", NULL, 'l')                         \
    X(M_JPT_IN, "joules_per_token_allin_input", "jpt_input", NULL, 'l')

enum metric {
#define X(id, name, shortname, src, better) id,
    IMX_METRICS(X)
#undef X
        NMETRIC
};

/* The derived columns (--columns derived) are M_DERIVED_FIRST .. NMETRIC-1. */
#define M_DERIVED_FIRST M_TOTAL_GPUS

struct metric_info {
    const char *name; /* CSV name */
    const char *short_name;
    const char *src; /* row field of an input metric, NULL for derived ones */
    char better;     /* 'h': higher is better, 'l': lower */
};
extern const struct metric_info metric_info[NMETRIC];

/* Is the metric a cost per million tokens (the dashboard hides costs above a limit)? */
int metric_is_cost(int m);
/* The metric named by its CSV name, short name, source field or the dashboard's key (costhOutput,
 * costhi, ...); -1 when none. */
int metric_lookup(const char *name);

/*
 * Every metric of a row, NaN where an input is missing (never 0 for missing): the GPU
 * constants come from g by the row's GPU (analysis_gpu). With output_fallback, a row without
 * output throughput uses its total throughput (the dashboard's calculator and trend views).
 * *no_constants is set when the row's GPU has no constants in g.
 */
void metrics_of_row(const struct trow *t, const struct gpu_table *g, int output_fallback,
                    double v[NMETRIC], int *no_constants);

/* The row fields the metrics read: each input metric's own (by enum metric; none for derived
 * ones), then the GPU counts total_gpus is made of. */
enum { MF_TP = NMETRIC, MF_PREFILL_GPUS, MF_DECODE_GPUS, NMFIELD };
/* The name of field i (0 <= i < NMFIELD), NULL for a derived metric's slot. */
const char *metrics_field(int i);
/* Where those fields are in t (the last of duplicate keys), -1 for a field t lacks. */
void metrics_find_fields(const struct trow *t, int f[NMFIELD]);
/* metrics_of_row with the fields already found (rows of one shape share them). */
void metrics_of_fields(const struct trow *t, const int f[NMFIELD], const struct gpu_table *g,
                       int output_fallback, double v[NMETRIC], int *no_constants);

/*
 * The GPU of a runner label as the dashboard's series see it: the label's first token split on
 * '-' or '_', lowercased (b200-trt -> b200, mi355x-amd_0 -> mi355x, rtx6000pro-lat ->
 * rtx6000pro); a space splits too, for names as people write them (GB200 NVL72 -> gb200).
 * Writes at most cap-1 bytes; returns 0 when hw is empty.
 */
int analysis_gpu(const char *hw, char *out, size_t cap);

/* The number in a row's field src; NaN when missing, not a number or not finite. */
double analysis_num(const struct trow *t, const char *src);

/* A number as the shortest text that reads back as the same double ("%.17g" at worst). */
void num_format(double v, char *out, size_t cap);

#endif
