#!/usr/bin/env bash
# api_crosscheck: the rows of a run fetched through the InferenceX API and the same run's
# agg_bmk.json (the shared real cache) give the same table rows on every column both sources
# know. The API side is synced from tests/fake/fakeapi.py (real captured rows) by
# tests/tools/infxdrive, then both caches go through `imx extract --columns all`, run by run.
#
# What legitimately differs, and why (notes 2.1-2.3):
#  - gpu_model: the API has only the canonical GPU (b200), the artifacts the runner label
#    (b200-trt); compare `gpu`. model: the API has no checkpoint id. run_attempt: the API's
#    run.json knows it, the old cache folders do not.
#  - framework: the ETL renames sglang-disagg to mori-sglang, and image's '#' to '/'.
#  - Run 20720630953: the API serves attempt 4, which re-ran mi355x/mi300x sglang configs that
#    the earlier attempt's agg_bmk.json in the shared cache lacks: 10 API rows have no
#    counterpart. Every other API row must match exactly.
. "$(dirname "$0")/../lib.sh"

DRIVE="$BUILD/tools/infxdrive"
if [ ! -x "$DRIVE" ] || [ ! -d "$SHARED_REF/samples-api" ] || [ ! -d "$SHARED_RAW" ]; then
    t_skip api_crosscheck "needs $DRIVE, the API samples and the shared raw cache"
    exit 0
fi
W=$(t_tmp)
RUNS="20356790608 20413316138 20621824084 20384527243 20587342927 20916838429 20720630953
21012127808 20972034325 20832485469"
python3 "$TESTS_DIR/fake/mkapifixture.py" "$W/fx" --runs "$(echo $RUNS | tr ' ' ,)" 2>/dev/null
python3 "$TESTS_DIR/fake/fakeapi.py" --data "$W/fx" --port-file "$W/port" \
    >"$W/fake.out" 2>&1 </dev/null &
FAKE=$!
trap 'kill $FAKE 2>/dev/null; wait $FAKE 2>/dev/null; t_cleanup' EXIT
for _ in $(seq 1 100); do [ -s "$W/port" ] && break; sleep 0.05; done
URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$W/port")

crosscheck() {
    local r args=()
    for r in $RUNS; do args+=("id=$r"); done
    "$DRIVE" "$URL" "$W/api" "${args[@]}" model=dsr1 >"$W/drive.out" 2>&1 ||
        { cat "$W/drive.out" >&2; return 1; }
    mkdir -p "$W/out"
    for r in $RUNS; do
        imx extract --offline --cache "$W/api" --model dsr1 --columns all -q \
            -o "$W/out/api_$r.csv" "$r" || fail "extract of API run $r" || return 1
        imx extract --offline --cache "$SHARED_RAW" --model dsr1 --columns all -q \
            -o "$W/out/raw_$r.csv" "$r" || fail "extract of raw run $r" || return 1
    done
    python3 - "$W/out" <<'EOF'
import csv, glob, sys
IGNORE = {"gpu_model", "model", "source_file", "run_attempt", "run_event", "run_branch",
          "run_url", "run_date", "source"}
KEY = ["gpu", "framework", "precision", "input_seq_len", "output_seq_len", "concurrency",
       "tensor_parallel", "expert_parallel", "spec_decoding", "disagg", "is_multinode",
       "prefill_tp", "prefill_ep", "prefill_num_workers", "decode_tp", "decode_ep",
       "decode_num_workers", "num_prefill_gpu", "num_decode_gpu", "dp_attention",
       "prefill_dp_attention", "decode_dp_attention"]
same, missing, bad = 0, [], []
for f in sorted(glob.glob(sys.argv[1] + "/api_*.csv")):
    run = f.rsplit("api_", 1)[1][:-4]
    api = list(csv.DictReader(open(f)))
    raw = list(csv.DictReader(open(f.replace("/api_", "/raw_"))))
    for r in raw:  # the ETL's normalizations
        r["framework"] = {"sglang-disagg": "mori-sglang"}.get(r["framework"], r["framework"])
        r["image"] = r.get("image", "").replace("#", "/")
    index = {tuple(r.get(k, "") for k in KEY): r for r in raw}
    for a in api:
        r = index.get(tuple(a.get(k, "") for k in KEY))
        if r is None:
            missing.append((run, a["run_attempt"]))
            continue
        diff = [c for c in a if c not in IGNORE and a[c] != "" and r.get(c, "") != ""
                and a[c] != r[c]]
        shared = [c for c in a if c not in IGNORE and a[c] != "" and r.get(c, "") != ""]
        if diff:
            bad.append((run, diff[:4]))
        elif len(shared) < 20:
            bad.append((run, "too few shared columns: %d" % len(shared)))
        else:
            same += 1
print("same=%d missing=%d differ=%d" % (same, len(missing), len(bad)))
ok = True
if bad:
    print("rows that differ:", bad[:5], file=sys.stderr)
    ok = False
if missing != [("20720630953", "4")] * 10:
    print("unexplained missing rows:", missing, file=sys.stderr)
    ok = False
if same != 142:
    print("expected 142 identical rows, got %d" % same, file=sys.stderr)
    ok = False
sys.exit(0 if ok else 1)
EOF
}

t_run api_crosscheck/api_rows_equal_agg_bmk_rows crosscheck
