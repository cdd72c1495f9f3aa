# tests/fake/gcs.sh: shell helpers to run the fake GCS backup (tests/fake/fakegcs.py) from e2e tests.
# Source after tests/lib.sh (and after fake.sh when both are used). gcs_start sets GCS_URL, GCS_PID,
# GCS_LOG; servers still running when the script exits are stopped.
GCS_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GCS_PIDS=()

# mkgcsfixture OUT_DIR [options]: tests/fake/mkgcsfixture.py --out OUT_DIR ...
mkgcsfixture() {
    local out=$1
    shift
    python3 "$GCS_HOME/mkgcsfixture.py" --out "$out" "$@"
}

# gcs_start DATA_DIR [fakegcs options...]: start a server on DATA_DIR; its files go to DATA_DIR/../
gcs_start() {
    local data=$1 dir i
    shift
    dir=$(dirname "$data")
    rm -f "$dir/gcs.port"
    GCS_LOG=$dir/gcs.log
    : >"$GCS_LOG"
    python3 "$GCS_HOME/fakegcs.py" --data "$data" --port-file "$dir/gcs.port" --log "$GCS_LOG" \
        "$@" 2>"$dir/gcs.err" &
    GCS_PID=$!
    GCS_PIDS+=("$GCS_PID")
    for ((i = 0; i < 1000; i++)); do
        [ -s "$dir/gcs.port" ] && break
        kill -0 "$GCS_PID" 2>/dev/null || break
        sleep 0.01
    done
    [ -s "$dir/gcs.port" ] || { echo "fakegcs did not start: $(cat "$dir/gcs.err")" >&2; return 1; }
    GCS_URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$dir/gcs.port")
}

# gcs_faults 'SPEC' ...: replace the faults of the last started server.
gcs_faults() {
    local json
    json=$(python3 -c 'import json,sys; print(json.dumps({"faults": sys.argv[1:]}))' "$@")
    curl -sf -X POST --data-binary "$json" "$GCS_URL/_fake/config" >/dev/null
}

# gcs_count FILTER: how many logged requests match a Python expression over `r` (a log entry).
gcs_count() {
    python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if eval(sys.argv[2]):
        n += 1
print(n)' "$GCS_LOG" "${1:-True}"
}

gcs_stop() {
    local pid=${1:-$GCS_PID}
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

gcs_stop_all() {
    local p
    for p in "${GCS_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    return 0
}
trap 'gcs_stop_all; declare -F fake_stop_all >/dev/null && fake_stop_all; t_cleanup' EXIT
