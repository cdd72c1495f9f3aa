#!/usr/bin/env python3
# mkapifixture.py: builds the data directory that tests/fake/fakeapi.py serves, either from
# the real InferenceX API captures (samples-api/) or as a synthetic history for benchmarks.
"""Usage:
  mkapifixture.py OUT_DIR [--samples DIR] [--raw DIR] [--runs ID,ID] [--earlier-attempt ID]
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
"""
import argparse
import datetime
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


def build_synthetic(args):
    template = load(os.path.join(args.samples, "full", "benchmarks.json"))
    by_run = {}
    for row in template:
        rid, _ = run_of(row)
        if rid:
            by_run.setdefault(rid, []).append(row)
    tpl = [v for _, v in sorted(by_run.items()) if len(v) >= 4]
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
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--runs-count", type=int, default=60)
    p.add_argument("--models", type=int, default=2)
    p.add_argument("--end", default="2026-06-10")
    args = p.parse_args()
    if args.synthetic:
        rows, runs, changelogs = build_synthetic(args)
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
