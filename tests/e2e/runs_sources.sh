#!/usr/bin/env bash
# runs_sources: `imx runs --source gcs|api|all`: the runs the GCS backup (fakegcs) and the
# InferenceX API (fakeapi) know, merged with the cache and GitHub's (fakegh), with no download.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/fake/gcs.sh"
. "$TESTS_DIR/fake/api.sh"
. "$TESTS_DIR/e2e/sync_common.bash"

W=$(t_tmp)
TOKEN="ghp_rsrc$RANDOM$RANDOM"
# Servers start here, never inside t_run: its $(...) would wait for them forever.
mkgcsfixture "$W/g/data" --synthetic >/dev/null || exit 1
gcs_start "$W/g/data" || exit 1
python3 "$TESTS_DIR/fake/mkapifixture.py" "$W/a/data" --synthetic --days 4 --runs-count 6 \
    --models 2 --end 2026-02-10 >/dev/null 2>&1 || exit 1
api_start "$W/a/data" || exit 1
mkfixture "$W/fx" --synthetic 3 --no-extras --token "$TOKEN" >"$W/gh_ids" || exit 1
fake_start "$W" "$W/fx/fixture.json" || exit 1
trap 'kill $API_PID 2>/dev/null; wait $API_PID 2>/dev/null; gcs_stop_all; fake_stop_all; t_cleanup' EXIT
mapfile -t GH_IDS <"$W/gh_ids"
# imx runs lists an existing cache (a missing one is an error: tests/e2e/filters.sh)
mkdir -p "$W/c"

runs() {
    GH_TOKEN=$TOKEN imx runs --cache "$W/c" --github-url "$FAKE_API" --gcs-url "$GCS_URL" \
        --inferencex-url "$API_URL" "$@"
}
# the value of column NAME on the line of run ID in table FILE (columns start where their head
# does: CREATED holds a space)
cell() {
    awk -v id="$2" -v name="$3" 'NR == 1 { c = index($0, name) }
        NR > 1 && $1 == id { v = substr($0, c); sub(/  .*/, "", v); print v }' "$1"
}
# the runs of table FILE whose SOURCE is SRC, in table order
of_source() {
    local id
    for id in $(tail -n +2 "$1" | awk '{print $1}'); do
        [ "$(cell "$1" "$id" SOURCE)" = "$2" ] && echo "$id"
    done | tr '\n' ' '
}
api_count() { grep -c "\"path\": \"$1" "$W/a/log" || true; }
downloads() { gcs_count 'not r["path"].startswith("/storage/v1/b/")'; }

# run-sweep runs of the synthetic bucket from 2025-12-20 on (the End-to-End run is another workflow)
GCS_RANGE="20400000044 20720000066 20720000077 20740000088 20760000099"

t_gcs() {
    : >"$GCS_LOG"
    runs --source gcs --since 2025-12-20 --until 2026-01-07 >"$W/o1" 2>"$W/e1" ||
        { cat "$W/e1"; return 1; }
    assert_eq "$(tail -n +2 "$W/o1" | awk '{print $1}' | sort | tr '\n' ' ')" "$GCS_RANGE " \
        "runs listed" || return 1
    assert_eq "$(cell "$W/o1" 20720000077 SOURCE)" gcs &&
        assert_eq "$(cell "$W/o1" 20720000077 CACHED)" no &&
        assert_eq "$(cell "$W/o1" 20720000077 ARTIFACTS)" 3 "chosen artifacts (bmk_*)" &&
        assert_eq "$(cell "$W/o1" 20740000088 CREATED)" 2026-01-06 || return 1
    # a header and five lines, every one with the ROWS column at the same offset
    local col
    col=$(head -1 "$W/o1" | grep -bo 'ROWS' | cut -d: -f1)
    assert_eq "$(tail -n +2 "$W/o1" | cut -c$((col + 1)) | grep -c '[0-9-]')" 5 "aligned" || return 1
    [ "$(cell "$W/o1" 20740000088 SIZE)" != - ] || fail "no size: $(cat "$W/o1")" || return 1
    assert_eq "$(downloads)" 0 "downloads while listing" || return 1
    # once synced, the same run reads as cached, from the backup
    imx sync --source gcs --cache "$W/c" --gcs-url "$GCS_URL" 20740000088 >/dev/null 2>&1 || return 1
    runs --source gcs --since 2025-12-20 --until 2026-01-07 >"$W/o1b" 2>/dev/null || return 1
    assert_eq "$(cell "$W/o1b" 20740000088 CACHED)" yes &&
        assert_eq "$(cell "$W/o1b" 20740000088 SOURCE)" gcs &&
        assert_eq "$(cell "$W/o1b" 20740000088 CREATED)" "2026-01-06 00:00:00" &&
        assert_eq "$(cell "$W/o1b" 20740000088 ROWS)" "3 (dsr1 1, gptoss 2)" ||
        fail "cached run: $(cat "$W/o1b")"
}

t_gcs_recent_named() {
    runs --source gcs --collect-recent 2 >"$W/o2" 2>"$W/e2" || { cat "$W/e2"; return 1; }
    assert_eq "$(of_source "$W/o2" gcs)" "20760000099 20740000088 " "the 2 newest" || return 1
    runs --source gcs 20720000066 >"$W/o3" 2>"$W/e3" || { cat "$W/e3"; return 1; }
    assert_eq "$(tail -n +2 "$W/o3" | awk '{print $1}')" 20720000066 "named run" || return 1
    runs --source gcs 20720000066 20799999999 >"$W/o4" 2>"$W/e4"
    assert_eq $? 1 "status with a run the backup lacks" &&
        assert_contains "$W/e4" "20799999999 is not in the GCS backup"
}

t_api() {
    : >"$W/a/log"
    runs --source api --since 2026-02-08 --until 2026-02-09 >"$W/o5" 2>"$W/e5" ||
        { cat "$W/e5"; return 1; }
    # the cache's runs are listed too, as in the GitHub mode
    assert_eq "$(of_source "$W/o5" api)" "30000003000 30000002000 30000001000 " \
        "runs of the dates" || return 1
    assert_eq "$(cell "$W/o5" 30000002000 SOURCE)" api &&
        assert_eq "$(cell "$W/o5" 30000002000 CREATED)" "2026-02-08 23:21:18" &&
        assert_eq "$(cell "$W/o5" 30000002000 ATTEMPT)" 1 &&
        assert_eq "$(cell "$W/o5" 30000002000 CACHED)" no || return 1
    assert_eq "$(api_count /api/v1/benchmarks)" 0 "benchmark requests while listing" &&
        [ "$(api_count /api/v1/workflow-info)" -ge 2 ] || fail "workflow-info not asked" || return 1
    runs --source api --collect-recent 4 >"$W/o6" 2>/dev/null || return 1
    assert_eq "$(of_source "$W/o6" api | wc -w)" 4 "--collect-recent 4"
}

t_all() {
    fresh
    : >"$GCS_LOG"
    runs --source all --since 2025-12-20 --until 2026-02-10 >"$W/o7" 2>"$W/e7" ||
        { cat "$W/e7"; return 1; }
    local id
    for id in $GCS_RANGE; do
        [ "$(cell "$W/o7" "$id" SOURCE)" = gcs ] || fail "$id: $(grep "^$id" "$W/o7")" || return 1
    done
    for id in "${GH_IDS[@]}"; do
        [ "$(cell "$W/o7" "$id" SOURCE)" = github ] || fail "$id not from github" || return 1
    done
    assert_eq "$(of_source "$W/o7" api | wc -w)" 6 "API runs" &&
        assert_eq "$(tail -n +2 "$W/o7" | wc -l)" $((5 + ${#GH_IDS[@]} + 6)) "the union" || return 1
    # newest first, one line per run
    assert_eq "$(tail -n +2 "$W/o7" | awk '{print $1}' | sort -ru | tr '\n' ' ')" \
        "$(tail -n +2 "$W/o7" | awk '{print $1}' | tr '\n' ' ')" "order" || return 1
    flog "$W/l7"
    assert_eq "$(fcount "$W/l7" 'r["host"] == "blob"')" 0 "GitHub downloads" &&
        assert_eq "$(downloads)" 0 "GCS downloads" &&
        assert_eq "$(api_count /api/v1/benchmarks)" 0 "API benchmark requests"
}

# --event/--branch select the backup's and the API's runs too: their listings tell neither, so
# (as for a cached run without them) they are left out, counted; GitHub's runs are checked
t_event_branch() {
    runs --source all --since 2025-12-20 --until 2026-02-10 --event push >"$W/o9" 2>"$W/e9" ||
        { cat "$W/e9"; return 1; }
    assert_eq "$(of_source "$W/o9" gcs)" "" "backup runs with --event" &&
        assert_eq "$(of_source "$W/o9" api)" "" "API runs with --event" &&
        assert_contains "$W/e9" "of the backup or the API left out" || return 1
    local id
    for id in "${GH_IDS[@]}"; do
        [ "$(cell "$W/o9" "$id" SOURCE)" = github ] || fail "$id not listed: $(cat "$W/o9")" || return 1
    done
    runs --source gcs,api --since 2025-12-20 --until 2026-02-10 --official >"$W/o10" 2>"$W/e10" ||
        { cat "$W/e10"; return 1; }
    assert_eq "$(tail -n +2 "$W/o10" | wc -l)" 0 "lines with --official: $(cat "$W/o10")"
}

t_offline() {
    fresh
    : >"$GCS_LOG"
    : >"$W/a/log"
    runs --source all --offline >"$W/o8" 2>"$W/e8" || { cat "$W/e8"; return 1; }
    flog "$W/l8"
    assert_eq "$(tail -n +2 "$W/o8" | awk '{print $1}')" 20740000088 "cache only" &&
        assert_eq "$(cell "$W/o8" 20740000088 SOURCE)" gcs "the cached copy's source" &&
        assert_eq "$(fcount "$W/l8" True)" 0 "GitHub requests" &&
        assert_eq "$(gcs_count True)" 0 "GCS requests" &&
        assert_eq "$(wc -l <"$W/a/log")" 0 "API requests"
}

t_run "runs_sources: --source gcs lists the backup's runs in range, then the cached one" t_gcs
t_run "runs_sources: --source gcs with --collect-recent and named runs" t_gcs_recent_named
t_run "runs_sources: --source api lists workflow-info's runs of the dates" t_api
t_run "runs_sources: --source all is the union, newest first, nothing downloaded" t_all
t_run "runs_sources: --event/--branch/--official leave out the backup's and the API's runs" t_event_branch
t_run "runs_sources: --offline is the cache only, whatever --source says" t_offline
