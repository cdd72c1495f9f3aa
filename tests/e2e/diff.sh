#!/usr/bin/env bash
# imx diff on two runs of the shared real cache (else of a cache gencache writes in the real
# layout and row shapes), checked against an independent computation from the runs' JSON
# (tests/tools/diff_check.py); JSON Lines carries the CSV's values.
. "$(dirname "$0")/../lib.sh"
W=$(t_tmp)
CHECK="$TESTS_DIR/tools/diff_check.py"

SRC=$SRC
if [ ! -d "$SRC" ]; then
    SRC="$W/src"
    "$BUILD/tools/gencache" "$SRC" --runs 12 --seed 11 >/dev/null 2>&1 || exit 1
fi
read -r OLD NEW < <(python3 "$CHECK" pick "$SRC")

two_runs() {
    [ -n "$OLD" ] && [ -n "$NEW" ] || fail "no pair of runs picked" || return 1
    imx diff --cache "$SRC" "$OLD" "$NEW" --threshold 50 -o "$W/d.csv" 2>"$W/err" ||
        return 1
    python3 "$CHECK" check "$SRC/run_$OLD" "$SRC/run_$NEW" "$W/d.csv" >&2 || return 1
    # the summary: largest first
    grep -E '^  [+-][0-9.]+%' "$W/err" | sed -E 's/^  [+-]([0-9.]+)%.*/\1/' >"$W/pcts"
    [ -s "$W/pcts" ] || fail "no change beyond 50% listed" || return 1
    sort -rn "$W/pcts" | cmp -s - "$W/pcts" || fail "summary not largest first"
}

jsonl_same() {
    imx diff --cache "$SRC" "$OLD" "$NEW" -o "$W/d.jsonl" -q || return 1
    python3 "$TESTS_DIR/tools/history_check.py" same "$W/d.csv" "$W/d.jsonl" >&2
}

t_run diff/two_runs_checked two_runs
t_run diff/jsonl_same_values jsonl_same
