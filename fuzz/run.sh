#!/usr/bin/env bash
# fuzz/run.sh: builds every fuzz/fuzz_*.c with libFuzzer (clang, ASan, UBSan) and runs each
# for FUZZ_SECONDS (default 60), seeded from the test fixtures. A crash is copied into
# fuzz/regressions/<target>/ so that `make check` replays it from then on.
# usage: fuzz/run.sh [TARGET...]
set -u
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
out=build-fuzz
mkdir -p "$out"
cflags="-g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DIMX_VERSION=\"fuzz\" -Ilib"
libs=$(pkg-config --libs yajl libcurl libarchive libcrypto 2>/dev/null || echo -lyajl -lcurl -larchive -lcrypto)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls fuzz/fuzz_*.c | sed 's|fuzz/fuzz_||; s|\.c$||'))
status=0
for t in "${targets[@]}"; do
    bin="$out/fuzz_$t"
    # shellcheck disable=SC2086
    clang $cflags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -o "$bin" "fuzz/fuzz_$t.c" lib/*/*.c $libs -lpthread || { status=1; continue; }
    corpus="$out/corpus_$t"
    mkdir -p "$corpus"
    case "$t" in
    reader) find tests/cases -name '*.json' -size -64k -exec cp {} "$corpus/" \; 2>/dev/null ;;
    names) find tests/cases -mindepth 3 -type d -printf '%f\n' | while read -r n; do
               printf '%s' "$n" >"$corpus/$(printf '%s' "$n" | cksum | cut -d' ' -f1)"; done ;;
    esac
    [ -d "fuzz/seeds/$t" ] && cp fuzz/seeds/"$t"/* "$corpus/" 2>/dev/null
    [ -d "fuzz/regressions/$t" ] && cp fuzz/regressions/"$t"/* "$corpus/" 2>/dev/null
    mkdir -p "$out/crashes_$t"
    log="$out/fuzz_$t.log"
    "$bin" "$corpus" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
        -artifact_prefix="$out/crashes_$t/" -print_final_stats=1 >"$log" 2>&1
    rc=$?
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
    echo "fuzz $t: ${secs}s, ${execs:-?} executions, exit $rc"
    if [ $rc -ne 0 ]; then
        status=1
        mkdir -p "fuzz/regressions/$t"
        cp "$out/crashes_$t"/* "fuzz/regressions/$t/" 2>/dev/null
        tail -n 30 "$log"
        echo "fuzz $t: crash inputs copied to fuzz/regressions/$t/ (fix, then commit them)"
    fi
done
exit $status
