#!/usr/bin/env bash
# report_sources: `imx report` of caches filled from every source (GitHub with a token, the GCS
# backup, the InferenceX API, a local folder through --source dir), whole and for a selection:
# charts drawn, every inline SVG well-formed, and the provenance naming where each run's data
# came from (the artifacts' sources from the manifest, the run object's when there is none).
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/fake/gcs.sh"
. "$TESTS_DIR/fake/api.sh"

W=$(t_tmp)
TOKEN="ghp_rep$RANDOM$RANDOM"
# Servers start here, never inside t_run: its $(...) would wait for them forever.
mkgcsfixture "$W/g/data" --synthetic >/dev/null || exit 1
gcs_start "$W/g/data" || exit 1
python3 "$TESTS_DIR/fake/mkapifixture.py" "$W/a/data" --synthetic --days 3 --runs-count 4 \
    --models 2 --end 2026-02-10 >/dev/null 2>&1 || exit 1
api_start "$W/a/data" || exit 1
mkfixture "$W/fx" --synthetic 3 --no-extras --token "$TOKEN" >/dev/null || exit 1
fake_start "$W" "$W/fx/fixture.json" || exit 1
trap 'kill $API_PID 2>/dev/null; wait $API_PID 2>/dev/null; gcs_stop_all; fake_stop_all; t_cleanup' EXIT

sync_to() { # sync_to CACHE ARGS...: a sync against the fakes, its output in CACHE.log
    local c=$1
    shift
    GH_TOKEN=$TOKEN imx sync --cache "$c" --github-url "$FAKE_API" --gcs-url "$GCS_URL" \
        --inferencex-url "$API_URL" "$@" >"$c.log" 2>&1 || { cat "$c.log" >&2; return 1; }
}

# judge PAGE SOURCE [MIN_MARKS]: charts drawn and well-formed, every run of the provenance
# from SOURCE
judge() {
    python3 - "$1" "$2" "$TESTS_DIR/tools" "${3:-9}" <<'PY'
import re, sys
sys.path.insert(0, sys.argv[3])
from chartcheck import report_svgs, svg_counts
html = open(sys.argv[1], encoding="utf-8").read()
svgs = report_svgs(html)
assert len(svgs) >= 4, len(svgs)
marks = [svg_counts(s)["marks"] for s in svgs]
assert sum(marks) >= int(sys.argv[4]) and min(marks) > 0, ("empty charts", marks)
prov = html[html.index('<section id="provenance">'):]
runs = re.findall(r"<tr><td>(?:<a [^>]*>)?(\d+)(?:</a>)?</td>(.*?)</tr>", prov, re.S)
assert runs, prov[:2000]
for rid, cells in runs:
    source = re.findall(r"<td>(.*?)</td>", cells, re.S)[3]
    assert source.split("<br>")[0] == sys.argv[2], (rid, source)
PY
}

t_github() {
    sync_to "$W/gh" --source github --collect-recent 2 || return 1
    imx report --cache "$W/gh" -o "$W/gh.html" --quiet || return 1
    judge "$W/gh.html" github
}

t_gcs() {
    sync_to "$W/gcs" --source gcs --since 2026-01-01 || return 1
    imx report --cache "$W/gcs" -o "$W/gcs.html" --quiet || return 1
    judge "$W/gcs.html" gcs
}

t_api() {
    sync_to "$W/api" --source api --collect-recent 2 || return 1
    imx report --cache "$W/api" -o "$W/api.html" --quiet || return 1
    judge "$W/api.html" api
}

t_dir() {
    # the GitHub cache's artifacts imported as a colleague's raw/ folder
    imx sync --source dir --from "$W/gh" --cache "$W/dir" >"$W/dir.log" 2>&1 ||
        { cat "$W/dir.log" >&2; return 1; }
    imx report --cache "$W/dir" -o "$W/dir.html" --quiet || return 1
    judge "$W/dir.html" dir
}

# a selection: the rows of one GPU, the selection named in the header and the provenance
t_selection() {
    local gpu
    gpu=$(imx extract --offline --cache "$W/gcs" --model all -o - 2>/dev/null | python3 -c '
import collections, csv, sys
print(collections.Counter(r["gpu"] for r in csv.DictReader(sys.stdin)).most_common(1)[0][0])') ||
        return 1
    imx report --cache "$W/gcs" --gpu "$gpu" -o "$W/sel.html" --quiet || return 1
    judge "$W/sel.html" gcs 4 || return 1
    assert_eq "$(grep -c "selected by <code>--gpu $gpu</code>" "$W/sel.html")" 2 "selection named"
}

t_run report_sources/github t_github
t_run report_sources/gcs t_gcs
t_run report_sources/api t_api
t_run report_sources/dir t_dir
t_run report_sources/selection t_selection
