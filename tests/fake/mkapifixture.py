#!/usr/bin/env python3
# mkapifixture.py: builds the data directory that tests/fake/fakeapi.py serves: from the real
# InferenceX API captures (samples-api/), or from rows written here in the API's shape (a small
# history of every era, or a synthetic one of any size), which need nothing outside tests/.
"""Usage:
  mkapifixture.py OUT_DIR [--samples DIR] [--raw DIR] [--runs ID,ID] [--earlier-attempt ID]
  mkapifixture.py OUT_DIR --builtin [--runs ID,ID] [--earlier-attempt ID]
  mkapifixture.py OUT_DIR --synthetic [--days N] [--runs-count N] [--models N] [--end DATE]

OUT_DIR receives:
  rows.json       [{"github_run_id": str, "run_attempt": int, "row": BenchmarkRow}, ...]
  runs.json       [{"github_run_id", "run_attempt", "name", "conclusion", "html_url",
                    "created_at", "run_started_at", "head_sha", "synthetic"?}, ...]
                  one entry per attempt of a run
  changelogs.json workflow-info changelogs (real ones where the capture has them)
  models.json     {display name: [DB keys]}
  evaluations.json, reliability.json, submissions.json (small real excerpts)

Real mode: every benchmark row of the captures (benchmarks.json, benchmarks-history.json and the
small samples), one per (run, attempt, configuration, conc, isl, osl), keeping the richest
copy (history rows lack mean_*/std_*). Run ids and attempts come from each row's run_url. The
creation time of a run comes from the shared real cache (runs.json of inferencemax-raw) or the
captured workflow-info; otherwise it is synthesized on the row's date (marked "synthetic").
--earlier-attempt RUN adds a synthetic attempt N-1 of RUN holding the first half of its rows,
so that a test can serve the earlier attempt first (fakeapi.py --cap-attempt) and then the
later one.

Built-in mode (--builtin): ten runs from 2025-10 to 2026-09, written from the field dictionaries
of the API (inferencex-history-sources.md, sections 1.4 to 2.1), not copied from captures: the
2025 metric set with image null; single-node rows with the app's num_*_gpu = tp*ep; disaggregated
GB200 rows on one node before the 2025-12-05 schema change (is_multinode false); multinode
disaggregated rows; MTP; p90/p99.9 metrics from 2026-03-24; workers[] and power metrics from
2026-05-28; the September 2026 shape (id, benchmark_type, offload_mode, recipe_fingerprint,
curve_*, power schema 2, string metrics); a run with four attempts; a run of two models; a
workflow-info changelog. BUILTIN_FACTS below names what the tests rely on.

Synthetic mode (--synthetic): RUNS runs over DAYS days whose rows repeat BUILTIN row groups.
"""
import argparse
import datetime
import hashlib
import json
import os
import sys
import zlib

MODELS = {
    "DeepSeek-R1-0528": ["dsr1"],
    "gpt-oss-120b": ["gptoss120b"],
    "Llama-3.3-70B-Instruct-FP8": ["llama70b"],
    "Qwen-3.5-397B-A17B": ["qwen3.5"],
    "Kimi-K2.5": ["kimik2.5", "kimik2.6", "kimik2.7-code"],
    "Kimi-K3": ["kimik3"],
    "MiniMax-M2.5": ["minimaxm2.5", "minimaxm2.7"],
    "MiniMax-M3": ["minimaxm3"],
    "GLM-5": ["glm5", "glm5.1"],
    "GLM-5.2": ["glm5.2"],
    "DeepSeek-V4-Pro": ["dsv4"],
}

CONFIG_FIELDS = ("model", "hardware", "framework", "precision", "spec_method", "disagg",
                 "is_multinode", "prefill_tp", "prefill_ep", "prefill_dp_attention",
                 "prefill_num_workers", "decode_tp", "decode_ep", "decode_dp_attention",
                 "decode_num_workers", "num_prefill_gpu", "num_decode_gpu")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def dump(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def run_of(row):
    url = row.get("run_url") or ""
    if "/runs/" not in url:
        return None, None
    tail = url.split("/runs/", 1)[1].split("/")
    attempt = int(tail[2]) if len(tail) >= 3 and tail[1] == "attempts" else 1
    return tail[0], attempt


def point_key(row):
    return tuple(row.get(k) for k in CONFIG_FIELDS) + (
        row.get("benchmark_type"), row.get("isl"), row.get("osl"), row.get("conc"),
        row.get("offload_mode"))


def synth_time(date, run_id, salt=0):
    # deterministic time of day, so that fixtures are reproducible
    h = zlib.crc32(("%s/%d" % (run_id, salt)).encode()) % 86400
    return "%sT%02d:%02d:%02dZ" % (date, h // 3600, h // 60 % 60, h % 60)


def later(stamp, hours):
    t = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(hours=hours)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def base_url(row):
    return row["run_url"].split("/attempts/")[0]


def build_real(args):
    s = args.samples
    sources = [
        os.path.join(s, "full", "benchmarks.json"),
        os.path.join(s, "api_benchmarks_DeepSeek-R1-0528_rows_2026-06-14.json"),
        os.path.join(s, "api_benchmarks_DeepSeek-V4-Pro_row_2026-09-04.json"),
        os.path.join(s, "full", "benchmarks-history.json"),
        os.path.join(s, "api_benchmarks-history_DeepSeek-R1-0528_1024_1024_rows.json"),
    ]
    keep = set(args.runs.split(",")) if args.runs else None
    best = {}
    order = []
    for path in sources:
        for row in load(path):
            rid, att = run_of(row)
            if rid is None or (keep is not None and rid not in keep):
                continue
            k = (rid, att) + point_key(row)
            old = best.get(k)
            if old is None:
                order.append(k)
                best[k] = row
            elif len(row.get("metrics") or {}) > len(old.get("metrics") or {}):
                best[k] = row
    known = {}
    raw_runs = os.path.join(args.raw, "runs.json") if args.raw else None
    if raw_runs and os.path.exists(raw_runs):
        for r in load(raw_runs):
            known[str(r["id"])] = r["created_at"]
    wi = load(os.path.join(s, "api_workflow-info_date=2026-06-14.json"))
    names = {}
    for r in wi["runs"]:
        known[r["github_run_id"]] = r["created_at"]
        names[r["github_run_id"]] = r["name"]
    rows, runs = [], {}
    for k in order:
        row = best[k]
        rid, att = k[0], k[1]
        rows.append({"github_run_id": rid, "run_attempt": att, "row": row})
        run = runs.get((rid, att))
        if run is None:
            created = known.get(rid)
            synthetic = created is None or created[:10] != row["date"]
            if synthetic:
                created = synth_time(row["date"], rid)
            runs[(rid, att)] = {
                "github_run_id": rid, "run_attempt": att,
                "name": names.get(rid, "Run Sweep"), "conclusion": "success",
                "html_url": base_url(row), "created_at": created,
                "run_started_at": later(created, att - 1),
                "head_sha": "%040x" % zlib.crc32(rid.encode()),
            }
            if synthetic:
                runs[(rid, att)]["synthetic"] = True
    # runs of the captured workflow-info without rows in the captures (their rows were not sampled)
    for r in wi["runs"]:
        if keep is not None and r["github_run_id"] not in keep:
            continue
        if not any(k[0] == r["github_run_id"] for k in runs):
            runs[(r["github_run_id"], r["run_attempt"])] = {
                "github_run_id": r["github_run_id"], "run_attempt": r["run_attempt"],
                "name": r["name"], "conclusion": r["conclusion"], "html_url": r["html_url"],
                "created_at": r["created_at"], "run_started_at": r["created_at"],
                "head_sha": "%040x" % zlib.crc32(r["github_run_id"].encode()),
            }
    for rid in (args.earlier_attempt or []):
        atts = sorted(a for (r, a) in runs if r == rid)
        if not atts or atts[0] < 2:
            sys.exit("mkapifixture: --earlier-attempt %s: no attempt above 1 in the captures" % rid)
        top = atts[-1]
        mine = [e for e in rows if e["github_run_id"] == rid and e["run_attempt"] == top]
        for e in mine[:(len(mine) + 1) // 2]:
            row = dict(e["row"])
            row["run_url"] = "%s/attempts/%d" % (base_url(row), top - 1)
            rows.append({"github_run_id": rid, "run_attempt": top - 1, "row": row})
        prev = dict(runs[(rid, top)])
        prev["run_attempt"] = top - 1
        prev["run_started_at"] = prev["created_at"]
        prev["synthetic"] = True
        runs[(rid, top - 1)] = prev
    return rows, list(runs.values()), wi["changelogs"]


# --- rows written here in the API's shape ------------------------------------------------

REPO_RUNS = "https://github.com/SemiAnalysisAI/InferenceX/actions/runs/"
OLD_METRICS = [m + "_" + q for q in ("ttft", "tpot", "itl", "e2el", "intvty")
               for m in ("mean", "median", "std", "p99")]
NEW_METRICS = OLD_METRICS + [m + "_" + q for q in ("ttft", "tpot", "itl", "e2el", "intvty")
                             for m in ("p90", "p99.9")]


def unit(*salt):
    """A number in [0, 1) fixed by salt, with all of a double's digits (as real metrics have)."""
    text = "/".join(str(x) for x in salt).encode()
    return ((zlib.crc32(text) << 21) ^ zlib.crc32(text[::-1])) / float(1 << 53)


def metrics_of(cfg, isl, osl, conc, era, salt):
    """The metrics object of one point: seconds for latencies, tokens/s per GPU for throughputs,
    interactivity as 1/tpot; keys in the jsonb order the API sends (by length, then bytes)."""
    gpus = cfg["gpus"]
    tpot = 0.004 + 0.03 * unit(salt, "tpot") + conc / 40000.0
    ttft = 0.05 + isl / 20000.0 * (1 + unit(salt, "ttft")) + conc / 500.0
    itl = tpot * (0.97 + 0.05 * unit(salt, "itl"))
    e2el = ttft + tpot * osl
    out = conc / e2el * osl / gpus
    base = {"ttft": ttft, "tpot": tpot, "itl": itl, "e2el": e2el, "intvty": 1.0 / tpot}
    m = {"tput_per_gpu": out * (isl + osl) / osl, "output_tput_per_gpu": out,
         "input_tput_per_gpu": out * isl / osl}
    for key in (OLD_METRICS if era < 2 else NEW_METRICS):
        stat, q = key.rsplit("_", 1)
        spread = {"mean": 1.0, "median": 0.98, "std": 0.1, "p90": 1.2, "p99": 1.5,
                  "p99.9": 1.7}[stat]
        if q == "intvty" and stat != "std":  # the slow tail has the low interactivity
            spread = 1.0 / spread
        m[key] = base[q] * spread * (1 + 0.02 * unit(salt, key))
    if era < 1:  # the 2025 rows had no input throughput
        del m["input_tput_per_gpu"]
    if era >= 3:  # power measured from 2026-05-28
        m["avg_power_w"] = round(600 + 400 * unit(salt, "power"), 3)
        m["joules_per_total_token"] = round(m["avg_power_w"] / m["tput_per_gpu"], 6)
        m["joules_per_output_token"] = round(m["avg_power_w"] / out, 6)
    if era >= 4:  # the September 2026 shape
        m.update({"pp": 1, "dcp_size": 1, "pcp_size": 1, "power_valid": 1,
                  "power_metric_schema_version": 2,
                  "kv_cache_pool_tokens": 100000 + int(300000 * unit(salt, "kv")),
                  "router_name": "none"})
    return dict(sorted(m.items(), key=lambda kv: (len(kv[0]), kv[0])))


def config(hw, fw, prec, tp, ep=1, dpa=False, spec="none", image=None, multi=None):
    """A configuration: single node (tp, ep), or multi = (prefill tp, ep, dp attention, workers,
    decode tp, ep, dp attention, workers) for a disaggregated multinode one."""
    c = {"hardware": hw, "framework": fw, "precision": prec, "spec_method": spec, "image": image}
    if multi is None:
        c.update({"disagg": fw.startswith(("dynamo-", "mori-")), "is_multinode": False,
                  "prefill_tp": tp, "prefill_ep": ep, "prefill_dp_attention": dpa,
                  "prefill_num_workers": 0, "decode_tp": tp, "decode_ep": ep,
                  "decode_dp_attention": dpa, "decode_num_workers": 0,
                  "num_prefill_gpu": tp * ep, "num_decode_gpu": tp * ep})
        c["gpus"] = tp
    else:
        ptp, pep, pdpa, pw, dtp, dep, ddpa, dw = multi
        c.update({"disagg": True, "is_multinode": True, "prefill_tp": ptp, "prefill_ep": pep,
                  "prefill_dp_attention": pdpa, "prefill_num_workers": pw, "decode_tp": dtp,
                  "decode_ep": dep, "decode_dp_attention": ddpa, "decode_num_workers": dw,
                  "num_prefill_gpu": ptp * pw, "num_decode_gpu": dtp * dw})
        c["gpus"] = ptp * pw + dtp * dw
    return c


def era_of(date):
    return (0 if date < "2025-11-01" else 1 if date < "2026-03-24" else
            2 if date < "2026-05-28" else 3 if date < "2026-09-01" else 4)


def point(cfg, model, isl, osl, conc, date, rid, attempt, serial):
    """One BenchmarkRow of the era of date, fields in the API's order."""
    era = era_of(date)
    salt = (rid, model, cfg["hardware"], cfg["framework"], cfg["prefill_tp"], isl, osl, conc)
    row = {"id": str(400000 + serial)} if era >= 4 else {}
    row.update({"hardware": cfg["hardware"], "framework": cfg["framework"], "model": model})
    for k in CONFIG_FIELDS[3:]:
        row[k] = cfg[k]
    if era >= 4:
        row["benchmark_type"] = "single_turn"
        row["offload_mode"] = "off"
    row.update({"isl": isl, "osl": osl, "conc": conc, "image": cfg["image"]})
    if era >= 4:
        row["recipe_fingerprint"] = hashlib.sha256(repr(salt[2:5]).encode()).hexdigest()
    row["metrics"] = metrics_of(cfg, isl, osl, conc, era, salt)
    row["workers"] = None
    if era >= 3 and cfg["disagg"] and cfg["is_multinode"]:
        row["workers"] = [
            {"role": role, "hosts": ["node-%s-%d" % (role, i)], "num_gpus": cfg[role + "_tp"],
             "worker_idx": i, "avg_power_w": round(700 + 300 * unit(salt, role, i), 3)}
            for role in ("prefill", "decode") for i in range(cfg[role + "_num_workers"])]
    row["date"] = date
    row["run_url"] = "%s%s/attempts/%d" % (REPO_RUNS, rid, attempt)
    if era >= 4:
        row.update({"curve_date": date, "curve_workflow_run_id": str(2000 + serial % 97),
                    "curve_run_started_at": date + " 22:38:12+00",
                    "power_audit": {"schema": 2, "checked": True}})
    return row


SGL_MI355 = config("mi355x", "sglang", "fp8", 8, image=None)
VLLM_H100 = config("h100", "vllm", "fp8", 4)
GB200_1NODE = config("gb200", "dynamo-trt", "fp4", 4, image=None)  # disagg on one node
GB200_1NODE_SGL = config("gb200", "dynamo-sglang", "fp8", 8, image=None)
GB200_MULTI = config("gb200", "dynamo-trt", "fp4", 0,
                     image="nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime:0.8.1",
                     multi=(4, 4, True, 1, 8, 8, False, 4))
TRT_B200 = config("b200", "trt", "fp4", 8, 8, dpa=True, spec="mtp",
                  image="nvcr.io/nvidia/tensorrt-llm/release:1.2.0rc6")
ATOM_MI355 = config("mi355x", "atom", "fp4", 8, image="rocm/atom:rocm7.1.1-atom0.1.1")
SGL_H200 = config("h200", "sglang", "fp8", 8, image="lmsysorg/sglang:v0.5.9-cu129")
MORI_MI355 = config("mi355x", "mori-sglang", "fp8", 0, image="rocm/sgl-dev:mori-0.3",
                    multi=(8, 1, False, 1, 8, 8, True, 2))
VLLM_B200 = config("b200", "vllm", "fp4", 8, 8, dpa=True,
                   image="vllm/vllm-openai:nightly-7c5dc571cbd1")
GB300_MTP = config("gb300", "dynamo-trt", "fp4", 0, spec="mtp",
                   image="nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime:0.9.0",
                   multi=(4, 4, True, 2, 16, 16, True, 1))

# (run id, created_at, top attempt, [(model, [(config, isl, osl, [conc...]), ...]), ...])
BUILTIN = [
    ("18510000101", "2025-10-06T11:21:40Z", 1, [
        ("gptoss120b", [(VLLM_H100, 1024, 8192, [4, 16, 64])]),
        ("dsr1", [(SGL_MI355, 1024, 1024, [4, 8, 32, 64])])]),
    ("19420000202", "2025-11-20T08:02:11Z", 1, [
        ("dsr1", [(GB200_1NODE, 1024, 1024, [4, 16, 64, 128]),
                  (GB200_1NODE_SGL, 8192, 1024, [8, 32])])]),
    ("20050000303", "2025-12-10T19:45:03Z", 2, [
        ("dsr1", [(GB200_MULTI, 1024, 1024, [24, 96, 384]), (TRT_B200, 8192, 1024, [4, 32])])]),
    ("20720000404", "2026-01-05T03:00:05Z", 4, [
        ("dsr1", [(SGL_MI355, 1024, 1024, [4, 8, 16, 32, 64]),
                  (ATOM_MI355, 8192, 1024, [4, 8, 16, 32, 64, 128])])]),
    ("21010000505", "2026-01-14T16:12:40Z", 1, [
        ("dsr1", [(TRT_B200, 1024, 1024, [4, 16, 64])])]),
    ("23430000606", "2026-03-23T21:09:57Z", 1, [
        ("llama70b", [(SGL_H200, 1024, 1024, [4, 16, 64])])]),
    ("24600000707", "2026-04-18T05:51:30Z", 1, [
        ("gptoss120b", [(VLLM_B200, 1024, 8192, [4, 16, 64, 256])])]),
    ("26200000808", "2026-05-28T12:00:21Z", 1, [
        ("dsr1", [(MORI_MI355, 1024, 1024, [64, 256]), (GB300_MTP, 8192, 1024, [32, 128])])]),
    ("27480000909", "2026-06-14T04:08:16Z", 1, [
        ("qwen3.5", [(SGL_H200, 1024, 1024, [4, 32])])]),
    ("33550001010", "2026-09-03T21:02:01Z", 1, [
        ("dsv4", [(VLLM_B200, 8192, 1024, [16, 64])])]),
]
# What tests/e2e/api_engine.sh relies on: the run with four attempts, a run of one model with
# one attempt, the rows of the latest attempts
BUILTIN_FACTS = {"attempts_run": "20720000404", "plain_run": "21010000505"}
CHANGELOG = {"workflow_run_id": "27480000909", "date": "2026-06-14",
             "base_ref": "%040x" % 1, "head_ref": "%040x" % 2,
             "config_keys": ["qwen3.5-fp8-h200-sglang"],
             "description": "Qwen 3.5 on H200 with SGLang \u2014 first sweep",
             "pr_link": "https://github.com/SemiAnalysisAI/InferenceX/pull/1"}


def run_entry(rid, created, attempt, synthetic=False):
    entry = {"github_run_id": rid, "run_attempt": attempt, "name": "Run Sweep",
             "conclusion": "success", "html_url": REPO_RUNS + rid, "created_at": created,
             "run_started_at": later(created, attempt - 1),
             "head_sha": "%040x" % zlib.crc32(rid.encode())}
    if synthetic:
        entry["synthetic"] = True
    return entry


def build_builtin(args):
    keep = set(args.runs.split(",")) if args.runs else None
    rows, runs, serial = [], [], 0
    for rid, created, top, models in BUILTIN:
        if keep is not None and rid not in keep:
            continue
        date = created[:10]
        # the attempt before the latest only when asked (--earlier-attempt), as in real mode
        for attempt in (top - 1, top):
            if attempt < top and (attempt < 1 or rid not in (args.earlier_attempt or [])):
                continue
            runs.append(run_entry(rid, created, attempt, synthetic=attempt < top))
            points = [(model, cfg, isl, osl, conc) for model, groups in models
                      for cfg, isl, osl, concs in groups for conc in concs]
            if attempt < top:  # the earlier attempt measured the first half
                points = points[:(len(points) + 1) // 2]
            for model, cfg, isl, osl, conc in points:
                serial += 1
                rows.append({"github_run_id": rid, "run_attempt": attempt,
                             "row": point(cfg, model, isl, osl, conc, date, rid, attempt, serial)})
    return rows, runs, [CHANGELOG]


def builtin_groups():
    """Row groups for synthetic histories: each built-in run's rows for one model, measured at
    a second sequence pair too (as many rows a run as the real captures have)."""
    out = []
    for rid, created, top, models in BUILTIN:
        for model, groups in models:
            out.append([point(cfg, model, i, o, conc, created[:10], rid, top, 0)
                        for cfg, isl, osl, concs in groups
                        for i, o in ((isl, osl), (1024, 1024) if isl != osl else (8192, 1024))
                        for conc in concs])
    return out


def build_synthetic(args):
    tpl = builtin_groups()
    keys = [("DeepSeek-R1-0528", "dsr1"), ("gpt-oss-120b", "gptoss120b"),
            ("Llama-3.3-70B-Instruct-FP8", "llama70b"), ("Qwen-3.5-397B-A17B", "qwen3.5")]
    keys = keys[:max(1, min(args.models, len(keys)))]
    end = datetime.date.fromisoformat(args.end)
    rows, runs = [], []
    for i in range(args.runs_count):
        date = (end - datetime.timedelta(days=(args.runs_count - 1 - i) * args.days
                                         // args.runs_count)).isoformat()
        rid = str(30000000000 + i * 1000)
        created = synth_time(date, rid)
        url = "https://github.com/SemiAnalysisAI/InferenceX/actions/runs/" + rid
        runs.append({"github_run_id": rid, "run_attempt": 1, "name": "Run Sweep",
                     "conclusion": "success", "html_url": url, "created_at": created,
                     "run_started_at": created, "head_sha": "%040x" % i, "synthetic": True})
        models = [keys[i % len(keys)]] + ([keys[(i + 1) % len(keys)]]
                                          if i % 3 == 0 and len(keys) > 1 else [])
        for _, key in models:
            for row in tpl[i % len(tpl)]:
                r = dict(row)
                r["model"] = key
                r["date"] = date
                r["run_url"] = url + "/attempts/1"
                rows.append({"github_run_id": rid, "run_attempt": 1, "row": r})
    return rows, runs, []


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    # the shared reference material: $IMX_SHARED as the tests export it, else ../shared
    shared = os.environ.get("IMX_SHARED") or os.path.join(here, "..", "..", "..", "shared")
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out")
    p.add_argument("--samples", default=os.path.join(shared, "reference", "samples-api"))
    p.add_argument("--raw", default=os.path.join(shared, "data", "inferencemax-raw"))
    p.add_argument("--runs", help="only these run ids (comma-separated)")
    p.add_argument("--earlier-attempt", action="append", metavar="RUN")
    p.add_argument("--synthetic", action="store_true")
    p.add_argument("--builtin", action="store_true")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--runs-count", type=int, default=60)
    p.add_argument("--models", type=int, default=2)
    p.add_argument("--end", default="2026-06-10")
    args = p.parse_args()
    if args.synthetic:
        rows, runs, changelogs = build_synthetic(args)
    elif args.builtin:
        rows, runs, changelogs = build_builtin(args)
    else:
        rows, runs, changelogs = build_real(args)
    os.makedirs(args.out, exist_ok=True)
    runs.sort(key=lambda r: (r["created_at"], r["github_run_id"], r["run_attempt"]))
    dump(os.path.join(args.out, "rows.json"), rows)
    dump(os.path.join(args.out, "runs.json"), runs)
    dump(os.path.join(args.out, "changelogs.json"), changelogs)
    dump(os.path.join(args.out, "models.json"), MODELS)
    for name in ("evaluations", "reliability", "submissions"):
        src = os.path.join(args.samples, "api_%s_rows.json" % name)
        if name == "submissions":
            src = os.path.join(args.samples, "api_submissions_excerpt.json")
        if os.path.exists(src):
            dump(os.path.join(args.out, name + ".json"), load(src))
    print("%d rows, %d run attempts" % (len(rows), len(runs)), file=sys.stderr)


if __name__ == "__main__":
    main()
