#!/usr/bin/env bash
# --history and the formats: every run's rows equal each run's own extraction, concatenated;
# JSON Lines and CSV carry the same values; a column only a later run has is not lost; the
# filters apply to the history too. On a fixture cache and on the shared real cache.
. "$(dirname "$0")/../lib.sh"
W=$(t_tmp)
FIX="$TESTS_DIR/cases/0350-filters-gpu-seq/cache"
CHECK="$TESTS_DIR/tools/history_check.py"

# the history of CACHE (model all) against each run's own extraction, run by run, oldest first
history_is_concat() {
    local cache=$1 out=$2 ids id parts=()
    imx extract --offline --cache "$cache" --model all --history -o "$out/h.csv" --quiet || return 1
    # the runs in the history's order, as the history itself says (first appearance of run_id)
    ids=$(python3 -c 'import csv,sys
seen=[]
for r in csv.DictReader(open(sys.argv[1])):
    if r["run_id"] not in seen: seen.append(r["run_id"])
print(" ".join(seen))' "$out/h.csv")
    [ -n "$ids" ] || fail "empty history" || return 1
    for id in $ids; do
        imx extract --offline --cache "$cache" --model all -o "$out/r_$id.csv" --quiet "$id" ||
            return 1
        parts+=("$out/r_$id.csv")
    done
    python3 "$CHECK" concat "$out/h.csv" "${parts[@]}" >&2
}

fixture_concat() {
    mkdir -p "$W/fx" && history_is_concat "$FIX" "$W/fx" || return 1
    # 13 rows: 3 + 6 + 4, the b200-trt configuration once per run that measured it
    assert_eq "$(($(wc -l <"$W/fx/h.csv") - 1))" 13 || return 1
    assert_eq "$(grep -c '^b200-trt,trt,fp4,1024,1024,8,1,64,' "$W/fx/h.csv")" 3
}

# a run measuring one configuration twice keeps its first row only; runs stay apart
dedup_within_run_only() {
    local c="$W/dup"
    mkdir -p "$c/run_1" "$c/run_2"
    printf '[{"hw":"h100","infmax_model_prefix":"gptoss","framework":"vllm","precision":"fp4","isl":1024,"osl":1024,"tp":8,"conc":4,"tput_per_gpu":1},\n {"hw":"h100","infmax_model_prefix":"gptoss","framework":"vllm","precision":"fp4","isl":1024,"osl":1024,"tp":8,"conc":4,"tput_per_gpu":2}]\n' >"$c/run_1/agg_bmk.json"
    printf '[{"hw":"h100","infmax_model_prefix":"gptoss","framework":"vllm","precision":"fp4","isl":1024,"osl":1024,"tp":8,"conc":4,"tput_per_gpu":3}]\n' >"$c/run_2/agg_bmk.json"
    imx extract --offline --cache "$c" --model gptoss --history --columns run_id,tput_per_gpu \
        -o "$W/dup.csv" --quiet || return 1
    assert_eq "$(tr '\n' ' ' <"$W/dup.csv")" "run_id,throughput_tokens_per_sec_per_gpu 1,1 2,3 "
}

# a topology field only the newest run has becomes a column of the whole history (second pass)
late_column_kept() {
    local c="$W/late"
    cp -r "$FIX" "$c"
    sed -i 's/"num_decode_gpu": 8}/"num_decode_gpu": 8, "decode_new_knob": "x7"}/' \
        "$c/run_1100/agg_bmk.json"
    imx extract --offline --cache "$c" --model all --history -o "$W/late.csv" --quiet || return 1
    head -1 "$W/late.csv" | grep -q decode_new_knob || fail "no decode_new_knob column" || return 1
    grep -q ',x7,' "$W/late.csv" || fail "the value x7 is lost" || return 1
    # and the same through standard output (written through a temporary file)
    imx extract --offline --cache "$c" --model all --history -o - --quiet >"$W/late2.csv" ||
        return 1
    cmp "$W/late.csv" "$W/late2.csv"
}

jsonl_matches_csv() {
    local cache=$1 set
    for set in default all; do
        imx extract --offline --cache "$cache" --model all --history --columns $set \
            -o "$W/s.csv" --quiet || return 1
        imx extract --offline --cache "$cache" --model all --history --columns $set \
            -o "$W/s.jsonl" --quiet || return 1
        python3 "$CHECK" same "$W/s.csv" "$W/s.jsonl" >&2 || return 1
        # the merged table too, --format over the extension
        imx extract --offline --cache "$cache" --model all --columns $set -o "$W/m.csv" --quiet ||
            return 1
        imx extract --offline --cache "$cache" --model all --columns $set --format jsonl \
            -o "$W/m.txt" --quiet || return 1
        python3 "$CHECK" same "$W/m.csv" "$W/m.txt" >&2 || return 1
    done
}

history_filtered() {
    imx extract --offline --cache "$FIX" --model gptoss --history --gpu b200 --seq 1k1k \
        --columns run_id,gpu_model,concurrency -o "$W/f.csv" --quiet || return 1
    assert_eq "$(tr '\n' ' ' <"$W/f.csv")" \
        "run_id,gpu_model,concurrency 1000,b200-trt,64 1100,b200-trt,4 1100,b200-trt,64 1200,b200-trt,64 "
}

t_run history/fixture_concat fixture_concat
t_run history/dedup_within_run_only dedup_within_run_only
t_run history/late_column_kept late_column_kept
t_run history/jsonl_matches_csv jsonl_matches_csv "$FIX"
t_run history/filtered history_filtered
if [ -d "$SHARED_RAW" ]; then
    mkdir -p "$W/real"
    t_run history/real_concat history_is_concat "$SHARED_RAW" "$W/real"
    t_run history/real_jsonl_matches_csv jsonl_matches_csv "$SHARED_RAW"
else
    t_skip history/real_concat "the shared real cache $SHARED_RAW is absent"
    t_skip history/real_jsonl_matches_csv "the shared real cache is absent"
fi
