#!/usr/bin/env python3
# tests/fake/fakegh.py: an offline fake of GitHub's REST API (workflow runs, artifacts) and of the
# signed blob host artifacts redirect to, with scripted faults and a request log, for imx's tests.
# Spec: ../shared/reference/github-api.md section 9; interface: tests/fake/README.md.
import argparse
import base64
import calendar
import email.utils
import hashlib
import hmac
import itertools
import http
import json
import math
import mimetypes
import os
import re
import secrets
import signal
import socket
import struct
import sys
import threading
import time
import uuid
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from fakelib import QuietHandler, RequestLog, Server, drip, write_port_file

DOCS = "https://docs.github.com/rest"
VERSIONS = ("2022-11-28", "2026-03-10")
RUN_STATUSES = ("completed", "in_progress", "queued", "requested", "waiting", "pending")
RUN_STATUS_ENUM = RUN_STATUSES + ("action_required", "cancelled", "failure", "neutral", "skipped",
                                  "stale", "success", "timed_out")
CAPPED_FILTERS = ("actor", "branch", "check_suite_id", "created", "event", "head_sha", "status")
NO_UA_BODY = (b"Request forbidden by administrative rules. Please make sure your request has a "
              b"User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api"
              b"#user-agent-required). Check https://developer.github.com for other possible causes.")
DEFAULT_OPTIONS = {
    "url_ttl": 60,                # seconds a signed blob URL stays valid
    "ratelimit_status": 403,      # 403 or 429 when the primary limit is exhausted
    "status_invalid": "422",      # "422" or "ignore" for an unknown ?status= value
    "run_cap": 1000,              # filtered run listings page only this many matches
    "total_count_capped": False,  # report min(total, run_cap) as total_count
    "link_style": "repos",        # "repos" or "repositories" (/repositories/{id}/... links)
    "omit_last": False,           # leave rel="last" out of Link
    "link_rel_case": "lower",     # "lower" or "Next" (capitalised rel values)
    "strict_accept": False,       # 415 unless Accept allows JSON
    "require_ua": True,
}
# Faults that replace the whole response; the others alter a normal response or the wire.
PRE_FAULTS = {"primary_ratelimit", "secondary_403", "secondary_429", "http_5xx", "status_410",
              "status_404", "status_401", "status_403_perm", "reset", "bad_json", "huge",
              "redirect_loop", "race_expired", "deep_json"}
ROUTE_FAULTS = {"force_304", "link_mismatch", "expired_location", "same_host_redirect",
                "relative_location", "link_loop", "link_endless", "userinfo_location"}
WIRE_FAULTS = {"truncate", "truncate_chunked", "corrupt", "stall", "slow", "length_longer",
               "length_shorter", "drip"}
ALL_FAULTS = PRE_FAULTS | ROUTE_FAULTS | WIRE_FAULTS
REPO_URL_KEYS = ("archive", "assignees", "blobs", "branches", "collaborators", "comments",
                 "commits", "compare", "contents", "contributors", "deployments", "downloads",
                 "events", "forks", "git_commits", "git_refs", "git_tags", "hooks", "issue_comment",
                 "issue_events", "issues", "keys", "labels", "languages", "merges", "milestones",
                 "notifications", "pulls", "releases", "stargazers", "statuses", "subscribers",
                 "subscription", "tags", "teams", "trees")


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(t)))


def parse_iso(s):
    """ISO-8601 UTC date or date-time (Z, +00:00 or no zone) to epoch seconds; None if invalid."""
    if not isinstance(s, str):
        return None
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
                     r"(Z|[+-]\d{2}:?\d{2})?)?", s.strip())
    if not m:
        return None
    y, mo, d, hh, mm, ss, tz = m.groups()
    try:
        t = calendar.timegm((int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0)))
    except (ValueError, OverflowError):
        return None
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        t -= sign * (int(tz[1:3]) * 3600 + int(tz[-2:]) * 60)
    return t


def parse_created(value):
    """GitHub's search date grammar to a predicate on epoch seconds; None if malformed."""
    def bounds(d):  # (first second, first second after) of a date or date-time
        t = parse_iso(d)
        if t is None:
            return None
        return (t, t + 86400) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) else (t, t + 1)

    v = value.strip()
    if ".." in v:
        lo_s, hi_s = v.split("..", 1)
        lo = None if lo_s == "*" else bounds(lo_s)
        hi = None if hi_s == "*" else bounds(hi_s)
        if (lo_s != "*" and lo is None) or (hi_s != "*" and hi is None):
            return None
        return lambda t: (lo is None or t >= lo[0]) and (hi is None or t < hi[1])
    for op in (">=", "<=", ">", "<"):
        if v.startswith(op):
            b = bounds(v[len(op):])
            if b is None:
                return None
            return {">=": lambda t: t >= b[0], "<=": lambda t: t < b[1],
                    ">": lambda t: t >= b[1], "<": lambda t: t < b[0]}[op]
    b = bounds(v)
    return None if b is None else (lambda t: b[0] <= t < b[1])


ROUTE_RE = [(re.compile(r"/actions/workflows"), "workflows"),
            (re.compile(r"/actions/workflows/[^/]+"), "workflow"),
            (re.compile(r"/actions/workflows/[^/]+/runs"), "workflow_runs"),
            (re.compile(r"/actions/runs"), "runs"),
            (re.compile(r"/actions/runs/[^/]+"), "run"),
            (re.compile(r"/actions/runs/[^/]+/attempts/[^/]+"), "run_attempt"),
            (re.compile(r"/actions/runs/[^/]+/artifacts"), "run_artifacts"),
            (re.compile(r"/actions/artifacts"), "artifacts"),
            (re.compile(r"/actions/artifacts/[^/]+"), "artifact"),
            (re.compile(r"/actions/artifacts/[^/]+/[^/]+"), "download"),
            (re.compile(r""), "repo")]


def classify(path):
    """The route kind of an API path (for the log and stats), whatever the answer was."""
    if path.startswith("/api/v3/"):
        path = path[7:]
    if path == "/rate_limit":
        return "rate_limit"
    m = re.fullmatch(r"/repos/[^/]+/[^/]+(/.*)?|/repositories/[^/]+(/.*)?", path)
    if not m:
        return "unknown"
    rest = m.group(1) or m.group(2) or ""
    for rx, name in ROUTE_RE:
        if rx.fullmatch(rest):
            return name
    return "unknown"


def jdump(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


class Resp:
    """One response as the fake means to send it; `wire` names a fault for the writer."""

    def __init__(self, status, body=b"", ctype=None, headers=None):
        self.status = status
        self.body = body
        self.headers = list(headers or [])
        if ctype:
            self.headers.append(("Content-Type", ctype))
        self.chunked = False
        self.wire = None
        self.server = "github.com"


class Clock:
    """The fake's time: real time plus an offset that tests set or advance."""

    def __init__(self):
        self.offset = 0.0

    def now(self):
        return time.time() + self.offset

    def set(self, t):
        self.offset = float(t) - time.time()

    def advance(self, secs):
        self.offset += float(secs)


class Fixture:
    """A loaded fixture (section 9.2) with defaults filled in and blobs read into memory."""

    def __init__(self, data, base_dir):
        repo = {"owner": "SemiAnalysisAI", "name": "InferenceX", "id": 1030010203,
                "private": False, "default_branch": "main"}
        repo.update(data.get("repo") or {})
        self.repo = repo
        self.now = data.get("now")
        self.anon_limit = int(data.get("anon_limit", 60))
        self.options = dict(data.get("options") or {})
        self.workflows = []
        for i, w in enumerate(data.get("workflows") or [
                {"id": 160050001, "name": "Run Sweep", "path": ".github/workflows/run-sweep.yml"}]):
            w = dict(w)
            w.setdefault("id", 160050001 + i)
            w.setdefault("path", ".github/workflows/%s" % w.get("file", "workflow%d.yml" % i))
            w.setdefault("name", os.path.basename(w["path"]))
            w.setdefault("state", "active")
            w.setdefault("created_at", "2025-08-01T00:00:00Z")
            w.setdefault("updated_at", w["created_at"])
            self.workflows.append(w)
        self.runs = {}
        for i, r in enumerate(data.get("runs") or []):
            r = dict(r)
            rid = int(r["id"])
            r["id"] = rid
            if r.get("workflow_id") is None:
                r["workflow_id"] = self.workflows[0]["id"]
            wf = self.workflow(r["workflow_id"]) or self.workflows[0]
            r.setdefault("name", wf["name"])
            if r.get("run_number") is None:
                r["run_number"] = i + 1
            r["run_attempt"] = int(r.get("run_attempt") or 1)
            r.setdefault("event", "push")
            r.setdefault("status", "completed")
            r.setdefault("conclusion", "success" if r["status"] == "completed" else None)
            r.setdefault("head_branch", repo["default_branch"])
            r.setdefault("head_sha", hashlib.sha1(b"run%d" % rid).hexdigest())
            r.setdefault("created_at", "2026-01-01T00:00:00Z")
            r.setdefault("updated_at", r["created_at"])
            r.setdefault("run_started_at", r["created_at"])
            r.setdefault("actor_login", "fake-actor")
            r.setdefault("head_repo_full_name", "%s/%s" % (repo["owner"], repo["name"]))
            r.setdefault("display_title", "Update perf-changelog.yaml")
            r.setdefault("check_suite_id", 40000000000 + rid % 1000000000)
            r.setdefault("pull_requests", [])
            r["_created"] = parse_iso(r["created_at"]) or 0
            self.runs[rid] = r
        self.artifacts = {}
        self.by_uuid = {}
        for a in data.get("artifacts") or []:
            a = dict(a)
            aid = int(a["id"])
            a["id"] = aid
            a["run_id"] = int(a["run_id"])
            a.setdefault("kind", "zip")
            if "blob_file" in a:
                with open(os.path.join(base_dir, a["blob_file"]), "rb") as f:
                    blob = f.read()
            elif "content_b64" in a:
                blob = base64.b64decode(a["content_b64"])
            else:
                blob = a.get("content", "").encode()
            a["_blob"] = blob
            run = self.runs.get(a["run_id"], {})
            a.setdefault("created_at", run.get("updated_at", "2026-01-01T00:00:00Z"))
            a.setdefault("updated_at", a["created_at"])
            if not a.get("expires_at"):
                a["expires_at"] = iso((parse_iso(a["created_at"]) or 0) + 90 * 86400)
            if a["kind"] == "raw":
                a.setdefault("filename", a["name"])
                a.setdefault("content_type", mimetypes.guess_type(a["filename"])[0]
                             or "application/octet-stream")
            else:
                a.setdefault("content_type", "application/zip")
            if "digest" not in a:
                a["digest"] = (None if a["kind"] == "legacy"
                               else "sha256:" + hashlib.sha256(blob).hexdigest())
            a.setdefault("size_in_bytes", len(blob))
            a["_uuid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "fakegh-artifact:%d" % aid))
            self.artifacts[aid] = a
            self.by_uuid[a["_uuid"]] = a
        self.tokens = {}
        for tok, info in (data.get("tokens") or {}).items():
            self.add_token(tok, info)

    def add_token(self, tok, info=None):
        info = dict(info or {})
        info.setdefault("login", "fake-user")
        info.setdefault("user_id", 1000 + len(self.tokens))
        info.setdefault("scopes", ["public_repo"])
        info.setdefault("actions_read", True)
        info.setdefault("limit", 5000)
        self.tokens[tok] = info

    def workflow(self, key):
        for w in self.workflows:
            if str(w["id"]) == str(key) or os.path.basename(w["path"]) == key:
                return w
        return None


class Fake:
    """All server state; every method runs under self.lock or reads immutable fixture data."""

    def __init__(self, args):
        self.lock = threading.RLock()
        self.clock = Clock()
        self.secret = secrets.token_bytes(32)
        self.url_nonce = itertools.count(1)
        self.delay = args.delay_ms / 1000.0
        self.extra_tokens = list(args.token or [])
        self.logf = RequestLog(args.log)
        self.cli_options = {}
        for kv in args.option or []:
            k, _, v = kv.partition("=")
            try:
                self.cli_options[k] = json.loads(v)
            except ValueError:
                self.cli_options[k] = v
        self.blob_base = ""
        self.load_fixture(args.fixture)
        self.initial_faults = self.read_faults(args.faults) if args.faults else []
        self.reset()

    # ----- state -------------------------------------------------------------------------
    def load_fixture(self, path=None, data=None):
        if path:
            with open(path) as f:
                data = json.load(f)
            base = os.path.dirname(os.path.abspath(path))
        else:
            base = (data or {}).get("base_dir") or os.getcwd()
        fx = Fixture(data or {}, base)
        for tok in self.extra_tokens:
            if tok not in fx.tokens:
                fx.add_token(tok)
        with self.lock:
            self.fx = fx
            self.options = dict(DEFAULT_OPTIONS, **fx.options, **self.cli_options)
            if fx.now is not None:
                self.clock.set(fx.now)
        return fx

    @staticmethod
    def read_faults(path):
        with open(path) as f:
            return json.load(f)

    def set_faults(self, rules):
        if not isinstance(rules, list):
            raise ValueError("faults must be a JSON list")
        clean = []
        for r in rules:
            if not isinstance(r, dict) or r.get("fault") not in ALL_FAULTS:
                raise ValueError("unknown fault in %r" % (r,))
            r = dict(r)
            r["_re"] = re.compile(r.get("match", ""))
            r["_n"] = 0
            r["_applied"] = 0
            clean.append(r)
        with self.lock:
            self.faults = clean

    def reset(self):
        with self.lock:
            self.log = []
            self.seq = 0
            # a request still being answered (a stalled body) belongs to the test before: its
            # entry, logged when its last byte is out, must not land in the next test's log
            self.generation = getattr(self, "generation", 0) + 1
            self.stats = {"api": 0, "api_304": 0, "blob": 0, "by_route": {}, "by_status": {},
                          "faults": 0}
            self.buckets = {}
            self.set_faults(self.initial_faults)
            if self.fx.now is not None:
                self.clock.set(self.fx.now)
            else:
                self.clock.offset = 0.0

    def pick_fault(self, host, req):
        """Counts this request against every rule it matches; returns the first that fires."""
        target = req["path"] + ("?" + req["query"] if req["query"] else "")
        chosen = None
        with self.lock:
            for r in self.faults:
                if r.get("host") not in (None, host) or r.get("method") not in (None, req["method"]):
                    continue
                if not r["_re"].search(target):
                    continue
                r["_n"] += 1
                n = r["_n"]
                if r.get("always"):
                    fire = True
                elif "calls" in r:
                    fire = n in r["calls"]
                else:
                    fire = n <= int(r.get("times", 1))
                if fire and chosen is None:
                    r["_applied"] += 1
                    chosen = r
        return chosen

    def record(self, entry, generation=None):
        with self.lock:
            if generation is not None and generation != self.generation:
                return
            self.seq += 1
            entry["seq"] = self.seq
            self.log.append(entry)
            st = self.stats
            if entry["host"] == "blob":
                st["blob"] += 1
            else:
                st["api"] += 1
                if entry["status"] == 304:
                    st["api_304"] += 1
            st["by_route"][entry["route"]] = st["by_route"].get(entry["route"], 0) + 1
            key = str(entry["status"])
            st["by_status"][key] = st["by_status"].get(key, 0) + 1
            if entry["fault"]:
                st["faults"] += 1
            self.logf.write(entry, sort_keys=True)

    # ----- rate limits ---------------------------------------------------------------------
    def bucket(self, key, limit):
        now = self.clock.now()
        with self.lock:
            b = self.buckets.get(key)
            if b is None or now >= b["reset"]:
                b = {"limit": limit, "used": 0, "reset": int(now) + 3600}
                self.buckets[key] = b
            return b

    @staticmethod
    def rl_headers(b):
        return [("X-RateLimit-Limit", str(b["limit"])),
                ("X-RateLimit-Remaining", str(max(0, b["limit"] - b["used"]))),
                ("X-RateLimit-Reset", str(b["reset"])),
                ("X-RateLimit-Used", str(b["used"])),
                ("X-RateLimit-Resource", "core")]

    # ----- API host ------------------------------------------------------------------------
    def identify(self, req):
        """(identity, token info or None, bucket); identity "invalid" for a bad credential."""
        auth = req["headers"].get("authorization")
        fx = self.fx
        if auth is None:
            return "anon", None, self.bucket("ip:" + req["client_ip"], fx.anon_limit)
        m = re.fullmatch(r"(?i)(bearer|token)\s+(\S+)\s*", auth)
        info = fx.tokens.get(m.group(2)) if m else None
        if info is None:
            return "invalid", None, self.bucket("ip:" + req["client_ip"], fx.anon_limit)
        return info["login"], info, self.bucket("user:" + info["login"], int(info["limit"]))

    def error(self, status, message, extra=None, doc=DOCS):
        body = {"message": message, "documentation_url": doc, "status": str(status)}
        body.update(extra or {})
        return Resp(status, jdump(body), "application/json; charset=utf-8")

    def ratelimited(self, ident, req, status):
        info = next((t for t in self.fx.tokens.values() if t["login"] == ident), None)
        if info is None:
            msg = ("API rate limit exceeded for %s. (But here's the good news: Authenticated "
                   "requests get a higher rate limit. Check out the documentation for more "
                   "details.)" % req["client_ip"])
        else:
            msg = "API rate limit exceeded for user ID %s." % info["user_id"]
        return self.error(status, msg, doc="https://docs.github.com/rest/overview/rate-limits-for"
                          "-the-rest-api#about-the-primary-rate-limit")

    def api(self, req):
        h = req["headers"]
        if self.options.get("require_ua", True) and not h.get("user-agent"):
            r = Resp(403, NO_UA_BODY, "text/html; charset=utf-8")
            r.route, r.fault, r.identity = classify(req["path"]), None, "-"
            return r
        fault = self.pick_fault("api", req)
        ident, token, b = self.identify(req)
        if fault and fault["fault"] in PRE_FAULTS:
            r = self.pre_fault(fault, req, ident, b, blob=False)
        else:
            r = self.api_pipeline(req, ident, token, b, fault)
            if fault and fault["fault"] in WIRE_FAULTS:
                r.wire = fault
        r.route = classify(req["path"])
        r.fault = fault["fault"] if fault else None
        r.identity = ident
        return r

    def api_pipeline(self, req, ident, token, b, fault):
        h = req["headers"]
        opts = self.options
        version = h.get("x-github-api-version")
        if version is not None and version not in VERSIONS:
            r = self.error(400, "Invalid API version '%s'. Supported versions: %s."
                           % (version, ", ".join(VERSIONS)),
                           doc="https://docs.github.com/rest/about-the-rest-api/api-versions")
            return self.finish_api(r, req, ident, b, version, count=False)
        version = version or VERSIONS[0]
        accept = h.get("accept")
        if opts.get("strict_accept") and accept and not re.search(r"json|\*/\*", accept):
            r = self.error(415, "Unsupported 'Accept' header: '%s'. Must accept "
                           "'application/json'." % accept)
            return self.finish_api(r, req, ident, b, version)
        if ident == "invalid":
            r = self.error(401, "Bad credentials")
            return self.finish_api(r, req, ident, b, version)
        path = req["path"]
        if path.startswith("/api/v3/"):
            path = path[7:]
        if path == "/rate_limit":
            core = {"limit": b["limit"], "remaining": max(0, b["limit"] - b["used"]),
                    "reset": b["reset"], "used": b["used"], "resource": "core"}
            body = {"resources": {"core": core}}
            if version == "2022-11-28":
                body["rate"] = core
            r = Resp(200, jdump(body), "application/json; charset=utf-8")
            return self.finish_api(r, req, ident, b, version, count=False)
        if b["used"] >= b["limit"]:
            r = self.ratelimited(ident, req, int(opts.get("ratelimit_status", 403)))
            return self.finish_api(r, req, ident, b, version, count=False)
        r = self.route(req, path, ident, token, fault, version)
        return self.finish_api(r, req, ident, b, version, fault=fault)

    def finish_api(self, r, req, ident, b, version, count=True, fault=None):
        """Conditional request handling (section 9.3 steps 9-10) and the common headers."""
        auth = ident not in ("anon", "invalid")
        if r.status == 200 and r.body:
            etag = 'W/"%s"' % hashlib.sha256(r.body + b"\0" + ident.encode()).hexdigest()
            r.headers.append(("ETag", etag))
            inm = req["headers"].get("if-none-match")
            forced = fault and fault["fault"] == "force_304" and inm is not None
            if inm is not None and (forced or inm.strip() == "*" or
                                    etag in [t.strip() for t in inm.split(",")]):
                r.status, r.body = 304, b""
                r.headers = [x for x in r.headers if x[0] != "Content-Type"]
                count = False
        if count:
            with self.lock:
                b["used"] += 1
        r.headers += [("Cache-Control", "%s, max-age=60, s-maxage=60"
                       % ("private" if auth else "public")),
                      ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP" if auth
                       else "Accept,Accept-Encoding, Accept, X-Requested-With"),
                      ("X-GitHub-Media-Type", "github.v3; format=json"),
                      ("X-GitHub-Api-Version-Selected", version)]
        r.headers += self.rl_headers(b)
        if auth:
            r.headers.append(("X-Accepted-GitHub-Permissions", "actions=read"))
        r.headers.append(("X-GitHub-Request-Id", "%04X:%05X:%07X:%07X:%08X" % tuple(
            secrets.randbits(n) for n in (16, 20, 28, 28, 32))))
        return r

    def pre_fault(self, f, req, ident, b, blob):
        """Responses that replace the normal answer (section 9.7)."""
        name = f["fault"]
        if name == "reset":
            r = Resp(0)
            r.wire = f
            return r
        if name == "redirect_loop":
            host = req["headers"].get("host", "")
            r = Resp(302, b"", headers=[("Location", "http://%s%s" % (host, req["target"]))])
            return r
        if name == "huge":
            r = Resp(200, b"", "application/json; charset=utf-8")
            r.wire = f
            return r
        if blob and name in ("http_5xx",):
            st = int(f.get("status", 500))
            code = {500: "InternalError", 503: "ServerBusy"}.get(st, "InternalError")
            r = Resp(st, azure_error(code, "The server encountered an internal error.",
                                     self.clock.now()), "application/xml")
            r.headers.append(("x-ms-error-code", code))
            r.server = "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0"
            return r
        if name == "primary_ratelimit":
            with self.lock:
                b["used"] = b["limit"]
                b["reset"] = int(self.clock.now() + float(f.get("reset_in", 2)))
            r = self.ratelimited(ident, req, int(f.get("status", 403)))
        elif name in ("secondary_403", "secondary_429"):
            r = self.error(403 if name == "secondary_403" else 429,
                           "You have exceeded a secondary rate limit. Please wait a few minutes "
                           "before you try again. If you reach out to GitHub Support for help, "
                           "please include the request ID %s." % secrets.token_hex(8).upper(),
                           doc="https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
                           "#about-secondary-rate-limits")
            ra = f.get("retry_after", 1)
            if ra is not None:
                r.headers.append(("Retry-After", str(ra)))
        elif name == "http_5xx":
            st = int(f.get("status", 500))
            if st == 502:
                r = Resp(502, b"<html><head><title>502 Bad Gateway</title></head><body>"
                         b"<h1>502 Bad Gateway</h1><p>Unicorn! Something went wrong.</p>"
                         b"</body></html>\n", "text/html")
            elif st == 504:
                r = Resp(504, b"<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't "
                         b"respond in time.\n</body></html>\n", "text/html")
            else:
                r = self.error(st, f.get("message", "Server Error" if st == 500
                                         else "Service Unavailable"))
        elif name == "status_410" or name == "race_expired":
            r = self.error(410, f.get("message", "Artifact has expired"))
        elif name == "status_404":
            r = self.error(404, "Not Found")
        elif name == "status_401":
            r = self.error(401, "Bad credentials")
        elif name == "status_403_perm":
            r = self.error(403, f.get("message", "Resource not accessible by personal access "
                                      "token"))
            r.headers.append(("X-Accepted-GitHub-Permissions", "actions=read"))
        elif name == "deep_json":
            # valid JSON nested `depth` deep: a recursive tree parser overflows its stack
            depth = int(f.get("depth", 400000))
            r = Resp(200, b'{"total_count": 1, "workflow_runs": [' + b"[" * depth + b"]" * depth
                     + b"]}", "application/json; charset=utf-8")
        elif name == "bad_json":
            if f.get("kind", "invalid") == "html":
                r = Resp(200, b"<!DOCTYPE html><html><head><title>GitHub</title></head><body>"
                         b"<p>Whoa there!</p></body></html>\n", "text/html; charset=utf-8")
            else:
                r = Resp(200, f.get("body", '{"total_count": 3, "workflow_runs": [{"id": 1,')
                         .encode(), "application/json; charset=utf-8")
        else:
            r = self.error(500, "Server Error")
        if not blob:
            r.headers += self.rl_headers(b)
        return r

    # ----- routes ----------------------------------------------------------------------------
    def route(self, req, path, ident, token, fault, version):
        fx = self.fx
        repo = fx.repo
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        if m:
            owner, name = unquote(m.group(1)), unquote(m.group(2))
            if (owner.lower(), name.lower()) != (repo["owner"].lower(), repo["name"].lower()):
                return self.error(404, "Not Found")
            rest = m.group(3) or ""
        else:
            m = re.fullmatch(r"/repositories/(\d+)(/.*)?", path)
            if not m or int(m.group(1)) != int(repo["id"]):
                return self.error(404, "Not Found")
            rest = m.group(2) or ""
        if repo.get("private") and ident == "anon":
            return self.error(404, "Not Found")
        if req["method"] not in ("GET", "HEAD"):
            return self.error(404, "Not Found")
        q = parse_qsl(req["query"], keep_blank_values=True)
        qd = dict(q)
        base = "http://" + req["headers"].get("host", "127.0.0.1")
        if req["path"].startswith("/api/v3/"):
            base += "/api/v3"
        ctx = {"base": base, "rest": rest, "version": version, "req": req, "fault": fault}
        seg = rest.split("/")[1:] if rest else []
        if not seg:
            return self.json_ok(self.repo_obj(base, version, full=True))
        if seg[0] != "actions":
            return self.error(404, "Not Found")
        seg = seg[1:]
        if seg == ["workflows"]:
            items = [self.workflow_obj(w, base) for w in fx.workflows]
            return self.page(ctx, qd, "workflows", items)
        if len(seg) >= 2 and seg[0] == "workflows":
            wf = fx.workflow(unquote(seg[1]))
            if wf is None:
                return self.error(404, "Not Found")
            if len(seg) == 2:
                return self.json_ok(self.workflow_obj(wf, base))
            if seg[2:] == ["runs"]:
                return self.list_runs(ctx, qd, wf)
            return self.error(404, "Not Found")
        if seg == ["runs"]:
            return self.list_runs(ctx, qd, None)
        if len(seg) >= 2 and seg[0] == "runs":
            run = fx.runs.get(int(seg[1])) if seg[1].isdigit() else None
            if run is None:
                return self.error(404, "Not Found")
            if len(seg) == 2:
                return self.json_ok(self.run_obj(run, base, version, qd))
            if len(seg) == 4 and seg[2] == "attempts" and seg[3].isdigit():
                n = int(seg[3])
                if not 1 <= n <= run["run_attempt"]:
                    return self.error(404, "Not Found")
                return self.json_ok(self.run_obj(run, base, version, qd, attempt=n))
            if seg[2:] == ["artifacts"]:
                arts = [a for a in fx.artifacts.values() if a["run_id"] == run["id"]]
                return self.list_artifacts(ctx, qd, arts, qd.get("direction", "asc"))
            return self.error(404, "Not Found")
        if seg == ["artifacts"]:
            return self.list_artifacts(ctx, qd, list(fx.artifacts.values()),
                                       qd.get("direction", "desc"))
        if len(seg) >= 2 and seg[0] == "artifacts":
            art = fx.artifacts.get(int(seg[1])) if seg[1].isdigit() else None
            if len(seg) == 2:
                if art is None:
                    return self.error(404, "Not Found")
                return self.json_ok(self.artifact_obj(art, base))
            if len(seg) == 3:
                return self.download(ctx, art, seg[2], token)
        return self.error(404, "Not Found")

    def json_ok(self, obj):
        return Resp(200, jdump(obj), "application/json; charset=utf-8")

    def page(self, ctx, qd, key, items, total=None, pageable=None):
        """Section 9.5: per_page/page, a Link header built from the request's own query."""
        pageable = items if pageable is None else pageable
        total = len(items) if total is None else total
        try:
            per_page = min(100, max(1, int(qd.get("per_page", "30"))))
        except ValueError:
            per_page = 30
        try:
            page = max(1, int(qd.get("page", "1")))
        except ValueError:
            page = 1
        last = max(1, math.ceil(len(pageable) / per_page))
        chunk = pageable[(page - 1) * per_page:page * per_page]
        fault = ctx["fault"]
        if fault and fault["fault"] == "link_mismatch":
            total = int(fault.get("total_count", total + 100))
        r = self.json_ok({"total_count": total, key: chunk})
        if fault and fault["fault"] == "link_loop":
            # rel="next" back to page `to` (default: this very page)
            to = int(fault.get("to", page))
            r.headers.append(("Link", self.link(ctx, to - 1, to + 1)))
        elif fault and fault["fault"] == "link_endless":
            # a next page for ever, past the end (empty pages, the same total_count)
            r.headers.append(("Link", self.link(ctx, page, page + 2)))
        elif last > 1:
            r.headers.append(("Link", self.link(ctx, page, last)))
        return r

    def link(self, ctx, page, last):
        opts = self.options
        req = ctx["req"]
        if opts.get("link_style") == "relative":
            base = req["path"][7:] if req["path"].startswith("/api/v3/") else req["path"]
        elif opts.get("link_style") == "repositories":
            base = ctx["base"] + "/repositories/%d%s" % (int(self.fx.repo["id"]), ctx["rest"])
        else:
            base = ctx["base"] + (req["path"][7:] if req["path"].startswith("/api/v3/")
                                  else req["path"])
        parts = [p for p in req["query"].split("&") if p] if req["query"] else []

        def url(n):
            out, done = [], False
            for p in parts:
                if unquote(p.split("=", 1)[0]) == "page":
                    if not done:
                        out.append("page=%d" % n)
                        done = True
                else:
                    out.append(p)
            if not done:
                out.append("page=%d" % n)
            return base + "?" + "&".join(out)

        def rel(s):
            return s.capitalize() if opts.get("link_rel_case") == "Next" else s

        links = []
        if page > 1:
            links.append('<%s>; rel="%s"' % (url(min(page - 1, last)), rel("prev")))
        if page < last:
            links.append('<%s>; rel="%s"' % (url(page + 1), rel("next")))
            if not opts.get("omit_last"):
                links.append('<%s>; rel="%s"' % (url(last), rel("last")))
        if page > 1:
            links.append('<%s>; rel="%s"' % (url(1), rel("first")))
        return ", ".join(links)

    def list_runs(self, ctx, qd, wf):
        fx = self.fx
        runs = [r for r in fx.runs.values() if wf is None or r["workflow_id"] == wf["id"]]
        status = qd.get("status")
        if status:
            if status not in RUN_STATUS_ENUM:
                if self.options.get("status_invalid") != "ignore":
                    return self.validation("status", status)
            elif status in RUN_STATUSES:
                runs = [r for r in runs if r["status"] == status]
            else:
                runs = [r for r in runs if r["conclusion"] == status]
        for key, field in (("branch", "head_branch"), ("event", "event"),
                           ("actor", "actor_login"), ("head_sha", "head_sha")):
            # ignore_filters: a server that lists every run whatever branch= and event= say
            if key in qd and not (key in ("branch", "event") and self.options.get("ignore_filters")):
                runs = [r for r in runs if str(r[field]) == qd[key]]
        if "check_suite_id" in qd:
            runs = [r for r in runs if str(r["check_suite_id"]) == qd["check_suite_id"]]
        if "created" in qd:
            pred = parse_created(qd["created"])
            if pred is None:
                return self.validation("created", qd["created"])
            runs = [r for r in runs if pred(r["_created"])]
        runs.sort(key=lambda r: (r["_created"], r["id"]), reverse=True)
        total = len(runs)
        pageable = runs
        if any(k in qd for k in CAPPED_FILTERS):
            cap = int(self.options.get("run_cap", 1000))
            pageable = runs[:cap]
            if self.options.get("total_count_capped"):
                total = min(total, cap)
        base, version = ctx["base"], ctx["version"]
        # Only the page's runs are rendered; the page function slices the same order.
        try:
            per_page = min(100, max(1, int(qd.get("per_page", "30"))))
        except ValueError:
            per_page = 30
        try:
            page = max(1, int(qd.get("page", "1")))
        except ValueError:
            page = 1
        lo = (page - 1) * per_page
        rendered = [None] * len(pageable)
        for i in range(lo, min(len(pageable), lo + per_page)):
            rendered[i] = self.run_obj(pageable[i], base, version, qd)
        return self.page(ctx, qd, "workflow_runs", rendered, total=total, pageable=rendered)

    def list_artifacts(self, ctx, qd, arts, direction):
        if "name" in qd:
            arts = [a for a in arts if a["name"] == qd["name"]]
        arts.sort(key=lambda a: a["id"], reverse=(direction == "desc"))
        items = [self.artifact_obj(a, ctx["base"]) for a in arts]
        return self.page(ctx, qd, "artifacts", items)

    def validation(self, field, value):
        return self.error(422, "Validation Failed", {"errors": [
            {"resource": "WorkflowRun", "field": field, "code": "invalid", "value": value}]},
            doc="https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a"
            "-repository")

    def expired(self, a):
        return bool(a.get("expired")) or (parse_iso(a["expires_at"]) or 0) < self.clock.now()

    def download(self, ctx, art, fmt, token):
        """GET .../artifacts/{id}/zip: the checks in GitHub's order, then a signed redirect."""
        if fmt != "zip":
            return self.error(404, "Not Found")
        if token is None or not token.get("actions_read", True) or not token.get("scopes", [1]):
            return self.error(403, "You must have the actions scope to download artifacts.",
                              doc="https://docs.github.com/rest/actions/artifacts#download-an"
                              "-artifact")
        if art is None:
            return self.error(404, "Not Found")
        if self.expired(art):
            return self.error(410, "Artifact has expired")
        if art.get("backend_missing"):
            return self.error(410, "This artifact was either expired or deleted")
        fault = ctx["fault"]
        fname = fault["fault"] if fault else ""
        now = self.clock.now()
        se = int(now - 5) if fname == "expired_location" else int(
            now + float(self.options.get("url_ttl", 60)))
        path = self.blob_path(art, se, int(now) - 300)
        if fname == "relative_location":
            loc = "/__blob" + path
        elif fname == "same_host_redirect":
            loc = ctx["base"].split("/api/v3")[0] + "/__blob" + path
        elif fname == "userinfo_location":
            loc = self.blob_base.replace("://", "://%s@" % fault.get("userinfo", "blobuser:blobpw"),
                                         1) + path
        else:
            loc = self.blob_base + path
        return Resp(302, b"", headers=[("Location", loc),
                                       ("Content-Type", "text/html;charset=utf-8")])

    def sign(self, art_uuid, se):
        mac = hmac.new(self.secret, ("%s\n%d" % (art_uuid, se)).encode(), hashlib.sha256).digest()
        return base64.b64encode(mac).decode()

    def blob_path(self, a, se, st):
        if a["kind"] == "raw":
            fname = quote(a["filename"], safe="")
        else:
            fname = quote(a["name"], safe="") + ".zip"
        # skn: a nonce per signed URL handed out, so that tests can tell two of them apart
        q = "sv=2024-11-04&st=%s&se=%s&sr=b&sp=r&skn=%d&sig=%s" % (
            quote(iso(st), safe=""), quote(iso(se), safe=""), next(self.url_nonce),
            quote(self.sign(a["_uuid"], se), safe=""))
        return "/actions-results/%s/artifacts/%s?%s" % (a["_uuid"], fname, q)

    # ----- objects -------------------------------------------------------------------------
    def repo_obj(self, base, version, full=False, full_name=None):
        repo = self.fx.repo
        fn = full_name or "%s/%s" % (repo["owner"], repo["name"])
        owner, name = fn.split("/", 1)
        rid = int(repo["id"]) if fn.lower() == ("%s/%s" % (repo["owner"], repo["name"])).lower() \
            else int(hashlib.sha1(fn.encode()).hexdigest()[:8], 16)
        url = "%s/repos/%s" % (base, fn)
        o = {"id": rid, "node_id": b64("010:Repository%d" % rid), "name": name, "full_name": fn,
             "private": bool(repo.get("private")),
             "owner": {"login": owner, "id": 9000 + len(owner), "node_id": b64("04:User" + owner),
                       "avatar_url": "https://avatars.githubusercontent.com/u/%d?v=4"
                       % (9000 + len(owner)), "url": "%s/users/%s" % (base, owner),
                       "html_url": "https://github.com/" + owner, "type": "Organization",
                       "site_admin": False},
             "html_url": "https://github.com/" + fn, "description": repo.get("description"),
             "fork": fn != "%s/%s" % (repo["owner"], repo["name"]), "url": url}
        for k in REPO_URL_KEYS:
            o[k + "_url"] = "%s/%s" % (url, k.replace("_", "/") if k.startswith("git_") else k)
        if version == "2022-11-28":
            o["has_downloads"] = True
        if full:
            o["default_branch"] = repo["default_branch"]
            o["visibility"] = "private" if repo.get("private") else "public"
        return o

    def workflow_obj(self, w, base):
        repo = self.fx.repo
        rb = "%s/repos/%s/%s" % (base, repo["owner"], repo["name"])
        return {"id": w["id"], "node_id": b64("08:Workflow%d" % w["id"]), "name": w["name"],
                "path": w["path"], "state": w["state"], "created_at": w["created_at"],
                "updated_at": w["updated_at"], "url": "%s/actions/workflows/%d" % (rb, w["id"]),
                "html_url": "https://github.com/%s/%s/blob/%s/%s" % (
                    repo["owner"], repo["name"], repo["default_branch"], w["path"]),
                "badge_url": "https://github.com/%s/%s/workflows/%s/badge.svg" % (
                    repo["owner"], repo["name"], quote(w["name"]))}

    def run_obj(self, r, base, version, qd, attempt=None):
        fx = self.fx
        repo = fx.repo
        full = "%s/%s" % (repo["owner"], repo["name"])
        rb = "%s/repos/%s" % (base, full)
        rid = r["id"]
        wf = fx.workflow(r["workflow_id"]) or fx.workflows[0]
        att = attempt or r["run_attempt"]
        actor = {"login": r["actor_login"], "id": 5000 + len(r["actor_login"]),
                 "node_id": b64("04:User" + r["actor_login"]),
                 "avatar_url": "https://avatars.githubusercontent.com/u/5000?v=4",
                 "url": "%s/users/%s" % (base, r["actor_login"]),
                 "html_url": "https://github.com/" + r["actor_login"], "type": "User",
                 "site_admin": False}
        head_repo = self.repo_obj(base, version, full_name=r["head_repo_full_name"])
        exclude = qd.get("exclude_pull_requests", "false").lower() == "true"
        return {
            "id": rid, "name": r["name"], "node_id": b64("011:WorkflowRun%d" % rid),
            "head_branch": r["head_branch"], "head_sha": r["head_sha"],
            "path": wf["path"], "display_title": r["display_title"],
            "run_number": r["run_number"], "event": r["event"], "status": r["status"],
            "conclusion": r["conclusion"], "workflow_id": r["workflow_id"],
            "check_suite_id": r["check_suite_id"],
            "check_suite_node_id": b64("010:CheckSuite%d" % r["check_suite_id"]),
            "url": "%s/actions/runs/%d" % (rb, rid),
            "html_url": "https://github.com/%s/actions/runs/%d" % (full, rid),
            "pull_requests": [] if exclude else r["pull_requests"],
            "created_at": r["created_at"], "updated_at": r["updated_at"],
            "actor": actor, "run_attempt": att, "referenced_workflows": [],
            "run_started_at": r["run_started_at"], "triggering_actor": actor,
            "jobs_url": "%s/actions/runs/%d/jobs" % (rb, rid),
            "logs_url": "%s/actions/runs/%d/logs" % (rb, rid),
            "check_suite_url": "%s/check-suites/%d" % (rb, r["check_suite_id"]),
            "artifacts_url": "%s/actions/runs/%d/artifacts" % (rb, rid),
            "cancel_url": "%s/actions/runs/%d/cancel" % (rb, rid),
            "rerun_url": "%s/actions/runs/%d/rerun" % (rb, rid),
            "previous_attempt_url": ("%s/actions/runs/%d/attempts/%d" % (rb, rid, att - 1)
                                     if att > 1 else None),
            "workflow_url": "%s/actions/workflows/%d" % (rb, r["workflow_id"]),
            "head_commit": {"id": r["head_sha"],
                            "tree_id": hashlib.sha1(r["head_sha"].encode()).hexdigest(),
                            "message": r["display_title"], "timestamp": r["created_at"],
                            "author": {"name": "Fake Author", "email": "author@example.com"},
                            "committer": {"name": "GitHub", "email": "noreply@github.com"}},
            "repository": self.repo_obj(base, version),
            "head_repository": head_repo, "head_repository_id": head_repo["id"],
        }

    def artifact_obj(self, a, base):
        fx = self.fx
        repo = fx.repo
        rb = "%s/repos/%s/%s" % (base, repo["owner"], repo["name"])
        run = fx.runs.get(a["run_id"], {})
        return {"id": a["id"], "node_id": b64("08:Artifact%d" % a["id"]), "name": a["name"],
                "size_in_bytes": a["size_in_bytes"],
                "url": "%s/actions/artifacts/%d" % (rb, a["id"]),
                "archive_download_url": "%s/actions/artifacts/%d/zip" % (rb, a["id"]),
                "expired": self.expired(a), "created_at": a["created_at"],
                "updated_at": a["updated_at"], "expires_at": a["expires_at"],
                "digest": a["digest"],
                "workflow_run": {"id": a["run_id"], "repository_id": int(repo["id"]),
                                 "head_repository_id": int(repo["id"]),
                                 "head_branch": run.get("head_branch"),
                                 "head_sha": run.get("head_sha")}}

    # ----- blob host -----------------------------------------------------------------------
    def blob(self, req):
        path = req["path"]
        if path.startswith("/__blob/"):
            path = path[len("/__blob"):]
        fault = self.pick_fault("blob", req)
        now = self.clock.now()
        r = self.blob_checks(req, path, now)
        if r is None:
            if fault and fault["fault"] in PRE_FAULTS:
                r = self.pre_fault(fault, req, "anon", None, blob=True)
            else:
                m = re.match(r"/actions-results/([^/]+)/", path)
                r = self.blob_ok(req, self.fx.by_uuid[m.group(1)])
                if fault and fault["fault"] in WIRE_FAULTS:
                    r.wire = fault
        else:
            fault = None
        r.route = "blob"
        r.fault = fault["fault"] if fault else None
        r.identity = "-"
        if r.server == "github.com":
            r.server = "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0"
        return r

    def blob_checks(self, req, path, now):
        def fail(status, code, msg, detail=None):
            r = Resp(status, azure_error(code, msg, now, detail), "application/xml")
            r.headers.append(("x-ms-error-code", code))
            return r

        m = re.fullmatch(r"/actions-results/([^/]+)/artifacts/[^/]+", path)
        if req["method"] not in ("GET", "HEAD"):
            return fail(405, "UnsupportedHttpVerb", "The resource doesn't support specified Http "
                        "Verb.")
        if "authorization" in req["headers"]:
            return fail(403, "AuthenticationFailed", "Server failed to authenticate the request. "
                        "Make sure the value of Authorization header is formed correctly "
                        "including the signature.")
        art = self.fx.by_uuid.get(m.group(1)) if m else None
        if art is None:
            return fail(404, "BlobNotFound", "The specified blob does not exist.")
        q = dict(parse_qsl(req["query"], keep_blank_values=True))
        se = parse_iso(q.get("se", ""))
        if se is None or not hmac.compare_digest(q.get("sig", ""), self.sign(art["_uuid"], se)):
            return fail(403, "AuthenticationFailed", "Server failed to authenticate the request. "
                        "Make sure the value of Authorization header is formed correctly "
                        "including the signature.", "Signature did not match.")
        if se < now:
            return fail(403, "AuthenticationFailed", "Server failed to authenticate the request. "
                        "Make sure the value of Authorization header is formed correctly "
                        "including the signature.",
                        "Signature not valid in the specified time frame: Start [%s] - Expiry "
                        "[%s] - Current [%s]" % (httpdate(se - 360), httpdate(se), httpdate(now)))
        return None

    def blob_ok(self, req, a):
        blob = a["_blob"]
        etag = '"0x8DC%012X"' % (a["id"] & 0xFFFFFFFFFFFF)
        hdrs = [("Content-Type", a["content_type"]), ("ETag", etag),
                ("Last-Modified", httpdate(parse_iso(a["created_at"]) or 0)),
                ("x-ms-blob-type", "BlockBlob"), ("x-ms-version", "2024-11-04"),
                ("x-ms-request-id", str(uuid.uuid4()))]
        if a["kind"] == "raw":
            fn = a["filename"]
            ascii_fn = fn.encode("ascii", "replace").decode().replace('"', "_")
            hdrs.append(("Content-Disposition", "attachment; filename=\"%s\"; filename*=UTF-8''%s"
                         % (ascii_fn, quote(fn, safe=""))))
        if a["kind"] == "legacy":
            r = Resp(200, blob, headers=hdrs)
            r.chunked = True
            return r
        hdrs.append(("Accept-Ranges", "bytes"))
        total = len(blob)
        rng = req["headers"].get("range")
        if_range = req["headers"].get("if-range")
        if rng and (if_range is None or if_range.strip() == etag):
            m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", rng)
            if m and (m.group(1) or m.group(2)):
                if m.group(1):
                    lo = int(m.group(1))
                    hi = min(int(m.group(2)), total - 1) if m.group(2) else total - 1
                else:
                    lo, hi = max(0, total - int(m.group(2))), total - 1
                if lo >= total or lo > hi:
                    return Resp(416, b"", headers=hdrs + [("Content-Range", "bytes */%d" % total)])
                return Resp(206, blob[lo:hi + 1],
                            headers=hdrs + [("Content-Range", "bytes %d-%d/%d" % (lo, hi, total))])
        return Resp(200, blob, headers=hdrs)


def b64(s):
    return base64.b64encode(s.encode()).decode()


def httpdate(t):
    return email.utils.formatdate(t, usegmt=True)


def azure_error(code, msg, now, detail=None):
    body = ('<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code><Message>%s\n'
            "RequestId:%s\nTime:%s</Message>" % (code, msg, uuid.uuid4(),
                                                 time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z",
                                                               time.gmtime(now))))
    if detail:
        body += "<AuthenticationErrorDetail>%s</AuthenticationErrorDetail>" % detail
    return (body + "</Error>").encode()


class Handler(QuietHandler):
    timeout = 120
    wbufsize = 1 << 16  # headers and body leave in one segment; emit() flushes

    def handle(self):
        try:
            super().handle()
        except (OSError, ValueError):
            pass

    def finish(self):
        try:
            super().finish()
        except (OSError, ValueError):
            pass

    def do_any(self):
        fake = self.server.fake
        t0 = time.time()
        generation = getattr(fake, "generation", 0)
        url = urlsplit(self.path)
        length = self.headers.get("Content-Length")
        body = self.rfile.read(int(length)) if length and length.isdigit() else b""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
        req = {"method": self.command, "path": url.path, "query": url.query,
               "target": self.path, "body": body, "client_ip": self.client_address[0],
               "headers": {k.lower(): v for k, v in self.headers.items()}}
        if self.server.kind == "api" and url.path.startswith("/__fake/"):
            return self.control(fake, req)
        if url.path.startswith("/__blob/") or self.server.kind == "blob":
            resp = fake.blob(req)
            host = "blob"
        else:
            resp = fake.api(req)
            host = "api"
        if fake.delay:
            time.sleep(fake.delay)
        sent = self.emit(resp, self.command == "HEAD")
        auth = self.headers.get("Authorization")
        hdrs = {}
        for k, v in self.headers.items():
            k = k.lower()
            hdrs[k] = ("<redacted:%s>" % (v.split(None, 1) or [""])[0]) if k == "authorization" \
                else v
        fake.record({
            "time": fake.clock.now(), "wall": time.time(), "duration_ms": round(
                (time.time() - t0) * 1000, 3),
            "host": host, "listener": self.server.kind, "method": self.command,
            "path": url.path, "query": url.query,
            "url": "http://%s%s" % (self.headers.get("Host", ""), self.path),
            "headers": hdrs, "auth": auth is not None,
            "auth_scheme": auth.split(None, 1)[0] if auth else None,
            "authorization_raw_sha256": hashlib.sha256(auth.encode()).hexdigest() if auth
            else None,
            "identity": resp.identity, "route": resp.route, "status": resp.status,
            "bytes": sent, "fault": resp.fault,
            "client": "%s:%d" % self.client_address[:2]}, generation)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_any

    def emit(self, r, head_only):
        """Writes the response by hand so faults can break framing; returns body bytes sent."""
        f = r.wire or {}
        name = f.get("fault")
        if name == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return 0
        if name == "stall":
            time.sleep(float(f.get("seconds", 5)))
        body = r.body
        if name == "corrupt" and body:
            body = bytearray(body)
            at = int(f.get("offset", len(body) // 2)) % len(body)
            for i in range(at, min(len(body), at + int(f.get("count", 1)))):
                body[i] ^= 0xFF
            body = bytes(body)
        huge = name == "huge"
        chunked = r.chunked or name == "truncate_chunked" or (huge and f.get("endless"))
        close = name in ("truncate", "truncate_chunked", "length_longer", "length_shorter",
                         "huge", "drip") or r.status == 0
        hdrs = [("Server", r.server), ("Date", httpdate(self.server.fake.clock.now()))] + r.headers
        bodyless = r.status == 304 or r.status < 200
        if bodyless:
            pass
        elif chunked:
            hdrs.append(("Transfer-Encoding", "chunked"))
        else:
            n = len(body)
            if huge or name == "drip":
                n = int(f.get("bytes", 64 << 20))
            elif name == "length_shorter":
                n += int(f.get("extra", 100))
            elif name == "length_longer" and f.get("declared") == "short":
                n = max(0, n - int(f.get("extra", 16)))
            hdrs.append(("Content-Length", str(n)))
        if close:
            hdrs.append(("Connection", "close"))
            self.close_connection = True
        try:
            phrase = http.HTTPStatus(r.status).phrase
        except ValueError:
            phrase = "Status"
        head = "HTTP/1.1 %d %s\r\n" % (r.status, phrase)
        head += "".join("%s: %s\r\n" % kv for kv in hdrs) + "\r\n"
        w = self.wfile
        w.write(head.encode("latin-1", "replace"))
        if head_only or bodyless:
            w.flush()
            return 0
        if huge:
            return self.emit_huge(f, chunked)
        if name == "drip":
            return drip(self.wfile, body, f)
        if name in ("truncate", "truncate_chunked"):
            body = body[:int(f.get("bytes", len(body) // 2))]
        at = int(f.get("at", len(body) // 2)) if name == "slow" else -1
        parts = [body[:at], body[at:]] if at >= 0 else [body]
        sent = 0
        for k, part in enumerate(parts):
            if k:  # the "slow" pause, mid-body
                w.flush()
                time.sleep(float(f.get("seconds", 5)))
            if chunked:
                for i in range(0, len(part), 16384):
                    piece = part[i:i + 16384]
                    w.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                w.write(part)
            sent += len(part)
        if chunked and name not in ("truncate", "truncate_chunked"):
            w.write(b"0\r\n\r\n")
        if name == "length_longer" and f.get("declared") != "short":
            w.write(b"X" * int(f.get("extra", 16)))
        w.flush()
        return sent

    def emit_huge(self, f, chunked):
        unit = b'{"id":1,"name":"' + b"x" * 1000 + b'"},'
        block = b'{"total_count":1,"workflow_runs":[' + unit * 64
        limit = 1 << 32 if chunked else int(f.get("bytes", 64 << 20))
        sent = 0
        while sent < limit:
            piece = block[:limit - sent]
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
            sent += len(piece)
            block = unit * 64
        self.wfile.flush()
        return sent

    def control(self, fake, req):
        """/__fake/* routes: never logged, faulted, delayed or rate-limited."""
        path, method = req["path"], req["method"]
        try:
            data = json.loads(req["body"] or b"null")
            if path == "/__fake/log" and method == "GET":
                since = int(dict(parse_qsl(req["query"])).get("since", 0))
                with fake.lock:
                    out = [e for e in fake.log if e["seq"] > since]
            elif path == "/__fake/stats" and method == "GET":
                with fake.lock:
                    out = json.loads(json.dumps(fake.stats))
                    out["ratelimit"] = {k: dict(v) for k, v in fake.buckets.items()}
            elif path == "/__fake/faults" and method == "POST":
                fake.set_faults(data or [])
                out = {"faults": len(fake.faults)}
            elif path == "/__fake/faults" and method == "GET":
                with fake.lock:
                    out = [dict({k: v for k, v in r.items() if not k.startswith("_")},
                                seen=r["_n"], applied=r["_applied"]) for r in fake.faults]
            elif path == "/__fake/clock":
                if method == "POST" and data:
                    if "now" in data:
                        fake.clock.set(data["now"])
                    if "advance" in data:
                        fake.clock.advance(data["advance"])
                out = {"now": fake.clock.now()}
            elif path == "/__fake/reset" and method == "POST":
                fake.reset()
                out = {"ok": True}
            elif path == "/__fake/fixture" and method == "POST":
                if isinstance(data, dict) and "path" in data:
                    fx = fake.load_fixture(path=data["path"])
                else:
                    fx = fake.load_fixture(data=data)
                out = {"runs": len(fx.runs), "artifacts": len(fx.artifacts)}
            elif path == "/__fake/options":
                if method == "POST" and isinstance(data, dict):
                    with fake.lock:
                        fake.cli_options.update(data)
                        fake.options.update(data)
                out = dict(fake.options)
            else:
                raise KeyError(path)
            r = Resp(200, jdump(out), "application/json")
        except KeyError:
            r = Resp(404, b'{"error":"unknown control route"}', "application/json")
        except (ValueError, OSError, TypeError) as e:
            r = Resp(400, jdump({"error": str(e)}), "application/json")
        r.server = "fakegh"
        self.emit(r, method == "HEAD")


class Server6(Server):
    address_family = socket.AF_INET6


def main():
    ap = argparse.ArgumentParser(description="Fake GitHub REST API + blob host for imx tests.")
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--delay-ms", type=float, default=0)
    ap.add_argument("--faults")
    ap.add_argument("--token", action="append")
    ap.add_argument("--option", action="append", help="KEY=VALUE, see DEFAULT_OPTIONS")
    args = ap.parse_args()
    try:
        fake = Fake(args)
    except (OSError, ValueError, KeyError) as e:
        print("fakegh: cannot load: %s" % e, file=sys.stderr)
        return 2
    api = Server(("127.0.0.1", 0), Handler)
    blob = Server(("127.0.0.1", 0), Handler)
    servers = [api, blob]
    try:  # curl may try ::1 first for "localhost"; serve there too when possible
        servers.append(Server6(("::1", blob.server_address[1]), Handler))
    except OSError:
        pass
    for s, kind in zip(servers, ("api", "blob", "blob")):
        s.fake, s.kind = fake, kind
    pa, pb = api.server_address[1], blob.server_address[1]
    fake.blob_base = "http://localhost:%d" % pb
    write_port_file(args.port_file, {"api": "http://127.0.0.1:%d" % pa, "blob": fake.blob_base,
                                     "pid": os.getpid()})
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    api.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
