#!/usr/bin/env bash
# Data-driven end-to-end cases: each tests/cases/NNNN-name/ holds `args` (imx's arguments, run
# in a copy of the case folder), fixtures, and expectations: `expected.csv` (compared with
# out.csv byte for byte), `exit` (default 0) and `stderr` (lines that must appear).
# `bash tests/e2e/cases.sh --bless` rewrites expected.csv from the current output (review it!).
. "$(dirname "$0")/../lib.sh"

bless=0
[ "${1:-}" = --bless ] && bless=1
W=$(t_tmp)
cp -r "$TESTS_DIR/cases" "$W/cases"

run_case() {
    local dir=$1 name want rc line
    name=$(basename "$dir")
    want=$(cat "$dir/exit" 2>/dev/null || echo 0)
    # shellcheck disable=SC2046
    (cd "$W/cases/$name" && imx $(cat args) >stdout 2>stderr)
    rc=$?
    if [ "$rc" != "$want" ]; then
        cat "$W/cases/$name/stderr" >&2
        fail "exit status $rc, expected $want"
        return 1
    fi
    if [ -f "$dir/stderr" ]; then
        while IFS= read -r line; do
            assert_contains "$W/cases/$name/stderr" "$line" || return 1
        done <"$dir/stderr"
    fi
    if [ $bless = 1 ] && [ -f "$W/cases/$name/out.csv" ]; then
        cp "$W/cases/$name/out.csv" "$dir/expected.csv"
    fi
    if [ -f "$dir/expected.csv" ]; then
        assert_file_eq "$W/cases/$name/out.csv" "$dir/expected.csv" || return 1
    elif [ "$want" = 0 ] || [ "$want" = 1 ]; then
        fail "no expected.csv (run with --bless once and review it)"
        return 1
    elif [ -e "$W/cases/$name/out.csv" ]; then
        fail "a failed run wrote out.csv"
        return 1
    fi
}

for d in "$TESTS_DIR"/cases/*/; do
    d=${d%/}
    t_run "case/$(basename "$d")" run_case "$d"
done
