#!/usr/bin/env bash
# The documentation keeps up with the code: every command and every option of every
# command's --help is in the man page and the README; exit statuses are documented.
. "$(dirname "$0")/../lib.sh"
MAN="$ROOT_DIR/imx.1"
README="$ROOT_DIR/README.md"

commands() { "$IMX" --help | awk '/^commands:/{f=1;next} f&&/^  [a-z]/{print $1} f&&/^$/{exit}'; }

every_option_documented() {
    local c o missing=0
    for c in $(commands); do
        grep -q "^\.B $c\$" "$MAN" || { echo "command $c not in imx.1" >&2; missing=1; }
        grep -q "imx $c" "$README" || { echo "command $c not in README.md" >&2; missing=1; }
        for o in $("$IMX" "$c" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
            # man pages escape '-' as '\-'
            grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$MAN" ||
                { echo "$c $o not in imx.1" >&2; missing=1; }
            grep -qF -- "$o" "$README" || { echo "$c $o not in README.md" >&2; missing=1; }
        done
    done
    return $missing
}

exit_statuses_documented() {
    local s
    for s in 0 1 2 3 4 5 130; do
        grep -q "^\.B $s\$" "$MAN" || fail "exit status $s not in imx.1" || return 1
        grep -qE "^\| *$s *\|" "$README" || fail "exit status $s not in README.md" || return 1
        "$IMX" --help | grep -q "$s " || fail "exit status $s not in --help" || return 1
    done
}

man_page_renders() {
    command -v man >/dev/null || { echo "man not installed" >&2; return 0; }
    local warn
    warn=$(MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >/dev/null)
    [ -z "$warn" ] || fail "man warnings: $warn"
}

t_run docs/every_option_documented every_option_documented
t_run docs/exit_statuses_documented exit_statuses_documented
t_run docs/man_page_renders man_page_renders
