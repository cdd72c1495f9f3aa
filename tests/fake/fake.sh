# tests/fake/fake.sh: shell helpers to run the fake GitHub (tests/fake/fakegh.py) from e2e tests.
# Source after tests/lib.sh. fake_start sets FAKE_API, FAKE_BLOB, FAKE_PID, FAKE_LOG, FAKE_ERR;
# servers still running when the script exits are stopped.
FAKE_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FAKE_PIDS=()

# mkfixture OUT_DIR [options]: tests/fake/mkfixture.py (prints run ids, newest first).
mkfixture() { python3 "$FAKE_HOME/mkfixture.py" "$@"; }

# fake_start DIR FIXTURE [fakegh options...]: start a server whose files live in DIR.
fake_start() {
    local dir=$1 fixture=$2 i
    shift 2
    rm -f "$dir/fake.port"
    FAKE_LOG=$dir/fake.log
    FAKE_ERR=$dir/fake.err
    python3 "$FAKE_HOME/fakegh.py" --fixture "$fixture" --port-file "$dir/fake.port" \
        --log "$FAKE_LOG" "$@" 2>"$FAKE_ERR" &
    FAKE_PID=$!
    FAKE_PIDS+=("$FAKE_PID")
    for ((i = 0; i < 500; i++)); do
        [ -s "$dir/fake.port" ] && break
        kill -0 "$FAKE_PID" 2>/dev/null || break
        sleep 0.01
    done
    [ -s "$dir/fake.port" ] || { echo "fakegh did not start: $(cat "$FAKE_ERR")" >&2; return 1; }
    FAKE_API=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api"])' "$dir/fake.port")
    FAKE_BLOB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["blob"])' "$dir/fake.port")
}

# fake_stop [PID]: stop one server (default: the last started).
fake_stop() {
    local pid=${1:-$FAKE_PID}
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# fake_ctl METHOD ROUTE [JSON]: call a control route (/__fake/ROUTE) of the last started server.
fake_ctl() {
    if [ -n "${3:-}" ]; then
        curl -sf -X "$1" --data-binary "$3" "$FAKE_API/__fake/$2"
    else
        curl -sf -X "$1" "$FAKE_API/__fake/$2"
    fi
}

fake_faults() { fake_ctl POST faults "$1" >/dev/null; }

fake_stop_all() {
    local p
    for p in "${FAKE_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    return 0
}
trap 'fake_stop_all; t_cleanup' EXIT
