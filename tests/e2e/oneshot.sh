#!/usr/bin/env bash
# The old extractor's one-shot command lines against the fake GitHub: `imx --collect-recent=30`
# fetches and extracts; its CSV equals `imx extract --offline` of the cache the fake serves: the
# shared real cache, or without it one gencache writes in the real layout and row shapes.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/e2e/sync_common.bash"

W=$(t_tmp)
TOKEN="ghp_oneshot$RANDOM$RANDOM"

same_as_offline() {
    (cd "$W" && GH_TOKEN=$TOKEN GITHUB_API_URL=$FAKE_API imx --collect-recent=30 --cache "$W/raw" \
        >"$W/out" 2>"$W/err") || { cat "$W/err"; return 1; }
    local got="$W/by_model/openai_GPT-OSS-120B/inferencemax.csv"
    [ -s "$got" ] || fail "no CSV at $got" || return 1
    assert_eq "$(ls -d "$W"/raw/run_* | wc -l)" 30 || return 1
    # the 30 newest runs of the source cache, extracted offline, give the same bytes
    local ids
    ids=$(ls "$W/raw" | grep '^run_' | sed 's/run_//' | tr '\n' ' ')
    # shellcheck disable=SC2086
    imx extract --offline --cache "$SRC" -o "$W/offline.csv" --quiet $ids || return 1
    cmp "$got" "$W/offline.csv" || return 1
    assert_contains "$W/err" "Wrote" || return 1
    # a second one-shot with everything cached asks GitHub at most twice, downloads nothing
    fresh
    (cd "$W" && GH_TOKEN=$TOKEN GITHUB_API_URL=$FAKE_API imx --collect-recent=30 --cache "$W/raw" \
        -o "$W/again.csv" --quiet) || return 1
    cmp "$got" "$W/again.csv" || return 1
    flog "$W/log2"
    [ "$(fcount "$W/log2" 'r["host"] == "api"')" -le 2 ] || fail "warm one-shot made too many API requests" || return 1
    assert_eq "$(fcount "$W/log2" 'r["host"] == "blob"')" 0
}

# named runs, the old script's other command line
named_runs() {
    local a b
    a=$(ls "$SRC" | grep '^run_' | sed 's/run_//' | tail -1)
    b=$(ls "$SRC" | grep '^run_' | sed 's/run_//' | tail -2 | head -1)
    (cd "$W" && GH_TOKEN=$TOKEN GITHUB_API_URL=$FAKE_API imx "$a" "$b" --cache "$W/raw2" -o n.csv \
        --quiet) || return 1
    assert_eq "$(ls "$W/raw2" | grep -c '^run_')" 2 || return 1
    imx extract --offline --cache "$SRC" -o "$W/n2.csv" --quiet "$a" "$b" || return 1
    cmp "$W/n.csv" "$W/n2.csv"
}

# GitHub unreachable: the sync's failure is the exit status (3); a cache that holds runs still
# gives its table, with a warning, and an empty one says why it has nothing
unreachable() {
    local rc
    (cd "$W" && GH_TOKEN=$TOKEN GITHUB_API_URL=http://127.0.0.1:1 IMX_RETRY_DELAY_MS=1 \
        imx --collect-recent=2 --cache "$W/empty" -o e.csv >"$W/u1" 2>&1)
    rc=$?
    assert_eq "$rc" 3 "exit status, nothing cached" || { cat "$W/u1"; return 1; }
    assert_contains "$W/u1" "127.0.0.1:1" || return 1
    [ ! -e "$W/e.csv" ] || fail "a table written from nothing" || return 1
    # a copy of a fixture cache: a sync takes the cache's lock
    cp -r "$TESTS_DIR/cases/0001-e9-aggregate-newest-wins/cache" "$W/some"
    (cd "$W" && GH_TOKEN=$TOKEN GITHUB_API_URL=http://127.0.0.1:1 IMX_RETRY_DELAY_MS=1 \
        imx --collect-recent=2 --cache "$W/some" --model all -o c.csv >"$W/u2" 2>&1)
    rc=$?
    assert_eq "$rc" 3 "exit status, runs cached" || { cat "$W/u2"; return 1; }
    assert_contains "$W/u2" "extracting what the cache holds" || return 1
    [ -s "$W/c.csv" ] || fail "no table from the cache"
}

t_run oneshot/github_unreachable unreachable
source_cache "$W/src" 40 || exit 1
# started here, not inside t_run: a server started in its command substitution would hold it open
mkfixture "$W/fx" --from-cache "$SRC" --runs 35 --token "$TOKEN" >/dev/null || exit 1
fake_start "$W" "$W/fx/fixture.json" || exit 1
t_run oneshot/same_as_offline same_as_offline
t_run oneshot/named_runs named_runs
