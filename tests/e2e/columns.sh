#!/usr/bin/env bash
# imx columns is the source of imx(1)'s column reference: the block between the two marker
# comments of imx.1 is exactly `imx columns` turned into man macros (bash tests/e2e/columns.sh
# --bless writes it); every column a table can have is described, and seed columns in order.
. "$(dirname "$0")/../lib.sh"
W=$(t_tmp)
MAN="$ROOT_DIR/imx.1"
BEGIN='.\" columns: begin (generated from `imx columns`: bash tests/e2e/columns.sh --bless)'
END='.\" columns: end'

to_man() {
    # name, unit, set, source, meaning -> .TP / .B name / meaning (unit; set; field)
    awk -F'\t' 'NR > 1 {
        gsub(/\\/, "\\\\e"); gsub(/-/, "\\-")
        printf ".TP\n.B %s\n%s", $1, $5
        extra = ""
        if ($2 != "") extra = $2
        extra = extra (extra != "" ? "; " : "") $3
        if ($4 != "" && $4 != $1) extra = extra "; field " $4
        printf " (%s).\n", extra
    }'
}

if [ "${1:-}" = --bless ]; then
    "$IMX" columns | to_man >"$W/block"
    python3 - "$MAN" "$W/block" "$BEGIN" "$END" <<'PY'
import sys
man, block, begin, end = sys.argv[1:]
s = open(man).read()
b = open(block).read()
i, j = s.index(begin), s.index(end)
open(man, "w").write(s[:i + len(begin)] + "\n" + b + s[j:])
PY
    exit 0
fi

man_matches() {
    imx columns | to_man >"$W/want" || return 1
    B="$BEGIN" E="$END" awk '$0 == ENVIRON["E"] { f = 0 } f { print } $0 == ENVIRON["B"] { f = 1 }' \
        "$MAN" >"$W/got"
    [ -s "$W/got" ] || fail "no column reference block in imx.1" || return 1
    diff -u "$W/want" "$W/got" >&2 || fail "imx.1's column reference differs from imx columns (bless it)"
}

# every column of the seed, default and all tables of a real-shaped fixture is described
every_column_described() {
    local fix="$TESTS_DIR/cases/0350-filters-gpu-seq/cache" set c
    imx columns | cut -f1 | tail -n +2 >"$W/names" || return 1
    for set in seed default derived all; do
        imx extract --offline --cache "$fix" --model all --columns $set -o "$W/t.csv" -q || return 1
        for c in $(head -1 "$W/t.csv" | tr ',' ' '); do
            grep -qx -- "$c" "$W/names" || fail "column $c (--columns $set) is not in imx columns" ||
                return 1
        done
    done
    # the seed columns first, in the old extractor's order
    assert_eq "$(imx columns | awk -F'\t' '$3 == "seed" { print $1 }' | tr '\n' ',')" \
        "$(imx extract --offline --cache "$fix" --model gptoss --columns seed -o - -q | head -1),"
}

# every column imx columns describes is one --columns takes, for the latest table, --history
# (whose columns are fixed before any row is read) and each model's file, even when no row has
# it (the fixture has no image nor p90 field): the header is the list, in its order
every_column_taken() {
    local fix="$TESTS_DIR/cases/0350-filters-gpu-seq/cache" list
    list=$(imx columns | cut -f1 | tail -n +2 | paste -sd,) || return 1
    imx extract --offline --cache "$fix" --model all --columns "$list" -o "$W/l.csv" -q &&
        imx extract --offline --cache "$fix" --model all --history --columns "$list" \
            -o "$W/h.csv" -q &&
        (cd "$W" && imx extract --offline --cache "$fix" --model all --columns "$list" -q) ||
        return 1
    assert_eq "$(head -1 "$W/l.csv")" "$list" "latest table's header" &&
        assert_eq "$(head -1 "$W/h.csv")" "$list" "--history's header" &&
        for f in "$W"/by_model/*/inferencemax.csv; do
            assert_eq "$(head -1 "$f")" "$list" "header of $f" || return 1
        done
}

t_run columns/man_matches man_matches
t_run columns/every_column_taken every_column_taken
t_run columns/every_column_described every_column_described
