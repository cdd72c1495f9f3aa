#!/usr/bin/env bash
# gcs_pipeline: `imx sync --source gcs` installs each download as it arrives. With one download
# held by the server, the other runs reach the cache before it is answered; a batch that
# installed nothing until every answer was in would leave the cache empty. Checked on the cache
# while the answer is held (an order of events), never on timings.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/gcs.sh"

W=$(t_tmp)
HELD=21000007000
mkgcsfixture "$W/data" --bench 8:2 >/dev/null || exit 1
gcs_start "$W/data" --fault "stall:name=main_$HELD/artifacts/results_bmk,seconds=300,count=1" ||
    exit 1

t_installs_while_held() {
    local pid i other= alive=0
    IMX_STALL_TIMEOUT=600 imx sync --source gcs --gcs-url "$GCS_URL" --cache "$W/c" \
        --since 2000-01-01 >"$W/o" 2>&1 &
    pid=$!
    # up to a minute (valgrind is slow): another run's manifest, while the one answer is held
    for ((i = 0; i < 600; i++)); do
        other=$(ls "$W"/c/run_*/imx-manifest.json 2>/dev/null | grep -v "/run_$HELD/" | head -n 1)
        [ -n "$other" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && alive=1
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    [ "$alive" = 1 ] || fail "imx ended while an answer was held: $(tail -n 3 "$W/o")" || return 1
    [ -n "$other" ] || fail "no run reached the cache while one download was held" || return 1
    grep -q '"state": "complete"' "$other" || fail "$other records nothing complete" || return 1
    [ ! -f "$W/c/run_$HELD/agg_bmk.json" ] || fail "the held download was installed"
}

t_run "gcs pipeline: runs are installed while another download is still on its way" \
    t_installs_while_held
