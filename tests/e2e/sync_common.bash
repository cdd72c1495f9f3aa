# tests/e2e/sync_common.bash: helpers of the sync_*.sh and runs_*.sh tests (sourced after
# tests/lib.sh and tests/fake/fake.sh): the fake's request log as JSON, queries over it.

# Retries in tests wait milliseconds, not seconds; stalls are cut after one second.
export IMX_RETRY_DELAY_MS=${IMX_RETRY_DELAY_MS:-20}
export IMX_STALL_TIMEOUT=${IMX_STALL_TIMEOUT:-1}
unset GITHUB_API_URL GH_TOKEN GITHUB_TOKEN IMX_CACHE

# flog FILE: the fake's request log (since the last fake_ctl POST reset) into FILE.
flog() { fake_ctl GET log >"$1"; }

# fcount LOGFILE 'PYTHON EXPRESSION over r': how many log entries match.
fcount() {
    python3 - "$1" "$2" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
print(sum(1 for r in log if eval(sys.argv[2], {"re": __import__("re")}, {"r": r})))
PY
}

# sha256 of a string (to compare with the log's authorization_raw_sha256)
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# fresh: reset the fake (log, counters, faults, clock) and set faults (a JSON list, optional).
fresh() {
    fake_ctl POST reset '{}' >/dev/null
    [ -n "${1:-}" ] && fake_faults "$1"
    return 0
}

# no_token_anywhere TOKEN FILE_OR_DIR...: the token appears in none of them.
no_token_anywhere() {
    local t=$1
    shift
    ! grep -rqF -- "$t" "$@" || fail "the token appears in $*"
}

# source_cache DIR N: sets SRC to the cache the fakes serve: the shared real cache, or without it
# N runs gencache writes into DIR in the real layout and row shapes, keeping those with an
# aggregate (runs the fakes serve as one results_bmk artifact). REAL=1 when it is the real one.
source_cache() {
    local d
    SRC=$SHARED_RAW REAL=1
    [ -d "$SRC" ] && return 0
    SRC=$1 REAL=0
    "$BUILD/tools/gencache" "$SRC" --runs "$2" --seed 11 >/dev/null 2>&1 || return 1
    for d in "$SRC"/run_*; do
        [ -f "$d/agg_bmk.json" ] || rm -rf "$d"
    done
}
