#!/usr/bin/env bash
# bounds_hosts: a host that cannot be reached costs one failure, not one per request: GitHub
# behind a closed port or a blackhole (accepts, never answers) while `imx sync --source gcs`
# looks up the run objects of backup runs with a token; the failure is remembered in .imx/ so
# the next sync does not wait again.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/gcs.sh"

export IMX_RETRY_DELAY_MS=20
unset GITHUB_API_URL GH_TOKEN GITHUB_TOKEN IMX_CACHE
W=$(t_tmp)
mkgcsfixture "$W/data" --synthetic >/dev/null || exit 1
gcs_start "$W/data" || exit 1
export IMX_GCS_URL=$GCS_URL

# a blackhole: accepts every connection, counts it, never answers
python3 - "$W/hole.port" "$W/hole.count" <<'PY' >/dev/null 2>&1 &
import os, socket, sys, threading
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(128)
tmp = sys.argv[1] + ".tmp"
open(tmp, "w").write(str(s.getsockname()[1]))
os.rename(tmp, sys.argv[1])
held, n = [], 0
while True:
    c, _ = s.accept()
    held.append(c)
    n += 1
    open(sys.argv[2], "w").write(str(n))
PY
HOLE_PID=$!
trap 'kill $HOLE_PID 2>/dev/null; gcs_stop_all; t_cleanup' EXIT
for _ in $(seq 1 200); do [ -s "$W/hole.port" ] && break; sleep 0.02; done
HOLE="http://127.0.0.1:$(cat "$W/hole.port")"
# a closed port: bound, then released
CLOSED="http://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

# gsync CACHE API_URL: a backup sync of the synthetic runs with a token, GitHub at API_URL
gsync() {
    GH_TOKEN=ghp_unreachable GITHUB_API_URL=$2 timeout 120 "$IMX" sync --source gcs --cache "$1" \
        --since 2025-12-20 --until 2026-01-07 >"$W/out" 2>&1
}

t_closed_port() {
    gsync "$W/c1" "$CLOSED"
    assert_eq "$?" 0 "exit status: $(cat "$W/out")" &&
        assert_eq "$(grep -c 'could not be reached' "$W/out")" 1 "messages about GitHub" &&
        assert_not_contains "$W/out" "GitHub's run object"
}

# in-flight requests time out together once; the rest are never sent; the record in .imx/
# spares the next sync the wait
t_blackhole() {
    local t0=$SECONDS t1
    IMX_STALL_TIMEOUT=2 gsync "$W/c2" "$HOLE"
    assert_eq "$?" 0 "exit status: $(cat "$W/out")" || return 1
    t1=$((SECONDS - t0))
    [ "$(cat "$W/hole.count")" -le 8 ] || fail "$(cat "$W/hole.count") connections to the blackhole" || return 1
    [ "$t1" -lt 20 ] || fail "first sync took $t1 s" || return 1
    assert_contains "$W/c2/.imx/unreachable" "127.0.0.1" || return 1
    # another host's line (a record of an older imx) is not GitHub's
    sed -i "1i $(date +%s) http://other.invalid:80 not GitHub" "$W/c2/.imx/unreachable"
    t0=$SECONDS
    IMX_STALL_TIMEOUT=2 gsync "$W/c2" "$HOLE"
    assert_eq "$?" 0 "exit status: $(cat "$W/out")" &&
        assert_contains "$W/out" "not asked, GitHub could not be reached" &&
        [ "$(cat "$W/hole.count")" -le 8 ] && [ $((SECONDS - t0)) -lt 2 ] ||
        fail "second sync: $((SECONDS - t0)) s, $(cat "$W/hole.count") connections"
}

# a failure naming a long URL is cut to fit its message, never lost (past 511 bytes it was empty:
# "cannot list the runs: " and nothing more)
t_long_url() {
    local long
    long=$(printf 'a%.0s' $(seq 1 450))
    GITHUB_API_URL="$CLOSED/$long" timeout 60 "$IMX" sync --cache "$W/c3" --collect-recent=1 \
        >"$W/out" 2>&1
    assert_contains "$W/out" "cannot list the runs: GET $CLOSED/aaaaaaaa"
}

t_run "bounds hosts: GitHub behind a closed port: one message, the backup sync completes" t_closed_port
t_run "bounds hosts: a failure naming a 450-byte URL still says what failed" t_long_url
t_run "bounds hosts: a blackholed GitHub costs one timeout, then none (remembered in .imx/)" t_blackhole
