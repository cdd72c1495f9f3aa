#!/usr/bin/env python3
# fakeapi.py: an offline double of the InferenceX public API (inferencex.semianalysis.com
# /api/v1), faithful to notes section 5.1, with the faults of section 5.3 as switches.
"""Usage:
  fakeapi.py --data DIR --port-file FILE [--log FILE] [--delay-ms N] [--fault SPEC]...
             [--cap-attempt RUN=N]... [--no-runconfigs] [--no-openapi]

DIR is made by mkapifixture.py. The server listens on 127.0.0.1 with an ephemeral port and
writes {"url": "http://127.0.0.1:P", "pid": N} to FILE once it accepts connections. Every
request is appended to the JSONL log: method, path, query, headers, status, the number of
requests in flight when it arrived, the fault applied.

Every success body is gzip-encoded whatever the client asked (as the real origin does); error
bodies are plain JSON. Big integers (github_run_id) are JSON strings.

A fault SPEC is KIND[:key=value,...]; keys: path (prefix of the request path that it applies
to), query (a substring the query string must hold), count (how many requests it hits; default
every one), and per-kind values. Kinds:
  429 | 500 | 502 | 503 | 504   that status (retry_after=SECONDS, or retry_after=date:SECONDS for
                                an HTTP-date that many seconds ahead); 5xx bodies are HTML
  noheader    gzip body without a Content-Encoding header
  truncate    Content-Encoding gzip, but the stream is cut in half (Content-Length matches)
  reset       announces the full length, sends half the body, closes the connection
  stall       sleeps seconds=N before answering
  big         a 200 body that decodes to bytes=N (gzip), or raw=1 for N plain bytes
  badjson     a 200 gzip body that is not JSON
  deep        a 200 gzip body of valid JSON nested depth=N (400000) deep
  drip        Content-Length bytes=N (1 MiB), then rate=N (2) bytes a second for seconds=N
  empty       a 200 gzip body holding []
  redirect    308 to the same path with a trailing slash (to=other: on host localhost)
  drift       type drift: github_run_id and run_attempt as numbers/strings, booleans as "true",
              unknown top-level fields, string metrics
  agentic     benchmark responses gain an agentic row (isl/osl null)
--cap-attempt RUN=N hides attempts of RUN above N (a re-run that has not happened yet).
POST /_fake/config with {"faults": [SPEC...], "cap_attempt": {"RUN": N}} replaces both at run
time (not logged).
"""
import argparse
import email.utils
import gzip
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.parse

from fakelib import Faults, QuietHandler, RequestLog, serve

CONFIG_FIELDS = ("model", "hardware", "framework", "precision", "spec_method", "disagg",
                 "is_multinode", "prefill_tp", "prefill_ep", "prefill_dp_attention",
                 "prefill_num_workers", "decode_tp", "decode_ep", "decode_dp_attention",
                 "decode_num_workers", "num_prefill_gpu", "num_decode_gpu")
AVAIL_FIELDS = ("model", "isl", "osl", "precision", "hardware", "framework", "spec_method",
                "disagg")
NOT_FOUND_HTML = (b"<!DOCTYPE html><html><head><title>404: This page could not be found."
                  b"</title></head><body><h1>404</h1><h2>This page could not be found.</h2>"
                  b"</body></html>")
GATEWAY_HTML = (b"<!DOCTYPE html><html><head><title>%d</title></head><body><h1>%d</h1>"
                b"<p>An error occurred with this application.</p></body></html>")


def load(path, default=None):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return default


class Data:
    """The fixture rows and runs, and the per-line selection of the real /benchmarks."""

    def __init__(self, d):
        self.rows = load(os.path.join(d, "rows.json"), [])
        self.runs = load(os.path.join(d, "runs.json"), [])
        self.changelogs = load(os.path.join(d, "changelogs.json"), [])
        self.models = load(os.path.join(d, "models.json"), {})
        self.static = {n: load(os.path.join(d, n + ".json"), [])
                       for n in ("evaluations", "reliability", "submissions")}
        self.config_ids = {}
        for e in self.rows:
            self.config_ids.setdefault(self.config(e["row"]), len(self.config_ids) + 1)

    @staticmethod
    def config(row):
        return tuple(json.dumps(row.get(k)) for k in CONFIG_FIELDS)

    def latest(self, cap):
        """{run id: run entry of its latest visible attempt}"""
        out = {}
        for r in self.runs:
            rid, att = r["github_run_id"], r["run_attempt"]
            if rid in cap and att > cap[rid]:
                continue
            if r.get("conclusion") is None:
                continue
            if rid not in out or att > out[rid]["run_attempt"]:
                out[rid] = r
        return out

    def visible(self, cap):
        runs = self.latest(cap)
        return [(e["row"], runs[e["github_run_id"]]) for e in self.rows
                if e["github_run_id"] in runs
                and runs[e["github_run_id"]]["run_attempt"] == e["run_attempt"]]

    def order(self, row):
        return (self.config_ids[self.config(row)], row.get("conc") or 0, row.get("isl") or 0,
                row.get("osl") or 0)


class State:
    def __init__(self, args):
        self.data = Data(args.data)
        self.lock = threading.Lock()
        self.faults = Faults(args.fault, self.lock)
        self.cap = {}
        for c in args.cap_attempt:
            run, _, n = c.partition("=")
            self.cap[run] = int(n)
        self.delay = args.delay_ms / 1000.0
        self.runconfigs = not args.no_runconfigs
        self.openapi = not args.no_openapi
        self.inflight = 0
        self.log = RequestLog(args.log, self.lock)

    def take_fault(self, path, query):
        return self.faults.take(path, query)

    def write_log(self, entry):
        self.log.write(entry)


def drift_value(obj):
    """Type drift of notes 5.3 #10, applied recursively to a response."""
    if isinstance(obj, list):
        return [drift_value(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for k, v in obj.items():
        if k == "github_run_id" and isinstance(v, str) and v.isdigit():
            out[k] = int(v)
        elif k == "run_attempt" and isinstance(v, int):
            out[k] = str(v)
        elif isinstance(v, bool) and k != "disagg":
            out[k] = "true" if v else "false"
        else:
            out[k] = drift_value(v)
    if "hardware" in out and "metrics" in out:
        out["power_audit"] = {"schema": 2, "checked": True}
        out["curve_run_started_at"] = None
        out["metrics"]["router_name"] = "none"
    return out


class Handler(QuietHandler):
    server_version = "fakeapi/1"

    def error(self, status, msg):
        self.send(status, json.dumps({"error": msg}, separators=(",", ":")).encode(),
                  "application/json")

    def ok(self, obj):
        f = self.fault
        kind = f["kind"] if f else None
        if kind == "drift":
            obj = drift_value(obj)
        if kind == "empty":
            obj = []
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if kind == "badjson":
            text = text[:len(text) // 2] + b"\xff{"
        if kind == "deep":
            depth = int(f.get("depth", 400000))
            text = b"[" * depth + b"]" * depth
        if kind == "big":
            n = int(f.get("bytes", 40 << 20))
            text = b"[" + b" " * max(0, n - 2) + b"]"
            if f.get("raw"):
                self.send(200, text, "application/json")
                return
        body = gzip.compress(text, mtime=0)
        headers = [("Cache-Control", "public, max-age=0, must-revalidate"),
                   ("x-vercel-cache", "HIT"), ("X-Content-Type-Options", "nosniff")]
        if kind != "noheader":
            headers.insert(0, ("Content-Encoding", "gzip"))
        if kind == "truncate":
            body = body[:len(body) // 2]
        if kind == "reset":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            self.status = 200
            return
        self.send(200, body, "application/json", headers)

    # --- dispatch ---------------------------------------------------------------------
    def do_POST(self):
        st = self.server.state
        self.logged = True  # control requests are not logged
        if self.path == "/_fake/config":
            n = int(self.headers.get("Content-Length", "0"))
            cfg = json.loads(self.rfile.read(n) or b"{}")
            with st.lock:
                if "faults" in cfg:
                    st.faults.replace(cfg["faults"])
                if "cap_attempt" in cfg:
                    st.cap = {k: int(v) for k, v in cfg["cap_attempt"].items()}
            self.send(200, b"{}", "application/json")
            return
        self.send(405, b"Method Not Allowed", "text/plain")

    def do_GET(self):
        st = self.server.state
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        self.params = {k: v[0] for k, v in q.items()}
        self.status = 0
        with st.lock:
            st.inflight += 1
            self.inflight = st.inflight
        self.fault = st.take_fault(u.path, u.query)
        self.url = u
        self.logged = False
        try:
            if st.delay:
                time.sleep(st.delay)
            self.route(u.path)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with st.lock:
                st.inflight -= 1
            self.log_request_once()

    def send_response(self, code, message=None):
        # logged as the answer starts, not after it: a client that exits on the last byte of
        # its last answer finds every request it made in the log
        self.status = code
        self.log_request_once()
        super().send_response(code, message)

    def log_request_once(self):
        if self.logged or not hasattr(self, "url"):
            return
        self.logged = True
        self.server.state.write_log({
            "t": round(time.time(), 3), "method": "GET", "path": self.url.path,
            "query": self.url.query, "params": self.params,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "status": self.status, "inflight": self.inflight,
            "fault": self.fault["kind"] if self.fault else None})

    def route(self, path):
        f = self.fault
        kind = f["kind"] if f else None
        if kind == "stall":
            time.sleep(float(f.get("seconds", 60)))
        if kind in ("429", "500", "502", "503", "504"):
            code = int(kind)
            headers = []
            ra = f.get("retry_after")
            if ra is not None:
                if ra.startswith("date:"):
                    ra = email.utils.formatdate(time.time() + int(ra[5:]), usegmt=True)
                headers.append(("Retry-After", ra))
            if code == 500:
                self.send(500, b'{"error":"Internal server error"}', "application/json")
            elif code == 429:
                self.send(429, b"Too Many Requests", "text/plain", headers)
            else:
                self.send(code, GATEWAY_HTML % (code, code), "text/html", headers)
            return
        if kind == "redirect":
            host = self.headers.get("Host", "")
            if f.get("to") == "other":
                host = "localhost:" + host.rsplit(":", 1)[-1]
            self.send(308, b"", "text/plain", [("Location", "http://%s%s/" % (host, self.path))])
            return
        routes = {
            "/api/v1/availability": self.availability,
            "/api/v1/benchmarks": self.benchmarks,
            "/api/v1/benchmarks/history": self.history,
            "/api/v1/workflow-info": self.workflow_info,
            "/api/v1/server-log": self.server_log,
            "/api/openapi.json": self.openapi,
        }
        for name in ("evaluations", "reliability", "submissions"):
            routes["/api/v1/" + name] = lambda n=name: self.ok(self.server.state.data.static[n])
        fn = routes.get(path)
        if fn is None:
            self.send(404, NOT_FOUND_HTML, "text/html; charset=utf-8")
            return
        fn()

    # --- routes -----------------------------------------------------------------------
    def keys_for(self, model):
        return self.server.state.data.models.get(model)

    def availability(self):
        st = self.server.state
        seen, out = set(), []
        for row, run in st.data.visible(st.cap):
            if row.get("isl") is None:
                continue
            a = {k: row.get(k) for k in AVAIL_FIELDS}
            a["date"] = row["date"]
            k = json.dumps(a, sort_keys=True)
            if k not in seen:
                seen.add(k)
                out.append(a)
        out.sort(key=lambda a: a["date"])
        self.ok(out)

    def with_agentic(self, rows):
        if self.fault and self.fault["kind"] == "agentic" and rows:
            extra = json.loads(json.dumps(rows[0]))
            extra.update({"isl": None, "osl": None, "benchmark_type": "agentic_traces",
                          "workflow_run_id": "9001", "run_started_at": None})
            extra["metrics"]["offload_mode"] = "on"
            rows = rows + [extra]
        return rows

    def benchmarks(self):
        st, p = self.server.state, self.params
        keys = self.keys_for(p.get("model", ""))
        if keys is None:
            return self.error(400, "Unknown model")
        date = p.get("date")
        if date is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            return self.error(500, "Internal server error")
        run_id = p.get("runId") if re.fullmatch(r"\d+", p.get("runId", "")) else None
        rows = [(r, run) for r, run in st.data.visible(st.cap) if r.get("model") in keys]
        if run_id and p.get("exactRun") == "true":
            seen, out = set(), []
            for r, run in rows:
                if run["github_run_id"] != run_id:
                    continue
                k = (st.data.config(r), r.get("conc"), r.get("isl"), r.get("osl"),
                     r.get("offload_mode"))
                if k not in seen:
                    seen.add(k)
                    out.append(r)
            out.sort(key=st.data.order)
            return self.ok(self.with_agentic(out))
        if date is not None:
            if p.get("exact") == "true":
                rows = [x for x in rows if x[0]["date"] == date]
            else:
                rows = [x for x in rows if x[0]["date"] <= date]
            if run_id:
                mine = [run for _, run in rows if run["github_run_id"] == run_id]
                if mine:
                    cut = mine[0]["run_started_at"]
                    rows = [x for x in rows if (x[1].get("run_started_at") or "") <= cut]
        # per line: the newest run wins and brings all its concurrencies (2026-06-23 rule)
        best = {}
        for r, run in rows:
            line = (st.data.config(r), r.get("benchmark_type"), r.get("isl"), r.get("osl"),
                    r.get("offload_mode"))
            rank = (r["date"], run.get("run_started_at") or "", int(run["github_run_id"]))
            if line not in best or rank > best[line]:
                best[line] = rank
        out = []
        for r, run in rows:
            line = (st.data.config(r), r.get("benchmark_type"), r.get("isl"), r.get("osl"),
                    r.get("offload_mode"))
            if best[line][2] == int(run["github_run_id"]):
                out.append(r)
        out.sort(key=st.data.order)
        self.ok(self.with_agentic(out))

    def history(self):
        st, p = self.server.state, self.params

        def positive(s):
            try:
                return float(s) > 0
            except (TypeError, ValueError):
                return False

        if not p.get("model") or not positive(p.get("isl")) or not positive(p.get("osl")):
            return self.error(400, "model, isl, and osl are required")
        keys = self.keys_for(p["model"])
        if keys is None:
            return self.error(400, "Unknown model")
        isl, osl = float(p["isl"]), float(p["osl"])
        out = []
        for r, _ in st.data.visible(st.cap):
            if r.get("model") in keys and r.get("isl") == isl and r.get("osl") == osl:
                r = dict(r)
                r["metrics"] = {k: v for k, v in r["metrics"].items()
                                if not k.startswith(("mean_", "std_"))}
                out.append(r)
        out.sort(key=lambda r: (r["date"],) + st.data.order(r))
        self.ok(out)

    def workflow_info(self):
        st = self.server.state
        date = self.params.get("date", "")
        if not date:
            return self.error(500, "Internal server error")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            return self.error(400, "Invalid date format (YYYY-MM-DD required)")
        runs = sorted((r for r in st.data.latest(st.cap).values()
                       if r["created_at"][:10] == date), key=lambda r: r["created_at"])
        ids = {r["github_run_id"] for r in runs}
        out = {
            "runs": [{"github_run_id": r["github_run_id"], "name": r["name"],
                      "conclusion": r["conclusion"], "run_attempt": r["run_attempt"],
                      "html_url": r["html_url"], "created_at": r["created_at"],
                      "date": r["created_at"][:10]} for r in runs],
            "changelogs": [c for c in st.data.changelogs if c.get("date") == date],
            "configs": [],
        }
        seen, rc_seen, run_configs = set(), set(), []
        for row, run in st.data.visible(st.cap):
            if run["github_run_id"] not in ids:
                continue
            c = {k: row.get(k) for k in AVAIL_FIELDS}
            k = json.dumps(c, sort_keys=True)
            if k not in seen:
                seen.add(k)
                out["configs"].append(c)
            rc = {"github_run_id": run["github_run_id"], "run_started_at": run["run_started_at"],
                  "html_url": run["html_url"], "head_sha": run["head_sha"]}
            rc.update({k: row.get(k) for k in ("model", "precision", "hardware", "framework",
                                               "spec_method", "disagg")})
            k = json.dumps(rc, sort_keys=True)
            if k not in rc_seen:
                rc_seen.add(k)
                run_configs.append(rc)
        if st.runconfigs:
            out["runConfigs"] = run_configs
        self.ok(out)

    def server_log(self):
        i = self.params.get("id", "")
        if not re.fullmatch(r"\d+", i) or int(i) == 0:
            return self.error(400, "id is required (benchmark_result_id)")
        self.error(404, "Not found")

    def openapi(self):
        st = self.server.state
        if not st.openapi:
            return self.send(404, NOT_FOUND_HTML, "text/html; charset=utf-8")
        names = sorted(st.data.models)
        self.ok({
            "openapi": "3.1.0",
            "info": {"title": "InferenceX public API (fake)", "version": "0.1.0"},
            "paths": {
                "/api/v1/benchmarks": {"get": {"parameters": [
                    {"name": "model", "in": "query", "required": True,
                     "schema": {"type": "string", "enum": names}},
                    {"name": "date", "in": "query", "schema": {"type": "string",
                                                                "format": "date"}},
                    {"name": "runId", "in": "query", "schema": {"type": "string"}},
                    {"name": "exactRun", "in": "query", "schema": {"type": "boolean"}},
                ]}},
                "/api/v1/availability": {"get": {"parameters": []}},
            },
        })


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log")
    p.add_argument("--delay-ms", type=float, default=0)
    p.add_argument("--fault", action="append", default=[])
    p.add_argument("--cap-attempt", action="append", default=[])
    p.add_argument("--no-runconfigs", action="store_true")
    p.add_argument("--no-openapi", action="store_true")
    args = p.parse_args()
    return serve(Handler, State(args), args.port_file)


if __name__ == "__main__":
    sys.exit(main())
