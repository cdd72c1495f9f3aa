#!/usr/bin/env bash
# tests/e2e/gencache.sh: the benchmark's tools. gencache writes a valid, deterministic cache in the
# real layout and row shapes; yajl_baseline and peakrss measure what they claim.
source "$(dirname "$0")/../lib.sh"
: "${BUILD:?BUILD must be the build directory}"
GEN=$BUILD/tools/gencache
YB=$BUILD/tools/yajl_baseline
PR=$BUILD/tools/peakrss
T=$(t_tmp)

"$GEN" "$T/a" --runs 10 --seed 7 >"$T/a.out" 2>&1

# Every file parses; the runs, their metadata and the row shapes are those of real caches.
check_layout() {
    python3 - "$T/a" <<'EOF'
import json, os, re, sys
root = sys.argv[1]
runs = sorted(d for d in os.listdir(root) if d.startswith("run_"))
assert len(runs) == 10, runs
prev = None
shapes, prefixes, percfg = set(), set(), 0
long_numbers = 0
for d in sorted(runs, key=lambda d: int(d[4:])):
    with open(os.path.join(root, d, "run.json")) as f:
        run = json.load(f)
    for k in ("id", "name", "head_branch", "head_sha", "event", "status", "conclusion",
              "run_attempt", "created_at", "updated_at", "html_url"):
        assert k in run, (d, k)
    assert "run_%d" % run["id"] == d
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", run["created_at"])
    if prev:
        assert run["id"] > prev[0] and run["created_at"] > prev[1], (d, prev)
    prev = (run["id"], run["created_at"])
    files = []
    for base, dirs, names in os.walk(os.path.join(root, d)):
        files += [os.path.join(base, n) for n in names if n != "run.json"]
    agg = os.path.join(root, d, "agg_bmk.json")
    if agg not in files:
        percfg += 1
        assert files and all(re.search(r"/bmk_[^/]+/agg_[^/]+\.json$", f) for f in files), d
    else:
        assert files == [agg], files
        text = open(agg).read()
        assert text.startswith("[\n  {\n    \"hw\": ") or text == "[]", text[:40]
    for path in files:
        text = open(path).read()
        long_numbers += len(re.findall(r": -?\d\.?\d{15,16}[0-9.]*[,\n]", text))
        data = json.loads(text)
        for row in data if isinstance(data, list) else [data]:
            prefixes.add(row["infmax_model_prefix"])
            if row["is_multinode"]:
                assert "tp" not in row and row["disagg"] is True
                assert all(("%s_%s" % (r, f)) in row for r in ("prefill", "decode")
                           for f in ("tp", "ep", "dp_attention", "num_workers"))
                assert "num_prefill_gpu" in row and "num_decode_gpu" in row
            else:
                assert isinstance(row["tp"], int) and row["dp_attention"] in ("true", "false")
            era = "E10" if "p99.9_ttft" in row else "E9"
            if era == "E10":
                assert "p90_intvty" in row and "p99.9_e2el" in row
            shapes.add((row["is_multinode"], era))
            assert 1 / row["mean_tpot"] > 0 and isinstance(row["tput_per_gpu"], float)
assert percfg == 1, percfg
assert shapes == {(False, "E9"), (True, "E9"), (False, "E10"), (True, "E10")}, shapes
assert {"gptoss", "dsr1"} < prefixes and len(prefixes) >= 4, prefixes
assert long_numbers > 1000, long_numbers
EOF
}
t_run "gencache: valid cache, real layout and row shapes of several eras" check_layout

t_run "gencache: writes its stamp last" assert_eq "$(cat "$T/a/.gencache")" \
    "$("$GEN" --version) runs=10 seed=7"

same_seed() {
    "$GEN" "$T/b" --runs 10 --seed 7 >/dev/null && diff -r "$T/a" "$T/b" >/dev/null
}
t_run "gencache: the same seed gives the same bytes" same_seed

other_seed() {
    "$GEN" "$T/c" --runs 10 --seed 8 >/dev/null || return 1
    ! diff -r "$T/a" "$T/c" >/dev/null
}
t_run "gencache: another seed gives other data" other_seed

# Configurations come from a fixed pool, so the deduplicated table stays small for any N.
pool_bound() {
    local pool seen
    pool=$("$GEN" --pool | sed -n 's/^configs=\([0-9]*\).*/\1/p')
    seen=$(python3 - "$T/a" "$T/c" <<'EOF'
import json, os, sys
metric = ("mean_", "median_", "std_", "p9", "tput", "output_t", "input_t")
keys = set()
for root in sys.argv[1:]:
    for base, _, names in os.walk(root):
        for n in names:
            if n.startswith("agg_"):
                data = json.load(open(os.path.join(base, n)))
                for r in data if isinstance(data, list) else [data]:
                    keys.add(tuple(sorted((k, str(v)) for k, v in r.items()
                                          if not k.startswith(metric) and k not in ("image", "model"))))
print(len(keys))
EOF
)
    [ -n "$pool" ] && [ "$seen" -gt 0 ] && [ "$seen" -le "$pool" ] ||
        fail "distinct configurations $seen, pool $pool"
}
t_run "gencache: configurations drawn from the fixed pool" pool_bound

refuses() {
    mkdir -p "$T/full" && touch "$T/full/x" || return 1
    "$GEN" "$T/full" --runs 2 2>/dev/null && return 1
    "$GEN" "$T/d" 2>/dev/null
    [ $? -eq 2 ] || return 1
    "$GEN" "$T/d" --runs 0 2>/dev/null
    [ $? -eq 2 ] || return 1
    "$GEN" "$T/d" --runs 1x 2>/dev/null
    [ $? -eq 2 ] && [ ! -e "$T/d" ]
}
t_run "gencache: refuses a non-empty directory and bad arguments" refuses

baseline() {
    local out bytes
    out=$("$YB" "$T/a") || return 1
    bytes=$(find "$T/a" -name '*.json' -printf '%s\n' | awk '{ s += $1 } END { print s }')
    case $out in
    *"files="*" bytes=$bytes failed=0 seconds="*) ;;
    *) fail "unexpected: $out (expected bytes=$bytes)" ;;
    esac
    printf '[{"a": 1},' >"$T/bad.json"
    ! "$YB" "$T/bad.json" >/dev/null 2>&1 || fail "accepted a truncated file"
}
t_run "yajl_baseline: parses every JSON file below a directory, fails on bad JSON" baseline

peak() {
    local err rc kb
    err=$("$PR" python3 -c 'import sys; b = bytearray(64 << 20); sys.exit(3)' 2>&1 >/dev/null)
    rc=$?
    [ $rc -eq 3 ] || fail "status $rc"
    kb=$(printf '%s\n' "$err" | sed -n 's/^peak_rss_kb=\([0-9]*\) wall_s=[0-9.]* cpu_s=[0-9.]*$/\1/p')
    [ -n "$kb" ] && [ "$kb" -ge 65536 ] || fail "bad report: $err"
    # filling 64 MB takes some CPU time: user + system of the child, not zero
    printf '%s\n' "$err" | awk -F'cpu_s=' 'NF == 2 && $2 + 0 > 0 { ok = 1 } END { exit !ok }' ||
        fail "no CPU time: $err"
}
t_run "peakrss: reports peak RSS, wall and CPU time, passes the exit status on" peak

# The cache is one imx reads: as many rows as configurations of the model in the cache.
extract_reads() {
    local want got
    want=$(python3 - "$T/a" <<'EOF'
import json, os, sys
metric = ("mean_", "median_", "std_", "p9", "tput", "output_t", "input_t")
keys = set()
for base, _, names in os.walk(sys.argv[1]):
    for n in names:
        if n.startswith("agg_"):
            data = json.load(open(os.path.join(base, n)))
            for r in data if isinstance(data, list) else [data]:
                if r["infmax_model_prefix"] == "gptoss":
                    keys.add(tuple(sorted((k, str(v)) for k, v in r.items()
                                          if not k.startswith(metric) and k not in ("image", "model"))))
print(len(keys))
EOF
)
    imx extract --offline --cache "$T/a" --model gptoss -o "$T/g.csv" --quiet || return 1
    got=$(($(wc -l <"$T/g.csv") - 1))
    assert_eq "$got" "$want" "gptoss rows"
}
t_run "gencache: imx extract reads the generated cache" extract_reads
