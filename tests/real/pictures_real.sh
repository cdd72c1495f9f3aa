#!/usr/bin/env bash
# Real-data pictures: every model and sequence pair of the shared cache drawn by `imx plot` (SVG
# parsed as XML: one mark per point, one front curve per series with two or more front points,
# counted against `imx pareto --all-points`, for every pair, every y metric and every x axis);
# PNG and PDF of the requested size; log axes; the report's trend against imx
# trend. Skipped, saying so, without the cache.
. "$(dirname "$0")/../lib.sh"

if [ ! -d "$SHARED_RAW" ]; then
    for t in svg_counts metrics_axes png_pdf_sizes log_axes trend_agrees report_colours; do
        t_skip "real/pictures_$t" "the shared real cache $SHARED_RAW is absent"
    done
    exit 0
fi
W=$(t_tmp)
PAIRS="gptoss:1k1k gptoss:1k8k gptoss:8k1k dsr1:1k1k dsr1:1k8k dsr1:8k1k"

# plot_vs_pareto NAME PLOT-ARGS...: the SVG of `imx plot ARGS` against `imx pareto --all-points`
# of the same selection: one mark per point (and one per legend entry), one curve per series
# with two or more front points, the title and the footnote's words in <title> and <desc>
plot_vs_pareto() {
    local name=$1
    shift
    imx plot --cache "$SHARED_RAW" "$@" -o "$W/$name.svg" 2>"$W/$name.err" || return 1
    "$IMX" pareto --offline --cache "$SHARED_RAW" "$@" --all-points -o "$W/$name.csv" --quiet ||
        return 1
    python3 - "$W/$name" "$TESTS_DIR/tools" <<'PY' || { echo "    plot $*" >&2; return 1; }
import csv, re, sys
sys.path.insert(0, sys.argv[2])
from chartcheck import svg_file, SVG
base = sys.argv[1]
root, n = svg_file(base + ".svg")
err = open(base + ".err").read()
m = re.search(r"(\d+) series, (\d+) points, (\d+) front curves", err)
assert m, err
series, points, fronts = (int(v) for v in m.groups())
# imx pareto --all-points: one row per point, its series, on_front 1 or 0
rows = list(csv.DictReader(open(base + ".csv", newline="")))
on = {}
for r in rows:
    on[r["series"]] = on.get(r["series"], 0) + (r["on_front"] == "1")
assert points == len(rows) and series == len(on), (points, len(rows), series, len(on))
assert fronts == sum(1 for k in on.values() if k >= 2), (fronts, on)
assert points > 0 and series > 0, err
assert n["marks"] == points + series, (n, points, series)   # every point, one legend mark each
assert n["fronts"] == fronts, (n, fronts)
desc = root.find(SVG + "desc").text
assert re.search(r"InferenceX runs of 20\d\d-\d\d-\d\d( to 20\d\d-\d\d-\d\d)? \(\d+; from github\)"
                 r" · cache .*inferencemax-raw · .* · imx \d", desc), desc
assert " · " in root.find(SVG + "title").text
PY
}

svg_counts() {
    local p m s
    for p in $PAIRS; do
        m=${p%%:*} s=${p##*:}
        plot_vs_pareto "$m-$s" --model "$m" --seq "$s" || return 1
    done
}

# every y metric and x axis imx pareto takes (metrics, a derived column, a plain numeric column)
metrics_axes() {
    local y x
    for y in throughput output_throughput input_throughput tpmw jpt costh costn costr \
        costh_output costr_input cost_per_mtok_total_owning_neocloud median_tpot; do
        plot_vs_pareto "y-$y" --model dsr1 --seq 8k1k --metric "$y" || return 1
    done
    for x in e2el ttft_p99 ttft_median; do
        plot_vs_pareto "x-$x" --model gptoss --seq 1k8k --x "$x" || return 1
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

# the report's trend is imx trend's answer: the same (model, sequence, day, value) at 50 tok/s/user
trend_agrees() {
    imx report --cache "$SHARED_RAW" -o "$W/r.html" --quiet || return 1
    "$IMX" trend --offline --cache "$SHARED_RAW" --model all --interactivity 50 -o "$W/t.csv" \
        --quiet || return 1
    python3 - "$W/r.html" "$W/t.csv" <<'PY'
import csv, html, json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
got = []
for sec, body in re.findall(r'<section id="([^"]+)">(.*?)</section>', page, re.S):
    for attrs in re.findall(r'<svg [^>]*aria-label="Trend[^>]*>', body):
        pts = json.loads(html.unescape(re.search(r'data-points="([^"]*)"', attrs).group(1)))
        for p in pts:
            m = re.search(r"\n(\d{4}-\d\d-\d\d): ([0-9.e+]+) tok/s/gpu", p[2])
            got.append((sec, m.group(1), "%.6g" % float(m.group(2))))
want = []
for r in csv.DictReader(open(sys.argv[2], newline="")):
    if r["value"]:
        isl, osl = int(r["input_seq_len"]), int(r["output_seq_len"])
        seq = "-".join("%dk" % (v // 1024) if v % 1024 == 0 else str(v) for v in (isl, osl))
        want.append(("%s-%s" % (r["model_prefix"], seq), r["date"], "%.6g" % float(r["value"])))
# the report draws a trend only where a pair spans two run days or more
spans = {s for s in {w[0] for w in want} if len({w[1] for w in want if w[0] == s}) > 1}
want = [w for w in want if w[0] in spans]
assert len(got) > 20, len(got)
assert sorted(got) == sorted(want), (sorted(set(got) ^ set(want)))[:10]
PY
}

t_run real/pictures_svg_counts svg_counts
t_run real/pictures_metrics_axes metrics_axes
t_run real/pictures_png_pdf_sizes png_pdf_sizes
t_run real/pictures_log_axes log_axes
# a series keeps its colour (and marker) in every chart of its section, the trend's included
report_colours() {
    [ -f "$W/r.html" ] || imx report --cache "$SHARED_RAW" -o "$W/r.html" --quiet || return 1
    python3 - "$W/r.html" "$TESTS_DIR/tools" <<'PY'
import re, sys
sys.path.insert(0, sys.argv[2])
from chartcheck import report_svgs, legend_colours
page = open(sys.argv[1], encoding="utf-8").read()
checked = 0
for sec, body in re.findall(r'<section id="([^"]+)">(.*?)</section>', page, re.S):
    seen = {}
    for svg in report_svgs(body):
        for name, colour in legend_colours(svg).items():
            assert colour, (sec, name)
            assert seen.setdefault(name, colour) == colour, (sec, name, seen[name], colour)
            checked += 1
    # and within a chart, no two series share a colour
    for svg in report_svgs(body):
        c = list(legend_colours(svg).values())
        assert len(c) == len(set(c)), (sec, c)
assert checked > 100, checked
PY
}

t_run real/pictures_trend_agrees trend_agrees
t_run real/pictures_report_colours report_colours
