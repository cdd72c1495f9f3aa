#!/usr/bin/env bash
# gcs_pipeline: `imx sync --source gcs` installs each download as it arrives. With one download
# held by the server, the other runs reach the cache before it is answered; a batch that
# installed nothing until every answer was in would leave the cache empty. Checked on the cache
# while the answer is held (an order of events), never on timings.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/gcs.sh"

W=$(t_tmp)
HELD=21000007000
mkgcsfixture "$W/data" --bench 8:2 >/dev/null || exit 1
gcs_start "$W/data" --fault "stall:name=main_$HELD/artifacts/results_bmk,seconds=300,count=1" ||
    exit 1

other_manifest() {
    ls "$W"/c/run_*/imx-manifest.json 2>/dev/null | grep -v "/run_$HELD/" | head -n 1
}

t_installs_while_held() {
    local other
    IMX_STALL_TIMEOUT=600 imx sync --source gcs --gcs-url "$GCS_URL" --cache "$W/c" \
        --since 2000-01-01 >"$W/o" 2>&1 &
    # another run's manifest, while the one answer is held
    while_held $! "$W/o" other_manifest || return 1
    other=$FOUND
    [ -n "$other" ] || fail "no run reached the cache while one download was held" || return 1
    grep -q '"state": "complete"' "$other" || fail "$other records nothing complete" || return 1
    [ ! -f "$W/c/run_$HELD/agg_bmk.json" ] || fail "the held download was installed"
}

t_run "gcs pipeline: runs are installed while another download is still on its way" \
    t_installs_while_held

# The order of the server's log (each entry written as its answer ends): a run's downloads start
# as soon as its date folder is listed, ahead of the older folders' listings still queued. A
# sync that listed every folder before its first download fails this.
W2=$(t_tmp)
mkgcsfixture "$W2/data" --bench 12:12 >/dev/null || exit 1
gcs_start "$W2/data" || exit 1

# download_before_listing: the first download is logged before the last date folder listing
download_before_listing() {
    python3 -c '
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
gets = [i for i, r in enumerate(log) if not r["path"].startswith("/storage/v1/b/")]
lists = [i for i, r in enumerate(log) if "prefix" in r["params"]]
print(len(lists), "folder listings,", len(gets), "downloads, first download at",
      gets[0] if gets else None, "last listing at", lists[-1] if lists else None)
sys.exit(0 if gets and lists and gets[0] < lists[-1] else 1)' "$GCS_LOG"
}

t_range_overlaps() {
    : >"$GCS_LOG"
    imx sync --source gcs --gcs-url "$GCS_URL" --cache "$W2/r" --jobs 2 --since 2000-01-01 \
        >"$W2/o1" 2>&1 || { cat "$W2/o1"; return 1; }
    [ "$(ls -d "$W2"/r/run_* | wc -l)" = 12 ] || fail "not every run synced" || return 1
    download_before_listing >"$W2/order1" || fail "$(cat "$W2/order1")"
}

t_recent_overlaps() {
    : >"$GCS_LOG"
    imx sync --source gcs --gcs-url "$GCS_URL" --cache "$W2/n" --jobs 2 --collect-recent 2 \
        >"$W2/o2" 2>&1 || { cat "$W2/o2"; return 1; }
    [ -d "$W2/n/run_21000011000" ] && [ -d "$W2/n/run_21000010000" ] &&
        [ "$(ls -d "$W2"/n/run_* | wc -l)" = 2 ] || fail "not the 2 newest runs" || return 1
    download_before_listing >"$W2/order2" || fail "$(cat "$W2/order2")" || return 1
    # the search stops once the 2 newest are known: at most 8 folders in flight beyond them
    [ "$(gcs_count '"prefix" in r["params"]')" -le 10 ] || fail "the search did not stop"
}

t_run "gcs pipeline: a date range's downloads start while older folders are being listed" \
    t_range_overlaps
t_run "gcs pipeline: --collect-recent downloads start before the search's listings end" \
    t_recent_overlaps
