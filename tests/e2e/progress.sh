#!/usr/bin/env bash
# progress: a live progress line on stderr when it is a terminal, the same for every source
# (runs, artifacts, requests, bytes, rate and ETA when the runs are known) in units that show something
# (KB, not "0.0 MB"), erased before the lines that stay; none when stderr is a file, with
# NO_COLOR, TERM=dumb, --no-progress or --quiet. A pseudo-terminal comes from script(1).
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/fake/fake.sh"
. "$TESTS_DIR/fake/gcs.sh"

if ! command -v script >/dev/null 2>&1; then
    t_skip progress "script(1) (util-linux) is not installed: no pseudo-terminal to test with"
    exit 0
fi
W=$(t_tmp)
TOKEN="ghp_progress$RANDOM"
mkfixture "$W/fx" --synthetic 3 --token "$TOKEN" >/dev/null || exit 1
fake_start "$W" "$W/fx/fixture.json" || exit 1
mkgcsfixture "$W/data" --synthetic >/dev/null || exit 1
gcs_start "$W/data" || exit 1

# on_tty OUT COMMAND...: runs COMMAND with stdin, stdout and stderr on a pseudo-terminal
on_tty() {
    local out=$1 cmd
    shift
    printf -v cmd '%q ' "$@"
    script -qec "$cmd" /dev/null >"$out" </dev/null
}

t_github_tty() {
    on_tty "$W/t1" env GH_TOKEN="$TOKEN" NO_COLOR= "$IMX" sync --github-url "$FAKE_API" \
        --cache "$W/c1" --collect-recent 3 || { cat "$W/t1"; return 1; }
    grep -qE $'\r\033\\[KGitHub: runs [0-9]+/3, [0-9]+ artifacts, [0-9]+ requests, [0-9.]+ (B|KB)' "$W/t1" ||
        fail "no progress line in small units: $(cat -v "$W/t1")" || return 1
    ! grep -q ' 0\.0 MB' "$W/t1" || fail "0.0 MB for small files: $(cat -v "$W/t1")" || return 1
    # the summary stays: the progress line was erased before it
    grep -qE $'(\r\033\\[K|^)GitHub: 3 runs \\(' "$W/t1" ||
        fail "summary not on a line of its own: $(cat -v "$W/t1")"
}

t_gcs_tty() {
    on_tty "$W/t2" env NO_COLOR= "$IMX" sync --source gcs --gcs-url "$GCS_URL" --cache "$W/c2" \
        --since 2025-12-20 --until 2026-01-07 || { cat "$W/t2"; return 1; }
    grep -qE $'\r\033\\[KGCS: runs [0-9]+, [0-9]+ artifacts, [0-9]+ requests, [0-9.]+ (B|KB)' "$W/t2" ||
        fail "no GCS progress line in small units: $(cat -v "$W/t2")" || return 1
    ! grep -q ' 0\.0 MB' "$W/t2" || fail "0.0 MB for small files: $(cat -v "$W/t2")" || return 1
    # the lines that stay start on a clean line: the progress line is erased before them
    grep -qE $'\r\033\\[Krun [0-9]+ ' "$W/t2" &&
        tr -d '\r' <"$W/t2" | grep -qE '^GCS: [0-9]+ runs \(' ||
        fail "the progress line not erased before the lines that stay: $(cat -v "$W/t2")"
}

t_plain() {
    # a file, NO_COLOR and --quiet: no escape sequence at all
    GH_TOKEN=$TOKEN imx sync --github-url "$FAKE_API" --cache "$W/c3" --collect-recent 3 \
        2>"$W/p1" || return 1
    on_tty "$W/p2" env NO_COLOR=1 "$IMX" sync --source gcs --gcs-url "$GCS_URL" --cache "$W/c4" \
        --since 2025-12-20 --until 2026-01-07 || return 1
    on_tty "$W/p3" env GH_TOKEN="$TOKEN" "$IMX" sync --github-url "$FAKE_API" --cache "$W/c5" \
        --collect-recent 3 --quiet || return 1
    on_tty "$W/p4" env GH_TOKEN="$TOKEN" NO_COLOR= TERM=dumb "$IMX" sync --github-url "$FAKE_API" \
        --cache "$W/c6" --collect-recent 3 || return 1
    on_tty "$W/p5" env NO_COLOR= "$IMX" sync --source gcs --gcs-url "$GCS_URL" --cache "$W/c7" \
        --since 2025-12-20 --until 2026-01-07 --no-progress || return 1
    grep -q 'GitHub: 3 runs (' "$W/p4" && grep -q 'GCS: [0-9]* runs (' "$W/p5" ||
        fail "no summary with TERM=dumb or --no-progress" || return 1
    local f
    for f in "$W/p1" "$W/p2" "$W/p3" "$W/p4" "$W/p5"; do
        ! grep -q $'\033' "$f" || fail "escape sequences in $(basename "$f"): $(cat -v "$f")" || return 1
    done
}

t_run "progress: GitHub sync on a terminal shows runs, artifacts and bytes" t_github_tty
t_run "progress: GCS sync on a terminal shows requests and bytes, erased before the summary" t_gcs_tty
t_run "progress: none in a file, with NO_COLOR, TERM=dumb, --no-progress or --quiet" t_plain

# a slow server (200 ms an answer, one transfer at a time): a rate and an ETA while runs remain
mkdir -p "$W/slow" && mkfixture "$W/slow/fx" --synthetic 4 --token "$TOKEN" >/dev/null || exit 1
fake_start "$W/slow" "$W/slow/fx/fixture.json" --delay-ms 200 || exit 1
t_eta() {
    on_tty "$W/t3" env GH_TOKEN="$TOKEN" NO_COLOR= "$IMX" sync --github-url "$FAKE_API" \
        --cache "$W/c8" --collect-recent 4 --jobs 1 || { cat "$W/t3"; return 1; }
    grep -qE $'\r\033\\[KGitHub: runs [1-3]/4, [0-9]+ artifacts, [0-9]+ requests, [0-9.]+ (B|KB), [0-9.]+ (B|KB)/s, ETA [0-9]+s' \
        "$W/t3" || fail "no rate and ETA: $(cat -v "$W/t3")"
}
t_run "progress: a rate and an ETA when the number of runs is known" t_eta
