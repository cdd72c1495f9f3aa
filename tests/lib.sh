# tests/lib.sh: helpers for the shell test scripts (sourced). Each test prints one
# PASS/FAIL/SKIP line that tests/run.sh counts.
# Usage in a script:  t_run "name" cmd...   (passes when cmd exits 0)

: "${IMX:?IMX must point at the imx binary}"
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$TESTS_DIR/.." && pwd)
# the shared reference material and real cache: $IMX_SHARED, else ../shared beside the checkout
IMX_SHARED=${IMX_SHARED:-../shared}
# relative to the repository (tests cd elsewhere), absolute from here on
case $IMX_SHARED in /*) ;; *) IMX_SHARED=$ROOT_DIR/$IMX_SHARED ;; esac
export IMX_SHARED
SHARED_RAW="$IMX_SHARED/data/inferencemax-raw"
SHARED_REF="$IMX_SHARED/reference"
# a developer's token never reaches a test by accident: tests that need one set their own
unset GH_TOKEN GITHUB_TOKEN

# imx under valgrind when VALGRIND=1 (memcheck, errors make the command fail).
imx() {
    if [ "${VALGRIND:-}" = 1 ]; then
        valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
            "$IMX" "$@"
    else
        "$IMX" "$@"
    fi
}

t_tmp() {
    local d
    d=$(mktemp -d "${TMPDIR:-/tmp}/imx-test.XXXXXX")
    T_TMPS+=("$d")
    echo "$d"
}
T_TMPS=()
t_cleanup() { local d; for d in "${T_TMPS[@]}"; do rm -rf "$d"; done; }
trap t_cleanup EXIT

# t_run NAME FUNCTION_OR_COMMAND...: run it, print PASS/FAIL with its output on failure.
t_run() {
    local name=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "PASS $name"
    else
        echo "FAIL $name"
        printf '%s\n' "$out" | sed 's/^/    /' | tail -n 40
    fi
}

t_skip() { echo "SKIP $1: $2"; }

# Assertion helpers for test functions: each prints why it failed and returns 1.
fail() { echo "$*" >&2; return 1; }
# while_held PID OUT CMD...: while imx (PID, its output in OUT) waits on an answer a fake holds,
# runs CMD every 0.1 s for up to a minute (valgrind is slow) until it prints something, then
# stops imx. FOUND is what CMD printed (empty if nothing); fails when imx ended on its own.
while_held() {
    local pid=$1 out=$2 i alive=0
    shift 2
    FOUND=
    for ((i = 0; i < 600; i++)); do
        FOUND=$("$@")
        [ -n "$FOUND" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && alive=1
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    [ "$alive" = 1 ] || fail "imx ended while an answer was held: $(tail -n 3 "$out")"
}
assert_eq() { [ "$1" = "$2" ] || fail "expected '$2', got '$1'${3:+ ($3)}"; }
assert_file_eq() { diff -u "$2" "$1" >&2 || fail "files differ: $1 vs $2"; }
# a failed assert_contains shows the file's last lines: a CI log is all there is to go on
assert_contains() {
    grep -qF -- "$2" "$1" && return 0
    fail "'$1' does not contain '$2'; it ends:"
    tail -n 15 -- "$1" 2>/dev/null | sed "s/^/    | /" >&2
    return 1
}
assert_not_contains() { ! grep -qF -- "$2" "$1" || fail "'$1' contains '$2'"; }
