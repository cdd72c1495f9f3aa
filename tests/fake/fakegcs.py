#!/usr/bin/env python3
# fakegcs.py: an offline double of the public Google Cloud Storage bucket that backs up
# InferenceX's artifacts (notes section 4 and 5.2), with the faults of section 5.3 as switches.
"""Usage:
  fakegcs.py --data DIR --port-file FILE [--log FILE] [--delay-ms N] [--fault SPEC]...

DIR holds one folder per bucket (made by mkgcsfixture.py); every file below DIR/<bucket>/ is the
object named by its relative path. The server listens on 127.0.0.1 with an ephemeral port and
writes {"url": "http://127.0.0.1:P", "pid": N} to FILE once it accepts connections.

Routes (the GCS JSON and XML APIs, as far as a public bucket needs them):
  GET /storage/v1/b/<bucket>/o?prefix=&delimiter=&pageToken=&maxResults=&fields=
      objects.list: items (name, size as a string, md5Hash, crc32c, updated, ...), prefixes[]
      when a delimiter is given, nextPageToken while more remain (maxResults: default and
      cap 1000, prefixes count too). fields= is honoured for items(...), prefixes, nextPageToken.
  GET /storage/v1/b/<bucket>/o/<object, percent-encoded>[?alt=media]   metadata, or the bytes
  GET /download/storage/v1/b/<bucket>/o/<object, percent-encoded>?alt=media   the bytes
  GET /<bucket>/<object, each segment percent-encoded>                 the bytes (XML API)
Downloads carry x-goog-hash (crc32c=..., md5=...), x-goog-stored-content-length, an ETag.

Strictness that real clients trip over: a raw space in the request path is a 400, and a
literal '+' in a download path means a space (as in form encoding), so a client that does not
percent-encode '+' asks for another object and gets 404. Any Authorization header gets 401
(the bucket is public; a stray token must never be sent).

Every request is appended to the JSONL log: method, path, query, params, headers (the
Authorization value reduced to its scheme), status, bytes sent, in-flight count, fault.

A fault SPEC is KIND[:key=value,...]; keys: path (prefix of the request path), name (substring
of the object name, or of the listing prefix), query (substring of the query string), count (how
many requests it hits; default every one), and per-kind values. Kinds:
  private      403: the bucket was made private (listings and downloads)
  missing      404 "No such object" for a download (the object is listed but gone)
  tokenloop    listings answer with the same nextPageToken over and over
  truncate     a download announces the full length, sends half, closes the connection
  corrupt      a download with one byte flipped (same length: only the hash tells)
  nomd5        listings without md5Hash (composite objects only have crc32c)
  tokenfresh   listings restart at the first page with a new nextPageToken every time
  badjson      a 200 listing that is not JSON
  deep         valid JSON nested depth=N (400000) deep: a listing, or an object's bytes
  gzip         a listing or an object's bytes gzip-compressed though the client did not ask for
               it, with Content-Encoding: gzip (header=0: without)
  drip         Content-Length bytes=N (1 MiB), then rate=N (2) bytes a second for seconds=N
  reset        the connection closes before any response
  stall        sleeps seconds=N before answering
  429 | 500 | 502 | 503 | 504   that status (retry_after=SECONDS)
POST /_fake/config with {"faults": [SPEC...]} replaces the faults at run time (not logged).
"""
import argparse
import base64
import email.utils
import gzip
import hashlib
import json
import os
import socket
import sys
import threading
import time
import urllib.parse

from fakelib import Faults, QuietHandler, RequestLog, serve

MAX_RESULTS = 1000
CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (0x82F63B78 ^ (_c >> 1)) if _c & 1 else _c >> 1
    CRC_TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def parse_fields(spec):
    """'items(name,size),prefixes,nextPageToken' -> {'items': {'name','size'}, 'prefixes': None, ...}"""
    out, depth, cur = {}, 0, ""
    for ch in spec + ",":
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            cur = cur.strip()
            if cur:
                if "(" in cur:
                    top, _, sub = cur.partition("(")
                    out[top.strip()] = {s.strip() for s in sub.rstrip(")").split(",") if s.strip()}
                else:
                    out[cur] = None
            cur = ""
        else:
            cur += ch
    return out


class Bucket:
    """The objects of one bucket, loaded once: bytes stay on disk, hashes are computed here."""

    def __init__(self, name, root):
        self.name = name
        self.objects = {}
        for d, _, files in os.walk(root):
            for fn in files:
                full = os.path.join(d, fn)
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                with open(full, "rb") as f:
                    data = f.read()
                st = os.stat(full)
                updated = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(st.st_mtime)) + ".000Z"
                md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
                crc = base64.b64encode(crc32c(data).to_bytes(4, "big")).decode()
                self.objects[rel] = {
                    "kind": "storage#object", "id": "%s/%s/1" % (name, rel), "name": rel,
                    "bucket": name, "generation": "1", "metageneration": "1",
                    "contentType": "application/zip" if rel.endswith(".zip")
                    else "application/json",
                    "storageClass": "STANDARD", "size": str(len(data)), "md5Hash": md5,
                    "crc32c": crc, "etag": "CAE=", "timeCreated": updated, "updated": updated,
                    "_path": full,
                }
        self.names = sorted(self.objects)


class State:
    def __init__(self, args):
        self.buckets = {}
        for b in sorted(os.listdir(args.data)):
            p = os.path.join(args.data, b)
            if os.path.isdir(p):
                self.buckets[b] = Bucket(b, p)
        self.lock = threading.Lock()
        self.faults = Faults(args.fault, self.lock)
        self.delay = args.delay_ms / 1000.0
        self.inflight = 0
        self.fresh_tokens = 0
        self.log = RequestLog(args.log, self.lock)

    def take_fault(self, path, query, name, kinds):
        return self.faults.take(path, query, lambda f: f["kind"] in kinds and
                                ("name" not in f or f["name"] in (name or "")))

    def write_log(self, entry):
        self.log.write(entry)


GENERIC = ("private", "reset", "stall", "429", "500", "502", "503", "504")
LIST_FAULTS = GENERIC + ("tokenloop", "tokenfresh", "nomd5", "badjson", "deep", "drip", "gzip")
GET_FAULTS = GENERIC + ("missing", "truncate", "corrupt", "deep", "drip", "gzip")


class Handler(QuietHandler):
    server_version = "fakegcs/1"

    def json_error(self, status, msg, reason="notFound"):
        body = {"error": {"code": status, "message": msg,
                          "errors": [{"message": msg, "domain": "global", "reason": reason}]}}
        self.send(status, json.dumps(body).encode(), "application/json; charset=UTF-8")

    def xml_error(self, status, code, msg):
        body = ("<?xml version='1.0' encoding='UTF-8'?><Error><Code>%s</Code><Message>%s"
                "</Message></Error>" % (code, msg)).encode()
        self.send(status, body, "application/xml; charset=UTF-8")

    # --- dispatch ---------------------------------------------------------------------
    def do_POST(self):
        st = self.server.state
        if self.path == "/_fake/config":
            n = int(self.headers.get("Content-Length", "0"))
            cfg = json.loads(self.rfile.read(n) or b"{}")
            with st.lock:
                if "faults" in cfg:
                    st.faults.replace(cfg["faults"])
            self.send(200, b"{}", "application/json")
            return
        self.send(405, b"Method Not Allowed", "text/plain")

    def do_GET(self):
        st = self.server.state
        raw_path, _, query = self.path.partition("?")
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        self.params = {k: v[0] for k, v in q.items()}
        self.status = 0
        self.nbytes = 0
        self.fault = None
        with st.lock:
            st.inflight += 1
            inflight = st.inflight
        try:
            if st.delay:
                time.sleep(st.delay)
            self.route(raw_path, query)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with st.lock:
                st.inflight -= 1
            headers = {k.lower(): v for k, v in self.headers.items()}
            if "authorization" in headers:
                headers["authorization"] = headers["authorization"].split(" ")[0] + " <redacted>"
            st.write_log({
                "t": round(time.time(), 3), "method": "GET", "path": raw_path, "query": query,
                "params": self.params, "headers": headers, "status": self.status,
                "bytes": self.nbytes, "inflight": inflight,
                "fault": self.fault["kind"] if self.fault else None})

    def apply_generic(self, f):
        """Faults every route shares; True when the response has been sent."""
        if not f:
            return False
        kind = f["kind"]
        if kind == "stall":
            time.sleep(float(f.get("seconds", 60)))
            return False
        if kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            return True
        if kind == "private":
            self.json_error(403, "anonymous caller does not have storage.objects.list access to "
                            "the Google Cloud Storage bucket. Permission 'storage.objects.list' "
                            "denied on resource (or it may not exist).", "forbidden")
            return True
        if kind in ("429", "500", "502", "503", "504"):
            code = int(kind)
            headers = []
            if f.get("retry_after") is not None:
                headers.append(("Retry-After", f["retry_after"]))
            if code == 429:
                self.send(429, json.dumps({"error": {"code": 429, "message": "The rate of change "
                          "requests to the object is too high."}}).encode(),
                          "application/json", headers)
            elif code == 500:
                self.json_error(500, "Backend Error", "backendError")
            else:
                body = ("<!DOCTYPE html><html><title>Error %d</title><p><b>%d.</b> That's an "
                        "error.</p></html>" % (code, code)).encode()
                self.send(code, body, "text/html; charset=UTF-8", headers)
            return True
        return False

    def route(self, raw_path, query):
        if " " in raw_path:
            return self.send(400, b"Bad Request: space in path", "text/plain")
        if self.headers.get("Authorization"):
            return self.json_error(401, "Invalid Credentials", "authError")
        parts = raw_path.split("/")
        # /storage/v1/b/<bucket>/o[/<object>]  and  /download/storage/v1/b/<bucket>/o/<object>
        if raw_path.startswith("/download/"):
            parts = parts[1:]
        if len(parts) >= 6 and parts[1:4] == ["storage", "v1", "b"] and parts[5] == "o":
            bucket = urllib.parse.unquote(parts[4])
            if len(parts) == 6 or (len(parts) == 7 and parts[6] == ""):
                return self.listing(raw_path, query, bucket)
            name = urllib.parse.unquote("/".join(parts[6:]))
            media = self.params.get("alt") == "media" or raw_path.startswith("/download/")
            return self.get_object(raw_path, query, bucket, name, media, xml=False)
        if len(parts) >= 3 and parts[1]:
            bucket = urllib.parse.unquote(parts[1])
            # XML API: '+' is a space unless percent-encoded (the fake's deliberate strictness).
            name = "/".join(urllib.parse.unquote_plus(p) for p in parts[2:])
            return self.get_object(raw_path, query, bucket, name, True, xml=True)
        self.send(404, b"Not Found", "text/plain")

    def listing(self, raw_path, query, bucket_name):
        st = self.server.state
        prefix = self.params.get("prefix", "")
        self.fault = st.take_fault(raw_path, query, prefix, LIST_FAULTS)
        if self.apply_generic(self.fault):
            return
        bucket = st.buckets.get(bucket_name)
        if bucket is None:
            return self.json_error(404, "The specified bucket does not exist.")
        delim = self.params.get("delimiter", "")
        try:
            maxr = min(MAX_RESULTS, max(1, int(self.params.get("maxResults", MAX_RESULTS))))
        except ValueError:
            return self.json_error(400, "Invalid maxResults", "invalid")
        entries, seen = [], set()
        for name in bucket.names:
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix):]
            if delim and delim in rest:
                pre = prefix + rest[:rest.index(delim) + len(delim)]
                if pre not in seen:
                    seen.add(pre)
                    entries.append((pre, None))
            else:
                entries.append((name, bucket.objects[name]))
        entries.sort(key=lambda e: e[0])
        token = self.params.get("pageToken")
        start = 0
        if token:
            try:
                after = base64.urlsafe_b64decode(token.encode()).decode()
            except (ValueError, UnicodeDecodeError):
                return self.json_error(400, "Invalid pageToken", "invalid")
            while start < len(entries) and entries[start][0] <= after:
                start += 1
        page = entries[start:start + maxr]
        more = start + maxr < len(entries)
        kind = self.fault["kind"] if self.fault else None
        fields = parse_fields(self.params["fields"]) if "fields" in self.params else None
        out = {"kind": "storage#objects"}
        if kind == "tokenfresh":
            # A token never handed out before, that restarts the listing: no repeat to catch.
            with st.lock:
                st.fresh_tokens += 1
                n = st.fresh_tokens
            out["nextPageToken"] = base64.urlsafe_b64encode(("!%d" % n).encode()).decode()
        elif kind == "tokenloop":
            # Always the token of the first page: a client that trusts it loops forever.
            first = entries[min(maxr, len(entries)) - 1][0] if entries else ""
            out["nextPageToken"] = base64.urlsafe_b64encode(first.encode()).decode()
        elif more:
            out["nextPageToken"] = base64.urlsafe_b64encode(page[-1][0].encode()).decode()
        pres = [k for k, o in page if o is None]
        items = []
        for _, o in page:
            if o is None:
                continue
            it = {k: v for k, v in o.items() if not k.startswith("_")}
            if kind == "nomd5":
                it.pop("md5Hash", None)
            items.append(it)
        if pres:
            out["prefixes"] = pres
        if items:
            out["items"] = items
        if fields is not None:
            sel = {}
            for k, v in out.items():
                if k not in fields:
                    continue
                if k == "items" and fields[k]:
                    v = [{ik: iv for ik, iv in it.items() if ik in fields[k]} for it in v]
                sel[k] = v
            out = sel
        body = json.dumps(out, separators=(",", ":")).encode()
        if kind == "deep":
            depth = int(self.fault.get("depth", 400000))
            body = b'{"prefixes":' + b"[" * depth + b"]" * depth + b"}"
        if kind == "badjson":
            body = b"<html><body>Service Unavailable</body></html>"
        headers = [("Cache-Control", "private, max-age=0, must-revalidate, no-transform")]
        body = self.gzipped(body, headers)
        self.send(200, body, "application/json; charset=UTF-8", headers)

    def gzipped(self, body, headers):
        """The gzip fault: body compressed, said by Content-Encoding unless header=0."""
        if not self.fault or self.fault["kind"] != "gzip":
            return body
        if self.fault.get("header", "1") != "0":
            headers.append(("Content-Encoding", "gzip"))
        return gzip.compress(body)

    def get_object(self, raw_path, query, bucket_name, name, media, xml):
        st = self.server.state
        self.fault = st.take_fault(raw_path, query, name, GET_FAULTS)
        if self.apply_generic(self.fault):
            return
        bucket = st.buckets.get(bucket_name)
        kind = self.fault["kind"] if self.fault else None
        obj = bucket.objects.get(name) if bucket else None
        if bucket is None:
            if xml:
                return self.xml_error(404, "NoSuchBucket", "The specified bucket does not exist.")
            return self.json_error(404, "The specified bucket does not exist.")
        if obj is None or kind == "missing":
            if xml:
                return self.xml_error(404, "NoSuchKey", "The specified key does not exist.")
            return self.json_error(404, "No such object: %s/%s" % (bucket_name, name))
        if not media:
            meta = {k: v for k, v in obj.items() if not k.startswith("_")}
            return self.send(200, json.dumps(meta).encode(), "application/json; charset=UTF-8")
        with open(obj["_path"], "rb") as f:
            data = f.read()
        if kind == "deep":
            depth = int(self.fault.get("depth", 400000))
            data = b"[" * depth + b"]" * depth
        headers = [("x-goog-hash", "crc32c=%s" % obj["crc32c"]),
                   ("x-goog-hash", "md5=%s" % obj["md5Hash"]),
                   ("x-goog-stored-content-length", obj["size"]),
                   ("x-goog-generation", "1"), ("ETag", '"%s"' % obj["md5Hash"]),
                   ("Last-Modified", email.utils.formatdate(usegmt=True)),
                   ("Cache-Control", "public, max-age=3600")]
        data = self.gzipped(data, headers)
        if kind == "corrupt" and data:
            mid = len(data) // 2
            data = data[:mid] + bytes([data[mid] ^ 0x55]) + data[mid + 1:]
        if kind == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", obj["contentType"])
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            self.status = 200
            self.nbytes = len(data) // 2
            return
        self.send(200, data, obj["contentType"], headers)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log")
    p.add_argument("--delay-ms", type=float, default=0)
    p.add_argument("--fault", action="append", default=[])
    args = p.parse_args()
    return serve(Handler, State(args), args.port_file)


if __name__ == "__main__":
    sys.exit(main())
