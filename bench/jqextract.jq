# bench/jqextract.jq: the imx extract job done with jq, for the benchmark's side-by-side timing.
# Input (see bench/run.sh): a stream where {"__file": PATH} precedes the JSON of each file of the
# cache, every run.json first; --arg model PREFIX. Output: CSV, newest row of each configuration.
def keyfields: ["infmax_model_prefix", "hw", "framework", "precision", "isl", "osl", "tp", "ep",
  "conc", "spec_decoding", "disagg", "dp_attention", "is_multinode", "num_prefill_gpu",
  "num_decode_gpu", "pp", "dcp_size", "pcp_size"];
def configkey: . as $r
  | [keyfields[] as $k | if $r | has($k) then $r[$k] else "-" end]
    + [to_entries[] | select(.key | test("^(prefill|decode)_(tp|ep|dp_attention|num_workers|pp|dcp_size|pcp_size|hw)$"))]
  | tojson;
def seed: ["hw", "framework", "precision", "isl", "osl", "tp", "ep", "conc", "tput_per_gpu",
  "output_tput_per_gpu", "mean_ttft", "p99_ttft", "mean_tpot", "mean_e2el", "median_e2el"];

reduce inputs as $d ({file: null, dates: {}, best: {}};
  if ($d | type) == "object" and ($d | has("__file")) then .file = $d.__file
  else (.file | capture("run_(?<id>[0-9]+)/(?<rest>.*)$")) as $f
    | if $f.rest == "run.json" then .dates[$f.id] = ($d.created_at // "")
      else [(.dates[$f.id] // ""), ($f.id | tonumber)] as $order
        | reduce (($d | if type == "array" then .[] else . end)
                  | select(type == "object" and .infmax_model_prefix == $model)) as $r (.;
            ($r | configkey) as $k
            | if .best[$k] == null or .best[$k].order < $order
              then .best[$k] = {order: $order, row: $r} else . end)
      end
  end)
| (["gpu_model", "framework", "precision", "input_seq_len", "output_seq_len", "tensor_parallel",
    "expert_parallel", "concurrency", "throughput_tokens_per_sec_per_gpu",
    "output_throughput_per_gpu", "mean_time_to_first_token_sec", "p99_time_to_first_token_sec",
    "mean_time_per_output_token_sec", "mean_end_to_end_latency_sec",
    "median_end_to_end_latency_sec", "benchmark_date", "run_id", "configuration"] | @csv),
  (.best | [.[]]
   | sort_by(.row | [.hw, .precision, .isl, .osl, .tp, (del(.conc) | configkey), .conc])[]
   | . as $e | [seed[] as $k | $e.row[$k]] + $e.order + [$e.row | configkey] | @csv)
