#!/usr/bin/env bash
# gcs_fake_selftest: the fake GCS backup itself, driven with curl: listings (delimiter, paging,
# fields), downloads on all three routes, its strictness (spaces, '+', Authorization) and each fault.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/gcs.sh"

command -v curl >/dev/null || { t_skip gcs_fake_selftest "curl not installed"; exit 0; }
W=$(t_tmp)
mkgcsfixture "$W/data" --synthetic >/dev/null || exit 1
gcs_start "$W/data" || exit 1
B=inferencemax-gha-backup
OBJ="2026-01-07/Run_Sweep_-_fix a+b_20760000099/artifacts/artifacts_metadata.json"
ENC="2026-01-07/Run_Sweep_-_fix%20a%2Bb_20760000099/artifacts/artifacts_metadata.json"
FULLENC=$(python3 -c 'import sys,urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$OBJ")

jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

t_dates() {
    local out
    out=$(curl -sf "$GCS_URL/storage/v1/b/$B/o?delimiter=/&fields=prefixes,nextPageToken") || return 1
    assert_eq "$(jq_py 'len(d["prefixes"])' <<<"$out")" 7 &&
        assert_eq "$(jq_py 'd["prefixes"][0]' <<<"$out")" "2025-10-20/" &&
        assert_eq "$(jq_py '"items" in d' <<<"$out")" False
}

t_paging() {
    local tok="" names="" out n=0
    while :; do
        out=$(curl -sf "$GCS_URL/storage/v1/b/$B/o?prefix=2026-01-05%2F&maxResults=3${tok:+&pageToken=$tok}") || return 1
        names+=$(jq_py '"\n".join(i["name"] for i in d.get("items", []))' <<<"$out")$'\n'
        tok=$(jq_py 'd.get("nextPageToken", "")' <<<"$out")
        n=$((n + 1))
        [ -n "$tok" ] || break
        [ $n -lt 100 ] || return 1
    done
    all=$(curl -sf "$GCS_URL/storage/v1/b/$B/o?prefix=2026-01-05/" | jq_py '"\n".join(i["name"] for i in d["items"])')
    assert_eq "$(grep -c . <<<"$names")" "$(grep -c . <<<"$all")" &&
        assert_eq "$(sort <<<"$names" | grep .)" "$(sort <<<"$all")" && [ $n -gt 3 ]
}

t_fields() {
    local out
    out=$(curl -sf "$GCS_URL/storage/v1/b/$B/o?prefix=2026-01-06/&fields=items(name,size),nextPageToken") || return 1
    assert_eq "$(jq_py 'sorted(d["items"][0])' <<<"$out")" "['name', 'size']" &&
        assert_eq "$(jq_py 'type(d["items"][0]["size"]).__name__' <<<"$out")" str
}

t_download_routes() {
    local a b c md5
    a=$(curl -sf "$GCS_URL/$B/$ENC" | md5sum) &&
        b=$(curl -sf "$GCS_URL/download/storage/v1/b/$B/o/$FULLENC?alt=media" | md5sum) &&
        c=$(curl -sf "$GCS_URL/storage/v1/b/$B/o/$FULLENC?alt=media" | md5sum) || return 1
    md5=$(md5sum <"$W/data/$B/$OBJ")
    assert_eq "$a" "$md5" && assert_eq "$b" "$md5" && assert_eq "$c" "$md5" &&
        curl -sf "$GCS_URL/storage/v1/b/$B/o/$FULLENC" | grep -q '"md5Hash"' &&
        curl -sfI "$GCS_URL/$B/$ENC" -o /dev/null -D - -X GET | grep -qi '^x-goog-hash: md5='
}

t_strict() {
    local plus
    plus=${ENC//%2B/+}
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$GCS_URL/$B/$plus")" 404 &&
        assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer x' "$GCS_URL/$B/$ENC")" 401 &&
        assert_eq "$(printf 'GET /%s/a b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$B" |
            python3 -c '
import socket, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
s = socket.create_connection((u.hostname, u.port))
s.sendall(sys.stdin.buffer.read())
print(s.recv(100).split(b" ")[1].decode())' "$GCS_URL")" 400
}

t_fault_private() {
    gcs_faults private
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$GCS_URL/storage/v1/b/$B/o")" 403 &&
        assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$GCS_URL/$B/$ENC")" 403
}

t_fault_missing_and_count() {
    gcs_faults "missing:name=artifacts_metadata,count=1"
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$GCS_URL/$B/$ENC")" 404 &&
        assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$GCS_URL/$B/$ENC")" 200
}

t_fault_tokenloop() {
    local t1 t2
    gcs_faults tokenloop
    t1=$(curl -sf "$GCS_URL/storage/v1/b/$B/o?prefix=2026-01-05/&maxResults=2" | jq_py 'd["nextPageToken"]')
    t2=$(curl -sf "$GCS_URL/storage/v1/b/$B/o?prefix=2026-01-05/&maxResults=2&pageToken=$t1" | jq_py 'd["nextPageToken"]')
    [ -n "$t1" ] && assert_eq "$t2" "$t1"
}

t_fault_truncate_corrupt() {
    local rc md5
    md5=$(md5sum <"$W/data/$B/$OBJ")
    gcs_faults "truncate:count=1"
    curl -sf "$GCS_URL/$B/$ENC" -o "$W/trunc"
    rc=$?
    gcs_faults "corrupt:count=1"
    [ $rc -eq 18 ] || fail "curl exit $rc, expected 18 (partial file)" || return 1
    [ "$(curl -sf "$GCS_URL/$B/$ENC" | md5sum)" != "$md5" ] || fail "corrupt body unchanged" || return 1
    assert_eq "$(curl -sf "$GCS_URL/$B/$ENC" | md5sum)" "$md5"
}

t_fault_nomd5_5xx() {
    gcs_faults nomd5 "503:path=/$B/,retry_after=1,count=1"
    curl -sf "$GCS_URL/storage/v1/b/$B/o?prefix=2026-01-06/" | jq_py '"md5Hash" not in d["items"][0] and "crc32c" in d["items"][0]' | grep -q True &&
        curl -s -D "$W/h" -o /dev/null "$GCS_URL/$B/$ENC" && grep -q '^HTTP/1.1 503' "$W/h" &&
        grep -qi '^Retry-After: 1' "$W/h"
}

t_log() {
    gcs_faults
    assert_eq "$(gcs_count 'r["status"] == 401 and r["headers"]["authorization"] == "Bearer <redacted>"')" 1 &&
        [ "$(gcs_count 'r["fault"] == "tokenloop"')" -ge 2 ]
}

t_run "gcs fake: date folders through delimiter=/" t_dates
t_run "gcs fake: pageToken paging returns every object once" t_paging
t_run "gcs fake: fields= selects item fields; size is a string" t_fields
t_run "gcs fake: XML, JSON and download routes serve the same bytes" t_download_routes
t_run "gcs fake: '+' must be encoded, Authorization refused, raw space 400" t_strict
t_run "gcs fake: private bucket 403" t_fault_private
t_run "gcs fake: 404 for a listed object, count-limited" t_fault_missing_and_count
t_run "gcs fake: repeating pageToken" t_fault_tokenloop
t_run "gcs fake: truncated and corrupted downloads" t_fault_truncate_corrupt
t_run "gcs fake: crc32c-only listings, 503 with Retry-After" t_fault_nomd5_5xx
t_run "gcs fake: request log" t_log
