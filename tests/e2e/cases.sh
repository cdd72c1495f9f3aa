#!/usr/bin/env bash
# Data-driven end-to-end cases: each tests/cases/NNNN-name/ holds `args` (imx's arguments, run
# in a copy of the case folder), fixtures, and expectations: `expected.csv` (compared with
# out.csv byte for byte), `exit` (default 0), `stderr` (lines that must appear) and `check` (a
# Python script run in the case's folder after imx, for outputs that are not tables), and
# `setup` (a Python script run in the case's folder before imx, for fixtures git holds badly:
# file names with control characters or invalid UTF-8).
# A sync case also holds what the fake servers serve: `github/` (runs in the cache layout, served
# by tests/fake/fakegh.py, with `github.faults` its fault list), `gcs/` (runs the fake backup
# bucket holds), `token` (a token is in the environment), and may expect `requests` (lines
# "COUNT TEXT": COUNT logged requests of the fakes whose path contains TEXT) and `cache.txt`
# (the files of the cache after the run, but imx's own state and the manifests).
# `bash tests/e2e/cases.sh --bless` rewrites expected.csv and cache.txt from the current output
# (review them!).
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/fake/gcs.sh"

bless=0
[ "${1:-}" = --bless ] && bless=1
W=$(t_tmp)
cp -r "$TESTS_DIR/cases" "$W/cases"
TOKEN="ghp_case$RANDOM$RANDOM"
# no case ever reaches a real server: what a case does not serve is unreachable
NOWHERE=http://127.0.0.1:9

# The servers of a sync case, started here and not inside t_run (its $(...) would wait for
# them); CASE_ENV: the environment the case runs in.
serve_case() {
    local dir=$1 w=$W/srv/$(basename "$1")
    CASE_ENV=("GITHUB_API_URL=$NOWHERE" "IMX_GCS_URL=$NOWHERE" "IMX_INFERENCEX_URL=$NOWHERE"
        "IMX_RETRY_DELAY_MS=10")
    CASE_LOGS=()
    mkdir -p "$w"
    if [ -d "$dir/github" ]; then
        mkfixture "$w/fx" --from-cache "$dir/github" --no-extras --token "$TOKEN" >/dev/null ||
            return 1
        if [ -f "$dir/github.faults" ]; then
            fake_start "$w" "$w/fx/fixture.json" --faults "$dir/github.faults" || return 1
        else
            fake_start "$w" "$w/fx/fixture.json" || return 1
        fi
        CASE_ENV+=("GITHUB_API_URL=$FAKE_API")
        CASE_LOGS+=("$FAKE_LOG")
    fi
    if [ -d "$dir/gcs" ]; then
        if [ -d "$dir/github" ]; then
            mkgcsfixture "$w/g/data" --real "$dir/gcs" --ids-from "$w/fx/fixture.json" \
                >/dev/null || return 1
        else
            mkgcsfixture "$w/g/data" --real "$dir/gcs" >/dev/null || return 1
        fi
        gcs_start "$w/g/data" || return 1
        CASE_ENV+=("IMX_GCS_URL=$GCS_URL")
        CASE_LOGS+=("$GCS_LOG")
    fi
    [ -f "$dir/token" ] && CASE_ENV+=("GH_TOKEN=$TOKEN")
    return 0
}

# requests FILE: each "COUNT TEXT" line against the fakes' logs
check_requests() {
    local want text got
    while read -r want text; do
        [ -n "$want" ] || continue
        got=$(cat "${CASE_LOGS[@]}" /dev/null | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if l.strip() and sys.argv[1] in json.loads(l).get("path", "")))' \
            "$text")
        assert_eq "$got" "$want" "requests for '$text'" || return 1
    done <"$1"
}

cache_files() {
    (cd "$1" && find . -type f ! -path './.imx/*' ! -name imx-manifest.json | sort)
}

run_case() {
    local dir=$1 name want rc line
    name=$(basename "$dir")
    want=$(cat "$dir/exit" 2>/dev/null || echo 0)
    if [ -f "$dir/setup" ]; then
        (cd "$W/cases/$name" && python3 "$dir/setup") || { fail "setup failed"; return 1; }
    fi
    # shellcheck disable=SC2046
    (cd "$W/cases/$name" && for e in "${CASE_ENV[@]}"; do export "${e?}"; done &&
        imx $(cat args) >stdout 2>stderr)
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
    if [ -f "$dir/requests" ]; then
        check_requests "$dir/requests" || return 1
    fi
    if [ -f "$dir/cache.txt" ] || { [ $bless = 1 ] && { [ -d "$dir/github" ] || [ -d "$dir/gcs" ]; }; }; then
        cache_files "$W/cases/$name/cache" >"$W/cases/$name/cache.got"
        [ $bless = 1 ] && cp "$W/cases/$name/cache.got" "$dir/cache.txt"
        assert_file_eq "$W/cases/$name/cache.got" "$dir/cache.txt" || return 1
    fi
    # `check`: a Python script that judges the outputs (charts, pages) in the case's folder
    if [ -f "$dir/check" ]; then
        (cd "$W/cases/$name" && python3 "$dir/check") || { fail "check failed"; return 1; }
        return 0
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
    CASE_ENV=()
    CASE_LOGS=()
    if [ -d "$d/github" ] || [ -d "$d/gcs" ]; then
        if ! serve_case "$d"; then
            echo "FAIL case/$(basename "$d") (its fake servers did not start)"
            continue
        fi
    fi
    t_run "case/$(basename "$d")" run_case "$d"
    fake_stop_all
    gcs_stop_all
    FAKE_PIDS=()
    GCS_PIDS=()
done
