#!/usr/bin/env python3
"""Independent check of `imx diff OLD NEW` on two cached runs (Python 3 stdlib only).

  diff_check.py check OLD_RUN_DIR NEW_RUN_DIR DIFF.csv
      recomputes, from the two runs' agg_bmk.json, every configuration's status and the old
      value, new value and relative change (percent) of the main metrics, and compares them
      with imx's CSV
  diff_check.py pick CACHE
      prints the ids of two runs (older first) sharing configurations with changed values
"""
import csv
import json
import os
import sys

# what sets a benchmark up: equal in every one of these means the same configuration
CONFIG = ["infmax_model_prefix", "hw", "framework", "precision", "isl", "osl", "tp", "ep", "conc",
          "spec_decoding", "mtp", "disagg", "dp_attention", "is_multinode", "prefill_tp",
          "prefill_ep", "prefill_dp_attention", "prefill_num_workers", "decode_tp", "decode_ep",
          "decode_dp_attention", "decode_num_workers", "num_prefill_gpu", "num_decode_gpu", "pp",
          "dcp_size", "pcp_size", "prefill_pp", "prefill_dcp_size", "prefill_pcp_size",
          "decode_pp", "decode_dcp_size", "decode_pcp_size", "prefill_hw", "decode_hw"]
HEADER_OF = {"infmax_model_prefix": "model_prefix", "hw": "gpu_model", "isl": "input_seq_len",
             "osl": "output_seq_len", "tp": "tensor_parallel", "ep": "expert_parallel",
             "conc": "concurrency"}
METRICS = {"tput_per_gpu": "throughput_tokens_per_sec_per_gpu",
           "output_tput_per_gpu": "output_throughput_per_gpu",
           "median_intvty": "median_interactivity_tokens_per_sec_per_user",
           "mean_ttft": "mean_time_to_first_token_sec", "p99_ttft": "p99_time_to_first_token_sec",
           "mean_tpot": "mean_time_per_output_token_sec",
           "median_e2el": "median_end_to_end_latency_sec"}


def as_text(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def load(run_dir):
    """configuration -> row, first occurrence within the run; numbers kept as source text"""
    with open(os.path.join(run_dir, "agg_bmk.json"), encoding="utf-8") as f:
        rows = json.load(f, parse_float=str, parse_int=str)
    table = {}
    for r in rows:
        if "isl" not in r or "osl" not in r:
            continue
        key = tuple(as_text(r.get(k)) for k in CONFIG)
        table.setdefault(key, r)
    return table


def expected(old, new):
    out = {}
    for key in set(old) | set(new):
        a, b = old.get(key), new.get(key)
        if a is None:
            status = "added"
        elif b is None:
            status = "removed"
        else:
            status = "same"
            for m in METRICS:
                x, y = as_text(a.get(m)), as_text(b.get(m))
                if (x is None) != (y is None) or (x is not None and float(x) != float(y)):
                    status = "changed"
        vals = {}
        for m, col in METRICS.items():
            x = as_text(a.get(m)) if a else None
            y = as_text(b.get(m)) if b else None
            pct = None
            if x is not None and y is not None and float(x) != 0:
                pct = (float(y) - float(x)) / abs(float(x)) * 100
            vals[col] = (x or "", y or "", pct)
        out[key] = (status, vals)
    return out


def check(old_dir, new_dir, path):
    want = expected(load(old_dir), load(new_dir))
    got = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = tuple(r[HEADER_OF.get(k, k)] or None for k in CONFIG)
            if key in got:
                sys.exit(f"configuration twice in the diff: {key}")
            got[key] = r
    if set(got) != set(want):
        sys.exit(f"configurations differ: {len(set(want) - set(got))} missing, "
                 f"{len(set(got) - set(want))} unexpected")
    old_id = os.path.basename(old_dir.rstrip("/"))[4:]
    new_id = os.path.basename(new_dir.rstrip("/"))[4:]
    counts = {}
    for key, (status, vals) in want.items():
        r = got[key]
        counts[status] = counts.get(status, 0) + 1
        if r["status"] != status:
            sys.exit(f"{key}: status {r['status']}, expected {status}")
        if r["old_run_id"] != (old_id if status != "added" else ""):
            sys.exit(f"{key}: old_run_id {r['old_run_id']}")
        if r["new_run_id"] != (new_id if status != "removed" else ""):
            sys.exit(f"{key}: new_run_id {r['new_run_id']}")
        for col, (x, y, pct) in vals.items():
            if r[col + "_old"] != x or r[col + "_new"] != y:
                sys.exit(f"{key}: {col} {r[col + '_old']!r} -> {r[col + '_new']!r}, "
                         f"expected {x!r} -> {y!r}")
            c = r[col + "_change_pct"]
            if (pct is None) != (c == ""):
                sys.exit(f"{key}: {col}_change_pct {c!r}, expected {pct}")
            # written as the shortest text of the double: equal to 1e-12 relative (was 6 digits)
            if pct is not None and abs(float(c) - pct) > 1e-12 * max(1.0, abs(pct)):
                sys.exit(f"{key}: {col}_change_pct {c}, expected {pct}")
    print("statuses:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


def pick(cache):
    runs = []
    for name in os.listdir(cache):
        d = os.path.join(cache, name)
        if name.startswith("run_") and os.path.exists(os.path.join(d, "agg_bmk.json")):
            with open(os.path.join(d, "run.json"), encoding="utf-8") as f:
                runs.append((json.load(f)["created_at"], name[4:], d))
    runs.sort()
    tables = {d: load(d) for _, _, d in runs}
    best = None
    for i in range(len(runs)):
        for j in range(i + 1, len(runs)):
            e = expected(tables[runs[i][2]], tables[runs[j][2]])
            st = [s for s, _ in e.values()]
            score = (st.count("changed") > 0 and (st.count("added") + st.count("removed")) > 0,
                     st.count("changed"))
            if best is None or score > best[0]:
                best = (score, runs[i][1], runs[j][1])
    print(best[1], best[2])


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 3 and sys.argv[1] == "pick":
        pick(sys.argv[2])
    else:
        sys.exit(__doc__)
