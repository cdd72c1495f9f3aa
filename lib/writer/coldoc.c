/* coldoc: the column descriptions. Names come from the same tables the writers use (the seed
 * set, the configuration fields, fields_csv_name for metric families), so a renamed column
 * cannot keep a stale description. */
#include "writer/coldoc.h"
#include "analysis/derived.h"
#include "table/fields.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static void add(struct coldoc_list *l, const char *source, const char *unit, const char *meaning,
                const char *set)
{
    struct buf name = BUF_INIT_MAX(FIELDS_NAME_MAX);
    struct coldoc *d;

    if (*source)
        fields_csv_name(source, &name);
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].name, *source ? name.p : meaning)) {
            buf_release(&name);
            return;
        }
    ALLOC_GROW(l->v, l->n + 1, l->cap);
    d = &l->v[l->n++];
    d->name = *source ? buf_detach(&name, NULL) : NULL;
    d->source = xstrdup(source);
    d->unit = xstrdup(unit);
    d->meaning = xstrdup(meaning);
    d->set = xstrdup(set);
    buf_release(&name);
}

/* A column that is not a row field: its name and its meaning. */
static void add_meta(struct coldoc_list *l, const char *name, const char *unit, const char *meaning,
                     const char *set)
{
    add(l, "", unit, meaning, set);
    l->v[l->n - 1].name = xstrdup(name);
}

/* A row field's description: the field, its unit, what it means. */
struct field_doc {
    const char *src, *unit, *meaning;
};

static const struct field_doc metric_doc[] = {
    {"ttft", "s", "time to first token"},
    {"tpot", "s", "time per output token"},
    {"itl", "s", "inter-token latency"},
    {"e2el", "s", "end-to-end request latency"},
    {"intvty", "tok/s/user", "interactivity: output tokens per second a user sees (1/TPOT)"},
};

static const char *const stat_doc[][2] = {
    {"mean", "mean"},           {"median", "median"},       {"std", "standard deviation"},
    {"p50", "50th percentile"}, {"p75", "75th percentile"}, {"p90", "90th percentile"},
    {"p95", "95th percentile"}, {"p99", "99th percentile"}, {"p99.9", "99.9th percentile"},
};

/* Other fields rows carry (artifacts of later eras, the API's rows): a table has them only when
 * a row does, but a column list may name them before any row is read (--history). */
static const struct field_doc row_doc[] = {
    {"image", "", "container image the benchmark ran in (artifacts write the registry's / as #)"},
    {"kv_p2p_transfer", "", "how the KV cache moves between prefill and decode workers"},
    {"recipe_fingerprint", "", "fingerprint of the benchmark recipe (empty or hex)"},
    {"router.name", "", "request router of a multinode run"},
    {"router.version", "", "version of the request router"},
    {"avg_power_w", "W", "measured average power"},
    {"avg_total_gpu_power_w", "W", "measured average power of all the GPUs"},
    {"total_gpu_energy_j", "J", "measured energy of all the GPUs"},
    {"joules_per_successful_query", "J", "measured energy per successful request"},
    {"joules_per_input_token", "J/token", "measured energy per input token"},
    {"joules_per_output_token", "J/token", "measured energy per output token"},
    {"joules_per_total_token", "J/token", "measured energy per token"},
    {"prefill_avg_power_w", "W", "measured average power of the prefill GPUs"},
    {"prefill_gpu_energy_j", "J", "measured energy of the prefill GPUs"},
    {"prefill_joules_per_input_token", "J/token", "measured prefill energy per input token"},
    {"decode_avg_power_w", "W", "measured average power of the decode GPUs"},
    {"decode_gpu_energy_j", "J", "measured energy of the decode GPUs"},
    {"decode_joules_per_output_token", "J/token", "measured decode energy per output token"},
    {"power_valid", "", "1 when the power measurement is valid, else 0"},
    {"power_metric_schema_version", "", "version of the measured power fields"},
    {"benchmark_type", "", "the InferenceX API's benchmark type (single_turn)"},
    {"offload_mode", "", "the InferenceX API's KV-cache offload mode"},
    {"api_id", "", "the InferenceX API's id of the row"},
    {"run_date", "", "the InferenceX API's date of the row's run"},
    {"run_url", "", "the InferenceX API's link to the row's GitHub run"},
};

static const char *key_meaning(int id)
{
    switch (id) {
    case K_PREFIX:
        return "model prefix of the row (gptoss, dsr1, 70b, ...)";
    case K_HW:
        return "GPU runner label as published (b200-trt, mi355x-amd_0)";
    case K_FRAMEWORK:
        return "serving framework (vllm, sglang, trt, dynamo-trt, atom, ...)";
    case K_PRECISION:
        return "weight precision (fp4, fp8, ...)";
    case K_ISL:
        return "input sequence length";
    case K_OSL:
        return "output sequence length";
    case K_TP:
        return "tensor parallelism";
    case K_EP:
        return "expert parallelism";
    case K_CONC:
        return "concurrent requests";
    case K_DISAGG:
        return "disaggregated prefill and decode (true/false)";
    default:
        return "configuration field (topology of the run)";
    }
}

static const char *key_unit(int id)
{
    return id == K_ISL || id == K_OSL ? "tokens" : id == K_CONC ? "requests" : "";
}

/* The dashboard's derived metrics (lib/analysis/derived.h), in --columns derived and all. */
static void add_derived(struct coldoc_list *l)
{
    for (int m = M_DERIVED_FIRST; m < NMETRIC; m++) {
        const char *name = metric_info[m].name, *unit = "", *what = "";
        const char *part = strstr(name, "_output")  ? "output "
                           : strstr(name, "_input") ? "input "
                                                    : "total ";
        struct buf meaning = BUF_INIT_MAX(BUF_LABEL_MAX);
        if (m == M_TOTAL_GPUS) {
            unit = "GPUs";
            buf_adds(&meaning, "GPUs the configuration uses (tp, or prefill and decode GPUs)");
        } else if (!strncmp(name, "cost_", 5)) {
            unit = "USD/Mtok";
            what = strstr(name, "hyperscaler") ? "owning, hyperscaler"
                   : strstr(name, "neocloud")  ? "owning, neocloud"
                                               : "3-year rental";
            buf_addf(&meaning, "cost per million %stokens (%s; GPU constants of imx gpus)", part,
                     what);
        } else if (!strncmp(name, "tokens_per_sec_per_mw", 21)) {
            unit = "tok/s/MW";
            buf_addf(&meaning, "%stokens per second per all-in megawatt", part);
        } else {
            unit = "J/token";
            buf_addf(&meaning, "all-in joules per %stoken", part);
        }
        add_meta(l, name, unit, meaning.p, "derived");
        buf_release(&meaning);
    }
}

void coldoc_list(struct coldoc_list *l)
{
    memset(l, 0, sizeof(*l));
    /* the seed set, in its order */
    add(l, "hw", "", key_meaning(K_HW), "seed");
    add(l, "framework", "", key_meaning(K_FRAMEWORK), "seed");
    add(l, "precision", "", key_meaning(K_PRECISION), "seed");
    add(l, "isl", "tokens", key_meaning(K_ISL), "seed");
    add(l, "osl", "tokens", key_meaning(K_OSL), "seed");
    add(l, "tp", "", key_meaning(K_TP), "seed");
    add(l, "ep", "", key_meaning(K_EP), "seed");
    add(l, "conc", "requests", key_meaning(K_CONC), "seed");
    add(l, "tput_per_gpu", "tok/s/GPU", "total (input and output) token throughput per GPU",
        "seed");
    add(l, "output_tput_per_gpu", "tok/s/GPU", "output token throughput per GPU", "seed");
    add(l, "mean_ttft", "s", "mean time to first token", "seed");
    add(l, "p99_ttft", "s", "99th percentile time to first token", "seed");
    add(l, "mean_tpot", "s", "mean time per output token", "seed");
    add(l, "mean_e2el", "s", "mean end-to-end request latency", "seed");
    add(l, "median_e2el", "s", "median end-to-end request latency", "seed");
    add_meta(l, "benchmark_date", "UTC time", "the run's created_at (empty without run.json)",
             "seed");
    add_meta(l, "run_id", "", "GitHub Actions run id of the row's run", "seed");
    /* the default set adds the model and the configuration */
    add(l, "infmax_model_prefix", "", key_meaning(K_PREFIX), "default");
    add(l, "model", "", "model id or path as the row gives it", "default");
    for (int i = 0; i < NKEY; i++)
        add(l, key_fields[i].src, key_unit(i), key_meaning(i), "default");
    add_meta(l, "gpu", "", "canonical GPU of the runner label (b200-trt -> b200)", "default");
    add_meta(l, "source", "", "where the run's rows came from: github, gcs or api", "default");
    /* all: run metadata, throughputs, the latency and interactivity families */
    add_meta(l, "run_attempt", "", "the run's attempt (a re-run counts up)", "all");
    add_meta(l, "run_event", "", "the event that started the run (push, schedule, ...)", "all");
    add_meta(l, "run_branch", "", "the run's branch", "all");
    add_meta(l, "source_file", "", "the result file below run_<ID>/ the row came from", "all");
    add_derived(l);
    add(l, "input_tput_per_gpu", "tok/s/GPU", "input token throughput per GPU", "all");
    for (size_t m = 0; m < sizeof(metric_doc) / sizeof(metric_doc[0]); m++) {
        for (size_t s = 0; s < sizeof(stat_doc) / sizeof(stat_doc[0]); s++) {
            struct buf src = BUF_INIT_MAX(BUF_NAME_MAX), meaning = BUF_INIT_MAX(BUF_LABEL_MAX);
            buf_addf(&src, "%s_%s", stat_doc[s][0], metric_doc[m].src);
            if (!strcmp(metric_doc[m].src, "intvty") && !strcmp(stat_doc[s][0], "std"))
                buf_adds(&meaning, "1/std(TPOT), not a standard deviation of interactivity");
            else
                buf_addf(&meaning, "%s %s", stat_doc[s][1], metric_doc[m].meaning);
            add(l, src.p,
                !strcmp(metric_doc[m].src, "intvty") && !strcmp(stat_doc[s][0], "std")
                    ? "1/s"
                    : metric_doc[m].unit,
                meaning.p, "all");
            buf_release(&src);
            buf_release(&meaning);
        }
    }
    for (size_t i = 0; i < sizeof(row_doc) / sizeof(row_doc[0]); i++)
        add(l, row_doc[i].src, row_doc[i].unit, row_doc[i].meaning, "all");
}

void coldoc_list_release(struct coldoc_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].source);
        free(l->v[i].unit);
        free(l->v[i].meaning);
        free(l->v[i].set);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}
