#!/usr/bin/env bash
# sync_pipeline: `imx sync` has no phase barrier: a run's downloads start as soon as its artifact
# listing is read, ahead of the listings of other runs still waiting; --jobs counts transfers per
# host, so blobs (another host) never hold up the API's requests. Checked on the order of the
# fake's request log, and on which requests the server held at once (each for the delay), never
# on imx's own timings, with --jobs 1 (a strict order per host) and --jobs 4.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"

W=$(t_tmp)
TOKEN="ghp_test$RANDOM$RANDOM$RANDOM"
mkfixture "$W/fx" --synthetic 8 --token "$TOKEN" >"$W/ids" || exit 1
mapfile -t IDS <"$W/ids"
# every answer 100 ms late, so that requests overlap as they would on a real network (and the
# delay outweighs a loaded machine's)
DELAY=100
fake_start "$W" "$W/fx/fixture.json" --delay-ms $DELAY || exit 1

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

# overlap LOGFILE ROUTE_A ROUTE_B [first]: the longest time (ms) the server held a request of
# ROUTE_A ("api": any but a blob; with first, only the first answered) and another of ROUTE_B at
# once
overlap() {
    python3 - "$@" <<'PY'
import json, sys
log = sorted(json.load(open(sys.argv[1])), key=lambda r: r["seq"])
def of(route):
    return [(r["wall"] - r["duration_ms"] / 1000, r["wall"], r["seq"]) for r in log
            if (r["route"] != "blob" if route == "api" else r["route"] == route)]
a, b = of(sys.argv[2]), of(sys.argv[3])
a = a[:1] if len(sys.argv) > 4 else a
print(int(max([min(x[1], y[1]) - max(x[0], y[0]) for x in a for y in b if x[2] != y[2]] +
              [0]) * 1000))
PY
}

t_jobs1() {
    sync_order 1 || return 1
    # one request at a time to the API host: the first runs' listings are each followed by that
    # run's /zip before the next run is listed (a barrier lists all eight first; later, runs
    # whose blobs wait for the download host may be listed ahead); each blob after its /zip
    python3 - "$W/ord1" <<'PY' || fail "the requests were not pipelined run by run: $(tr '\n' ' ' <"$W/ord1")" ||
import sys
routes = [l.split()[0] for l in open(sys.argv[1])]
assert routes[0] == "workflow_runs", routes
api = [r for r in routes[1:] if r != "blob"]
assert api[:4] == ["run_artifacts", "download"] * 2, api
assert sorted(api) == sorted(["run_artifacts", "download"] * 8), api
zips = [i for i, r in enumerate(routes) if r == "download"]
for k in range(1, 9):
    assert routes[:zips[k - 1]].count("blob") < k <= routes.count("blob"), (k, routes)
PY
        return 1
    # --jobs counts per host: a blob is downloaded while the API host lists the next run (under
    # valgrind imx is too slow between answers for the server's timings to say so)
    local o
    [ "${VALGRIND:-}" = 1 ] && return 0
    o=$(overlap "$W/l1" api blob) || return 1
    [ "$o" -ge $((DELAY / 5)) ] || fail "no blob was downloaded during an API request (overlap $o ms)" ||
        return 1
}

t_jobs4() {
    sync_order 4 || return 1
    # some artifact's download (its /zip on the API, whose answer sends imx to the blob) is
    # answered before the last listing is: a phase barrier would list every run first. Not the
    # blob itself: it goes to another host with slots of its own, beside the last listings, and
    # which of two answers of one round the server logs first is chance.
    python3 - "$W/ord4" <<'PY' || fail "no download before the last listing: $(tr '\n' ' ' <"$W/ord4")" ||
import sys
routes = [l.split()[0] for l in open(sys.argv[1])]
last_listing = max(i for i, r in enumerate(routes) if r == "run_artifacts")
first_download = min(i for i, r in enumerate(routes) if r in ("download", "blob"))
assert first_download < last_listing, (first_download, last_listing)
PY
        return 1
    # blobs to the download host (plain HTTP, no HTTP/2) go beside the first: none waits for its
    # answer to learn whether it could share that connection (not under valgrind, as above)
    local o
    if [ "${VALGRIND:-}" != 1 ]; then
        o=$(overlap "$W/l4" blob blob first) || return 1
        [ "$o" -ge $((DELAY / 5)) ] || fail "no blob was downloaded beside the first (overlap $o ms)" ||
            return 1
    fi
    # the same cache as one transfer at a time
    diff -r -x '.imx' "$W/c1" "$W/c4" >"$W/d14" || fail "--jobs 4 and --jobs 1 caches differ: $(head -5 "$W/d14")"
}

API=$FAKE_API
t_run "sync pipeline: --jobs 1 lists, then downloads, each run in turn, blobs beside" t_jobs1
t_run "sync pipeline: --jobs 4 downloads before the last listing is answered" t_jobs4
