#!/usr/bin/env bash
# extract_trust: what extraction must never do silently. A file cut short contributes no row
# however large it is, in bounded memory; unreadable folders and files are warned about by
# name with exit status 1.
. "$(dirname "$0")/../lib.sh"
W=$(t_tmp)
ASAN=$(ldd "$IMX" 2>/dev/null | grep -c libasan)

run_json() { # DIR ID DATE
    printf '{"id": %s, "event": "push", "head_branch": "main", "created_at": "%s"}\n' "$2" "$3" \
        >"$1/run.json"
}

# A 40 MB aggregate of one configuration (so the table stays small and the memory measured is
# the held rows') cut in its last row, and a small good run: only the good run's row is kept.
big_cut_file() {
    local c=$W/big rc
    mkdir -p "$c/run_1" "$c/run_2"
    python3 - "$c/run_1/agg_bmk.json" "$c/run_2/agg_bmk.json" <<'EOF'
import sys
row = ('{"hw":"h100","infmax_model_prefix":"gptoss","framework":"vllm","precision":"fp4",'
       '"isl":1024,"osl":1024,"tp":8,"ep":1,"conc":64,"tput_per_gpu":%s,"pad":"%s"}')
pad = "x" * 300
with open(sys.argv[1], "w") as f:
    f.write("[")
    n = 0
    while f.tell() < 40 << 20:
        f.write(("," if n else "") + row % ("1.5", pad))
        n += 1
    f.write("," + (row % ("1.5", pad))[:80])  # cut short: no closing brace or bracket
with open(sys.argv[2], "w") as f:
    f.write("[" + row % ("2.5", "") + "]")
EOF
    run_json "$c/run_1" 1 2026-01-02T00:00:00Z
    run_json "$c/run_2" 2 2026-01-01T00:00:00Z
    python3 - "$IMX" "$c" "$W/big.csv" "$W/big.err" "$ASAN" "${VALGRIND:-}" <<'EOF' || return 1
import resource, subprocess, sys
imx, cache, out, err, asan, valgrind = sys.argv[1:]
cmd = [imx, "extract", "--offline", "--cache", cache, "--model", "gptoss",
       "--columns", "throughput_tokens_per_sec_per_gpu,run_id", "-o", out]
if valgrind == "1":
    cmd = ["valgrind", "-q", "--error-exitcode=99"] + cmd
rc = subprocess.call(cmd, stderr=open(err, "w"))
if rc != 1:
    sys.exit("exit status %d, expected 1" % rc)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
# the held rows spill to a spool file past 16 MiB: far less than the 40 MB file
if asan == "0" and valgrind != "1" and peak > 36:
    sys.exit("peak memory %d MB for a 40 MB file" % peak)
EOF
    assert_eq "$(cat "$W/big.csv")" "throughput_tokens_per_sec_per_gpu,run_id
2.5,2" || return 1
    assert_contains "$W/big.err" "run_1/agg_bmk.json': parse error: premature EOF" || return 1
    # the summary counts only the rows that could be used
    assert_contains "$W/big.err" "Rows of model gptoss: 1 before deduplication, 1 after"
}

# imx as a user that permissions stop (root reads everything, so root tests as nobody)
as_user() {
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
    else
        "$@"
    fi
}

unreadable() {
    local c=$W/perm rc
    mkdir -p "$c/run_1/bmk_gptoss_a" "$c/run_2" "$c/run_3" "$c/run_4" "$c/run_5/bmk_gptoss_b"
    for r in 1 2 3 4 5; do
        run_json "$c/run_$r" $r "2026-01-0${r}T00:00:00Z"
    done
    local row='{"hw":"h100","infmax_model_prefix":"gptoss","framework":"vllm","precision":"fp4","isl":1024,"osl":1024,"tp":8,"ep":1,"conc":'
    echo "[${row}1}]" >"$c/run_1/bmk_gptoss_a/agg_a.json"
    echo "[${row}2}]" >"$c/run_2/agg_bmk.json"
    echo "[${row}3}]" >"$c/run_3/agg_bmk.json"
    echo "[${row}4}]" >"$c/run_4/agg_bmk.json"
    echo "[${row}5}]" >"$c/run_5/bmk_gptoss_b/agg_b.json"
    chmod 000 "$c/run_2"                   # a run folder
    chmod 000 "$c/run_3/agg_bmk.json"      # a result file
    chmod 000 "$c/run_4/run.json"          # the run's metadata
    chmod 000 "$c/run_5/bmk_gptoss_b"      # an artifact folder
    chmod 755 "$W"
    if [ "$(id -u)" = 0 ] && ! setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
        t_skip extract_trust/unreadable "running as root without setpriv"
        return 0
    fi
    as_user "$IMX" extract --offline --cache "$c" --model gptoss -o - >"$W/perm.csv" \
        2>"$W/perm.err"
    rc=$?
    assert_eq $rc 1 "exit status" || { cat "$W/perm.err" >&2; return 1; }
    assert_contains "$W/perm.err" "cannot read '$c/run_2': Permission denied" || return 1
    assert_contains "$W/perm.err" "cannot open '$c/run_3/agg_bmk.json': Permission denied" ||
        return 1
    assert_contains "$W/perm.err" "'$c/run_4/run.json'" || return 1
    assert_contains "$W/perm.err" "cannot read '$c/run_5/bmk_gptoss_b': Permission denied" ||
        return 1
    # what could be read is there: run 1's row and run 4's (undated now)
    assert_eq "$(tail -n +2 "$W/perm.csv" | cut -d, -f8 | sort | tr '\n' ' ')" "1 4 "
}

# --columns "gpu, concurrency": spaces around commas; --csv-safe is off by default (values exact)
columns_and_csv_safe() {
    local c=$TESTS_DIR/cases/0205-csv-safe/cache
    imx extract --offline --cache "$c" --model gptoss -q -o "$W/sp.csv" \
        --columns " gpu_model , concurrency,framework " || return 1
    assert_eq "$(cat "$W/sp.csv")" "gpu_model,concurrency,framework
h100,4,-vllm" || return 1
    imx extract --offline --cache "$c" --model gptoss -q -o "$W/raw.csv" --columns "who,framework" ||
        return 1
    assert_eq "$(cat "$W/raw.csv")" 'who,framework
"@SUM(1,2)",-vllm'
}

t_run extract_trust/big_cut_file big_cut_file
t_run extract_trust/columns_and_csv_safe columns_and_csv_safe
t_run extract_trust/unreadable unreadable
