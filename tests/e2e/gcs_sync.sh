#!/usr/bin/env bash
# gcs_sync: `imx sync --source gcs` against the fake GCS backup: cache layout, the same table as
# the GitHub source gives, incremental re-sync, no Authorization header, and the faults of notes 5.3.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/gcs.sh"

if ! "$IMX" sync --help 2>/dev/null | grep -q -- '--source'; then
    t_skip gcs_sync "imx sync is not built yet (the GitHub sync provides the command)"
    exit 0
fi
W=$(t_tmp)
REAL=0
if [ -d "$SHARED_RAW" ]; then
    REAL=1
    mkgcsfixture "$W/data" --synthetic --real "$SHARED_RAW" >/dev/null || exit 1
else
    mkgcsfixture "$W/data" --synthetic >/dev/null || exit 1
fi
gcs_start "$W/data" || exit 1
export IMX_GCS_URL=$GCS_URL

gsync() { imx sync --source gcs --cache "$W/cache" "$@"; }

t_layout() {
    gsync --since 2025-12-20 --until 2026-01-07 >"$W/out1" 2>&1 || { cat "$W/out1"; return 1; }
    local c=$W/cache
    [ -f "$c/run_20400000044/agg_bmk.json" ] || fail "results_bmk not unpacked into run_<ID>/" || return 1
    [ -f "$c/run_20720000077/bmk_gptoss_1k1k_fp4_vllm_tp8_ep1_dpa_false_conc4_h100-nb_0/agg_gptoss_1k1k_fp4_vllm_tp8_ep1_dpa_false_conc4_h100-nb_0.json" ] ||
        fail "per-configuration artifact not in run_<ID>/<name>/" || return 1
    [ ! -d "$c/run_20400000055" ] || fail "End-to-End run synced by default" || return 1
    [ -f "$c/run_20760000099/agg_bmk.json" ] || fail "run folder with ' ' and '+' missed" || return 1
    [ ! -d "$c/run_20720000066/server_logs_gptoss_1k1k_fp4_vllm_tp8_ep1_dpa_false_conc4_h100-nb_0" ] ||
        fail "logs fetched without --artifact" || return 1
    assert_contains "$c/run_20400000044/run.json" '"imx_source": "gcs-backup"' &&
        assert_contains "$c/run_20740000088/run.json" '"created_at": "2026-01-06T00:00:00Z"' &&
        grep -q gcs "$c/run_20400000044/imx-manifest.json" &&
        grep -qi 'not parse\|unparsable\|did not parse' "$W/out1" &&
        grep -qE 'GCS: [0-9]+ runs \([1-9][0-9]* updated.*; [0-9]+ date folders \([0-9]+ listed now\)' \
            "$W/out1" &&
        assert_eq "$(gcs_count '"authorization" in r["headers"]')" 0
}

t_rerun_highest_id() {
    # The re-run's aggregate (higher artifact id) is the one in the cache.
    ! grep -qF '"tput_per_gpu": 1.5,' "$W/cache/run_20720000066/agg_bmk.json" || fail "stale results_bmk kept"
}

t_warm() {
    : >"$GCS_LOG"
    gsync --since 2025-12-20 --until 2026-01-07 >"$W/out2" 2>&1 || { cat "$W/out2"; return 1; }
    local lists gets
    lists=$(gcs_count 'r["path"].startswith("/storage/v1/b/")')
    gets=$(gcs_count 'not r["path"].startswith("/storage/v1/b/")')
    [ "$lists" -le 3 ] || fail "$lists list requests on a warm re-sync" || return 1
    assert_eq "$gets" 0 "downloads on a warm re-sync"
}

# downloads wait for verification in the store's scratch folder, which the next sync empties of
# what a killed process left (kill -9 skips every cleanup)
t_scratch_swept() {
    mkdir -p "$W/cache/.imx/tmp" && echo partial >"$W/cache/.imx/tmp/5000000123-99999.zip"
    gsync --since 2025-12-20 --until 2026-01-07 >"$W/out2b" 2>&1 || { cat "$W/out2b"; return 1; }
    [ ! -e "$W/cache/.imx/tmp/5000000123-99999.zip" ] || fail "a killed download's scratch copy kept" || return 1
    [ ! -e "$W/cache/.imx-gcs/tmp" ] || fail "scratch copies outside the swept folder"
}

t_scheduler() {
    gsync --workflow full-sweep-1k1k-scheduler.yml --since 2025-10-01 --until 2025-11-30 \
        >"$W/out3" 2>&1 || { cat "$W/out3"; return 1; }
    [ -f "$W/cache/run_18600000011/gptoss_1k1k_fp4_vllm_tp8_conc4_h100-cw_1/agg_gptoss_1k1k_fp4_vllm_tp8_conc4_h100-cw_1.json" ] ||
        fail "scheduler per-configuration artifact missing" || return 1
    [ ! -d "$W/cache/run_18600000011/results_gptoss_1k1k" ] || fail "results_<exp> fetched beside per-config" || return 1
    [ -f "$W/cache/run_19700000033/results_gptoss_1k1k/agg_gptoss_1k1k.json" ] ||
        fail "results_<exp> of a run without per-config artifacts missing" || return 1
    [ ! -d "$W/cache/run_18620000022" ] || fail "8k1k scheduler run taken for 1k1k"
}

t_same_table_as_github() {
    local c=$W/real
    gsync --cache "$c" --since 2025-12-01 --until 2026-01-31 >"$W/out4" 2>&1 || { cat "$W/out4"; return 1; }
    # the synthetic runs of those dates are not in the real cache: compare the real runs only
    local ids
    ids=$(cd "$SHARED_RAW" && ls -d run_* | sed 's/run_//')
    # shellcheck disable=SC2086
    imx extract --offline --cache "$c" --model gptoss -o "$W/gcs.csv" $ids || return 1
    # shellcheck disable=SC2086
    imx extract --offline --cache "$SHARED_RAW" --model gptoss -o "$W/gh.csv" $ids || return 1
    # benchmark_date comes from the backup (artifact time) unless GitHub fills run.json
    local col
    col=$(head -1 "$W/gh.csv" | tr ',' '\n' | grep -n '^benchmark_date$' | cut -d: -f1)
    # the source column says where each row came from (gcs here, github there)
    local scol
    scol=$(head -1 "$W/gh.csv" | tr ',' '\n' | grep -n '^source$' | cut -d: -f1)
    assert_file_eq <(cut -d, -f"$col${scol:+,$scol}" --complement "$W/gcs.csv") \
        <(cut -d, -f"$col${scol:+,$scol}" --complement "$W/gh.csv") &&
        assert_eq "$(cut -d, -f"$col" "$W/gcs.csv" | cut -c1-10 | md5sum)" \
            "$(cut -d, -f"$col" "$W/gh.csv" | cut -c1-10 | md5sum)"
}

t_private() {
    gcs_faults private
    gsync --refresh --since 2025-12-20 >"$W/out5" 2>&1
    local rc=$?
    gcs_faults
    assert_eq "$rc" 3 && assert_contains "$W/out5" "GCS source unavailable" &&
        [ -f "$W/cache/run_20400000044/agg_bmk.json" ]
}

t_missing_and_refused() {
    local c=$W/faults
    gcs_faults "missing:name=20720000077/artifacts/bmk_gptoss_1k1k_fp4_vllm_tp8_ep1_dpa_false_conc4" \
        "corrupt:name=20720000077/artifacts/bmk_gptoss_1k1k_fp4_vllm_tp8_ep1_dpa_false_conc64" \
        "truncate:name=20400000044/artifacts/results_bmk,count=1" \
        "503:name=20720000066/artifacts/results_bmk,retry_after=0,count=1" \
        "corrupt:name=20760000099/artifacts/results_bmk,count=1"
    gsync --cache "$c" --since 2025-12-20 --until 2026-01-07 >"$W/out6" 2>&1
    local rc=$?
    gcs_faults
    assert_eq "$rc" 1 "exit status with a missing and a refused artifact" &&
        grep -q '404' "$W/out6" && grep -qi 'md5\|hash\|verif' "$W/out6" &&
        assert_contains "$W/out6" \
            "run 20720000077 (2026-01-05, Run_Sweep_-_Add_b200_configs): downloaded 1 artifact (641 B); 2 failed" &&
        grep -qE "GCS: ([0-9]+) runs \(([0-9]+) updated, 0 cached, 1 incomplete\)" "$W/out6" &&
        assert_eq "$(sed -nE 's/.*GCS: ([0-9]+) runs \(([0-9]+) updated.*/\1 \2/p' "$W/out6" |
            awk '{ print $1 - $2 }')" 1 "every run but the one with failed artifacts updated" &&
        [ ! -d "$c/run_20720000077/bmk_gptoss_1k1k_fp4_vllm_tp8_ep1_dpa_false_conc64_h100-nb_0" ] &&
        [ -f "$c/run_20400000044/agg_bmk.json" ] && [ -f "$c/run_20720000066/agg_bmk.json" ] &&
        [ -f "$c/run_20760000099/agg_bmk.json" ]
}

# a named run whose listing fails (HTTP 500) is a failure of the bucket, not a run it lacks
t_named_listing_fails() {
    gcs_faults "500:path=/storage/v1/"
    gsync --cache "$W/named500" 20400000044 >"$W/out10" 2>&1
    local rc=$?
    gcs_faults
    assert_eq "$rc" 3 "exit status: $(cat "$W/out10")" &&
        assert_contains "$W/out10" "500" &&
        assert_not_contains "$W/out10" "is not in the GCS backup"
}

t_tokenloop() {
    gcs_faults tokenloop
    timeout 60 "$IMX" sync --source gcs --cache "$W/loop" --refresh --since 2026-01-05 --until 2026-01-05 >"$W/out7" 2>&1
    local rc=$?
    gcs_faults
    [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -qi 'pageToken' "$W/out7"
}

# a listing or a run's metadata gzip-compressed though imx did not ask for it (Content-Encoding
# said or not): named as such with its URL, not as JSON nested too deep
t_gzip_not_asked() {
    local f
    for f in "gzip:path=/storage/v1/" "gzip:path=/storage/v1/,header=0"; do
        gcs_faults "$f"
        gsync --cache "$W/gz1" --refresh --since 2026-01-05 --until 2026-01-05 >"$W/out8" 2>&1
        local rc=$?
        gcs_faults
        assert_eq "$rc" 3 "exit status ($f): $(cat "$W/out8")" &&
            assert_contains "$W/out8" "not JSON but gzip-compressed, which imx did not ask for" &&
            assert_contains "$W/out8" "$GCS_URL/storage/v1/b/" &&
            assert_not_contains "$W/out8" "nesting deeper" || return 1
    done
    gcs_faults "gzip:name=artifacts_metadata"
    gsync --cache "$W/gz2" --since 2025-12-20 --until 2026-01-07 >"$W/out9" 2>&1
    gcs_faults
    grep -q "artifacts_metadata.json of run [0-9]*: not JSON but gzip-compressed, which imx did not ask for ($GCS_URL/.*artifacts_metadata.json)" "$W/out9" ||
        fail "no message naming the compressed metadata: $(cat "$W/out9")" || return 1
    assert_not_contains "$W/out9" "nesting deeper" &&
        assert_contains "$W/gz2/run_20400000044/run.json" '"metadata": false'
}

t_run "gcs sync: cache layout, run.json from the backup, manifest, no Authorization" t_layout
t_run "gcs sync: re-run's aggregate (highest artifact id) wins" t_rerun_highest_id
t_run "gcs sync: warm re-sync lists little and downloads nothing" t_warm
t_run "gcs sync: scratch copies in the folder the next sync sweeps" t_scratch_swept
t_run "gcs sync: 2025 scheduler workflow, per-config over results_<exp>" t_scheduler
if [ $REAL = 1 ]; then
    t_run "gcs sync: real runs give the GitHub source's table" t_same_table_as_github
else
    t_skip "gcs sync: real runs give the GitHub source's table" "no $SHARED_RAW"
fi
t_run "gcs sync: 403 says the source is unavailable, keeps the cache" t_private
t_run "gcs sync: 404, hash mismatch refused, truncation/5xx/corruption retried" t_missing_and_refused
t_run "gcs sync: repeating pageToken stops" t_tokenloop
t_run "gcs sync: a gzip body not asked for is named, with its URL" t_gzip_not_asked
t_run "gcs sync: a named run whose listing fails is not called missing from the bucket" t_named_listing_fails
