#!/usr/bin/env python3
# tests/fake/mkfixture.py: builds fixtures for tests/fake/fakegh.py (fixture.json plus blob files)
# from a cache in the old layout (run_<ID>/agg_bmk.json + run.json) or from generated rows,
# with the special cases client tests need (re-runs, expiry, raw and legacy uploads, hostile zips).
import argparse
import calendar
import io
import json
import os
import random
import struct
import sys
import time
import warnings
import zipfile
import zlib

WORKFLOW = {"id": 160050001, "name": "Run Sweep", "path": ".github/workflows/run-sweep.yml",
            "state": "active"}
OTHER_WORKFLOWS = [{"id": 160050002, "name": "E2E Tests", "path": ".github/workflows/e2e-tests.yml",
                    "state": "active"}]
HOSTILE_KINDS = ("slip", "slip-nested", "abs", "backslash", "drive", "symlink", "dup", "bomb",
                 "bomb-lie", "truncated", "corrupt", "zip64", "descriptor", "tree", "name-dotdot",
                 "name-slash", "superseded-entry")
# --hostile RUN art-NAME adds an artifact named NAME (run.json, imx-manifest.json, .superseded,
# .hidden...) beside the run's others: names a client must never turn into folders.
# Key order of real rows (fixture_agg_bmk_v2_dec2025.json): single node, then multinode.
SINGLE_KEYS = ("hw conc image model infmax_model_prefix framework precision spec_decoding disagg "
               "isl osl is_multinode tp ep dp_attention").split()
MULTI_KEYS = ("hw conc image model infmax_model_prefix framework precision spec_decoding disagg "
              "isl osl is_multinode prefill_tp prefill_ep prefill_dp_attention prefill_num_workers "
              "decode_tp decode_ep decode_dp_attention decode_num_workers num_prefill_gpu "
              "num_decode_gpu").split()
METRIC_KEYS = ("tput_per_gpu output_tput_per_gpu input_tput_per_gpu mean_ttft median_ttft "
               "std_ttft p99_ttft mean_tpot mean_intvty median_tpot median_intvty std_tpot "
               "std_intvty p99_tpot p99_intvty mean_itl median_itl std_itl p99_itl mean_e2el "
               "median_e2el std_e2el p99_e2el").split()
SYNTH_CONFIGS = [
    # (hw, model, prefix, framework, precision, image, multinode)
    ("h100", "openai/gpt-oss-120b", "gptoss", "vllm", "fp4", "vllm/vllm-openai:v0.11.2", False),
    ("b200-trt", "openai/gpt-oss-120b", "gptoss", "trt", "fp4",
     "nvcr.io#nvidia/tensorrt-llm/release:1.2.0rc2", False),
    ("mi355x", "deepseek-ai/DeepSeek-R1-0528", "dsr1", "atom", "fp8",
     "rocm/atom:rocm7.1.1-ubuntu24.04-pytorch2.9-atom0.1.1-MI350x", False),
    ("gb200", "deepseek-ai/DeepSeek-R1", "dsr1", "dynamo-sglang", "fp8",
     "lmsysorg/sglang:v0.5.5.post2", True),
]
SEQ = {(1024, 1024): "1k1k", (1024, 8192): "1k8k", (8192, 1024): "8k1k"}


def parse_iso(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(t)))


class Unseekable(io.RawIOBase):
    """A write-only stream without tell/seek, so zipfile writes data descriptors (bit 3)."""

    def __init__(self):
        self.buf = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.buf += b
        return len(b)


def make_zip(entries, zip64=False, stream=False):
    """entries: (name, bytes, options) with options mode/stored/date; returns the zip bytes."""
    out = Unseekable() if stream else io.BytesIO()
    limits = (zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT)
    if zip64:  # zipfile then writes zip64 extras in both headers and the zip64 end records
        zipfile.ZIP64_LIMIT = zipfile.ZIP_FILECOUNT_LIMIT = 0
    try:
        return write_zip(out, entries, zip64, stream)
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = limits


def write_zip(out, entries, zip64, stream):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are intended in hostile fixtures
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data, opt in entries:
                zi = zipfile.ZipInfo(name, date_time=opt.get("date", (2026, 1, 1, 0, 0, 0)))
                zi.compress_type = zipfile.ZIP_STORED if opt.get("stored") else zipfile.ZIP_DEFLATED
                zi.create_system = 3
                mode = opt.get("mode", 0o100644)
                if name.endswith("/"):
                    mode = 0o40755
                zi.external_attr = (mode << 16) | (0x10 if name.endswith("/") else 0)
                if stream or zip64:
                    with zf.open(zi, "w", force_zip64=zip64) as w:
                        w.write(data)
                else:
                    zf.writestr(zi, data)
    return bytes(out.buf) if stream else out.getvalue()


def bomb_zip(size, lie=False):
    """A zip whose single entry inflates to `size` zero bytes (built from repeated deflate blocks
    so it takes milliseconds); with lie, the headers claim 1000 bytes instead."""
    unit = 1 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(bytes(unit)) + comp.flush(zlib.Z_FULL_FLUSH)
    n = max(1, size // unit)
    data = block * n + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc = 0
    zero = bytes(unit)
    for _ in range(n):
        crc = zlib.crc32(zero, crc)
    usize = 1000 if lie else n * unit
    name = b"agg_bmk.json"
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x5C21, crc, len(data),
                        usize, len(name), 0) + name
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 0x31E, 20, 0, 8, 0, 0x5C21, crc,
                          len(data), usize, len(name), 0, 0, 0, 0, 0o100644 << 16, 0) + name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central),
                      len(local) + len(data), 0)
    return local + data + central + end


class Builder:
    def __init__(self, out_dir, seed):
        self.out = out_dir
        self.rng = random.Random(seed)
        os.makedirs(os.path.join(out_dir, "blobs"), exist_ok=True)
        self.runs = []       # run dicts (fixture form)
        self.arts = []       # artifact dicts without ids; ids assigned by time at the end
        self.rows = {}       # run id -> agg_bmk.json bytes
        self.nblobs = 0

    def blob(self, data, ext):
        self.nblobs += 1
        name = "blobs/b%05d.%s" % (self.nblobs, ext)
        with open(os.path.join(self.out, name), "wb") as f:
            f.write(data)
        return name

    def add_art(self, run, name, data, offset_s, kind="zip", ext="zip", **extra):
        t = parse_iso(run["created_at"]) + offset_s
        a = {"run_id": run["id"], "name": name, "created_at": iso(t), "updated_at": iso(t + 2),
             "kind": kind, "blob_file": self.blob(data, ext), "_t": t}
        a.update(extra)
        self.arts.append(a)
        return a

    def add_run(self, run, agg_bytes, extras, bmk_count):
        self.runs.append(run)
        self.rows[run["id"]] = agg_bytes
        try:
            rows = json.loads(agg_bytes)
        except ValueError:
            rows = []
        if extras:
            self.add_art(run, "changelog-metadata", make_zip([(
                "changelog_metadata.json", json.dumps(
                    {"base_ref": "0" * 40, "head_ref": run.get("head_sha", "f" * 40), "entries": [
                        {"config-keys": ["gptoss-fp4-h100-vllm"],
                         "description": "- Fixture run %d" % run["id"]}]}, indent=2).encode(),
                {})]), 60)
        for i, row in enumerate(rows[:bmk_count]):
            self.add_bmk(run, row, i, 600 + 30 * i)
        if extras and rows:
            rn = result_name(rows[0], 0)
            self.add_art(run, "server_logs_" + rn, make_zip([(
                "server.log", ("INFO started server for %s\n" % rn).encode() * 40, {})]), 900)
            self.add_art(run, "gpu_metrics_" + rn, make_zip([(
                "gpu_metrics.csv", b"timestamp,gpu,power_w,util\n" + b"".join(
                    b"2026-01-01T00:00:%02dZ,%d,%d,%d\n" % (s % 60, s % 8, 300 + s, 90)
                    for s in range(64)), {})]), 910)
        self.add_art(run, "results_bmk", make_zip([("agg_bmk.json", agg_bytes, {})]), 3000)
        if extras:
            stats = {g: {"n_success": self.rng.randint(0, 40), "total": 42}
                     for g in ("h100", "h200", "gb200", "mi300x", "mi325x", "mi355x", "b200")}
            self.add_art(run, "run-stats", make_zip([(
                "run_stats.json", json.dumps(stats, indent=2).encode(), {})]), 3010)

    def add_bmk(self, run, row, i, offset):
        rn = result_name(row, i)
        if row.get("is_multinode"):
            fname = "agg_%s_isl_%d_osl_%d_concurrency_%d_req_rate_inf_gpus_%d_ctx_%d_gen_%d.json" % (
                rn, row.get("isl", 0), row.get("osl", 0), row.get("conc", 0),
                row.get("num_prefill_gpu", 0) + row.get("num_decode_gpu", 0),
                row.get("num_prefill_gpu", 0), row.get("num_decode_gpu", 0))
        else:
            fname = "agg_%s.json" % rn
        taken = {a["name"] for a in self.arts if a["run_id"] == run["id"]}
        name, k = "bmk_" + rn, 1
        while name in taken:
            k += 1
            name = "bmk_%s-%d" % (rn, k)
        self.add_art(run, name, make_zip([(fname, json.dumps(row, indent=2).encode(), {})]),
                     offset)

    def find(self, key):
        """A run id, or @N for the N-th newest run."""
        order = sorted(self.runs, key=lambda r: (r["created_at"], r["id"]), reverse=True)
        if key.startswith("@"):
            return order[int(key[1:])]
        for r in self.runs:
            if r["id"] == int(key):
                return r
        sys.exit("mkfixture: no run %s" % key)

    def arts_of(self, run, name=None):
        return [a for a in self.arts if a["run_id"] == run["id"] and (name is None or
                                                                       a["name"] == name)]

    # ----- special cases -------------------------------------------------------------------
    def rerun(self, run):
        run["run_attempt"] = 2
        t = parse_iso(run["created_at"]) + 7200
        run["updated_at"] = iso(t + 3600)
        run["run_started_at"] = iso(t)
        rows = json.loads(self.rows[run["id"]]) or [synth_row(self.rng, SYNTH_CONFIGS[0], 64)]
        for r in rows:
            if isinstance(r.get("tput_per_gpu"), (int, float)):
                r["tput_per_gpu"] = r["tput_per_gpu"] * 2
        data = json.dumps(rows, indent=2).encode()
        self.rows[run["id"]] = data
        self.add_art(run, "results_bmk", make_zip([("agg_bmk.json", data, {})]), 7200 + 3000)

    def no_aggregate(self, run):
        self.arts = [a for a in self.arts if not (a["run_id"] == run["id"] and
                                                  (a["name"] == "results_bmk" or
                                                   a["name"].startswith("bmk_")))]
        for i, row in enumerate(json.loads(self.rows[run["id"]])):
            self.add_bmk(run, row, i, 600 + 10 * i)

    def expired(self, run, now):
        for a in self.arts_of(run):
            a["expires_at"] = iso(min(parse_iso(a["created_at"]) + 90 * 86400, now - 86400))
            a["expired"] = True

    def non_zip(self, run, name):
        for a in self.arts_of(run, "results_bmk"):
            self.arts.remove(a)
        self.add_art(run, name, self.rows[run["id"]], 3000, kind="raw", ext="json",
                     filename="agg_bmk.json", content_type="application/json")

    def legacy(self, run):
        for a in self.arts_of(run):
            a["kind"] = "legacy"

    def hostile(self, run, kind, bomb_size):
        """Replaces the run's newest results_bmk blob with a hostile or unusual zip."""
        agg = self.rows[run["id"]]
        arts = self.arts_of(run, "results_bmk")
        art = max(arts, key=lambda a: a["_t"]) if arts else self.add_art(run, "results_bmk",
                                                                       b"", 3000)
        good = ("agg_bmk.json", agg, {})
        evil = b"evil\n"
        data = {
            "slip": lambda: make_zip([good, ("../evil", evil, {})]),
            "slip-nested": lambda: make_zip([good, ("a/../../evil", evil, {})]),
            "abs": lambda: make_zip([good, ("/abs/evil", evil, {})]),
            "backslash": lambda: make_zip([good, ("..\\evil", evil, {})]),
            "drive": lambda: make_zip([good, ("C:\\evil", evil, {})]),
            "symlink": lambda: make_zip([good, ("link", b"../../../../etc", {"mode": 0o120777})]),
            "dup": lambda: make_zip([good, ("agg_bmk.json", b"[]", {})]),
            "bomb": lambda: bomb_zip(bomb_size),
            "bomb-lie": lambda: bomb_zip(bomb_size, lie=True),
            "truncated": lambda: make_zip([good])[:max(30, len(make_zip([good])) // 2)],
            "corrupt": lambda: corrupt(make_zip([good])),
            "zip64": lambda: make_zip([good], zip64=True),
            "descriptor": lambda: make_zip([good], stream=True),
            # a re-run's aggregate that would replace the client's kept folder and its own files
        "superseded-entry": lambda: make_zip([
            good, (".superseded/", b"", {}), (".superseded/1-results_bmk/agg_bmk.json", evil, {}),
            ("run.json", b"{}", {}), ("imx-manifest.json", b"{}", {})]),
        "tree": lambda: make_zip([good, ("docs/", b"", {}), ("docs/sub/empty.txt", b"", {}),
                                      ("docs/run.sh", b"#!/bin/sh\necho hi\n", {"mode": 0o100755}),
                                      ("docs/r\u00e9sum\u00e9.txt", "\u00e9t\u00e9\n".encode(), {}),
                                      ("docs/stored.txt", b"stored " * 20, {"stored": True})]),
        }
        if kind.startswith("art-"):
            self.add_art(run, kind[4:], make_zip([("evil.json", b"[]", {})]), 3100)
            return
        if kind == "name-dotdot":
            art["name"] = ".."
            return
        if kind == "name-slash":
            art["name"] = "a/b"
            return
        with open(os.path.join(self.out, art["blob_file"]), "wb") as f:
            f.write(data[kind]())
        art["hostile"] = kind

    def write(self, extra_tokens, now):
        # Artifact ids and run order follow time, as GitHub assigns them.
        self.arts.sort(key=lambda a: (a["_t"], a["name"]))
        for i, a in enumerate(self.arts):
            a["id"] = 5100000000 + 7 * i
            a.setdefault("expires_at", iso(max(a["_t"], now) + 90 * 86400))
            del a["_t"]
        runs = sorted(self.runs, key=lambda r: (r["created_at"], r["id"]))
        for n, r in enumerate(runs):
            r["run_number"] = 100 + n
        fx = {"repo": {"owner": "SemiAnalysisAI", "name": "InferenceX", "id": 1030010203,
                       "private": False, "default_branch": "main"},
              "workflows": [WORKFLOW] + OTHER_WORKFLOWS, "runs": runs, "artifacts": self.arts,
              "tokens": {t: {"login": "fake-user", "user_id": 4242, "scopes": ["public_repo"],
                             "actions_read": True, "limit": 5000} for t in extra_tokens},
              "anon_limit": 60}
        with open(os.path.join(self.out, "fixture.json"), "w") as f:
            json.dump(fx, f, indent=1)
        newest = [r["id"] for r in reversed(runs)]
        with open(os.path.join(self.out, "summary.json"), "w") as f:
            json.dump({"runs": newest, "artifacts": len(self.arts)}, f, indent=1)
        return newest


def corrupt(z):
    b = bytearray(z)
    start = 30 + len("agg_bmk.json")
    for i in range(start + 8, min(len(b) - 60, start + 40)):
        b[i] ^= 0x5A
    return bytes(b)


def result_name(row, i):
    isl, osl = row.get("isl", 1024), row.get("osl", 1024)
    seq = SEQ.get((isl, osl), "%s_%s" % (isl, osl))
    exp = "%s_%s" % (row.get("infmax_model_prefix", "model"), seq)
    runner = "%s_%d" % ({"h100": "h100-cw", "b200-trt": "b200-nb", "gb200": "gb200-nv",
                         "mi355x": "mi355x-amd"}.get(row.get("hw"), str(row.get("hw")) + "-x"),
                        i % 4)
    if row.get("is_multinode"):
        return "%s_%s_ptp%spep%s_dtp%sdep%s_%s_specdec-%s_conc%s_%s" % (
            exp, row.get("precision"), row.get("prefill_tp"), row.get("prefill_ep"),
            row.get("decode_tp"), row.get("decode_ep"), row.get("framework"),
            row.get("spec_decoding"), row.get("conc"), runner)
    return "%s_%s_%s_tp%s_ep%s_dpa_%s_conc%s_%s" % (
        exp, row.get("precision"), row.get("framework"), row.get("tp"), row.get("ep"),
        row.get("dp_attention"), row.get("conc"), runner)


def synth_row(rng, cfg, conc):
    hw, model, prefix, fw, prec, image, multi = cfg
    isl, osl = rng.choice([(1024, 1024), (1024, 8192), (8192, 1024)])
    vals = {"hw": hw, "conc": conc, "image": image, "model": model, "infmax_model_prefix": prefix,
            "framework": fw, "precision": prec, "spec_decoding": "none", "disagg": multi,
            "isl": isl, "osl": osl, "is_multinode": multi}
    if multi:
        vals.update({"prefill_tp": 1, "prefill_ep": 1, "prefill_dp_attention": "true",
                     "prefill_num_workers": 2, "decode_tp": 1, "decode_ep": 1,
                     "decode_dp_attention": "true", "decode_num_workers": 1,
                     "num_prefill_gpu": 16, "num_decode_gpu": 32})
    else:
        tp = rng.choice([1, 2, 4, 8])
        vals.update({"tp": tp, "ep": 1, "dp_attention": "false"})
    row = {k: vals[k] for k in (MULTI_KEYS if multi else SINGLE_KEYS)}
    tput = rng.uniform(100, 12000)
    out = tput * rng.uniform(0.1, 0.9)
    ttft, tpot = rng.uniform(0.05, 2.0), rng.uniform(0.003, 0.05)
    m = {"tput_per_gpu": tput, "output_tput_per_gpu": out, "input_tput_per_gpu": tput - out,
         "mean_ttft": ttft, "median_ttft": ttft * 0.8, "std_ttft": ttft * 0.5,
         "p99_ttft": ttft * 4, "mean_tpot": tpot, "mean_intvty": 1 / tpot,
         "median_tpot": tpot * 1.02, "median_intvty": 1 / (tpot * 1.02), "std_tpot": tpot * 0.1,
         "std_intvty": rng.uniform(1, 600), "p99_tpot": tpot * 1.2, "p99_intvty": 1 / (tpot * 1.2),
         "mean_itl": tpot, "median_itl": tpot * 0.6, "std_itl": tpot * 1.5, "p99_itl": tpot * 7,
         "mean_e2el": ttft + tpot * osl, "median_e2el": ttft + tpot * osl * 1.01,
         "std_e2el": rng.uniform(0.1, 3), "p99_e2el": (ttft + tpot * osl) * 1.4}
    row.update({k: m[k] for k in METRIC_KEYS})
    return row


def main():
    ap = argparse.ArgumentParser(description="Build fixtures for tests/fake/fakegh.py. Prints the "
                                 "run ids, newest first, one per line.")
    ap.add_argument("out_dir")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--from-cache", metavar="DIR")
    src.add_argument("--synthetic", type=int, metavar="N")
    ap.add_argument("--runs", type=int, help="with --from-cache: only the N newest runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-extras", action="store_true",
                    help="only results_bmk (no run-stats, changelog, logs, metrics, bmk_*)")
    ap.add_argument("--bmk", type=int, default=3, help="bmk_* per-config artifacts per run")
    ap.add_argument("--token", action="append", default=[])
    ap.add_argument("--rerun", action="append", default=[], metavar="RUN")
    ap.add_argument("--no-aggregate", action="append", default=[], metavar="RUN")
    ap.add_argument("--expired", action="append", default=[], metavar="RUN")
    ap.add_argument("--non-zip", action="append", default=[], metavar="RUN")
    ap.add_argument("--non-zip-name", default="results_bmk")
    ap.add_argument("--legacy", action="append", default=[], metavar="RUN")
    ap.add_argument("--hostile", action="append", nargs=2, default=[], metavar=("RUN", "KIND"))
    ap.add_argument("--bomb-size", type=int, default=1 << 30)
    ap.add_argument("--now", type=int, help="epoch used for expiry (default: current time)")
    args = ap.parse_args()
    now = args.now or int(time.time())
    b = Builder(args.out_dir, args.seed)
    extras = not args.no_extras
    bmk = args.bmk if extras else 0
    if args.from_cache:
        found = []
        for d in os.listdir(args.from_cache):
            rj = os.path.join(args.from_cache, d, "run.json")
            agg = os.path.join(args.from_cache, d, "agg_bmk.json")
            # runs served as one results_bmk artifact: those with an aggregate
            if d.startswith("run_") and os.path.isfile(rj) and os.path.isfile(agg):
                with open(rj) as f:
                    found.append((json.load(f), agg))
        found.sort(key=lambda x: (x[0]["created_at"], x[0]["id"]), reverse=True)
        if args.runs:
            found = found[:args.runs]
        for rj, agg_path in reversed(found):
            run = {k: rj.get(k) for k in ("id", "run_attempt", "event", "status", "conclusion",
                                          "head_branch", "head_sha", "created_at", "updated_at",
                                          "run_started_at", "name", "display_title")
                   if rj.get(k) is not None}
            run["workflow_id"] = WORKFLOW["id"]
            with open(agg_path, "rb") as f:
                b.add_run(run, f.read(), extras, bmk)
    else:
        rng = random.Random(args.seed)
        t0 = parse_iso("2026-01-05T06:00:00Z")
        for i in range(args.synthetic):
            t = t0 + i * 43200 + rng.randint(0, 3600)
            run = {"id": 21000000000 + i * 1000003, "workflow_id": WORKFLOW["id"],
                   "head_sha": "%040x" % rng.getrandbits(160),
                   "created_at": iso(t), "updated_at": iso(t + 5400), "run_started_at": iso(t)}
            rows = [synth_row(rng, cfg, conc) for cfg in SYNTH_CONFIGS
                    for conc in rng.sample([4, 8, 16, 32, 64, 128], 2)]
            b.add_run(run, json.dumps(rows, indent=2).encode(), extras, bmk)
    for key in args.rerun:
        b.rerun(b.find(key))
    for key in args.no_aggregate:
        b.no_aggregate(b.find(key))
    for key in args.non_zip:
        b.non_zip(b.find(key), args.non_zip_name)
    for key in args.legacy:
        b.legacy(b.find(key))
    for key, kind in args.hostile:
        if kind not in HOSTILE_KINDS and not kind.startswith("art-"):
            sys.exit("mkfixture: unknown hostile kind %s (%s)" % (kind, ", ".join(HOSTILE_KINDS)))
        b.hostile(b.find(key), kind, args.bomb_size)
    for key in args.expired:
        b.expired(b.find(key), now)
    for rid in b.write(args.token, now):
        print(rid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
