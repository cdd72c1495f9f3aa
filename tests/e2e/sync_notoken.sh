#!/usr/bin/env bash
# No token needed to start: `imx sync` without one lists the runs on GitHub and fetches their
# artifacts from the public backup: the same cache table as a sync with a token, no artifact
# asked of GitHub, and one line (not one per run) saying what a token would add.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/fake/gcs.sh"
. "$TESTS_DIR/fake/api.sh"

W=$(t_tmp)
TOKEN="ghp_nt$RANDOM$RANDOM"
# three small runs with ids of real length (the backup's folder names need them)
python3 - "$TESTS_DIR/cases" "$W/src" <<'PY'
import json, os, shutil, sys
cases, out = sys.argv[1], sys.argv[2]
for case, old, new in (("0001-e9-aggregate-newest-wins", "100", "20000000100"),
                       ("0001-e9-aggregate-newest-wins", "200", "20000000200"),
                       ("0350-filters-gpu-seq", "1000", "20000001000")):
    dst = os.path.join(out, "run_" + new)
    shutil.copytree(os.path.join(cases, case, "cache", "run_" + old), dst)
    p = os.path.join(dst, "run.json")
    run = json.load(open(p))
    run["id"] = int(new)
    json.dump(run, open(p, "w"), indent=2)
PY
mkfixture "$W/fx" --from-cache "$W/src" --no-extras --token "$TOKEN" >/dev/null || exit 1
mkgcsfixture "$W/g/data" --real "$W/src" --ids-from "$W/fx/fixture.json" >/dev/null || exit 1
# Servers start here, never inside t_run: its $(...) would wait for them forever.
fake_start "$W" "$W/fx/fixture.json" || exit 1
gcs_start "$W/g/data" || exit 1
# an API that answers, holding none of these runs
python3 "$TESTS_DIR/fake/mkapifixture.py" --synthetic --days 1 --runs-count 1 --models 1 \
    "$W/a/data" >/dev/null 2>&1 || { echo "FAIL no token: the API fixture"; exit 1; }
api_start "$W/a/data" || exit 1
trap 'kill $API_PID 2>/dev/null; gcs_stop_all; fake_stop_all; t_cleanup' EXIT

notoken() { (unset GH_TOKEN GITHUB_TOKEN && imx "$@"); }
table() { imx extract --offline --cache "$1" --model all --columns all -o "$2" -q; }

t_same_table() {
    GH_TOKEN=$TOKEN imx sync --collect-recent 3 --github-url "$FAKE_API" --cache "$W/c1" \
        >"$W/o1" 2>&1 || fail "token sync: $(cat "$W/o1")" || return 1
    : >"$FAKE_LOG"
    notoken sync --collect-recent 3 --github-url "$FAKE_API" --gcs-url "$GCS_URL" \
        --cache "$W/c2" >"$W/o2" 2>&1 || fail "no-token sync: $(cat "$W/o2")" || return 1
    table "$W/c1" "$W/t1.csv" && table "$W/c2" "$W/t2.csv" &&
        assert_file_eq "$W/t2.csv" "$W/t1.csv" || return 1
    # GitHub's run objects, as a token sync stores them
    for r in 20000000100 20000000200 20000001000; do
        cmp -s "$W/c1/run_$r/run.json" "$W/c2/run_$r/run.json" ||
            fail "run.json of $r differs from the token sync's" || return 1
    done
    assert_eq "$(grep -c 'no GitHub token' "$W/o2")" 1 "lines about the token" &&
        assert_not_contains "$W/o2" "need a token" &&
        assert_contains "$W/o2" "3 runs from the public backup" || return 1
    ! grep -q '/zip' "$FAKE_LOG" || fail "an artifact was asked of GitHub without a token"
}

t_backup_lacks() {
    # a bucket that does not exist and an API without the runs: nothing to fetch, but no
    # server failed (1, not 3); said once, the runs still listed
    notoken sync --collect-recent 3 --github-url "$FAKE_API" --gcs-url "$GCS_URL" \
        --bucket no-such-bucket --inferencex-url "$API_URL" --cache "$W/c3" \
        >"$W/o3" 2>&1
    assert_eq "$?" 1 "exit status when the backup has none of the runs" &&
        assert_eq "$(grep -c 'no GitHub token' "$W/o3")" 1 "lines about the token" &&
        assert_contains "$W/o3" "0 runs from the public backup, 0 from the InferenceX API's rows, 3 missing" &&
        [ -f "$W/c3/run_20000000200/run.json" ] || fail "the listed run's run.json is missing"
}

t_token_first() {
    # with a token GitHub stays first: every artifact from GitHub, the backup never asked
    : >"$GCS_LOG"
    GH_TOKEN=$TOKEN imx sync --collect-recent 3 --github-url "$FAKE_API" --gcs-url "$GCS_URL" \
        --cache "$W/c4" >"$W/o4" 2>&1 || fail "$(cat "$W/o4")" || return 1
    assert_not_contains "$W/o4" "no GitHub token" &&
        [ ! -s "$GCS_LOG" ] || fail "the backup was asked although a token was at hand"
}

t_run "no token: GitHub lists, the backup serves, the table is the token sync's" t_same_table
t_run "no token: runs the backup lacks are said once, the listing kept" t_backup_lacks
t_run "no token: with a token GitHub stays first" t_token_first

t_servers_fail() {
    # the backup answers 500 and the API is down: no run fetched because servers failed,
    # exit 3 as a token sync whose every artifact GitHub fails
    gcs_faults 500
    notoken sync --collect-recent 3 --github-url "$FAKE_API" --gcs-url "$GCS_URL" \
        --inferencex-url "http://127.0.0.1:9" --cache "$W/c5" >"$W/o5" 2>&1
    local rc=$?
    gcs_faults
    assert_eq "$rc" 3 "exit status when the backup and the API fail" &&
        assert_contains "$W/o5" "0 runs from the public backup, 0 from the InferenceX API's rows, 3 missing"
}
t_run "no token: the backup and the API failing is a server's failure (3)" t_servers_fail
