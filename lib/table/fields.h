/* fields: the dictionary of row fields imx knows: the configuration key (what sets a
 * benchmark up, in sort order), and the standardized CSV names of known fields. */
#ifndef IMX_FIELDS_H
#define IMX_FIELDS_H

#include "reader/row.h"
#include "util/buf.h"

/* Configuration fields, in key and sort order (id, source name, CSV name, expected type). */
#define IMX_KEY_FIELDS(X)                                                                          \
    X(K_PREFIX, "infmax_model_prefix", "model_prefix", 's')                                        \
    X(K_HW, "hw", "gpu_model", 's')                                                                \
    X(K_FRAMEWORK, "framework", "framework", 's')                                                  \
    X(K_PRECISION, "precision", "precision", 's')                                                  \
    X(K_ISL, "isl", "input_seq_len", 'n')                                                          \
    X(K_OSL, "osl", "output_seq_len", 'n')                                                         \
    X(K_TP, "tp", "tensor_parallel", 'n')                                                          \
    X(K_EP, "ep", "expert_parallel", 'n')                                                          \
    X(K_CONC, "conc", "concurrency", 'n')                                                          \
    X(K_SPEC, "spec_decoding", "spec_decoding", 's')                                               \
    X(K_MTP, "mtp", "mtp", 's')                                                                    \
    X(K_DISAGG, "disagg", "disagg", 'b')                                                           \
    X(K_DPA, "dp_attention", "dp_attention", 'b')                                                  \
    X(K_MULTINODE, "is_multinode", "is_multinode", 'b')                                            \
    X(K_P_TP, "prefill_tp", "prefill_tp", 'n')                                                     \
    X(K_P_EP, "prefill_ep", "prefill_ep", 'n')                                                     \
    X(K_P_DPA, "prefill_dp_attention", "prefill_dp_attention", 'b')                                \
    X(K_P_NW, "prefill_num_workers", "prefill_num_workers", 'n')                                   \
    X(K_D_TP, "decode_tp", "decode_tp", 'n')                                                       \
    X(K_D_EP, "decode_ep", "decode_ep", 'n')                                                       \
    X(K_D_DPA, "decode_dp_attention", "decode_dp_attention", 'b')                                  \
    X(K_D_NW, "decode_num_workers", "decode_num_workers", 'n')                                     \
    X(K_N_PGPU, "num_prefill_gpu", "num_prefill_gpu", 'n')                                         \
    X(K_N_DGPU, "num_decode_gpu", "num_decode_gpu", 'n')                                           \
    X(K_PP, "pp", "pp", 'n')                                                                       \
    X(K_DCP, "dcp_size", "dcp_size", 'n')                                                          \
    X(K_PCP, "pcp_size", "pcp_size", 'n')                                                          \
    X(K_P_PP, "prefill_pp", "prefill_pp", 'n')                                                     \
    X(K_P_DCP, "prefill_dcp_size", "prefill_dcp_size", 'n')                                        \
    X(K_P_PCP, "prefill_pcp_size", "prefill_pcp_size", 'n')                                        \
    X(K_D_PP, "decode_pp", "decode_pp", 'n')                                                       \
    X(K_D_DCP, "decode_dcp_size", "decode_dcp_size", 'n')                                          \
    X(K_D_PCP, "decode_pcp_size", "decode_pcp_size", 'n')                                          \
    X(K_P_HW, "prefill_hw", "prefill_hw", 's')                                                     \
    X(K_D_HW, "decode_hw", "decode_hw", 's')

/* Other fields the pipeline looks at for every row, found by the same hashed lookup. */
#define IMX_AUX_FIELDS(X)                                                                          \
    X(A_MODEL, "model")                                                                            \
    X(A_SCENARIO, "scenario_type")

enum key_field {
#define X(id, src, csv, type) id,
    IMX_KEY_FIELDS(X)
#undef X
        NKEY,
    A_BEFORE_ = NKEY - 1,
#define X(id, src) id,
    IMX_AUX_FIELDS(X)
#undef X
        NFIELDS
};

struct key_field_info {
    const char *src;
    const char *csv;
    char type; /* 's' string, 'n' number, 'b' boolean (or "true"/"false") */
};
extern const struct key_field_info key_fields[NKEY];

/* The id of a source name: a key field (< NKEY), an auxiliary field (< NFIELDS), or -1. */
int fields_key_id(const char *src, size_t len);

/*
 * Is this unknown field part of the configuration? Later eras add topology
 * fields under prefill_/decode_; their energy, power and throughput fields are
 * measurements, not setup.
 */
int fields_is_extra_config(const char *src);

/*
 * The standardized CSV name of a source field: the configuration names above,
 * throughputs, and the latency families ({mean,median,std,p90,p99,p99.9}_
 * {ttft,tpot,itl,e2el,intvty} -> e.g. p99_9_time_to_first_token_sec); unknown
 * fields keep their source name. Appends to out.
 */
void fields_csv_name(const char *src, struct buf *out);
/* The cap of a buffer holding a column name: no real field name passes a hundred characters;
 * this bounds what a hostile one costs. */
#define FIELDS_NAME_MAX 4096
/* Rank of a field among the known metric families, for --columns all ordering. */
int fields_family_rank(const char *src);

#endif
