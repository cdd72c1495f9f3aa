/* main: imx's entry point. Dispatches to one cmd_<name>() per subcommand; a command
 * line without a subcommand behaves as `imx extract` (the old extractor's command lines). */
#include "cli.h"
#include "render/chart.h"

#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    unsigned bit;
    int (*fn)(struct cli *);
    const char *summary;
};

static const struct command commands[] = {
    {"extract", CMD_EXTRACT, cmd_extract, "write the tidy table of one model from the cache"},
    {"sync", CMD_SYNC, cmd_sync,
     "fetch runs into the cache (GitHub, the GCS backup, the InferenceX API)"},
    {"runs", CMD_RUNS, cmd_runs, "list the runs known (cache and, unless --offline, the source)"},
    {"diff", CMD_DIFF, cmd_diff,
     "compare two runs, or the tables as of two days, configuration by configuration"},
    {"columns", CMD_COLUMNS, cmd_columns,
     "list every output column: name, unit, column set, source field, meaning"},
    {"models", CMD_MODELS, cmd_models,
     "list the models of the cache: rows, runs, dates and every spelling"},
    {"verify", CMD_VERIFY, cmd_verify,
     "re-hash the cache against what sync stored; list damaged or unexpected files"},
    {"gpus", CMD_GPUS, cmd_gpus, "print the GPU constants (power, costs) the analysis uses"},
    {"pareto", CMD_PARETO, cmd_pareto, "the dashboard's Pareto fronts of every series"},
    {"at", CMD_AT, cmd_at, "the dashboard's calculator: every series at one interactivity"},
    {"trend", CMD_TREND, cmd_trend, "the calculator's answer per run day: how series improved"},
    {"plot", CMD_PLOT, cmd_plot, "draw one chart (SVG, PNG or PDF) as the dashboard draws it"},
    {"report", CMD_REPORT, cmd_report,
     "write one offline HTML report: charts, tables, trends, provenance"},
};

void cli_print_main_help(void)
{
    printf("usage: imx [COMMAND] [OPTIONS] [RUN_ID...]\n\n"
           "imx turns InferenceMAX / InferenceX benchmark results into tidy CSV tables.\n\n"
           "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    printf("\nWithout a command, imx runs 'extract' (e.g. imx --collect-recent=30).\n"
           "'imx help COMMAND' or 'imx COMMAND --help' lists a command's options.\n\n"
           "environment: IMX_CACHE, GH_TOKEN, GITHUB_TOKEN, GITHUB_API_URL, IMX_GCS_URL,\n"
           "IMX_INFERENCEX_URL, NO_COLOR\n"
           "exit status: 0 ok, 1 incomplete (some input skipped), 2 usage, 3 network/server,\n"
           "4 cache or output file, 5 no usable data, 130 interrupted. See imx(1).\n");
}

/* `imx help [COMMAND]`, as git and gh have it: the main help, or the command's --help. */
static int help_command(int argc, char **argv)
{
    if (argc == 0) {
        cli_print_main_help();
        return cli_close_stdout(EXIT_OK);
    }
    if (argc > 1) {
        msg_error("help: too many arguments (expected 'imx help [COMMAND]')");
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (!strcmp(argv[0], commands[i].name)) {
            cli_print_help(commands[i].bit, commands[i].name);
            return cli_close_stdout(EXIT_OK);
        }
    }
    msg_error("help: unknown command '%s'", argv[0]);
    msg_line("try 'imx --help'");
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    const struct command *cmd = &commands[0];
    struct cli cli;
    int argi = 1, r;

    cli_install_signals();
    if (argc > 1) {
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
            cli_print_main_help();
            return cli_close_stdout(EXIT_OK);
        }
        if (!strcmp(argv[1], "help"))
            return help_command(argc - 2, argv + 2);
        if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
            printf("imx %s\n", IMX_VERSION);
            return cli_close_stdout(EXIT_OK);
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
            if (!strcmp(argv[1], commands[i].name)) {
                cmd = &commands[i];
                argi = 2;
                break;
            }
        }
        if (argi == 1 && argv[1][0] != '-' && (argv[1][0] < '0' || argv[1][0] > '9')) {
            msg_error("unknown command '%s'", argv[1]);
            msg_line("try 'imx --help'");
            return EXIT_USAGE;
        }
    }
    /* getopt sees argv[0] then the command's own arguments */
    argv[argi - 1] = argv[0];
    r = cli_parse(&cli, cmd->bit, cmd->name, argc - (argi - 1), argv + (argi - 1));
    if (r)
        return r;
    r = cmd->fn(&cli);
    cli_release(&cli);
    chart_cleanup();
    return cli_close_stdout(cli_exit_interrupted(r));
}
