/* apirows: the rows of the InferenceX public API (/api/v1/benchmarks) under the field names
 * of agg_bmk.json rows, so that the table treats both sources alike (notes 2.1 and 2.4). */
#ifndef IMX_APIROWS_H
#define IMX_APIROWS_H

#include "reader/reader.h"
#include "reader/row.h"
#include "util/err.h"

#include <stddef.h>

/*
 * What a mapped row holds (in this order; a field the API row lacks is absent):
 *   hw                   the API's `hardware`: the canonical GPU (b200), never a runner label
 *                        (b200-trt), which the API does not know
 *   conc, image
 *   model                the model's usual id (openai/gpt-oss-120b) for the keys whose
 *                        artifacts use one id; absent otherwise
 *   infmax_model_prefix  the artifact prefix of the API's model key (gptoss120b -> gptoss)
 *   framework, precision, spec_decoding (= spec_method), disagg, isl, osl, is_multinode
 *   tp, ep, dp_attention single-node rows (neither disagg nor multinode): from prefill_*.
 *                        Their num_prefill_gpu/num_decode_gpu are the app's tp*ep, not GPU
 *                        counts, so they are dropped, as a single-node agg_bmk row has none.
 *   prefill_*, decode_*, num_prefill_gpu, num_decode_gpu   multinode or disagg rows, as given
 *   every metrics.* key under its own name (p99.9_ttft, tput_per_gpu, ...), strings included
 *   benchmark_type, offload_mode, recipe_fingerprint (when not null), api_id (the API's `id`),
 *   other unknown top-level scalars under their own names
 *   run_date             the API's `date`: the UTC date of the run's created_at
 *   run_url, run_id, run_attempt   run_id and run_attempt parsed from run_url (absent when
 *                        run_url is null or has no /runs/<id>)
 * dp_attention-like fields are written as the strings "true"/"false", as agg_bmk.json does;
 * disagg and is_multinode as booleans; numbers that arrive as strings become numbers.
 */

struct apirow_stats {
    unsigned long rows;     /* rows mapped */
    unsigned long agentic;  /* skipped: agentic (isl/osl null, or benchmark_type not single_turn) */
    unsigned long unusable; /* skipped: no hardware or conc */
};

/* Maps in onto out (cleared first): 1 when out holds a row, 0 when the row is skipped (st
 * counts why), -1 when out would exceed ROW_TEXT_MAX. */
int apirow_map(const struct row *in, struct row *out, struct apirow_stats *st);

/* Reads a /benchmarks response (a JSON array) and calls o->fn with each mapped row. */
IMX_MUST_CHECK int apirows_read_file(const char *path, const struct reader_opts *o,
                                     struct apirow_stats *st, struct imx_err *err);
IMX_MUST_CHECK int apirows_read_mem(const char *data, size_t len, const struct reader_opts *o,
                                    struct apirow_stats *st, struct imx_err *err);

/* Parses ".../runs/<id>[/attempts/<n>]": 0 and the id (digits, NUL-terminated) and attempt
 * (0 when absent), or -1 when url holds no run id. */
int apirow_parse_run_url(const char *url, char *id, size_t idsize, long *attempt);

/* The artifact prefix (gptoss) of an API model key (gptoss120b); the key itself when the two
 * agree or the key is unknown. */
const char *apirow_prefix_of_key(const char *key);

#endif
