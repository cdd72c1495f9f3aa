#!/usr/bin/env bash
# sync_hostile: hostile and broken artifacts through `imx sync`: zip-slip names, absolute paths,
# backslashes, drive letters, links, duplicates, bombs, truncated and corrupted zips and unsafe
# artifact names are refused with nothing written outside the cache and the artifact not
# complete; zip64, data-descriptor and tree-shaped zips work.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"

W=$(t_tmp)
TOKEN="ghp_hostile$RANDOM"
BAD=(slip slip-nested abs backslash drive symlink dup bomb bomb-lie truncated corrupt)
GOOD=(zip64 descriptor tree)
args=()
k=0
for kind in "${BAD[@]}" "${GOOD[@]}" name-dotdot name-slash; do
    args+=(--hostile "@$k" "$kind")
    k=$((k + 1))
done
mkfixture "$W/fx" --synthetic "$k" --token "$TOKEN" --bomb-size 200000000 "${args[@]}" >"$W/ids" ||
    exit 1
mapfile -t IDS <"$W/ids"
fake_start "$W" "$W/fx/fixture.json" || exit 1
C=$W/deep/er/cache
mkdir -p "$C"
GH_TOKEN=$TOKEN imx sync --github-url "$FAKE_API" --cache "$C" --collect-recent "$k" \
    --artifact '[.a]*' >"$W/out" 2>&1
RC=$?

t_refused() {
    local i=0 kind id
    assert_eq "$RC" 1 "exit status (some runs refused)" || return 1
    for kind in "${BAD[@]}"; do
        id=${IDS[$i]}
        i=$((i + 1))
        [ ! -e "$C/run_$id/agg_bmk.json" ] || fail "$kind: aggregate installed" || return 1
        grep -q '"state": "failed"' "$C/run_$id/imx-manifest.json" &&
            ! grep -q '"state": "complete"' "$C/run_$id/imx-manifest.json" ||
            fail "$kind: not recorded as failed" || return 1
        grep -q "run $id .*failed" "$W/out" || fail "$kind: not reported" || return 1
    done
}

t_nothing_outside() {
    local found
    found=$(find "$W" /tmp/evil /abs 2>/dev/null | grep -v "^$C" | grep -i 'evil\|/link$' | head -3)
    [ -z "$found" ] || fail "written outside the cache: $found" || return 1
    found=$(find "$C" -type l | head -3)
    [ -z "$found" ] || fail "symlink created: $found" || return 1
    found=$(find "$C" -name '.staging-*' -o -path '*/.imx/tmp/*' | head -3)
    [ -z "$found" ] || fail "leftovers: $found"
}

t_valid() {
    local i=${#BAD[@]} kind id
    for kind in "${GOOD[@]}"; do
        id=${IDS[$i]}
        i=$((i + 1))
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$C/run_$id/agg_bmk.json" &&
            grep -q '"complete": true' "$C/run_$id/imx-manifest.json" ||
            fail "$kind: valid zip not installed" || return 1
    done
}

t_bad_names() {
    # artifacts named '..' and 'a/b' (asked for with --artifact) are refused by name
    local i=$((${#BAD[@]} + ${#GOOD[@]}))
    grep -q "'\.\.' cannot be a folder name" "$W/out" && grep -q "'a/b' cannot be a folder name" "$W/out" ||
        fail "unsafe artifact names not refused: $(grep "${IDS[$i]}" "$W/out")" || return 1
    [ ! -e "$C/a" ] && [ ! -e "$C/run_${IDS[$i]}/../agg_bmk.json" ] || fail "written by an unsafe name"
}

t_unsafe_said() {
    grep -q 'unsafe entry name' "$W/out" && grep -q 'is a link' "$W/out" &&
        grep -q 'duplicate entry' "$W/out" && grep -q 'more than' "$W/out" ||
        fail "reasons missing: $(grep warning "$W/out" | head -5)"
}

t_run "sync hostile: unsafe zips refused, not marked complete" t_refused
t_run "sync hostile: nothing written outside the cache, no links, no leftovers" t_nothing_outside
t_run "sync hostile: zip64, data descriptors and trees unpack" t_valid
t_run "sync hostile: artifacts named '..' or 'a/b' refused" t_bad_names
t_run "sync hostile: each refusal says why" t_unsafe_said
