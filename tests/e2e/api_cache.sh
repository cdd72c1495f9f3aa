#!/usr/bin/env bash
# api_cache: what the InferenceX API's engine writes keeps the cache's rules. A link where it
# writes (api/, api/workflow-info, run_<ID>, run_<ID>/api) is refused (exit 4) and the folder it
# points to keeps every file. Its documents are recorded in the run's manifest (size, SHA-256)
# and damage is found like any other: `imx verify` lists a cut or changed one (exit 1), a plain
# sync fetches again one deleted or cut (existence and size), `imx sync --repair` one changed
# (a digit of a throughput, still valid JSON of the same size: before, nothing found it and the
# table showed the wrong number), the damaged bytes kept under run_<ID>/.damaged/. A cache of an
# older imx (documents without records) still syncs: its documents are fetched again and
# recorded, one that no longer reads is listed by verify meanwhile. A damaged document the API no
# longer serves (an older attempt, another model, a run whose artifacts win) is set aside and its
# record dropped by `imx sync --repair`, with or without --source: verify is clean after it.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/api.sh"

W=$(t_tmp)
python3 "$TESTS_DIR/fake/mkapifixture.py" "$W/fx" --builtin >/dev/null 2>&1 ||
    { echo "FAIL api_cache/fixture"; exit 0; }
api_start "$W/fx" || exit 1
trap 'kill $API_PID 2>/dev/null; wait $API_PID 2>/dev/null; t_cleanup' EXIT
C=$W/c

async() { IMX_INFERENCEX_URL=$API_URL imx sync --source api --cache "$C" "$@"; }

async --collect-recent 2 >"$W/s0" 2>&1
F=$(ls "$C"/run_*/api/benchmarks_*.json 2>/dev/null | head -n 1)
RUN=$(basename "$(dirname "$(dirname "$F")")")
cp "$F" "$W/good.json" 2>/dev/null
# a document of another run (another model)
OTHER=$(ls "$C"/run_*/api/benchmarks_*.json 2>/dev/null | grep -v "/$RUN/" | head -n 1)

t_setup() {
    [ -s "$W/good.json" ] || fail "sync: $(cat "$W/s0")" || return 1
    assert_not_contains "$W/s0" "stored (0 B)" || return 1
    imx verify --cache "$C" -q || fail "a fresh cache is not clean" || return 1
    # the manifest records the API's documents alone: not 'partial', whose artifacts are missing
    imx runs --offline --cache "$C" >"$W/runs" 2>&1
    assert_contains "$W/runs" "yes (API rows)" && assert_not_contains "$W/runs" partial
}

t_cut() {
    truncate -s $(($(stat -c %s "$F") / 2)) "$F"
    imx verify --cache "$C" >"$W/v1" 2>/dev/null
    assert_eq "$?" 1 "verify exit status" &&
        assert_contains "$W/v1" "$RUN/api/$(basename "$F"): cut" || return 1
    async --collect-recent 2 >"$W/s1" 2>&1 || fail "sync: $(cat "$W/s1")" || return 1
    cmp -s "$F" "$W/good.json" || fail "not fetched again: $(cat "$W/s1")" || return 1
    [ -n "$(find "$C/$RUN/.damaged" -name "$(basename "$F")")" ] || fail "the cut bytes not kept"
}

t_repair() {
    printf '[{"model": ' >"$F"
    IMX_INFERENCEX_URL=$API_URL imx sync --cache "$C" --repair >"$W/r1" 2>&1 ||
        fail "repair: $(cat "$W/r1")" || return 1
    cmp -s "$F" "$W/good.json" || fail "not repaired: $(cat "$W/r1")" || return 1
    [ "$(find "$C/$RUN/.damaged" -name "$(basename "$F")" | wc -l)" = 2 ] ||
        fail "the garbled bytes not kept" || return 1
    imx verify --cache "$C" -q || fail "still damaged"
}

# a throughput of the document, one digit changed: same size, still the API's rows
t_digit() {
    local want got
    want=$(grep -o '"tput_per_gpu":[1-8][0-9.]*' "$F" | head -n 1 | cut -d: -f2)
    [ -n "$want" ] || fail "no throughput in $F" || return 1
    sed -i "0,/\"tput_per_gpu\":$want/s//\"tput_per_gpu\":9${want#?}/" "$F"
    assert_eq "$(stat -c %s "$F")" "$(stat -c %s "$W/good.json")" "size after the change" &&
        grep -q "\"tput_per_gpu\":9${want#?}" "$F" || fail "the digit was not changed" || return 1
    imx verify --cache "$C" >"$W/v2" 2>"$W/v2.err"
    assert_eq "$?" 1 "verify exit status" &&
        assert_contains "$W/v2" "$RUN/api/$(basename "$F"): changed (SHA-256 differs)" &&
        assert_contains "$W/v2.err" "imx sync --repair ${RUN#run_}" || return 1
    imx extract --offline --cache "$C" --model all -o "$W/t2.csv" 2>/dev/null
    grep -q ",9${want#?}," "$W/t2.csv" || fail "the changed value is not in the table" || return 1
    async --repair >"$W/r2" 2>&1 || fail "repair: $(cat "$W/r2")" || return 1
    cmp -s "$F" "$W/good.json" || fail "not repaired: $(cat "$W/r2")" || return 1
    [ "$(find "$C/$RUN/.damaged" -name "$(basename "$F")" | wc -l)" = 3 ] ||
        fail "the changed bytes not kept" || return 1
    imx extract --offline --cache "$C" --model all -o "$W/t3.csv" 2>/dev/null
    got=$(grep -c ",$want," "$W/t3.csv")
    [ "$got" -ge 1 ] && ! grep -q ",9${want#?}," "$W/t3.csv" ||
        fail "the table does not show the server's $want again" || return 1
    imx verify --cache "$C" -q || fail "still damaged after the repair"
}

t_deleted() {
    rm "$F"
    async --collect-recent 2 >"$W/s3" 2>&1 || fail "sync: $(cat "$W/s3")" || return 1
    cmp -s "$F" "$W/good.json" || fail "a deleted document not fetched again: $(cat "$W/s3")" ||
        return 1
    imx verify --cache "$C" -q || fail "damaged after the sync"
}

# the cache as an older imx left it: documents without records (no manifest), one garbled
t_old_cache() {
    local g
    rm "$C"/run_*/imx-manifest.json
    g=$(ls "$C"/run_*/api/benchmarks_*.json | tail -n 1)
    printf '[{"hardware": ' >"$g"
    imx verify --cache "$C" >"$W/v4" 2>/dev/null
    assert_eq "$?" 1 "verify of the older cache" &&
        assert_contains "$W/v4" "/api/$(basename "$g"): unreadable" || return 1
    async --collect-recent 2 >"$W/s4" 2>&1 || fail "sync: $(cat "$W/s4")" || return 1
    for m in "$C"/run_*/imx-manifest.json; do
        grep -q '"sha256": "' "$m" || fail "no digests recorded in $m" || return 1
    done
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$g" ||
        fail "the garbled document was not fetched again" || return 1
    imx verify --cache "$C" -q || fail "the synced older cache does not verify clean"
}

# records name in run folder $1's API entry with the digest of file $2, and puts file $3 there
record_doc() {
    python3 - "$@" <<'PY'
import hashlib, json, os, sys
run, name, want, have = sys.argv[1:5]
data = open(want, "rb").read()
p = os.path.join(run, "imx-manifest.json")
m = json.load(open(p))
a = [x for x in m["artifacts"] if x["id"] == 0][0]
a["content"].append({"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
a["size_in_bytes"] += len(data)
json.dump(m, open(p, "w"))
open(os.path.join(run, "api", name), "wb").write(open(have, "rb").read())
PY
}

# damaged documents the API no longer serves (an older attempt, a model it does not list for the
# run) are set aside and forgotten by --repair; the one it serves is fetched again
t_gone() {
    local old=${F%_a*}_a0.json other
    other=$(basename "$OTHER")
    [ -n "$OTHER" ] && [ ! -e "$C/$RUN/api/$other" ] || fail "no document of another model" ||
        return 1
    head -c 100 "$W/good.json" >"$W/cut.json"
    record_doc "$C/$RUN" "$(basename "$old")" "$W/good.json" "$W/cut.json" &&
        record_doc "$C/$RUN" "$other" "$W/good.json" "$W/cut.json" || fail "cannot record" ||
        return 1
    printf '[{"model": ' >"$F"
    imx verify --cache "$C" >"$W/v5" 2>/dev/null
    assert_eq "$?" 1 "verify exit status" && assert_contains "$W/v5" "$(basename "$old"): cut" &&
        assert_contains "$W/v5" "$other: cut" || return 1
    async --repair >"$W/r5" 2>&1 || fail "repair: $(cat "$W/r5")" || return 1
    cmp -s "$F" "$W/good.json" || fail "the served document not fetched again: $(cat "$W/r5")" ||
        return 1
    assert_contains "$W/r5" "run ${RUN#run_}: 2 damaged API documents not fetched again" &&
        assert_not_contains "$C/$RUN/imx-manifest.json" "$other" || return 1
    [ ! -e "$old" ] && [ -n "$(find "$C/$RUN/.damaged" -name "$(basename "$old")")" ] &&
        [ -n "$(find "$C/$RUN/.damaged" -name "$other")" ] || fail "the damaged bytes not kept" ||
        return 1
    imx verify --cache "$C" >"$W/v6" 2>&1 || fail "still damaged: $(cat "$W/v6")"
}

# a run with artifacts (they win over the API's rows) and a damaged document the API no longer
# serves: sync --repair with the default sources ends the damage, the bytes kept
t_artifacts() {
    local r=${OTHER%/api/*} d=$OTHER
    python3 - "$r" <<'PY' || fail "cannot add an artifact" || return 1
import hashlib, json, os, sys
run = sys.argv[1]
p = os.path.join(run, "run.json")
j = json.load(open(p))
del j["imx_source"]  # a run GitHub listed
json.dump(j, open(p, "w"))
os.mkdir(os.path.join(run, "results_bmk"))
data = b"[]\n"
open(os.path.join(run, "results_bmk", "agg_bmk.json"), "wb").write(data)
p = os.path.join(run, "imx-manifest.json")
m = json.load(open(p))
m["artifacts"].append({"id": 7, "name": "results_bmk", "size_in_bytes": len(data),
                       "state": "complete", "path": "results_bmk", "source": "github",
                       "content": [{"path": "agg_bmk.json", "size": len(data),
                                    "sha256": hashlib.sha256(data).hexdigest()}]})
m["complete"] = True
json.dump(m, open(p, "w"))
PY
    imx verify --cache "$C" -q || fail "not clean with the artifact" || return 1
    truncate -s 10 "$d"
    curl -sf -X POST --data-binary \
        "{\"faults\": [\"empty:path=/api/v1/benchmarks,query=${r##*run_}\"]}" \
        "$API_URL/_fake/config" >/dev/null || fail "cannot configure the server" || return 1
    IMX_INFERENCEX_URL=$API_URL imx sync --cache "$C" --repair >"$W/r7" 2>&1
    curl -sf -X POST --data-binary '{"faults": []}' "$API_URL/_fake/config" >/dev/null
    assert_contains "$W/r7" "run ${r##*run_}: 1 damaged API document not fetched again" ||
        return 1
    [ -n "$(find "$r/.damaged" -name "$(basename "$d")" -size 10c)" ] ||
        fail "the damaged bytes not kept: $(cat "$W/r7")" || return 1
    imx verify --cache "$C" >"$W/v7" 2>&1 || fail "still damaged: $(cat "$W/r7") $(cat "$W/v7")"
}

t_links() {
    local l d rc
    for l in api api/workflow-info "$RUN" "$RUN/api"; do
        d=$(mktemp -d "$W/j.XXXXXX")
        mkdir -p "$d/victim" "$d/cache/$(dirname "$l")" && echo keep >"$d/victim/keep"
        ln -s "$d/victim" "$d/cache/$l"
        IMX_INFERENCEX_URL=$API_URL imx sync --source api --cache "$d/cache" --collect-recent 2 \
            >"$d/out" 2>&1
        rc=$?
        assert_eq "$rc" 4 "a link at $l" && assert_contains "$d/out" "'$d/cache/$l' is a symbolic link" ||
            return 1
        [ "$(ls -A "$d/victim")" = keep ] || fail "written through the link $l: $(ls -A "$d/victim")" ||
            return 1
    done
}

t_run "api cache: links where the engine writes are refused, never written through" t_links
t_run "api repair: a fresh cache verifies clean, the summary counts the bytes" t_setup
t_run "api repair: a cut document is listed by verify, fetched again by a plain sync" t_cut
t_run "api repair: a garbled document is repaired by sync --repair without --source" t_repair
t_run "api repair: a changed digit is found by verify, repaired by sync --repair" t_digit
t_run "api repair: a deleted document is fetched again by a plain sync" t_deleted
t_run "api repair: a cache of an older imx (no records) syncs and is recorded" t_old_cache
t_run "api repair: a run whose artifacts win is repaired by sync --repair without --source" t_artifacts
t_run "api repair: documents no longer served are set aside and forgotten by sync --repair" t_gone
