#!/usr/bin/env bash
# Replays every fuzz target over its regression inputs (crashes found by `make fuzz`, fixed
# since) and over the fixtures, with the same build (and sanitizers) as the rest of the suite.
. "$(dirname "$0")/../lib.sh"
: "${BUILD:?}"

replay() {
    local t=$1 bin="$BUILD/fuzz/fuzz_$1" files=()
    [ -x "$bin" ] || fail "no replay binary $bin" || return 1
    [ -d "$ROOT_DIR/fuzz/regressions/$t" ] && files+=("$ROOT_DIR"/fuzz/regressions/"$t"/*)
    [ -d "$ROOT_DIR/fuzz/seeds/$t" ] && files+=("$ROOT_DIR"/fuzz/seeds/"$t"/*)
    if [ "$t" = reader ]; then
        while IFS= read -r f; do files+=("$f"); done < <(find "$TESTS_DIR/cases" -name '*.json')
    fi
    files=($(for f in "${files[@]}"; do [ -f "$f" ] && echo "$f"; done))
    [ ${#files[@]} -gt 0 ] || return 0
    "$bin" "${files[@]}"
}

for src in "$ROOT_DIR"/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    t=${t#fuzz_}
    t_run "fuzz/replay_$t" replay "$t"
done
