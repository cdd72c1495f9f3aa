#!/usr/bin/env bash
# sync_pipeline: `imx sync` has no phase barrier: a run's downloads start as soon as its artifact
# listing is read, ahead of the listings of other runs still waiting. Checked on the order of the
# fake's request log (never on timings), with --jobs 1 (a strict order) and --jobs 4.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"

W=$(t_tmp)
TOKEN="ghp_test$RANDOM$RANDOM$RANDOM"
mkfixture "$W/fx" --synthetic 8 --token "$TOKEN" >"$W/ids" || exit 1
mapfile -t IDS <"$W/ids"
# every answer 20 ms late, so that requests overlap as they would on a real network
fake_start "$W" "$W/fx/fixture.json" --delay-ms 20 || exit 1

# order LOGFILE: one line per request in the order answered: the route and the run or artifact
order() {
    python3 - "$1" <<'PY'
import json, re, sys
for r in sorted(json.load(open(sys.argv[1])), key=lambda r: r["seq"]):
    m = re.search(r"/(runs|artifacts)/(\d+)/", r["path"])
    print(r["route"], m.group(2) if m else "-")
PY
}

# sync_order JOBS: a cold sync of the eight runs with --jobs JOBS into $W/cJOBS, every run
# complete; the order of its requests in $W/ordJOBS
sync_order() {
    local id
    fresh
    GH_TOKEN=$TOKEN imx sync --github-url "$API" --cache "$W/c$1" --collect-recent 8 --jobs "$1" \
        >"$W/o$1" 2>&1 || { cat "$W/o$1"; return 1; }
    for id in "${IDS[@]}"; do
        grep -q '"complete": true' "$W/c$1/run_$id/imx-manifest.json" 2>/dev/null ||
            fail "run $id is not complete with --jobs $1" || return 1
    done
    flog "$W/l$1"
    order "$W/l$1" >"$W/ord$1"
}

t_jobs1() {
    sync_order 1 || return 1
    # one connection, so the log is the order of the requests: each listing is followed by that
    # run's /zip and blob before the next run is listed (a barrier lists all eight first)
    python3 - "$W/ord1" <<'PY' || fail "the requests were not pipelined run by run: $(tr '\n' ' ' <"$W/ord1")"
import sys
routes = [l.split()[0] for l in open(sys.argv[1])]
assert routes[0] == "workflow_runs", routes
body = routes[1:]
assert len(body) == 24, body
for k in range(0, 24, 3):
    assert body[k:k + 3] == ["run_artifacts", "download", "blob"], (k, body[k:k + 3])
PY
}

t_jobs4() {
    sync_order 4 || return 1
    # some artifact is downloaded (its blob answered) before the last listing is answered
    python3 - "$W/ord4" <<'PY' || fail "no download before the last listing: $(tr '\n' ' ' <"$W/ord4")" ||
import sys
routes = [l.split()[0] for l in open(sys.argv[1])]
last_listing = max(i for i, r in enumerate(routes) if r == "run_artifacts")
first_blob = min(i for i, r in enumerate(routes) if r == "blob")
assert first_blob < last_listing, (first_blob, last_listing)
PY
        return 1
    # the same cache as one transfer at a time
    diff -r -x '.imx' "$W/c1" "$W/c4" >"$W/d14" || fail "--jobs 4 and --jobs 1 caches differ: $(head -5 "$W/d14")"
}

API=$FAKE_API
t_run "sync pipeline: --jobs 1 lists, then downloads, each run in turn" t_jobs1
t_run "sync pipeline: --jobs 4 downloads before the last listing is answered" t_jobs4
