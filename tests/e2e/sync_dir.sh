#!/usr/bin/env bash
# sync --source dir: artifacts already on disk (Actions-page zips, a tarball of a raw/ cache, a
# single zip with --run) give the same cache table as the cache they came from; hostile zips,
# links and bombs are refused with nothing written outside the run folder; a second import
# changes nothing.
. "$(dirname "$0")/../lib.sh"

W=$(t_tmp)
CASES=$TESTS_DIR/cases
AGG1=$CASES/0001-e9-aggregate-newest-wins/cache
PERCFG=$CASES/0002-oct2025-per-config-names/cache/run_18984029536

dir_sync() { imx sync --source dir "$@"; }

# imx sync --source dir --from F 99999999999: named, not silently "no run matches"
t_named_missing() {
    dir_sync --from "$CASES/0001-e9-aggregate-newest-wins/cache" --cache "$W/cn" 99999999999 \
        >"$W/on" 2>&1
    assert_eq "$?" 1 "exit status: $(cat "$W/on")" &&
        assert_contains "$W/on" "run 99999999999 is not in" &&
        assert_not_contains "$W/on" "no successful run matches"
}
table() { imx extract --offline --cache "$1" --model all -o "$2" >/dev/null 2>&1; }

# zip DIR OUT.zip: the files below DIR as a zip (as the Actions page hands artifacts out)
mkzip() {
    python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in os.walk(src):
        for f in sorted(files):
            p = os.path.join(root, f)
            z.write(p, os.path.relpath(p, src))
PY
}

t_actions_zips() {
    local imp=$W/zips/18984029536
    mkdir -p "$imp"
    for a in "$PERCFG"/*/; do
        mkzip "$a" "$imp/$(basename "$a").zip"
    done
    cp "$PERCFG/run.json" "$imp/"
    dir_sync --from "$W/zips" --cache "$W/cz" >"$W/o1" 2>&1 || fail "$(cat "$W/o1")" || return 1
    assert_contains "$W/o1" "run 18984029536: imported 2 artifacts" &&
        cmp -s "$W/cz/run_18984029536/run.json" "$PERCFG/run.json" ||
        fail "run.json not imported as it was" || return 1
    table "$W/cz" "$W/t1.csv" && table "$CASES/0002-oct2025-per-config-names/cache" "$W/t0.csv" &&
        assert_file_eq "$W/t1.csv" "$W/t0.csv" || return 1
    # the zips are the user's: still there
    [ "$(ls "$imp"/*.zip | wc -l)" = 4 ] || fail "the user's zips were moved"
}

t_tarball_and_again() {
    tar czf "$W/raw.tgz" -C "$AGG1/.." cache
    dir_sync --from "$W/raw.tgz" --cache "$W/ct" >"$W/o2" 2>&1 || fail "$(cat "$W/o2")" || return 1
    table "$W/ct" "$W/t2.csv" && table "$AGG1" "$W/t2ref.csv" &&
        assert_file_eq "$W/t2.csv" "$W/t2ref.csv" || return 1
    [ -z "$(ls -A "$W/ct/.imx/tmp")" ] || fail "the unpacked tarball was left behind" || return 1
    # a second import of the same runs: nothing written, said so
    find "$W/ct" -type f -newer "$W/raw.tgz" -printf '%P %T@\n' | sort >"$W/before"
    sleep 0.01
    dir_sync --from "$W/raw.tgz" --cache "$W/ct" >"$W/o3" 2>&1 || fail "$(cat "$W/o3")" || return 1
    assert_contains "$W/o3" "run 100: cached" &&
        assert_contains "$W/o3" "dir: 2 runs (0 updated, 2 cached, 0 incomplete)" || return 1
    find "$W/ct" -type f -newer "$W/raw.tgz" -printf '%P %T@\n' | grep -v '^\.imx/' | sort \
        >"$W/after"
    grep -v '^\.imx/' "$W/before" | diff - "$W/after" >&2 || fail "a cached run was rewritten"
}

t_single_zip() {
    mkdir -p "$W/one" && cp "$AGG1/run_100/agg_bmk.json" "$W/one/"
    mkzip "$W/one" "$W/results_bmk.zip"
    dir_sync --from "$W/results_bmk.zip" --cache "$W/cs" >"$W/o4" 2>&1
    assert_eq "$?" 2 "a single zip without --run" &&
        assert_contains "$W/o4" "--run ID says whose" || return 1
    dir_sync --from "$W/results_bmk.zip" --run 100 --cache "$W/cs" >"$W/o5" 2>&1 ||
        fail "$(cat "$W/o5")" || return 1
    cmp -s "$W/cs/run_100/agg_bmk.json" "$AGG1/run_100/agg_bmk.json" ||
        fail "the aggregate is not in the run folder"
}

t_hostile() {
    local c=$W/ch
    python3 - "$W" <<'PY'
import sys, zipfile
w = sys.argv[1]
with zipfile.ZipFile(w + "/evil.zip", "w") as z:
    z.writestr("../../escaped.json", "{}")
# a bomb: 200 MB of zeros in a small zip, past the cap scaled to its size
with zipfile.ZipFile(w + "/bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("agg_bmk.json", b"\0" * (200 << 20))
PY
    dir_sync --from "$W/evil.zip" --run 7 --cache "$c" >"$W/o6" 2>&1
    assert_eq "$?" 1 "exit status of a refused zip" &&
        assert_contains "$W/o6" "unsafe entry name" || return 1
    [ ! -e "$W/escaped.json" ] && [ ! -e "$c/escaped.json" ] ||
        fail "an entry landed outside the run folder" || return 1
    grep -q '"complete": false' "$c/run_7/imx-manifest.json" || fail "run 7 marked complete" ||
        return 1
    dir_sync --from "$W/bomb.zip" --run 8 --cache "$c" >"$W/o7" 2>&1
    assert_eq "$?" 1 "exit status of a zip bomb" &&
        assert_contains "$W/o7" "unpacks to more than" || return 1
    [ ! -e "$c/run_8/agg_bmk.json" ] || fail "the bomb was installed" || return 1
    # a zip beyond the unpacking cap (sparse: 2 GiB of nothing) is refused before it is copied
    truncate -s 2G "$W/huge.zip"
    dir_sync --from "$W/huge.zip" --run 10 --cache "$c" >"$W/o7b" 2>&1
    assert_eq "$?" 1 "exit status of a huge zip" && assert_contains "$W/o7b" "holds more than" ||
        return 1
    [ -z "$(find "$c/.imx/tmp" -type f)" ] || fail "a copy was left behind" || return 1
    rm -f "$W/huge.zip"
    # a tarball with a link entry is bad local input (exit 1, naming it), not a server failing (3)
    mkdir -p "$W/tl/cache/run_5" && cp "$AGG1/run_100/agg_bmk.json" "$W/tl/cache/run_5/" &&
        ln -s /etc/passwd "$W/tl/cache/run_5/agg_x.json" && tar czf "$W/tl.tgz" -C "$W/tl" cache
    dir_sync --from "$W/tl.tgz" --cache "$c" >"$W/o7c" 2>&1
    assert_eq "$?" 1 "exit status of a tarball with a link" &&
        assert_contains "$W/o7c" "'$W/tl.tgz': archive entry 'cache/run_5/agg_x.json' is a link" &&
        [ ! -e "$c/run_5" ] || fail "the refused tarball was imported" || return 1
    # a link inside an artifact folder is refused, not followed
    mkdir -p "$W/links/9/results_bmk" && ln -s /etc/passwd "$W/links/9/results_bmk/agg_bmk.json"
    dir_sync --from "$W/links" --cache "$c" >"$W/o8" 2>&1
    assert_eq "$?" 1 "exit status with a link" && assert_contains "$W/o8" "is a link (refused)" &&
        [ ! -e "$c/run_9/agg_bmk.json" ] || fail "the link was followed"
}

# --from is the user's, but what it links to is not: a run folder or a zip linked to a secret
# folder, a FIFO or a link among the loose files, are skipped with a warning naming them, and
# nothing they point to reaches the cache; imx's own names as artifacts are refused aloud
t_links_and_names() {
    local f=$W/lf c=$W/cl
    mkdir -p "$W/secret" "$f/11" "$f/12" && echo '{"token":"hunter2"}' >"$W/secret/agg_bmk.json"
    ln -s "$W/secret" "$f/10" && ln -s "$W/secret" "$f/run_13"
    cp "$AGG1/run_100/agg_bmk.json" "$f/11/"
    ln -s "$W/secret/agg_bmk.json" "$f/11/agg_extra.json" && mkfifo "$f/11/agg_fifo.json"
    mkzip "$W/secret" "$W/secret.zip" && ln -s "$W/secret.zip" "$f/12/results_bmk.zip"
    mkzip "$W/one" "$f/12/run.json.zip" 2>/dev/null || { mkdir -p "$W/one2" &&
        cp "$AGG1/run_100/agg_bmk.json" "$W/one2/" && mkzip "$W/one2" "$f/12/run.json.zip"; }
    imx sync --source dir --from "$f" --artifact '*' --cache "$c" >"$W/o12" 2>&1
    assert_contains "$W/o12" "'$f/10' is a symbolic link" &&
        assert_contains "$W/o12" "'$f/run_13' is a symbolic link" &&
        assert_contains "$W/o12" "'$f/11/agg_extra.json' is a symbolic link" &&
        assert_contains "$W/o12" "'$f/11/agg_fifo.json' is not a file or folder" &&
        assert_contains "$W/o12" "'$f/12/results_bmk.zip' is a symbolic link" &&
        assert_contains "$W/o12" "artifact name 'run.json' cannot be a folder name" || return 1
    [ ! -e "$c/run_10" ] && [ ! -e "$c/run_13" ] && [ ! -e "$c/run_12/results_bmk" ] ||
        fail "a linked run or zip was imported: $(ls -R "$c")" || return 1
    ! grep -rq hunter2 "$c" || fail "the secret reached the cache" || return 1
    cmp -s "$c/run_11/agg_bmk.json" "$AGG1/run_100/agg_bmk.json" ||
        fail "the run beside them was not imported: $(cat "$W/o12")"
}

t_selection() {
    mkdir -p "$W/sel" && cp -r "$AGG1"/run_* "$W/sel/"
    dir_sync --from "$W/sel" --cache "$W/c1" --collect-recent 1 >"$W/o9" 2>&1 &&
        [ -d "$W/c1/run_200" ] && [ ! -d "$W/c1/run_100" ] ||
        fail "--collect-recent 1 did not take the newest run only: $(cat "$W/o9")" || return 1
    dir_sync --from "$W/sel" --cache "$W/c2" 100 >"$W/o10" 2>&1 &&
        [ -d "$W/c2/run_100" ] && [ ! -d "$W/c2/run_200" ] ||
        fail "a named run: $(cat "$W/o10")" || return 1
    # dates come from each run's run.json (run 100: 2025-12-20, run 200: 2026-01-05); a run
    # without a date is left out aloud
    mkdir -p "$W/sel/run_300" && cp "$AGG1/run_100/agg_bmk.json" "$W/sel/run_300/"
    mkdir -p "$W/sel/run_400" && cp "$AGG1/run_100/agg_bmk.json" "$W/sel/run_400/"
    echo '{"id": 400, "created_at": "yesterday"}' >"$W/sel/run_400/run.json"
    mkdir -p "$W/sel/run_500" && cp "$AGG1/run_200/agg_bmk.json" "$AGG1/run_200/run.json" "$W/sel/run_500/"
    dir_sync --from "$W/sel" --cache "$W/c3" --since 2026-01-01 >"$W/o11" 2>&1 &&
        [ -d "$W/c3/run_200" ] && [ ! -d "$W/c3/run_100" ] && [ ! -d "$W/c3/run_300" ] ||
        fail "--since: $(cat "$W/o11")" || return 1
    assert_contains "$W/o11" "run 300: '$W/sel/run_300' has no run.json: --since and --until leave it out" &&
        assert_contains "$W/o11" "run 400: '$W/sel/run_400/run.json' has no valid created_at" &&
        assert_contains "$W/o11" "run 500: '$W/sel/run_500/run.json' is the run object of run 200" &&
        [ ! -d "$W/c3/run_500" ] || fail "run 500 taken by run 200's date"
}

# flip one digit of FILE in place (same size), its mtime put back: only the bytes tell
flip() {
    cp -p "$1" "$W/flip.ref"
    python3 - "$1" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = next(i for i, c in enumerate(b) if chr(c).isdigit())
b[i] = ord("7") if b[i] != ord("7") else ord("3")
open(p, "wb").write(b)
PY
    touch -r "$W/flip.ref" "$1"
    ! cmp -s "$1" "$W/flip.ref" || fail "flip changed nothing"
}

# an artifact without a GitHub id is known by its content: unchanged, a second import is
# "cached" and rewrites nothing; one byte changed in a same-sized file (its time put back),
# in the loose aggregate, an artifact folder or a zip, is imported, the old one kept
t_changed_artifact() {
    local f=$W/chg/31 c=$W/cc
    mkdir -p "$f/bmk_a" "$W/zsrc"
    cp "$AGG1/run_100/agg_bmk.json" "$f/" && cp "$AGG1/run_200/agg_bmk.json" "$f/bmk_a/"
    cp "$AGG1/run_100/agg_bmk.json" "$W/zsrc/agg_z.json"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").write(sys.argv[2], "agg_z.json")' \
        "$f/bmk_z.zip" "$W/zsrc/agg_z.json"
    dir_sync --from "$W/chg" --artifact '*' --cache "$c" >"$W/chg1.out" 2>&1 || fail "$(cat "$W/chg1.out")" ||
        return 1
    cp -r "$c/run_31" "$W/first"
    touch "$W/stamp" && sleep 0.01
    dir_sync --from "$W/chg" --artifact '*' --cache "$c" >"$W/chg2.out" 2>&1 || fail "$(cat "$W/chg2.out")" ||
        return 1
    assert_contains "$W/chg2.out" "run 31: cached" || return 1
    [ -z "$(find "$c" -newer "$W/stamp" -type f ! -path '*/.imx/*')" ] ||
        fail "an unchanged import rewrote: $(find "$c" -newer "$W/stamp" -type f)" || return 1
    flip "$f/agg_bmk.json" && flip "$f/bmk_a/agg_bmk.json" || return 1
    python3 - "$f/bmk_z.zip" "$W/zsrc/agg_z.json" <<'PY' || return 1
import os, sys, zipfile
z, src = sys.argv[1], sys.argv[2]
st = os.stat(z)
data = bytearray(open(src, "rb").read())
data[data.index(b"1")] = ord("2")
open(src + ".new", "wb").write(data)
with zipfile.ZipFile(z, "w") as out:
    out.writestr(zipfile.ZipInfo("agg_z.json", (2020, 1, 1, 0, 0, 0)), bytes(data))
assert os.stat(z).st_size == st.st_size, "the zip changed size"
os.utime(z, ns=(st.st_atime_ns, st.st_mtime_ns))
PY
    dir_sync --from "$W/chg" --artifact '*' --cache "$c" >"$W/chg3.out" 2>&1 || fail "$(cat "$W/chg3.out")" ||
        return 1
    assert_contains "$W/chg3.out" "run 31: imported 3 artifacts" || return 1
    cmp -s "$c/run_31/agg_bmk.json" "$f/agg_bmk.json" &&
        cmp -s "$c/run_31/bmk_a/agg_bmk.json" "$f/bmk_a/agg_bmk.json" &&
        cmp -s "$c/run_31/bmk_z/agg_z.json" "$W/zsrc/agg_z.json.new" ||
        fail "the changed artifacts were not installed" || return 1
    # the old ones are kept, byte for byte, under .superseded/
    for old in agg_bmk.json bmk_a/agg_bmk.json bmk_z/agg_z.json; do
        [ "$(find "$c/run_31/.superseded" -path "*/${old#*/}" -exec cmp -s {} "$W/first/$old" \; \
            -print | wc -l)" -ge 1 ] || fail "the old $old is not kept" || return 1
    done
    imx verify --cache "$c" >"$W/chg4.out" 2>&1 || fail "verify after the update: $(cat "$W/chg4.out")" ||
        return 1
    # the first aggregate back (A, B, then A again): current once more, every kept copy accounted
    # for, and cached from then on
    cp -p "$W/first/agg_bmk.json" "$f/agg_bmk.json"
    dir_sync --from "$W/chg" --artifact '*' --cache "$c" >"$W/chg5.out" 2>&1 &&
        assert_contains "$W/chg5.out" "run 31: imported 1 artifact" &&
        cmp -s "$c/run_31/agg_bmk.json" "$W/first/agg_bmk.json" || fail "A again: $(cat "$W/chg5.out")" ||
        return 1
    imx verify --cache "$c" >"$W/chg6.out" 2>&1 || fail "verify after A again: $(cat "$W/chg6.out")" ||
        return 1
    dir_sync --from "$W/chg" --artifact '*' --cache "$c" >"$W/chg7.out" 2>&1 &&
        assert_contains "$W/chg7.out" "run 31: cached"
}

# a colleague's raw/ folder with its manifest: its GitHub ids are kept while its files are
# those it recorded; a file changed since makes that artifact a new one, the old kept
t_manifest_ids() {
    local c=$W/cm
    mkdir -p "$W/raw" && cp -r "$CASES/0100-damaged-stored-files/cache/run_100" "$W/raw/"
    dir_sync --from "$W/raw" --cache "$c" >"$W/m1" 2>&1 || fail "$(cat "$W/m1")" || return 1
    grep -q '"id": 1,' "$c/run_100/imx-manifest.json" || fail "the GitHub id was not kept" ||
        return 1
    dir_sync --from "$W/raw" --cache "$c" >"$W/m2" 2>&1 && assert_contains "$W/m2" "run 100: cached" ||
        return 1
    flip "$W/raw/run_100/agg_bmk.json" || return 1
    dir_sync --from "$W/raw" --cache "$c" >"$W/m3" 2>&1 || fail "$(cat "$W/m3")" || return 1
    assert_contains "$W/m3" "run 100: imported 1 artifact" &&
        cmp -s "$c/run_100/agg_bmk.json" "$W/raw/run_100/agg_bmk.json" &&
        cmp -s "$c/run_100/.superseded/1-results_bmk/agg_bmk.json" "$W/flip.ref" ||
        fail "the changed aggregate: $(ls -R "$c/run_100")"
}

t_run "sync dir: Actions-page zips and run.json give the original table" t_actions_zips
t_run "sync dir: a tarball of a raw/ cache; a second import rewrites nothing" t_tarball_and_again
t_run "sync dir: a single zip needs --run and lands in its run" t_single_zip
t_run "sync dir: traversal, bombs and links refused, nothing outside the run" t_hostile
t_run "sync dir: --collect-recent, named runs and --since select" t_selection
t_run "sync dir: a named run --from does not hold is said, exit 1" t_named_missing
t_run "sync dir: links, FIFOs and imx's own names in --from skipped aloud" t_links_and_names
t_run "sync dir: a changed byte (time put back) is a new artifact, the old kept; unchanged is cached" t_changed_artifact
t_run "sync dir: a colleague's manifest ids kept while its files match" t_manifest_ids
