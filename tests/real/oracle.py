#!/usr/bin/env python3
"""Independent oracle for the real-data tests: computes, from a cache in the old layout,
the newest row per configuration of one model, keeping every number's source text,
and checks imx's CSV (default columns) against it cell by cell.
usage: oracle.py CACHE PREFIX CSV EXPECTED_ROWS"""
import csv, json, os, sys

KEY = ["infmax_model_prefix", "hw", "framework", "precision", "isl", "osl", "tp", "ep", "conc",
       "spec_decoding", "mtp", "disagg", "dp_attention", "is_multinode",
       "prefill_tp", "prefill_ep", "prefill_dp_attention", "prefill_num_workers",
       "decode_tp", "decode_ep", "decode_dp_attention", "decode_num_workers",
       "num_prefill_gpu", "num_decode_gpu", "pp", "dcp_size", "pcp_size",
       "prefill_pp", "prefill_dcp_size", "prefill_pcp_size", "decode_pp", "decode_dcp_size",
       "decode_pcp_size", "prefill_hw", "decode_hw"]
CSV_OF = {"hw": "gpu_model", "isl": "input_seq_len", "osl": "output_seq_len", "tp": "tensor_parallel",
          "ep": "expert_parallel", "conc": "concurrency", "tput_per_gpu": "throughput_tokens_per_sec_per_gpu",
          "output_tput_per_gpu": "output_throughput_per_gpu", "mean_ttft": "mean_time_to_first_token_sec",
          "p99_ttft": "p99_time_to_first_token_sec", "mean_tpot": "mean_time_per_output_token_sec",
          "mean_e2el": "mean_end_to_end_latency_sec", "median_e2el": "median_end_to_end_latency_sec",
          "infmax_model_prefix": "model_prefix"}


def text(v):
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    return v  # numbers were parsed as their source text


def main():
    cache, prefix, path, expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    runs = []
    for name in os.listdir(cache):
        if not name.startswith("run_"):
            continue
        meta = json.load(open(os.path.join(cache, name, "run.json")))
        rows = json.load(open(os.path.join(cache, name, "agg_bmk.json")),
                         parse_float=str, parse_int=str)
        runs.append((meta["created_at"], int(name[4:]), rows))
    runs.sort()
    kept = {}
    for created, rid, rows in runs:  # oldest first: newer runs overwrite
        seen = set()
        for row in rows:
            if row.get("infmax_model_prefix") != prefix:
                continue
            key = tuple(text(row.get(k)) if k in row else None for k in KEY)
            if key in seen:
                continue  # within a run the first occurrence counts
            seen.add(key)
            kept[key] = (row, created, str(rid))
    got = list(csv.DictReader(open(path, newline="")))
    errors = []
    if len(got) != expected or len(kept) != expected:
        errors.append(f"rows: imx {len(got)}, oracle {len(kept)}, expected {expected}")
    index = {}
    for r in got:
        key = tuple((r[CSV_OF.get(k, k)] if r[CSV_OF.get(k, k)] != "" else None) for k in KEY)
        if key in index:
            errors.append(f"duplicate configuration in output: {key}")
        index[key] = r
    for key, (row, created, rid) in kept.items():
        r = index.get(key)
        if r is None:
            errors.append(f"missing configuration {key}")
            continue
        if r["run_id"] != rid or r["benchmark_date"] != created:
            errors.append(f"{key}: run {r['run_id']} {r['benchmark_date']}, expected {rid} {created}")
        for src, val in row.items():
            col = CSV_OF.get(src, src)
            if col in r and r[col] != text(val):
                errors.append(f"{key}: {col} = {r[col]!r}, source text {text(val)!r}")
    for e in errors[:20]:
        print(e, file=sys.stderr)
    sys.exit(1 if errors else 0)


main()
