#!/usr/bin/env bash
# The analysis commands against an independent computation on the shared real cache:
# tests/real/analysis_oracle.py, written from ../shared/reference/analysis.md alone, recomputes
# the derived columns, the front of every series for every metric short name against every x
# (both dedup modes, every --direction, display limits on, off and moved) and the calculator's
# and the trend's answers in both modes with several metrics, for every model and sequence;
# fronts must be identical, numbers equal to 1e-12 relative.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/real/analysis_common.bash"

TESTS="derived_columns fronts directions_and_limits calculator trend_by_day"
if [ ! -d "$SHARED_RAW" ]; then
    for t in $TESTS; do
        t_skip "real/analysis_$t" "the shared real cache $SHARED_RAW is absent"
    done
    exit 0
fi
W=$(t_tmp)

derived_columns() { oracle_check "$SHARED_RAW" "$W/out" x_; }
fronts() { oracle_check "$SHARED_RAW" "$W/out" p_; }
directions_and_limits() { oracle_check "$SHARED_RAW" "$W/out" d_ && oracle_check "$SHARED_RAW" "$W/out" l_; }
calculator() { oracle_check "$SHARED_RAW" "$W/out" a_; }
trend_by_day() { oracle_check "$SHARED_RAW" "$W/out" t_; }

t_run real/analysis_outputs oracle_outputs "$SHARED_RAW" "$W/out"
for t in $TESTS; do
    t_run "real/analysis_$t" $t
done
