#!/usr/bin/env bash
# filters: --official, --event and --branch mean the same online and offline. Online, each run
# GitHub lists is checked on its own event and branch (a server that ignores the filters, the
# fake's ignore_filters option, cannot slip other runs in); offline and in `imx runs`, cached
# runs are selected by their run.json. `imx runs` writes its table whole before its count on
# stderr, refuses a cache that does not exist (creating nothing) or is a file.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"

W=$(t_tmp)
TOKEN="ghp_filters$RANDOM"
mkfixture "$W/fx" --synthetic 5 --no-extras --token "$TOKEN" >"$W/ids" || exit 1
mapfile -t IDS <"$W/ids" # newest first
# newest first: a pull request, an official run, a push on another branch, a scheduled run on
# main, an official run
python3 - "$W/fx/fixture.json" "${IDS[@]}" <<'PY' || exit 1
import json, sys
path, ids = sys.argv[1], [int(x) for x in sys.argv[2:]]
kinds = [("pull_request", "feature-x"), ("push", "main"), ("push", "release"),
         ("schedule", "main"), ("push", "main")]
fx = json.load(open(path))
for r in fx["runs"]:
    r["event"], r["head_branch"] = kinds[ids.index(r["id"])]
json.dump(fx, open(path, "w"))
PY
# Servers start here, never inside t_run: its $(...) would wait for them forever.
fake_start "$W" "$W/fx/fixture.json" --option ignore_filters=true || exit 1
OFFICIAL="${IDS[1]} ${IDS[4]}"

cached() { (cd "$1" && ls -d run_* 2>/dev/null | sed 's/run_//' | sort -r | tr '\n' ' ' | sed 's/ $//'); }
sorted() { tr ' ' '\n' <<<"$*" | sort -r | tr '\n' ' ' | sed 's/ $//'; }

online_official() {
    GH_TOKEN=$TOKEN imx sync --github-url "$FAKE_API" --cache "$W/c1" --official \
        --collect-recent 2 >"$W/o1" 2>&1 || { cat "$W/o1"; return 1; }
    assert_eq "$(cached "$W/c1")" "$(sorted $OFFICIAL)" "runs synced with --official" || return 1
    assert_contains "$W/o1" "that do not match --event/--branch" || return 1
    # imx runs lists only what matches, too
    GH_TOKEN=$TOKEN imx runs --github-url "$FAKE_API" --cache "$W/c1" --official \
        >"$W/r1" 2>"$W/r1e" || { cat "$W/r1e"; return 1; }
    assert_eq "$(tail -n +2 "$W/r1" | awk '{print $1}' | sort -r | tr '\n' ' ' | sed 's/ $//')" \
        "$(sorted $OFFICIAL)" "imx runs --official" || return 1
    GH_TOKEN=$TOKEN imx sync --github-url "$FAKE_API" --cache "$W/c2" --event schedule \
        --collect-recent 5 >"$W/o2" 2>&1 || { cat "$W/o2"; return 1; }
    assert_eq "$(cached "$W/c2")" "${IDS[3]}" "--event schedule"
}

# a cache holding every run: extract and runs select cached runs by their run.json
offline_selection() {
    GH_TOKEN=$TOKEN imx sync --github-url "$FAKE_API" --cache "$W/all" "${IDS[@]}" >"$W/o3" 2>&1 ||
        { cat "$W/o3"; return 1; }
    imx extract --offline --cache "$W/all" --official --model all --columns gpu_model,run_id -o "$W/t.csv" 2>"$W/e3" ||
        { cat "$W/e3"; return 1; }
    assert_eq "$(tail -n +2 "$W/t.csv" | awk -F, '{print $NF}' | sort -ru | tr '\n' ' ' | sed 's/ $//')" \
        "$(sorted $OFFICIAL)" "extract --offline --official" || return 1
    assert_contains "$W/e3" "of 5 cached: --event push removed 2, --branch main removed 1" || return 1
    imx runs --offline --cache "$W/all" --branch main >"$W/r2" 2>"$W/e4" || return 1
    assert_eq "$(tail -n +2 "$W/r2" | wc -l)" 3 "runs --branch main" || return 1
    assert_contains "$W/e4" "3 runs (3 of 5 cached runs selected: --branch main removed 2)" ||
        return 1
    imx runs --offline --cache "$W/all" --event nosuch >"$W/r3" 2>"$W/e5" || return 1
    assert_eq "$(wc -l <"$W/r3")" 1 "only the header" || return 1
    assert_contains "$W/e5" "0 runs (0 of 5 cached runs selected: --event nosuch removed 5)"
}

# an empty selection says the same in every reader: how many runs the cache holds and what
# removed them (plot, report, --history and SQLite said "no runs in the cache"), exit 5, no file
empty_selection_everywhere() {
    local cmd f sel
    for sel in "--event nosuch" "--since 2099-01-01"; do
        for cmd in "extract -o $W/x.csv" "extract --history -o $W/x.csv" "extract -o $W/x.sqlite" \
            "pareto -o $W/x.csv" "at --interactivity 50 -o $W/x.csv" \
            "trend --interactivity 50 -o $W/x.csv" "plot -o $W/x.svg" "report -o $W/x.html"; do
            # shellcheck disable=SC2086
            imx $cmd $sel --offline --cache "$W/all" --model gptoss >/dev/null 2>"$W/e9"
            assert_eq $? 5 "imx $cmd $sel" || return 1
            assert_contains "$W/e9" "no cached run matches the selection: 5 runs in the cache" &&
                assert_contains "$W/e9" "${sel#--} removed 5" || return 1
            for f in "$W"/x.*; do
                [ ! -e "$f" ] || fail "imx $cmd $sel wrote $f" || return 1
            done
        done
    done
}

# online extract without a run count: the newest official run is synced, and the cached runs
# read are the official ones (before: every cached run, whatever it was)
online_extract() {
    cp -r "$W/all" "$W/all2"
    GH_TOKEN=$TOKEN imx extract --github-url "$FAKE_API" --cache "$W/all2" --official \
        --model all --columns gpu_model,run_id -o "$W/t2.csv" >"$W/o4" 2>&1 || { cat "$W/o4"; return 1; }
    assert_eq "$(tail -n +2 "$W/t2.csv" | awk -F, '{print $NF}' | sort -ru | tr '\n' ' ' | sed 's/ $//')" \
        "$(sorted $OFFICIAL)" "extract --official"
}

# > log 2>&1: the count comes after the whole table, never inside a row
runs_whole_table() {
    local i
    mkdir -p "$W/big"
    for ((i = 1000; i < 1300; i++)); do
        mkdir "$W/big/run_$i"
        printf '{"id": %d, "event": "push", "head_branch": "main", "created_at": "2026-01-01T00:00:00Z"}' \
            $i >"$W/big/run_$i/run.json"
    done
    imx runs --offline --cache "$W/big" >"$W/log" 2>&1 || return 1
    assert_eq "$(tail -n 1 "$W/log")" "300 runs" || return 1
    assert_eq "$(grep -c ' runs' "$W/log")" 1 || return 1
    # every row starts with its run id and ends with its rows count, GPUS and MODELS (none)
    assert_eq "$(head -n -1 "$W/log" | tail -n +2 | grep -cE '^1[0-9]{3}  .* 0  +-  +-$')" 300 \
        "every row whole: $(grep -vE '^1[0-9]{3}  .* 0  +-  +-$' "$W/log" | head -3)"
}

runs_missing_cache() {
    imx runs --offline --cache "$W/nope" >/dev/null 2>"$W/e6"
    assert_eq $? 5 || return 1
    assert_contains "$W/e6" "'$W/nope' does not exist" || return 1
    GH_TOKEN=$TOKEN imx runs --github-url "$FAKE_API" --cache "$W/nope" >/dev/null 2>&1
    assert_eq $? 5 || return 1
    [ ! -e "$W/nope" ] || fail "imx runs created the cache"
}

cache_is_a_file() {
    : >"$W/afile"
    imx runs --offline --cache "$W/afile" >/dev/null 2>"$W/e7"
    assert_eq $? 4 || return 1
    assert_contains "$W/e7" "is not a directory" || return 1
    imx extract --offline --cache "$W/afile" -o "$W/x.csv" 2>"$W/e8"
    assert_eq $? 4 || return 1
    assert_contains "$W/e8" "is not a directory" && assert_not_contains "$W/e8" "does not exist"
}

t_run "filters: online --official checks each listed run's event and branch" online_official
t_run "filters: extract and runs select cached runs by run.json offline" offline_selection
t_run "filters: an empty selection is explained by every reader" empty_selection_everywhere
t_run "filters: online extract --official reads only official cached runs" online_extract
t_run "filters: imx runs > log 2>&1 keeps every table row whole" runs_whole_table
t_run "filters: imx runs on a missing cache fails and creates nothing" runs_missing_cache
t_run "filters: --cache FILE offline says it is not a directory" cache_is_a_file
