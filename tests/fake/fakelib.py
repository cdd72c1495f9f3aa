"""fakelib: what the three fake servers of imx's tests share (fakegh, fakegcs, fakeapi): the
threaded server that never prints a client's hang-up, the quiet keep-alive handler and its
send(), the JSON-lines request log, the scripted faults of the command line and the port file
that says where a server listens. Python 3 standard library only."""
import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        pass  # a client hanging up is normal here; never print tracebacks


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, no access log on stderr, no Nagle delay."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # Headers and body leave in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every keep-alive response.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def send(self, status, body, ctype, headers=()):
        """A whole response with its exact Content-Length (no body for HEAD); under the drip
        fault (self.fault kind "drip"), Content-Length bytes= (1 MiB) and the body dripped."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        f = getattr(self, "fault", None)
        if f and f.get("kind") == "drip":
            self.send_header("Content-Length", str(int(f.get("bytes", 1 << 20))))
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            self.status = status
            self.nbytes = drip(self.wfile, body, f)
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.status = status
        self.nbytes = len(body)


def drip(wfile, body, fault):
    """The drip fault: rate= (2) bytes of body (repeated as needed) a second for seconds= (600),
    so that a client without a minimum transfer rate waits for minutes; returns bytes sent.
    The caller has announced a large Content-Length already."""
    rate = max(1, int(fault.get("rate", 2)))
    end = time.time() + float(fault.get("seconds", 600))
    body = body or b" "
    sent = 0
    while time.time() < end:
        wfile.write((body * (rate // len(body) + 2))[sent % len(body):][:rate])
        wfile.flush()
        sent += rate
        time.sleep(1)
    return sent


class RequestLog:
    """One JSON object per request and line, appended (PATH None: nothing is kept)."""

    def __init__(self, path, lock=None):
        self.lock = lock or threading.Lock()
        self.f = open(path, "a", encoding="utf-8") if path else None

    def write(self, entry, sort_keys=False):
        if self.f:
            with self.lock:
                self.f.write(json.dumps(entry, sort_keys=sort_keys) + "\n")
                self.f.flush()


def parse_fault(spec):
    """KIND[:key=value,...] as --fault gives it; count (default -1: always) is a number."""
    kind, _, rest = spec.partition(":")
    f = {"kind": kind, "count": -1}
    for item in filter(None, rest.split(",")):
        k, _, v = item.partition("=")
        f[k] = int(v) if k == "count" else v
    return f


class Faults:
    """The scripted faults of a server: the first that matches a request fires (and counts)."""

    def __init__(self, specs, lock):
        self.lock = lock
        self.replace(specs)

    def replace(self, specs):
        self.rules = [parse_fault(s) for s in specs]

    def take(self, path, query, accept=lambda f: True):
        with self.lock:
            for f in self.rules:
                if f["count"] == 0 or not accept(f):
                    continue
                if "path" in f and not path.startswith(f["path"]):
                    continue
                if "query" in f and f["query"] not in query:
                    continue
                if f["count"] > 0:
                    f["count"] -= 1
                return dict(f)
        return None


def write_port_file(path, obj):
    """Says where the server listens, atomically (the tests poll for the file)."""
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def serve(handler, state, port_file):
    """Serves on an ephemeral port of 127.0.0.1 until interrupted; state is server.state."""
    srv = Server(("127.0.0.1", 0), handler)
    srv.state = state
    write_port_file(port_file, {"url": "http://127.0.0.1:%d" % srv.server_address[1],
                                "pid": os.getpid()})
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0
