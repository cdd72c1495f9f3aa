#!/usr/bin/env bash
# Real-data cases: the shared cache of 35 real runs (skipped, saying so, where it is absent).
. "$(dirname "$0")/../lib.sh"

if [ ! -d "$SHARED_RAW" ]; then
    for t in gptoss_270 dsr1_302 seed_columns order_total old_key_collapses; do
        t_skip "real/$t" "the shared real cache $SHARED_RAW is absent"
    done
    exit 0
fi
W=$(t_tmp)

gptoss_270() {
    imx extract --offline --cache "$SHARED_RAW" --model gptoss -o "$W/g.csv" --quiet || return 1
    python3 "$TESTS_DIR/real/oracle.py" "$SHARED_RAW" gptoss "$W/g.csv" 270
}

dsr1_302() {
    imx extract --offline --cache "$SHARED_RAW" --model dsr1 -o "$W/d.csv" --quiet || return 1
    python3 "$TESTS_DIR/real/oracle.py" "$SHARED_RAW" dsr1 "$W/d.csv" 302
}

# the old extractor's default model and path, and its 17 columns in its order
seed_columns() {
    (cd "$W" && imx extract --offline --cache "$SHARED_RAW" --columns seed --quiet) || return 1
    local f="$W/by_model/openai_GPT-OSS-120B/inferencemax.csv"
    assert_eq "$(head -1 "$f")" "gpu_model,framework,precision,input_seq_len,output_seq_len,tensor_parallel,expert_parallel,concurrency,throughput_tokens_per_sec_per_gpu,output_throughput_per_gpu,mean_time_to_first_token_sec,p99_time_to_first_token_sec,mean_time_per_output_token_sec,mean_end_to_end_latency_sec,median_end_to_end_latency_sec,benchmark_date,run_id" || return 1
    assert_eq "$(wc -l <"$f")" 271 || return 1
    # no 1.0 for integers, no reformatted floats
    ! grep -qE '(^|,)[0-9]+\.0(,|$)' "$f" || fail "an integer printed as N.0"
}

# the same bytes whatever the order runs are read in (one thread vs many, runs named in any order)
order_total() {
    local ids
    ids=$(cd "$SHARED_RAW" && ls -d run_* | sed 's/run_//' | sort -r | tr '\n' ' ')
    imx extract --offline --cache "$SHARED_RAW" --model all -o "$W/a1.csv" --quiet || return 1
    # shellcheck disable=SC2086
    imx extract --offline --cache "$SHARED_RAW" --model all -o "$W/a2.csv" --quiet $ids || return 1
    cmp "$W/a1.csv" "$W/a2.csv" || return 1
    assert_eq "$(($(wc -l <"$W/a1.csv") - 1))" 572
}

# the old script's 11-field key would collapse 9 gb200 configurations: imx keeps them apart
old_key_collapses() {
    imx extract --offline --cache "$SHARED_RAW" --model gptoss --columns all -o "$W/all.csv" --quiet || return 1
    python3 - "$W/all.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
old = {(r["gpu_model"], r["framework"], r["precision"], r["input_seq_len"], r["output_seq_len"],
        r["tensor_parallel"], r["expert_parallel"], r["concurrency"], r["spec_decoding"], r["disagg"],
        r["dp_attention"]) for r in rows}
gb = [r for r in rows if r["gpu_model"] == "gb200"]
assert len(rows) == 270, len(rows)
assert len(old) == 261, len(old)
assert len(gb) == 34, len(gb)
assert "p99_end_to_end_latency_sec" in rows[0] and "source_file" in rows[0]
PY
}

t_run real/gptoss_270 gptoss_270
t_run real/dsr1_302 dsr1_302
t_run real/seed_columns seed_columns
t_run real/order_total order_total
t_run real/old_key_collapses_9 old_key_collapses
