/* options: the one table of command-line options, from which both the getopt_long
 * parser and each command's --help are made, so the two cannot drift apart. */
#include "cli.h"
#include "render/chart.h"
#include "util/date.h"
#include "util/fsutil.h"
#include "util/units.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_id {
    O_HELP = 'h',
    O_OUTPUT = 'o',
    O_QUIET = 'q',
    O_VERBOSE = 'v',
    O_CACHE = 256,
    O_MODEL,
    O_COLUMNS,
    O_CSV_SAFE,
    O_OFFLINE,
    O_REPO,
    O_WORKFLOW,
    O_BRANCH,
    O_EVENT,
    O_OFFICIAL,
    O_GITHUB_URL,
    O_JOBS,
    O_SINCE,
    O_UNTIL,
    O_COLLECT_RECENT,
    O_MAX_WAIT,
    O_ARTIFACT,
    O_NO_WAIT,
    O_SOURCE,
    O_GCS_URL,
    O_INFERENCEX_URL,
    O_BUCKET,
    O_REFRESH,
    O_GPU, /* the row filters, in the order of enum filter_dim */
    O_FRAMEWORK,
    O_PRECISION,
    O_SEQ,
    O_ISL,
    O_OSL,
    O_DISAGG,
    O_CONC,
    O_NO_PROGRESS,
    O_HISTORY,
    O_FORMAT,
    O_THRESHOLD,
    O_REPAIR,
    O_GPU_SPECS,
    O_METRIC,
    O_X,
    O_DIRECTION,
    O_DEDUP,
    O_MAX_COST,
    O_MAX_TTFT,
    O_NO_LIMITS,
    O_ALL_POINTS,
    O_INTERACTIVITY,
    O_THROUGHPUT,
    O_FROM,
    O_RUN,
    O_LOG_X,
    O_LOG_Y,
    O_ANNOTATE,
    O_WIDTH,
    O_HEIGHT,
};

struct opt {
    const char *name;
    int id;
    int has_arg;
    unsigned cmds;
    const char *arg;
    const char *help;
};

static const struct opt opts[] = {
    {"cache", O_CACHE, 1, CMD_ALL, "DIR", "result cache (default $IMX_CACHE, else ./raw)"},
    {"model", O_MODEL, 1, CMD_EXTRACT | CMD_ANALYSIS | CMD_PICTURES | CMD_DIFF | CMD_RUNS, "M",
     "model: prefix (gptoss), id (openai/gpt-oss-120b), org_Name form\n"
     "(openai_GPT-OSS-120B, the default) or 'all'"},
    {"output", O_OUTPUT, 1, CMD_EXTRACT | CMD_ANALYSIS | CMD_GPUS | CMD_DIFF, "PATH",
     "output file, '-' for stdout (extract's default by_model/<MODEL>/inferencemax.csv,\n"
     "the other commands' stdout)"},
    {"output", O_OUTPUT, 1, CMD_PLOT, "PATH",
     "the chart: .svg, .png or .pdf ('-': SVG on stdout; default imx-plot.svg)"},
    {"output", O_OUTPUT, 1, CMD_REPORT, "PATH", "the report (default imx-report.html)"},
    {"log-x", O_LOG_X, 0, CMD_PLOT, NULL, "logarithmic x axis"},
    {"log-y", O_LOG_Y, 0, CMD_PLOT, NULL, "logarithmic y axis"},
    {"annotate", O_ANNOTATE, 0, CMD_PLOT, NULL,
     "label front points with parallelism and concurrency"},
    {"width", O_WIDTH, 1, CMD_PLOT, "N", "chart width in pixels (PNG) or points (default 960)"},
    {"height", O_HEIGHT, 1, CMD_PLOT, "N", "chart height (default 600)"},
    {"columns", O_COLUMNS, 1, CMD_EXTRACT, "SET",
     "'seed' (the old extractor's 17), 'default', 'derived' (default and\n"
     "the derived costs, per-MW and J/token), 'all', or a,b,c"},
    {"csv-safe", O_CSV_SAFE, 0, CMD_EXTRACT | CMD_ANALYSIS | CMD_DIFF | CMD_RUNS, NULL,
     "a ' before text cells starting with = + - @ tab or CR (spreadsheet formulas); not numbers"},
    {"gpu-specs", O_GPU_SPECS, 1, CMD_EXTRACT | CMD_ANALYSIS | CMD_GPUS | CMD_PICTURES, "FILE",
     "GPU constants overriding or extending the built-in table (CSV:\n"
     "gpu,power_kw,costh,costn,costr; default $IMX_GPU_SPECS)"},
    {"metric", O_METRIC, 1, CMD_ANALYSIS | CMD_PLOT, "NAME",
     "y metric: throughput (default), output_throughput, input_throughput,\n"
     "tpmw, costh, costn, costr (and _output/_input forms), jpt, any derived\n"
     "or numeric column name"},
    {"x", O_X, 1, CMD_PARETO | CMD_PLOT, "AXIS",
     "interactivity (default), e2el, ttft_p99 or ttft_median"},
    {"direction", O_DIRECTION, 1, CMD_PARETO | CMD_PLOT, "DIR",
     "upper_left, upper_right, lower_left or lower_right\n"
     "(default: the dashboard's for the chart and metric)"},
    {"dedup", O_DEDUP, 1, CMD_PARETO | CMD_PLOT, "MODE",
     "dashboard (default: per series, its newest run day's rows)\n"
     "or config (the newest row of every configuration)"},
    {"max-cost", O_MAX_COST, 1, CMD_PARETO | CMD_PLOT, "USD",
     "leave out cost points above USD per million tokens (default 5)"},
    {"max-ttft", O_MAX_TTFT, 1, CMD_PARETO | CMD_PLOT, "SECONDS",
     "leave out points whose TTFT x is above SECONDS (default 60)"},
    {"no-limits", O_NO_LIMITS, 0, CMD_PARETO | CMD_PLOT, NULL,
     "no display limits: every point counts"},
    {"all-points", O_ALL_POINTS, 0, CMD_PARETO, NULL,
     "every point, with an on_front column (not only the front)"},
    {"interactivity", O_INTERACTIVITY, 1, CMD_AT | CMD_TREND, "X",
     "answer at X tok/s/user (throughput per GPU at that interactivity)"},
    {"throughput", O_THROUGHPUT, 1, CMD_AT | CMD_TREND, "Y",
     "answer at Y tok/s/GPU (interactivity at that throughput)"},
    {"history", O_HISTORY, 0, CMD_EXTRACT, NULL,
     "every run's rows (deduplicated within each run), with run id,\n"
     "attempt, date and source, ordered by run then configuration"},
    {"threshold", O_THRESHOLD, 1, CMD_DIFF, "PCT",
     "summarize on stderr the changes beyond PCT percent, largest first"},
    {"format", O_FORMAT, 1, CMD_EXTRACT | CMD_DIFF | CMD_RUNS, "FMT",
     "csv, jsonl or sqlite (the history, runs and the view latest)\n"
     "(default: from the output's extension, else csv)"},
    {"gpu", O_GPU, 1, CMD_ROWS, "LIST",
     "only rows of these GPUs: canonical (b200 matches b200-trt)\n"
     "or runner label (mi355x-amd_0); comma list"},
    {"framework", O_FRAMEWORK, 1, CMD_ROWS, "LIST", "only rows of these frameworks (vllm,sglang)"},
    {"precision", O_PRECISION, 1, CMD_ROWS, "LIST", "only rows of these precisions (fp4,fp8)"},
    {"seq", O_SEQ, 1, CMD_ROWS, "LIST",
     "only these ISL/OSL pairs: 1k1k, 1k8k, 8k1k (k = 1024) or 1024/8192"},
    {"isl", O_ISL, 1, CMD_ROWS, "LIST", "only these input sequence lengths (tokens)"},
    {"osl", O_OSL, 1, CMD_ROWS, "LIST", "only these output sequence lengths (tokens)"},
    {"disagg", O_DISAGG, 1, CMD_ROWS, "yes|no", "only disaggregated (yes) or aggregated (no) rows"},
    {"conc", O_CONC, 1, CMD_ROWS, "LIST", "only these concurrencies (4,64)"},
    {"offline", O_OFFLINE, 0, CMD_EXTRACT | CMD_RUNS | CMD_ANALYSIS | CMD_PICTURES, NULL,
     "never touch the network: use the cache only"},
    {"collect-recent", O_COLLECT_RECENT, 1, CMD_RUNSEL, "N", "the N newest successful runs"},
    {"since", O_SINCE, 1, CMD_RUNSEL, "DATE", "runs created on or after DATE (YYYY-MM-DD)"},
    {"until", O_UNTIL, 1, CMD_RUNSEL, "DATE", "runs created on or before DATE (YYYY-MM-DD)"},
    {"repo", O_REPO, 1, CMD_FETCHING, "OWNER/NAME",
     "repository (default SemiAnalysisAI/InferenceX)"},
    {"workflow", O_WORKFLOW, 1, CMD_FETCHING, "FILE", "workflow file (default run-sweep.yml)"},
    {"branch", O_BRANCH, 1, CMD_RUNSEL, "NAME", "only runs of this branch"},
    {"event", O_EVENT, 1, CMD_RUNSEL, "EVENT", "only runs triggered by EVENT (push, ...)"},
    {"official", O_OFFICIAL, 0, CMD_RUNSEL, NULL, "only push runs on main (the dashboard's)"},
    {"github-url", O_GITHUB_URL, 1, CMD_FETCHING, "URL",
     "API root (default $GITHUB_API_URL, else https://api.github.com)"},
    {"jobs", O_JOBS, 1, CMD_FETCHING, "N", "parallel transfers to each host (default 8)"},
    {"max-wait", O_MAX_WAIT, 1, CMD_FETCHING, "SECONDS",
     "longest wait for a rate-limit reset (default 60)"},
    {"artifact", O_ARTIFACT, 1, CMD_FETCHING, "PATTERN",
     "also fetch artifacts matching PATTERN (glob, e.g. 'eval_*')"},
    {"source", O_SOURCE, 1, CMD_FETCHING, "SRC",
     "github (default), gcs (the public backup, older runs, no token)\n"
     "api (the InferenceX dashboard's published rows, no token)\n"
     "dir (artifacts already on disk: --from), a comma list of these,\n"
     "or all (GitHub for what it still has, then GCS, then the API)"},
    {"from", O_FROM, 1, CMD_SYNC | CMD_EXTRACT, "PATH",
     "--source dir: a folder of run folders (gh run download, Actions\n"
     "zips, a raw/ cache), one run's folder, a tarball of them, or a zip"},
    {"run", O_RUN, 1, CMD_SYNC | CMD_EXTRACT, "ID",
     "--source dir: the run a single zip belongs to"},
    {"inferencex-url", O_INFERENCEX_URL, 1, CMD_FETCHING, "URL",
     "InferenceX API root (default $IMX_INFERENCEX_URL,\n"
     "else https://inferencex.semianalysis.com)"},
    {"gcs-url", O_GCS_URL, 1, CMD_FETCHING, "URL",
     "GCS root (default $IMX_GCS_URL, else https://storage.googleapis.com)"},
    {"bucket", O_BUCKET, 1, CMD_FETCHING, "NAME",
     "GCS backup bucket (default inferencemax-gha-backup)"},
    {"refresh", O_REFRESH, 0, CMD_FETCHING, NULL, "list GCS date folders again even when complete"},
    {"no-wait", O_NO_WAIT, 0, CMD_FETCHING, NULL, "fail at once if another imx holds the cache"},
    {"no-progress", O_NO_PROGRESS, 0, CMD_FETCHING, NULL,
     "no live progress line (also off when stderr is not a terminal,\nwith TERM=dumb or NO_COLOR)"},
    {"repair", O_REPAIR, 0, CMD_SYNC, NULL,
     "re-hash the runs named (default: all cached) and fetch again the\n"
     "files found missing, cut or changed (those are kept under\n"
     "run_<ID>/.damaged/, never deleted)"},
    {"quiet", O_QUIET, 0, CMD_ALL, NULL, "no summary or progress on stderr"},
    {"verbose", O_VERBOSE, 0, CMD_ALL, NULL, "more detail on stderr (requests, timing)"},
    {"help", O_HELP, 0, CMD_ALL, NULL, "show this help"},
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static const char *synopsis(unsigned bit)
{
    switch (bit) {
    case CMD_EXTRACT:
        return "imx extract [OPTIONS] [RUN_ID...]\n"
               "Reads the cached runs (all, or those named) and writes one tidy CSV table:\n"
               "the newest result of every configuration of one model.";
    case CMD_SYNC:
        return "imx sync [OPTIONS] [RUN_ID...]\n"
               "Fetches runs and their result artifacts into the cache from GitHub, or from the\n"
               "GCS backup or the InferenceX API (--source).\n"
               "Without run ids or --collect-recent: the newest successful run.";
    case CMD_RUNS:
        return "imx runs [OPTIONS]\n"
               "Lists the runs known (cache and, unless --offline, the --source).";
    case CMD_DIFF:
        return "imx diff [OPTIONS] OLD NEW\n"
               "Compares two runs (run ids) or the merged tables as of the end of two days\n"
               "(YYYY-MM-DD): one row per configuration in either, its status (added, removed,\n"
               "changed, same), old and new values and relative change of the main metrics.";
    case CMD_COLUMNS:
        return "imx columns\n"
               "Lists every output column, tab-separated: name, unit, the smallest column set\n"
               "showing it (seed, default, all), the row field it comes from, its meaning.";
    case CMD_MODELS:
        return "imx models [OPTIONS] [RUN_ID...]\n"
               "Lists the models of the cached runs: the folder --model all writes each under,\n"
               "rows and runs, first and last run date, and every spelling that names it.";
    case CMD_VERIFY:
        return "imx verify [OPTIONS] [RUN_ID...]\n"
               "Re-hashes the files sync stored in the cache (all runs, or those named) against\n"
               "the sizes and SHA-256 digests of their manifests and lists every missing, cut,\n"
               "changed or unexpected file (exit 1 when there is one). Reads only;\n"
               "'imx sync --repair' fetches the damaged files again.";
    case CMD_GPUS:
        return "imx gpus [OPTIONS]\n"
               "Prints the GPU constants in use (all-in kW, $ per GPU-hour owning as a\n"
               "hyperscaler, as a neocloud, renting for 3 years) as CSV.";
    case CMD_PARETO:
        return "imx pareto [OPTIONS] [RUN_ID...]\n"
               "The Pareto front of every series (GPU, framework, speculative method,\n"
               "disaggregated or not, precision; per model and ISL/OSL) as the dashboard draws.";
    case CMD_AT:
        return "imx at --interactivity X | --throughput Y [OPTIONS] [RUN_ID...]\n"
               "The dashboard's calculator: every series interpolated along its front at\n"
               "one interactivity (or throughput), every metric, no extrapolation.";
    case CMD_TREND:
        return "imx trend --interactivity X [OPTIONS] [RUN_ID...]\n"
               "The calculator's answer for every run day, from that day's rows only.";
    case CMD_PLOT:
        return "imx plot [OPTIONS] [RUN_ID...] -o chart.svg|chart.png|chart.pdf\n"
               "Draws one chart of one model and sequence pair from the cache, as the InferenceX\n"
               "dashboard draws it: every point, each series' Pareto front as a monotone curve.";
    case CMD_REPORT:
        return "imx report [OPTIONS] [RUN_ID...]\n"
               "Writes one self-contained HTML file (no network when opened): per model and\n"
               "sequence pair its charts, the calculator's table, the trend; the provenance.";
    }
    return "";
}

void cli_print_help(unsigned bit, const char *name)
{
    (void)name;
    printf("usage: %s\n\noptions:\n", synopsis(bit));
    for (size_t i = 0; i < NOPTS; i++) {
        const struct opt *o = &opts[i];
        char left[64];
        const char *h = o->help;

        if (!(o->cmds & bit))
            continue;
        if (o->id < 256)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->id, o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        printf("  %-28s ", left);
        for (; *h; h++) {
            putchar(*h);
            if (*h == '\n')
                printf("  %-28s ", "");
        }
        putchar('\n');
    }
    printf("\nexit status: 0 ok, 1 incomplete (some input skipped), 2 usage, 3 network/server,\n"
           "4 cache or output file, 5 no usable data, 130 interrupted. See imx(1).\n");
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* A positive finite number (targets and limits). */
static int parse_double(const char *s, double *out)
{
    double v;

    if (units_decimal(s, &v) < 0 || v <= 0)
        return -1;
    *out = v;
    return 0;
}

/* The command being parsed, for the help hint of a bad value (imx at --help lists at's options) */
static const char *help_cmd;

static void try_help(void)
{
    if (help_cmd)
        msg_line("try 'imx %s --help'", help_cmd);
    else
        msg_line("try 'imx --help'");
}

static int bad_value(const char *opt, const char *val, const char *why)
{
    msg_error("invalid value '%s' for --%s: %s", val, opt, why);
    try_help();
    return EXIT_USAGE;
}

/* How the user wrote the option getopt complains about (arg: the word it was in): --name
 * without its =value, or -o. */
static void option_text(int id, const char *arg, char *out, size_t n)
{
    if (arg && !strncmp(arg, "--", 2))
        snprintf(out, n, "%.*s", (int)strcspn(arg, "="), arg);
    else if (id > 0 && id < 256)
        snprintf(out, n, "-%c", id);
    else
        snprintf(out, n, "%s", arg ? arg : "?");
}

/* Is id an option of this command (getopt sets optopt to it for --flag=value)? */
static int known_option(int id, unsigned bit)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (opts[i].id == id && (opts[i].cmds & bit))
            return 1;
    return 0;
}

/* --since/--until, checked once for every command and source before anything is read or
 * asked: a real calendar day each, the range not empty. */
static int check_dates(const struct cli *cli)
{
    int r = date_range_check(cli->since, cli->until);

    if (r == -1) {
        const char *bad = cli->since && !date_valid(cli->since) ? "since" : "until";
        return bad_value(bad, !strcmp(bad, "since") ? cli->since : cli->until,
                         "take dates as YYYY-MM-DD (a real calendar day)");
    }
    if (r == -2) {
        msg_error("--since %s is after --until %s: no day can match", cli->since, cli->until);
        try_help();
        return EXIT_USAGE;
    }
    return 0;
}

/* A run id is a positive decimal number; anything else is a usage error. */
int cli_valid_run_id(const char *s)
{
    if (!*s || strlen(s) > 19)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

int cli_parse(struct cli *cli, unsigned bit, const char *cmd_name, int argc, char **argv)
{
    struct option lopts[NOPTS + 1];
    char shorts[32];
    size_t ns = 0, nl = 0;
    const char *known;
    long fds;
    int c;

    memset(cli, 0, sizeof(*cli));
    help_cmd = cmd_name;
    cli->cmd_name = cmd_name;
    cli->cmd_bit = bit;
    cli->collect_recent = -1;
    cli->threshold = -1;
    cli->jobs = 8;
    cli->max_wait = 60;
    cli->max_cost = 5;
    cli->max_ttft = 60;
    cli->interactivity = NAN;
    cli->throughput = NAN;
    for (size_t i = 0; i < NOPTS; i++) {
        if (!(opts[i].cmds & bit))
            continue;
        lopts[nl].name = opts[i].name;
        lopts[nl].has_arg = opts[i].has_arg ? required_argument : no_argument;
        lopts[nl].flag = NULL;
        lopts[nl].val = opts[i].id;
        nl++;
        if (opts[i].id < 256) {
            shorts[ns++] = (char)opts[i].id;
            if (opts[i].has_arg)
                shorts[ns++] = ':';
        }
    }
    memset(&lopts[nl], 0, sizeof(lopts[nl]));
    shorts[ns] = '\0';
    /* a leading ':' makes getopt tell a missing value (':') from an unknown option ('?') */
    memmove(shorts + 1, shorts, ns + 1);
    shorts[0] = ':';

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
        switch (c) {
        case O_HELP:
            cli_print_help(bit, cmd_name);
            exit(cli_close_stdout(EXIT_OK));
        case O_OUTPUT:
            cli->output = optarg;
            break;
        case O_QUIET:
            cli->quiet = 1;
            break;
        case O_VERBOSE:
            cli->verbose++;
            break;
        case O_CACHE:
            if (!*optarg)
                return bad_value("cache", optarg, "expected a directory");
            cli->cache = optarg;
            break;
        case O_MODEL:
            cli->model = optarg;
            break;
        case O_COLUMNS:
            cli->columns = optarg;
            break;
        case O_CSV_SAFE:
            cli->csv_safe = 1;
            break;
        case O_OFFLINE:
            cli->offline = 1;
            break;
        case O_REPO:
            if (!strchr(optarg, '/') || optarg[0] == '/' || strchr(optarg, '/')[1] == '\0')
                return bad_value("repo", optarg, "expected OWNER/NAME");
            cli->repo = optarg;
            break;
        case O_WORKFLOW:
            cli->workflow = optarg;
            break;
        case O_BRANCH:
            cli->branch = optarg;
            break;
        case O_EVENT:
            cli->event = optarg;
            break;
        case O_OFFICIAL:
            cli->official = 1;
            break;
        case O_GITHUB_URL:
            cli->github_url = optarg;
            break;
        case O_JOBS:
            if (parse_long(optarg, 1, 64, &cli->jobs) < 0)
                return bad_value("jobs", optarg, "expected a number from 1 to 64");
            break;
        case O_SINCE:
            cli->since = optarg;
            break;
        case O_UNTIL:
            cli->until = optarg;
            break;
        case O_COLLECT_RECENT:
            if (parse_long(optarg, 1, 100000, &cli->collect_recent) < 0)
                return bad_value("collect-recent", optarg, "expected a positive number");
            break;
        case O_MAX_WAIT:
            if (parse_long(optarg, 0, 86400, &cli->max_wait) < 0)
                return bad_value("max-wait", optarg, "expected seconds from 0 to 86400");
            break;
        case O_ARTIFACT:
            cli->artifact = optarg;
            break;
        case O_NO_WAIT:
            cli->no_wait = 1;
            break;
        case O_SOURCE:
            if (cli_source_check(optarg, &known) < 0)
                return bad_value("source", optarg, known);
            cli->source = optarg;
            break;
        case O_FROM:
            if (!*optarg)
                return bad_value("from", optarg, "expected a folder, tarball or zip");
            cli->from = optarg;
            break;
        case O_RUN:
            if (!cli_valid_run_id(optarg))
                return bad_value("run", optarg, "expected a run id");
            cli->run = optarg;
            break;
        case O_INFERENCEX_URL:
            cli->inferencex_url = optarg;
            break;
        case O_GCS_URL:
            cli->gcs_url = optarg;
            break;
        case O_BUCKET:
            if (!*optarg || strchr(optarg, '/') || !strcmp(optarg, ".") || !strcmp(optarg, ".."))
                return bad_value("bucket", optarg, "expected a bucket name");
            cli->bucket = optarg;
            break;
        case O_LOG_X:
            cli->log_x = 1;
            break;
        case O_LOG_Y:
            cli->log_y = 1;
            break;
        case O_ANNOTATE:
            cli->annotate = 1;
            break;
        case O_WIDTH:
        case O_HEIGHT: {
            long v;
            if (parse_long(optarg, CHART_SIZE_MIN, CHART_SIZE_MAX, &v) < 0)
                return bad_value(c == O_WIDTH ? "width" : "height", optarg,
                                 "expected a number from " CHART_SIZE_TEXT);
            *(c == O_WIDTH ? &cli->width : &cli->height) = (double)v;
            break;
        }
        case O_REFRESH:
            cli->refresh = 1;
            break;
        case O_THRESHOLD:
            if (units_decimal(optarg, &cli->threshold) < 0 || !(cli->threshold >= 0) ||
                cli->threshold > 1e9)
                return bad_value("threshold", optarg, "expected a percentage (e.g. 5)");
            break;
        case O_HISTORY:
            cli->history = 1;
            break;
        case O_GPU_SPECS:
            cli->gpu_specs = optarg;
            break;
        case O_METRIC:
            cli->metric = optarg;
            break;
        case O_X:
            if (strcmp(optarg, "interactivity") && strcmp(optarg, "e2el") &&
                strcmp(optarg, "ttft_p99") && strcmp(optarg, "ttft_median"))
                return bad_value("x", optarg,
                                 "expected interactivity, e2el, ttft_p99 or ttft_median");
            cli->x_axis = optarg;
            break;
        case O_DIRECTION:
            if (strcmp(optarg, "upper_left") && strcmp(optarg, "upper_right") &&
                strcmp(optarg, "lower_left") && strcmp(optarg, "lower_right"))
                return bad_value("direction", optarg,
                                 "expected upper_left, upper_right, lower_left or lower_right");
            cli->direction = optarg;
            break;
        case O_DEDUP:
            if (strcmp(optarg, "dashboard") && strcmp(optarg, "config"))
                return bad_value("dedup", optarg, "expected dashboard or config");
            cli->dedup = optarg;
            break;
        case O_MAX_COST:
            if (parse_double(optarg, &cli->max_cost) < 0)
                return bad_value("max-cost", optarg, "expected a positive number");
            break;
        case O_MAX_TTFT:
            if (parse_double(optarg, &cli->max_ttft) < 0)
                return bad_value("max-ttft", optarg, "expected a positive number");
            break;
        case O_NO_LIMITS:
            cli->no_limits = 1;
            break;
        case O_ALL_POINTS:
            cli->all_points = 1;
            break;
        case O_INTERACTIVITY:
            if (parse_double(optarg, &cli->interactivity) < 0)
                return bad_value("interactivity", optarg, "expected a positive number");
            break;
        case O_THROUGHPUT:
            if (parse_double(optarg, &cli->throughput) < 0)
                return bad_value("throughput", optarg, "expected a positive number");
            break;
        case O_FORMAT:
            if (bit == CMD_RUNS
                    ? strcmp(optarg, "csv") && strcmp(optarg, "json")
                    : strcmp(optarg, "csv") && strcmp(optarg, "jsonl") && strcmp(optarg, "sqlite"))
                return bad_value("format", optarg,
                                 bit == CMD_RUNS ? "expected csv or json"
                                                 : "expected csv, jsonl or sqlite");
            cli->format = optarg;
            break;
        case O_GPU:
        case O_FRAMEWORK:
        case O_PRECISION:
        case O_SEQ:
        case O_ISL:
        case O_OSL:
        case O_DISAGG:
        case O_CONC: {
            struct imx_err err = IMX_ERR_INIT;
            if (row_filter_add(&cli->filter, (enum filter_dim)(FILTER_GPU + (c - O_GPU)), optarg,
                               &err) < 0) {
                msg_error("%s", err.msg);
                msg_line("try 'imx %s --help'", cmd_name);
                return EXIT_USAGE;
            }
            break;
        }
        case O_NO_PROGRESS:
            cli->no_progress = 1;
            break;
        case ':': {
            char name[64];
            option_text(optopt, optind > 0 ? argv[optind - 1] : NULL, name, sizeof(name));
            msg_error("%s: option '%s' needs a value", cmd_name, name);
            msg_line("try 'imx %s --help'", cmd_name);
            return EXIT_USAGE;
        }
        case O_REPAIR:
            cli->repair = 1;
            break;
        case '?':
        default:
            if (optopt && known_option(optopt, bit) && optind > 0 &&
                !strncmp(argv[optind - 1], "--", 2)) {
                /* --offline=yes, --help=foo: a flag given a value */
                char name[64];
                option_text(optopt, argv[optind - 1], name, sizeof(name));
                msg_error("%s: option '%s' takes no value", cmd_name, name);
            } else if (optopt && optopt < 256) {
                msg_error("%s: unknown option '-%c'", cmd_name, optopt);
            } else {
                msg_error("%s: unknown option '%s'", cmd_name, argv[optind - 1]);
            }
            msg_line("try 'imx %s --help'", cmd_name);
            return EXIT_USAGE;
        }
    }
    /* diff checks its own operands: run ids or dates */
    for (int i = optind; i < argc && bit != CMD_DIFF; i++) {
        if (!cli_valid_run_id(argv[i])) {
            msg_error("%s: '%s' is not a run id (expected digits, e.g. 21012127808)", cmd_name,
                      argv[i]);
            msg_line("try 'imx %s --help'", cmd_name);
            return EXIT_USAGE;
        }
    }
    c = check_dates(cli);
    if (c)
        return c;
    cli->ids = argv + optind;
    cli->nids = (size_t)(argc - optind);
    if (cli->repair && (cli->collect_recent >= 0 || cli->since || cli->until)) {
        msg_error("%s: --repair takes run ids (or none: every cached run), not --collect-recent, "
                  "--since or --until",
                  cmd_name);
        return EXIT_USAGE;
    }
    /* a connection or two, a download file and an unpack per job: slow down, never run out */
    cli->jobs = fd_jobs_cap(cli->jobs, 4, 32, &fds);
    if (fds < FD_FLOOR) {
        /* said before any work: below it a sync would fail run by run, some as "host down" */
        msg_error("the open-file limit (ulimit -n) is %ld, fewer than the %d descriptors imx "
                  "needs even with --jobs 1; raise it (ulimit -n 1024)",
                  fds, FD_FLOOR);
        return EXIT_FS;
    }
    if (cli->official) {
        if (!cli->branch)
            cli->branch = "main";
        if (!cli->event)
            cli->event = "push";
    }
    return 0;
}

void cli_release(struct cli *cli)
{
    row_filter_release(&cli->filter);
    cli_token_release(cli);
}
