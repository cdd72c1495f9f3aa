#!/usr/bin/env bash
# sync_basic: `imx sync` against the fake GitHub: selection (newest, --collect-recent, named runs,
# dates), the cache layout, manifests, re-runs, expired, raw and legacy artifacts, what the
# request log shows (token only to the API, User-Agent, no second download, ETags), the lock.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"

W=$(t_tmp)
TOKEN="ghp_test$RANDOM$RANDOM$RANDOM"
# six runs, newest first: @0 re-run (two results_bmk), @1 raw results_bmk, @2 only bmk_*,
# @3 expired, @4 legacy (no digest, chunked), @5 plain
mkfixture "$W/fx" --synthetic 6 --token "$TOKEN" --rerun @0 --non-zip @1 --no-aggregate @2 \
    --expired @3 --legacy @4 >"$W/ids" || exit 1
mapfile -t IDS <"$W/ids"
fake_start "$W" "$W/fx/fixture.json" || exit 1
API=$FAKE_API

sync() { GH_TOKEN=$TOKEN imx sync --github-url "$API" "$@"; }
# art FIELD RUN NAME: a field of the newest artifact NAME of RUN in the fixture
art() {
    python3 - "$W/fx/fixture.json" "$@" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
_, field, run, name = sys.argv[1:]
a = [x for x in f["artifacts"] if x["run_id"] == int(run) and x["name"] == name]
print(max(a, key=lambda x: x["id"])[field] if a else "")
PY
}

t_default_newest() {
    fresh
    sync --cache "$W/c0" >"$W/o0" 2>&1 || { cat "$W/o0"; return 1; }
    assert_eq "$(ls "$W/c0" | grep -c '^run_')" 1 "runs synced by default" &&
        [ -f "$W/c0/run_${IDS[0]}/agg_bmk.json" ] || fail "newest run not synced"
}

t_recent() {
    fresh
    sync --cache "$W/c" --collect-recent 6 >"$W/o1" 2>&1 || { cat "$W/o1"; return 1; }
    flog "$W/l1"
    local c=$W/c
    for id in "${IDS[@]}"; do
        [ -f "$c/run_$id/run.json" ] && [ -f "$c/run_$id/imx-manifest.json" ] ||
            fail "run $id: run.json or manifest missing" || return 1
    done
    # the re-run: the aggregate with the higher id, the first attempt's never downloaded
    local hi lo
    hi=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); print(sorted(a["id"] for a in f["artifacts"] if a["run_id"]==int(sys.argv[2]) and a["name"]=="results_bmk"))' "$W/fx/fixture.json" "${IDS[0]}")
    lo=$(echo "$hi" | tr -d '[] ' | cut -d, -f1)
    hi=$(echo "$hi" | tr -d '[] ' | cut -d, -f2)
    assert_eq "$(fcount "$W/l1" "r['path'].endswith('/artifacts/$lo/zip')")" 0 "first attempt downloaded" &&
        grep -q "\"id\": $hi, \"name\": \"results_bmk\"" "$c/run_${IDS[0]}/imx-manifest.json" &&
        cmp -s <(unzip -p "$W/fx/$(art blob_file "${IDS[0]}" results_bmk)" agg_bmk.json) \
            "$c/run_${IDS[0]}/agg_bmk.json" || fail "re-run aggregate not the newest" || return 1
    # raw (archive: false) results_bmk: stored as the file it is
    cmp -s "$W/fx/$(art blob_file "${IDS[1]}" results_bmk)" "$c/run_${IDS[1]}/agg_bmk.json" ||
        fail "raw artifact not stored as is" || return 1
    # per-configuration artifacts only: each into its folder, nothing else fetched
    local n
    n=$(ls -d "$c/run_${IDS[2]}"/bmk_* | wc -l)
    [ "$n" -ge 1 ] && [ ! -e "$c/run_${IDS[2]}/agg_bmk.json" ] &&
        ls "$c/run_${IDS[2]}"/bmk_*/agg_*.json >/dev/null || fail "bmk_* artifacts missing" || return 1
    # skipped kinds are never asked for
    assert_eq "$(ls -d "$c"/run_*/server_logs_* "$c"/run_*/gpu_metrics_* "$c"/run_*/run-stats 2>/dev/null | wc -l)" 0 \
        "logs/metrics/run-stats fetched" || return 1
    # expired: recorded, not asked, said in the summary
    grep -q '"state": "expired"' "$c/run_${IDS[3]}/imx-manifest.json" &&
        assert_contains "$W/o1" "only in caches" || return 1
    # legacy: no digest, chunked, still stored
    [ -s "$c/run_${IDS[4]}/agg_bmk.json" ] || fail "legacy artifact missing" || return 1
    assert_contains "$W/o1" "run ${IDS[5]} (" &&
        grep -q "run ${IDS[0]} (20..-..-..): downloaded 1 artifact" "$W/o1" &&
        grep -q 'rows (' "$W/o1" || return 1
    # the log: the token only to the API, User-Agent and GitHub's headers everywhere
    local want
    want=$(sha "Bearer $TOKEN")
    assert_eq "$(fcount "$W/l1" "r['host']=='blob' and (r['auth'] or 'authorization' in r['headers'])")" 0 \
        "Authorization sent to the blob host" &&
        assert_eq "$(fcount "$W/l1" "r['host']=='api' and r.get('authorization_raw_sha256')!='$want'")" 0 \
            "API request without the token" &&
        assert_eq "$(fcount "$W/l1" "not r['headers'].get('user-agent','').startswith('imx/')")" 0 \
            "request without User-Agent" &&
        assert_eq "$(fcount "$W/l1" "r['host']=='api' and (r['headers'].get('accept')!='application/vnd.github+json' or r['headers'].get('x-github-api-version')!='2022-11-28')")" 0 \
            "API request without Accept or X-GitHub-Api-Version" &&
        assert_eq "$(fcount "$W/l1" "'status=success' in r['query'] and 'per_page=100' in r['query']")" 1 \
            "run listing without status=success&per_page=100" || return 1
    # nothing downloaded twice
    assert_eq "$(python3 -c 'import json,sys,collections; l=json.load(open(sys.argv[1])); c=collections.Counter(r["path"] for r in l if r["path"].endswith("/zip")); print(max(c.values()))' "$W/l1")" 1 \
        "an artifact downloaded twice"
}

t_run_json_exact() {
    # run.json is the run object as the API gave it (the listing's element, byte for byte)
    local id=${IDS[5]}
    curl -sf -H 'User-Agent: t' -H "Authorization: Bearer $TOKEN" \
        "$API/repos/SemiAnalysisAI/InferenceX/actions/workflows/run-sweep.yml/runs?status=success&per_page=100" \
        >"$W/listing.json" || return 1
    python3 - "$W/listing.json" "$W/c/run_$id/run.json" "$id" <<'PY'
import json, sys
listing = json.load(open(sys.argv[1]))
mine = json.load(open(sys.argv[2]))
want = [r for r in listing["workflow_runs"] if r["id"] == int(sys.argv[3])][0]
assert mine == want, "run.json differs from the API's object"
PY
}

t_warm() {
    fresh
    sync --cache "$W/c" --collect-recent 6 >"$W/o2" 2>&1 || { cat "$W/o2"; return 1; }
    flog "$W/l2"
    local api blob inm
    api=$(fcount "$W/l2" "r['host']=='api'")
    blob=$(fcount "$W/l2" "r['host']=='blob'")
    inm=$(fcount "$W/l2" "r['host']=='api' and 'if-none-match' in r['headers'] and r['status']==304")
    [ "$api" -le 2 ] || fail "$api API requests on a sync with nothing new" || return 1
    assert_eq "$blob" 0 "downloads on a sync with nothing new" &&
        assert_eq "$inm" "$api" "requests without If-None-Match or not answered 304" &&
        assert_contains "$W/o2" "cached"
}

t_named() {
    fresh
    sync --cache "$W/cn" "${IDS[5]}" "${IDS[4]}" >"$W/o3" 2>&1 || { cat "$W/o3"; return 1; }
    assert_eq "$(ls "$W/cn" | grep -c '^run_')" 2 "named runs" || return 1
    fresh
    sync --cache "$W/cn" "${IDS[5]}" "${IDS[4]}" >"$W/o4" 2>&1 || { cat "$W/o4"; return 1; }
    flog "$W/l4"
    assert_eq "$(fcount "$W/l4" "True")" 0 "requests for cached named runs"
}

t_dates() {
    fresh
    local day want
    day=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); print(sorted(r["created_at"] for r in f["runs"])[2][:10])' "$W/fx/fixture.json")
    want=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); print(" ".join(sorted("run_%d" % r["id"] for r in f["runs"] if r["created_at"].startswith(sys.argv[2]))))' "$W/fx/fixture.json" "$day")
    sync --cache "$W/cd" --since "$day" --until "$day" >"$W/o5" 2>&1 || { cat "$W/o5"; return 1; }
    flog "$W/l5"
    assert_eq "$(ls "$W/cd" | grep '^run_' | sort | tr '\n' ' ' | sed 's/ $//')" "$want" "runs of $day" &&
        assert_eq "$(fcount "$W/l5" "'created=$day..$day' in r['query'].replace('%2E','.')")" 1 "created= filter"
}

# --official: only push runs on main, asked of GitHub through the listing's filters
t_official() {
    fresh
    sync --cache "$W/co" --official --collect-recent 1 >"$W/o5b" 2>&1 || { cat "$W/o5b"; return 1; }
    flog "$W/l5b"
    assert_eq "$(fcount "$W/l5b" "r['path'].endswith('/runs') and 'branch=main' in r['query'] and 'event=push' in r['query']")" 1 \
        "run listings filtered on branch=main and event=push"
}

t_no_token() {
    fresh
    # --source github asks for GitHub alone (without it, the backup serves: sync_notoken.sh)
    GH_TOKEN= GITHUB_TOKEN= imx sync --source github --github-url "$API" --cache "$W/ct" \
        --collect-recent 2 >"$W/o6" 2>&1
    local rc=$?
    flog "$W/l6"
    assert_eq "$rc" 3 "exit status without a token" &&
        assert_eq "$(grep -c 'GH_TOKEN' "$W/o6")" 1 "the token hint, once" &&
        assert_eq "$(fcount "$W/l6" "r['path'].endswith('/zip')")" 0 "downloads tried without a token" &&
        [ "$(fcount "$W/l6" "'/runs?' in r['url'] and not r['auth']")" -ge 1 ] ||
        fail "listing without a token did not happen"
}

t_jobs1_same() {
    fresh
    sync --cache "$W/cj" --collect-recent 6 --jobs 1 >"$W/o7" 2>&1 || { cat "$W/o7"; return 1; }
    diff -r -x imx-manifest.json -x .imx "$W/c" "$W/cj" >&2 || fail "--jobs 1 gives another cache"
}

t_verbose_redacted() {
    fresh
    sync --cache "$W/cv" -v -v --collect-recent 2 >"$W/o8" 2>&1 || { cat "$W/o8"; return 1; }
    grep -q 'GET .*/zip -> 302' "$W/o8" && grep -q '<query hidden>' "$W/o8" &&
        grep -q 'Authorization: Bearer <redacted>' "$W/o8" ||
        fail "verbose log lacks requests" || return 1
    ! grep -q 'sig=' "$W/o8" || fail "a signed query was printed"
}

t_token_never_leaks() {
    no_token_anywhere "$TOKEN" "$W"/o* "$W/c" "$W/cv" "$W/cn" "$W/cj"
}

t_superseded() {
    # a run synced, then re-run on GitHub: the new aggregate replaces the old, which is kept
    mkfixture "$W/fx2" --synthetic 6 --token "$TOKEN" --non-zip @1 --no-aggregate @2 --expired @3 \
        --legacy @4 >/dev/null || return 1
    fake_ctl POST fixture "{\"path\": \"$W/fx2/fixture.json\"}" >/dev/null || return 1
    fresh
    sync --cache "$W/cs" >"$W/o9" 2>&1 || { cat "$W/o9"; return 1; }
    cp "$W/cs/run_${IDS[0]}/agg_bmk.json" "$W/first.json"
    fake_ctl POST fixture "{\"path\": \"$W/fx/fixture.json\"}" >/dev/null || return 1
    fresh
    sync --cache "$W/cs" >"$W/o10" 2>&1 || { cat "$W/o10"; return 1; }
    local old
    old=$(ls -d "$W/cs/run_${IDS[0]}"/.superseded/*-results_bmk 2>/dev/null | head -1)
    [ -n "$old" ] && cmp -s "$old/agg_bmk.json" "$W/first.json" ||
        fail "superseded aggregate not kept" || return 1
    ! cmp -s "$W/cs/run_${IDS[0]}/agg_bmk.json" "$W/first.json" || fail "re-run not applied" || return 1
    grep -q '"state": "superseded"' "$W/cs/run_${IDS[0]}/imx-manifest.json" &&
        grep -q '"run_attempt": 2' "$W/cs/run_${IDS[0]}/imx-manifest.json" &&
        assert_contains "$W/o10" "superseded"
}

t_lock() {
    # --no-wait fails at once while another process holds the lock
    mkdir -p "$W/cl/.imx"
    flock "$W/cl/.imx/lock" -c "GH_TOKEN=$TOKEN \"$IMX\" sync --github-url $API --cache $W/cl --no-wait" \
        >"$W/o11" 2>&1
    local rc=$?
    assert_eq "$rc" 4 "exit status of --no-wait on a locked cache" &&
        assert_contains "$W/o11" "another imx" || return 1
    # without it, it waits (with a message) and then works; the holder lets go only once the
    # waiting message is out, however slowly imx starts (valgrind on a loaded machine)
    flock "$W/cl/.imx/lock" sleep 300 &
    local holder=$!
    while flock -n "$W/cl/.imx/lock" true; do sleep 0.01; done
    sync --cache "$W/cl" >"$W/o12" 2>&1 &
    local syncer=$!
    while ! grep -q waiting "$W/o12" 2>/dev/null && kill -0 $syncer 2>/dev/null; do sleep 0.01; done
    pkill -P $holder sleep 2>/dev/null
    kill $holder 2>/dev/null
    wait $holder 2>/dev/null
    wait $syncer
    rc=$?
    assert_eq "$rc" 0 "exit status after waiting" && assert_contains "$W/o12" "waiting" ||
        return 1
    # a signal while waiting ends the wait: status 130, said so, the lock file untouched (the
    # holder keeps the lock until the waiter is gone, however loaded the machine)
    flock "$W/cl/.imx/lock" sleep 300 &
    holder=$!
    while flock -n "$W/cl/.imx/lock" true; do sleep 0.01; done
    GH_TOKEN=$TOKEN "$IMX" sync --github-url "$API" --cache "$W/cl" >"$W/o13" 2>&1 &
    local waiter=$!
    while ! grep -q waiting "$W/o13" 2>/dev/null; do sleep 0.01; done
    kill -TERM $waiter
    wait $waiter
    rc=$?
    pkill -P $holder sleep 2>/dev/null
    kill $holder 2>/dev/null
    wait $holder 2>/dev/null
    assert_eq "$rc" 130 "exit status of a wait ended by SIGTERM" &&
        assert_contains "$W/o13" "interrupted while waiting"
}

# A first sync that fails on a cache folder it made leaves that folder with imx's private state
# only (.imx: its lock, which another imx may be waiting on, is never deleted): reading commands
# say the cache has no runs, and the next sync accepts it and completes it as a fresh one would.
t_failed_first_sync() {
    local c="$W/new/deeper"
    fresh
    GH_TOKEN=$TOKEN imx sync --github-url "http://127.0.0.1:1" --cache "$c" --collect-recent 6 \
        >"$W/o9" 2>&1
    assert_eq $? 3 "a sync against a closed port" || return 1
    assert_eq "$(ls -A "$c")" ".imx" "what the failed sync left" || return 1
    imx extract --offline --cache "$c" -o "$W/x.csv" 2>"$W/e9"
    assert_eq $? 5 "extract of the cache left" || return 1
    assert_contains "$W/e9" "no runs in the cache" || return 1
    sync --cache "$c" --collect-recent 6 >"$W/o9" 2>&1 || { cat "$W/o9"; return 1; }
    diff -r -x imx-manifest.json -x .imx "$W/c" "$c" >&2 || fail "the re-run gives another cache"
}

t_run "sync: default is the newest successful run" t_default_newest
t_run "sync: --collect-recent layout, re-run, raw, per-config, expired, legacy; log checks" t_recent
t_run "sync: run.json is the API's run object" t_run_json_exact
t_run "sync: nothing new costs at most 2 API requests (304), no download" t_warm
t_run "sync: named runs; cached named runs cost no request" t_named
t_run "sync: --since/--until map to created=" t_dates
t_run "sync: --official lists push runs on main only" t_official
t_run "sync --source github: without a token, listing works and downloads say how to set one, once" t_no_token
t_run "sync: --jobs 1 gives the same cache" t_jobs1_same
t_run "sync: a failed first sync leaves a cache the next sync completes" t_failed_first_sync
t_run "sync: --verbose shows requests, never a signed query or the token" t_verbose_redacted
t_run "sync: the token is never printed or stored" t_token_never_leaks
t_run "sync: a re-run supersedes the aggregate, the old one kept under .superseded" t_superseded
t_run "sync: one writer at a time (--no-wait fails, else waits, a signal ends the wait)" t_lock
