#!/usr/bin/env bash
# bounds_github: the fake GitHub turned hostile in ways that once crashed or held imx for ever:
# JSON nested 400,000 deep, a Link rel="next" back to a page already read or on for ever, a body
# dripping 2 bytes a second; and the small promises around them (relative Link URLs, no
# credentials of a URL in -v, a token with a trailing newline, unknown runs and repositories).
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"

W=$(t_tmp)
TOKEN="ghp_bounds$RANDOM$RANDOM"
mkfixture "$W/fx" --synthetic 3 --token "$TOKEN" >"$W/ids" || exit 1
mapfile -t IDS <"$W/ids"
fake_start "$W" "$W/fx/fixture.json" || exit 1
API=$FAKE_API

# gsync FAULTS [imx sync options...]: a fresh cache and fake, at most 60 s (a hang fails);
# output in $W/out, status in RC, the fake's log in $W/log.
gsync() {
    local faults=$1
    shift
    C=$(mktemp -d "$W/c.XXXXXX")
    fresh "$faults"
    GH_TOKEN=${TOK-$TOKEN} timeout 60 "$IMX" sync --github-url "$API" --cache "$C" "$@" \
        >"$W/out" 2>&1
    RC=$?
    flog "$W/log"
}

no_crash() { [ "$RC" -lt 124 ] || fail "exit status $RC (killed or hung): $(tail -3 "$W/out")"; }

t_deep_listing() {
    gsync '[{"match": "/runs\\?", "fault": "deep_json", "always": true}]' --collect-recent 3
    no_crash && assert_eq "$RC" 3 "exit status" &&
        assert_contains "$W/out" "nesting deeper than 64 levels" &&
        assert_contains "$W/out" "/actions/workflows/run-sweep.yml/runs"
}

t_deep_run() {
    gsync '[{"match": "/runs/[0-9]+$", "fault": "deep_json", "always": true}]' "${IDS[0]}"
    no_crash && assert_eq "$RC" 3 "exit status" &&
        grep -q "run ${IDS[0]}.*nesting deeper than 64 levels" "$W/out" ||
        fail "$(cat "$W/out")"
}

t_deep_artifacts() {
    gsync '[{"match": "/artifacts\\?", "fault": "deep_json", "always": true}]' --collect-recent 1
    no_crash && assert_eq "$RC" 3 "exit status" && assert_contains "$W/out" "nesting deeper than 64"
}

# rel="next" pointing back at the page just read: one request, not an endless loop
t_link_same_page() {
    gsync '[{"match": "/runs\\?", "fault": "link_loop", "always": true}]' --collect-recent 5
    no_crash && assert_eq "$RC" 3 "exit status" && assert_contains "$W/out" "a server loop" &&
        assert_eq "$(fcount "$W/log" "'/workflows/' in r['path']")" 1 "listing requests"
}

# page 2 pointing back to page 1
t_link_earlier_page() {
    gsync '[{"match": "/runs\\?", "fault": "link_loop", "to": 2, "calls": [1]},
            {"match": "page=2", "fault": "link_loop", "to": 1, "always": true}]' --collect-recent 5
    no_crash && assert_eq "$RC" 3 "exit status" && assert_contains "$W/out" "goes back to page 1"
}

# a next page for ever: stopped at total_count / per_page plus slack
t_link_endless() {
    gsync '[{"match": "/runs\\?", "fault": "link_endless", "always": true}]' --collect-recent 5
    no_crash && assert_eq "$RC" 3 "exit status" && assert_contains "$W/out" "total_count 3" &&
        assert_eq "$(fcount "$W/log" "'/workflows/' in r['path']")" 3 "listing requests"
}

t_link_endless_artifacts() {
    gsync '[{"match": "/artifacts\\?", "fault": "link_endless", "always": true}]' --collect-recent 1
    no_crash && [ "$RC" -ne 0 ] && assert_contains "$W/out" "giving up on this listing" &&
        [ "$(fcount "$W/log" "'/artifacts' in r['path'] and 'zip' not in r['path']")" -le 4 ] ||
        fail "$(cat "$W/out")"
}

# a relative next URL is resolved against the request, not reported as a network error
t_link_relative() {
    fake_ctl POST options '{"link_style": "relative"}' >/dev/null
    gsync '[{"match": "/runs\\?", "fault": "link_loop", "to": 2, "calls": [1]}]' --collect-recent 5
    fake_ctl POST options '{"link_style": "repos"}' >/dev/null
    no_crash && assert_eq "$RC" 0 "exit status: $(cat "$W/out")" &&
        assert_eq "$(fcount "$W/log" "'page=2' in r['query']")" 1 "page 2 asked once"
}

# 2 bytes a second with a large Content-Length: cut by the minimum rate, retried, done
t_drip_blob() {
    local t0=$SECONDS
    IMX_STALL_TIMEOUT=2 gsync '[{"host": "blob", "fault": "drip", "bytes": 1000000, "times": 1}]' \
        --collect-recent 1
    no_crash && assert_eq "$RC" 0 "exit status: $(cat "$W/out")" &&
        [ $((SECONDS - t0)) -lt 30 ] || fail "took $((SECONDS - t0)) s"
}

t_drip_listing() {
    IMX_STALL_TIMEOUT=2 gsync '[{"match": "/artifacts\\?", "fault": "drip", "bytes": 100000, "times": 1}]' \
        --collect-recent 1
    no_crash && assert_eq "$RC" 0 "exit status: $(cat "$W/out")"
}

# with the rate limit lowered, the deadline per request still ends the drip
t_deadline() {
    local t0=$SECONDS
    IMX_MIN_RATE=1 IMX_REQUEST_TIMEOUT=2 IMX_STALL_TIMEOUT=30 \
        gsync '[{"match": "/runs\\?", "fault": "drip", "bytes": 100000, "always": true}]' --collect-recent 1
    no_crash && assert_eq "$RC" 3 "exit status" && [ $((SECONDS - t0)) -lt 30 ] ||
        fail "took $((SECONDS - t0)) s: $(cat "$W/out")"
}

# -v never shows the user:password@ of a URL
t_verbose_userinfo() {
    local api=${API/http:\/\//http://someone:s3cretpw@}
    C=$(mktemp -d "$W/c.XXXXXX")
    fresh
    GH_TOKEN=$TOKEN timeout 60 "$IMX" sync -v --github-url "$api" --cache "$C" --collect-recent 1 \
        >"$W/out" 2>&1
    grep -q "GET http://127.0.0.1" "$W/out" || fail "no request logged: $(cat "$W/out")" || return 1
    assert_not_contains "$W/out" "s3cretpw" && assert_not_contains "$W/out" "someone:"
}

# nor does any message, -v or not: a listing that is not JSON names its URL, without them
t_error_userinfo() {
    local api=${API/http:\/\//http://someone:s3cretpw@}
    gsync '[{"match": "/runs\\?", "fault": "bad_json", "kind": "html", "always": true}]' \
        --github-url "$api" --collect-recent 1
    no_crash && assert_contains "$W/out" "/actions/workflows/" &&
        assert_not_contains "$W/out" "s3cretpw" && assert_not_contains "$W/out" "someone:"
}

# nor of a redirect's Location
t_verbose_userinfo_redirect() {
    C=$(mktemp -d "$W/c.XXXXXX")
    fresh '[{"match": "/zip", "fault": "userinfo_location", "userinfo": "blobuser:s3cretpw", "always": true}]'
    GH_TOKEN=$TOKEN timeout 60 "$IMX" sync -v -v --github-url "$API" --cache "$C" --collect-recent 1 \
        >"$W/out" 2>&1
    grep -q "GET http://localhost" "$W/out" || fail "no blob request logged: $(cat "$W/out")" || return 1
    assert_not_contains "$W/out" "s3cretpw" && assert_not_contains "$W/out" "blobuser"
}

# GH_TOKEN=$(cat file) keeps the newline: trimmed, not dropped
t_token_newline() {
    TOK=$'  '"$TOKEN"$'\n' gsync '[]' --collect-recent 1
    assert_eq "$RC" 0 "exit status: $(cat "$W/out")" &&
        assert_eq "$(fcount "$W/log" "r['identity']=='fake-user'")" \
            "$(fcount "$W/log" "r['host']=='api'")" "every API request authenticated"
}

t_no_such_run() {
    gsync '[]' 99999999999
    assert_eq "$RC" 3 "exit status" &&
        assert_contains "$W/out" "run 99999999999: no such run in SemiAnalysisAI/InferenceX" &&
        assert_not_contains "$W/out" "unkno)"
}

t_wrong_repo() {
    gsync '[]' --repo InferenceMAX/InferenceMAX --collect-recent 1
    assert_eq "$RC" 3 "exit status" && assert_contains "$W/out" "HTTP 404" &&
        assert_contains "$W/out" "February 2026" && assert_contains "$W/out" "SemiAnalysisAI/InferenceX"
}

t_run "bounds github: a run listing nested 400000 deep is refused, no crash" t_deep_listing
t_run "bounds github: a run object nested deep fails that run, no crash" t_deep_run
t_run "bounds github: an artifact listing nested deep, no crash" t_deep_artifacts
t_run "bounds github: Link next to the same page stops" t_link_same_page
t_run "bounds github: Link next back to an earlier page stops" t_link_earlier_page
t_run "bounds github: endless run pages stop at total_count" t_link_endless
t_run "bounds github: endless artifact pages stop" t_link_endless_artifacts
t_run "bounds github: a relative Link URL is followed" t_link_relative
t_run "bounds github: a blob dripping 2 B/s is cut and retried" t_drip_blob
t_run "bounds github: a listing dripping 2 B/s is cut and retried" t_drip_listing
t_run "bounds github: the per-request deadline ends a slow body" t_deadline
t_run "bounds github: -v never prints user:password@" t_verbose_userinfo
t_run "bounds github: -v never prints user:password@ of a redirect" t_verbose_userinfo_redirect
t_run "bounds github: no error message prints user:password@" t_error_userinfo
t_run "bounds github: a GH_TOKEN with whitespace around it is trimmed" t_token_newline
t_run "bounds github: an unknown run id says no such run" t_no_such_run
t_run "bounds github: a wrong --repo exits 3 and names the rename" t_wrong_repo
