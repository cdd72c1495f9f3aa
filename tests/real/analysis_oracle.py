#!/usr/bin/env python3
"""Independent check of imx's analysis commands (pareto, at, trend) on a real cache.

Written from ../shared/reference/analysis.md alone (not from imx's C code): it reads every run's
agg_bmk.json and run.json with Python's json module, keeps the newest row per configuration
(runs ordered by created_at, then id), forms the dashboard's series, builds the Pareto fronts by
the four rules, interpolates with Steffen tangents and cubic Hermite, and compares imx's CSV:
fronts identical (same points), numbers within 1e-12 relative.

usage: analysis_oracle.py CACHE derived CSV
       analysis_oracle.py CACHE pareto CSV METRIC X DEDUP
       analysis_oracle.py CACHE at CSV MODE TARGET
       analysis_oracle.py CACHE trend CSV TARGET"""
import csv
import json
import math
import os
import sys

CONFIG = ("infmax_model_prefix hw framework precision isl osl tp ep conc spec_decoding mtp disagg "
          "dp_attention is_multinode prefill_tp prefill_ep prefill_dp_attention prefill_num_workers "
          "decode_tp decode_ep decode_dp_attention decode_num_workers num_prefill_gpu "
          "num_decode_gpu pp dcp_size pcp_size prefill_pp prefill_dcp_size prefill_pcp_size "
          "decode_pp decode_dcp_size decode_pcp_size prefill_hw decode_hw").split()

# analysis.md section 2: kW, then $/GPU-hour owning hyperscaler, owning neocloud, 3-year rental
SPECS = {
    "h100": (1.73, 1.30, 1.69, 1.30), "h200": (1.73, 1.41, 1.74, 1.60),
    "b200": (2.17, 1.95, 2.34, 2.90), "b300": (2.17, 2.34, 2.808, 3.48),
    "gb200": (2.10, 2.21, 2.75, 3.30), "gb300": (2.10, 2.652, 3.30, 3.96),
    "mi300x": (1.79, 1.12, 1.40, 1.55), "mi325x": (2.18, 1.28, 1.59, 1.80),
    "mi355x": (2.65, 1.48, 1.90, 2.10),
}
OWNERSHIP = (("owning_hyperscaler", 1), ("owning_neocloud", 2), ("rental_3y", 3))
REL = 1e-12


def canon(v):
    """A configuration value as one comparable token (missing differs from everything)."""
    if v is True or v is False:
        return "true" if v else "false"
    return repr(v)


def load(cache):
    runs = []
    for name in os.listdir(cache):
        if not name.startswith("run_"):
            continue
        meta = json.load(open(os.path.join(cache, name, "run.json")))
        rows = json.load(open(os.path.join(cache, name, "agg_bmk.json")))
        runs.append((meta["created_at"], int(name[4:]), rows))
    runs.sort(key=lambda r: (r[0], r[1]))
    return runs


def newest(runs):
    """The newest row per configuration over the given runs (oldest first)."""
    kept = {}
    for created, rid, rows in runs:
        seen = set()
        for row in rows:
            key = tuple(canon(row[k]) if k in row and row[k] is not None else None for k in CONFIG)
            if key in seen:
                continue
            seen.add(key)
            kept[key] = (row, created, str(rid))
    return list(kept.values())


def num(row, name):
    v = row.get(name)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def series(row):
    gpu = row["hw"].lower().replace("_", "-").split("-")[0]
    fw = (row.get("framework") or "").lower()
    disagg = row.get("disagg") in (True, "true")
    fw = {"trtllm": "trt", "dynamo-trtllm": "dynamo-trt"}.get(fw, fw)
    if fw == "sglang-disagg":
        fw, disagg = "mori-sglang", True
    spec = (row.get("spec_decoding") or "").lower()
    if not spec and row.get("mtp") == "on":
        spec = "mtp"
    spec = spec or "none"
    prec = (row.get("precision") or "").lower()
    prec = "fp4" if prec in ("nvfp4", "mxfp4") else prec
    label = "_".join([gpu, fw] + ([spec] if spec != "none" else []) + (["disagg"] if disagg else [])
                     + [prec])
    return (row.get("infmax_model_prefix") or "", str(row["isl"]), str(row["osl"]), label)


def metrics(row, fallback):
    """Every metric of analysis.md section 3; None where an input is missing or zero."""
    m = {"throughput": num(row, "tput_per_gpu"), "output": num(row, "output_tput_per_gpu"),
         "input": num(row, "input_tput_per_gpu"), "interactivity": num(row, "median_intvty"),
         "e2el": num(row, "median_e2el"), "ttft_p99": num(row, "p99_ttft"),
         "conc": num(row, "conc")}
    if fallback and m["output"] is None:
        m["output"] = m["throughput"]
    spec = SPECS.get(row["hw"].lower().replace("_", "-").split("-")[0])
    for kind, t in (("total", m["throughput"]), ("output", m["output"]), ("input", m["input"])):
        ok = spec is not None and t is not None and t > 0
        for own, i in OWNERSHIP:
            m[f"cost_per_mtok_{kind}_{own}"] = spec[i] / (t * 3600 / 1e6) if ok else None
        m[f"tokens_per_sec_per_mw_{kind}"] = t * 1000 / spec[0] if ok else None
        m[f"joules_per_token_allin_{kind}"] = spec[0] * 1000 / t if ok else None
    return m


def front(direction, pts):
    """pts: (x, y, payload) in input order; Python's sort is stable as the app's."""
    out = []
    if direction in ("upper_left", "upper_right"):
        ordered = sorted(pts, key=lambda p: (p[0], -p[1]))
    elif direction == "lower_left":
        ordered = sorted(pts, key=lambda p: (p[0], p[1]))
    else:
        ordered = sorted(pts, key=lambda p: (-p[0], p[1]))
    if direction == "upper_left":
        for p in ordered:
            if out and p[0] == out[-1][0]:
                if p[1] > out[-1][1]:
                    out[-1] = p
                continue
            while out and p[1] >= out[-1][1]:
                out.pop()
            out.append(p)
    elif direction == "upper_right":
        best = -math.inf
        for p in ordered:
            if p[1] > best or (p[1] == best and out and p[0] > out[-1][0]):
                if out and out[-1][0] == p[0]:
                    out[-1] = p
                else:
                    out.append(p)
                best = p[1]
    else:
        best = math.inf
        for p in ordered:
            if p[1] < best:
                out.append(p)
                best = p[1]
    return sorted(out, key=lambda p: p[0])


def steffen(xs, ys):
    n = len(xs)
    m = [0.0] * n
    if n < 2:
        return m
    h = [xs[i + 1] - xs[i] for i in range(n - 1)]
    s = [(ys[i + 1] - ys[i]) / h[i] if h[i] != 0 else 0.0 for i in range(n - 1)]
    sgn = lambda v: -1.0 if v < 0 else 1.0
    for i in range(1, n - 1):
        if h[i - 1] + h[i] == 0:
            continue  # p is NaN: tangent 0
        p = (s[i - 1] * h[i] + s[i] * h[i - 1]) / (h[i - 1] + h[i])
        m[i] = (sgn(s[i - 1]) + sgn(s[i])) * min(abs(s[i - 1]), abs(s[i]), abs(p) / 2)
    m[0] = (3 * s[0] - m[1]) / 2 if h[0] != 0 else m[1]
    m[n - 1] = (3 * s[n - 2] - m[n - 2]) / 2 if h[n - 2] != 0 else m[n - 2]
    return m


def hermite(xs, ys, target):
    n = len(xs)
    if n == 1:
        return ys[0], 0 if abs(target - xs[0]) < 1e-6 else None
    if target < xs[0] or target > xs[-1]:
        return None, None
    lo = max(i for i in range(n - 1) if xs[i] <= target)
    m = steffen(xs, ys)
    w = xs[lo + 1] - xs[lo]
    if w == 0:
        return ys[lo], lo
    t = (target - xs[lo]) / w
    v = ((2 * t**3 - 3 * t**2 + 1) * ys[lo] + (t**3 - 2 * t**2 + t) * w * m[lo]
         + (-2 * t**3 + 3 * t**2) * ys[lo + 1] + (t**3 - t**2) * w * m[lo + 1])
    return v, lo


def close(a, b):
    return abs(a - b) <= REL * max(abs(a), abs(b), 1e-300)


class Check:
    def __init__(self):
        self.errors = []

    def fail(self, msg):
        if len(self.errors) < 20:
            self.errors.append(msg)
        else:
            self.errors.append(None)

    def num(self, what, got, want):
        if want is None:
            if got != "":
                self.fail(f"{what}: imx {got}, expected empty")
        elif got == "" or not close(float(got), want):
            self.fail(f"{what}: imx {got!r}, expected {want!r}")

    def done(self, what):
        if self.errors:
            for e in self.errors:
                if e:
                    print("  " + e, file=sys.stderr)
            print(f"{what}: {len(self.errors)} differences", file=sys.stderr)
            sys.exit(1)
        print(f"{what}: identical")


def groups_of(rows, fallback):
    g = {}
    for row, created, rid in rows:
        g.setdefault(series(row), []).append((row, created, rid, metrics(row, fallback)))
    return g


X_NAME = {"interactivity": "interactivity", "e2el": "e2el", "ttft_p99": "ttft_p99"}
LOWER = ("cost", "joules")


def direction(metric, x):
    higher = not metric.startswith(LOWER)
    if x == "interactivity":
        return "upper_left" if higher else "lower_right"
    return "upper_right" if higher else "lower_left"


def check_pareto(cache, path, metric, x, dedup):
    rows = newest(load(cache))
    chk = Check()
    got = {}
    for r in csv.DictReader(open(path, newline="")):
        got.setdefault((r["model_prefix"], r["input_seq_len"], r["output_seq_len"], r["series"]),
                       []).append(r)
    want_keys = set()
    for key, members in sorted(groups_of(rows, False).items()):
        if dedup == "dashboard":
            day = max(c[:10] for _, c, _, _ in members)
            members = [mm for mm in members if mm[1][:10] == day]
        pts = []
        for row, created, rid, m in members:
            xv, yv = m[x], m[metric]
            if xv is None or yv is None or (metric in ("output", "input") and yv == 0):
                continue
            if metric.startswith("cost") and yv > 5:
                continue
            if x.startswith("ttft") and xv > 60:
                continue
            pts.append((xv, yv, (str(int(m["conc"])), rid)))
        if not pts:
            continue
        want_keys.add(key)
        fr = front(direction(metric, x), pts)
        mine = got.get(key, [])
        on = [(float(r["x"]), float(r["y"]), (r["concurrency"], r["run_id"]))
              for r in mine if r["on_front"] == "1"]
        if len(mine) != len(pts):
            chk.fail(f"{key}: {len(mine)} points, expected {len(pts)}")
        if [(a, b, c) for a, b, c in on] != [(a, b, c) for a, b, c in fr]:
            chk.fail(f"{key}: front {on} expected {fr}")
    for key in set(got) - want_keys:
        chk.fail(f"{key}: not a series of the oracle")
    chk.done(f"pareto {metric} vs {x} ({dedup}), {len(want_keys)} series")


AT_METRICS = ["throughput_tokens_per_sec_per_gpu", "output_throughput_per_gpu",
              "input_throughput_per_gpu", "median_interactivity_tokens_per_sec_per_user"] + \
    [f"cost_per_mtok_{k}_{o}" for k in ("total", "output", "input") for o, _ in OWNERSHIP] + \
    [f"tokens_per_sec_per_mw_{k}" for k in ("total", "output", "input")] + \
    [f"joules_per_token_allin_{k}" for k in ("total", "output", "input")]
M_OF = {"throughput_tokens_per_sec_per_gpu": "throughput", "output_throughput_per_gpu": "output",
        "input_throughput_per_gpu": "input",
        "median_interactivity_tokens_per_sec_per_user": "interactivity"}


def answers(rows, mode, target):
    """The calculator: {series key: (metrics or None, lo payload, hi payload)}."""
    out = {}
    xname, yname = ("interactivity", "throughput") if mode == "interactivity" else \
        ("throughput", "interactivity")
    for key, members in groups_of(rows, True).items():
        pts = [(m[xname], m[yname], (m, rid)) for row, created, rid, m in members
               if m[xname] is not None and m[yname] is not None]
        if not pts:
            continue
        fr = front("upper_left", pts)
        xs = [p[0] for p in fr]
        res = {}
        lo = None
        for col in AT_METRICS + ["concurrency"]:
            name = M_OF.get(col, "conc" if col == "concurrency" else col)
            ys = [p[2][0][name] for p in fr]
            if any(v is None for v in ys):
                res[col] = None
                continue
            v, lo_i = hermite(xs, ys, target)
            if lo_i is None:
                res = None
                break
            lo = lo_i
            v = max(v, 0.0)
            res[col] = math.floor(v + 0.5) if col == "concurrency" else v
        if res is None:
            out[key] = None
            continue
        primary = res[M_REV[yname]]
        if not primary > 0:
            out[key] = None
            continue
        hi = lo if len(fr) == 1 else lo + 1
        out[key] = (res, fr[lo][2], fr[hi][2])
    return out


M_REV = {"throughput": "throughput_tokens_per_sec_per_gpu",
         "interactivity": "median_interactivity_tokens_per_sec_per_user"}


def compare_answers(chk, want, got_rows, what):
    got = {(r["model_prefix"], r["input_seq_len"], r["output_seq_len"], r["series"]): r
           for r in got_rows}
    if set(got) != set(want):
        chk.fail(f"{what}: series differ: {sorted(set(got) ^ set(want))[:5]}")
    n = 0
    for key, w in want.items():
        r = got.get(key)
        if r is None:
            continue
        if w is None:
            if r["value"] != "":
                chk.fail(f"{what} {key}: imx answers {r['value']}, the oracle has no answer")
            continue
        if r["value"] == "":
            chk.fail(f"{what} {key}: no answer from imx ({r['note']})")
            continue
        n += 1
        res, lo, hi = w
        for col in AT_METRICS:
            chk.num(f"{what} {key} {col}", r[col], res[col])
        if r["concurrency"] != str(res["concurrency"]):
            chk.fail(f"{what} {key}: concurrency {r['concurrency']} expected {res['concurrency']}")
        if (r["lo_run_id"], r["hi_run_id"]) != (lo[1], hi[1]):
            chk.fail(f"{what} {key}: bracketing runs {r['lo_run_id']},{r['hi_run_id']}")
    return n


def check_at(cache, path, mode, target):
    chk = Check()
    n = compare_answers(chk, answers(newest(load(cache)), mode, target),
                        list(csv.DictReader(open(path, newline=""))), f"at {mode}={target}")
    chk.done(f"at {mode}={target:g}: {n} answers")


def check_trend(cache, path, target):
    chk = Check()
    runs = load(cache)
    days = {}
    for run in runs:
        days.setdefault(run[0][:10], []).append(run)
    got = {}
    for r in csv.DictReader(open(path, newline="")):
        got.setdefault(r["date"], []).append(r)
    total = 0
    for day, day_runs in sorted(days.items()):
        want = answers(newest(day_runs), "interactivity", target)
        total += compare_answers(chk, want, got.pop(day, []), f"trend {day}")
    for day in got:
        chk.fail(f"trend: imx has a day {day} the cache has no run of")
    chk.done(f"trend at interactivity {target:g}: {total} answers over {len(days)} days")


MATCH = {"infmax_model_prefix": "model_prefix", "hw": "gpu_model", "framework": "framework", "precision": "precision",
         "isl": "input_seq_len", "osl": "output_seq_len", "conc": "concurrency",
         "tp": "tensor_parallel", "ep": "expert_parallel", "spec_decoding": "spec_decoding",
         "num_prefill_gpu": "num_prefill_gpu", "num_decode_gpu": "num_decode_gpu",
         "prefill_tp": "prefill_tp", "prefill_ep": "prefill_ep", "decode_tp": "decode_tp",
         "decode_ep": "decode_ep", "prefill_num_workers": "prefill_num_workers",
         "decode_num_workers": "decode_num_workers", "dp_attention": "dp_attention",
         "prefill_dp_attention": "prefill_dp_attention",
         "decode_dp_attention": "decode_dp_attention"}
DERIVED = [f"cost_per_mtok_{k}_{o}" for k in ("total", "output", "input") for o, _ in OWNERSHIP] + \
    [f"tokens_per_sec_per_mw_{k}" for k in ("total", "output", "input")] + \
    [f"joules_per_token_allin_{k}" for k in ("total", "output", "input")]


def text_of(v):
    if v is None:
        return ""
    if v is True or v is False:
        return "true" if v else "false"
    return str(v)


def check_derived(cache, path):
    """imx extract --columns derived: every row's derived columns (none invented for missing
    inputs), total GPUs as the dashboard plots them."""
    chk = Check()
    want = {}
    for row, created, rid in newest(load(cache)):
        want[(rid,) + tuple(text_of(row.get(k)) for k in MATCH)] = row
    n = 0
    for r in csv.DictReader(open(path, newline="")):
        row = want.get((r["run_id"],) + tuple(r[c] for c in MATCH.values()))
        if row is None:
            chk.fail(f"row not in the oracle: {r['run_id']} {r['gpu_model']} {r['concurrency']}")
            continue
        n += 1
        m = metrics(row, False)
        for col in DERIVED:
            chk.num(f"{r['run_id']} {r['gpu_model']} conc {r['concurrency']} {col}", r[col], m[col])
        disagg = row.get("disagg") in (True, "true")
        gpus = row["num_prefill_gpu"] + row["num_decode_gpu"] if disagg or "tp" not in row \
            else row["tp"]
        chk.num(f"{r['run_id']} total_gpus", r["total_gpus"], float(gpus))
    chk.done(f"derived columns of {n} rows")


def main():
    cache, cmd, path = sys.argv[1:4]
    if cmd == "derived":
        check_derived(cache, path)
    elif cmd == "pareto":
        check_pareto(cache, path, sys.argv[4], sys.argv[5], sys.argv[6])
    elif cmd == "at":
        check_at(cache, path, sys.argv[4], float(sys.argv[5]))
    else:
        check_trend(cache, path, float(sys.argv[4]))


if __name__ == "__main__":
    main()
