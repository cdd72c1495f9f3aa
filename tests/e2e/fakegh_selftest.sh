#!/usr/bin/env bash
# tests/e2e/fakegh_selftest.sh: self-tests of the fake GitHub (tests/fake/) with curl, so client
# tests can trust it: port file, pagination, ETag/304, rate limits, blob auth refusal, faults, log.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"

if ! command -v curl >/dev/null; then
    t_skip fakegh_selftest "curl is not installed"
    exit 0
fi
TOKEN=selftest-token-0123
D=$(t_tmp)
mkfixture "$D/fx" --synthetic 7 --token "$TOKEN" --rerun @1 --legacy @2 --non-zip @3 \
    --expired @6 >"$D/ids" || exit 1
fake_start "$D" "$D/fx/fixture.json" || exit 1
R=$FAKE_API/repos/SemiAnalysisAI/InferenceX
AUTH="Authorization: Bearer $TOKEN"
NEWEST=$(sed -n 1p "$D/ids")

# json FILE EXPR: print a Python expression over the parsed JSON file (bound to d).
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
hdr() { grep -i "^$2:" "$1" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }
get() { curl -s -A fakegh-selftest "$@"; }

test_port_file() {
    assert_eq "$(json "$D/fake.port" 'd["pid"]')" "$FAKE_PID" &&
        case $FAKE_BLOB in http://localhost:*) ;; *) fail "blob url $FAKE_BLOB" ;; esac &&
        case $FAKE_API in http://127.0.0.1:*) ;; *) fail "api url $FAKE_API" ;; esac
}

# Follow rel="next" verbatim from page 1 and compare with the fixture's runs, newest first.
test_pagination() {
    local url="$R/actions/workflows/run-sweep.yml/runs?status=success&per_page=2&exclude_pull_requests=true"
    local n=0 ids=""
    : >"$D/pages"
    while [ -n "$url" ]; do
        get -D "$D/h" -o "$D/b" "$url" || return 1
        ids="$ids$(json "$D/b" '"\n".join(str(r["id"]) for r in d["workflow_runs"])')"$'\n'
        case $n in 0) assert_contains "$D/h" 'page=2>; rel="next"' || return 1 ;; esac
        url=$(hdr "$D/h" link | grep -o '<[^>]*>; rel="next"' | sed 's/^<//; s/>.*//')
        case $url in "" | *exclude_pull_requests=true*page=*) ;; *) fail "query lost: $url" ;; esac
        n=$((n + 1))
        [ $n -lt 10 ] || return 1
    done
    assert_eq "$n" 4 "pages" && assert_eq "$(printf '%s' "$ids" | grep -c .)" 7 &&
        assert_eq "$(printf '%s' "$ids" | sed 's/^$//' | grep . | tr '\n' ' ')" "$(tr '\n' ' ' <"$D/ids")" &&
        assert_eq "$(json "$D/b" 'd["total_count"]')" 7
}

test_filters() {
    get -o "$D/b" "$R/actions/runs?created=%3C2026-01-06&per_page=100" &&
        assert_eq "$(json "$D/b" 'd["total_count"]')" 2 "created<2026-01-06" &&
        get -o "$D/b" "$R/actions/runs?status=in_progress" &&
        assert_eq "$(json "$D/b" 'd["total_count"]')" 0 &&
        assert_eq "$(get -o /dev/null -w '%{http_code}' "$R/actions/runs?status=bogus")" 422
}

test_etag_304() {
    local u="$R/actions/runs/$NEWEST/artifacts" etag rem
    rm -f "$D/b"
    get -H "$AUTH" -D "$D/h1" -o /dev/null "$u" || return 1
    etag=$(hdr "$D/h1" etag)
    rem=$(hdr "$D/h1" x-ratelimit-remaining)
    assert_eq "$(get -H "$AUTH" -H "If-None-Match: $etag" -D "$D/h2" -o "$D/b" -w '%{http_code}' "$u")" 304 &&
        assert_eq "$(hdr "$D/h2" x-ratelimit-remaining)" "$rem" "304 must not cost quota" &&
        assert_eq "$(hdr "$D/h2" etag)" "$etag" && [ ! -s "$D/b" ]
}

test_download_and_blob_auth() {
    get -o "$D/arts" "$R/actions/runs/$NEWEST/artifacts?name=results_bmk" || return 1
    local id digest size loc
    id=$(json "$D/arts" 'd["artifacts"][0]["id"]')
    digest=$(json "$D/arts" 'd["artifacts"][0]["digest"]')
    size=$(json "$D/arts" 'd["artifacts"][0]["size_in_bytes"]')
    assert_eq "$(get -o /dev/null -w '%{http_code}' "$R/actions/artifacts/$id/zip")" 403 "anonymous /zip" &&
        loc=$(get -H "$AUTH" -o /dev/null -w '%{redirect_url}' "$R/actions/artifacts/$id/zip") &&
        case $loc in "$FAKE_BLOB"/actions-results/*sig=*) ;; *) fail "location $loc" ;; esac &&
        assert_eq "$(get -H "$AUTH" -o "$D/err" -w '%{http_code}' "$loc")" 403 "blob with auth" &&
        assert_contains "$D/err" "<Code>AuthenticationFailed</Code>" &&
        assert_eq "$(get -o "$D/a.zip" -w '%{http_code} %{content_type}' "$loc")" "200 application/zip" &&
        assert_eq "sha256:$(sha256sum <"$D/a.zip" | cut -d' ' -f1)" "$digest" &&
        assert_eq "$(wc -c <"$D/a.zip" | tr -d ' ')" "$size" &&
        assert_eq "$(get -r 0-9 -o /dev/null -w '%{http_code} %{size_download}' "$loc")" "206 10" &&
        assert_eq "$(get -H "$AUTH" -L -o /dev/null -w '%{http_code}' "$R/actions/artifacts/$id/zip")" 200 \
            "curl drops auth on the host change"
}

test_special_artifacts() {
    local rerun legacy raw expired
    rerun=$(sed -n 2p "$D/ids") legacy=$(sed -n 3p "$D/ids") raw=$(sed -n 4p "$D/ids") expired=$(sed -n 7p "$D/ids")
    get -o "$D/b" "$R/actions/runs/$rerun/artifacts?name=results_bmk" &&
        assert_eq "$(json "$D/b" 'len(d["artifacts"])')" 2 "re-run: two results_bmk" &&
        get -o "$D/b" "$R/actions/runs/$rerun" && assert_eq "$(json "$D/b" 'd["run_attempt"]')" 2 &&
        get -o "$D/b" "$R/actions/runs/$legacy/artifacts?name=results_bmk" &&
        assert_eq "$(json "$D/b" 'd["artifacts"][0]["digest"]')" None &&
        loc=$(get -H "$AUTH" -o /dev/null -w '%{redirect_url}' "$(json "$D/b" 'd["artifacts"][0]["archive_download_url"]')") &&
        get -D "$D/h" -o /dev/null "$loc" && assert_contains "$D/h" "Transfer-Encoding: chunked" &&
        assert_not_contains "$D/h" "Content-Length" &&
        get -o "$D/b" "$R/actions/runs/$raw/artifacts?name=results_bmk" &&
        loc=$(get -H "$AUTH" -o /dev/null -w '%{redirect_url}' "$(json "$D/b" 'd["artifacts"][0]["archive_download_url"]')") &&
        get -D "$D/h" -o "$D/raw" "$loc" && assert_contains "$D/h" 'filename="agg_bmk.json"' &&
        json "$D/raw" 'len(d)' >/dev/null &&
        get -o "$D/b" "$R/actions/runs/$expired/artifacts" &&
        assert_eq "$(json "$D/b" 'all(a["expired"] for a in d["artifacts"])')" True &&
        assert_eq "$(get -H "$AUTH" -o /dev/null -w '%{http_code}' "$(json "$D/b" 'd["artifacts"][0]["archive_download_url"]')")" 410
}

test_faults() {
    local u="$R/actions/runs?per_page=1"
    fake_faults '[{"match":"/actions/runs\\?","fault":"http_5xx","status":503,"calls":[1]},
                  {"match":"/actions/runs\\?","fault":"secondary_429","retry_after":7,"calls":[2]},
                  {"match":"/actions/runs\\?","fault":"reset","calls":[3]},
                  {"match":"/actions/runs\\?","fault":"truncate","bytes":50,"calls":[4]},
                  {"host":"blob","fault":"corrupt","times":1}]' || return 1
    assert_eq "$(get -o /dev/null -w '%{http_code}' "$u")" 503 &&
        assert_eq "$(get -D "$D/h" -o /dev/null -w '%{http_code}' "$u")" 429 &&
        assert_eq "$(hdr "$D/h" retry-after)" 7 &&
        { get -o /dev/null "$u"; [ $? -ne 0 ] || fail "reset: curl succeeded"; } &&
        { get -o /dev/null "$u"; assert_eq $? 18 "truncate: partial file"; } &&
        assert_eq "$(get -o /dev/null -w '%{http_code}' "$u")" 200 "5th call is clean" &&
        fake_ctl GET faults >"$D/f" && assert_eq "$(json "$D/f" 'd[0]["seen"]')" 5 &&
        fake_faults '[]'
}

test_primary_ratelimit() {
    local u="$R/actions/workflows"
    fake_faults '[{"match":"/actions/workflows$","fault":"primary_ratelimit","reset_in":30}]' &&
        assert_eq "$(get -D "$D/h" -o "$D/b" -w '%{http_code}' "$u")" 403 &&
        assert_eq "$(hdr "$D/h" x-ratelimit-remaining)" 0 && assert_contains "$D/b" "rate limit exceeded" &&
        assert_eq "$(get -o /dev/null -w '%{http_code}' "$u")" 403 "still limited" &&
        fake_ctl POST clock '{"advance": 31}' >/dev/null &&
        assert_eq "$(get -o /dev/null -w '%{http_code}' "$u")" 200 "after the reset"
}

test_user_agent_and_version() {
    assert_eq "$(curl -s -A '' -o "$D/b" -w '%{http_code} %{content_type}' "$R/actions/runs")" \
        "403 text/html; charset=utf-8" && assert_contains "$D/b" "User-Agent" &&
        assert_eq "$(get -H 'X-GitHub-Api-Version: 2001-01-01' -o /dev/null -w '%{http_code}' "$R/actions/runs")" 400 &&
        assert_eq "$(get -H 'Authorization: token wrong' -o /dev/null -w '%{http_code}' "$R/actions/runs")" 401
}

# The log redacts the token but proves which one was sent; control routes are not logged.
test_log() {
    local sum
    sum=$(printf '%s' "Bearer $TOKEN" | sha256sum | cut -d' ' -f1)
    fake_ctl GET log >"$D/log.json" &&
        assert_not_contains "$FAKE_LOG" "$TOKEN" &&
        assert_contains "$FAKE_LOG" "$sum" && assert_contains "$FAKE_LOG" '"<redacted:Bearer>"' &&
        assert_not_contains "$FAKE_LOG" "__fake" &&
        assert_eq "$(json "$D/log.json" 'sum(1 for e in d if e["host"]=="blob" and e["auth"] and e["status"]!=403)')" 0 &&
        fake_ctl GET stats >"$D/s" && assert_eq "$(json "$D/s" 'd["api_304"] >= 1 and d["blob"] >= 3')" True
}

# A client hanging up in the middle of a huge body leaves the server serving, without tracebacks.
test_robust() {
    fake_faults '[{"match":"x=1","fault":"huge","endless":true},
                  {"match":"x=2","fault":"stall","seconds":3},
                  {"match":"x=3","fault":"slow","seconds":3}]' &&
        { head -c 100000 < <(get "$R/actions/runs?x=1") >/dev/null || true; } &&
        { get -m 0.3 -o /dev/null "$R/actions/runs?x=2" || true; } &&
        { get -m 0.3 -o /dev/null "$R/actions/runs?x=3" || true; } &&
        fake_faults '[]' && assert_eq "$(get -o /dev/null -w '%{http_code}' "$R/actions/runs")" 200 &&
        { [ ! -s "$FAKE_ERR" ] || { cat "$FAKE_ERR" >&2; fail "stderr not empty"; }; }
}

# Hostile and unusual zips are what they claim to be (Python's zipfile as the reference reader).
test_mkfixture_zips() {
    mkfixture "$D/hx" --synthetic 8 --no-extras --hostile @0 slip --hostile @1 zip64 \
        --hostile @2 descriptor --hostile @3 symlink --hostile @4 bomb --hostile @5 truncated \
        --hostile @6 dup --hostile @7 tree --bomb-size $((64 << 20)) >/dev/null &&
        python3 - "$D/hx" <<'EOF'
import io, json, sys, zipfile
d = sys.argv[1]
fx = json.load(open(d + "/fixture.json"))
z = {a["hostile"]: open(d + "/" + a["blob_file"], "rb").read() for a in fx["artifacts"] if "hostile" in a}
names = lambda k: zipfile.ZipFile(io.BytesIO(z[k])).namelist()
assert "../evil" in names("slip")
assert z["zip64"].find(b"PK\x06\x06") > 0 and zipfile.ZipFile(io.BytesIO(z["zip64"])).testzip() is None
info = zipfile.ZipFile(io.BytesIO(z["descriptor"])).infolist()[0]
assert info.flag_bits & 8 and zipfile.ZipFile(io.BytesIO(z["descriptor"])).testzip() is None
assert zipfile.ZipFile(io.BytesIO(z["symlink"])).infolist()[1].external_attr >> 16 == 0o120777
assert zipfile.ZipFile(io.BytesIO(z["bomb"])).infolist()[0].file_size == 64 << 20
assert len(z["bomb"]) < 200000
try:
    zipfile.ZipFile(io.BytesIO(z["truncated"]))
    raise SystemExit("truncated zip opened")
except zipfile.BadZipFile:
    pass
assert names("dup") == ["agg_bmk.json", "agg_bmk.json"]
assert "docs/run.sh" in names("tree")
EOF
}

t_run fakegh_port_file test_port_file
t_run fakegh_pagination_link_next test_pagination
t_run fakegh_run_filters test_filters
t_run fakegh_etag_304_free test_etag_304
t_run fakegh_download_blob_refuses_auth test_download_and_blob_auth
t_run fakegh_rerun_legacy_raw_expired test_special_artifacts
t_run fakegh_scripted_faults test_faults
t_run fakegh_primary_ratelimit_clock test_primary_ratelimit
t_run fakegh_user_agent_version_token test_user_agent_and_version
t_run fakegh_log_redacts_token test_log
t_run fakegh_survives_hangups test_robust
t_run fakegh_mkfixture_zips test_mkfixture_zips
