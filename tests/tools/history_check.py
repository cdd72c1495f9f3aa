#!/usr/bin/env python3
"""Checks of imx's history and formats, independent of imx's code (Python 3 stdlib only).

  history_check.py concat HISTORY.csv RUN1.csv RUN2.csv ...
      the history's rows are the per-run extractions concatenated (in that order); columns the
      history adds (run_attempt, extras of other runs) are empty where the run's table lacks them
  history_check.py latest DB CSV
      the view latest of imx's SQLite database is the CSV table row for row, in its order, every
      CSV column a column of the view with the same value (numbers as numbers, booleans 1/0)
  history_check.py history DB CSV
      the view history (every run's rows, in run order) is the history CSV row for row
  history_check.py derived DB CSV
      the views latest_costs and latest_power hold, row for row, the derived columns of
      `--columns derived` (to 1e-12 relative; missing as NULL), and rows the same gpu_model
  history_check.py same CSV JSONL
      JSON Lines carries the CSV's values: numbers and text as the same characters, missing
      values left out
"""
import csv
import json
import sqlite3
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


def same_value(text, value):
    """A CSV field against a SQLite value of the column's declared type."""
    if text == "":
        return value is None
    if value is None:
        return False
    if isinstance(value, str):
        return value == text
    if text in ("true", "false"):
        return value == (1 if text == "true" else 0)
    try:
        return float(text) == float(value)
    except ValueError:
        return False


def db_matches(db_path, what, csv_path):
    rows = read_csv(csv_path)
    con = sqlite3.connect(db_path)
    cur = con.execute(f"SELECT * FROM {what}")
    names = [c[0] for c in cur.description]
    got = [dict(zip(names, r)) for r in cur.fetchall()]
    if len(got) != len(rows):
        sys.exit(f"{len(got)} rows in {what}, {len(rows)} in the CSV")
    for i, (r, g) in enumerate(zip(rows, got)):
        for k, v in r.items():
            if k not in g:
                sys.exit(f"{what} has no column {k}")
            if not same_value(v, g[k]):
                sys.exit(f"row {i + 1}: {k} is {v!r} in the CSV, {g[k]!r} in {what}")
    print(f"{len(rows)} rows of {what} equal the CSV")


COSTS = [f"cost_per_mtok_{k}_{m}" for k in ("total", "output", "input")
         for m in ("owning_hyperscaler", "owning_neocloud", "rental_3y")]
POWER = [f"tokens_per_sec_per_mw_{k}" for k in ("total", "output", "input")] + \
        [f"joules_per_token_allin_{k}" for k in ("total", "output", "input")]


def derived(db_path, csv_path):
    rows = read_csv(csv_path)
    con = sqlite3.connect(db_path)
    present = 0
    for view, cols in (("latest_costs", COSTS), ("latest_power", POWER)):
        cur = con.execute(f"SELECT gpu_model, {', '.join(cols)} FROM {view}")
        got = cur.fetchall()
        if len(got) != len(rows):
            sys.exit(f"{len(got)} rows in {view}, {len(rows)} in the CSV")
        for i, (r, g) in enumerate(zip(rows, got)):
            if g[0] != r["gpu_model"]:
                sys.exit(f"row {i + 1}: {view} is of {g[0]}, the CSV of {r['gpu_model']}")
            for k, v in zip(cols, g[1:]):
                want = r[k]
                if want == "" and v is None:
                    continue
                if want == "" or v is None:
                    sys.exit(f"row {i + 1}: {k} is {want!r} in the CSV, {v!r} in {view}")
                w = float(want)
                if abs(v - w) > 1e-12 * abs(w):
                    sys.exit(f"row {i + 1}: {k} is {want} in the CSV, {v!r} in {view}")
                present += 1
    if not present:
        sys.exit("no derived value at all: nothing was compared")
    print(f"{len(rows)} rows of latest_costs and latest_power equal the CSV ({present} values)")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "concat":
        concat(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 4 and sys.argv[1] in ("latest", "history"):
        db_matches(sys.argv[2], sys.argv[1], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "derived":
        derived(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "same":
        same(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
