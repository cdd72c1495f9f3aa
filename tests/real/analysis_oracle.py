#!/usr/bin/env python3
"""Independent check of imx's analysis commands (extract --columns derived, pareto, at, trend).

Written from ../shared/reference/analysis.md and the README's stated differences alone (not from
imx's C code). It reads every run's aggregate files and run.json with Python's json module, keeps
the newest row per configuration (runs ordered by created_at as an instant, then id; undated runs
oldest), forms the dashboard's series, computes the derived metrics, builds the Pareto fronts by
the four rules, interpolates with Steffen tangents and cubic Hermite, and compares imx's CSVs:
fronts identical (same points, same order), numbers within 1e-12 relative.

usage: analysis_oracle.py plan [--light]      the imx command lines to check (NAME<TAB>ARGS)
       analysis_oracle.py specs FILE          writes the GPU constants file of the plan's @SPECS@
       analysis_oracle.py check CACHE DIR SPECS   compares DIR/NAME.csv of every planned NAME
       analysis_oracle.py craft DIR           writes a cache of crafted runs of every era

`plan` covers every metric short name against every x, both dedup modes, every --direction, the
display limits on, off and moved, the calculator and the trend in both modes at targets inside,
at the ends of and outside the fronts, with several --metric values, and the derived columns.
`--light` keeps one in five (memcheck runs imx twenty times slower)."""
import csv
import datetime
import json
import math
import os
import random
import re
import sys

# the configuration (README, Deduplication): a row of a run replaces the same configuration's
# row of an older run; a missing field is a value of its own
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
KINDS = ("total", "output", "input")
REL = 1e-12

# metric short name -> (CSV name, higher is better); analysis.md sections 1, 3 and 5
METRICS = {
    "throughput": ("throughput_tokens_per_sec_per_gpu", True),
    "output_throughput": ("output_throughput_per_gpu", True),
    "input_throughput": ("input_throughput_per_gpu", True),
    "interactivity": ("median_interactivity_tokens_per_sec_per_user", True),
    "e2el": ("median_end_to_end_latency_sec", False),
    "ttft_p99": ("p99_time_to_first_token_sec", False),
    "ttft_median": ("median_time_to_first_token_sec", False),
    "conc": ("concurrency", True),
    "gpus": ("total_gpus", False),
}
for _k, _suffix in (("total", ""), ("output", "_output"), ("input", "_input")):
    for _o, _short in zip(("owning_hyperscaler", "owning_neocloud", "rental_3y"),
                          ("costh", "costn", "costr")):
        METRICS[_short + _suffix] = (f"cost_per_mtok_{_k}_{_o}", False)
    METRICS["tpmw" + _suffix] = (f"tokens_per_sec_per_mw_{_k}", True)
    METRICS["jpt" + _suffix] = (f"joules_per_token_allin_{_k}", False)
SOURCE = {"throughput": "tput_per_gpu", "output_throughput": "output_tput_per_gpu",
          "input_throughput": "input_tput_per_gpu", "interactivity": "median_intvty",
          "e2el": "median_e2el", "ttft_p99": "p99_ttft", "ttft_median": "median_ttft",
          "conc": "conc"}
XS = ("interactivity", "e2el", "ttft_p99", "ttft_median")
DIRECTIONS = ("upper_left", "upper_right", "lower_left", "lower_right")
INTERPOLATED = ["throughput", "output_throughput", "input_throughput", "interactivity", "conc"] + \
    [m for m in METRICS if m.startswith(("cost", "tpmw", "jpt"))]


# ---------------------------------------------------------------- reading the cache

def seq_of_name(name):
    """isl, osl and model prefix of a 2025 artifact or file name (_1k8k_, _<isl>_<osl>_)."""
    m = re.search(r"(?:^|[_/])([a-z0-9.]+?)_(\d+)k(\d+)k(?:_|\.json|/|$)", name)
    if m:
        return int(m.group(2)) * 1024, int(m.group(3)) * 1024, m.group(1)
    return None


def instant(text):
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except (AttributeError, ValueError):
        return None


def agg_files(rundir):
    """The aggregate files of a run: agg_bmk.json (anywhere below), else the per-config ones,
    else the 2025 results_<exp> arrays."""
    found = []
    for base, dirs, files in os.walk(rundir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            if f.startswith("agg_") and f.endswith(".json"):
                found.append(os.path.relpath(os.path.join(base, f), rundir))
    bmk = [f for f in found if os.path.basename(f) == "agg_bmk.json"]
    if bmk:
        return bmk[:1]
    percfg = [f for f in found if not f.startswith("results_")]
    return percfg or found


def load(cache):
    """Runs oldest first: (sort key, day or None, run id text, rows)."""
    runs = []
    for name in os.listdir(cache):
        if not re.fullmatch(r"run_\d+", name):
            continue
        d = os.path.join(cache, name)
        created = None
        try:
            created = json.load(open(os.path.join(d, "run.json"))).get("created_at")
        except (OSError, ValueError):
            pass
        t = instant(created) if isinstance(created, str) else None
        day = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%d") \
            if t is not None else None
        rows = []
        for rel in agg_files(d):
            data = json.load(open(os.path.join(d, rel)))
            for row in data if isinstance(data, list) else [data]:
                row = dict(row)
                seq = seq_of_name(rel)
                if "isl" not in row and "osl" not in row and seq:
                    row["isl"], row["osl"] = seq[0], seq[1]
                if "infmax_model_prefix" not in row and seq:
                    row["infmax_model_prefix"] = seq[2]
                rows.append(row)
        key = (0, 0, int(name[4:])) if t is None else (1, t, int(name[4:]))
        runs.append((key, day, name[4:], rows))
    runs.sort(key=lambda r: r[0])
    return runs


def canon(v):
    """A configuration value as one comparable token (missing differs from everything)."""
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, float) and v == int(v):
        return repr(int(v))
    return repr(v)


def newest(runs):
    """The newest row per configuration over the given runs (oldest first); within a run the
    first row of a configuration counts."""
    kept = {}
    for _, day, rid, rows in runs:
        seen = set()
        for row in rows:
            key = tuple(canon(row[k]) if row.get(k) is not None else None for k in CONFIG)
            if key in seen:
                continue
            seen.add(key)
            kept[key] = (row, day, rid)
    return list(kept.values())


# ---------------------------------------------------------------- the reference's rules

def num(row, name):
    v = row.get(name)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def gpu_of(row):
    """analysis.md section 2: the label's first token split on '-' or '_', lowercased (and on a
    space, README: GB200 NVL72 is gb200)."""
    return canon_gpu(row.get("hw") or "")


def canon_gpu(text):
    return re.split(r"[-_ ]", text.lower())[0]


def load_specs(path):
    """The built-in constants with a --gpu-specs file merged as imx(1) says: a header naming gpu
    and any of power_kw, costh, costn, costr; a named GPU's listed constants replace the built-in
    ones (an empty cell: unknown), columns the file lacks keep theirs, new GPUs are added."""
    specs = {k: list(v) for k, v in SPECS.items()}
    if not path:
        return specs
    order = ("power_kw", "costh", "costn", "costr")
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            gpu = canon_gpu(r["gpu"].strip())
            v = specs.setdefault(gpu, [None] * 4)
            for i, col in enumerate(order):
                if col in r:
                    v[i] = float(r[col]) if r[col].strip() else None
    return specs


SPECS_FILE = "gpu,power_kw,costh,costr\nh100,2.0,1.5,0\nRTX6000Pro,0.6,0.9,1.1\nGB200 NVL72,2.5,,3.0\n"


def series(row):
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
    label = "_".join([gpu_of(row) or "unknown", fw or "unknown"] +
                     ([spec] if spec != "none" else []) + (["disagg"] if disagg else []) +
                     [prec or "unknown"])
    return (str(row.get("infmax_model_prefix") or ""), str(row.get("isl")), str(row.get("osl")),
            label)


def total_gpus(row):
    """analysis.md section 3: tp for single-node rows, prefill + decode GPUs for disaggregated
    ones (and for multinode rows without tp)."""
    tp, p, d = num(row, "tp"), num(row, "num_prefill_gpu"), num(row, "num_decode_gpu")
    if row.get("disagg") in (True, "true") or tp is None:
        return p + d if p is not None and d is not None else None
    return tp


def metrics(row, specs, fallback):
    """Every metric of a row by short name; None where an input is missing (imx never invents
    the app's zeros): costs, per-MW and J/token need a positive throughput and constants."""
    m = {k: num(row, src) for k, src in SOURCE.items()}
    if fallback and m["output_throughput"] is None:
        m["output_throughput"] = m["throughput"]
    m["gpus"] = total_gpus(row)
    spec = specs.get(gpu_of(row))
    for kind, t, sfx in (("total", m["throughput"], ""), ("output", m["output_throughput"], "_output"),
                         ("input", m["input_throughput"], "_input")):
        t = t if t is not None and t > 0 else None
        for short, i in (("costh", 1), ("costn", 2), ("costr", 3)):
            price = spec[i] if spec else None
            mtok = finite(lambda: t * 3600 / 1e6) if t else None
            m[short + sfx] = finite(lambda: price / mtok) if mtok and price else None
        kw = spec[0] if spec and spec[0] else None
        m["tpmw" + sfx] = finite(lambda: t * 1000 / kw) if t and kw else None
        m["jpt" + sfx] = finite(lambda: kw * 1000 / t) if t and kw else None
    return m


def finite(f):
    """A derived number, or None where a step overflows (README: a throughput of 5e-324 costs
    more than a double holds, one of 1.7e308 overflows on its way to Mtok/h)."""
    try:
        v = f()
    except (ZeroDivisionError, OverflowError):
        return None
    return v if math.isfinite(v) else None


# imx(1): a numeric column's lower values are better when its name says one of these
LOWER_WORDS = ("cost", "time", "latency", "ttft", "tpot", "itl", "e2el", "joules", "energy",
               "power")


def default_direction(metric, x):
    higher = METRICS[metric][1] if metric in METRICS else \
        not any(w in metric for w in LOWER_WORDS)
    if x == "interactivity":
        return "upper_left" if higher else "lower_right"
    return "upper_right" if higher else "lower_left"


def front(direction, pts):
    """pts: (x, y, payload); the four walks of analysis.md section 5, stable sorts."""
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

    def sgn(v):
        return -1.0 if v < 0 else 1.0
    for i in range(1, n - 1):
        if h[i - 1] + h[i] == 0:
            continue  # p is NaN: tangent 0
        p = (s[i - 1] * h[i] + s[i] * h[i - 1]) / (h[i - 1] + h[i])
        v = (sgn(s[i - 1]) + sgn(s[i])) * min(abs(s[i - 1]), abs(s[i]), abs(p) / 2)
        m[i] = 0.0 if math.isnan(v) else v
    m[0] = (3 * s[0] - m[1]) / 2 if h[0] != 0 else m[1]
    m[n - 1] = (3 * s[n - 2] - m[n - 2]) / 2 if h[n - 2] != 0 else m[n - 2]
    return m


def bracket(xs, target):
    """The left knot of the interval holding target, or None (no extrapolation)."""
    if len(xs) == 1:
        return 0 if abs(target - xs[0]) < 1e-6 else None
    if target < xs[0] or target > xs[-1]:
        return None
    return max(i for i in range(len(xs) - 1) if xs[i] <= target)


def hermite(xs, ys, lo, target):
    if len(xs) == 1:
        return ys[0]
    m = steffen(xs, ys)
    w = xs[lo + 1] - xs[lo]
    if w == 0:
        return ys[lo]
    t = (target - xs[lo]) / w
    return ((2 * t**3 - 3 * t**2 + 1) * ys[lo] + (t**3 - 2 * t**2 + t) * w * m[lo]
            + (-2 * t**3 + 3 * t**2) * ys[lo + 1] + (t**3 - t**2) * w * m[lo + 1])


def js_round(v):
    """Math.round: the nearest integer, halves upwards."""
    r = math.floor(v)
    return r + 1 if v - r >= 0.5 else r


# ---------------------------------------------------------------- comparing

def close(a, b):
    return a == b or abs(a - b) <= REL * max(abs(a), abs(b))


class Check:
    def __init__(self):
        self.errors = []

    def fail(self, msg):
        self.errors.append(msg)

    def num(self, what, got, want):
        if want is None:
            if got != "":
                self.fail(f"{what}: imx {got}, expected empty")
        elif got == "" or not close(float(got), want):
            self.fail(f"{what}: imx {got!r}, expected {want!r}")


def groups_of(rows, specs, fallback):
    g = {}
    for row, day, rid in rows:
        g.setdefault(series(row), []).append((row, day, rid, metrics(row, specs, fallback)))
    return g


def key_of(r):
    return (r["model_prefix"], r["input_seq_len"], r["output_seq_len"], r["series"])


def conc_text(row):
    v = row.get("conc")
    return "" if v is None else json.dumps(v)


def check_pareto(chk, what, rows, specs, metric, x, dedup, direction, max_cost, max_ttft, got_rows):
    got = {}
    for r in got_rows:
        got.setdefault(key_of(r), []).append(r)
    want_keys = set()
    for key, members in sorted(groups_of(rows, specs, False).items()):
        if dedup == "dashboard":
            days = [mm[1] or "" for mm in members]
            day = max(days)
            members = [mm for mm, d in zip(members, days) if d == day]
        pts = []
        for row, day, rid, m in members:
            xv, yv = m[x], m[metric] if metric in METRICS else num(row, metric)
            if xv is None or yv is None:
                continue
            if metric in ("output_throughput", "input_throughput") and yv == 0:
                continue
            if metric.startswith("cost") and yv > max_cost:
                continue
            if x.startswith("ttft") and xv > max_ttft:
                continue
            pts.append((xv, yv, (conc_text(row), rid)))
        want_keys.add(key)
        fr = front(direction or default_direction(metric, x), pts)
        mine = got.get(key, [])
        if sorted((p[0], p[1]) for p in pts) != sorted((float(r["x"]), float(r["y"])) for r in mine):
            chk.fail(f"{what} {key}: points {[(r['x'], r['y']) for r in mine]} expected "
                     f"{[(p[0], p[1]) for p in pts]}")
            continue
        xs = [float(r["x"]) for r in mine]
        if xs != sorted(xs):
            chk.fail(f"{what} {key}: points not by ascending x")
        on = [r for r in mine if r["on_front"] == "1"]
        if [(float(r["x"]), float(r["y"])) for r in on] != [(p[0], p[1]) for p in fr]:
            chk.fail(f"{what} {key}: front {[(r['x'], r['y']) for r in on]} expected "
                     f"{[(p[0], p[1]) for p in fr]}")
            continue
        # which row stands for a point: only where no other point has the same x and y
        for r, p in zip(on, fr):
            if sum(1 for q in pts if (q[0], q[1]) == (p[0], p[1])) == 1 and \
                    (r["concurrency"], r["run_id"]) != p[2]:
                chk.fail(f"{what} {key}: front point ({p[0]}, {p[1]}) from {r['concurrency']}/"
                         f"{r['run_id']}, expected {p[2]}")
    for key in set(got) - want_keys:
        chk.fail(f"{what} {key}: not a series of the oracle")
    return len(want_keys)


def answers(rows, specs, mode, target, metric):
    """The calculator: {series key: (metrics, lo payload, hi payload, front) or (note, front)}."""
    out = {}
    xname, yname = ("interactivity", "throughput") if mode == "interactivity" else \
        ("throughput", "interactivity")
    for key, members in groups_of(rows, specs, True).items():
        pts = [(m[xname], m[yname], (m, rid)) for row, day, rid, m in members
               if m[xname] is not None and m[yname] is not None]
        fr = front("upper_left", pts)
        xs = [p[0] for p in fr]
        lo = bracket(xs, target) if fr else None
        if lo is None:
            out[key] = (None, fr)
            continue
        res = {}
        for name in INTERPOLATED:
            ys = [p[2][0][name] for p in fr]
            if any(v is None for v in ys):
                res[name] = None
                continue
            v = finite(lambda: hermite(xs, ys, lo, target))
            if v is None:
                res[name] = None
                continue
            v = max(v, 0.0)
            res[name] = js_round(v) if name == "conc" else v
        if not (res[yname] is not None and res[yname] > 0) or \
                not (res[metric] is not None and res[metric] > 0):
            out[key] = (None, fr)
            continue
        hi = lo if len(fr) == 1 else lo + 1
        out[key] = (res, fr[lo][2], fr[hi][2], fr)
    return out


def compare_answers(chk, want, got_rows, what, metric):
    got = {key_of(r): r for r in got_rows}
    if set(got) != set(want):
        chk.fail(f"{what}: series differ: {sorted(set(got) ^ set(want))[:5]}")
    n = 0
    for key, w in want.items():
        r = got.get(key)
        if r is None:
            continue
        fr = w[-1]
        if r["front_points"] != str(len(fr)):
            chk.fail(f"{what} {key}: front of {r['front_points']} points, expected {len(fr)}")
        chk.num(f"{what} {key} front_min_x", r["front_min_x"], fr[0][0] if fr else None)
        chk.num(f"{what} {key} front_max_x", r["front_max_x"], fr[-1][0] if fr else None)
        if w[0] is None:
            if r["value"] != "" or r["note"] == "":
                chk.fail(f"{what} {key}: imx answers {r['value']!r} (note {r['note']!r}), the "
                         "oracle has no answer")
            continue
        if r["value"] == "" or r["note"] != "":
            chk.fail(f"{what} {key}: no answer from imx ({r['note']})")
            continue
        n += 1
        res, lo, hi = w[0], w[1], w[2]
        if r["metric"] != METRICS[metric][0]:
            chk.fail(f"{what} {key}: metric {r['metric']}")
        chk.num(f"{what} {key} value", r["value"], res[metric])
        for name in INTERPOLATED:
            chk.num(f"{what} {key} {name}", r[METRICS[name][0]], res[name])
        for side, p in (("lo", lo), ("hi", hi)):
            chk.num(f"{what} {key} {side}_concurrency", r[f"{side}_concurrency"], p[0]["conc"])
            if r[f"{side}_run_id"] != p[1]:
                chk.fail(f"{what} {key}: {side}_run_id {r[f'{side}_run_id']} expected {p[1]}")
    return n


def check_derived(chk, rows, specs, got_rows):
    """imx extract --columns derived: every row's derived columns, total GPUs."""
    want = {}
    for row, day, rid in rows:
        want.setdefault((rid, str(row.get("hw")), str(row.get("framework") or ""),
                         conc_text(row)), []).append(row)
    for r in got_rows:
        cands = want.get((r["run_id"], r["gpu_model"], r["framework"], r["concurrency"]), [])
        # the row of this run, GPU and concurrency whose throughput imx wrote
        cands = [c for c in cands if json.dumps(c.get("tput_per_gpu")) ==
                 (r["throughput_tokens_per_sec_per_gpu"] or "null")] or cands
        if len(cands) != 1:
            chk.fail(f"row {r['run_id']} {r['gpu_model']} conc {r['concurrency']}: "
                     f"{len(cands)} rows of the oracle match")
            continue
        m = metrics(cands[0], specs, False)
        for short, (name, _) in METRICS.items():
            if short.startswith(("cost", "tpmw", "jpt")) or short == "gpus":
                chk.num(f"{r['run_id']} {r['gpu_model']} conc {r['concurrency']} {name}",
                        r[name], m[short])
    return len(got_rows)


# ---------------------------------------------------------------- the plan

def plan(light):
    lines = []
    for metric in METRICS:
        for x in XS:
            for dedup in ("dashboard", "config"):
                lines.append((f"p_{metric}_{x}_{dedup}",
                              f"pareto --model all --all-points --metric {metric} --x {x} "
                              f"--dedup {dedup}"))
    # any numeric column of the rows, by its source name
    for metric in ("mean_ttft", "p99_intvty", "std_e2el", "mean_itl"):
        for x in ("interactivity", "e2el"):
            lines.append((f"p_{metric}_{x}_column", f"pareto --model all --all-points --metric "
                          f"{metric} --x {x}"))
    for metric in ("throughput", "costh", "jpt_input", "e2el"):
        for x in ("interactivity", "ttft_p99"):
            for d in DIRECTIONS:
                lines.append((f"d_{metric}_{x}_{d}", f"pareto --model all --all-points --metric "
                              f"{metric} --x {x} --direction {d}"))
    for metric, x in (("costh", "interactivity"), ("costr_input", "ttft_median"),
                      ("input_throughput", "ttft_p99"), ("throughput", "ttft_median")):
        lines.append((f"l_{metric}_{x}_none", f"pareto --model all --all-points --metric "
                      f"{metric} --x {x} --no-limits"))
        lines.append((f"l_{metric}_{x}_moved", f"pareto --model all --all-points --metric "
                      f"{metric} --x {x} --max-cost 0.5 --max-ttft 2.5"))
    for mode, targets in (("interactivity", ("5", "10", "30", "50", "75.5", "100", "200", "1000")),
                          ("throughput", ("100", "500", "1500", "4000", "20000"))):
        for t in targets:
            lines.append((f"a_{mode}_{t}_default", f"at --model all --{mode} {t}"))
        for metric in ("costh", "tpmw_output", "jpt_input", "conc", "costr_input",
                       "output_throughput", "input_throughput"):
            lines.append((f"a_{mode}_{targets[2]}_{metric}",
                          f"at --model all --{mode} {targets[2]} --metric {metric}"))
    for mode, targets in (("interactivity", ("30", "50", "90")), ("throughput", ("800", "3000"))):
        for t in targets:
            lines.append((f"t_{mode}_{t}_default", f"trend --model all --{mode} {t}"))
        lines.append((f"t_{mode}_{targets[0]}_costn_output",
                      f"trend --model all --{mode} {targets[0]} --metric costn_output"))
    # sequence lengths chosen, standard or not
    for sel, tag in (("--isl 2048 --osl 256", "isl2048"), ("--seq 8k1k", "seq8k1k"),
                     ("--isl 1024 --osl 8192", "isl1024_8192")):
        lines.append((f"p_throughput_interactivity_{tag}", f"pareto --model all --all-points {sel}"))
        lines.append((f"a_interactivity_50_{tag}", f"at --model all --interactivity 50 {sel}"))
        lines.append((f"t_interactivity_50_{tag}", f"trend --model all --interactivity 50 {sel}"))
    lines.append(("x_derived", "extract --model all --columns derived"))
    # a user's constants: overridden, unknown, zero and added ones, names as people write them
    lines.append(("p_costr_interactivity_specs", "pareto --model all --all-points --metric costr "
                  "--gpu-specs @SPECS@"))
    lines.append(("p_jpt_e2el_specs", "pareto --model all --all-points --metric jpt --x e2el "
                  "--gpu-specs @SPECS@"))
    lines.append(("a_interactivity_30_costh_specs", "at --model all --interactivity 30 --metric "
                  "costh --gpu-specs @SPECS@"))
    lines.append(("t_interactivity_50_tpmw_specs", "trend --model all --interactivity 50 --metric "
                  "tpmw --gpu-specs @SPECS@"))
    lines.append(("x_derived_specs", "extract --model all --columns derived --gpu-specs @SPECS@"))
    return lines[::5] + lines[-6:] if light else lines


def check(cache, outdir, specs_path):
    runs_all = load(cache)
    rows_all = newest(runs_all)
    bad = 0
    for name, args in plan(False):
        path = os.path.join(outdir, name + ".csv")
        if not os.path.exists(path):
            continue
        chk = Check()
        specs = load_specs(specs_path if "@SPECS@" in args else None)
        got = list(csv.DictReader(open(path, newline="")))
        a = args.split()
        opt = {a[i][2:]: a[i + 1] for i in range(len(a) - 1) if a[i].startswith("--")
               and not a[i + 1].startswith("--")}
        seq = {"1k1k": ("1024", "1024"), "1k8k": ("1024", "8192"), "8k1k": ("8192", "1024")}.get(
            opt.get("seq"), (opt.get("isl"), opt.get("osl")))
        rows, runs = rows_all, runs_all
        if seq != (None, None):
            def keep(row):
                return str(row.get("isl")) == seq[0] and str(row.get("osl")) == seq[1]
            rows = [r for r in rows_all if keep(r[0])]
            runs = [(k, d, i, [r for r in rr if keep(r)]) for k, d, i, rr in runs_all]
        if a[0] == "pareto":
            limits = "--no-limits" not in a
            n = check_pareto(chk, name, rows, specs, opt.get("metric", "throughput"),
                             opt.get("x", "interactivity"), opt.get("dedup", "dashboard"),
                             opt.get("direction"),
                             float(opt.get("max-cost", 5)) if limits else math.inf,
                             float(opt.get("max-ttft", 60)) if limits else math.inf, got)
            what = f"{n} series"
        elif a[0] in ("at", "trend"):
            mode = "interactivity" if "interactivity" in opt else "throughput"
            target = float(opt[mode])
            metric = opt.get("metric", "throughput" if mode == "interactivity" else "interactivity")
            if a[0] == "at":
                n = compare_answers(chk, answers(rows, specs, mode, target, metric), got, name,
                                    metric)
            else:
                n = 0
                days = {}
                for run in runs:
                    if run[1] is not None:
                        days.setdefault(run[1], []).append(run)
                by_day = {}
                for r in got:
                    by_day.setdefault(r["date"], []).append(r)
                for day, day_runs in sorted(days.items()):
                    want = answers(newest(day_runs), specs, mode, target, metric)
                    if want or day in by_day:
                        n += compare_answers(chk, want, by_day.pop(day, []), f"{name} {day}",
                                             metric)
                for day in by_day:
                    chk.fail(f"{name}: imx has a day {day} the cache has no dated run of")
            what = f"{n} answers"
        else:
            what = f"{check_derived(chk, rows, specs, got)} rows"
        if chk.errors:
            bad += 1
            for e in chk.errors[:8]:
                print("  " + e, file=sys.stderr)
            print(f"{name}: {len(chk.errors)} differences ({args})", file=sys.stderr)
        else:
            print(f"{name}: identical, {what}")
    return 1 if bad else 0


# ---------------------------------------------------------------- crafted runs

def craft(out):
    """Runs of every schema era (E0 to E15) with the edge cases of the reference: ties in x and
    y, one-point series, zero, negative, huge, NaN and infinite values, missing x or y, GPUs in
    every spelling, unknown GPUs, disaggregated and multinode rows, several runs a day."""
    rnd = random.Random(1207)
    runs = {}

    def run(rid, created):
        runs[rid] = {"created": created, "files": {}}
        return runs[rid]

    def lat(x):
        """latencies consistent enough: interactivity x"""
        return {"median_intvty": x, "median_tpot": 1 / x if x else None,
                "median_e2el": rnd.uniform(1, 200), "p99_ttft": rnd.uniform(0.05, 90),
                "median_ttft": rnd.uniform(0.01, 70), "mean_ttft": rnd.uniform(0.01, 70),
                "p99_intvty": x * 0.8, "std_e2el": rnd.uniform(0, 5),
                "mean_itl": rnd.uniform(0.001, 0.1)}

    def sweep(n, base, ties=True):
        """n (interactivity, throughput) pairs roughly on a curve, with equal xs and ys"""
        pts = []
        for i in range(n):
            x = rnd.choice([rnd.uniform(5, 300), round(rnd.uniform(5, 300))])
            y = base * rnd.uniform(0.2, 1.0) * (300 - x) / 300 + rnd.uniform(0, 50)
            pts.append([x, y])
        if ties and n > 3:
            pts[1][0] = pts[0][0]           # equal x
            pts[3][1] = pts[2][1]           # equal y
        return pts

    # E0/E1 (2025-08/09): per-config files named by experiment, no framework in E0
    r = run(20000000001, "2025-08-26T03:00:00Z")
    for i, (x, y) in enumerate(sweep(6, 3000)):
        row = {"hw": "h100", "tp": 8, "conc": 4 << i, "model": "openai/gpt-oss-120b",
               "tput_per_gpu": y}
        row.update(lat(x))
        r["files"][f"gptoss_1k1k_tp8_conc{4 << i}_h100-cw_0/agg_gptoss_1k1k_tp8_conc{4 << i}"
                   f"_h100-cw_0.json"] = row
    # E2/E4 (2025-09/10): GB200 multinode with mtp on/off and tp = all GPUs; b200-trt with
    # trtllm; output/input throughput from E3/E4
    r = run(20000000002, "2025-10-20T23:59:59Z")
    arr = []
    for mtp in ("on", "off"):
        for i, (x, y) in enumerate(sweep(5, 2500)):
            row = {"hw": "GB200", "tp": 12, "conc": 64 * (i + 1), "model": "deepseek-r1-fp4",
                   "framework": "dynamo-trtllm", "precision": "nvfp4", "mtp": mtp,
                   "tput_per_gpu": y, "output_tput_per_gpu": y / 6, "input_tput_per_gpu": y * 0.8}
            row.update(lat(x))
            arr.append(row)
    for i, (x, y) in enumerate(sweep(7, 9000)):
        row = {"hw": "b200-trt", "tp": 8, "conc": 4 << i, "model": "nvidia/DeepSeek-R1-0528-FP4",
               "framework": "trtllm", "precision": "fp4", "tput_per_gpu": y,
               "output_tput_per_gpu": y / 9, "input_tput_per_gpu": y - y / 9}
        row.update(lat(x))
        arr.append(row)
    r["files"]["results_dsr1_1k8k/agg_dsr1_1k8k.json"] = arr
    # E5 (2025-11-03..05): no input throughput; mxfp4 on mi355x; a second run the same UTC day
    for rid, created, scale in ((20000000003, "2025-11-04T01:00:00Z", 1.0),
                                (20000000004, "2025-11-04T22:00:00+05:00", 1.3)):
        r = run(rid, created)
        arr = []
        for i, (x, y) in enumerate(sweep(6, 4000 * scale)):
            row = {"hw": "mi355x-amd_0", "tp": 8, "ep": 1, "dp_attention": "false",
                   "conc": 4 << i, "model": "amd/DeepSeek-R1-0528-MXFP4-Preview",
                   "framework": "sglang", "precision": "MXFP4", "tput_per_gpu": y,
                   "output_tput_per_gpu": y / 2}
            row.update(lat(x))
            arr.append(row)
        r["files"]["results_dsr1_8k1k/agg_dsr1_8k1k.json"] = arr
    # E7/E8 (2025-11-21): disaggregated GB200 with prefill/decode GPUs, isl/osl in the row
    r = run(20000000005, "2025-11-25T12:00:00Z")
    arr = []
    for i, (x, y) in enumerate(sweep(6, 3500)):
        p, d = 4 + 2 * (i % 2), 8 + 4 * (i % 3)
        row = {"hw": "gb200", "tp": p + d, "ep": 1, "dp_attention": "false", "conc": 128 * (i + 1),
               "model": "deepseek-r1-fp4", "framework": "dynamo-trtllm", "precision": "fp4",
               "isl": 1024, "osl": 1024, "tput_per_gpu": y, "output_tput_per_gpu": y / 3,
               "input_tput_per_gpu": y, "disagg": True, "num_prefill_gpu": p, "num_decode_gpu": d,
               "mtp": "off"}
        row.update(lat(x))
        arr.append(row)
    r["files"]["results_dsr1_1k1k/agg_dsr1_1k1k.json"] = arr
    # E9 .. E15 (2025-12 .. 2026-08): agg_bmk.json with every later field
    eras = [(20000000006, "2025-12-10T10:00:00Z"), (20000000007, "2026-03-25T10:00:00Z"),
            (20000000008, "2026-05-05T10:00:00Z"), (20000000009, "2026-05-28T10:00:00Z"),
            (20000000010, "2026-07-12T10:00:00Z"), (20000000011, "2026-08-15T10:00:00Z"),
            (20000000012, "2026-08-15T18:00:00Z")]
    labels = ["h100", "h200", "b200", "b200-dgxc", "b300", "gb300-nv", "mi300x", "mi325x",
              "mi355x-disagg", "h200-multinode", "rtx6000pro-lat", "b200-dsv4", "H100-CR_1",
              "GB200 NVL72"]
    for e, (rid, created) in enumerate(eras):
        r = run(rid, created)
        arr = []
        for prefix, isl, osl in (("gptoss", 1024, 1024), ("dsr1", 8192, 1024),
                                 ("qwen3.5", 2048, 256)):
            for label in rnd.sample(labels, 6):
                fw = rnd.choice(["vllm", "sglang", "trt", "atom"])
                prec = rnd.choice(["fp4", "fp8", "bf16"])
                spec = rnd.choice(["none", "none", "mtp", "draft_model", ""])
                for i, (x, y) in enumerate(sweep(rnd.choice([1, 2, 5, 8]), 12000)):
                    row = {"hw": label, "conc": 4 << i, "model": "m", "infmax_model_prefix": prefix,
                           "framework": fw, "precision": prec, "spec_decoding": spec,
                           "disagg": False, "isl": isl, "osl": osl, "is_multinode": False,
                           "tp": rnd.choice([1, 2, 4, 8]), "ep": 1, "dp_attention": "false",
                           "tput_per_gpu": y, "output_tput_per_gpu": y * rnd.uniform(0.1, 0.6),
                           "input_tput_per_gpu": y * rnd.uniform(0.3, 0.9)}
                    row.update(lat(x))
                    if e >= 4:      # E13: pp, dcp, pcp
                        row.update({"pp": rnd.choice([1, 2]), "dcp_size": 1, "pcp_size": 1})
                    if e >= 3:      # E12: measured power
                        row.update({"avg_power_w": rnd.uniform(500, 1200),
                                    "joules_per_total_token": rnd.uniform(0.1, 3),
                                    "power_valid": 1, "power_metric_schema_version": 2})
                    if e >= 5:
                        row["recipe_fingerprint"] = "ab12"
                    arr.append(row)
            # multinode: disaggregated and (E11) aggregated with decode_gpus = 0
            for i, (x, y) in enumerate(sweep(6, 5000)):
                agg = e >= 2 and i % 2 == 1
                p, d = 8, 0 if agg else 16
                row = {"hw": rnd.choice(["gb200", "gb300", "mi355x-amd_0"]), "conc": 64 << i,
                       "model": "m", "infmax_model_prefix": prefix,
                       "framework": rnd.choice(["dynamo-sglang", "sglang-disagg", "dynamo-trt"]),
                       "precision": "fp8", "spec_decoding": "mtp", "disagg": not agg,
                       "isl": isl, "osl": osl, "is_multinode": True, "prefill_tp": 4,
                       "prefill_ep": 4, "prefill_dp_attention": "true", "prefill_num_workers": 2,
                       "decode_tp": 0 if agg else 8, "decode_ep": 0 if agg else 8,
                       "decode_dp_attention": "true", "decode_num_workers": 0 if agg else 2,
                       "num_prefill_gpu": p, "num_decode_gpu": d, "tput_per_gpu": y,
                       "output_tput_per_gpu": y / 2, "input_tput_per_gpu": y if not agg else 0}
                row.update(lat(x))
                if e >= 4:
                    row.update({"prefill_hw": "gb300", "decode_hw": "gb300"})
                arr.append(row)
        r["files"]["results_bmk/agg_bmk.json"] = arr
    # edge values, one series each (E9 shape)
    edge = run(20000000013, "2026-08-20T10:00:00Z")

    def erow(series, conc, x, y, **kw):
        row = {"hw": "h200", "conc": conc, "model": "m", "infmax_model_prefix": "gptoss",
               "framework": series, "precision": "fp8", "spec_decoding": "none", "disagg": False,
               "isl": 1024, "osl": 8192, "is_multinode": False, "tp": 8, "ep": 1,
               "dp_attention": "false", "median_e2el": 10.0 + conc, "p99_ttft": 0.5 * conc,
               "median_ttft": 0.2 * conc}
        if x is not None:
            row["median_intvty"] = x
        if y is not None:
            row["tput_per_gpu"] = y
            row["output_tput_per_gpu"] = y / 4
            row["input_tput_per_gpu"] = y / 2
        row.update(kw)
        return row
    arr = [
        erow("onept", 4, 50.0, 1000.0),
        erow("flat", 4, 10.0, 500.0), erow("flat", 8, 20.0, 500.0), erow("flat", 16, 30.0, 400.0),
        erow("flat", 32, 40.0, 400.0),
        erow("eqx", 4, 10.0, 500.0), erow("eqx", 8, 10.0, 700.0), erow("eqx", 16, 30.0, 700.0),
        erow("eqx", 32, 30.0, 100.0), erow("eqx", 64, 60.0, 50.0),
        erow("zero", 4, 0.0, 900.0), erow("zero", 8, 40.0, 0.0), erow("zero", 16, 20.0, 300.0),
        erow("zero", 32, 30.0, 200.0, input_tput_per_gpu=0, output_tput_per_gpu=0),
        erow("neg", 4, -5.0, 800.0), erow("neg", 8, 30.0, -10.0), erow("neg", 16, 15.0, 600.0),
        erow("huge", 4, 1e-300, 1e300), erow("huge", 8, 1e300, 1e-300),
        erow("huge", 16, 100.0, 5e-324), erow("huge", 32, 200.0, 1.7e308),
        erow("nan", 4, float("nan"), 100.0), erow("nan", 8, 20.0, float("inf")),
        erow("nan", 16, 30.0, float("-inf")), erow("nan", 32, 40.0, 300.0),
        erow("nan", 64, 50.0, 200.0),
        erow("missing", 4, None, 100.0), erow("missing", 8, 20.0, None),
        erow("missing", 16, 30.0, 300.0), erow("missing", 32, 35.0, 250.0,
                                                 output_tput_per_gpu=None),
        erow("overshoot", 4, 10.0, 1000.0), erow("overshoot", 8, 11.0, 999.0),
        erow("overshoot", 16, 100.0, 1.0),
        erow("cheap", 4, 5.0, 100000.0), erow("cheap", 8, 500.0, 20.0),
        erow("cheap", 16, 250.0, 60.0),
        erow("ends", 4, 10.0, 900.0), erow("ends", 8, 30.0, 500.0), erow("ends", 16, 50.0, 100.0),
    ]
    edge["files"]["results_bmk/agg_bmk.json"] = arr
    # an undated run (no run.json): older than every dated run, left out of the trend
    r = run(19999999999, None)
    r["files"]["results_bmk/agg_bmk.json"] = [erow("undated", 4 << i, x, y)
                                              for i, (x, y) in enumerate(sweep(4, 800))]
    for rid, r in runs.items():
        d = os.path.join(out, f"run_{rid}")
        os.makedirs(d, exist_ok=True)
        if r["created"]:
            json.dump({"id": rid, "created_at": r["created"], "event": "push",
                       "head_branch": "main", "conclusion": "success"},
                      open(os.path.join(d, "run.json"), "w"))
        for rel, data in r["files"].items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w") as f:
                json.dump(data, f, indent=1)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "plan":
        for name, args in plan("--light" in sys.argv):
            print(f"{name}\t{args}")
    elif cmd == "check":
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None))
    elif cmd == "specs":
        with open(sys.argv[2], "w") as f:
            f.write(SPECS_FILE)
    elif cmd == "craft":
        craft(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
