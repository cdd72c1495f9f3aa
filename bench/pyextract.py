#!/usr/bin/env python3
# bench/pyextract.py: what a user would write instead of imx, with Python's json module: load every
# run of a cache, keep one model, keep the newest row of each configuration, write a CSV.
"""Usage: pyextract.py CACHE MODEL_PREFIX OUT.csv

The same job as `imx extract --offline --cache CACHE --model PREFIX -o OUT.csv`, written the
plain way (json.load of whole files, dicts, csv module), for the benchmark's side-by-side timing.
"""
import csv
import json
import os
import sys

SEED = [("gpu_model", "hw"), ("framework", "framework"), ("precision", "precision"),
        ("input_seq_len", "isl"), ("output_seq_len", "osl"), ("tensor_parallel", "tp"),
        ("expert_parallel", "ep"), ("concurrency", "conc"),
        ("throughput_tokens_per_sec_per_gpu", "tput_per_gpu"),
        ("output_throughput_per_gpu", "output_tput_per_gpu"),
        ("mean_time_to_first_token_sec", "mean_ttft"), ("p99_time_to_first_token_sec", "p99_ttft"),
        ("mean_time_per_output_token_sec", "mean_tpot"),
        ("mean_end_to_end_latency_sec", "mean_e2el"),
        ("median_end_to_end_latency_sec", "median_e2el")]
# Every field that sets a benchmark up (the configuration key), as issue 2 defines it.
KEY = ["infmax_model_prefix", "hw", "framework", "precision", "isl", "osl", "tp", "ep", "conc",
       "spec_decoding", "disagg", "dp_attention", "is_multinode", "num_prefill_gpu",
       "num_decode_gpu", "pp", "dcp_size", "pcp_size"]
ROLE = ["tp", "ep", "dp_attention", "num_workers", "pp", "dcp_size", "pcp_size", "hw"]
KEY += ["%s_%s" % (r, f) for r in ("prefill", "decode") for f in ROLE]


def run_files(run_dir):
    """The aggregate when the run has one, else its per-configuration agg_*.json files."""
    agg, per = [], []
    for root, dirs, files in os.walk(run_dir):
        dirs.sort()
        for f in sorted(files):
            if f == "agg_bmk.json":
                agg.append(os.path.join(root, f))
            elif f.startswith("agg_") and f.endswith(".json"):
                per.append(os.path.join(root, f))
    return agg[:1] if agg else per


def cell(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else v


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    cache, model, out = sys.argv[1:]
    best = {}
    for d in os.listdir(cache):
        if not d.startswith("run_") or not d[4:].isdigit():
            continue
        run_dir = os.path.join(cache, d)
        try:
            with open(os.path.join(run_dir, "run.json")) as f:
                created = json.load(f).get("created_at") or ""
        except (OSError, ValueError):
            created = ""
        order = (created, int(d[4:]))
        for path in run_files(run_dir):
            with open(path) as f:
                data = json.load(f)
            for row in data if isinstance(data, list) else [data]:
                if not isinstance(row, dict) or row.get("infmax_model_prefix") != model:
                    continue
                key = tuple(repr(row[k]) if k in row else "-" for k in KEY)
                old = best.get(key)
                if old is None or order > old[0]:
                    best[key] = (order, row)
    cols = [c for c, _ in SEED] + ["benchmark_date", "run_id"]
    extra = [k for k in KEY if k not in dict(SEED).values() and
             any(k in row for _, row in best.values())]

    def sort_key(item):
        (created, rid), row = item
        return tuple((0, v, "") if isinstance(v, (int, float)) and not isinstance(v, bool)
                     else (1, 0, str(v)) for v in
                     [row.get(k, "") for k in ("hw", "precision", "isl", "osl", "tp")] +
                     [row.get(k, "") for k in extra] + [row.get("conc", 0)])

    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols + extra)
        for (created, rid), row in sorted(best.values(), key=sort_key):
            w.writerow([cell(row.get(src)) for _, src in SEED] + [created, rid] +
                       [cell(row.get(k)) for k in extra])
    return 0


if __name__ == "__main__":
    sys.exit(main())
