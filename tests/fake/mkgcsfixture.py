#!/usr/bin/env python3
# mkgcsfixture.py: builds the objects fakegcs.py serves: a bucket laid out like the InferenceX
# artifact backup (<date>/<Title>_<run id>/artifacts/<name>_<id>.zip), from generated runs and the real cache.
"""Usage:
  mkgcsfixture.py --out DIR [--bucket NAME] [--synthetic] [--real RAWDIR] [--bench RUNS:DATES]

Writes DIR/<bucket>/<object name> files and DIR/expect.json, which says for every run what a
client should find: {"runs": [{"id", "date", "folder", "workflow", "chosen": {name: id},
"rows", "metadata"}], "unparsable": N}.

--synthetic  runs of every era on several dates: 2025 scheduler runs with per-configuration
             artifacts (<exp>_<prec>_<fw>_tp<N>..._<runner>, agg_<name>.json objects without
             isl/osl) and results_<exp> arrays, a scheduler run with only results_<exp>,
             run-sweep runs with results_bmk (one re-run: two results_bmk, the higher id
             holds the right rows), one with only bmk_* artifacts, an End-to-End run (another
             workflow), a run without artifacts_metadata.json, a run folder whose title keeps
             spaces and a '+', logs/run-stats/changelog artifacts, and names that do not parse.
--real       the real cache (run_<ID>/agg_bmk.json + run.json) as results_bmk zips of
             "Run_Sweep_-_main" folders dated by each run's created_at.
--runs       with --real: only these run ids (comma-separated).
--ids-from   with --real: a fakegh fixture (mkfixture.py); runs it holds keep its results_bmk
             artifact id, as the real backup keeps GitHub's ids.
--bench      RUNS run-sweep runs spread over DATES date folders (for the speed benchmark).
--hostile-names  run 20780000111 (2026-01-08) also uploads artifacts named run.json,
             imx-manifest.json, .superseded and .hidden (a client must not make them folders).
"""
import argparse
import calendar
import json
import os
import sys
import time
import zipfile

ZIP_TIME = (2025, 1, 1, 0, 0, 0)


class Bucket:
    def __init__(self, root):
        self.root = root
        self.next_aid = 5000000000
        self.expect = {"runs": [], "unparsable": 0}

    def aid(self):
        self.next_aid += 7
        return self.next_aid

    def put(self, name, data, date):
        path = os.path.join(self.root, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        t = calendar.timegm(time.strptime(date + " 06:00:00", "%Y-%m-%d %H:%M:%S"))
        os.utime(path, (t, t))

    def put_zip(self, name, files, date):
        path = os.path.join(self.root, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for fn, data in files.items():
                zi = zipfile.ZipInfo(fn, ZIP_TIME)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = 0o644 << 16
                z.writestr(zi, data)
        t = calendar.timegm(time.strptime(date + " 06:00:00", "%Y-%m-%d %H:%M:%S"))
        os.utime(path, (t, t))


class Run:
    """One run folder: artifacts are added, then written with the run's metadata."""

    def __init__(self, bucket, date, folder, run_id, workflow, created_at=None, branch="main",
                 metadata=True):
        self.b, self.date, self.folder, self.id = bucket, date, folder, run_id
        self.workflow = workflow
        self.created_at = created_at or date + "T10:00:00Z"
        self.branch = branch
        self.metadata = metadata
        self.artifacts = []  # (name, id, files)
        self.chosen = {}
        self.rows = 0

    @property
    def base(self):
        return "%s/%s_%d/artifacts/" % (self.date, self.folder, self.id)

    def add(self, name, files, chosen=False, rows=0):
        aid = self.b.aid()
        self.artifacts.append((name, aid, files))
        if chosen:
            self.chosen[name] = aid
            self.rows += rows
        return aid

    def write(self):
        meta = []
        for name, aid, files in self.artifacts:
            self.b.put_zip("%s%s_%d.zip" % (self.base, name, aid), files, self.date)
            meta.append({
                "id": aid, "node_id": "MDg6QXJ0aWZhY3Q%d" % aid, "name": name,
                "size_in_bytes": sum(len(v) for v in files.values()),
                "url": "https://api.github.com/repos/SemiAnalysisAI/InferenceX/actions/"
                       "artifacts/%d" % aid,
                "archive_download_url": "https://api.github.com/repos/SemiAnalysisAI/InferenceX/"
                                        "actions/artifacts/%d/zip" % aid,
                "expired": False, "digest": None,
                "created_at": self.created_at, "updated_at": self.created_at,
                "expires_at": None,
                "workflow_run": {"id": self.id, "repository_id": 1000000000,
                                 "head_repository_id": 1000000000,
                                 "head_branch": self.branch,
                                 "head_sha": "%040x" % self.id},
            })
        if self.metadata:
            self.b.put(self.base + "artifacts_metadata.json",
                       json.dumps(meta, indent=2).encode(), self.date)
        self.b.expect["runs"].append({
            "id": self.id, "date": self.date, "folder": self.folder, "workflow": self.workflow,
            "chosen": self.chosen, "rows": self.rows, "metadata": self.metadata,
            "created_at": self.created_at if self.metadata else None})


def metrics(seed):
    """Latency/throughput fields in process_result.py's order, values from a seed."""
    s = 1.0 + (seed % 97) / 100.0
    out = {"tput_per_gpu": round(4000.0 * s, 6) + 0.123456789,
           "output_tput_per_gpu": round(900.0 * s, 6) + 0.5,
           "input_tput_per_gpu": round(3100.0 * s, 6) + 0.25}
    for stat, k in (("mean", 1.0), ("median", 0.9), ("std", 0.3), ("p99", 2.5)):
        out["%s_ttft" % stat] = round(0.2 * k * s, 9)
        tpot = round(0.015 * k * s, 9)
        out["%s_tpot" % stat] = tpot
        out["%s_intvty" % stat] = 1.0 / tpot
        out["%s_itl" % stat] = round(0.016 * k * s, 9)
        out["%s_e2el" % stat] = round(15.0 * k * s, 9)
    return out


def row_bmk(prefix, model, hw, fw, prec, isl, osl, tp, conc, seed):
    r = {"hw": hw, "conc": conc, "image": "vllm/vllm-openai:v0.11.2", "model": model,
         "infmax_model_prefix": prefix, "framework": fw, "precision": prec,
         "spec_decoding": "none", "disagg": False, "isl": isl, "osl": osl,
         "is_multinode": False, "tp": tp, "ep": 1, "dp_attention": "false"}
    r.update(metrics(seed))
    return r


def row_oct(model, hw, fw, prec, tp, conc, seed):
    r = {"hw": hw, "tp": tp, "conc": conc, "model": model, "framework": fw, "precision": prec}
    r.update(metrics(seed))
    return r


def seq_name(isl, osl):
    return {(1024, 1024): "1k1k", (1024, 8192): "1k8k", (8192, 1024): "8k1k"}[(isl, osl)]


GPTOSS = ("gptoss", "openai/gpt-oss-120b")
DSR1 = ("dsr1", "deepseek-ai/DeepSeek-R1-0528")


def dumps(obj):
    return (json.dumps(obj, indent=2) + "\n").encode()


def run_sweep(b, date, run_id, seed, configs, folder="Run_Sweep_-_main", aggregate=True,
              percfg=True, extras=True, rerun=False, metadata=True, workflow="run-sweep.yml",
              created_at=None):
    """A run-sweep style run: bmk_* per configuration and the results_bmk aggregate."""
    r = Run(b, date, folder, run_id, workflow, created_at=created_at, metadata=metadata)
    rows = []
    for i, (pfx, model, hw, fw, prec, isl, osl, tp, conc) in enumerate(configs):
        row = row_bmk(pfx, model, hw, fw, prec, isl, osl, tp, conc, seed + i)
        rows.append(row)
        name = "bmk_%s_%s_%s_%s_tp%d_ep1_dpa_false_conc%d_%s-nb_0" % (
            pfx, seq_name(isl, osl), prec, fw, tp, conc, hw)
        if percfg:
            r.add(name, {"agg_%s.json" % name[4:]: dumps(row)}, chosen=not aggregate, rows=1)
        if extras:
            r.add("server_logs_" + name[4:], {"server.log": b"INFO: started\n"})
    if aggregate:
        if rerun:
            # the first attempt's aggregate: superseded by the re-run's (higher id)
            stale = [dict(x, tput_per_gpu=1.5) for x in rows[:1]]
            r.add("results_bmk", {"agg_bmk.json": dumps(stale)})
        r.add("results_bmk", {"agg_bmk.json": dumps(rows)}, chosen=True, rows=len(rows))
        if rerun:
            r.chosen["results_bmk"] = r.artifacts[-1][1]
    if extras:
        r.add("run-stats", {"run_stats.json": dumps({"h100": {"n_success": 3, "total": 3}})})
        r.add("changelog-metadata", {"changelog_metadata.json": dumps(
            {"base_ref": "a" * 40, "head_ref": "b" * 40, "entries": []})})
    r.write()
    return r


def scheduler(b, date, seq, run_id, seed, configs, percfg=True, folder=None):
    """A 2025 scheduler run: unprefixed per-configuration artifacts and results_<exp>."""
    isl, osl = {"1k1k": (1024, 1024), "1k8k": (1024, 8192), "8k1k": (8192, 1024)}[seq]
    wf = "full-sweep-%s-scheduler.yml" % seq
    r = Run(b, date, folder or "Full_Sweep_Scheduler_-_" + seq, run_id, wf)
    per_exp = {}
    for i, (pfx, model, hw, fw, prec, tp, conc) in enumerate(configs):
        row = row_oct(model, hw, fw, prec, tp, conc, seed + i)
        exp = "%s_%s" % (pfx, seq)
        name = "%s_%s_%s_tp%d_conc%d_%s-cw_1" % (exp, prec, fw, tp, conc, hw)
        per_exp.setdefault(exp, []).append(row)
        if percfg:
            r.add(name, {"agg_%s.json" % name: dumps(row)}, chosen=True, rows=1)
    for exp, rows in sorted(per_exp.items()):
        r.add("results_" + exp, {"agg_%s.json" % exp: dumps(rows)}, chosen=not percfg,
              rows=len(rows))
        r.add("graphs_" + exp, {"tput_vs_intvty_%s.png" % exp: b"\x89PNG\r\n"})
    r.add("run-stats", {"run_stats.json": dumps({"h100": {"n_success": 1, "total": 1}})})
    r.write()
    return r


def synthetic(b):
    sched_cfgs = [(GPTOSS[0], GPTOSS[1], "h100", "vllm", "fp4", 8, 4),
                  (GPTOSS[0], GPTOSS[1], "h100", "vllm", "fp4", 8, 64),
                  (DSR1[0], DSR1[1], "mi300x", "sglang", "fp8", 8, 16)]
    scheduler(b, "2025-10-20", "1k1k", 18600000011, 10, sched_cfgs)
    scheduler(b, "2025-10-21", "8k1k", 18620000022, 20, sched_cfgs[:2])
    scheduler(b, "2025-11-25", "1k1k", 19700000033, 30, sched_cfgs, percfg=False)
    bmk_cfgs = [(GPTOSS[0], GPTOSS[1], "h100", "vllm", "fp4", 1024, 1024, 8, 4),
                (GPTOSS[0], GPTOSS[1], "h100", "vllm", "fp4", 1024, 1024, 8, 64),
                (GPTOSS[0], GPTOSS[1], "b200", "trt", "fp4", 8192, 1024, 4, 16),
                (DSR1[0], DSR1[1], "mi355x", "sglang", "fp8", 1024, 1024, 8, 32)]
    run_sweep(b, "2025-12-20", 20400000044, 40, bmk_cfgs)
    run_sweep(b, "2025-12-20", 20400000055, 45, bmk_cfgs[:2], folder="End-to-End_Tests",
              workflow="e2e-tests.yml", extras=False)
    run_sweep(b, "2026-01-05", 20720000066, 50, bmk_cfgs, rerun=True)
    run_sweep(b, "2026-01-05", 20720000077, 60, bmk_cfgs[:3],
              folder="Run_Sweep_-_Add_b200_configs", aggregate=False, extras=False)
    run_sweep(b, "2026-01-06", 20740000088, 70, bmk_cfgs[1:], metadata=False, extras=False)
    run_sweep(b, "2026-01-07", 20760000099, 80, bmk_cfgs[:1], folder="Run_Sweep_-_fix a+b",
              extras=False)
    # Objects that do not follow the layout: skipped and counted, never fatal.
    for name in ("2026-01-05/README.txt",
                 "2026-01-05/Run_Sweep_-_main_123/artifacts/results_bmk_1.zip",
                 "2026-01-06/Run_Sweep_-_main_20740000088/artifacts/results_bmk.zip"):
        b.put(name, b"not an artifact\n", name[:10])
        b.expect["unparsable"] += 1


def hostile_names(b):
    """A run whose backup holds artifacts named like a client's own files and folders."""
    r = Run(b, "2026-01-08", "Run_Sweep_-_main", 20780000111, "run-sweep.yml")
    r.add("results_bmk", {"agg_bmk.json": b"[]"}, chosen=True, rows=0)
    for name in ("run.json", "imx-manifest.json", ".superseded", ".hidden"):
        r.add(name, {"evil.json": b"[]"})
    r.write()


def real(b, raw, runs=None, ids_from=None):
    gh_ids = {}
    if ids_from:
        with open(ids_from, encoding="utf-8") as f:
            for a in json.load(f)["artifacts"]:
                if a["name"] == "results_bmk":
                    gh_ids[a["run_id"]] = a["id"]
    for d in sorted(os.listdir(raw)):
        if not d.startswith("run_") or (runs and d[4:] not in runs):
            continue
        run_dir = os.path.join(raw, d)
        with open(os.path.join(run_dir, "run.json"), encoding="utf-8") as f:
            meta = json.load(f)
        with open(os.path.join(run_dir, "agg_bmk.json"), "rb") as f:
            agg = f.read()
        created = meta["created_at"]
        r = Run(b, created[:10], "Run_Sweep_-_main", int(meta["id"]), "run-sweep.yml",
                created_at=created[:11] + "23:59:59Z", branch=meta.get("head_branch", "main"))
        n = len(json.loads(agg))
        r.add("results_bmk", {"agg_bmk.json": agg}, chosen=True, rows=n)
        if r.id in gh_ids:
            r.artifacts[-1] = ("results_bmk", gh_ids[r.id], r.artifacts[-1][2])
            r.chosen["results_bmk"] = gh_ids[r.id]
        r.add("run-stats", {"run_stats.json": dumps({"h100": {"n_success": 1, "total": 1}})})
        r.write()


def bench(b, nruns, ndates):
    cfgs = [(GPTOSS[0], GPTOSS[1], "h100", "vllm", "fp4", 1024, 1024, 8, c) for c in (4, 8, 16)]
    t0 = calendar.timegm((2025, 12, 1, 0, 0, 0))
    for i in range(nruns):
        day = i * ndates // nruns
        date = time.strftime("%Y-%m-%d", time.gmtime(t0 + day * 86400))
        run_sweep(b, date, 21000000000 + i * 1000, i, cfgs, percfg=True, extras=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--bucket", default="inferencemax-gha-backup")
    p.add_argument("--synthetic", action="store_true")
    p.add_argument("--real")
    p.add_argument("--runs", help="with --real: only these run ids (comma-separated)")
    p.add_argument("--ids-from", help="with --real: artifact ids of a fakegh fixture")
    p.add_argument("--bench")
    p.add_argument("--hostile-names", action="store_true")
    args = p.parse_args()
    b = Bucket(os.path.join(args.out, args.bucket))
    os.makedirs(b.root, exist_ok=True)
    if args.synthetic:
        synthetic(b)
    if args.hostile_names:
        hostile_names(b)
    if args.real:
        real(b, args.real, set(args.runs.split(",")) if args.runs else None, args.ids_from)
    if args.bench:
        n, _, d = args.bench.partition(":")
        bench(b, int(n), int(d))
    b.expect["runs"].sort(key=lambda r: r["id"])
    with open(os.path.join(args.out, "expect.json"), "w", encoding="utf-8") as f:
        json.dump(b.expect, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
