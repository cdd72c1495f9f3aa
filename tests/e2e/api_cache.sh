#!/usr/bin/env bash
# api_cache: what the InferenceX API's engine writes keeps the cache's rules. A link where it
# writes (api/, api/workflow-info, run_<ID>, run_<ID>/api) is refused (exit 4) and the folder it
# points to keeps every file. Its documents (stored without digests) that no longer read as its
# rows are damage like any other: `imx verify` lists them (exit 1), a plain sync of the run
# fetches them again and `imx sync --repair` does without --source, the damaged bytes kept under
# run_<ID>/.damaged/. Before, verify said nothing, the sync said "cached" and the repair that
# extract's warning named did nothing.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/api.sh"

W=$(t_tmp)
python3 "$TESTS_DIR/fake/mkapifixture.py" "$W/fx" --builtin >/dev/null 2>&1 ||
    { echo "FAIL api_cache/fixture"; exit 0; }
api_start "$W/fx" || exit 1
trap 'kill $API_PID 2>/dev/null; wait $API_PID 2>/dev/null; t_cleanup' EXIT
C=$W/c

async() { IMX_INFERENCEX_URL=$API_URL imx sync --source api --cache "$C" "$@"; }

async --collect-recent 2 >"$W/s0" 2>&1
F=$(ls "$C"/run_*/api/benchmarks_*.json 2>/dev/null | head -n 1)
RUN=$(basename "$(dirname "$(dirname "$F")")")
cp "$F" "$W/good.json" 2>/dev/null

t_setup() {
    [ -s "$W/good.json" ] || fail "sync: $(cat "$W/s0")" || return 1
    assert_not_contains "$W/s0" "stored (0 B)" || return 1
    imx verify --cache "$C" -q || fail "a fresh cache is not clean"
}

t_cut() {
    truncate -s $(($(stat -c %s "$F") / 2)) "$F"
    imx verify --cache "$C" >"$W/v1" 2>/dev/null
    assert_eq "$?" 1 "verify exit status" &&
        assert_contains "$W/v1" "$RUN/api/$(basename "$F"): unreadable" || return 1
    async --collect-recent 2 >"$W/s1" 2>&1 || fail "sync: $(cat "$W/s1")" || return 1
    cmp -s "$F" "$W/good.json" || fail "not fetched again: $(cat "$W/s1")" || return 1
    [ -n "$(find "$C/$RUN/.damaged" -name "$(basename "$F")")" ] || fail "the cut bytes not kept"
}

t_repair() {
    printf '[{"model": ' >"$F"
    IMX_INFERENCEX_URL=$API_URL imx sync --cache "$C" --repair >"$W/r1" 2>&1 ||
        fail "repair: $(cat "$W/r1")" || return 1
    cmp -s "$F" "$W/good.json" || fail "not repaired: $(cat "$W/r1")" || return 1
    [ "$(find "$C/$RUN/.damaged" -name "$(basename "$F")" | wc -l)" = 2 ] ||
        fail "the garbled bytes not kept" || return 1
    imx verify --cache "$C" -q || fail "still damaged"
}

t_links() {
    local l d rc
    for l in api api/workflow-info "$RUN" "$RUN/api"; do
        d=$(mktemp -d "$W/j.XXXXXX")
        mkdir -p "$d/victim" "$d/cache/$(dirname "$l")" && echo keep >"$d/victim/keep"
        ln -s "$d/victim" "$d/cache/$l"
        IMX_INFERENCEX_URL=$API_URL imx sync --source api --cache "$d/cache" --collect-recent 2 \
            >"$d/out" 2>&1
        rc=$?
        assert_eq "$rc" 4 "a link at $l" && assert_contains "$d/out" "'$d/cache/$l' is a symbolic link" ||
            return 1
        [ "$(ls -A "$d/victim")" = keep ] || fail "written through the link $l: $(ls -A "$d/victim")" ||
            return 1
    done
}

t_run "api cache: links where the engine writes are refused, never written through" t_links
t_run "api repair: a fresh cache verifies clean, the summary counts the bytes" t_setup
t_run "api repair: a cut document is listed by verify, fetched again by a plain sync" t_cut
t_run "api repair: a garbled document is repaired by sync --repair without --source" t_repair
