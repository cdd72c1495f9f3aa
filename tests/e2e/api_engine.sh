#!/usr/bin/env bash
# api_engine: the InferenceX API discovery/download engine (lib/source/infxsync.c) against
# tests/fake/fakeapi.py, driven by tests/tools/infxdrive (a plain sequential libcurl fetcher into
# a store), on fixtures built from the real captures: cold and warm syncs, named runs, a later
# attempt replacing an earlier one, gzip without its header, agentic rows, bad bodies, unknown
# models.
. "$(dirname "$0")/../lib.sh"

DRIVE="$BUILD/tools/infxdrive"
SAMPLES="$SHARED_REF/samples-api"
if [ ! -x "$DRIVE" ] || [ ! -d "$SAMPLES" ]; then
    t_skip api_engine "needs $DRIVE and $SAMPLES"
    exit 0
fi
W=$(t_tmp)
python3 "$TESTS_DIR/fake/mkapifixture.py" "$W/fx" 2>/dev/null || { echo "FAIL api_engine/fixture"; exit 0; }
python3 "$TESTS_DIR/fake/mkapifixture.py" "$W/fx2" --runs 20720630953,21012127808 \
    --earlier-attempt 20720630953 2>/dev/null

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
    local c="$W/c-warm" out n
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
    local c="$W/c-all" out
    out=$("$DRIVE" "$URL" "$c" since=2000-01-01 2>"$W/err") || { tail "$W/err" >&2; return 1; }
    # every real row of the fixture is stored, in one file per run and model
    assert_contains <(echo "$out") "rows=1668" || return 1
    assert_contains <(echo "$out") "failed=0" || return 1
    [ -f "$c/run_20720630953/api/benchmarks_DeepSeek-R1-0528_a4.json" ] || fail "attempt 4 file"
}

test_named_runs() {
    local c="$W/c-ids" out
    out=$("$DRIVE" "$URL" "$c" id=21012127808 id=99999 model=openai_GPT-OSS-120B 2>"$W/err")
    assert_contains "$W/err" "run 99999" || return 1
    out=$("$DRIVE" "$URL" "$c" id=21012127808 id=20720630953 model=dsr1 2>"$W/err") ||
        { cat "$W/err" >&2; return 1; }
    [ -f "$c/run_21012127808/api/benchmarks_DeepSeek-R1-0528_a1.json" ] || fail "file of 21012127808" || return 1
    [ -f "$c/run_20720630953/run.json" ] || fail "run.json of 20720630953" || return 1
    assert_contains "$c/run_20720630953/run.json" '"created_at": "2026-01-05T03:00:05Z"'
}

test_later_attempt() {
    local c="$W/c-att" out
    use att
    out=$("$DRIVE" "$URL" "$c" id=20720630953 2>"$W/err") || { cat "$W/err" >&2; return 1; }
    [ -f "$c/run_20720630953/api/benchmarks_DeepSeek-R1-0528_a3.json" ] || fail "attempt 3 file" || return 1
    assert_contains "$c/run_20720630953/run.json" '"run_attempt": 3,' || return 1
    configure '{"cap_attempt": {}}'
    out=$("$DRIVE" "$URL" "$c" id=20720630953 2>"$W/err") || { cat "$W/err" >&2; return 1; }
    assert_contains "$W/err" "attempt 4 replacing attempt 3" || return 1
    [ -f "$c/run_20720630953/api/benchmarks_DeepSeek-R1-0528_a3.json" ] || fail "attempt 3 file kept" || return 1
    [ -f "$c/run_20720630953/api/benchmarks_DeepSeek-R1-0528_a4.json" ] || fail "attempt 4 file" || return 1
    assert_contains "$c/run_20720630953/run.json" '"run_attempt": 4,' || return 1
    # attempt 3 held half of attempt 4's 27 rows
    [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$c/run_20720630953/api/benchmarks_DeepSeek-R1-0528_a3.json")" = 14 ] || fail "14 rows in attempt 3"
}

test_gzip_without_header() {
    local c="$W/c-nohdr" out
    configure '{"faults": ["noheader"]}'
    out=$("$DRIVE" "$URL" "$c" recent=3 2>"$W/err") || { cat "$W/err" >&2; return 1; }
    configure '{"faults": []}'
    assert_contains <(echo "$out") "failed=0" || return 1
    python3 -c 'import json,sys; [json.load(open(f)) for f in sys.argv[1:]]' "$c"/run_*/api/*.json "$c/api/availability.json"
}

test_agentic_rows_not_counted() {
    local c="$W/c-agentic" plain out
    plain=$("$DRIVE" "$URL" "$W/c-plain" recent=2 2>"$W/err") || { cat "$W/err" >&2; return 1; }
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
        c="$W/c-bad-${kind%%:*}"
        configure "{\"faults\": [\"$kind,path=/api/v1/benchmarks,count=1\"]}"
        out=$("$DRIVE" "$URL" "$c" recent=1 2>"$W/err")
        assert_contains <(echo "$out") "failed=1" || { cat "$W/err" >&2; return 1; }
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
    out=$("$DRIVE" "$URL" "$W/c-unk" model=Mystery-9 2>"$W/err") && fail "accepted" && return 1
    assert_contains "$W/err" "unknown model 'Mystery-9'" || return 1
    assert_contains "$W/err" "DeepSeek-R1-0528" || return 1
    # the engine asked the OpenAPI document for live names before giving up
    assert_eq "$(nreq_path /api/openapi.json)" 1
}

test_no_run_configs() {
    local c="$W/c-norc" out
    use norc
    out=$("$DRIVE" "$URL" "$c" recent=3 2>"$W/err") || { cat "$W/err" >&2; return 1; }
    assert_contains <(echo "$out") "files=3"
}

start_fake main "$W/fx"
start_fake att "$W/fx2" --cap-attempt 20720630953=3
start_fake norc "$W/fx" --no-runconfigs
use main
t_run api_engine/cold_then_warm test_cold_warm
t_run api_engine/everything test_everything
t_run api_engine/named_runs test_named_runs
t_run api_engine/gzip_without_header test_gzip_without_header
t_run api_engine/agentic_rows_not_counted test_agentic_rows_not_counted
t_run api_engine/bad_bodies_store_nothing test_bad_bodies_store_nothing
t_run api_engine/unknown_model test_unknown_model
t_run api_engine/no_run_configs test_no_run_configs
t_run api_engine/later_attempt test_later_attempt
stop_fakes
