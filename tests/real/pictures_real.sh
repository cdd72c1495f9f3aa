#!/usr/bin/env bash
# Real-data pictures: every model and sequence pair of the shared cache drawn by `imx plot` (SVG
# parsed as XML: one mark per point, one front curve per series with two or more front points,
# counted against `imx pareto --all-points` when that command exists, else against the plot's
# own summary); PNG and PDF of the requested size; log axes. Skipped, saying so, without the cache.
. "$(dirname "$0")/../lib.sh"

if [ ! -d "$SHARED_RAW" ]; then
    for t in svg_counts png_pdf_sizes log_axes; do
        t_skip "real/pictures_$t" "the shared real cache ../shared/data/inferencemax-raw is absent"
    done
    exit 0
fi
W=$(t_tmp)
PAIRS="gptoss:1k1k gptoss:1k8k gptoss:8k1k dsr1:1k1k dsr1:1k8k dsr1:8k1k"

svg_counts() {
    local p m s
    for p in $PAIRS; do
        m=${p%%:*} s=${p##*:}
        imx plot --cache "$SHARED_RAW" --model "$m" --seq "$s" -o "$W/$m-$s.svg" 2>"$W/$m-$s.err" ||
            return 1
        if "$IMX" pareto --help >/dev/null 2>&1; then
            "$IMX" pareto --offline --cache "$SHARED_RAW" --model "$m" --seq "$s" --all-points \
                -o "$W/$m-$s.csv" --quiet || return 1
        fi
        python3 - "$W/$m-$s" "$TESTS_DIR/tools" <<'PY' || return 1
import csv, os, re, sys
sys.path.insert(0, sys.argv[2])
from chartcheck import svg_file
base = sys.argv[1]
root, n = svg_file(base + ".svg")
err = open(base + ".err").read()
m = re.search(r"(\d+) series, (\d+) points, (\d+) front curves", err)
assert m, err
series, points, fronts = (int(v) for v in m.groups())
if os.path.exists(base + ".csv"):
    # imx pareto --all-points: one row per point, its series, on_front 1 or 0
    rows = list(csv.DictReader(open(base + ".csv", newline="")))
    names = {r["series"] for r in rows}
    on = {}
    for r in rows:
        on[r["series"]] = on.get(r["series"], 0) + (r["on_front"] == "1")
    assert points == len(rows), (points, len(rows))
    assert series == len(names), (series, len(names))
    assert fronts == sum(1 for k in on.values() if k >= 2), (fronts, on)
assert points > 0 and series > 0, err
assert n["marks"] == points + series, (n, points, series)   # every point, one legend mark each
assert n["fronts"] == fronts and fronts <= series, (n, fronts)
PY
    done
}

png_pdf_sizes() {
    imx plot --cache "$SHARED_RAW" --model dsr1 --seq 8k1k --width 1200 --height 700 --annotate \
        -o "$W/d.png" --quiet || return 1
    imx plot --cache "$SHARED_RAW" --model dsr1 --seq 8k1k --x e2el -o "$W/d.pdf" --quiet || return 1
    python3 - "$W" "$TESTS_DIR/tools" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from chartcheck import png_size, pdf_size
assert png_size(sys.argv[1] + "/d.png") == (1200, 700)
assert pdf_size(sys.argv[1] + "/d.pdf") == (960, 600)
PY
}

# costs on a log axis: every cost is positive, so nothing is dropped and the curves are drawn
log_axes() {
    imx plot --cache "$SHARED_RAW" --model gptoss --seq 1k1k --metric costh --log-y --log-x \
        -o "$W/l.svg" 2>"$W/l.err" || return 1
    assert_not_contains "$W/l.err" "not drawable" || return 1
    python3 - "$W/l.svg" "$TESTS_DIR/tools" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from chartcheck import svg_file
root, n = svg_file(sys.argv[1])
assert n["fronts"] >= 4 and n["marks"] > 40, n
PY
}

t_run real/pictures_svg_counts svg_counts
t_run real/pictures_png_pdf_sizes png_pdf_sizes
t_run real/pictures_log_axes log_axes
