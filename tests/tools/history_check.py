#!/usr/bin/env python3
"""Checks of imx's history and formats, independent of imx's code (Python 3 stdlib only).

  history_check.py concat HISTORY.csv RUN1.csv RUN2.csv ...
      the history's rows are the per-run extractions concatenated (in that order); columns the
      history adds (run_attempt, extras of other runs) are empty where the run's table lacks them
  history_check.py same CSV JSONL
      JSON Lines carries the CSV's values: numbers and text as the same characters, missing
      values left out
"""
import csv
import json
import sys


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def concat(hist_path, run_paths):
    hist = read_csv(hist_path)
    want = []
    for p in run_paths:
        want.extend(read_csv(p))
    if len(hist) != len(want):
        sys.exit(f"history has {len(hist)} rows, the runs' extractions {len(want)}")
    for i, (h, w) in enumerate(zip(hist, want)):
        for k, v in w.items():
            if k not in h:
                sys.exit(f"row {i + 2}: history lacks column {k}")
            if h[k] != v:
                sys.exit(f"row {i + 2}: {k} is {h[k]!r} in the history, {v!r} in the run's table")
        for k, v in h.items():
            if k not in w and k != "run_attempt" and v != "":
                sys.exit(f"row {i + 2}: history column {k} = {v!r}, absent from the run's table")
    print(f"{len(hist)} rows equal")


def same(csv_path, jsonl_path):
    rows = read_csv(csv_path)
    objs = []
    with open(jsonl_path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            # numbers stay their source text: parse_float/parse_int keep the characters
            objs.append(json.loads(line, parse_float=str, parse_int=str))
    if len(rows) != len(objs):
        sys.exit(f"{len(rows)} CSV rows, {len(objs)} JSON lines")
    for i, (r, o) in enumerate(zip(rows, objs)):
        for k, v in r.items():
            j = o.get(k)
            if j is None:
                j = ""
            elif j is True or j is False:
                j = "true" if j else "false"
            if j != v:
                sys.exit(f"row {i + 1}: {k} is {v!r} in CSV, {j!r} in JSON Lines")
        extra = set(o) - set(r)
        if extra:
            sys.exit(f"row {i + 1}: JSON Lines has columns the CSV lacks: {sorted(extra)}")
    print(f"{len(rows)} rows carry the same values")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "concat":
        concat(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 4 and sys.argv[1] == "same":
        same(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
