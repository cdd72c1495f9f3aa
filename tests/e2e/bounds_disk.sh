#!/usr/bin/env bash
# bounds_disk: a cache that fights back: FIFOs named run.json, imx-manifest.json or agg_*.json
# (which once blocked extract, runs and sync for ever), files nested 400,000 deep (which once
# crashed them), a descriptor limit far below --jobs 64; and the small CLI promises around
# them (--cache '', --no-wait on a locked cache, the --offline hint when the sync fails).
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"

W=$(t_tmp)
TOKEN="ghp_disk$RANDOM$RANDOM"
mkfixture "$W/fx" --synthetic 12 --token "$TOKEN" >"$W/ids" || exit 1
mapfile -t IDS <"$W/ids"
fake_start "$W" "$W/fx/fixture.json" || exit 1
API=$FAKE_API
GH_TOKEN=$TOKEN "$IMX" sync --github-url "$API" --cache "$W/base" --collect-recent 2 >/dev/null 2>&1 ||
    { echo "FAIL bounds_disk/setup"; exit 0; }
A=${IDS[0]}

# cache_copy: a fresh copy of the two-run cache in $C
cache_copy() {
    C=$(mktemp -d "$W/c.XXXXXX")
    cp -a "$W/base/." "$C/"
}

# within CMD...: runs imx with a 30 s limit (a hang fails); output in $W/out, status in RC
within() {
    timeout 30 "$IMX" "$@" >"$W/out" 2>&1
    RC=$?
    [ "$RC" -lt 124 ] || fail "imx $1: exit status $RC (hung or killed): $(tail -3 "$W/out")"
}

deep() { python3 -c 'import sys; n=400000; sys.stdout.write("{\"id\": 1, \"a\": " + "["*n + "]"*n + "}")'; }

t_fifo_run_json() {
    cache_copy
    rm "$C/run_$A/run.json" && mkfifo "$C/run_$A/run.json"
    within extract --offline --cache "$C" -o "$W/t.csv" && assert_contains "$W/out" "run_$A/run.json' is a FIFO" &&
        within runs --offline --cache "$C" &&
        within sync --github-url "$API" --cache "$C" --collect-recent 2
}

t_fifo_manifest() {
    cache_copy
    rm "$C/run_$A/imx-manifest.json" && mkfifo "$C/run_$A/imx-manifest.json"
    within runs --offline --cache "$C" && within extract --offline --cache "$C" -o "$W/t.csv" &&
        GH_TOKEN=$TOKEN within sync --github-url "$API" --cache "$C" --collect-recent 2 &&
        assert_contains "$W/out" "imx-manifest.json' is a FIFO"
}

t_fifo_aggregate() {
    cache_copy
    rm "$C/run_$A/agg_bmk.json" && mkfifo "$C/run_$A/agg_bmk.json"
    within extract --offline --cache "$C" --model all -o "$W/t.csv" &&
        assert_contains "$W/out" "agg_bmk.json' is a FIFO" && assert_eq "$RC" 1 "exit status"
}

# a result file or run.json linked to a file outside the cache is not read: named, skipped
outside_row='[{"hw": "b200", "infmax_model_prefix": "gptoss", "framework": "vllm", "precision": "fp4",
 "isl": 1024, "osl": 1024, "tp": 8, "ep": 1, "conc": 77777, "tput_per_gpu": 424242.5}]'

t_link_aggregate() {
    cache_copy
    echo "$outside_row" >"$W/outside.json"
    rm "$C/run_$A/agg_bmk.json" && ln -s "$W/outside.json" "$C/run_$A/agg_bmk.json"
    within extract --offline --cache "$C" --model all -o "$W/t.csv" && assert_eq "$RC" 1 "exit status" &&
        assert_contains "$W/out" "run_$A/agg_bmk.json' is a symbolic link" &&
        assert_not_contains "$W/t.csv" "424242.5" && within runs --offline --cache "$C" &&
        assert_contains "$W/out" "run_$A/agg_bmk.json' is a symbolic link"
}

t_link_run_json() {
    cache_copy
    echo '{"id": 1, "created_at": "1999-09-09T09:09:09Z", "event": "push"}' >"$W/outside-run.json"
    rm "$C/run_$A/run.json" && ln -s "$W/outside-run.json" "$C/run_$A/run.json"
    within extract --offline --cache "$C" --model all -o "$W/t.csv" &&
        assert_contains "$W/out" "run_$A/run.json' is a symbolic link" &&
        assert_not_contains "$W/t.csv" "1999-09-09"
}

# folders linked to outside the cache (a run folder, an artifact folder, the API's folder) are
# not read through either: named, exit 1, none of their rows in any reader's output
t_link_folders() {
    local run=$((A + 1)) apirun=$((A + 2)) cmd
    cache_copy
    mkdir -p "$W/outside-dir" "$W/outside-api" && echo "$outside_row" >"$W/outside-dir/agg_bmk.json"
    echo "$outside_row" >"$W/outside-api/benchmarks_gptoss_a1.json"
    ln -s "$W/outside-dir" "$C/run_$run"
    rm "$C/run_$A/agg_bmk.json" && ln -s "$W/outside-dir" "$C/run_$A/results_bmk"
    mkdir "$C/run_$apirun" && ln -s "$W/outside-api" "$C/run_$apirun/api"
    within extract --offline --cache "$C" --model all -o "$W/t.csv" && assert_eq "$RC" 1 "exit status" &&
        assert_contains "$W/out" "'$C/run_$run': a symbolic link" &&
        assert_contains "$W/out" "'$C/run_$A/results_bmk': a symbolic link" &&
        assert_contains "$W/out" "'$C/run_$apirun/api': a symbolic link" &&
        assert_not_contains "$W/t.csv" "424242.5" || return 1
    for cmd in "extract --history --format jsonl" "pareto --all-points" "trend --interactivity 50"; do
        # shellcheck disable=SC2086
        within $cmd --offline --cache "$C" --model gptoss -o "$W/t2" && assert_eq "$RC" 1 "$cmd" &&
            assert_not_contains "$W/t2" "77777" || return 1
    done
}

t_deep_run_json() {
    cache_copy
    deep >"$C/run_$A/run.json"
    within extract --offline --cache "$C" -o "$W/t.csv" &&
        assert_contains "$W/out" "nesting deeper than 64" && within runs --offline --cache "$C"
}

t_deep_manifest() {
    cache_copy
    deep >"$C/run_$A/imx-manifest.json"
    within runs --offline --cache "$C" &&
        GH_TOKEN=$TOKEN within sync --github-url "$API" --cache "$C" --collect-recent 2 &&
        assert_contains "$W/out" "nesting deeper than 64"
}

t_deep_aggregate() {
    cache_copy
    deep >"$C/run_$A/agg_bmk.json"
    within extract --offline --cache "$C" -o "$W/t.csv" && assert_eq "$RC" 1 "exit status" &&
        within runs --offline --cache "$C"
}

# --jobs 64 under `ulimit -n 24`: slower, never "Too many open files"
t_descriptor_limit() {
    C=$(mktemp -d "$W/c.XXXXXX")
    (
        ulimit -n 24
        GH_TOKEN=$TOKEN timeout 60 "$IMX" sync --github-url "$API" --cache "$C" \
            --collect-recent 12 --jobs 64 >"$W/out" 2>&1
    )
    assert_eq "$?" 0 "exit status: $(tail -3 "$W/out")" && assert_not_contains "$W/out" "open files" &&
        assert_eq "$(ls -d "$C"/run_* | wc -l)" 12 "runs synced"
}

# below the floor not even --jobs 1 fits: one message before any work, not run after run failing
# (some as "host could not be reached") and a half-filled cache
t_descriptor_floor() {
    C=$(mktemp -d "$W/c.XXXXXX")
    (
        ulimit -n 16
        GH_TOKEN=$TOKEN timeout 60 "$IMX" sync --github-url "$API" --cache "$C/raw" \
            --collect-recent 12 --jobs 64 >"$W/out" 2>&1
    )
    assert_eq "$?" 4 "exit status: $(tail -3 "$W/out")" && assert_contains "$W/out" "ulimit -n" &&
        assert_not_contains "$W/out" "could not be reached" && [ ! -e "$C/raw" ] ||
        fail "the cache was started: $(ls -A "$C/raw")"
}

t_empty_cache_option() {
    "$IMX" extract --offline --cache '' -o "$W/t.csv" >"$W/out" 2>&1
    assert_eq "$?" 2 "exit status" && assert_contains "$W/out" "--cache"
}

# --no-wait on a locked cache: the lock error, not an all-zero summary first
t_no_wait_quiet() {
    cache_copy
    flock "$C/.imx/lock" sleep 5 &
    local holder=$!
    sleep 0.3
    GH_TOKEN=$TOKEN "$IMX" sync --no-wait --github-url "$API" --cache "$C" >"$W/out" 2>&1
    local rc=$?
    kill "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
    assert_eq "$rc" 4 "exit status: $(cat "$W/out")" && assert_not_contains "$W/out" "GitHub: 0 runs" &&
        assert_not_contains "$W/out" "Requests:"
}

# extract with GitHub unreachable: the table from the cache, and a hint about --offline
t_offline_hint() {
    cache_copy
    IMX_RETRY_DELAY_MS=1 within extract --github-url "http://127.0.0.1:9" --cache "$C" -o "$W/t.csv" &&
        assert_contains "$W/out" "--offline" && [ -s "$W/t.csv" ]
}

t_run "bounds disk: a FIFO named run.json blocks nothing" t_fifo_run_json
t_run "bounds disk: a FIFO named imx-manifest.json blocks nothing" t_fifo_manifest
t_run "bounds disk: a FIFO named agg_bmk.json is skipped, named" t_fifo_aggregate
t_run "bounds disk: an agg_bmk.json linked outside the cache is not read, named" t_link_aggregate
t_run "bounds disk: a run.json linked outside the cache is not read, named" t_link_run_json
t_run "bounds disk: run, artifact and API folders linked outside the cache are not read" t_link_folders
t_run "bounds disk: a run.json nested 400000 deep, no crash" t_deep_run_json
t_run "bounds disk: an imx-manifest.json nested 400000 deep, no crash" t_deep_manifest
t_run "bounds disk: an aggregate nested 400000 deep, no crash" t_deep_aggregate
t_run "bounds disk: --jobs 64 under ulimit -n 24 slows down, never fails" t_descriptor_limit
t_run "bounds disk: a descriptor limit below what one job needs is said at once" t_descriptor_floor
t_run "bounds disk: --cache '' is a usage error" t_empty_cache_option
t_run "bounds disk: --no-wait on a locked cache prints no summary" t_no_wait_quiet
t_run "bounds disk: a failed sync before extract hints at --offline" t_offline_hint
