#!/usr/bin/env bash
# The analysis commands against the independent computation of tests/real/analysis_oracle.py
# on crafted runs of every schema era (E0 to E15): GPUs in every spelling, unknown GPUs,
# disaggregated and aggregated multinode rows, missing output or input throughput, several runs
# a day, an undated run, and the edges of the reference: ties in x and y, one-point series, flat
# segments, zero, negative, huge, tiny, NaN and infinite values, missing x or y, targets at and
# beyond both ends. Every metric, x, direction, limit, dedup, calculator and trend mode.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/real/analysis_common.bash"

W=$(t_tmp)
python3 "$ORACLE" craft "$W/cache" || exit 1

t_run analysis_crafted_outputs oracle_outputs "$W/cache" "$W/out"
for p in x_ p_ d_ l_ a_ t_; do
    t_run "analysis_crafted_$p" oracle_check "$W/cache" "$W/out" $p
done
