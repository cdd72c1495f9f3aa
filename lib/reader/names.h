/* names: facts recovered from names rather than row fields: isl/osl and the model prefix
 * from artifact and file names (rows before late 2025 lack them), and the canonical GPU of a runner
 * label. */
#ifndef IMX_NAMES_H
#define IMX_NAMES_H

#include "util/buf.h"

#include <stddef.h>

/*
 * Finds the sequence-length token of an experiment name: `_1k8k_` style
 * (thousands of 1024 tokens) or `_<isl>_<osl>_` style, delimited by '_', '-',
 * '.', '/' or the ends. Returns 1 and sets isl/osl (in tokens), else 0.
 * If pos is not NULL it receives the offset of the token's leading delimiter.
 */
int names_seq_lens(const char *name, long *isl, long *osl, size_t *pos);

/*
 * The model prefix of an experiment or artifact name such as
 * `bmk_gptoss_1k1k_fp4_...`, `results_dsr1_8k1k`, `agg_qwen3.5_1k1k.json`:
 * the part before the sequence token, without bmk_/results_/agg_. Returns 1
 * and appends it to out, or 0 when the name has no sequence token.
 */
int names_model_prefix(const char *name, struct buf *out);

/*
 * Canonical GPU of a runner label (`b200-trt` -> `b200`, `mi355x-amd_0` ->
 * `mi355x`): lowercase, strip `_<n>`, strip one known suffix, then accept only
 * known GPUs. Returns 1 and writes into out (cap >= 16), or 0 when unknown.
 */
int names_gpu(const char *hw, char *out, size_t cap);

/* The model prefix of a model id or path, from a built-in alias table; NULL if unknown. */
const char *names_prefix_of_model(const char *model);

#endif
