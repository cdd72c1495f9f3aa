#!/usr/bin/env bash
# dates: --since/--until are checked once, before anything else, for every command and every
# source: a date that is not a real YYYY-MM-DD day, or --since after --until, is exit 2 with
# "take dates as YYYY-MM-DD" (or the range's message), and no server hears a request (the fake
# servers' request logs stay empty) and no cache is created.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/fake/gcs.sh"
. "$TESTS_DIR/fake/api.sh"

W=$(t_tmp)
# Servers start here, never inside t_run: its $(...) would wait for them forever.
mkfixture "$W/fx" --synthetic 2 --no-extras --token ghp_dates >/dev/null || exit 1
fake_start "$W" "$W/fx/fixture.json" || exit 1
mkgcsfixture "$W/g/data" --synthetic >/dev/null || exit 1
gcs_start "$W/g/data" || exit 1
mkdir -p "$W/a/data"
api_start "$W/a/data" || exit 1
trap 'kill $API_PID 2>/dev/null; wait $API_PID 2>/dev/null; gcs_stop_all; fake_stop_all; t_cleanup' EXIT

# every command with every source, against the three fakes
each() {
    local cmd src out
    for cmd in extract sync runs; do
        out=()
        [ $cmd = extract ] && out=(-o "$W/out.csv")
        for src in github gcs api all; do
            GH_TOKEN=ghp_dates imx "$cmd" --source "$src" --cache "$W/cache" "${out[@]}" \
                --github-url "$FAKE_API" --gcs-url "$GCS_URL" --inferencex-url "$API_URL" "$@" \
                >"$W/so" 2>"$W/se" </dev/null
            echo "$cmd $src $?" >>"$W/statuses"
            cat "$W/se" >>"$W/stderr"
        done
    done
}

quiet_servers() {
    [ ! -s "$FAKE_LOG" ] || fail "GitHub was asked: $(head -3 "$FAKE_LOG")" || return 1
    [ ! -s "$GCS_LOG" ] || fail "GCS was asked: $(head -3 "$GCS_LOG")" || return 1
    [ ! -s "$API_LOG" ] || fail "the API was asked: $(head -3 "$API_LOG")" || return 1
    [ ! -e "$W/cache" ] || fail "a cache was created" || return 1
    [ ! -e "$W/out.csv" ] || fail "an output was written"
}

bad_dates() {
    local d
    for d in garbage 2026-02-30 2026-1-05 20260105 2026-01-05T00:00:00Z ""; do
        : >"$W/statuses"
        : >"$W/stderr"
        each --since "$d"
        each --until "$d"
        ! grep -v ' 2$' "$W/statuses" || fail "--since/--until '$d' not exit 2" || return 1
        [ "$(grep -c 'take dates as YYYY-MM-DD' "$W/stderr")" = 24 ] ||
            fail "'$d': $(sort "$W/stderr" | uniq -c)" || return 1
    done
    quiet_servers
}

reversed_range() {
    : >"$W/statuses"
    : >"$W/stderr"
    each --since 2026-02-02 --until 2026-02-01
    ! grep -v ' 2$' "$W/statuses" || fail "--since after --until accepted" || return 1
    [ "$(grep -c 'is after --until' "$W/stderr")" = 12 ] || fail "$(sort "$W/stderr" | uniq -c)" ||
        return 1
    quiet_servers
}

# one day, both bounds equal, and leap days are fine (offline: nothing to ask)
good_dates() {
    mkdir -p "$W/empty"
    imx extract --offline --cache "$TESTS_DIR/cases/0001-e9-aggregate-newest-wins/cache" \
        --since 2024-02-29 --until 2026-01-01 --model all -o "$W/g.csv" --quiet || return 1
    imx runs --offline --cache "$W/empty" --since 2025-12-20 --until 2025-12-20 >/dev/null 2>&1 ||
        return 1
}

t_run "dates: not a real YYYY-MM-DD day: exit 2 for every command and source, no request" bad_dates
t_run "dates: --since after --until: exit 2 for every command and source, no request" reversed_range
t_run "dates: leap days and one-day ranges are accepted" good_dates
