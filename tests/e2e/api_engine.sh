#!/usr/bin/env bash
# api_engine: the InferenceX API discovery/download engine (lib/source/infxsync.c) against
# tests/fake/fakeapi.py, driven by tests/tools/infxdrive (a plain sequential libcurl fetcher into
# a store): cold and warm syncs, named runs, a later attempt replacing an earlier one, gzip
# without its header, agentic rows, bad bodies, unknown models. On the fixture written in the API's
# shape by mkapifixture.py --builtin (every era, no outside file), and again on fixtures built from
# the real captures when ../shared has them.
. "$(dirname "$0")/../lib.sh"

DRIVE="$BUILD/tools/infxdrive"
if [ ! -x "$DRIVE" ]; then
    t_skip api_engine "needs $DRIVE"
    exit 0
fi
W=$(t_tmp)
SAMPLES="$SHARED_REF/samples-api"
SETS=builtin
[ -d "$SAMPLES" ] && SETS="builtin real"

# facts SET: what each fixture set holds: ROWS (rows of the latest attempts), MULTI (a dsr1 run
# whose latest attempt is 4), HALF (rows of its attempt 3 in the second fixture, half of
# attempt 4's), PLAIN (a dsr1 run with one attempt), CREATED (MULTI's created_at)
facts() {
    if [ "$1" = real ]; then
        ROWS=1668 MULTI=20720630953 HALF=14 PLAIN=21012127808 CREATED=2026-01-05T03:00:05Z
    else
        ROWS=47 MULTI=20720000404 HALF=6 PLAIN=21010000505 CREATED=2026-01-05T03:00:05Z
    fi
}

# fixtures SET: the data directories of SET in $W/SET/fx and fx2 (two runs, MULTI with its
# attempt 3)
fixtures() {
    local mode=--builtin
    [ "$1" = real ] && mode=
    facts "$1"
    mkdir -p "$W/$1"
    python3 "$TESTS_DIR/fake/mkapifixture.py" "$W/$1/fx" $mode 2>/dev/null &&
        python3 "$TESTS_DIR/fake/mkapifixture.py" "$W/$1/fx2" $mode --runs "$MULTI,$PLAIN" \
            --earlier-attempt "$MULTI" 2>/dev/null
}

# Servers run at top level, never inside t_run's $(...): a child holding that pipe would
# keep the test waiting forever. Their output goes to a file for the same reason.
FAKE_PIDS=()
stop_fakes() {
    local p
    for p in "${FAKE_PIDS[@]}"; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    FAKE_PIDS=()
}
trap 'stop_fakes; t_cleanup' EXIT

# start_fake NAME DATA [fakeapi options...]: starts a server; its URL in $W/NAME.url
start_fake() {
    local name=$1 data=$2 i
    shift 2
    rm -f "$W/$name.port" "$W/$name.jsonl"
    python3 "$TESTS_DIR/fake/fakeapi.py" --data "$data" --port-file "$W/$name.port" \
        --log "$W/$name.jsonl" "$@" >"$W/$name.out" 2>&1 </dev/null &
    FAKE_PIDS+=($!)
    for i in $(seq 1 100); do
        [ -s "$W/$name.port" ] && break
        sleep 0.05
    done
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$W/$name.port" \
        >"$W/$name.url"
}

# use NAME: later commands talk to that server
use() {
    URL=$(cat "$W/$1.url")
    LOG="$W/$1.jsonl"
}

# configure '{"faults": [...], "cap_attempt": {...}}'
configure() {
    python3 - "$URL" "$1" <<'EOF'
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_fake/config",
                                              data=sys.argv[2].encode(), method="POST")).read()
EOF
}

nreq() { [ -f "$LOG" ] && wc -l <"$LOG" | tr -d ' ' || echo 0; }
nreq_path() { grep -c "\"path\": \"$1\"" "$LOG" || true; }

test_cold_warm() {
    local c="$C/c-warm" out n
    : >"$LOG"
    out=$("$DRIVE" "$URL" "$c" recent=5 2>"$W/err") || { cat "$W/err" >&2; return 1; }
    assert_contains <(echo "$out") "runs=5 new=5" || return 1
    [ "$(ls "$c"/run_*/api/benchmarks_*_a*.json | wc -l)" -eq 5 ] || fail "5 files expected" || return 1
    for f in "$c"/run_*/run.json; do
        assert_contains "$f" '"imx_source": "api"' || return 1
        python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert isinstance(r["id"], int) and r["created_at"]' "$f" || return 1
    done
    # stored bodies are the decoded JSON arrays
    python3 -c 'import json,sys; [json.load(open(f)) for f in sys.argv[1:]]' "$c"/run_*/api/*.json || return 1
    : >"$LOG"
    out=$("$DRIVE" "$URL" "$c" recent=5 2>"$W/err") || return 1
    assert_contains <(echo "$out") "kept=5" || return 1
    n=$(nreq)
    [ "$n" -le 2 ] || fail "warm sync made $n requests" || return 1
    assert_eq "$(nreq_path /api/v1/benchmarks)" 0 "no benchmarks asked again"
}

test_everything() {
    local c="$C/c-all" out
    out=$("$DRIVE" "$URL" "$c" since=2000-01-01 2>"$W/err") || { tail "$W/err" >&2; return 1; }
    # every real row of the fixture is stored, in one file per run and model
    assert_contains <(echo "$out") "rows=$ROWS" || return 1
    assert_contains <(echo "$out") "failed=0" || return 1
    [ -f "$c/run_$MULTI/api/benchmarks_DeepSeek-R1-0528_a4.json" ] || fail "attempt 4 file"
}

test_named_runs() {
    local c="$C/c-ids" out
    out=$("$DRIVE" "$URL" "$c" id=$PLAIN id=99999 model=openai_GPT-OSS-120B 2>"$W/err")
    assert_contains "$W/err" "run 99999" || return 1
    out=$("$DRIVE" "$URL" "$c" id=$PLAIN id=$MULTI model=dsr1 2>"$W/err") ||
        { cat "$W/err" >&2; return 1; }
    [ -f "$c/run_$PLAIN/api/benchmarks_DeepSeek-R1-0528_a1.json" ] || fail "file of $PLAIN" || return 1
    [ -f "$c/run_$MULTI/run.json" ] || fail "run.json of $MULTI" || return 1
    assert_contains "$c/run_$MULTI/run.json" "\"created_at\": \"$CREATED\""
}

test_later_attempt() {
    local c="$C/c-att" out
    use att
    out=$("$DRIVE" "$URL" "$c" id=$MULTI 2>"$W/err") || { cat "$W/err" >&2; return 1; }
    [ -f "$c/run_$MULTI/api/benchmarks_DeepSeek-R1-0528_a3.json" ] || fail "attempt 3 file" || return 1
    assert_contains "$c/run_$MULTI/run.json" '"run_attempt": 3,' || return 1
    configure '{"cap_attempt": {}}'
    out=$("$DRIVE" "$URL" "$c" id=$MULTI 2>"$W/err") || { cat "$W/err" >&2; return 1; }
    assert_contains "$W/err" "attempt 4 replacing attempt 3" || return 1
    [ -f "$c/run_$MULTI/api/benchmarks_DeepSeek-R1-0528_a3.json" ] || fail "attempt 3 file kept" || return 1
    [ -f "$c/run_$MULTI/api/benchmarks_DeepSeek-R1-0528_a4.json" ] || fail "attempt 4 file" || return 1
    assert_contains "$c/run_$MULTI/run.json" '"run_attempt": 4,' || return 1
    # attempt 3 held half of attempt 4's rows
    [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$c/run_$MULTI/api/benchmarks_DeepSeek-R1-0528_a3.json")" = "$HALF" ] || fail "$HALF rows in attempt 3"
}

test_gzip_without_header() {
    local c="$C/c-nohdr" out
    configure '{"faults": ["noheader"]}'
    out=$("$DRIVE" "$URL" "$c" recent=3 2>"$W/err") || { cat "$W/err" >&2; return 1; }
    configure '{"faults": []}'
    assert_contains <(echo "$out") "failed=0" || return 1
    python3 -c 'import json,sys; [json.load(open(f)) for f in sys.argv[1:]]' "$c"/run_*/api/*.json "$c/api/availability.json"
}

test_agentic_rows_not_counted() {
    local c="$C/c-agentic" plain out
    plain=$("$DRIVE" "$URL" "$C/c-plain" recent=2 2>"$W/err") || { cat "$W/err" >&2; return 1; }
    configure '{"faults": ["agentic:path=/api/v1/benchmarks"]}'
    out=$("$DRIVE" "$URL" "$c" recent=2 2>"$W/err")
    configure '{"faults": []}'
    assert_contains <(echo "$out") "failed=0" || { cat "$W/err" >&2; return 1; }
    # stored as the API sent them, but not counted as table rows
    assert_eq "$(echo "$out" | grep -o ' rows=[0-9]*')" "$(echo "$plain" | grep -o ' rows=[0-9]*')" \
        "rows counted with agentic rows in the answers" || return 1
    assert_eq "$(python3 -c 'import json,sys; print(sum(r.get("isl") is None for f in sys.argv[1:] for r in json.load(open(f))))' "$c"/run_*/api/*.json)" 2 \
        "agentic rows stored"
}

test_bad_bodies_store_nothing() {
    local kind c out
    for kind in badjson: truncate: big:bytes=40000000; do
        c="$C/c-bad-${kind%%:*}"
        configure "{\"faults\": [\"$kind,path=/api/v1/benchmarks,count=1\"]}"
        out=$("$DRIVE" "$URL" "$c" recent=1 2>"$W/err")
        assert_contains <(echo "$out") "failed=1" || { cat "$W/err" >&2; return 1; }
        # a run whose document failed is incomplete: neither updated nor cached
        assert_contains <(echo "$out") "new=0 kept=0" || return 1
        [ -z "$(find "$c" -name 'benchmarks_*')" ] || fail "$kind: a file was stored" || return 1
        [ -z "$(find "$c" -name run.json)" ] || fail "$kind: run.json written" || return 1
        [ -z "$(find "$c" -name '.*tmp*')" ] || fail "$kind: temporary file left" || return 1
        # the next sync completes the run
        configure '{"faults": []}'
        out=$("$DRIVE" "$URL" "$c" recent=1 2>"$W/err") || { cat "$W/err" >&2; return 1; }
        [ -n "$(find "$c" -name run.json)" ] || fail "$kind: not completed later" || return 1
    done
}

test_unknown_model() {
    local out
    out=$("$DRIVE" "$URL" "$C/c-unk" model=Mystery-9 2>"$W/err") && fail "accepted" && return 1
    assert_contains "$W/err" "unknown model 'Mystery-9'" || return 1
    assert_contains "$W/err" "DeepSeek-R1-0528" || return 1
    # the engine asked the OpenAPI document for live names before giving up
    assert_eq "$(nreq_path /api/openapi.json)" 1
}

test_no_run_configs() {
    local c="$C/c-norc" out
    use norc
    out=$("$DRIVE" "$URL" "$c" recent=3 2>"$W/err") || { cat "$W/err" >&2; return 1; }
    assert_contains <(echo "$out") "files=3"
}

# suite SET: every test against fakes serving SET's fixtures; the real captures' test names
# carry "real/"
suite() {
    local set=$1 tag=
    [ "$set" = real ] && tag=real/
    fixtures "$set" || { echo "FAIL api_engine/${tag}fixture"; return; }
    C="$W/$set"
    start_fake main "$C/fx"
    start_fake att "$C/fx2" --cap-attempt "$MULTI=3"
    start_fake norc "$C/fx" --no-runconfigs
    use main
    t_run api_engine/${tag}cold_then_warm test_cold_warm
    t_run api_engine/${tag}everything test_everything
    t_run api_engine/${tag}named_runs test_named_runs
    t_run api_engine/${tag}gzip_without_header test_gzip_without_header
    t_run api_engine/${tag}agentic_rows_not_counted test_agentic_rows_not_counted
    t_run api_engine/${tag}bad_bodies_store_nothing test_bad_bodies_store_nothing
    t_run api_engine/${tag}unknown_model test_unknown_model
    t_run api_engine/${tag}no_run_configs test_no_run_configs
    t_run api_engine/${tag}later_attempt test_later_attempt
    stop_fakes
}

for set in $SETS; do
    suite "$set"
done
