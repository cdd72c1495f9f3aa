#!/usr/bin/env bash
# imx report in a real browser: headless Chromium (driven over the DevTools pipe by
# tests/tools/browser.py) loads the page with no console error, no exception and no network
# request; the DOM holds the expected charts, tables and contents; hovering a point shows its
# configuration; the phone view has no sideways page scroll; it prints (each section on its own
# pages); screenshots of the first screen and the full page at desktop and phone widths are
# taken (IMX_SCREENSHOTS=DIR keeps them and the printed PDF). The page is served from 127.0.0.1
# and the server's log must hold the page alone (a browser asks a web server for /favicon.ico
# on its own). A tampered copy of the page (an image, a CSS background, a web font, a
# stylesheet, a fetch, a late image, the favicon, a console error, an exception) must be
# rejected, each request and error seen, so the judge is shown to fail when it should.
# Under VALGRIND=1 imx runs under valgrind for the fixture's page; the browser never does.
. "$(dirname "$0")/../lib.sh"
W=$(t_tmp)
FIX="$TESTS_DIR/cases/0400-plot-svg-structure/cache"
BROWSER="$TESTS_DIR/tools/browser.py"

have_chromium() { command -v chromium >/dev/null || command -v chromium-browser >/dev/null; }

# judge NAME OUTDIR CHARTS TABLES SECTIONS: the browser's findings against what the page holds
judge() {
    python3 - "$2" "$3" "$4" "$5" <<'PY'
import json, os, sys
out, charts, tables, sections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
r = json.load(open(os.path.join(out, "result.json")))
assert r["console_errors"] == [], r["console_errors"]
assert r["exceptions"] == [], r["exceptions"]
assert r["requests"] == [], r["requests"]
page = "/" + os.path.basename(out) + ".html"
assert r["served"] == [page] * len(r["views"]), r["served"]  # the page alone, once a view
d = r["dom"]
assert d["charts"] == charts and d["figures"] == charts, d
assert d["tables"] == tables, d
assert d["toc_links"] == sections + 1, d  # every section and the provenance
assert d["scripts_external"] == 0 and d["links_external"] == 0 and d["images"] == 0, d
h = r.get("hover")
assert h and h["shown"] == h["expected"] and "TP" in h["shown"], h
assert r["print_pages"] >= sections + 1, r["print_pages"]  # a page per section at least
for v in r["views"]:
    assert v["page_width"] <= v["width"], v  # no sideways scroll of the page itself
for f in ("1280-first", "1280-full", "390-first", "390-full"):
    data = open(os.path.join(out, f + ".png"), "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f
PY
}

page() { # page NAME CACHE: writes $W/NAME.html
    imx report --cache "$2" -o "$W/$1.html" --quiet
}

browse() { # browse NAME CHARTS TABLES SECTIONS
    python3 "$BROWSER" --serve "$W/$1.html" "$W/$1" 1280x800 390x844m || return 1
    judge "$1" "$W/$1" "$2" "$3" "$4" || return 1
    if [ -n "${IMX_SCREENSHOTS:-}" ]; then
        mkdir -p "$IMX_SCREENSHOTS/$1" && cp "$W/$1"/*.png "$W/$1/print.pdf" "$IMX_SCREENSHOTS/$1/"
    fi
}

fixture() {
    page fixture "$FIX" || return 1
    browse fixture 9 5 2 # 4 charts per section, a trend for 1k/1k (two run days); tables: a
    # calculator and a changes table per section, the runs
}

# the judge rejects a page that fetches anything or logs an error, and sees each of them
tampered() {
    page tampered "$FIX" || return 1
    python3 - "$W/tampered.html" <<'PY' || return 1
import sys
p = sys.argv[1]
html = open(p, encoding="utf-8").read()
html = html.replace('<link rel="icon" href="data:,">', "")
evil = ('<img src="img.png" alt=""><div style="background:url(bg.png);width:9px;height:9px">'
        '</div><style>@font-face{font-family:X;src:url(font.woff2)}h1{font-family:X}</style>'
        '<link rel="stylesheet" href="sheet.css"><script>console.error("injected error");'
        'fetch("api.json").catch(function(){});setTimeout(function(){new Image().src="late.png"'
        '},50);</script><script>throw new Error("injected exception")</script>')
open(p, "w", encoding="utf-8").write(html.replace("</body>", evil + "</body>"))
PY
    python3 "$BROWSER" --serve "$W/tampered.html" "$W/tampered" 1280x800 || return 1
    if judge tampered "$W/tampered" 9 5 2 2>/dev/null; then
        fail "the judge accepted a page that fetches"
        return 1
    fi
    python3 - "$W/tampered/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for f in ("img.png", "bg.png", "font.woff2", "sheet.css", "api.json", "late.png", "favicon.ico"):
    assert any(s.endswith("/" + f) for s in r["served"]), (f, r["served"])
for f in ("img.png", "bg.png", "font.woff2", "sheet.css", "api.json", "late.png"):
    assert any(u.endswith("/" + f) for u in r["requests"]), (f, r["requests"])
assert any("injected error" in e for e in r["console_errors"]), r["console_errors"]
assert r["exceptions"], r
PY
}

real() {
    # valgrind sees imx on the fixture; the real cache's page is built at full speed
    "$IMX" report --cache "$SHARED_RAW" -o "$W/real.html" --quiet || return 1
    # 6 model and sequence pairs: 4 charts and a calculator table each, a trend chart for the 5
    # pairs whose series reach 50 tok/s/user on two run days or more, a table of the changes since
    # the previous run day each, and the runs table
    browse real 29 13 6
}

if ! have_chromium; then
    t_skip report_browser/fixture "chromium is not installed (make deps installs it)"
    t_skip report_browser/tampered "chromium is not installed (make deps installs it)"
    t_skip report_browser/real "chromium is not installed (make deps installs it)"
    exit 0
fi
t_run report_browser/fixture fixture
t_run report_browser/tampered tampered
if [ -d "$SHARED_RAW" ]; then
    t_run report_browser/real real
else
    t_skip report_browser/real "the shared real cache $SHARED_RAW is absent"
fi
