#!/usr/bin/env bash
# imx diff on two real runs of the shared cache, checked against an independent computation
# from the runs' JSON (tests/tools/diff_check.py); JSON Lines carries the CSV's values.
. "$(dirname "$0")/../lib.sh"
W=$(t_tmp)
CHECK="$TESTS_DIR/tools/diff_check.py"

if [ ! -d "$SHARED_RAW" ]; then
    t_skip diff/real_runs "the shared real cache $SHARED_RAW is absent"
    t_skip diff/real_jsonl "the shared real cache is absent"
    exit 0
fi

read -r OLD NEW < <(python3 "$CHECK" pick "$SHARED_RAW")

real_runs() {
    [ -n "$OLD" ] && [ -n "$NEW" ] || fail "no pair of runs picked" || return 1
    imx diff --cache "$SHARED_RAW" "$OLD" "$NEW" --threshold 50 -o "$W/d.csv" 2>"$W/err" ||
        return 1
    python3 "$CHECK" check "$SHARED_RAW/run_$OLD" "$SHARED_RAW/run_$NEW" "$W/d.csv" >&2 || return 1
    # the summary: largest first
    grep -E '^  [+-][0-9.]+%' "$W/err" | sed -E 's/^  [+-]([0-9.]+)%.*/\1/' >"$W/pcts"
    [ -s "$W/pcts" ] || fail "no change beyond 50% listed" || return 1
    sort -rn "$W/pcts" | cmp -s - "$W/pcts" || fail "summary not largest first"
}

real_jsonl() {
    imx diff --cache "$SHARED_RAW" "$OLD" "$NEW" -o "$W/d.jsonl" -q || return 1
    python3 "$TESTS_DIR/tools/history_check.py" same "$W/d.csv" "$W/d.jsonl" >&2
}

t_run diff/real_runs real_runs
t_run diff/real_jsonl real_jsonl
