#!/usr/bin/env bash
# gcs_backfill: runs synced from the GCS backup get GitHub's own run object as run.json when a
# token is at hand, asked once per run; a run GitHub no longer has is recorded as such; without
# a token GitHub is not asked at all. Real runs: the fake GitHub and the fake backup serve the
# same shared cache, so the filled run.json must give the very table the GitHub source gives.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/fake/gcs.sh"
. "$TESTS_DIR/e2e/sync_common.bash"

W=$(t_tmp)
source_cache "$W/src" 40 || exit 1
TOKEN="ghp_backfill$RANDOM$RANDOM"
# GitHub still has the 30 newest runs; the backup has them all
mkfixture "$W/fx" --from-cache "$SRC" --runs 30 --token "$TOKEN" >"$W/gh_ids" || exit 1
mkgcsfixture "$W/data" --real "$SRC" >/dev/null || exit 1
fake_start "$W" "$W/fx/fixture.json" || exit 1
gcs_start "$W/data" || exit 1
NEW=$(head -1 "$W/gh_ids")
OLD=$(ls "$SRC" | grep '^run_' | sed 's/run_//' | sort -n | head -1)
grep -qx "$OLD" "$W/gh_ids" && { echo "FAIL gcs_backfill: run $OLD should not be on the fake GitHub"; exit 0; }

gsync() { # gsync CACHE [token]
    local c=$1 t=${2:-}
    GH_TOKEN=$t GITHUB_TOKEN= GITHUB_API_URL=$FAKE_API imx sync --source gcs --gcs-url "$GCS_URL" \
        --cache "$c" "$NEW" "$OLD"
}
run_requests() { fcount "$1" 'r["host"] == "api" and "/actions/runs/" in r["path"]'; }

t_no_token() {
    fresh
    gsync "$W/c0" >"$W/o0" 2>&1 || { cat "$W/o0"; return 1; }
    flog "$W/l0"
    assert_eq "$(fcount "$W/l0" True)" 0 "requests to GitHub without a token" || return 1
    assert_contains "$W/c0/run_$NEW/run.json" '"imx_source": "gcs-backup"'
}

t_filled_once() {
    fresh
    gsync "$W/c1" "$TOKEN" >"$W/o1" 2>&1 || { cat "$W/o1"; return 1; }
    flog "$W/l1"
    assert_eq "$(run_requests "$W/l1")" 2 "run objects asked" || return 1
    assert_contains "$W/o1" "2 asked, 1 filled, 1 no longer on GitHub" || return 1
    # GitHub's object, with the backup's mark kept for the source column
    python3 - "$W/c1/run_$NEW/run.json" "$SRC/run_$NEW/run.json" <<'PY' || return 1
import json, sys
got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert got.pop("imx_source") == "gcs-backup", "imx_source lost"
for k in ("id", "created_at", "event", "head_branch", "run_attempt"):  # html_url: the fake's repo
    assert got[k] == want[k], (k, got[k], want[k])
PY
    assert_contains "$W/c1/run_$OLD/run.json" '"imx_github": "absent"' || return 1
    # the table: the same bytes as the GitHub source's for the filled run (dates included)
    imx extract --offline --cache "$W/c1" --columns seed -o "$W/b.csv" -q "$NEW" || return 1
    imx extract --offline --cache "$SRC" --columns seed -o "$W/g.csv" -q "$NEW" || return 1
    cmp "$W/b.csv" "$W/g.csv" || return 1
    imx extract --offline --cache "$W/c1" -o "$W/s.csv" -q "$NEW" || return 1
    assert_eq "$(python3 -c 'import csv,sys; print(sorted({r["source"] for r in csv.DictReader(open(sys.argv[1]))}))' "$W/s.csv")" \
        "['gcs']" "source column" || return 1
    # asked once: a second sync leaves GitHub alone, and the token went nowhere else
    fresh
    gsync "$W/c1" "$TOKEN" >"$W/o2" 2>&1 || { cat "$W/o2"; return 1; }
    flog "$W/l2"
    assert_eq "$(run_requests "$W/l2")" 0 "run objects asked again" || return 1
    assert_eq "$(gcs_count 'r["headers"].get("authorization")')" 0 "Authorization sent to GCS" || return 1
    no_token_anywhere "$TOKEN" "$W/o1" "$W/o2" "$W/c1"
}

# GitHub answers, but with no run object at all (errors, a token it refuses): the rows are in,
# the summary says the lookups failed for all, exit 1; one that fails among others: warned, 0
t_all_failed() {
    local how rc
    for how in 500 token; do
        if [ $how = 500 ]; then
            fresh '[{"match":"/actions/runs/[0-9]+$","fault":"http_5xx","status":500,"always":true}]'
            gsync "$W/c3$how" "$TOKEN" >"$W/o3" 2>&1
        else
            fresh
            gsync "$W/c3$how" "ghp_refused$RANDOM" >"$W/o3" 2>&1
        fi
        rc=$?
        assert_eq "$rc" 1 "exit status ($how): $(cat "$W/o3")" &&
            assert_contains "$W/o3" "2 asked, 0 filled, 0 no longer on GitHub, 2 failed" &&
            assert_contains "$W/o3" "GitHub gave the run object of none of the 2 backup runs asked for" &&
            assert_contains "$W/c3$how/run_$NEW/run.json" '"imx_source": "gcs-backup"' || return 1
        imx extract --offline --cache "$W/c3$how" -o "$W/t3.csv" -q "$NEW" ||
            fail "no table from the installed rows" || return 1
    done
    fresh "[{\"match\":\"/actions/runs/$NEW\$\",\"fault\":\"http_5xx\",\"status\":500,\"always\":true}]"
    gsync "$W/c4" "$TOKEN" >"$W/o4" 2>&1 || fail "exit status $?: $(cat "$W/o4")" || return 1
    assert_contains "$W/o4" "2 asked, 0 filled, 1 no longer on GitHub, 1 failed" &&
        assert_not_contains "$W/o4" "GitHub gave the run object of none"
}

t_run "gcs_backfill: without a token GitHub is not asked" t_no_token
t_run "gcs_backfill: GitHub's run object filled once, absent runs recorded, same table" t_filled_once
t_run "gcs_backfill: every run object failing is exit 1, one of several a warning" t_all_failed
