#!/usr/bin/env bash
# bounds_sources: the GCS backup and the InferenceX API turned hostile: JSON nested 400,000 deep,
# a listing that hands out a fresh pageToken on every page, bodies dripping 2 bytes a second.
# Each must end, quickly, with a message naming what failed; none may crash or hang.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/gcs.sh"
. "$TESTS_DIR/fake/api.sh"

export IMX_RETRY_DELAY_MS=20
W=$(t_tmp)
mkgcsfixture "$W/data" --synthetic >/dev/null || exit 1
gcs_start "$W/data" || exit 1
export IMX_GCS_URL=$GCS_URL
python3 "$TESTS_DIR/fake/mkapifixture.py" --synthetic --days 2 --runs-count 3 --models 1 \
    "$W/afx" >/dev/null 2>&1 || { echo "FAIL bounds sources: the API fixture"; exit 1; }
api_start "$W/afx" || exit 1
trap 'kill $API_PID 2>/dev/null; gcs_stop_all; t_cleanup' EXIT

# within SECONDS CMD...: the command's status (124 when it ran longer); output in $W/out
within() {
    local s=$1
    shift
    timeout "$s" "$@" >"$W/out" 2>&1
}

gsync() { within 60 "$IMX" sync --source gcs --cache "$(mktemp -d "$W/c.XXXXXX")" --refresh "$@"; }

t_gcs_deep_listing() {
    gcs_faults deep
    gsync --since 2026-01-05 --until 2026-01-05
    local rc=$?
    gcs_faults
    # a server's failure (3), not missing data (5), as for GitHub
    assert_eq "$rc" 3 "exit status: $(cat "$W/out")" &&
        assert_contains "$W/out" "nesting deeper than 64" && assert_contains "$W/out" "/storage/v1/b/"
}

# a 200 listing that is not JSON (an HTML page, a cut body): the server failed, named by URL
t_gcs_not_json() {
    gcs_faults badjson
    gsync --since 2026-01-05 --until 2026-01-05
    local rc=$?
    gcs_faults
    assert_eq "$rc" 3 "exit status: $(cat "$W/out")" && assert_contains "$W/out" "not valid JSON" &&
        assert_contains "$W/out" "$GCS_URL/storage/v1/b/"
}

t_gcs_deep_metadata() {
    gcs_faults "deep:name=artifacts_metadata"
    gsync --since 2025-12-20 --until 2026-01-07
    local rc=$?
    gcs_faults
    [ "$rc" -lt 124 ] || fail "exit status $rc: $(cat "$W/out")" || return 1
    assert_contains "$W/out" "nesting deeper than 64"
}

# a new token on every page, each restarting the listing: stopped at the page cap
t_gcs_fresh_tokens() {
    : >"$GCS_LOG"
    gcs_faults tokenfresh
    gsync --since 2026-01-05 --until 2026-01-05
    local rc=$?
    gcs_faults
    [ "$rc" -eq 3 ] || fail "exit status $rc: $(cat "$W/out")" || return 1
    assert_contains "$W/out" "new pageToken" &&
        [ "$(gcs_count 'r["path"].startswith("/storage/v1/b/")')" -le 210 ] ||
        fail "$(gcs_count 'r["path"].startswith("/storage/v1/b/")') listing requests"
}

t_gcs_drip() {
    local t0=$SECONDS
    gcs_faults "drip:count=1"
    IMX_STALL_TIMEOUT=2 gsync --since 2026-01-05 --until 2026-01-05
    local rc=$?
    gcs_faults
    assert_eq "$rc" 0 "exit status: $(cat "$W/out")" && [ $((SECONDS - t0)) -lt 30 ] ||
        fail "took $((SECONDS - t0)) s"
}

# --jobs 64 under `ulimit -n 24`, as for GitHub (bounds_disk.sh): slower, never "Too many open
# files"; lowlimit CMD...: the command's status, output in $W/out
lowlimit() { (ulimit -n 24 && within 60 "$IMX" "$@"); }

t_gcs_descriptors() {
    local c
    c=$(mktemp -d "$W/c.XXXXXX")
    lowlimit sync --source gcs --cache "$c" --jobs 64 --since 2025-12-01
    assert_eq "$?" 0 "exit status: $(tail -3 "$W/out")" && assert_not_contains "$W/out" "open files" &&
        [ "$(ls -d "$c"/run_* | wc -l)" -ge 5 ] || fail "$(ls "$c") runs" || return 1
    # the same runs again from disk (--source dir)
    lowlimit sync --source dir --from "$c" --cache "$c.dir" --jobs 64
    assert_eq "$?" 0 "dir: exit status: $(tail -3 "$W/out")" &&
        assert_not_contains "$W/out" "open files" &&
        assert_eq "$(ls -d "$c.dir"/run_* | wc -l)" "$(ls -d "$c"/run_* | wc -l)" "runs imported"
}

async() {
    within 60 "$IMX" sync --source api --inferencex-url "$API_URL" \
        --cache "$(mktemp -d "$W/a.XXXXXX")" --since 2000-01-01 "$@"
}
aconf() { curl -sf -X POST --data-binary "{\"faults\": [$1]}" "$API_URL/_fake/config" >/dev/null; }

t_api_deep() {
    aconf '"deep"'
    async
    local rc=$?
    aconf ''
    assert_eq "$rc" 3 "exit status: $(cat "$W/out")" &&
        assert_contains "$W/out" "nesting deeper than 64" &&
        assert_contains "$W/out" "$API_URL/api/v1/availability"
}

t_api_not_json() {
    aconf '"badjson"'
    async
    local rc=$?
    aconf ''
    assert_eq "$rc" 3 "exit status: $(cat "$W/out")" && assert_contains "$W/out" "not valid JSON" &&
        assert_contains "$W/out" "$API_URL/api/v1/availability"
}

# a base URL with credentials: every message names the URL without them, -v or not (the
# backup's fake refuses any Authorization, so its messages are those of bounds_github's case)
t_api_userinfo() {
    aconf '"badjson"'
    async -v --inferencex-url "${API_URL/:\/\//://someone:s3cretpw@}"
    aconf ''
    assert_contains "$W/out" "/api/v1/availability" && assert_not_contains "$W/out" "s3cretpw" &&
        assert_not_contains "$W/out" "someone:"
}

# a named run the API does not have: said, and the result incomplete (exit 1), as for the backup
t_api_named_missing() {
    async 99999999999
    assert_eq "$?" 1 "exit status: $(cat "$W/out")" &&
        assert_contains "$W/out" "run 99999999999: the InferenceX API has no rows of it"
}

t_api_descriptors() {
    lowlimit sync --source api --inferencex-url "$API_URL" --cache "$(mktemp -d "$W/a.XXXXXX")" \
        --since 2000-01-01 --jobs 64
    assert_eq "$?" 0 "exit status: $(tail -3 "$W/out")" && assert_not_contains "$W/out" "open files" &&
        assert_contains "$W/out" "artifacts stored (" &&
        assert_not_contains "$W/out" "artifacts stored (0 B)" # what the run lines say they got
}

t_api_drip() {
    local t0=$SECONDS
    aconf '"drip:count=1"'
    IMX_STALL_TIMEOUT=2 async
    local rc=$?
    aconf ''
    assert_eq "$rc" 0 "exit status: $(cat "$W/out")" && [ $((SECONDS - t0)) -lt 30 ] ||
        fail "took $((SECONDS - t0)) s"
}

t_run "bounds sources: a GCS listing nested 400000 deep is refused, no crash" t_gcs_deep_listing
t_run "bounds sources: a GCS metadata object nested deep, no crash" t_gcs_deep_metadata
t_run "bounds sources: a GCS listing that is not JSON is the server failing (exit 3)" t_gcs_not_json
t_run "bounds sources: GCS pages with a fresh token each stop at the cap" t_gcs_fresh_tokens
t_run "bounds sources: a GCS body dripping 2 B/s is cut and retried" t_gcs_drip
t_run "bounds sources: GCS and dir with --jobs 64 under ulimit -n 24" t_gcs_descriptors
t_run "bounds sources: an API answer nested 400000 deep is refused, no crash" t_api_deep
t_run "bounds sources: an API answer that is not JSON is the server failing (exit 3)" t_api_not_json
t_run "bounds sources: an API body dripping 2 B/s is cut and retried" t_api_drip
t_run "bounds sources: the API with --jobs 64 under ulimit -n 24" t_api_descriptors
t_run "bounds sources: a named run the API lacks is exit 1" t_api_named_missing
t_run "bounds sources: no API message prints user:password@ of the URL" t_api_userinfo
