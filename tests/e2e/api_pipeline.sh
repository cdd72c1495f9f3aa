#!/usr/bin/env bash
# api_pipeline: `imx sync --source api` asks for a run's documents as soon as its date's
# workflow-info is in, not after every date's: in the fake API's request log the first
# /benchmarks request comes before the last /workflow-info one, and with the oldest date's
# workflow-info held by the server, newer runs reach the cache meanwhile. Orders of events,
# never timings.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/api.sh"

W=$(t_tmp)
python3 "$TESTS_DIR/fake/mkapifixture.py" --synthetic --days 8 --runs-count 16 --models 2 \
    "$W/fx" >/dev/null 2>&1 || { echo "FAIL api_pipeline/fixture"; exit 0; }
OLDEST=$(python3 -c 'import json,sys; print(min(r["created_at"][:10] for r in json.load(open(sys.argv[1]))))' \
    "$W/fx/runs.json")
api_start "$W/fx" --delay-ms 20 || exit 1
trap 'kill $API_PID 2>/dev/null; wait $API_PID 2>/dev/null; t_cleanup' EXIT

t_log_order() {
    : >"$API_LOG"
    imx sync --source api --inferencex-url "$API_URL" --cache "$W/c1" --since 2000-01-01 -q \
        2>"$W/e1" || { cat "$W/e1"; return 1; }
    python3 - "$API_LOG" <<'PY' || return 1
import json, sys
L = [json.loads(l)["path"] for l in open(sys.argv[1])]
wf = [i for i, p in enumerate(L) if p == "/api/v1/workflow-info"]
bm = [i for i, p in enumerate(L) if p == "/api/v1/benchmarks"]
assert len(wf) == 8 and bm, (len(wf), len(bm))
assert bm[0] < wf[-1], "no /benchmarks request before the last /workflow-info one: %s" % L
PY
}

first_stored() { ls "$W"/c2/run_*/run.json 2>/dev/null | head -n 1; }

t_runs_while_held() {
    local got
    curl -sf -X POST --data-binary \
        "{\"faults\": [\"stall:path=/api/v1/workflow-info,query=$OLDEST,seconds=300,count=1\"]}" \
        "$API_URL/_fake/config" >/dev/null || return 1
    # the held request is neither timed out nor cut as stalled while the test looks
    IMX_REQUEST_TIMEOUT=600 IMX_STALL_TIMEOUT=600 imx sync --source api \
        --inferencex-url "$API_URL" --cache "$W/c2" --since 2000-01-01 >"$W/o2" 2>&1 &
    # a run stored complete while one date is held
    while_held $! "$W/o2" first_stored || return 1
    got=$FOUND
    [ -n "$got" ] || fail "no run reached the cache while a date was held" || return 1
    assert_contains "$got" '"imx_source": "api"'
}

t_run "api pipeline: a run's documents are asked for before the last date is listed" t_log_order
t_run "api pipeline: runs are stored while another date's listing is on its way" \
    t_runs_while_held
