#!/usr/bin/env bash
# sync_token: the token chain (GH_TOKEN, GITHUB_TOKEN, `gh auth token`) runs only when a request
# wants the token, once per command: a fake `gh` on PATH records its calls. Requests to the real
# GitHub go to a proxy on a closed local port, so they fail at once and never leave the machine.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/gcs.sh"

W=$(t_tmp)
NOWHERE=http://127.0.0.1:9
mkdir -p "$W/bin"
cat >"$W/bin/gh" <<'SH'
#!/bin/sh
echo "$*" >>"$GH_CALLS"
[ -n "$GH_FAKE_TOKEN" ] && echo "$GH_FAKE_TOKEN"
exit 0
SH
chmod +x "$W/bin/gh"
mkgcsfixture "$W/g/data" --synthetic >/dev/null || exit 1
gcs_start "$W/g/data" || exit 1

# with_gh CALLS IMX-ARGS...: imx with the fake gh first on PATH and GitHub's default API URL
with_gh() {
    local calls=$1
    shift
    : >"$calls"
    (
        unset GITHUB_API_URL NO_PROXY no_proxy
        export PATH="$W/bin:$PATH" GH_CALLS="$calls" https_proxy=$NOWHERE HTTPS_PROXY=$NOWHERE \
            IMX_GCS_URL="${GCS:-$NOWHERE}" IMX_INFERENCEX_URL=$NOWHERE IMX_RETRY_DELAY_MS=10 \
            GH_FAKE_TOKEN="${GH_FAKE_TOKEN:-}"
        imx "$@"
    )
}
calls() { wc -l <"$1" | tr -d ' '; }

t_not_needed() {
    local imp=$W/imp/100
    mkdir -p "$imp" && cp -r "$TESTS_DIR/cases/0450-dir-gh-download/import/." "$W/imp/" ||
        return 1
    GH_FAKE_TOKEN=ghp_fake with_gh "$W/c1" sync --source dir --from "$W/imp" --cache "$W/d" \
        >"$W/o1" 2>&1 || fail "$(cat "$W/o1")" || return 1
    assert_eq "$(calls "$W/c1")" 0 "gh calls of a dir sync" || return 1
    GH_FAKE_TOKEN=ghp_fake with_gh "$W/c2" extract --offline --cache "$W/d" --model all \
        -o "$W/t.csv" >"$W/o2" 2>&1 || fail "$(cat "$W/o2")" || return 1
    assert_eq "$(calls "$W/c2")" 0 "gh calls of an --offline extract" || return 1
    GH_FAKE_TOKEN=ghp_fake with_gh "$W/c3" sync --source api --cache "$W/d" >"$W/o3" 2>&1
    assert_eq "$(calls "$W/c3")" 0 "gh calls of an API sync" || return 1
    # a backup sync that brings no run: no GitHub run object to ask for, no token wanted
    GH_FAKE_TOKEN=ghp_fake with_gh "$W/c4" sync --source gcs --cache "$W/d" >"$W/o4" 2>&1
    assert_eq "$(calls "$W/c4")" 0 "gh calls of a backup sync with nothing to fill"
}

t_once() {
    # a GitHub sync: asked once (the listing), though nothing then answers
    GH_FAKE_TOKEN=ghp_fake with_gh "$W/c5" sync --collect-recent 2 --cache "$W/e" >"$W/o5" 2>&1
    assert_eq "$(calls "$W/c5")" 1 "gh calls of a GitHub sync" &&
        assert_eq "$(cat "$W/c5")" "auth token" || return 1
    # not logged in: the default chain (GitHub lists, the backup, the API) asks once too
    with_gh "$W/c6" sync --collect-recent 2 --cache "$W/e" >"$W/o6" 2>&1
    assert_eq "$(calls "$W/c6")" 1 "gh calls of the chain without a token" || return 1
    # the backup's runs want GitHub's run objects: the token is looked for then, once
    GCS=$GCS_URL GH_FAKE_TOKEN=ghp_fake with_gh "$W/c7" sync --source gcs --since 2025-12-20 \
        --until 2026-01-07 --cache "$W/f" >"$W/o7" 2>&1 || fail "$(cat "$W/o7")" || return 1
    assert_eq "$(calls "$W/c7")" 1 "gh calls of a backup sync with runs to fill" &&
        assert_contains "$W/o7" "GitHub run objects for backup runs"
}

t_run "sync_token: no gh call for dir, --offline, the API, or a backup sync with nothing to fill" t_not_needed
t_run "sync_token: gh asked once for a GitHub sync, the no-token chain, a backup backfill" t_once
