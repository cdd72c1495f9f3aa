#!/usr/bin/env bash
# faults_disk: a full or failing disk, injected with tests/tools/failshim.so (LD_PRELOAD) at many
# points of `imx sync` and `imx extract`, and write errors on standard output: the command fails
# with a message naming the file, nothing already safe changes, nothing temporary stays behind.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"
. "$TESTS_DIR/e2e/faults_common.bash"

W=$(t_tmp)
TOKEN="ghp_disk$RANDOM$RANDOM"

# The shim: `make check` builds it; a plain `make` does not, so build it here when missing.
SHIM=$BUILD/tools/failshim.so
[ -f "$SHIM" ] || make -s --no-print-directory -C "$ROOT_DIR" BUILD="$BUILD" "$SHIM" >/dev/null 2>&1
PRELOAD=$SHIM
# ASan insists on coming first among the loaded libraries: put its runtime before the shim.
ASAN_LIB=$(ldd "$IMX" 2>/dev/null | awk '/libasan/ {print $3}')
[ -n "$ASAN_LIB" ] && PRELOAD="$ASAN_LIB $SHIM"
if [ ! -f "$SHIM" ] || ! LD_PRELOAD="$PRELOAD" "$IMX" --version >/dev/null 2>&1; then
    t_skip "disk faults" "the LD_PRELOAD shim $SHIM cannot be built or loaded with $IMX"
    SHIM=
fi
# Under valgrind only every STRIDE-th failure point is tried (each costs a valgrind run).
STRIDE=1
[ "${VALGRIND:-}" = 1 ] && STRIDE=6

# Six runs, newest first: @0 re-run (its first aggregate is in the old cache: the sync supersedes
# it), @1 a raw (non-zip) aggregate, @2 per-configuration artifacts only, @3-@5 plain.
mkfixture "$W/fx" --synthetic 6 --token "$TOKEN" --rerun @0 --non-zip @1 --no-aggregate @2 \
    >"$W/ids" || exit 1
mkfixture "$W/fx0" --synthetic 6 --token "$TOKEN" --non-zip @1 --no-aggregate @2 >/dev/null ||
    exit 1
mapfile -t IDS <"$W/ids"
fake_start "$W" "$W/fx0/fixture.json" || exit 1
API=$FAKE_API

# gsync BINARY_OR_FUNCTION OPTIONS...: the sync of all six runs
gsync() {
    local bin=$1
    shift
    GH_TOKEN=$TOKEN "$bin" sync --github-url "$API" --collect-recent 6 -q "$@"
}
shimmed() { # shimmed PREFIX ENV... -- COMMAND...: COMMAND with the shim armed below PREFIX
    local prefix=$1
    shift
    local envs=()
    while [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    shift
    rm -f "$W/shim.log"
    (
        export "${envs[@]}" FAILSHIM_PREFIX="$prefix" FAILSHIM_LOG="$W/shim.log" LD_PRELOAD="$PRELOAD"
        "$@"
    )
}
fired() { grep -q ' failed ' "$W/shim.log" 2>/dev/null; }

# The old cache: the first attempt of @0 and the three oldest runs; the reference: a clean sync
# of all six over it; the old and the new table.
fresh
GH_TOKEN=$TOKEN imx sync --github-url "$API" --cache "$W/base" -q "${IDS[0]}" "${IDS[3]}" \
    "${IDS[4]}" "${IDS[5]}" || exit 1
fake_ctl POST fixture "{\"path\": \"$W/fx/fixture.json\"}" >/dev/null || exit 1
fresh
cp -a "$W/base" "$W/ref"
gsync imx --cache "$W/ref" || exit 1
sums "$W/ref" >"$W/ref.sums"
UNTOUCHED=("run_${IDS[3]}" "run_${IDS[4]}" "run_${IDS[5]}")
(cd "$W/base" && find "${UNTOUCHED[@]}" -type f -print0 | sort -z | xargs -0 sha256sum) \
    >"$W/untouched.sums"
mkdir -p "$W/o"
imx extract --offline --cache "$W/base" -o "$W/o/out.csv" -q || exit 1
cp "$W/o/out.csv" "$W/old.csv"
imx extract --offline --cache "$W/ref" -o "$W/new.csv" -q || exit 1
cmp -s "$W/old.csv" "$W/new.csv" && { echo "FAIL disk: the old and new tables are equal"; exit 1; }

# probe OP [COMMAND...]: "BYTES CALLS" the shim counted for OP during a clean sync over the old
# cache (or COMMAND's writes below $W/o)
probe() {
    local op=$1
    shift
    if [ $# -eq 0 ]; then
        rm -rf "$W/s" && cp -a "$W/base" "$W/s"
        shimmed "$W/s" FAILSHIM_OP="$op" FAILSHIM_NTH=1000000 -- gsync "$IMX" --cache "$W/s"
    else
        shimmed "$W/o" FAILSHIM_OP="$op" FAILSHIM_NTH=1000000 -- "$@"
    fi >/dev/null 2>&1
    sed -n 's/^failshim: total \([0-9]*\) bytes, \([0-9]*\) calls$/\1 \2/p' "$W/shim.log"
}

# sync_fault NAME ENV...: `imx sync` over a copy of the old cache with the shim armed as ENV
# says, then the checks; a line in $W/count per scenario whose fault fired.
sync_fault() {
    local name=$1 c=$W/s rc
    shift
    rm -rf "$c" && cp -a "$W/base" "$c"
    shimmed "$c" "$@" -- gsync "$IMX" --cache "$c" >"$W/out" 2>&1
    rc=$?
    fired || fail "$name: the fault never fired" || return 1
    echo "$name" >>"$W/count"
    if [ $rc -ne 0 ]; then
        assert_eq "$rc" 4 "$name: exit status ($(tail -2 "$W/out"))" &&
            grep -q '^imx: error: .*'"'$c/" "$W/out" ||
            fail "$name: no error naming a file of the cache: $(tail -3 "$W/out")" || return 1
    elif ! grep -q '/.imx/http/' "$W/shim.log"; then
        # only the HTTP answer store may fail silently (it is a cache: answers are asked again)
        fail "$name: exit status 0 after a failed write: $(cat "$W/shim.log")" || return 1
    fi
    (cd "$c" && sha256sum -c --quiet "$W/untouched.sums") >&2 ||
        fail "$name: a run already cached changed" || return 1
    consistent "$c" "$W/ref" "$W/base" || fail "$name: inconsistent cache" || return 1
    leftovers "$c" || fail "$name: leftovers" || return 1
    gsync imx --cache "$c" >"$W/out2" 2>&1 || fail "$name: the next sync failed: $(cat "$W/out2")" ||
        return 1
    as_ref "$c" "$W/base" || fail "$name: the next sync gives another cache"
}

# sync_points OP ERRNO [ENV...]: a failure at the k-th OP call, for every k a clean sync makes
# (every STRIDE-th under valgrind); ENV: more of the shim's settings
sync_points() {
    local op=$1 err=$2 calls k
    shift 2
    read -r _ calls < <(probe "$op")
    [ "${calls:-0}" -gt 0 ] || fail "$op: no $op below the cache in a sync" || return 1
    for ((k = 1; k <= calls; k += STRIDE)); do
        sync_fault "$op #$k/$calls" FAILSHIM_OP="$op" FAILSHIM_NTH="$k" FAILSHIM_ERRNO="$err" \
            "$@" || return 1
    done
}

# sync_bytes: a full disk after N bytes, N spread over what a clean sync writes
sync_bytes() {
    local total i n
    read -r total _ < <(probe write)
    [ "${total:-0}" -gt 0 ] || fail "no bytes written below the cache in a sync" || return 1
    for ((i = 0; i <= 24; i += STRIDE)); do
        n=$((total * i / 24))
        [ $i -eq 24 ] && n=$((total - 1))
        [ $i -eq 1 ] && n=1
        sync_fault "full after $n of $total bytes" FAILSHIM_AFTER_BYTES="$n" || return 1
    done
    # EIO instead of ENOSPC, in the middle
    sync_fault "EIO after $((total / 2)) bytes" FAILSHIM_AFTER_BYTES=$((total / 2)) \
        FAILSHIM_ERRNO=EIO
}

# extract_fault NAME ENV...: `imx extract --offline -o out.csv` over the old table fails and
# leaves it as it was
extract_fault() {
    local name=$1 rc
    shift
    cp "$W/old.csv" "$W/o/out.csv"
    shimmed "$W/o" "$@" -- "$IMX" extract --offline --cache "$W/ref" -o "$W/o/out.csv" >"$W/out" 2>&1
    rc=$?
    fired || fail "$name: the fault never fired" || return 1
    echo "$name" >>"$W/count"
    assert_eq "$rc" 4 "$name: exit status ($(tail -2 "$W/out"))" &&
        grep -q "^imx: error: .*'$W/o/out.csv'" "$W/out" ||
        fail "$name: no error naming the table: $(tail -3 "$W/out")" || return 1
    cmp -s "$W/o/out.csv" "$W/old.csv" || fail "$name: the old table changed" || return 1
    leftovers "$W/o"
}

t_extract() {
    local total calls i n k
    read -r total calls < <(probe write "$IMX" extract --offline --cache "$W/ref" -o "$W/o/p.csv")
    [ "${total:-0}" -gt 0 ] || fail "no bytes written by extract" || return 1
    for ((i = 0; i <= 12; i += STRIDE)); do
        n=$((total * i / 12))
        [ $i -eq 12 ] && n=$((total - 1))
        extract_fault "extract: full after $n of $total bytes" FAILSHIM_AFTER_BYTES="$n" || return 1
    done
    extract_fault "extract: EIO on write" FAILSHIM_NTH=1 FAILSHIM_ERRNO=EIO &&
        extract_fault "extract: fsync" FAILSHIM_OP=fsync FAILSHIM_ERRNO=EIO &&
        extract_fault "extract: rename" FAILSHIM_OP=rename FAILSHIM_ERRNO=EIO || return 1
    # a folder for the table cannot be made: said, nothing made
    shimmed "$W/o" FAILSHIM_OP=mkdir -- "$IMX" extract --offline --cache "$W/ref" \
        -o "$W/o/new/sub/out.csv" >"$W/out" 2>&1
    k=$?
    fired && echo "extract: mkdir" >>"$W/count"
    assert_eq "$k" 4 "mkdir: exit status" && assert_contains "$W/out" "'$W/o/new'" &&
        [ ! -e "$W/o/new" ] || fail "mkdir: $(cat "$W/out")" || return 1
    # a deeper folder cannot be made: the ones made a moment before are removed again
    shimmed "$W/o" FAILSHIM_OP=mkdir FAILSHIM_NTH=3 -- "$IMX" extract --offline --cache "$W/ref" \
        -o "$W/o/new/sub/deeper/out.csv" >"$W/out" 2>&1
    k=$?
    fired && echo "extract: mkdir below a new folder" >>"$W/count"
    assert_eq "$k" 4 "deeper mkdir: exit status" && [ ! -e "$W/o/new" ] ||
        fail "deeper mkdir: $(cat "$W/out"; find "$W/o")" || return 1
    # the table fails in folders it made: they go with it
    shimmed "$W/o" FAILSHIM_OP=rename FAILSHIM_ERRNO=EIO -- "$IMX" extract --offline \
        --cache "$W/ref" -o "$W/o/made/sub/out.csv" >"$W/out" 2>&1
    k=$?
    fired && echo "extract: rename in a new folder" >>"$W/count"
    assert_eq "$k" 4 "rename in a new folder: exit status" && [ ! -e "$W/o/made" ] ||
        fail "rename in a new folder: $(cat "$W/out"; find "$W/o")"
}

# standard output on a full device: an error and status 4, never a silent success
stdout_full() {
    local name=$1 rc
    shift
    "$@" >/dev/full 2>"$W/err"
    rc=$?
    echo "$name" >>"$W/count"
    assert_eq "$rc" 4 "$name: exit status" && assert_contains "$W/err" "standard output" ||
        fail "$name: $(cat "$W/err")"
}
t_stdout() {
    stdout_full "stdout: extract -o -" imx extract --offline --cache "$W/ref" -o - &&
        stdout_full "stdout: extract --columns all" imx extract --offline --cache "$W/ref" \
            --columns all --model all -o - &&
        stdout_full "stdout: runs --offline" imx runs --offline --cache "$W/ref" &&
        stdout_full "stdout: --help" imx extract --help &&
        stdout_full "stdout: --version" imx --version
}

: >"$W/count"
if [ -n "$SHIM" ]; then
    fresh
    t_run "disk: sync, full disk at byte offsets spread over the sync" sync_bytes
    t_run "disk: sync, every write call fails in turn (ENOSPC)" sync_points write ENOSPC
    t_run "disk: sync, every fsync fails in turn (EIO)" sync_points fsync EIO
    t_run "disk: sync, every rename fails in turn" sync_points rename EIO
    # the ETag store's entries are renamed on worker threads: on a loaded machine after their
    # run's manifest, where a failed one leaves the old answer (this order, every time)
    t_run "disk: sync, every rename fails in turn, the ETag entries last" sync_points rename EIO \
        FAILSHIM_LATE=/.imx/http/
    t_run "disk: sync, every mkdir fails in turn" sync_points mkdir ENOSPC
    t_run "disk: extract -o, failures leave the old table as it was" t_extract
fi
t_run "disk: write errors on standard output are errors" t_stdout
echo "faults_disk: $(wc -l <"$W/count") fault scenarios ($(grep -vc '^extract\|^stdout' "$W/count") sync, $(grep -c '^extract' "$W/count") extract, $(grep -c '^stdout' "$W/count") stdout)"
