#!/usr/bin/env bash
# faults_kill: `imx sync` killed with SIGKILL at random moments (a seeded, reproducible crash
# loop) and at every rename and fsync (tests/tools/failshim.so): no half-written file is ever
# visible, extraction works, the next sync ends in the cache an uninterrupted sync gives;
# SIGINT and SIGTERM exit 130 leaving no temporary file; extraction during a sync is consistent.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"
. "$TESTS_DIR/e2e/faults_common.bash"

RANDOM=4242 # the kill delays are the same on every run
W=$(t_tmp)
TOKEN="ghp_kill$RANDOM$RANDOM"
KILLS=${IMX_KILLS:-25}
STEP=1 # every exact kill point; under valgrind (each check costs valgrind runs) fewer
if [ "${VALGRIND:-}" = 1 ]; then
    KILLS=${IMX_KILLS:-5}
    STEP=6
fi

SHIM=$BUILD/tools/failshim.so
[ -f "$SHIM" ] || make -s --no-print-directory -C "$ROOT_DIR" BUILD="$BUILD" "$SHIM" >/dev/null 2>&1
PRELOAD=$SHIM
ASAN_LIB=$(ldd "$IMX" 2>/dev/null | awk '/libasan/ {print $3}')
[ -n "$ASAN_LIB" ] && PRELOAD="$ASAN_LIB $SHIM" # ASan wants its runtime loaded first
if [ ! -f "$SHIM" ] || ! LD_PRELOAD="$PRELOAD" "$IMX" --version >/dev/null 2>&1; then
    t_skip "kill points" "the LD_PRELOAD shim $SHIM cannot be built or loaded with $IMX"
    SHIM=
fi

# Eight runs, newest first: @0 re-run (the old cache has its first attempt), @1 and @4
# per-configuration artifacts only (many installs), @2 a raw aggregate, the rest plain.
mkfixture "$W/fx" --synthetic 8 --token "$TOKEN" --rerun @0 --non-zip @2 --no-aggregate @1 \
    --no-aggregate @4 >"$W/ids" || exit 1
mkfixture "$W/fx0" --synthetic 8 --token "$TOKEN" --non-zip @2 --no-aggregate @1 \
    --no-aggregate @4 >/dev/null || exit 1
mapfile -t IDS <"$W/ids"
fake_start "$W" "$W/fx0/fixture.json" || exit 1
API=$FAKE_API
# slow: every API answer a little late and every download paused midway, so that a sync lasts
# long enough for kills to land in listings, downloads, unpacking and installs
SLOW='[{"host": "api", "fault": "stall", "seconds": 0.02, "always": true},
       {"host": "blob", "fault": "slow", "seconds": 0.1, "always": true}]'

# gsync BINARY_OR_FUNCTION OPTIONS...: the sync of all eight runs
gsync() {
    local bin=$1
    shift
    GH_TOKEN=$TOKEN "$bin" sync --github-url "$API" --collect-recent 8 -q "$@"
}
# bg_sync CACHE: the same sync of imx itself (not valgrind: the kills must reach imx) in the
# background, against the slow server; its pid in PID
bg_sync() {
    fresh "$SLOW"
    GH_TOKEN=$TOKEN "$IMX" sync --github-url "$API" --collect-recent 8 -q --cache "$1" \
        >/dev/null 2>"$W/bg.err" &
    PID=$!
}

# The old cache (the first attempt of @0, the two oldest runs) and the reference: a clean sync
# of all eight over it.
GH_TOKEN=$TOKEN imx sync --github-url "$API" --cache "$W/base" -q "${IDS[0]}" "${IDS[6]}" \
    "${IDS[7]}" || exit 1
fake_ctl POST fixture "{\"path\": \"$W/fx/fixture.json\"}" >/dev/null || exit 1
cp -a "$W/base" "$W/ref"
gsync imx --cache "$W/ref" || exit 1
sums "$W/ref" >"$W/ref.sums"
(cd "$W/base" && find "run_${IDS[6]}" "run_${IDS[7]}" -type f -print0 | sort -z |
    xargs -0 sha256sum) >"$W/untouched.sums"
# how long an uninterrupted sync takes against the slow server, in ms
cp -a "$W/base" "$W/t"
t0=$(date +%s%N)
bg_sync "$W/t"
wait "$PID" || exit 1
SPAN=$((($(date +%s%N) - t0) / 1000000))
rm -rf "$W/t"
fresh

# after_crash NAME CACHE: what must hold after imx died in a sync of CACHE, then the next sync
after_crash() {
    local name=$1 c=$2
    (cd "$c" && sha256sum -c --quiet "$W/untouched.sums") >&2 ||
        fail "$name: a run already cached changed" || return 1
    consistent "$c" "$W/ref" "$W/base" || fail "$name: a half-written or lost file" || return 1
    # extraction reads what is there: every file it sees is whole, so nothing is skipped
    imx extract --offline --cache "$c" --model all -o "$W/x.csv" >"$W/xout" 2>&1 ||
        fail "$name: extract --offline failed: $(cat "$W/xout")" || return 1
    ! grep -q 'warning\|Skipped: .* unreadable' "$W/xout" ||
        fail "$name: extract read a damaged file: $(cat "$W/xout")" || return 1
    fresh
    gsync imx --cache "$c" >"$W/out2" 2>&1 ||
        fail "$name: the next sync failed: $(cat "$W/out2")" || return 1
    as_ref "$c" "$W/base" || fail "$name: the next sync gives another cache"
}

# Random kills: delays spread over the sync's span (and a little past it).
t_random_kills() {
    local i ms c=$W/c
    for ((i = 1; i <= KILLS; i++)); do
        ms=$((RANDOM % (SPAN + SPAN / 10 + 1)))
        rm -rf "$c" && cp -a "$W/base" "$c"
        bg_sync "$c"
        sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
        kill -KILL "$PID" 2>/dev/null
        wait "$PID" 2>/dev/null
        echo "random $ms ms" >>"$W/count"
        after_crash "kill -9 after $ms ms (of $SPAN)" "$c" || return 1
    done
}

# Exact kill points: imx kills itself before its k-th rename (or fsync) below the cache.
t_kill_points() {
    local op=$1 step=$2 calls k c=$W/c
    rm -rf "$c" && cp -a "$W/base" "$c"
    FAILSHIM_OP=$op FAILSHIM_NTH=1000000 FAILSHIM_PREFIX=$c FAILSHIM_LOG=$W/shim.log \
        LD_PRELOAD=$PRELOAD gsync "$IMX" --cache "$c" >/dev/null 2>&1
    calls=$(sed -n 's/^failshim: total [0-9]* bytes, \([0-9]*\) calls$/\1/p' "$W/shim.log")
    rm -f "$W/shim.log"
    [ "${calls:-0}" -gt 0 ] || fail "no $op below the cache in a sync" || return 1
    for ((k = 1; k <= calls; k += step)); do
        rm -rf "$c" && cp -a "$W/base" "$c"
        rm -f "$W/shim.log"
        FAILSHIM_OP=$op FAILSHIM_NTH=$k FAILSHIM_ACTION=kill FAILSHIM_PREFIX=$c \
            FAILSHIM_LOG=$W/shim.log LD_PRELOAD=$PRELOAD gsync "$IMX" --cache "$c" \
            >/dev/null 2>&1
        [ $? -eq 137 ] && grep -q '^failshim: kill at' "$W/shim.log" ||
            fail "$op #$k: imx did not die there" || return 1
        echo "$op $k" >>"$W/count"
        after_crash "killed before $op #$k of $calls" "$c" || return 1
    done
}

# blobs: the downloads the fake has answered so far (its request log, one JSON line each)
blobs() { grep -c '"host": "blob"' "$FAKE_LOG" || true; }

# SIGINT, SIGTERM: status 130, temporary files removed by imx itself (no sweep yet). No clock:
# the signal goes once the fake has answered the k-th download of this sync, while the next
# one is held (stalled) by the fake, so it always lands mid-sync, however loaded the machine.
t_interrupt() {
    local sig k n0 i rc c=$W/c
    for sig in INT TERM INT TERM; do
        k=$((1 + RANDOM % 4))
        rm -rf "$c" && cp -a "$W/base" "$c"
        n0=$(blobs)
        fresh "[{\"host\": \"blob\", \"fault\": \"stall\", \"seconds\": 20, \"calls\": [$((k + 1))]},
                ${SLOW#[}"
        GH_TOKEN=$TOKEN "$IMX" sync --github-url "$API" --collect-recent 8 -q --cache "$c" \
            >/dev/null 2>"$W/bg.err" &
        PID=$!
        for ((i = 0; i < 3000 && $(blobs) < n0 + k; i++)); do
            kill -0 "$PID" 2>/dev/null || break
            sleep 0.01
        done
        kill -"$sig" "$PID"
        wait "$PID"
        rc=$?
        echo "SIG$sig after download $k" >>"$W/count"
        assert_eq "$rc" 130 "exit status after SIG$sig after download $k" &&
            leftovers "$c" || return 1
        # the handler only records the signal: the sync unwinds and says so itself
        grep -q 'interrupted' "$W/bg.err" ||
            fail "SIG$sig after download $k: no 'interrupted' message: $(cat "$W/bg.err")" ||
            return 1
        after_crash "SIG$sig after download $k" "$c" || return 1
    done
}

# extract --offline while a sync holds the lock: it reads whole files only, every time
t_extract_during_sync() {
    local n=0 c=$W/c
    rm -rf "$c" && cp -a "$W/base" "$c"
    bg_sync "$c"
    while kill -0 "$PID" 2>/dev/null; do
        # only count the reads made while the writer held the lock
        if ! flock -n "$c/.imx/lock" true; then
            imx extract --offline --cache "$c" --model all -o "$W/x.csv" >"$W/xout" 2>&1 ||
                fail "extract during a sync failed: $(cat "$W/xout")" || return 1
            ! grep -q 'warning\|Skipped: .* unreadable' "$W/xout" ||
                fail "extract during a sync read a damaged file: $(cat "$W/xout")" || return 1
            n=$((n + 1))
        fi
        sleep 0.02
    done
    wait "$PID" || fail "the sync failed" || return 1
    # at least one read under the writer's lock, or nothing was tried; how many more fit in the
    # sync depends on the machine's load (a loaded one gave 2 where 3 were asked), not on imx
    [ "$n" -ge 1 ] || fail "no extraction while the sync held the lock"
}

: >"$W/count"
t_run "kill: $KILLS kill -9 at random moments of a sync ($SPAN ms), then a clean next sync" \
    t_random_kills
if [ -n "$SHIM" ]; then
    t_run "kill: kill -9 before every rename of a sync" t_kill_points rename "$STEP"
    t_run "kill: kill -9 before every other fsync of a sync" t_kill_points fsync $((STEP * 2))
fi
t_run "kill: SIGINT and SIGTERM mid-sync exit 130, no temporary file left" t_interrupt
t_run "kill: extract --offline during a sync reads a consistent cache" t_extract_during_sync
echo "faults_kill: $(wc -l <"$W/count") kill points ($(grep -c '^random' "$W/count") random, $(grep -c '^rename\|^fsync' "$W/count") exact, $(grep -c '^SIG' "$W/count") SIGINT/SIGTERM)"
