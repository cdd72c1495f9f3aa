#!/usr/bin/env bash
# The command line: help on stdout, version, usage errors (exit 2), the old extractor's
# command lines, output written atomically, write errors reported.
. "$(dirname "$0")/../lib.sh"
W=$(t_tmp)
C="$TESTS_DIR/cases/0001-e9-aggregate-newest-wins/cache"

help_on_stdout() {
    imx --help >"$W/h" 2>"$W/e" || return 1
    assert_contains "$W/h" "usage: imx" && assert_contains "$W/h" "exit status" || return 1
    [ ! -s "$W/e" ] || fail "help wrote to stderr"
    imx extract --help >"$W/h2" || return 1
    for o in --offline --cache --model --output --columns --quiet; do
        assert_contains "$W/h2" "$o" || return 1
    done
}

version() {
    imx --version | grep -qE '^imx [0-9]+\.[0-9]+\.[0-9]+$'
}

usage_errors() {
    local rc
    imx extract --bogus >/dev/null 2>"$W/e"; rc=$?
    assert_eq $rc 2 || return 1
    assert_contains "$W/e" "unknown option" || return 1
    imx frobnicate >/dev/null 2>&1; assert_eq $? 2 || return 1
    imx extract --offline --cache "$C" notanumber >/dev/null 2>"$W/e"; assert_eq $? 2 || return 1
    assert_contains "$W/e" "'notanumber' is not a run id" || return 1
    imx extract --offline --cache "$C" --collect-recent=zero >/dev/null 2>&1; assert_eq $? 2
}

# the old script's command lines: no subcommand, --collect-recent=N, run ids
old_command_lines() {
    (cd "$W" && IMX_CACHE="$C" imx --offline --model all -o a.csv --quiet 200) || return 1
    assert_eq "$(tail -n +2 "$W/a.csv" | cut -d, -f17 | sort -u | tr '\n' ' ')" "200 " || return 1
    (cd "$W" && IMX_CACHE="$C" imx --offline --model all --collect-recent=1 -o b.csv --quiet) || return 1
    cmp "$W/a.csv" "$W/b.csv"
}

# every command that only reads: a cache that does not exist is exit 5 naming it, and nothing is
# created (no cache folder, no output, no by_model/), named runs or not
missing_cache() {
    local cmd
    mkdir -p "$W/m"
    while read -r cmd; do
        (cd "$W/m" && imx $cmd --cache "$W/m/nope/deeper" 2>"$W/e" >/dev/null)
        assert_eq $? 5 "imx $cmd" || return 1
        assert_contains "$W/e" "cache '$W/m/nope/deeper' does not exist" || return 1
        [ -z "$(ls -A "$W/m")" ] || fail "imx $cmd left: $(ls -A "$W/m")" || return 1
    done <<'EOF'
extract --offline -o x.csv
extract --offline
extract --offline --model all --history
runs
runs --offline
runs --source gcs --offline
models
pareto --offline
at --offline --interactivity 50
trend --offline --interactivity 50
diff 1 2
diff 2026-01-01 2026-02-01
plot -o x.svg
report -o r.html
verify
verify 123
EOF
}

# an error leaves the previous output untouched and no temporary file behind
output_untouched_on_error() {
    mkdir -p "$W/o" && echo "previous" >"$W/o/t.csv"
    imx extract --offline --cache "$C" --model nosuchmodel -o "$W/o/t.csv" 2>/dev/null
    assert_eq $? 5 || return 1
    assert_eq "$(cat "$W/o/t.csv")" previous || return 1
    imx extract --offline --cache "$C" --model all --columns nosuchcol -o "$W/o/t.csv" 2>/dev/null
    assert_eq $? 2 || return 1
    assert_eq "$(cat "$W/o/t.csv")" previous || return 1
    assert_eq "$(ls -A "$W/o")" t.csv || return 1
    # an unwritable folder: a clear error, exit 4
    mkdir -p "$W/ro" && chmod 555 "$W/ro"
    if [ "$(id -u)" != 0 ]; then
        imx extract --offline --cache "$C" -o "$W/ro/t.csv" 2>"$W/e"
        assert_eq $? 4 || return 1
    fi
    imx extract --offline --cache "$C" -o "$W/o/t.csv/sub.csv" 2>"$W/e"
    assert_eq $? 4 || return 1
    assert_contains "$W/e" "t.csv"
}

# a full disk on stdout is an error, not exit 0
stdout_write_error() {
    [ -w /dev/full ] || { echo "no /dev/full" >&2; return 0; }
    imx extract --offline --cache "$C" --model all -o - --quiet >/dev/full 2>"$W/e"
    assert_eq $? 4 || return 1
    assert_contains "$W/e" "No space left on device"
}

default_output_path() {
    (cd "$W" && imx extract --offline --cache "$C" --model gptoss --quiet) || return 1
    [ -s "$W/by_model/openai_GPT-OSS-120B/inferencemax.csv" ] || return 1
    (cd "$W" && imx extract --offline --cache "$C" --model deepseek-ai/DeepSeek-R1-0528 --quiet) || return 1
    [ -s "$W/by_model/deepseek-ai_DeepSeek-R1-0528/inferencemax.csv" ]
}

summary_and_quiet() {
    imx extract --offline --cache "$C" --model all -o "$W/s.csv" 2>"$W/e" || return 1
    for l in "Runs read: 2, created 2025-12-20 to 2026-01-05" "before deduplication, 5 after" \
        "GPUs: gb200 (2), h100 (2), mi355x-amd_0 (1)" "Precisions: fp4 (2), fp8 (3)" \
        "ISL/OSL pairs: 1024/1024 (4), 8192/1024 (1)"; do
        assert_contains "$W/e" "$l" || return 1
    done
    imx extract --offline --cache "$C" --model all -o "$W/s.csv" --quiet 2>"$W/e" || return 1
    [ ! -s "$W/e" ] || fail "--quiet printed something"
}

t_run cli/help_on_stdout help_on_stdout
t_run cli/version version
t_run cli/usage_errors usage_errors
t_run cli/old_command_lines old_command_lines
t_run cli/missing_cache missing_cache
t_run cli/output_untouched_on_error output_untouched_on_error
t_run cli/stdout_write_error stdout_write_error
t_run cli/default_output_path default_output_path
t_run cli/summary_and_quiet summary_and_quiet

# -o to a device or a FIFO writes into it (a rename would replace the device); -o through a
# symlink replaces the target, keeping the link
special_outputs() {
    local C2="$TESTS_DIR/cases/0001-e9-aggregate-newest-wins/cache"
    mkfifo "$W/fifo" || return 1
    (cat "$W/fifo" >"$W/fifo.out") &
    imx extract --offline --cache "$C2" --model all -o "$W/fifo" --quiet || return 1
    wait
    [ -p "$W/fifo" ] || fail "the FIFO was replaced" || return 1
    assert_eq "$(wc -l <"$W/fifo.out")" 6 || return 1
    echo old >"$W/target.csv" && ln -s target.csv "$W/link.csv"
    imx extract --offline --cache "$C2" --model all -o "$W/link.csv" --quiet || return 1
    [ -L "$W/link.csv" ] || fail "the symlink was replaced" || return 1
    assert_eq "$(wc -l <"$W/target.csv")" 6
}
t_run cli/special_outputs special_outputs

# offline, --since/--until and --collect-recent select runs by run.json's created_at
offline_run_selection() {
    local C2="$ROOT_DIR/tests/cases/0001-e9-aggregate-newest-wins/cache"
    imx extract --offline --cache "$C2" --model all --since 2026-01-01 -o "$W/s1.csv" --quiet || return 1
    assert_eq "$(tail -n +2 "$W/s1.csv" | cut -d, -f17 | sort -u | tr '\n' ' ')" "200 " || return 1
    imx extract --offline --cache "$C2" --model all --until 2025-12-31 -o "$W/s2.csv" --quiet || return 1
    assert_eq "$(tail -n +2 "$W/s2.csv" | cut -d, -f17 | sort -u | tr '\n' ' ')" "100 " || return 1
    imx extract --offline --cache "$C2" --model all --since 2025-12-20 --until 2025-12-20 -o "$W/s3.csv" --quiet || return 1
    assert_eq "$(tail -n +2 "$W/s3.csv" | wc -l)" 4
}
t_run cli/offline_run_selection offline_run_selection

# an option that needs a value and has none names itself; a flag given a value is refused
missing_values() {
    local o rc
    for o in -o --output --cache --model --columns --since --until --collect-recent; do
        imx extract --offline "$o" >/dev/null 2>"$W/e"; rc=$?
        assert_eq $rc 2 "$o" || return 1
        assert_contains "$W/e" "option '$o' needs a value" || return 1
        assert_not_contains "$W/e" "unknown option" || return 1
    done
    for o in --help=foo --offline=yes --quiet=1; do
        imx extract "$o" >"$W/h" 2>"$W/e"; rc=$?
        assert_eq $rc 2 "$o" || return 1
        assert_contains "$W/e" "option '${o%%=*}' takes no value" || return 1
        [ ! -s "$W/h" ] || fail "$o printed help" || return 1
    done
    imx sync --no-progress=1 2>"$W/e"; assert_eq $? 2 || return 1
    assert_contains "$W/e" "option '--no-progress' takes no value"
}
t_run cli/missing_values missing_values

# imx help COMMAND is imx COMMAND --help (as in git and gh); imx help is the main help
help_command() {
    local c
    for c in extract sync runs; do
        imx help $c >"$W/h1" 2>"$W/e" || return 1
        imx $c --help >"$W/h2" || return 1
        assert_file_eq "$W/h1" "$W/h2" || return 1
        [ ! -s "$W/e" ] || return 1
    done
    imx help >"$W/h1" && imx --help >"$W/h2" && assert_file_eq "$W/h1" "$W/h2" || return 1
    imx help nosuch 2>"$W/e"; assert_eq $? 2 || return 1
    assert_contains "$W/e" "unknown command 'nosuch'"
}
t_run cli/help_command help_command
