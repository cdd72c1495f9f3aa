#!/usr/bin/env bash
# "No rows" is said in one wording by every command that reads rows (pareto, at, trend, plot,
# report, extract and its --history and SQLite outputs): exit 5, the model's rows absent (the
# models there listed) or the row filters leaving none (named, with the rows before them).
. "$(dirname "$0")/../lib.sh"
W=$(t_tmp)
FIX="$TESTS_DIR/cases/0350-filters-gpu-seq/cache"

# every command, --seq 1k1k for plot's one pair; outputs into the test's folder
each() {
    local label=$1
    shift
    for cmd in "pareto" "at --interactivity 50" "trend --interactivity 50" \
        "plot -o $W/p.svg" "report -o $W/r.html" "extract -o $W/x.csv" \
        "extract --history -o $W/h.csv" "extract -o $W/x.sqlite"; do
        # shellcheck disable=SC2086 # the command's words
        imx $cmd --offline --cache "$FIX" --seq 1k1k "$@" -q >/dev/null 2>"$W/err"
        echo "$? $(sed 's/ ([0-9]* rows before the filters)$//' "$W/err") # $label: $cmd"
    done
}

one_wording() {
    local models="models there: 70b (2 rows), dsr1 (1 rows), gptoss (10 rows)"
    each model --model nosuch >"$W/got" || return 1
    each filters --model gptoss --gpu nosuch >>"$W/got" || return 1
    # the command says itself after '#': the status and the message are the same for all
    sed 's/ #.*//' "$W/got" | sort | uniq -c | sed 's/^ *//' >"$W/kinds"
    printf '%s\n' "8 5 imx: error: no rows of model 'gptoss' match --gpu nosuch --seq 1k1k" \
        "8 5 imx: error: no rows of model 'nosuch' in the cache; $models" >"$W/want"
    assert_file_eq "$W/kinds" "$W/want" || { cat "$W/got" >&2; return 1; }
}

t_run "no rows: one status and wording for every command" one_wording
