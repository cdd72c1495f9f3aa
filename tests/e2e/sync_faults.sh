#!/usr/bin/env bash
# sync_faults: `imx sync` under the fake GitHub's scripted faults: what is retried (5xx, resets,
# truncation, corruption, stale signed URLs, stalls, broken JSON) and how (a fresh /zip per
# retry), rate limits (waits, or a clean stop beyond --max-wait), what is never retried (401,
# 403, 404, 410), redirects handled by imx itself, and size caps.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"

W=$(t_tmp)
TOKEN="ghp_fault$RANDOM$RANDOM"
mkfixture "$W/fx" --synthetic 3 --token "$TOKEN" >"$W/ids" || exit 1
mapfile -t IDS <"$W/ids"
fake_start "$W" "$W/fx/fixture.json" || exit 1
API=$FAKE_API

# run_sync FAULTS [imx sync options...]: a new cache, faults set; output in $W/out, log in $W/log,
# exit status in RC, cache in $C.
run_sync() {
    local faults=$1
    shift
    C=$(mktemp -d "$W/c.XXXXXX") # t_run runs each test in a subshell: no counter survives
    fresh "$faults"
    GH_TOKEN=$TOKEN imx sync --github-url "$API" --cache "$C" --collect-recent 3 "$@" >"$W/out" 2>&1
    RC=$?
    flog "$W/log"
}

# all three runs complete with their aggregate
complete() {
    local id
    for id in "${IDS[@]}"; do
        [ -s "$C/run_$id/agg_bmk.json" ] && grep -q '"complete": true' "$C/run_$id/imx-manifest.json" ||
            fail "run $id incomplete: $(cat "$W/out")" || return 1
    done
}

ok_after() { # ok_after FAULTS: the sync succeeds despite the fault
    run_sync "$1"
    assert_eq "$RC" 0 "exit status: $(tail -3 "$W/out")" && complete
}

zips() { fcount "$W/log" "r['path'].endswith('/zip')"; }
blobs() { fcount "$W/log" "r['host']=='blob'"; }

t_list_503() {
    ok_after '[{"match": "/runs\\?", "fault": "http_5xx", "status": 503, "calls": [1, 2]}]' &&
        assert_eq "$(fcount "$W/log" "'/workflows/' in r['path']")" 3 "run listing attempts"
}

t_artifacts_502_html() {
    ok_after '[{"match": "/artifacts\\?", "fault": "http_5xx", "status": 502, "calls": [1]}]'
}

t_zip_500() {
    ok_after '[{"match": "/zip", "fault": "http_5xx", "status": 500, "calls": [1]}]' &&
        assert_eq "$(zips)" 4 "/zip requests"
}

# a failed blob download asks /zip again (a fresh signed URL): 4 /zip and 4 blob requests, and
# no signed URL used twice (the log's order is when answers ended, so compare URLs, not order)
fresh_zip_after() {
    ok_after "$1" && assert_eq "$(zips)" 4 "/zip requests" && assert_eq "$(blobs)" 4 "blob requests" &&
        python3 - "$W/log" <<'PY'
import json, sys
seen = set()
for r in json.load(open(sys.argv[1])):
    if r["host"] == "blob":
        url = r["path"] + "?" + r["query"]
        assert url not in seen, "a signed URL was used again without a fresh /zip"
        seen.add(url)
PY
}

t_blob_truncate() { fresh_zip_after '[{"host": "blob", "fault": "truncate", "times": 1}]'; }
t_blob_corrupt() { fresh_zip_after '[{"host": "blob", "fault": "corrupt", "times": 1}]'; }
t_blob_reset() { fresh_zip_after '[{"host": "blob", "fault": "reset", "times": 1}]'; }
t_blob_shorter() { fresh_zip_after '[{"host": "blob", "fault": "length_shorter", "times": 1}]'; }
t_blob_longer() {
    fresh_zip_after '[{"host": "blob", "fault": "length_longer", "declared": "short", "times": 1}]'
}
t_blob_stall() {
    # the fake logs a request once answered: the one cut short by the stall timeout is not there
    ok_after '[{"host": "blob", "fault": "stall", "seconds": 4, "times": 1}]' &&
        assert_eq "$(zips)" 4 "/zip requests"
}
t_expired_location() { fresh_zip_after '[{"match": "/zip", "fault": "expired_location", "times": 1}]'; }

t_same_host_redirect() {
    ok_after '[{"match": "/zip", "fault": "same_host_redirect", "always": true}]' &&
        assert_eq "$(fcount "$W/log" "r['path'].startswith('/__blob') and r['auth']")" 0 \
            "Authorization sent to a same-host download URL" &&
        assert_eq "$(fcount "$W/log" "r['path'].startswith('/__blob')")" 3 "same-host downloads"
}

t_relative_location() {
    ok_after '[{"match": "/zip", "fault": "relative_location", "always": true}]' &&
        assert_eq "$(fcount "$W/log" "r['path'].startswith('/__blob') and r['auth']")" 0 \
            "Authorization sent after a relative redirect"
}

t_redirect_loop() {
    run_sync '[{"host": "blob", "fault": "redirect_loop", "always": true}]'
    [ "$RC" -ne 0 ] && grep -qi 'redirect' "$W/out" || fail "loop not reported: $(cat "$W/out")" || return 1
    [ "$(blobs)" -lt 100 ] || fail "$(blobs) blob requests" || return 1
    ! grep -q '"state": "complete"' "$C"/run_*/imx-manifest.json || fail "looping artifact complete"
}

t_race_expired() {
    run_sync "[{\"match\": \"/zip\", \"fault\": \"race_expired\", \"always\": true}]"
    assert_eq "$RC" 0 "exit status: $(tail -2 "$W/out")" &&
        grep -q '"state": "expired"' "$C/run_${IDS[0]}/imx-manifest.json" &&
        assert_contains "$W/out" "only in caches" || return 1
    assert_eq "$(zips)" 3 "/zip requests (410 is not retried)" || return 1
    fresh
    GH_TOKEN=$TOKEN imx sync --github-url "$API" --cache "$C" --collect-recent 3 >"$W/out2" 2>&1 ||
        return 1
    flog "$W/log2"
    assert_eq "$(fcount "$W/log2" "r['path'].endswith('/zip')")" 0 "expired artifacts asked again"
}

t_secondary_429() {
    run_sync '[{"match": "/artifacts\\?", "fault": "secondary_429", "retry_after": 1, "calls": [1]}]' \
        --jobs 1
    assert_eq "$RC" 0 "exit status: $(tail -3 "$W/out")" && complete &&
        python3 - "$W/log" <<'PY'
import json, sys
log = [r for r in json.load(open(sys.argv[1])) if r["host"] == "api"]
i = next(k for k, r in enumerate(log) if r["status"] == 429)
later = [r for r in log[i + 1:] if r["time"] < log[i]["time"] + 1.0 - 0.05]
assert not later, "API requests before Retry-After passed: %s" % [r["path"] for r in later]
PY
}

t_primary_wait() {
    ok_after '[{"match": "/runs\\?", "fault": "primary_ratelimit", "reset_in": 2, "calls": [1]}]' &&
        python3 - "$W/log" <<'PY'
import json, sys
log = [r for r in json.load(open(sys.argv[1])) if r["host"] == "api"]
first, rest = log[0], log[1:]
assert first["status"] in (403, 429), first["status"]
early = [r for r in rest if r["time"] < first["time"] + 2 - 0.05]
assert not early, "API requests before the reset: %d" % len(early)
PY
}

t_primary_stop() {
    # one download at a time: the first run completes, the second /zip meets the limit
    run_sync '[{"match": "/zip", "fault": "primary_ratelimit", "reset_in": 3600, "calls": [2]}]' \
        --max-wait 5 --jobs 1
    assert_eq "$RC" 1 "exit status: $(tail -3 "$W/out")" &&
        grep -q "rate limit.*try again after" "$W/out" || fail "no clean stop message" || return 1
    # the run listed before the limit is complete and kept
    grep -q '"complete": true' "$C/run_${IDS[0]}/imx-manifest.json" || fail "completed run not kept"
}

t_bad_json() {
    ok_after '[{"match": "/artifacts\\?", "fault": "bad_json", "kind": "html", "calls": [1]},
               {"match": "/runs\\?", "fault": "bad_json", "calls": [1]}]'
}

t_truncated_listing() {
    ok_after '[{"match": "/artifacts\\?", "fault": "truncate", "bytes": 100, "calls": [1]}]'
}

t_huge() {
    run_sync '[{"match": "/runs\\?", "fault": "huge", "bytes": 80000000, "always": true}]'
    assert_eq "$RC" 3 "exit status" && grep -q 'larger than' "$W/out" &&
        assert_eq "$(fake_ctl GET faults | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["seen"])')" 1 \
            "a capped answer asked again"
}

t_401() {
    fresh
    GH_TOKEN=wrong imx sync --github-url "$API" --cache "$W/c401" >"$W/out" 2>&1
    local rc=$?
    flog "$W/log"
    assert_eq "$rc" 3 "exit status" && grep -qi 'bad credentials\|401' "$W/out" &&
        assert_eq "$(fcount "$W/log" "True")" 1 "401 retried"
}

t_404_workflow() {
    run_sync '[]' --workflow nope.yml
    [ "$RC" -ne 0 ] && grep -q "nope.yml" "$W/out" && assert_eq "$(fcount "$W/log" "True")" 1 "404 retried"
}

t_403_zip() {
    run_sync '[{"match": "/zip", "fault": "status_403_perm", "always": true}]' --jobs 1
    assert_eq "$RC" 3 "exit status" && assert_eq "$(grep -c 'HTTP 403' "$W/out")" 1 "the 403 said once" &&
        assert_eq "$(zips)" 1 "/zip requests after a permanent 403"
}

t_404_run() {
    fresh
    GH_TOKEN=$TOKEN imx sync --github-url "$API" --cache "$W/c404" 12345 "${IDS[0]}" >"$W/out" 2>&1
    local rc=$?
    assert_eq "$rc" 1 "exit status (one of two runs)" && grep -q 'run 12345.*404' "$W/out" &&
        [ -s "$W/c404/run_${IDS[0]}/agg_bmk.json" ] && [ ! -d "$W/c404/run_12345" ]
}

t_no_leftovers() {
    # failures and retries leave no temporary or staging files behind
    local left
    left=$(find "$W"/c.* "$W"/c401 "$W"/c404 -name '.staging-*' -o -path '*/.imx/tmp/*' -o -name '*.tmp-*' | head -3)
    [ -z "$left" ] || fail "left behind: $left"
}

t_run "sync faults: run listing 503 twice, retried" t_list_503
t_run "sync faults: artifact listing 502 (HTML), retried" t_artifacts_502_html
t_run "sync faults: /zip 500, retried" t_zip_500
t_run "sync faults: truncated download: fresh /zip, retried" t_blob_truncate
t_run "sync faults: flipped bytes (digest mismatch): fresh /zip, retried" t_blob_corrupt
t_run "sync faults: connection reset: fresh /zip, retried" t_blob_reset
t_run "sync faults: body shorter than Content-Length: retried" t_blob_shorter
t_run "sync faults: body longer than Content-Length: retried" t_blob_longer
t_run "sync faults: stalled download cut by the stall timeout, retried" t_blob_stall
t_run "sync faults: stale signed URL: fresh /zip" t_expired_location
t_run "sync faults: same-host redirect gets no Authorization" t_same_host_redirect
t_run "sync faults: relative Location resolved, no Authorization" t_relative_location
t_run "sync faults: redirect loop stopped, artifact not complete" t_redirect_loop
t_run "sync faults: 410 on /zip recorded as expired, never asked again" t_race_expired
t_run "sync faults: 429 Retry-After honoured" t_secondary_429
t_run "sync faults: primary rate limit: waits for the reset, no request before" t_primary_wait
t_run "sync faults: rate limit beyond --max-wait: clean stop, completed runs kept" t_primary_stop
t_run "sync faults: invalid JSON and HTML bodies retried" t_bad_json
t_run "sync faults: truncated JSON listing retried" t_truncated_listing
t_run "sync faults: huge API answer refused at the cap" t_huge
t_run "sync faults: 401 not retried" t_401
t_run "sync faults: unknown workflow (404) not retried" t_404_workflow
t_run "sync faults: permanent 403 on /zip said once, not hammered" t_403_zip
t_run "sync faults: unknown named run (404) fails alone" t_404_run
t_run "sync faults: no temporary or staging files left" t_no_leftovers
