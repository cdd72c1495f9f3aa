#!/usr/bin/env bash
# tests/run.sh: runs every test layer (unit, end-to-end cases, real data) and prints
# "N passed, N failed". Arguments select test scripts by name substring.
set -u
cd "$(dirname "$0")/.."
: "${IMX:?}" "${BUILD:?}"
export IMX BUILD
# the shared reference material and real cache (tests skip, saying so, without them)
IMX_SHARED=${IMX_SHARED:-../shared}
case $IMX_SHARED in /*) ;; *) IMX_SHARED=$PWD/$IMX_SHARED ;; esac
export IMX_SHARED
filter=("$@")
selected() {
    [ ${#filter[@]} -eq 0 ] && return 0
    local f
    for f in "${filter[@]}"; do case "$1" in *"$f"*) return 0 ;; esac; done
    return 1
}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    selected "$(basename "$t")" || continue
    if [ "${VALGRIND:-}" = 1 ]; then
        valgrind -q --error-exitcode=99 --leak-check=full "$t" 2>&1 | tee -a "$log"
    else
        "$t" 2>&1 | tee -a "$log"
    fi
    [ "${PIPESTATUS[0]}" -eq 0 ] || grep -q '^FAIL' "$log" || echo "FAIL $(basename "$t") (exit status)" | tee -a "$log"
done
# the shared real cache is read, never written: a script that leaves anything there fails
shared=$IMX_SHARED/data/inferencemax-raw
shared_ref=$(mktemp)
trap 'rm -f "$log" "$shared_ref"' EXIT
shared_state() { [ -d "$shared" ] && find "$shared" -newer "$shared_ref" | sort; }
before=$(shared_state)
# memcheck runs imx some twenty times slower: a script gets longer before it counts as hung
limit=${IMX_TEST_TIMEOUT:-$([ "${VALGRIND:-}" = 1 ] && echo 2400 || echo 600)}
for s in tests/e2e/*.sh tests/real/*.sh; do
    [ -f "$s" ] || continue
    selected "$(basename "$s")" || continue
    # a hung script fails (and names itself) instead of hanging the whole run
    timeout -k 10 "$limit" bash "$s" 2>&1 | tee -a "$log"
    rc=${PIPESTATUS[0]}
    if [ "$rc" -eq 124 ]; then
        echo "FAIL $s (timed out after $limit s)" | tee -a "$log"
    elif [ "$rc" -ne 0 ]; then
        # a script that stops early (a fixture it could not build) must not pass unseen
        echo "FAIL $s (exited with status $rc)" | tee -a "$log"
    fi
    if [ "$(shared_state)" != "$before" ]; then
        echo "FAIL $s wrote into $shared" | tee -a "$log"
        before=$(shared_state)
    fi
done
pass=$(grep -c '^PASS' "$log")
failn=$(grep -c '^FAIL' "$log")
skip=$(grep -c '^SKIP' "$log")
[ "$skip" -gt 0 ] && echo "($skip skipped)"
[ -n "${IMX_RESULTS:-}" ] && echo "$pass $failn" >>"$IMX_RESULTS"
echo "$pass passed, $failn failed"
[ "$failn" -eq 0 ] && [ "$pass" -gt 0 ]
