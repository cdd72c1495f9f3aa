# tests/fake/api.sh: start the fake InferenceX API (tests/fake/fakeapi.py) from e2e tests. Source
# after tests/lib.sh; call at the top level of a script (never inside t_run, whose $(...) would
# wait for the server forever); the script stops it ("kill $API_PID" in its EXIT trap).
API_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# api_start DATA_DIR [fakeapi options...]: sets API_URL and API_PID; its port file, log
# (API_LOG) and output go beside DATA_DIR.
api_start() {
    local data=$1 dir
    shift
    dir=$(dirname "$data")
    rm -f "$dir/port"
    API_LOG=$dir/log
    python3 "$API_HOME/fakeapi.py" --data "$data" --port-file "$dir/port" --log "$API_LOG" \
        "$@" >"$dir/out" 2>&1 </dev/null &
    API_PID=$!
    for _ in $(seq 1 200); do
        [ -s "$dir/port" ] && break
        kill -0 "$API_PID" 2>/dev/null || break
        sleep 0.05
    done
    API_URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' \
        "$dir/port" 2>/dev/null) || { echo "fakeapi did not start: $(cat "$dir/out")" >&2; return 1; }
}
