#!/usr/bin/env python3
"""browser.py: loads an HTML file in headless Chromium over the DevTools protocol (a pipe, no
port) and reports what a reader's browser would see: console errors, uncaught exceptions,
every network request besides the page itself, DOM counts, a hover's tooltip, and screenshots.

usage: browser.py [--serve] PAGE.html OUTDIR [WIDTHxHEIGHT[m] ...]
--serve loads the page from a server on 127.0.0.1 that logs every path asked of it ("served" in
result.json): what a page on a web server would cost its reader, the browser's own requests
(a favicon) included, which a file:// page never makes.
Writes OUTDIR/result.json, OUTDIR/<width>-first.png and OUTDIR/<width>-full.png per size
('m' marks a phone: touch, mobile viewport) and OUTDIR/print.pdf (the page printed on A4). Exits 0 when the page loaded, 2 on usage,
3 when Chromium could not be driven."""
import base64
import fcntl
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time


def serve(folder):
    """A server of folder's files on 127.0.0.1 (a thread); returns it and its log of paths."""
    log = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=folder, **k)

        def do_GET(self):
            log.append(self.path)
            super().do_GET()

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, log


class Browser:
    def __init__(self, exe):
        self.prof = tempfile.mkdtemp(prefix="imx-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # the DevTools pipe: Chromium reads commands on fd 3 and writes answers on fd 4
        def child_fds():
            # through fds above 4 first, so that neither dup2 is a no-op keeping close-on-exec
            a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--metrics-recording-only", "--mute-audio",
             "--hide-scrollbars", "--user-data-dir=" + self.prof, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=child_fds, pass_fds=(3, 4))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def close(self):
        try:
            self.send("Browser.close", session=False, wait=False)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)
        shutil.rmtree(self.prof, ignore_errors=True)

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            if time.time() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=True, wait=True, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        if not wait:
            return None
        deadline = time.time() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, timeout=30):
        deadline = time.time() + timeout
        for i, m in enumerate(self.events):
            if m.get("method") == method:
                del self.events[i]
                return m
        while True:
            m = self._read_message(deadline)
            if m.get("method") == method:
                return m
            self.events.append(m)


def visit(b, url, width, height, mobile, outdir, tag):
    b.send("Emulation.setDeviceMetricsOverride",
           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    if mobile:
        b.send("Emulation.setTouchEmulationEnabled", {"enabled": True})
    b.events = [e for e in b.events if e.get("method") != "Page.loadEventFired"]
    b.send("Page.navigate", {"url": url})
    b.wait_event("Page.loadEventFired")
    shot = b.send("Page.captureScreenshot", {"format": "png"})
    with open(os.path.join(outdir, tag + "-first.png"), "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    m = b.send("Page.getLayoutMetrics")
    size = m.get("cssContentSize") or m["contentSize"]
    full_h = int(min(size["height"], 30000))
    page_w = int(size["width"])
    shot = b.send("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": full_h, "scale": 1}})
    with open(os.path.join(outdir, tag + "-full.png"), "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    return {"width": width, "page_width": page_w, "page_height": int(size["height"])}


def evaluate(b, expr):
    r = b.send("Runtime.evaluate", {"expression": expr, "returnByValue": True})
    if "exceptionDetails" in r:
        raise RuntimeError("evaluate %s: %s" % (expr, r["exceptionDetails"]))
    return r["result"].get("value")


# Counts the page's parts, then moves the mouse onto the first hover target and reads the tip.
DOM_EXPR = """(() => {
  const q = s => document.querySelectorAll(s).length;
  return {charts: q('svg.chart'), tables: q('table'), figures: q('figure'),
          toc_links: q('nav a[href^="#"]'), scripts_external: q('script[src]'),
          links_external: q('link[href]:not([href^="data:"])'), images: q('img'), title: document.title};
})()"""
HOVER_TARGET = """(() => {
  const svg = document.querySelector('svg.chart[data-points]');
  if (!svg) return null;
  const pts = JSON.parse(svg.dataset.points);
  if (!pts.length) return null;
  svg.scrollIntoView({block: 'center'});
  const m = svg.getScreenCTM();
  const p = svg.createSVGPoint(); p.x = pts[0][0]; p.y = pts[0][1];
  const s = p.matrixTransform(m);
  return {x: s.x, y: s.y, tip: pts[0][2]};
})()"""
TIP_TEXT = """(() => { const t = document.getElementById('tip');
  return t && t.style.display !== 'none' ? t.textContent : null; })()"""


def main():
    args = sys.argv[1:]
    served = args[:1] == ["--serve"]
    args = args[1:] if served else args
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    page, outdir = os.path.abspath(args[0]), args[1]
    sizes = args[2:] or ["1280x800", "390x844m"]
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        print("chromium not found", file=sys.stderr)
        return 3
    os.makedirs(outdir, exist_ok=True)
    url = "file://" + page
    srv = log = None
    if served:
        srv, log = serve(os.path.dirname(page))
        url = "http://127.0.0.1:%d/%s" % (srv.server_address[1], os.path.basename(page))
    b = Browser(exe)
    result = {"console_errors": [], "exceptions": [], "requests": [], "views": []}
    try:
        target = b.send("Target.createTarget", {"url": "about:blank"}, session=False)
        att = b.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True},
                     session=False)
        b.session = att["sessionId"]
        for d in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
            b.send(d)
        for s in sizes:
            mobile = s.endswith("m")
            w, h = (int(v) for v in s.rstrip("m").split("x"))
            result["views"].append(visit(b, url, w, h, mobile, outdir, str(w)))
            if not mobile:
                result["dom"] = evaluate(b, DOM_EXPR)
                tgt = evaluate(b, HOVER_TARGET)
                if tgt:
                    b.send("Input.dispatchMouseEvent",
                           {"type": "mouseMoved", "x": tgt["x"], "y": tgt["y"]})
                    result["hover"] = {"expected": tgt["tip"], "shown": evaluate(b, TIP_TEXT)}
        # print: the page as Chromium prints it (A4), pages counted
        pdf = base64.b64decode(b.send("Page.printToPDF", {"paperWidth": 8.27,
                                                          "paperHeight": 11.69})["data"])
        with open(os.path.join(outdir, "print.pdf"), "wb") as f:
            f.write(pdf)
        result["print_pages"] = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        # let late events (a lazy request, a timer's error) arrive before judging
        b.send("Runtime.evaluate", {"expression": "new Promise(r => setTimeout(r, 200))",
                                    "awaitPromise": True})
    except (OSError, EOFError, TimeoutError, RuntimeError) as e:
        print("cannot drive chromium: %s" % e, file=sys.stderr)
        b.close()
        return 3
    for e in b.events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            result["console_errors"].append(" ".join(str(a.get("value", a.get("description")))
                                                     for a in p.get("args", [])))
        elif m == "Runtime.exceptionThrown":
            result["exceptions"].append(p["exceptionDetails"].get("text", "exception"))
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            result["console_errors"].append(p["entry"].get("text", ""))
        elif m == "Network.requestWillBeSent" and p["request"]["url"] != url:
            result["requests"].append(p["request"]["url"])
    b.close()
    if srv:
        srv.shutdown()
        result["served"] = log
    with open(os.path.join(outdir, "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
