#!/usr/bin/env bash
# sync_all: `imx sync --source all` over the runs of a cache (the shared real one, else one
# gencache writes): fakegh holds the newer ones, fakegcs older ones plus some GitHub also holds,
# fakeapi none of the range. One merged table, equal to the source cache's, each artifact
# downloaded once, the source column saying where rows came from.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/fake/gcs.sh"
. "$TESTS_DIR/fake/api.sh"
. "$TESTS_DIR/e2e/sync_common.bash"

W=$(t_tmp)
TOKEN="ghp_all$RANDOM$RANDOM"
source_cache "$W/src" 36 || exit 1
# runs by date, oldest first: "created_at id"
for d in "$SRC"/run_*; do
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["created_at"], r["id"])' \
        "$d/run.json"
done | sort >"$W/all"
# GitHub: the 14 newest; the backup: the 10 before the 6 newest, so 4 runs overlap and one is
# before --since (the real cache: GitHub from 2026-01-06 on, the backup 2025-12-23 to
# 2026-01-07)
if [ "$REAL" = 1 ]; then
    SINCE=2025-12-30 GCS_FROM=2025-12-23 GCS_TO=2026-01-08
else
    n=$(wc -l <"$W/all")
    day() { sed -n "$1p" "$W/all" | cut -c1-10; }
    SINCE=$(day $((n - 18))) GCS_FROM=$(day $((n - 19))) GCS_TO=$(day $((n - 9)))
fi
awk '{print $2}' "$W/all" | tail -14 >"$W/gh"
awk -v f="$GCS_FROM" -v t="$GCS_TO" '$1 >= f && $1 < t {print $2}' "$W/all" >"$W/gcs"
awk -v s="$SINCE" '$1 >= s {print $2}' "$W/all" >"$W/range"
grep -vxFf "$W/gh" "$W/gcs" | grep -xFf "$W/range" >"$W/gcs_only"
[ "$(wc -l <"$W/gcs_only")" -ge 5 ] && [ "$(grep -cxFf "$W/gh" "$W/gcs")" -ge 3 ] ||
    { echo "FAIL sync_all/fixture: the source cache's dates changed"; exit 0; }

# Servers start here, never inside t_run: its $(...) would wait for them forever.
mkfixture "$W/fx" --from-cache "$SRC" --runs 14 --no-extras --token "$TOKEN" >/dev/null ||
    exit 1
fake_start "$W" "$W/fx/fixture.json" || exit 1
mkgcsfixture "$W/g/data" --real "$SRC" --runs "$(paste -sd, "$W/gcs")" \
    --ids-from "$W/fx/fixture.json" >/dev/null || exit 1
gcs_start "$W/g/data" || exit 1
python3 "$TESTS_DIR/fake/mkapifixture.py" "$W/a/data" --synthetic --days 3 --runs-count 3 \
    --models 1 --end 2025-11-30 >/dev/null 2>&1 || exit 1
api_start "$W/a/data" || exit 1
trap 'kill $API_PID 2>/dev/null; wait $API_PID 2>/dev/null; gcs_stop_all; fake_stop_all; t_cleanup' EXIT

# CSV FILE without its source column (if any) into OUT; the source of each run_id into OUT.src.
# The backup does not know when a run started (its run.json dates it by its first artifact, and
# GitHub no longer has it): benchmark_date of backup-only runs is compared by day.
split_source() {
    python3 - "$1" "$2" "$W/gcs_only" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
gcs_only = set(open(sys.argv[3]).read().split())
h = rows[0]
s = h.index("source") if "source" in h else None
rid, day = h.index("run_id"), h.index("benchmark_date")
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    for n, r in enumerate(rows):
        if n and r[rid] in gcs_only:
            r[day] = r[day][:10]
        w.writerow([v for i, v in enumerate(r) if i != s])
with open(sys.argv[2] + ".src", "w") as f:
    for r in sorted({(r[rid], r[s]) for r in rows[1:]} if s is not None else ()):
        f.write("%s %s\n" % r)
PY
}

t_merged() {
    GH_TOKEN=$TOKEN imx sync --source all --since "$SINCE" --cache "$W/c" --github-url "$FAKE_API" \
        --gcs-url "$GCS_URL" --inferencex-url "$API_URL" >"$W/o1" 2>&1 || { cat "$W/o1"; return 1; }
    imx extract --offline --model all --cache "$W/c" -o "$W/got.csv" --quiet || return 1
    # shellcheck disable=SC2046
    imx extract --offline --model all --cache "$SRC" -o "$W/want.csv" --quiet \
        $(cat "$W/range") || return 1
    assert_eq "$(find "$W/c" -maxdepth 1 -name 'run_*' | wc -l)" "$(wc -l <"$W/range")" "runs cached" || return 1
    split_source "$W/got.csv" "$W/got" && split_source "$W/want.csv" "$W/want" || return 1
    cmp "$W/got" "$W/want" || fail "tables differ: $(diff "$W/got" "$W/want" | head -5)" || return 1
    [ -s "$W/got.src" ] || return 0 # no source column in the default table
    local id src
    while read -r id src; do
        if grep -qxF "$id" "$W/gcs_only"; then
            [ "$src" = gcs ] || fail "run $id (backup only): source $src" || return 1
        else
            [ "$src" = github ] || fail "run $id (on GitHub): source $src" || return 1
        fi
    done <"$W/got.src"
    grep -q ' gcs$' "$W/got.src" || fail "no row from the backup won" || return 1
    # one merged table: no configuration twice (the table has one row per configuration)
    assert_eq "$(tail -n +2 "$W/got" | sort | uniq -d | wc -l)" 0 "duplicated rows"
}

t_once() {
    flog "$W/l1"
    # GitHub: one results_bmk per run of the range; the backup: only the runs GitHub lacks
    assert_eq "$(fcount "$W/l1" 'r["host"] == "blob"')" "$(grep -cxFf "$W/gh" "$W/range")" \
        "GitHub downloads" || return 1
    assert_eq "$(gcs_count 'r["path"].endswith(".zip")')" "$(wc -l <"$W/gcs_only")" \
        "backup downloads" || return 1
    local id
    for id in $(grep -xFf "$W/gh" "$W/gcs"); do
        assert_eq "$(gcs_count "r['path'].endswith('.zip') and '_$id/' in r['path']")" 0 \
            "backup downloads of run $id, already from GitHub" || return 1
    done
    assert_eq "$(grep -c '"path": "/api/v1/benchmarks' "$W/a/log")" 0 "API rows fetched"
}

t_warm() {
    fresh
    : >"$GCS_LOG"
    GH_TOKEN=$TOKEN imx sync --source all --since "$SINCE" --cache "$W/c" --github-url "$FAKE_API" \
        --gcs-url "$GCS_URL" --inferencex-url "$API_URL" >"$W/o2" 2>&1 || { cat "$W/o2"; return 1; }
    flog "$W/l2"
    assert_eq "$(fcount "$W/l2" 'r["host"] == "blob"')" 0 "GitHub downloads when warm" &&
        assert_eq "$(gcs_count 'r["path"].endswith(".zip")')" 0 "backup downloads when warm"
}

t_run "sync_all: GitHub, the backup and the API merge into the source cache's table" t_merged
t_run "sync_all: every artifact downloaded once, from GitHub when it has it" t_once
t_run "sync_all: a second sync downloads nothing" t_warm
