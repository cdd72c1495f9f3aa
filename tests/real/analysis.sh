#!/usr/bin/env bash
# The analysis commands against an independent computation on the shared real cache:
# tests/real/analysis_oracle.py, written from ../shared/reference/analysis.md alone, recomputes
# the derived columns, every front (four directions, both dedup modes, display limits) and the
# calculator and trend answers for every model, sequence and series; fronts must be identical,
# numbers equal to 1e-12 relative.
. "$(dirname "$0")/../lib.sh"

TESTS="derived_columns fronts_throughput fronts_costs fronts_latency_and_ttft calculator_interactivity calculator_throughput trend_by_day"
if [ ! -d "$SHARED_RAW" ]; then
    for t in $TESTS; do
        t_skip "real/analysis_$t" "the shared real cache $SHARED_RAW is absent"
    done
    exit 0
fi
W=$(t_tmp)
ORACLE="$TESTS_DIR/real/analysis_oracle.py"

derived_columns() {
    local m
    for m in gptoss dsr1; do
        imx extract --offline --cache "$SHARED_RAW" --model $m --columns derived -o "$W/d.csv" \
            --quiet || return 1
        python3 "$ORACLE" "$SHARED_RAW" derived "$W/d.csv" || return 1
    done
}

# pareto METRIC ORACLE_METRIC X DEDUP: every model and sequence, every point, against the oracle
pareto() {
    imx pareto --offline --cache "$SHARED_RAW" --model all --all-points --metric "$1" --x "$3" \
        --dedup "$4" -o "$W/p.csv" --quiet || return 1
    python3 "$ORACLE" "$SHARED_RAW" pareto "$W/p.csv" "$2" "$3" "$4"
}

fronts_throughput() {
    pareto throughput throughput interactivity dashboard &&
        pareto throughput throughput interactivity config &&
        pareto output_throughput output interactivity dashboard &&
        pareto tpmw tokens_per_sec_per_mw_total interactivity dashboard
}

fronts_costs() {
    pareto costh cost_per_mtok_total_owning_hyperscaler interactivity dashboard &&
        pareto costr_output cost_per_mtok_output_rental_3y interactivity config &&
        pareto costn_input cost_per_mtok_input_owning_neocloud interactivity dashboard &&
        pareto jpt joules_per_token_allin_total interactivity dashboard
}

fronts_latency_and_ttft() {
    pareto throughput throughput e2el dashboard &&
        pareto costh cost_per_mtok_total_owning_hyperscaler e2el dashboard &&
        pareto input_throughput input ttft_p99 dashboard &&
        pareto jpt_input joules_per_token_allin_input ttft_p99 config
}

# calc MODE TARGET...: imx at against the oracle at each target
calc() {
    local mode=$1 t
    shift
    for t in "$@"; do
        imx at --offline --cache "$SHARED_RAW" --model all --$mode "$t" -o "$W/a.csv" --quiet ||
            return 1
        python3 "$ORACLE" "$SHARED_RAW" at "$W/a.csv" $mode "$t" || return 1
    done
}

calculator_interactivity() { calc interactivity 10 30 50 75.5 100 200; }
calculator_throughput() { calc throughput 500 1500 4000; }

trend_by_day() {
    local t
    for t in 30 50 90; do
        imx trend --offline --cache "$SHARED_RAW" --model all --interactivity $t -o "$W/t.csv" \
            --quiet || return 1
        python3 "$ORACLE" "$SHARED_RAW" trend "$W/t.csv" $t || return 1
    done
}

for t in $TESTS; do
    t_run "real/analysis_$t" $t
done
