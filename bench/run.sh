#!/usr/bin/env bash
# bench/run.sh: `make bench`. Times `imx extract` on synthetic caches of 100 and 1,000 runs against
# a bare yajl parse, Python's json module and jq, `imx sync` against the old one-run-at-a-time way,
# `imx report`/`imx plot` (the whole real cache; one chart against the analysis it draws), and
# `imx pareto`, `at` and `trend` against extract of the same selection.
#
# Environment: IMX, BUILD (set by the Makefile); BENCH_SIZES (default "100 1000"), BENCH_REPEAT
# (best of, default 3), BENCH_SLOW_REPEAT (Python and jq, default 1), BENCH_SEED (default 1),
# BENCH_NO_INSTALL=1 (never apt-get jq), BENCH_STRICT=1 (exit 1 when a goal is missed),
# BENCH_SYNC_REPEAT (cold and warm syncs, median of, default 5), BENCH_BASELINE_IMX (another imx
# binary, e.g. main's, whose cold syncs are measured side by side with this one's),
# BENCH_ONLY=extract (the extract section alone), BENCH_ONLY=history (the history and formats
# section alone: --history, the SQLite database, a one-run update), BENCH_ONLY=analysis (pareto,
# at and trend against extract, with the load average).
# Caches live in bench/out/ (gitignored) and are reused while the generator version is the same.
set -u
cd "$(dirname "$0")/.." || exit 2
: "${IMX:?IMX must point at the imx binary}" "${BUILD:?BUILD must be the build directory}"
TOOLS=$BUILD/tools
OUT=bench/out
SIZES=${BENCH_SIZES:-100 1000}
REPEAT=${BENCH_REPEAT:-3}
SLOW_REPEAT=${BENCH_SLOW_REPEAT:-1}
SEED=${BENCH_SEED:-1}
MODEL=gptoss
SHARED_RAW=${IMX_SHARED:-../shared}/data/inferencemax-raw
missed=0

for t in gencache yajl_baseline peakrss; do
    [ -x "$TOOLS/$t" ] || { echo "bench: $TOOLS/$t is missing (run make bench)" >&2; exit 2; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/imx-bench.XXXXXX")
fake_pid=
cleanup() {
    [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# fcmp A OP B: floating-point comparison through awk.
fcmp() { awk -v a="$1" -v b="$3" "BEGIN { exit !(a $2 b) }"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
verdict() { # verdict STATUS: sets V to "met" (status 0) or "MISSED", counting misses
    if [ "$1" -eq 0 ]; then V=met; else V=MISSED; missed=$((missed + 1)); fi
}

# measure OUT CMD...: runs CMD under peakrss, stdout to OUT; sets M_RC, M_WALL (s), M_CPU (s,
# user + system), M_KB.
measure() {
    local out=$1 line
    shift
    "$TOOLS/peakrss" "$@" >"$out" 2>"$tmp/stderr"
    M_RC=$?
    line=$(grep '^peak_rss_kb=' "$tmp/stderr" | tail -n 1)
    M_KB=${line#peak_rss_kb=}
    M_KB=${M_KB%% *}
    M_WALL=${line##*wall_s=}
    M_WALL=${M_WALL%% *}
    M_CPU=${line##*cpu_s=}
    [ -n "$line" ] || { M_KB=0; M_WALL=0; M_CPU=0; M_RC=${M_RC:-1}; }
}

# best N OUT CMD...: the fastest of N runs (wall; and the least CPU time), the largest peak RSS;
# fails on the first failure. PREP, when set, is evaluated before each run, outside the time
# measured.
best() {
    local n=$1 out=$2 i
    shift 2
    B_WALL=
    B_CPU=
    B_KB=0
    for ((i = 0; i < n; i++)); do
        [ -z "${PREP:-}" ] || eval "$PREP"
        measure "$out" "$@"
        if [ "$M_RC" -ne 0 ]; then
            B_RC=$M_RC
            return 1
        fi
        if [ -z "$B_WALL" ] || fcmp "$M_WALL" "<" "$B_WALL"; then B_WALL=$M_WALL; fi
        if [ -z "$B_CPU" ] || fcmp "$M_CPU" "<" "$B_CPU"; then B_CPU=$M_CPU; fi
        [ "$M_KB" -gt "$B_KB" ] && B_KB=$M_KB
    done
    B_RC=0
}

csv_rows() { [ -s "$1" ] && echo $(($(wc -l <"$1") - 1)) || echo 0; }

# ensure_cache N: bench/out/cache-N, regenerated unless its stamp names this generator and seed.
ensure_cache() {
    local n=$1 dir=$OUT/cache-$1 want
    want="$("$TOOLS/gencache" --version) runs=$n seed=$SEED"
    if [ "$(cat "$dir/.gencache" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    echo "generating $dir ($n runs, seed $SEED)..."
    rm -rf "$dir"
    mkdir -p "$OUT"
    "$TOOLS/gencache" "$dir" --runs "$n" --seed "$SEED" >/dev/null || {
        echo "bench: gencache failed" >&2
        exit 1
    }
}

have_jq() {
    command -v jq >/dev/null 2>&1 && return 0
    if [ "${BENCH_NO_INSTALL:-}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing jq for the comparison (BENCH_NO_INSTALL=1 skips this)..."
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null 2>&1; }
    fi
    command -v jq >/dev/null 2>&1
}

# jq cannot name the file an input came from when there are too many files for one command
# line, so awk (fed by xargs) puts {"__file": PATH} before each file's JSON, run.json first.
jq_job() {
    cd "$1" || exit 1
    { find . -name run.json -print0; find . -name '*.json' ! -name run.json -print0; } |
        xargs -0 awk 'FNR == 1 { printf "{\"__file\":\"%s\"}\n", FILENAME } { print }' |
        jq -rn --arg model "$2" -f "$3"
}
export -f jq_job

declare -A T_WALL T_CPU T_KB T_ROWS T_NOTE
run_tool() { # run_tool KEY SIZE REPEAT CMD...
    local key=$1 size=$2 n=$3
    shift 3
    if best "$n" "$tmp/$key-$size.out" "$@"; then
        T_WALL[$key,$size]=$B_WALL
        T_CPU[$key,$size]=$B_CPU
        T_KB[$key,$size]=$B_KB
    else
        T_WALL[$key,$size]=
        T_NOTE[$key,$size]="failed (status $B_RC)"
        echo "  $key at $size runs failed (status $B_RC):"
        tail -n 5 "$tmp/stderr" | sed 's/^/    /'
    fi
}

# formats_bench: --history to CSV and JSON Lines, the SQLite database built from every run and a
# one-run update, side by side with a plain extract of the largest cache (issue 13).
formats_bench() {
    local n=${SIZES##* } c hc db last
    c=$OUT/cache-$n
    run_tool plain h "$REPEAT" "$IMX" extract --offline --cache "$c" --model "$MODEL" -o - --quiet
    run_tool hist h "$REPEAT" "$IMX" extract --offline --cache "$c" --model "$MODEL" --history \
        -o - --quiet
    T_ROWS[hist,h]=$(csv_rows "$tmp/hist-h.out")
    T_ROWS[plain,h]=$(csv_rows "$tmp/plain-h.out")
    run_tool jsonl h "$REPEAT" "$IMX" extract --offline --cache "$c" --model "$MODEL" --history \
        --format jsonl -o - --quiet
    T_ROWS[jsonl,h]=$(wc -l <"$tmp/jsonl-h.out")
    # a fresh build each time: the file is removed before each run (best of REPEAT)
    PREP='rm -f "$tmp/full.sqlite"' run_tool sqlite h "$REPEAT" "$IMX" extract --offline \
        --cache "$c" --model "$MODEL" -o "$tmp/full.sqlite" --quiet
    T_ROWS[sqlite,h]=$(sqlite3 "$tmp/full.sqlite" 'SELECT count(*) FROM rows' 2>/dev/null || echo -)
    # a one-run update: the database of every run but the newest, then the newest arrives
    hc=$tmp/hcache
    rm -rf "$hc"
    cp -al "$c" "$hc" 2>/dev/null || cp -r "$c" "$hc"
    last=$(ls -d "$hc"/run_* | sort | tail -n 1)
    mv "$last" "$tmp/held-run"
    db=$tmp/inc.sqlite
    rm -f "$db"
    "$IMX" extract --offline --cache "$hc" --model "$MODEL" -o "$db" --quiet ||
        { echo "  the SQLite build failed"; return; }
    cp "$db" "$tmp/inc-base.sqlite"
    mv "$tmp/held-run" "$last"
    # the base database is copied back before each run, outside the time measured
    PREP='cp "$tmp/inc-base.sqlite" "$db"' run_tool update h "$REPEAT" "$IMX" extract --offline \
        --cache "$hc" --model "$MODEL" -o "$db" --quiet
    T_ROWS[update,h]=$(sqlite3 "$db" 'SELECT count(*) FROM rows' 2>/dev/null || echo -)
    printf '%-40s %8s %10s %8s %10s %12s\n' "$n runs, model $MODEL" "rows" "wall s" "cpu s" \
        "peak MB" "vs extract"
    for key in plain hist jsonl sqlite update; do
        case $key in
        plain) label="imx extract (the merged table)" ;;
        hist) label="imx extract --history (CSV)" ;;
        jsonl) label="imx extract --history --format jsonl" ;;
        sqlite) label="SQLite database, built" ;;
        update) label="SQLite database, one run added" ;;
        esac
        w=${T_WALL[$key,h]-}
        [ -n "$w" ] || { printf '%-40s %s\n' "$label" "${T_NOTE[$key,h]-not run}"; continue; }
        printf '%-40s %8s %10.3f %8.3f %10s %12s\n' "$label" "${T_ROWS[$key,h]-}" "$w" \
            "${T_CPU[$key,h]}" "$(mb "${T_KB[$key,h]}")" "$(ratio "$w" "${T_WALL[plain,h]}")"
    done
    echo "goals (issue 13, Speed):"
    w=${T_WALL[hist,h]-}
    [ -n "$w" ] && awk -v a="$w" -v b="${T_WALL[plain,h]}" 'BEGIN { exit !(a <= 1.5 * b) }'
    verdict $?
    echo "  --history to CSV: $(ratio "${w:-0}" "${T_WALL[plain,h]}") a plain extract (goal <= 1.5x): $V"
    [ -n "$w" ] && [ "${T_KB[hist,h]:-99999999}" -lt 65536 ]
    verdict $?
    echo "  --history peak memory: $(mb "${T_KB[hist,h]:-0}") MB (goal < 64 MB): $V"
    w=${T_WALL[sqlite,h]-}
    [ -n "$w" ] && awk -v a="$w" -v b="${T_WALL[plain,h]}" 'BEGIN { exit !(a <= 3 * b) }'
    verdict $?
    echo "  SQLite build: $(ratio "${w:-0}" "${T_WALL[plain,h]}") a plain extract (goal <= 3x): $V"
    w=${T_WALL[update,h]-}
    [ -n "$w" ] && fcmp "$w" "<" 0.2
    verdict $?
    echo "  one-run update: ${w:-?} s (goal < 0.2 s): $V"
}

# finish: the summary line and the exit status.
finish() {
    if [ "$missed" -gt 0 ]; then
        echo "bench: $missed goal(s) missed"
        [ "${BENCH_STRICT:-}" = 1 ] && exit 1
    else
        echo "bench: all goals met"
    fi
    exit 0
}

if [ "${BENCH_ONLY:-}" = history ]; then
    ensure_cache "${SIZES##* }"
    "$TOOLS/yajl_baseline" "$OUT/cache-${SIZES##* }" >/dev/null 2>&1 # warms the page cache
    echo "machine: $(nproc 2>/dev/null || echo "?") cores; wall times are the best of $REPEAT, warm page cache"
    echo
echo "== history and formats: --history to CSV, the SQLite database, a one-run update (issue 13) =="
    formats_bench
    finish
fi

# imx pareto, at and trend against extract of the same selection (issue 12's Speed goals)
analysis_bench() {
    local n=${SIZES##* } c k w kb ew ek
    c=$OUT/cache-$n
    # side by side, the same selection (model $MODEL, offline), best of $REPEAT
    run_tool a_extract "$n" "$REPEAT" "$IMX" extract --offline --cache "$c" --model "$MODEL" -o - --quiet
    run_tool a_pareto "$n" "$REPEAT" "$IMX" pareto --offline --cache "$c" --model "$MODEL" -o - --quiet
    run_tool a_at "$n" "$REPEAT" "$IMX" at --offline --cache "$c" --model "$MODEL" \
        --interactivity 50 -o - --quiet
    run_tool a_trend "$n" "$REPEAT" "$IMX" trend --offline --cache "$c" --model "$MODEL" \
        --interactivity 50 -o - --quiet
    ew=${T_WALL[a_extract,$n]-}
    ek=${T_KB[a_extract,$n]-}
    printf '%-34s %6s %8s %10s %10s %12s\n' "command ($n runs)" "" "rows" "wall s" "peak MB" "vs extract"
    for k in a_extract a_pareto a_at a_trend; do
        w=${T_WALL[$k,$n]-}
        kb=${T_KB[$k,$n]-}
        if [ -z "$w" ]; then
            printf '%-34s %6s %8s %s\n' "imx ${k#a_}" "" "" "${T_NOTE[$k,$n]-not run}"
            continue
        fi
        printf '%-34s %6s %8s %10.3f %10s %12s\n' "imx ${k#a_}" "" "$(csv_rows "$tmp/$k-$n.out")" \
            "$w" "$(mb "$kb")" "$([ -n "$ew" ] && ratio "$w" "$ew" || echo -)"
    done
    if [ -z "$ew" ]; then
        echo "  not measured: imx extract failed"
        missed=$((missed + 1))
        return
    fi
    for k in a_pareto a_at a_trend; do
        local goal=1.10 mgoal=1.25
        [ $k = a_trend ] && goal=2.00
        w=${T_WALL[$k,$n]-}
        kb=${T_KB[$k,$n]-}
        if [ -z "$w" ]; then
            echo "  imx ${k#a_}: not measured"
            missed=$((missed + 1))
            continue
        fi
        awk -v a="$w" -v b="$ew" -v g="$goal" 'BEGIN { exit !(a <= b * g) }' &&
            awk -v a="$kb" -v b="$ek" -v g="$mgoal" 'BEGIN { exit !(a <= b * g + 1024) }'
        verdict $?
        echo "  imx ${k#a_} / extract at $n runs: $(ratio "$w" "$ew") time (goal <= ${goal}x)," \
            "$(mb "$kb") MB against $(mb "$ek") MB (goal within 25%): $V"
    done
}
if [ "${BENCH_ONLY:-}" = analysis ]; then
    ensure_cache "${SIZES##* }"
    echo "== imx pareto, at, trend against extract of the same selection (issue 12, Speed) =="
    echo "machine: $(nproc 2>/dev/null || echo "?") cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
    "$TOOLS/yajl_baseline" "$OUT/cache-${SIZES##* }" >/dev/null 2>&1 # warms the page cache
    analysis_bench
    [ "${BENCH_STRICT:-}" = 1 ] && [ $missed -gt 0 ] && exit 1
    exit 0
fi

echo "== imx extract: synthetic caches (tests/tools/gencache.c), model $MODEL =="
for n in $SIZES; do ensure_cache "$n"; done
jq_ok=0
if have_jq; then jq_ok=1; else T_NOTE[jq]="jq not installed (apt-get install jq): skipped"; fi
nproc_=$(nproc 2>/dev/null || echo "?")
pin=
if command -v taskset >/dev/null 2>&1; then
    pin="taskset -c $(taskset -pc $$ 2>/dev/null | sed 's/.*: *//; s/[,-].*//')"
    $pin true 2>/dev/null || pin=
fi
[ -n "$pin" ] || T_NOTE[imx1]="taskset missing: not pinned"
[ -n "$pin" ] || T_NOTE[yajl1]="taskset missing: not pinned"
echo "machine: $nproc_ cores; wall times are the best of $REPEAT (Python and jq: of $SLOW_REPEAT), warm page cache"
for n in $SIZES; do
    c=$OUT/cache-$n
    "$TOOLS/yajl_baseline" "$c" >"$tmp/warm" 2>&1 # warms the page cache; also sizes the cache
    bytes=$(sed -n 's/.*bytes=\([0-9]*\).*/\1/p' "$tmp/warm")
    files=$(sed -n 's/.*files=\([0-9]*\).*/\1/p' "$tmp/warm")
    echo "cache-$n: $n runs, $files JSON files, $(awk -v b="${bytes:-0}" 'BEGIN{printf "%.1f", b/1e6}') MB"
    # -o - rather than -o /dev/null: the atomic rename must never be pointed at a device node
    run_tool imx "$n" "$REPEAT" "$IMX" extract --offline --cache "$c" --model "$MODEL" -o - --quiet
    [ -n "${T_WALL[imx,$n]}" ] || echo "  imx extract failed"
    T_ROWS[imx,$n]=$(csv_rows "$tmp/imx-$n.out")
    run_tool yajl "$n" "$REPEAT" "$TOOLS/yajl_baseline" "$c"
    T_ROWS[yajl,$n]=-
    if [ -n "$pin" ]; then
        # per core: both pinned to one CPU, so imx's threads cannot hide its own work
        run_tool imx1 "$n" "$REPEAT" $pin "$IMX" extract --offline --cache "$c" --model "$MODEL" \
            -o - --quiet
        T_ROWS[imx1,$n]=$(csv_rows "$tmp/imx1-$n.out")
        run_tool yajl1 "$n" "$REPEAT" $pin "$TOOLS/yajl_baseline" "$c"
        T_ROWS[yajl1,$n]=-
    fi
    if [ "${BENCH_SKIP_SLOW:-}" != 1 ]; then
        run_tool python "$n" "$SLOW_REPEAT" python3 bench/pyextract.py "$c" "$MODEL" /dev/stdout
        T_ROWS[python,$n]=$(csv_rows "$tmp/python-$n.out")
        if [ $jq_ok = 1 ]; then
            run_tool jq "$n" "$SLOW_REPEAT" bash -c 'jq_job "$@"' jq_job "$c" "$MODEL" \
                "$PWD/bench/jqextract.jq"
            T_ROWS[jq,$n]=$(csv_rows "$tmp/jq-$n.out")
        fi
    fi
done

echo
printf '%-34s %6s %8s %10s %8s %10s %12s\n' "tool" "runs" "rows" "wall s" "cpu s" "peak MB" \
    "time vs imx"
for key in imx yajl imx1 yajl1 python jq; do
    case $key in
    imx) label="imx extract --offline" ;;
    yajl) label="bare yajl parse (1 thread)" ;;
    imx1) label="imx extract, pinned to one core" ;;
    yajl1) label="bare yajl parse, pinned" ;;
    python) label="Python json module (pyextract.py)" ;;
    jq) label="jq $(jq --version 2>/dev/null | sed 's/^jq-//') (jqextract.jq)" ;;
    esac
    for n in $SIZES; do
        w=${T_WALL[$key,$n]-}
        if [ -z "$w" ]; then
            note=${T_NOTE[$key,$n]-${T_NOTE[$key]-not run}}
            printf '%-34s %6s %8s %s\n' "$label" "$n" "" "$note"
            continue
        fi
        iw=${T_WALL[imx,$n]-}
        case $key in imx1 | yajl1) iw=${T_WALL[imx1,$n]-} ;; esac
        printf '%-34s %6s %8s %10.3f %8.3f %10s %12s\n' "$label" "$n" "${T_ROWS[$key,$n]-}" "$w" \
            "${T_CPU[$key,$n]}" "$(mb "${T_KB[$key,$n]}")" \
            "$([ -n "$iw" ] && ratio "$w" "$iw" || echo -)"
    done
done

echo
echo "goals (issue 2, Speed and memory; issue 15, Extraction at yajl's pace):"
big=${SIZES##* }
small=${SIZES%% *}
for n in $SIZES; do
    # 0.6x at 1,000 runs, 0.65x from 10,000; the small cache has no goal (start-up dominates)
    [ "$n" -ge 1000 ] || continue
    goal=0.60
    [ "$n" -ge 10000 ] && goal=0.65
    iw=${T_WALL[imx,$n]-}
    yw=${T_WALL[yajl,$n]-}
    if [ -n "$iw" ] && [ -n "$yw" ]; then
        r=$(awk -v a="$iw" -v b="$yw" 'BEGIN { printf "%.2f", a / b }')
        fcmp "$r" "<=" "$goal"
        verdict $?
        echo "  imx / bare yajl parse at $n runs: ${r}x (goal <= ${goal}x): $V"
    else
        echo "  imx / bare yajl parse at $n runs: not measured (imx extract failed)"
        missed=$((missed + 1))
    fi
    iw=${T_WALL[imx1,$n]-}
    yw=${T_WALL[yajl1,$n]-}
    if [ -n "$iw" ] && [ -n "$yw" ]; then
        r=$(awk -v a="$iw" -v b="$yw" 'BEGIN { printf "%.2f", a / b }')
        fcmp "$r" "<=" 1.15
        verdict $?
        echo "  per core (both pinned to one core) at $n runs: ${r}x (goal <= 1.15x): $V;" \
            "CPU time $(ratio "${T_CPU[imx1,$n]}" "${T_CPU[yajl1,$n]}")"
    else
        echo "  per core at $n runs: not measured (${T_NOTE[imx1]-imx extract failed})"
    fi
done
ik=${T_KB[imx,$big]-}
sk=${T_KB[imx,$small]-}
if [ -n "$ik" ] && [ -n "$sk" ] && [ -n "${T_WALL[imx,$big]-}" ]; then
    # "the same at both sizes": within 25% (plus 1 MB of allocator noise) of the small cache's peak
    [ "$ik" -lt 32768 ] && [ "$sk" -lt 32768 ] &&
        awk -v a="$ik" -v b="$sk" 'BEGIN { exit !(a <= b * 1.25 + 1024) }'
    verdict $?
    echo "  imx peak RSS: $(mb "$sk") MB at $small runs, $(mb "$ik") MB at $big runs" \
        "(goal < 32 MB, flat): $V"
else
    echo "  imx peak RSS: not measured"
fi
for key in python jq; do
    w=${T_WALL[$key,$big]-}
    [ -n "$w" ] && [ -n "${T_WALL[imx,$big]-}" ] &&
        echo "  $key takes $(ratio "$w" "${T_WALL[imx,$big]}") imx's time at $big runs"
done
if [ "${BENCH_ONLY:-}" = extract ]; then
    [ "${BENCH_STRICT:-}" = 1 ] && [ $missed -gt 0 ] && exit 1
    exit 0
fi

# ---------------------------------------------------------------------------------------------
echo
echo "== imx pareto, at, trend against extract of the same selection (issue 12, Speed) =="
analysis_bench

# ---------------------------------------------------------------------------------------------
echo
echo "== imx sync: fake GitHub with 50 ms per response, 30 real runs (issue 3, Speed) =="
sync_bench() {
    local fx=$tmp/fx api port_file=$tmp/fake.port token=bench-token i
    if [ ! -f tests/fake/fakegh.py ] || [ ! -f tests/fake/mkfixture.py ]; then
        echo "  skipped: the fake GitHub (tests/fake/fakegh.py, mkfixture.py) is not there yet"
        return
    fi
    if ! "$IMX" sync --help >/dev/null 2>&1; then
        echo "  skipped: imx sync is not available yet"
        return
    fi
    if [ ! -d "$SHARED_RAW" ]; then
        echo "  skipped: $SHARED_RAW (the real cache served as artifacts) is absent"
        return
    fi
    python3 tests/fake/mkfixture.py "$fx" --from-cache "$SHARED_RAW" --runs 30 --token "$token" \
        >/dev/null || { echo "  skipped: mkfixture.py failed"; return; }
    python3 tests/fake/fakegh.py --fixture "$fx/fixture.json" --port-file "$port_file" \
        --delay-ms 50 --token "$token" >"$tmp/fake.log" 2>&1 &
    fake_pid=$!
    for ((i = 0; i < 100; i++)); do
        [ -s "$port_file" ] && break
        sleep 0.1
    done
    api=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["api"])' "$port_file" \
        2>/dev/null) || { echo "  skipped: the fake GitHub did not start"; return; }

    fake_ctl() { # fake_ctl reset|stats|flight
        python3 - "$api" "$1" <<'EOF'
import json, sys, urllib.request
api, what = sys.argv[1], sys.argv[2]
if what == "reset":
    urllib.request.urlopen(urllib.request.Request(api + "/__fake/reset", data=b"{}", method="POST"))
elif what == "stats":
    s = json.load(urllib.request.urlopen(api + "/__fake/stats"))
    print(s["api"], s["api_304"], s["by_route"].get("download", 0), s["blob"])
else:
    # the server's view of the last sync: from the first request to the last answer, and how
    # many requests it held on average (each is logged with its end and its duration)
    log = json.load(urllib.request.urlopen(api + "/__fake/log"))
    spans = [(r["wall"] - r["duration_ms"] / 1000, r["wall"]) for r in log]
    if spans:
        t0, t1 = min(a for a, _ in spans), max(b for _, b in spans)
        busy = sum(b - a for a, b in spans)
        print("%.3f %.1f" % (t1 - t0, busy / (t1 - t0) if t1 > t0 else 0))
    else:
        print("0 0")
EOF
    }
    median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
    declare -A S_WALL S_REQ S_DL S_NREQ S_SPAN S_FLIGHT
    sync_case() { # sync_case KEY CMD...: one run, the fake reset first
        local key=$1 st fl
        shift
        fake_ctl reset
        measure "$tmp/sync-$key.out" env GH_TOKEN=$token GITHUB_TOKEN= "$@"
        if [ "$M_RC" -ne 0 ]; then
            echo "  $key failed (status $M_RC):"
            tail -n 5 "$tmp/stderr" | sed 's/^/    /'
            return 1
        fi
        read -ra st <<<"$(fake_ctl stats)"
        read -ra fl <<<"$(fake_ctl flight)"
        S_WALL[$key]=$M_WALL
        S_REQ[$key]="${st[0]} (${st[1]} x 304)"
        S_DL[$key]=${st[3]}
        S_NREQ[$key]=${st[0]}
        S_SPAN[$key]=${fl[0]}
        S_FLIGHT[$key]=${fl[1]}
    }
    # cold_cases KEY IMX JOBS...: a cold sync per count of jobs, into S_*[KEY-JOBS]
    cold_cases() {
        local key=$1 bin=$2 j
        shift 2
        for j in "$@"; do
            rm -rf "$tmp/c-$key-$j"
            sync_case "$key-$j" "$bin" sync --collect-recent 30 --github-url "$api" --quiet \
                --jobs "$j" --cache "$tmp/c-$key-$j" || return 1
        done
    }
    local imx_sync=("$IMX" sync --collect-recent 30 --github-url "$api" --quiet)
    local old=(python3 bench/oldway.py --api "$api" --collect-recent 30)
    local reps=${BENCH_SYNC_REPEAT:-5} r k j bin base=${BENCH_BASELINE_IMX:-} jobs_list="8 16 32"
    declare -A W_ALL SPAN_ALL FLIGHT_ALL
    if [ -n "$base" ] && [ ! -x "$base" ]; then
        echo "  BENCH_BASELINE_IMX=$base is not executable: no baseline"
        base=
    fi
    # side by side: each repetition runs both binaries at each count of jobs, so that the load
    # of a shared machine weighs on both alike; medians are shown
    for ((r = 0; r < reps; r++)); do
        for k in imx ${base:+base}; do
            bin=$IMX
            [ $k = base ] && bin=$base
            cold_cases "$k" "$bin" $jobs_list || break 2
            for j in $jobs_list; do
                W_ALL[$k-$j]+="${S_WALL[$k-$j]} "
                SPAN_ALL[$k-$j]+="${S_SPAN[$k-$j]} "
                FLIGHT_ALL[$k-$j]+="${S_FLIGHT[$k-$j]} "
            done
        done
    done
    sync_case imx_cold "${imx_sync[@]}" --cache "$tmp/c-imx"
    local warm=()
    for ((r = 0; r < reps; r++)); do
        sync_case imx_warm "${imx_sync[@]}" --cache "$tmp/c-imx" && warm+=("${S_WALL[imx_warm]}")
    done
    [ ${#warm[@]} -gt 0 ] && S_WALL[imx_warm]=$(median "${warm[@]}")
    # the cold figure of the goals: the median at the default of 8 jobs
    [ -n "${W_ALL[imx-8]-}" ] && S_WALL[imx_cold]=$(median ${W_ALL[imx-8]})
    sync_case old_cold "${old[@]}" --cache "$tmp/c-old"
    sync_case old_warm "${old[@]}" --cache "$tmp/c-old"

    printf '%-48s %8s %16s %10s %10s\n' "case" "wall s" "API requests" "downloads" "vs imx"
    local label pair
    for k in imx_cold old_cold imx_warm old_warm; do
        case $k in
        imx_cold) label="imx sync, empty cache (median of $reps)" pair=imx_cold ;;
        old_cold) label="old way (oldway.py), empty cache" pair=imx_cold ;;
        imx_warm) label="imx sync, everything cached (median of $reps)" pair=imx_warm ;;
        old_warm) label="old way (oldway.py), everything cached" pair=imx_warm ;;
        esac
        if [ -z "${S_WALL[$k]-}" ]; then
            printf '%-48s %s\n' "$label" "failed"
            continue
        fi
        printf '%-48s %8.3f %16s %10s %10s\n' "$label" "${S_WALL[$k]}" "${S_REQ[$k]}" \
            "${S_DL[$k]}" "$([ -n "${S_WALL[$pair]-}" ] && ratio "${S_WALL[$k]}" "${S_WALL[$pair]}")"
    done
    echo "empty cache by --jobs, medians of $reps (server span: its first request to its last" \
        "answer; in flight: requests it held on average):"
    printf '%-34s %6s %8s %14s %10s\n' "binary" "jobs" "wall s" "server span s" "in flight"
    for k in ${base:+base} imx; do
        label="imx (this build)"
        [ $k = base ] && label="baseline (BENCH_BASELINE_IMX)"
        for j in $jobs_list; do
            [ -n "${W_ALL[$k-$j]-}" ] || continue
            printf '%-34s %6s %8.3f %14.3f %10.1f\n' "$label" "$j" "$(median ${W_ALL[$k-$j]})" \
                "$(median ${SPAN_ALL[$k-$j]})" "$(median ${FLIGHT_ALL[$k-$j]})"
        done
    done
    # Speed only counts if both ways fetched the same data.
    if [ -n "${S_WALL[imx_cold]-}" ] && [ -n "${S_WALL[old_cold]-}" ]; then
        "$IMX" extract --offline --cache "$tmp/c-imx" --model all -o "$tmp/t-imx.csv" --quiet &&
            "$IMX" extract --offline --cache "$tmp/c-old" --model all -o "$tmp/t-old.csv" --quiet &&
            cmp -s "$tmp/t-imx.csv" "$tmp/t-old.csv"
        verdict $?
        echo "same table from both caches ($(csv_rows "$tmp/t-imx.csv") rows, --model all): $V"
    fi
    echo "goals (issues 3 and 15, Speed):"
    if [ -n "${S_WALL[imx_cold]-}" ]; then
        fcmp "${S_WALL[imx_cold]}" "<=" 0.7
        verdict $?
        echo "  empty cache in ${S_WALL[imx_cold]} s at 8 jobs (goal <= 0.7 s; 91 requests of" \
            "50 ms, 8 at once, allow 0.62 s): $V"
    fi
    if [ -n "${S_WALL[imx_warm]-}" ]; then
        fcmp "${S_WALL[imx_warm]}" "<=" 0.2 && [ "${S_NREQ[imx_warm]}" -le 2 ] &&
            [ "${S_DL[imx_warm]}" -eq 0 ]
        verdict $?
        echo "  cached in ${S_WALL[imx_warm]} s, ${S_NREQ[imx_warm]} API requests," \
            "${S_DL[imx_warm]} downloads (goal <= 0.2 s, <= 2, 0): $V"
    fi
    for k in cold warm; do
        [ -n "${S_WALL[imx_$k]-}" ] && [ -n "${S_WALL[old_$k]-}" ] &&
            echo "  $k: the old way takes $(ratio "${S_WALL[old_$k]}" "${S_WALL[imx_$k]}") imx's time"
    done
}
sync_bench

# ---------------------------------------------------------------------------------------------
# history_bench NAME SERVER FIXTURE_CMD GOAL_COLD GOAL_WARM IMX_ARGS...: a cold and a warm
# `imx sync` against a fake history source started with 50 ms per response; requests counted from
# the server's JSONL log.
history_bench() {
    local name=$1 server=$2 mkfx=$3 goal_cold=$4 goal_warm=$5 dir=$tmp/$1 i url k
    shift 5
    mkdir -p "$dir"
    if ! $mkfx "$dir/fx" >"$dir/mkfx.out" 2>&1; then
        echo "  skipped: the fixture could not be built:"
        tail -n 3 "$dir/mkfx.out" | sed 's/^/    /'
        return
    fi
    python3 "tests/fake/$server" --data "$dir/fx" --port-file "$dir/port" --delay-ms 50 \
        --log "$dir/log" >"$dir/server.err" 2>&1 &
    local pid=$!
    for ((i = 0; i < 100; i++)); do
        [ -s "$dir/port" ] && break
        sleep 0.1
    done
    url=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$dir/port" \
        2>/dev/null) || { echo "  skipped: $server did not start"; kill "$pid"; return; }
    declare -A H_WALL H_REQ
    local base=${BENCH_BASELINE_IMX:-} bin c
    [ -x "$base" ] || base=
    # with a baseline binary: its cold sync first, into a cache of its own, side by side
    for k in ${base:+base} cold warm; do
        : >"$dir/log"
        bin=$IMX c=$dir/cache
        [ "$k" = base ] && bin=$base c=$dir/cache-base
        measure "$dir/$k.out" "$bin" sync "$@" "$url" --cache "$c" --since 2000-01-01 --quiet
        if [ "$M_RC" -ne 0 ]; then
            echo "  $k sync failed (status $M_RC):"
            tail -n 5 "$tmp/stderr" | sed 's/^/    /'
            kill "$pid"
            return
        fi
        H_WALL[$k]=$M_WALL
        H_REQ[$k]=$(wc -l <"$dir/log")
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    printf '%-44s %8s %10s\n' "case" "wall s" "requests"
    [ -n "$base" ] && printf '%-44s %8.3f %10s\n' "baseline (BENCH_BASELINE_IMX), empty cache" \
        "${H_WALL[base]}" "${H_REQ[base]}"
    printf '%-44s %8.3f %10s\n' "imx sync, empty cache" "${H_WALL[cold]}" "${H_REQ[cold]}"
    printf '%-44s %8.3f %10s\n' "imx sync, nothing new" "${H_WALL[warm]}" "${H_REQ[warm]}"
    echo "  runs in the cache: $(find "$dir/cache" -maxdepth 1 -name 'run_*' | wc -l)"
    echo "goals ($name):"
    fcmp "${H_WALL[cold]}" "<=" "$goal_cold"
    verdict $?
    echo "  empty cache in ${H_WALL[cold]} s (goal <= $goal_cold s): $V"
    fcmp "${H_WALL[warm]}" "<=" "$goal_warm"
    verdict $?
    echo "  nothing new in ${H_WALL[warm]} s (goal <= $goal_warm s): $V"
    echo "  the warm sync takes $(ratio "${H_WALL[warm]}" "${H_WALL[cold]}") the cold one's time"
}

gcs_fixture() { python3 tests/fake/mkgcsfixture.py --out "$1" --bench 100:40; }
api_fixture() { python3 tests/fake/mkapifixture.py --synthetic --days 30 --runs-count 60 --models 2 "$1"; }

echo
echo "== imx sync --source gcs: fake backup bucket, 50 ms per response, 100 runs over 40 dates (issue 5) =="
history_bench "issue 5, Speed" fakegcs.py gcs_fixture 2.0 0.3 --source gcs --gcs-url

echo
echo "== imx sync --source api: fake InferenceX API, 50 ms per response, 30 days, 60 runs, 2 models (issue 6) =="
history_bench "issue 6, Speed" fakeapi.py api_fixture 3.0 0.3 --source api --inferencex-url

# ---------------------------------------------------------------------------------------------
# pictures (issue 14): the whole report of the shared real cache, and one chart on the largest
# synthetic cache against the analysis of the same selection (imx pareto when it exists, else
# extract: the same reading work without the drawing).
echo
echo "== imx report and imx plot (issue 14) =="
if [ -d "$SHARED_RAW" ]; then
    best "$REPEAT" "$tmp/report.out" "$IMX" report --cache "$SHARED_RAW" -o "$tmp/report.html" --quiet
    if [ "$B_RC" -eq 0 ]; then
        fcmp "$B_WALL" "<" 2.0
        verdict $?
        kb=$(($(wc -c <"$tmp/report.html") / 1024))
        printf 'imx report, every model and sequence of the shared real cache: %.3f s, %s MB peak, %s KB page (goal < 2 s: %s)\n' \
            "$B_WALL" "$(mb "$B_KB")" "$kb" "$V"
    else
        echo "imx report failed (status $B_RC)"
        missed=$((missed + 1))
    fi
else
    echo "imx report: the shared real cache $SHARED_RAW is absent: skipped"
fi
big=${SIZES##* }
c=$OUT/cache-$big
if [ -d "$c" ]; then
    sel=(--cache "$c" --model "$MODEL" --seq 1k1k --quiet)
    if "$IMX" pareto --help >/dev/null 2>&1; then
        base_label="imx pareto --all-points"
        base=("$IMX" pareto --offline "${sel[@]}" --all-points -o -)
    else
        base_label="imx extract (no imx pareto yet)"
        base=("$IMX" extract --offline "${sel[@]}" -o -)
    fi
    best "$REPEAT" "$tmp/base.out" "${base[@]}"
    bw=$B_WALL
    best "$REPEAT" "$tmp/plot.out" "$IMX" plot "${sel[@]}" -o "$tmp/plot.svg"
    if [ "$B_RC" -eq 0 ] && [ -n "$bw" ]; then
        fcmp "$B_WALL" "<=" "$(awk -v b="$bw" 'BEGIN { print b * 1.10 }')"
        verdict $?
        printf 'imx plot, cache-%s %s 1k/1k: %.3f s; %s of the same selection %.3f s (%s; goal within 10%%: %s)\n' \
            "$big" "$MODEL" "$B_WALL" "$base_label" "$bw" "$(ratio "$B_WALL" "$bw")" "$V"
    else
        echo "imx plot or its baseline failed"
        missed=$((missed + 1))
    fi
fi

# ---------------------------------------------------------------------------------------------
# unreachable_bench: `imx sync --source gcs` of 100 backup runs with a token set and GitHub
# unreachable (a closed port; a blackhole that accepts and never answers) against no token at
# all. The run-object lookups that only enrich the data must not hold up the sync (issue 15).
unreachable_bench() {
    local dir=$tmp/unreach i url closed hole hpid pid k
    mkdir -p "$dir"
    gcs_fixture "$dir/fx" >"$dir/mkfx.out" 2>&1 || { echo "  skipped: no fixture"; return; }
    python3 tests/fake/fakegcs.py --data "$dir/fx" --port-file "$dir/port" --delay-ms 50 \
        >"$dir/server.err" 2>&1 &
    pid=$!
    python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(512)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True: held.append(s.accept()[0])' "$dir/hole.port" >/dev/null 2>&1 &
    hpid=$!
    for ((i = 0; i < 100; i++)); do
        [ -s "$dir/port" ] && [ -s "$dir/hole.port" ] && break
        sleep 0.1
    done
    url=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$dir/port")
    closed="http://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    hole="http://127.0.0.1:$(cat "$dir/hole.port")"
    declare -A U_WALL
    # name TOKEN API_URL: a cold then a warm sync into a cache of its own
    for k in "none||$closed" "closed|ghp_bench|$closed" "hole|ghp_bench|$hole"; do
        IFS='|' read -r name token api <<<"$k"
        for phase in cold warm; do
            measure "$dir/$name-$phase.out" env GH_TOKEN=$token GITHUB_TOKEN= GITHUB_API_URL=$api \
                IMX_STALL_TIMEOUT=5 "$IMX" sync --source gcs --gcs-url "$url" \
                --cache "$dir/c-$name" --since 2000-01-01 --quiet
            U_WALL[$name-$phase]=$M_WALL
        done
    done
    kill "$pid" "$hpid" 2>/dev/null
    wait "$pid" "$hpid" 2>/dev/null
    printf '%-58s %8s %8s\n' "case" "cold s" "warm s"
    printf '%-58s %8.3f %8.3f\n' "no token" "${U_WALL[none-cold]}" "${U_WALL[none-warm]}"
    printf '%-58s %8.3f %8.3f\n' "token, GitHub a closed port" "${U_WALL[closed-cold]}" \
        "${U_WALL[closed-warm]}"
    printf '%-58s %8.3f %8.3f\n' "token, GitHub a blackhole (stall cut after 5 s)" \
        "${U_WALL[hole-cold]}" "${U_WALL[hole-warm]}"
    echo "goals (issue 15, no stall on an unreachable host):"
    for k in closed-cold closed-warm hole-warm; do
        fcmp "${U_WALL[$k]}" "<=" "$(python3 -c "print(1.2 * ${U_WALL[none-${k#*-}]} + 0.05)")"
        verdict $?
        echo "  $k in ${U_WALL[$k]} s (goal <= 1.2x no token's ${U_WALL[none-${k#*-}]} s): $V"
    done
    echo "  the blackhole's first sync waits two stalls (5 s here, 30 s by default), once"
}

echo
echo "== imx sync --source gcs, 100 runs, token set and GitHub unreachable vs no token (issue 15) =="
unreachable_bench

echo
# ---------------------------------------------------------------------------------------------
echo
echo "== history and formats: --history to CSV, the SQLite database, a one-run update (issue 13) =="
formats_bench
finish
