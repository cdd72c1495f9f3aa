#!/usr/bin/env bash
# verify_repair: damage is found and repaired. The manifest records size and SHA-256 of every
# file a sync installed: a plain sync fetches again a run whose file is deleted or cut (existence
# and size), extract names the repair, `imx verify` re-hashes and lists damaged and unexpected
# files (exit 1), `imx sync --repair` fetches what is damaged and keeps the damaged bytes under
# .damaged/; manifests without digests keep working.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"
. "$TESTS_DIR/fake/gcs.sh"

W=$(t_tmp)
TOKEN="ghp_verify$RANDOM"
# three runs, newest first: @0 and @2 an aggregate (results_bmk), @1 per-configuration folders
mkfixture "$W/fx" --synthetic 3 --token "$TOKEN" --no-aggregate @1 >"$W/ids" || exit 1
mapfile -t IDS <"$W/ids"
fake_start "$W" "$W/fx/fixture.json" || exit 1
mkdir -p "$W/g"
mkgcsfixture "$W/g/data" --synthetic >/dev/null || exit 1
gcs_start "$W/g/data" || exit 1
C=$W/cache
A=$C/run_${IDS[0]}
B=$C/run_${IDS[1]}
GH_TOKEN=$TOKEN imx sync --github-url "$FAKE_API" --cache "$C" --collect-recent 3 -q || exit 1
cp "$A/agg_bmk.json" "$W/a.json"
BFILE=$(cd "$B" && find . -path './bmk_*' -name '*.json' | sort | head -1)
BFILE=${BFILE#./}
cp "$B/$BFILE" "$W/b.json"

gsync() { GH_TOKEN=$TOKEN imx sync --github-url "$FAKE_API" --cache "$C" "$@"; }
blobs() { fake_ctl GET stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["blob"])'; }
verify_clean() {
    imx verify --cache "$C" >"$W/v.out" 2>"$W/v.err" || fail "verify: $(cat "$W/v.out" "$W/v.err")" ||
        return 1
    [ ! -s "$W/v.out" ] || fail "verify listed: $(cat "$W/v.out")"
}

t_clean() {
    verify_clean || return 1
    grep -q "Verified 3 runs: .* 0 damaged, 0 unexpected" "$W/v.err" || fail "$(cat "$W/v.err")" ||
        return 1
    grep -q '"sha256": "' "$A/imx-manifest.json" && grep -q '"size": ' "$B/imx-manifest.json" ||
        fail "the manifests record no digests"
}

t_deleted() {
    rm "$A/agg_bmk.json"
    imx extract --offline --cache "$C" --model all -o "$W/t.csv" >"$W/x.out" 2>&1
    assert_eq "$?" 1 "extract exit status with a file missing" || return 1
    grep -q "agg_bmk.json' is missing since sync stored it.*imx sync --repair ${IDS[0]}'" \
        "$W/x.out" || fail "extract did not name the repair: $(cat "$W/x.out")" || return 1
    fresh
    gsync --collect-recent 3 >"$W/s.out" 2>&1 || fail "sync: $(cat "$W/s.out")" || return 1
    assert_eq "$(blobs)" 1 "downloads (the one damaged run)" || return 1
    cmp -s "$A/agg_bmk.json" "$W/a.json" || fail "not restored" || return 1
    verify_clean
}

t_cut() {
    truncate -s 100 "$A/agg_bmk.json"
    fresh
    gsync --collect-recent 3 >"$W/s.out" 2>&1 || fail "sync: $(cat "$W/s.out")" || return 1
    assert_eq "$(blobs)" 1 "downloads" || return 1
    cmp -s "$A/agg_bmk.json" "$W/a.json" || fail "not restored" || return 1
    kept=$(find "$A/.damaged" -name agg_bmk.json)
    [ -n "$kept" ] && [ "$(stat -c %s "$kept")" = 100 ] || fail "the cut file was not kept" ||
        return 1
    verify_clean
}

t_changed() {
    # same size, one byte different: only re-hashing finds it
    python3 - "$B/$BFILE" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.index(b"1")
b[i] = ord("2")
open(p, "wb").write(bytes(b))
PY
    fresh
    gsync --collect-recent 3 -q || fail "sync" || return 1
    assert_eq "$(blobs)" 0 "downloads of a plain sync (sizes agree)" || return 1
    imx verify --cache "$C" >"$W/v.out" 2>"$W/v.err"
    assert_eq "$?" 1 "verify exit status" || return 1
    assert_eq "$(cat "$W/v.out")" "run_${IDS[1]}/$BFILE: changed (SHA-256 differs)" || return 1
    grep -q "imx sync --repair ${IDS[1]}'" "$W/v.err" || fail "no hint: $(cat "$W/v.err")" ||
        return 1
    fresh
    gsync --repair >"$W/r.out" 2>&1 || fail "repair: $(cat "$W/r.out")" || return 1
    grep -q "1 damaged in 1 artifact of 1 run" "$W/r.out" || fail "$(cat "$W/r.out")" || return 1
    assert_eq "$(blobs)" 1 "downloads of the repair" || return 1
    cmp -s "$B/$BFILE" "$W/b.json" || fail "not repaired" || return 1
    [ -n "$(find "$B/.damaged" -type f -name "$(basename "$BFILE")")" ] ||
        fail "the changed file was not kept" || return 1
    verify_clean
}

t_unexpected() {
    echo '[]' >"$A/stray.json"
    imx verify --cache "$C" "${IDS[0]}" >"$W/v.out" 2>"$W/v.err"
    assert_eq "$?" 1 "verify exit status" || return 1
    assert_contains "$W/v.out" "run_${IDS[0]}/stray.json: unexpected" || return 1
    fresh
    gsync --repair "${IDS[0]}" >"$W/r.out" 2>&1 || fail "repair: $(cat "$W/r.out")" || return 1
    assert_eq "$(blobs)" 0 "downloads (nothing damaged)" || return 1
    [ -f "$A/stray.json" ] || fail "the repair removed a file that is not its own" || return 1
    rm "$A/stray.json"
    verify_clean
}

# Manifests written before digests were recorded: syncs keep working, verify says what it could
# not check.
t_old_manifest() {
    python3 - "$C"/run_*/imx-manifest.json <<'PY'
import json, sys
for p in sys.argv[1:]:
    m = json.load(open(p))
    for a in m["artifacts"]:
        a.pop("content", None)
    json.dump(m, open(p, "w"))
PY
    fresh
    gsync --collect-recent 3 >"$W/s.out" 2>&1 || fail "sync: $(cat "$W/s.out")" || return 1
    assert_eq "$(blobs)" 0 "downloads" || return 1
    verify_clean || return 1
    grep -q "stored before digests were recorded" "$W/v.err" || fail "$(cat "$W/v.err")"
}

t_usage() {
    gsync --repair --collect-recent 2 >"$W/u.out" 2>&1
    assert_eq "$?" 2 "--repair with --collect-recent" || return 1
    imx verify --cache "$C" 99 >"$W/v.out" 2>"$W/v.err"
    assert_eq "$?" 1 "verify of a run not cached" || return 1
    assert_contains "$W/v.err" "run 99 is not in the cache"
}

# A run from the GCS backup: --repair without --source fetches it from the backup again.
t_gcs_repair() {
    local c=$W/gc run=20400000044 f
    imx sync --source gcs --gcs-url "$GCS_URL" --cache "$c" -q "$run" || fail "gcs sync" || return 1
    f=$c/run_$run/agg_bmk.json
    cp "$f" "$W/g.json"
    sed -i '0,/mi355x/s//mi355y/' "$f"
    imx verify --cache "$c" -q >"$W/gv.out"
    assert_eq "$?" 1 "verify exit status" || return 1
    IMX_GCS_URL=$GCS_URL imx sync --cache "$c" --repair >"$W/gr.out" 2>&1 ||
        fail "repair: $(cat "$W/gr.out")" || return 1
    cmp -s "$f" "$W/g.json" || fail "not repaired from the backup: $(cat "$W/gr.out")" || return 1
    [ -n "$(find "$c/run_$run/.damaged" -name agg_bmk.json)" ] || fail "not kept" || return 1
    imx verify --cache "$c" -q || fail "still damaged"
}

# An imported run (--source dir): a cut file is imported again by a plain import, a changed byte
# by --repair, the damaged bytes kept; before, both said "cached" and left the damage in place.
t_dir_repair() {
    local c=$W/dc f=agg_bmk.json
    mkdir -p "$W/from/run_7" && cp "$W/a.json" "$W/from/run_7/$f"
    imx sync --source dir --from "$W/from" --cache "$c" -q || fail "import" || return 1
    truncate -s 100 "$c/run_7/$f"
    imx sync --source dir --from "$W/from" --cache "$c" >"$W/d1.out" 2>&1 ||
        fail "import: $(cat "$W/d1.out")" || return 1
    cmp -s "$c/run_7/$f" "$W/a.json" || fail "a cut file not imported again: $(cat "$W/d1.out")" ||
        return 1
    sed -i '0,/[0-9]/s//#/' "$c/run_7/$f"
    imx verify --cache "$c" -q >/dev/null
    assert_eq "$?" 1 "verify exit status" || return 1
    imx sync --source dir --from "$W/from" --cache "$c" --repair >"$W/d2.out" 2>&1 ||
        fail "repair: $(cat "$W/d2.out")" || return 1
    cmp -s "$c/run_7/$f" "$W/a.json" || fail "not repaired: $(cat "$W/d2.out")" || return 1
    [ "$(find "$c/run_7/.damaged" -name $f | wc -l)" = 2 ] || fail "damaged bytes not kept" ||
        return 1
    imx verify --cache "$c" -q || fail "still damaged"
}

t_run "verify: a clean cache, digests recorded" t_clean
t_run "verify: a deleted file: extract names the repair, a plain sync fetches it again" t_deleted
t_run "verify: a cut file: a plain sync fetches it again, the cut one kept under .damaged/" t_cut
t_run "verify: a changed byte: verify finds it (exit 1), sync --repair fetches it, keeps it" \
    t_changed
t_run "verify: an unexpected file is listed, never removed" t_unexpected
t_run "verify: manifests without digests keep working" t_old_manifest
t_run "verify: usage and runs not cached" t_usage
t_run "verify: a backup run is repaired from the backup" t_gcs_repair
t_run "verify: an imported run is imported again when cut, repaired when changed" t_dir_repair
