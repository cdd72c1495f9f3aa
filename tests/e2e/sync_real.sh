#!/usr/bin/env bash
# sync_real: the shared real cache served by the fake GitHub (as results_bmk zips plus the
# artifacts to skip): `imx sync --collect-recent 30` into an empty cache gives agg_bmk.json files
# byte-identical to the shared ones, and the same table as `imx extract --offline` on them.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"

if [ ! -d "$SHARED_RAW" ]; then
    t_skip "sync real: 30 real runs byte-identical" "no shared real cache at $SHARED_RAW"
    t_skip "sync real: the same table as extract --offline on the shared cache" "no $SHARED_RAW"
    t_skip "sync real: damage found and repaired" "no $SHARED_RAW"
    exit 0
fi
W=$(t_tmp)
TOKEN="ghp_real$RANDOM"
mkfixture "$W/fx" --from-cache "$SHARED_RAW" --token "$TOKEN" >"$W/ids" || exit 1
fake_start "$W" "$W/fx/fixture.json" || exit 1

t_identical() {
    GH_TOKEN=$TOKEN imx sync --github-url "$FAKE_API" --cache "$W/c" --collect-recent 30 \
        >"$W/out" 2>&1 || { cat "$W/out"; return 1; }
    local n=0 id
    for id in $(head -30 "$W/ids"); do
        cmp "$W/c/run_$id/agg_bmk.json" "$SHARED_RAW/run_$id/agg_bmk.json" >&2 || return 1
        n=$((n + 1))
    done
    assert_eq "$n" 30 && assert_eq "$(ls -d "$W"/c/run_* | wc -l)" 30 "runs in the cache"
}

t_same_table() {
    local ids
    ids=$(head -30 "$W/ids" | tr '\n' ' ')
    # shellcheck disable=SC2086
    imx extract --offline --cache "$W/c" --model all -o "$W/synced.csv" $ids 2>/dev/null || return 1
    # shellcheck disable=SC2086
    imx extract --offline --cache "$SHARED_RAW" --model all -o "$W/shared.csv" $ids 2>/dev/null ||
        return 1
    assert_file_eq "$W/synced.csv" "$W/shared.csv"
}

# An mi355x aggregate deleted (its rows would silently vanish), another run's cut, a third's
# changed by one byte: extract says so, a plain sync fetches the first two, verify finds the
# third, --repair fetches it; the table is the shared cache's again.
t_damage_repaired() {
    local ids del cut chg
    ids=$(head -30 "$W/ids" | tr '\n' ' ')
    # shellcheck disable=SC2086
    set -- $(cd "$W/c" && grep -l mi355x run_*/agg_bmk.json | cut -d/ -f1 | head -3)
    [ $# = 3 ] || fail "fewer than 3 runs with mi355x rows" || return 1
    del=$1 cut=$2 chg=$3
    rm "$W/c/$del/agg_bmk.json"
    truncate -s 1000 "$W/c/$cut/agg_bmk.json"
    sed -i '0,/mi355x/s//mi355y/' "$W/c/$chg/agg_bmk.json"
    # shellcheck disable=SC2086
    imx extract --offline --cache "$W/c" --model all -o "$W/damaged.csv" $ids 2>"$W/x.err"
    assert_eq "$?" 1 "extract exit status" || return 1
    grep -q "imx sync --repair ${del#run_}'" "$W/x.err" &&
        grep -q "imx sync --repair ${cut#run_}'" "$W/x.err" || fail "$(cat "$W/x.err")" || return 1
    GH_TOKEN=$TOKEN imx sync --github-url "$FAKE_API" --cache "$W/c" --collect-recent 30 -q ||
        return 1
    cmp -s "$W/c/$del/agg_bmk.json" "$SHARED_RAW/$del/agg_bmk.json" &&
        cmp -s "$W/c/$cut/agg_bmk.json" "$SHARED_RAW/$cut/agg_bmk.json" ||
        fail "a plain sync did not fetch the deleted and the cut file" || return 1
    imx verify --cache "$W/c" >"$W/v.out" 2>/dev/null
    assert_eq "$?" 1 "verify exit status" || return 1
    assert_eq "$(cat "$W/v.out")" "$chg/agg_bmk.json: changed (SHA-256 differs)" || return 1
    GH_TOKEN=$TOKEN imx sync --github-url "$FAKE_API" --cache "$W/c" --repair -q || return 1
    imx verify --cache "$W/c" -q || fail "still damaged" || return 1
    # shellcheck disable=SC2086
    imx extract --offline --cache "$W/c" --model all -o "$W/repaired.csv" $ids 2>/dev/null ||
        return 1
    assert_file_eq "$W/repaired.csv" "$W/shared.csv"
}

t_run "sync real: 30 real runs byte-identical" t_identical
t_run "sync real: the same table as extract --offline on the shared cache" t_same_table
t_run "sync real: damage found and repaired (mi355x rows do not vanish)" t_damage_repaired
