#!/usr/bin/env bash
# runs_basic: `imx runs`: the cache's runs (--offline) and GitHub's, with dates, attempts,
# cached or not, artifacts, sizes, rows per model and expiry, as a plain aligned table.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"

W=$(t_tmp)
TOKEN="ghp_runs$RANDOM"
mkfixture "$W/fx" --synthetic 4 --token "$TOKEN" --rerun @0 --expired @3 >"$W/ids" || exit 1
mapfile -t IDS <"$W/ids"
fake_start "$W" "$W/fx/fixture.json" || exit 1
GH_TOKEN=$TOKEN imx sync --github-url "$FAKE_API" --cache "$W/c" --collect-recent 2 >/dev/null 2>&1

t_offline() {
    fresh
    imx runs --offline --cache "$W/c" >"$W/o1" 2>"$W/e1" || return 1
    flog "$W/l1"
    assert_eq "$(fcount "$W/l1" "True")" 0 "requests with --offline" &&
        assert_eq "$(head -1 "$W/o1" | awk '{print $1, $2, $NF}')" "RUN CREATED MODELS" &&
        assert_eq "$(tail -n +2 "$W/o1" | wc -l)" 2 "cached runs listed" || return 1
    # ROWS, then the GPUS and MODELS the run measured
    grep -q "^${IDS[0]} .* 2 *yes *no *1 .* 8 (dsr1 4, gptoss 4)  .*gptoss" "$W/o1" ||
        fail "re-run line: $(grep "${IDS[0]}" "$W/o1")"
}

t_online() {
    fresh
    GH_TOKEN=$TOKEN imx runs --github-url "$FAKE_API" --cache "$W/c" >"$W/o2" 2>"$W/e2" ||
        { cat "$W/e2"; return 1; }
    assert_eq "$(tail -n +2 "$W/o2" | wc -l)" 4 "runs listed" &&
        grep -q "^${IDS[2]} .* no .*" "$W/o2" &&
        grep -q "^${IDS[3]} .* no *yes " "$W/o2" || fail "uncached/expired lines: $(cat "$W/o2")" || return 1
    # columns line up: every line has the ROWS column at the same offset
    local col
    col=$(head -1 "$W/o2" | grep -bo 'ROWS' | cut -d: -f1)
    assert_eq "$(tail -n +2 "$W/o2" | cut -c$((col + 1)) | grep -c '[0-9-]')" 4 "aligned ROWS column"
}

# an empty cache is no error: the header alone (and no sort of nothing: UBSan checks); a
# missing cache is an error that creates nothing
t_empty() {
    mkdir -p "$W/empty"
    imx runs --offline --cache "$W/empty" >"$W/o3" 2>"$W/e3" || return 1
    assert_eq "$(wc -l <"$W/o3")" 1 "lines for an empty cache" || return 1
    imx runs --offline --cache "$W/none" >"$W/o3" 2>"$W/e3"
    assert_eq $? 5 "a missing cache" || return 1
    assert_contains "$W/e3" "does not exist" && [ ! -e "$W/none" ]
}

t_bad_dates() {
    # a created_at that is no instant (hour 24, a 31st of February) is unknown, as extract reads
    # the run undated: the same warning and status, no date shown
    local c="$W/bad" r
    cp -r "$TESTS_DIR/cases/0350-filters-gpu-seq/cache" "$c" || return 1
    sed -i 's/"created_at": *"[^"]*"/"created_at": "2026-01-06T24:00:00Z"/' "$c/run_1000/run.json"
    sed -i 's/"created_at": *"[^"]*"/"created_at": "2026-02-31T10:00:00Z"/' "$c/run_1100/run.json"
    imx extract --offline --cache "$c" --model all -o "$W/bad.csv" -q 2>"$W/be"
    assert_eq "$?" 1 "extract's status" || return 1
    imx runs --offline --cache "$c" >"$W/bo" 2>"$W/bre"
    assert_eq "$?" 1 "runs' status" &&
        assert_eq "$(grep -c 'is not a date' "$W/bre")" 2 "warnings" &&
        assert_eq "$(grep -c 'is not a date' "$W/be")" 2 "extract's warnings" || return 1
    for r in 1000 1100; do
        assert_eq "$(awk -v r=$r '$1 == r { print $2 }' "$W/bo")" "-" "run $r's date" || return 1
    done
    assert_eq "$(awk '$1 == 1200 { print $2 }' "$W/bo")" "2026-01-20" "a valid date" || return 1
    imx runs --offline --cache "$c" --format csv 2>/dev/null >"$W/bc"
    assert_eq "$(grep -c '^1[01]00,,' "$W/bc")" 2 "empty created cells in CSV"
}

t_run "runs: --offline lists the cache without a request" t_offline
t_run "runs: a created_at that is not a date is unknown, as for extract" t_bad_dates
t_run "runs: an empty cache lists no run; a missing one is an error" t_empty
t_run "runs: GitHub's runs merged with the cache, expired shown" t_online
