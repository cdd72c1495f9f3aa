#!/usr/bin/env bash
# api_polite: `imx sync --source api` keeps to the InferenceX API's manners whatever --jobs says:
# at most 4 requests at once, a User-Agent naming imx, 429/502/503/504 retried after Retry-After
# (seconds or HTTP date) a bounded number of times, a per-request timeout, a body size cap.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/api.sh"

W=$(t_tmp)
python3 "$TESTS_DIR/fake/mkapifixture.py" --synthetic --days 6 --runs-count 12 --models 2 "$W/fx" \
    >/dev/null 2>&1 || { echo "FAIL api_polite/fixture"; exit 0; }

# the server runs at top level: one started inside t_run's $(...) would hold it open
api_start "$W/fx" --delay-ms 40 || exit 1
trap 'kill $API_PID 2>/dev/null; wait $API_PID 2>/dev/null; t_cleanup' EXIT
URL=$API_URL

configure() {
    curl -sf -X POST --data-binary "$1" "$URL/_fake/config" >/dev/null
}

# sync NAME [imx options...]: a cold sync into $W/NAME, log in $W/NAME.log, stderr in $W/NAME.err
sync() {
    local name=$1
    shift
    : >"$W/log"
    imx sync --source api --inferencex-url "$URL" --cache "$W/$name" --since 2000-01-01 --quiet \
        "$@" 2>"$W/$name.err"
    local rc=$?
    cp "$W/log" "$W/$name.log"
    return $rc
}

# faulty NAME FAULT: a sync under one fault spec (then none); its status
faulty() {
    configure "{\"faults\": [\"$2\"]}"
    sync "$1"
    local rc=$?
    configure '{"faults": []}'
    return $rc
}

logq() { # logq NAME 'PYTHON EXPRESSION over the list L of log entries'
    python3 -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
print(eval(sys.argv[2]))' "$W/$1.log" "$2"
}

t_four_at_once() {
    configure '{"faults": []}'
    sync four --jobs 16 || { cat "$W/four.err"; return 1; }
    local peak
    peak=$(logq four 'max(r["inflight"] for r in L)')
    [ "$peak" -le 4 ] || fail "$peak requests at once (at most 4)" || return 1
    # with 40 ms per answer and 12 runs there is something to overlap: parallel, not serial
    [ "$peak" -ge 2 ] || fail "requests never overlapped" || return 1
    assert_eq "$(logq four 'sum(1 for r in L if not r["headers"].get("user-agent", "").startswith("imx/"))')" 0 \
        "requests without imx's User-Agent"
}

t_retry_after() {
    configure '{"faults": ["429:path=/api/v1/workflow-info,count=1,retry_after=1",
                           "503:path=/api/v1/benchmarks,count=1,retry_after=date:1"]}'
    sync retry || { cat "$W/retry.err"; return 1; }
    assert_eq "$(logq retry 'sum(1 for r in L if r["status"] in (429, 503))')" 2 "refusals" || return 1
    # each refused request came again, no sooner than its Retry-After allowed
    logq retry '
[(lambda bad: [(lambda again: (_ for _ in ()).throw(AssertionError("no retry")) if not again
                else (again[0]["t"] - bad["t"] >= 0.9 or (_ for _ in ()).throw(
                      AssertionError("retried after %.2f s" % (again[0]["t"] - bad["t"])))))(
    [r for r in L if r["path"] == bad["path"] and r["query"] == bad["query"]
     and r["t"] > bad["t"] and r["status"] == 200])])(b)
 for b in L if b["status"] in (429, 503)]' >/dev/null
}

t_bounded_retries() {
    # a run whose rows keep failing: three tries (the official client's count), then given up
    faulty bounded "502:path=/api/v1/benchmarks,query=30000011000"
    [ $? -ne 0 ] || fail "a run that could not be fetched still exited 0" || return 1
    local tries
    tries=$(logq bounded 'len(set((r["query"]) for r in L if r["status"] == 502))')
    [ "$tries" -ge 1 ] || fail "the fault never hit" || return 1
    assert_eq "$(logq bounded 'max([sum(1 for r in L if r["query"] == q) for q in set(r["query"] for r in L if r["status"] == 502)])')" 3 \
        "tries of a failing request" || return 1
    assert_contains "$W/bounded.err" "502"
}

t_timeout() {
    # a request that hangs is cut at the timeout (shortened for the test) and tried again; the
    # stall is long enough that a sync slowed down by valgrind on a loaded machine still ends
    # well before it
    configure '{"faults": ["stall:path=/api/v1/workflow-info,count=1,seconds=30"]}'
    local t0 t1
    t0=$(date +%s)
    IMX_REQUEST_TIMEOUT=1 sync timeout || { cat "$W/timeout.err"; return 1; }
    t1=$(date +%s)
    configure '{"faults": []}'
    [ $((t1 - t0)) -lt 30 ] || fail "the stalled request was waited for ($((t1 - t0)) s)" || return 1
    [ -n "$(ls "$W"/timeout/run_*/run.json 2>/dev/null)" ] || fail "nothing synced after the retry"
}

t_cap() {
    # an answer that decodes beyond the cap (32 MiB) is refused, not buffered
    faulty cap "big:path=/api/v1/availability,bytes=40000000"
    [ $? -ne 0 ] || fail "a 40 MB answer was accepted" || return 1
    grep -qiE "larger than|cap|too (big|large)" "$W/cap.err" || fail "no word of the cap: $(cat "$W/cap.err")"
}

t_run "api_polite: at most 4 requests at once with --jobs 16, User-Agent imx/" t_four_at_once
t_run "api_polite: 429 and 503 retried after Retry-After (seconds, HTTP date)" t_retry_after
t_run "api_polite: a failing request is tried 3 times, then reported" t_bounded_retries
t_run "api_polite: a stalled request is cut by the timeout and retried" t_timeout
t_run "api_polite: an answer beyond the size cap is refused" t_cap
