# The analysis commands against tests/real/analysis_oracle.py on one cache: every command line
# of the oracle's plan is run (imx's exit status must be 0, or 1 where the cache holds input imx
# skips), then the oracle compares every CSV. Sourced by real/analysis.sh and
# e2e/analysis_crafted.sh after tests/lib.sh.
ORACLE="$TESTS_DIR/real/analysis_oracle.py"

# oracle_outputs CACHE DIR [OK_STATUS]: the CSVs of the plan (a light plan under memcheck)
oracle_outputs() {
    local cache=$1 dir=$2 ok=${3:-0} name args rc light=
    [ "${VALGRIND:-}" = 1 ] && light=--light
    mkdir -p "$dir"
    python3 "$ORACLE" specs "$dir/gpu-specs.csv" || return 1
    while IFS=$'\t' read -r name args; do
        args=${args//@SPECS@/$dir/gpu-specs.csv}
        # shellcheck disable=SC2086 # the plan's arguments are words without spaces
        imx $args --offline --cache "$cache" --quiet -o "$dir/$name.csv" 2>"$dir/$name.err"
        rc=$?
        # a sequence pair the cache does not hold: no data (5), said so, and nothing to compare
        if [ $rc -eq 5 ] && grep -qE "no (dated )?rows of model 'all' (match|in the selection after the row filters)" "$dir/$name.err"; then
            rm -f "$dir/$name.csv"
            continue
        fi
        [ $rc -eq 0 ] || [ $rc -eq "$ok" ] || fail "imx $args: exit $rc: $(cat "$dir/$name.err")" ||
            return 1
    done < <(python3 "$ORACLE" plan $light)
}

# oracle_check CACHE DIR PREFIX: the oracle's comparison of the CSVs whose names start so
oracle_check() {
    local sel=$3
    mkdir -p "$2/$sel"
    find "$2" -maxdepth 1 -name "$sel*.csv" -exec cp {} "$2/$sel/" \;
    python3 "$ORACLE" check "$1" "$2/$sel" "$2/gpu-specs.csv" >"$2/$sel.log" || {
        cat "$2/$sel.log"
        return 1
    }
    [ -s "$2/$sel.log" ] || fail "no output of '$sel' was checked"
}
