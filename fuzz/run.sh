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
# the libraries are the Makefile's: every lib/ file is linked, the renderers' cairo too
pkgs=$(make -s --no-print-directory print-pkgs)
cflags="-g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DIMX_VERSION=\"fuzz\" -Ilib $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lm"
samples=${IMX_SHARED:-../shared}/reference/samples-api

# GCS object names, one per line, as the listings of the reference samples hold them.
seed_artifacts() {
    for f in "$samples"/gcs_list_page*.json; do
        [ -f "$f" ] || continue
        python3 -c 'import json,sys; print("\n".join(i["name"] for i in json.load(open(sys.argv[1])).get("items",[])), end="")' \
            "$f" >"$1/$(basename "$f" .json).txt" 2>/dev/null
    done
}

# Listing bodies of the reference samples, and the committed seeds gzip-wrapped (as the
# InferenceX API sends its bodies).
seed_listing() {
    for f in "$samples"/gcs_*.json "$samples"/api_availability*.json "$samples"/api_workflow-info*.json; do
        [ -f "$f" ] && cp "$f" "$1/"
    done
    for f in fuzz/seeds/listing/*; do
        [ -f "$f" ] && python3 -c 'import gzip,sys; sys.stdout.buffer.write(gzip.compress(open(sys.argv[1],"rb").read()))' \
            "$f" >"$1/$(basename "$f").gz"
    done
}

# Small zips, hostile ones included: '..' and absolute names, a symlink, a duplicate, a fifo,
# a file that is also a folder, zip64 records, and a deflated one.
seed_unpack() {
    python3 - "$1" <<'PY'
import os, stat, sys, zipfile
d = sys.argv[1]
def mk(name, entries, **kw):
    with zipfile.ZipFile(os.path.join(d, name), "w", **kw) as z:
        for e in entries:
            if isinstance(e, zipfile.ZipInfo):
                z.writestr(e, b"target")
            else:
                z.writestr(e[0], e[1])
def attr(name, mode):
    i = zipfile.ZipInfo(name)
    i.create_system = 3
    i.external_attr = mode << 16
    return i
mk("plain.zip", [("r/", b""), ("r/agg_bmk.json", b'[{"a":1}]'), ("top.txt", b"x")])
mk("deflate.zip", [("a/b/c.json", b"{}" * 200)], compression=zipfile.ZIP_DEFLATED)
mk("dotdot.zip", [("ok.txt", b"1"), ("../evil.txt", b"2")])
mk("abs.zip", [("/tmp/evil.txt", b"1")])
mk("backslash.zip", [("a\\..\\evil.txt", b"1")])
mk("dup.zip", [("x.json", b"1"), ("./x.json", b"2")])
mk("fileisdir.zip", [("a", b"1"), ("a/b", b"2")])
mk("symlink.zip", [attr("link", stat.S_IFLNK | 0o777), ("link/x", b"1")])
mk("fifo.zip", [attr("pipe", stat.S_IFIFO | 0o644)])
with zipfile.ZipFile(os.path.join(d, "zip64.zip"), "w") as z:
    with z.open("big.json", "w", force_zip64=True) as f:
        f.write(b'{"k": 1}')
PY
}

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
    artifacts) seed_artifacts "$corpus" ;;
    listing) seed_listing "$corpus" ;;
    unpack) seed_unpack "$corpus" ;;
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
