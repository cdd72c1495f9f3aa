#!/usr/bin/env bash
# Models: --model all writes one file per model under its canonical folder; every spelling of a
# model (prefix, Hugging Face id, display name, InferenceX API key) gives the same folder and
# rows; imx models lists each model with its rows, runs, dates and spellings.
. "$(dirname "$0")/../lib.sh"
W=$(t_tmp)
FIX="$TESTS_DIR/cases/0350-filters-gpu-seq/cache"

one_file_per_model() {
    (cd "$W" && imx extract --offline --cache "$FIX" --model all 2>"$W/e") || return 1
    for d in openai_GPT-OSS-120B deepseek-ai_DeepSeek-R1-0528 meta-llama_Llama-3.3-70B-Instruct; do
        [ -s "$W/by_model/$d/inferencemax.csv" ] || fail "no by_model/$d/inferencemax.csv" ||
            return 1
    done
    assert_eq "$(ls "$W/by_model" | wc -l)" 3 || return 1
    # each file holds its model's rows only, as --model M writes them
    imx extract --offline --cache "$FIX" --model dsr1 -o "$W/d.csv" -q || return 1
    cmp "$W/d.csv" "$W/by_model/deepseek-ai_DeepSeek-R1-0528/inferencemax.csv" || return 1
    assert_contains "$W/e" "Wrote 2 rows of 70b to by_model/meta-llama_Llama-3.3-70B-Instruct/inferencemax.csv"
}

# -o names one file: every model in it, with the model columns even in the seed set
one_named_file() {
    imx extract --offline --cache "$FIX" --model all --columns seed -o "$W/all.csv" -q || return 1
    head -1 "$W/all.csv" | grep -q ',run_id,model_prefix,model$' || fail "no model columns" ||
        return 1
    assert_eq "$(cut -d, -f18 "$W/all.csv" | sort -u | tr '\n' ' ')" "70b dsr1 gptoss model_prefix "
}

same_folder_every_spelling() {
    local m out
    for m in 70b llama70b meta-llama/Llama-3.3-70B-Instruct meta-llama_Llama-3.3-70B-Instruct \
        Llama-3.3-70B-Instruct-FP8 LLAMA70B; do
        rm -rf "$W/s" && mkdir -p "$W/s"
        (cd "$W/s" && imx extract --offline --cache "$FIX" --model "$m" -q) ||
            fail "--model $m refused" || return 1
        out="$W/s/by_model/meta-llama_Llama-3.3-70B-Instruct/inferencemax.csv"
        [ -s "$out" ] || fail "--model $m: not in the canonical folder: $(ls "$W/s/by_model")" ||
            return 1
        assert_eq "$(($(wc -l <"$out") - 1))" 2 "--model $m" || return 1
    done
}

models_listing() {
    imx models --cache "$FIX" >"$W/m.txt" 2>"$W/m.err" || return 1
    assert_contains "$W/m.err" "3 models in 3 runs" || return 1
    grep -E '^meta-llama_Llama-3.3-70B-Instruct +70b +2 +1 +2025-10-01 2025-10-01 ' "$W/m.txt" >/dev/null ||
        fail "70b line: $(grep 70b "$W/m.txt")" || return 1
    grep -q 'llama70b' "$W/m.txt" || fail "the API key is not among the spellings" || return 1
    grep -E '^openai_GPT-OSS-120B +gptoss +10 +3 +2025-10-01 2026-01-20 ' "$W/m.txt" >/dev/null ||
        fail "gptoss line: $(grep gptoss "$W/m.txt")" || return 1
    # the row filters apply: runs holding mi355x rows
    imx models --cache "$FIX" --gpu mi355x >"$W/m2.txt" 2>/dev/null || return 1
    assert_eq "$(tail -n +2 "$W/m2.txt" | awk '{print $2, $3, $4}' | tr '\n' ' ')" "dsr1 1 1 gptoss 2 2 "
}

# every folder `imx models` shows is a spelling --model accepts, selecting the rows that
# --model all writes under it: unknown prefixes, prefixes with '/', '_', control characters,
# a leading dot, names too long for one path component, and rows without a prefix (unknown)
folder_is_a_spelling() {
    local case dir n=0
    for case in 0601-model-all-hostile-names 0607-models-unknown-prefix 0350-filters-gpu-seq; do
        rm -rf "$W/f" && mkdir -p "$W/f"
        (cd "$W/f" && imx extract --offline --cache "$TESTS_DIR/cases/$case/cache" --model all \
            -q) || return 1
        imx models --cache "$TESTS_DIR/cases/$case/cache" -q >"$W/f/models" || return 1
        for dir in $(tail -n +2 "$W/f/models" | awk '{print $1}' | sort -u); do
            n=$((n + 1))
            imx extract --offline --cache "$TESTS_DIR/cases/$case/cache" --model "$dir" \
                -o "$W/f/one.csv" -q 2>"$W/f/err" || fail "$case: --model $dir refused: $(cat "$W/f/err")" ||
                return 1
            cmp -s "$W/f/one.csv" "$W/f/by_model/$dir/inferencemax.csv" ||
                fail "$case: --model $dir is not the rows of by_model/$dir" || return 1
        done
    done
    [ "$n" -ge 10 ] || fail "only $n folders tried"
}

t_run models/one_file_per_model one_file_per_model
t_run models/one_named_file one_named_file
t_run models/same_folder_every_spelling same_folder_every_spelling
t_run models/listing models_listing

# imx runs: the GPUs and models each cached run measured; the row filters and --model keep the
# runs holding such rows (newest first); --format csv|json for scripts
runs_measured() {
    imx runs --offline --cache "$FIX" --gpu mi355x --model dsr1 >"$W/r.txt" 2>/dev/null || return 1
    assert_eq "$(tail -n +2 "$W/r.txt" | awk '{print $1}' | tr '\n' ' ')" "1200 " || return 1
    imx runs --offline --cache "$FIX" --gpu b200 --format csv -q >"$W/r.csv" || return 1
    python3 - "$W/r.csv" <<'PY' || return 1
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["run"] for r in rows] == ["1200", "1100", "1000"], rows
assert rows[1]["gpus"] == "b200" and rows[1]["models"] == "gptoss", rows[1]
assert rows[2]["models"] == "gptoss" and rows[0]["expired"] == "", rows
PY
    imx runs --offline --cache "$FIX" --format json -q >"$W/r.json" || return 1
    python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); assert [r["run"] for r in v]==["1200","1100","1000"]; assert set(v[2]["models"].split(","))=={"gptoss","70b"}, v[2]' "$W/r.json"
}
t_run models/runs_measured runs_measured
t_run models/folder_is_a_spelling folder_is_a_spelling
