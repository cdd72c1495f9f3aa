#!/usr/bin/env bash
# The GPU constants a user gives: $IMX_GPU_SPECS is read as --gpu-specs is (and --gpu-specs wins
# over it), an unreadable one is an error naming it, GPU names as people write them (GB200
# NVL72, b200-trt, MI355X-AMD_0) are the rows' GPUs, and every analysis command's summary names
# the table used and the GPUs without constants (trend's too).
. "$(dirname "$0")/../lib.sh"
W=$(t_tmp)
CACHE="$TESTS_DIR/cases/0840-derived-never-inf/cache"
printf 'gpu,power_kw,costh\nh100,2.0,1.5\nRTX6000Pro,0.6,0.9\n' >"$W/specs.csv"

env_read_as_option() {
    imx pareto --offline --cache "$CACHE" --model gptoss --metric costh --gpu-specs "$W/specs.csv" \
        -o "$W/opt.csv" 2>"$W/opt.err" || return 1
    IMX_GPU_SPECS="$W/specs.csv" imx pareto --offline --cache "$CACHE" --model gptoss \
        --metric costh -o "$W/env.csv" 2>"$W/env.err" || return 1
    assert_file_eq "$W/env.csv" "$W/opt.csv" &&
        assert_contains "$W/env.err" "GPU constants: built-in, with '$W/specs.csv' (1 overridden, 1 added)" &&
        assert_contains "$W/env.csv" ",rtx6000pro," &&
        assert_not_contains "$W/env.err" "No GPU constants for"
}

option_wins_over_env() {
    IMX_GPU_SPECS="$W/nowhere.csv" imx at --offline --cache "$CACHE" --model gptoss \
        --interactivity 30 --gpu-specs "$W/specs.csv" -o "$W/at.csv" 2>"$W/at.err" || return 1
    assert_contains "$W/at.err" "with '$W/specs.csv'"
}

env_unreadable() {
    local rc
    IMX_GPU_SPECS="$W/nowhere.csv" imx gpus >"$W/g.out" 2>"$W/g.err"
    rc=$?
    assert_eq "$rc" 4 "exit status" && assert_contains "$W/g.err" "$W/nowhere.csv"
}

env_empty_is_builtin() {
    IMX_GPU_SPECS= imx gpus -o "$W/b.csv" 2>"$W/b.err" || return 1
    assert_contains "$W/b.err" "GPU constants: built-in (the InferenceX dashboard's)" &&
        assert_not_contains "$W/b.csv" "overridden"
}

# the names of the dashboard's pages, runner labels and nodes are the GPU the rows give
names_as_written() {
    printf 'gpu,costh\nGB200 NVL72,9\nb200-trt,8\nMI355X-AMD_0,7\n' >"$W/names.csv"
    imx gpus --gpu-specs "$W/names.csv" -o "$W/n.csv" 2>"$W/n.err" || return 1
    assert_contains "$W/n.csv" "gb200,2.1,9,2.75,3.3,overridden" &&
        assert_contains "$W/n.csv" "b200,2.17,8,2.34,2.9,overridden" &&
        assert_contains "$W/n.csv" "mi355x,2.65,7,1.9,2.1,overridden" &&
        assert_eq "$(grep -c overridden "$W/n.csv")" 3 "overridden GPUs"
}

one_gpu_two_spellings() {
    local rc
    printf 'gpu,costh\ngb200,9\nGB200 NVL72,8\n' >"$W/twice.csv"
    imx gpus --gpu-specs "$W/twice.csv" >/dev/null 2>"$W/t.err"
    rc=$?
    assert_eq "$rc" 2 "exit status" &&
        assert_contains "$W/t.err" "'$W/twice.csv': line 3: gpu 'gb200' again (first on line 2)"
}

trend_names_gpus_without_constants() {
    imx trend --offline --cache "$CACHE" --model gptoss --interactivity 30 -o "$W/tr.csv" \
        2>"$W/tr.err" || return 1
    assert_contains "$W/tr.err" "No GPU constants for: rtx6000pro (1 rows" &&
        assert_contains "$W/tr.err" "GPU constants: built-in"
}

for t in env_read_as_option option_wins_over_env env_unreadable env_empty_is_builtin \
    names_as_written one_gpu_two_spellings trend_names_gpus_without_constants; do
    t_run "analysis_gpu_specs/$t" $t
done
