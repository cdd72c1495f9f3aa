#!/usr/bin/env bash
# term_safe: names from caches and servers reach the terminal only through src/msg.c, which
# shows their control characters as \xNN (the cases 0740-0744 feed it hostile names): no other
# file of the CLI writes to stderr itself, and the core never prints at all.
. "$(dirname "$0")/../lib.sh"
SRC=$ROOT_DIR

raw_stderr() {
    local hits
    hits=$(grep -nE '(printf|puts|putc|fwrite|perror)[[:space:]]*\(.*stderr|perror[[:space:]]*\(' \
        "$SRC"/src/*.c | grep -v '^[^:]*/src/msg\.c:')
    [ -z "$hits" ] || fail "stderr written around msg.c: $hits"
}

core_silent() {
    local hits
    hits=$(grep -nE '\b(printf|puts|putchar|perror)[[:space:]]*\(|\b(stderr|stdout)\b' \
        "$SRC"/lib/*/*.c | grep -vE ':[0-9]+:[[:space:]]*(/?\*|//)')
    [ -z "$hits" ] || fail "the core prints: $hits"
}

t_run term_safe/stderr_through_msg raw_stderr
t_run term_safe/core_silent core_silent
