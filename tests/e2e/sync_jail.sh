#!/usr/bin/env bash
# sync_jail: the cache is a jail. Links planted where imx writes or sweeps (.imx/tmp, .imx/http,
# run_<ID>, run_<ID>/.superseded), manifest paths such as '../../x', re-run zips carrying a
# '.superseded/' entry and artifacts named run.json, imx-manifest.json, .superseded or .hidden:
# a victim folder outside the cache keeps every file, kept data only grows, and imx's own files
# stay files.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"
. "$TESTS_DIR/fake/gcs.sh"

W=$(t_tmp)
TOKEN="ghp_jail$RANDOM"
# fx1: two runs; fx2: the same, and the newest re-run with a hostile aggregate; fx3: the oldest
# also uploads artifacts named like imx's own files and folders.
mkfixture "$W/fx1" --synthetic 2 --no-extras --token "$TOKEN" >"$W/ids" || exit 1
mkfixture "$W/fx2" --synthetic 2 --no-extras --token "$TOKEN" --rerun @0 \
    --hostile @0 superseded-entry >/dev/null || exit 1
mkfixture "$W/fx3" --synthetic 2 --no-extras --token "$TOKEN" --hostile @1 art-run.json \
    --hostile @1 art-imx-manifest.json --hostile @1 art-.superseded --hostile @1 art-.hidden \
    --hostile @1 art-RUN.JSON >/dev/null || exit 1
mapfile -t IDS <"$W/ids"
fake_start "$W" "$W/fx1/fixture.json" || exit 1
mkdir -p "$W/g"
mkgcsfixture "$W/g/data" --hostile-names >/dev/null || exit 1
gcs_start "$W/g/data" || exit 1

fixture() { fake_ctl POST fixture "{\"path\": \"$W/$1/fixture.json\"}" >/dev/null; }
gsync() { GH_TOKEN=$TOKEN imx sync --github-url "$FAKE_API" --collect-recent 2 "$@"; }

# victim DIR: a folder outside the cache holding what a sweep or an install would remove.
victim() {
    mkdir -p "$1/.staging-9" "$1/sub"
    echo keep >"$1/.a.tmp-123456"
    echo keep >"$1/.staging-9/x"
    echo keep >"$1/agg_bmk.json"
    echo keep >"$1/sub/file"
    echo keep >"$1/dl-ABCDEF"
}
snap() {
    (
        cd "$1" || exit 1
        find . -print0 | sort -z | xargs -0 ls -ld --time-style=+ | awk '{print $1, $5, $NF}'
        find . -type f -print0 | sort -z | xargs -0 sha256sum
    )
}
intact() { # intact DIR SNAPSHOT
    snap "$1" >"$1.now"
    diff -u "$2" "$1.now" >&2 || fail "the victim folder $1 changed"
}

t_private_link() { # t_private_link .imx/tmp|.imx/http
    local d=$W/p$RANDOM rc
    victim "$d/victim"
    snap "$d/victim" >"$d/before"
    mkdir -p "$d/cache/.imx"
    ln -s "$d/victim" "$d/cache/$1"
    fresh
    gsync --cache "$d/cache" >"$d/out" 2>&1
    rc=$?
    assert_eq "$rc" 4 "exit status (cache not writable)" || return 1
    grep -q "$1' is a symbolic link" "$d/out" || fail "no message naming $1: $(cat "$d/out")" ||
        return 1
    intact "$d/victim" "$d/before"
}

t_run_link() {
    local d=$W/r rc
    victim "$d/victim"
    snap "$d/victim" >"$d/before"
    mkdir -p "$d/cache"
    ln -s "$d/victim" "$d/cache/run_${IDS[0]}"
    fresh
    gsync --cache "$d/cache" >"$d/out" 2>&1
    rc=$?
    assert_eq "$rc" 4 "exit status (one run could not be written)" || return 1
    grep -q "run_${IDS[0]}' is a symbolic link" "$d/out" || fail "no message: $(cat "$d/out")" ||
        return 1
    [ -f "$d/cache/run_${IDS[1]}/agg_bmk.json" ] || fail "the other run was not synced" || return 1
    intact "$d/victim" "$d/before" || return 1
    # a later sync (which sweeps the run folders) leaves it alone as well
    gsync --cache "$d/cache" "${IDS[1]}" >"$d/out2" 2>&1 || fail "sync: $(cat "$d/out2")" ||
        return 1
    intact "$d/victim" "$d/before"
}

t_superseded_link() {
    local d=$W/s rc
    fixture fx1
    fresh
    gsync --cache "$d/cache" -q || fail "first sync" || return 1
    victim "$d/victim"
    snap "$d/victim" >"$d/before"
    ln -s "$d/victim" "$d/cache/run_${IDS[0]}/.superseded"
    fixture fx2
    fresh
    gsync --cache "$d/cache" >"$d/out" 2>&1
    rc=$?
    fixture fx1
    assert_eq "$rc" 4 "exit status" || return 1
    grep -q "\.superseded' is a symbolic link" "$d/out" || fail "no message: $(cat "$d/out")" ||
        return 1
    intact "$d/victim" "$d/before"
}

# A manifest whose artifact path leaves the run folder: a re-run's sync must not move it.
t_manifest_path() {
    local d=$W/m rc m
    fixture fx1
    fresh
    gsync --cache "$d/cache" -q || fail "first sync" || return 1
    victim "$d/victim"
    snap "$d/victim" >"$d/before"
    m=$d/cache/run_${IDS[0]}/imx-manifest.json
    python3 - "$m" <<'PY' || return 1
import json, sys
m = json.load(open(sys.argv[1]))
for a in m["artifacts"]:
    a["path"] = "../../victim"
json.dump(m, open(sys.argv[1], "w"))
PY
    fixture fx2
    fresh
    gsync --cache "$d/cache" >"$d/out" 2>&1
    rc=$?
    fixture fx1
    assert_eq "$rc" 0 "exit status: $(cat "$d/out")" || return 1
    intact "$d/victim" "$d/before" || return 1
    # the old aggregate the manifest no longer vouched for is kept, not deleted
    [ -n "$(find "$d/cache/run_${IDS[0]}/.damaged" -name agg_bmk.json)" ] ||
        fail "the old aggregate was not set aside"
}

# A re-run's aggregate holding '.superseded/', run.json and imx-manifest.json entries: the kept
# aggregate stays byte for byte, imx's files stay imx's, and later syncs keep working.
t_superseded_entry() {
    local d=$W/e rc kept
    fixture fx1
    fresh
    gsync --cache "$d/cache" -q || fail "first sync" || return 1
    cp "$d/cache/run_${IDS[0]}/agg_bmk.json" "$d/first.json"
    fixture fx2
    fresh
    gsync --cache "$d/cache" >"$d/out" 2>&1
    rc=$?
    assert_eq "$rc" 0 "exit status: $(cat "$d/out")" || return 1
    kept=$(find "$d/cache/run_${IDS[0]}/.superseded" -name agg_bmk.json)
    [ "$(echo "$kept" | wc -l)" = 1 ] && cmp -s "$kept" "$d/first.json" ||
        fail "the kept aggregate changed: $kept" || return 1
    ! grep -rqx evil "$d/cache" || fail "the hostile entry was unpacked" || return 1
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["id"] == int(sys.argv[2])' \
        "$d/cache/run_${IDS[0]}/run.json" "${IDS[0]}" || fail "run.json replaced" || return 1
    grep -q '"run_id"' "$d/cache/run_${IDS[0]}/imx-manifest.json" || fail "manifest replaced" ||
        return 1
    grep -q "not unpacked" "$d/out" || fail "not said: $(cat "$d/out")" || return 1
    gsync --cache "$d/cache" >"$d/out2" 2>&1 || fail "next sync: $(cat "$d/out2")" || return 1
    grep -q "run ${IDS[0]} .*cached" "$d/out2" || fail "not cached: $(cat "$d/out2")"
    fixture fx1
}

# --artifact '*' with artifacts named like imx's own files and folders: refused, said, and the
# run still syncs and extracts.
t_hostile_names() {
    local d=$W/n rc run
    mkdir -p "$d"
    fixture fx3
    fresh
    # listing what a sync would take (imx runs) warns of nothing, as for every source: the sync does
    mkdir -p "$d/cache"
    GH_TOKEN=$TOKEN imx runs --github-url "$FAKE_API" --collect-recent 2 --cache "$d/cache" \
        --artifact '*' >"$d/runs" 2>&1 || fail "runs: $(cat "$d/runs")" || return 1
    assert_not_contains "$d/runs" "cannot be a folder name" || return 1
    gsync --cache "$d/cache" --artifact '*' >"$d/out" 2>&1
    rc=$?
    assert_eq "$rc" 0 "exit status: $(cat "$d/out")" || return 1
    run=$d/cache/run_${IDS[1]}
    [ -f "$run/run.json" ] && [ -f "$run/imx-manifest.json" ] && [ ! -e "$run/RUN.JSON" ] &&
        [ ! -e "$run/.hidden" ] && [ ! -e "$run/.superseded" ] ||
        fail "an artifact took an imx name: $(ls -la "$run")" || return 1
    for n in run.json imx-manifest.json .superseded .hidden RUN.JSON; do
        grep -q "artifact name '$n' cannot be a folder name" "$d/out" || fail "'$n' not said" ||
            return 1
    done
    gsync --cache "$d/cache" --artifact '*' >"$d/out2" 2>&1 || fail "next sync: $(cat "$d/out2")" ||
        return 1
    imx extract --offline --cache "$d/cache" -q -o "$d/t.csv" || fail "extract"
    fixture fx1
}

# The same names from the GCS backup's object names.
t_gcs_names() {
    local d=$W/gn rc run=$W/gn/cache/run_20780000111
    mkdir -p "$d"
    imx sync --source gcs --gcs-url "$GCS_URL" --cache "$d/cache" --artifact '*' 20780000111 \
        >"$d/out" 2>&1
    rc=$?
    assert_eq "$rc" 0 "exit status: $(cat "$d/out")" || return 1
    [ -f "$run/run.json" ] && [ -f "$run/imx-manifest.json" ] && [ ! -e "$run/.hidden" ] &&
        [ ! -e "$run/.superseded" ] || fail "an artifact took an imx name: $(ls -la "$run")" ||
        return 1
    for n in run.json imx-manifest.json .superseded .hidden; do
        grep -q "artifact name '$n' cannot be a folder name" "$d/out" || fail "'$n' not said" ||
            return 1
    done
}

t_run "jail: .imx/tmp a link: refused (exit 4), the folder it points to keeps every file" \
    t_private_link .imx/tmp
t_run "jail: .imx/http a link: refused, nothing swept through it" t_private_link .imx/http
t_run "jail: run_<ID> a link: that run refused, never written or swept through" t_run_link
t_run "jail: run_<ID>/.superseded a link: a re-run is refused, nothing moved through it" \
    t_superseded_link
t_run "jail: a manifest path '../../victim' is never used" t_manifest_path
t_run "jail: a re-run zip with a .superseded/ entry never replaces the kept aggregate" \
    t_superseded_entry
t_run "jail: artifacts named run.json, imx-manifest.json, .superseded, .hidden refused" \
    t_hostile_names
t_run "jail: backup objects named run.json, imx-manifest.json, .superseded, .hidden refused" \
    t_gcs_names
