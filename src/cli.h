/* cli.h: what the subcommands share: parsed options, messages, exit statuses.
 *
 * Adding a subcommand: write src/cmd_<name>.c with `int cmd_<name>(struct cli *)`,
 * declare it below, add a row to the command table in main.c, give its options
 * the command's bit in options.c, add a test under tests/, and a section in imx.1. */
#ifndef IMX_CLI_H
#define IMX_CLI_H

#include "table/extract.h"
#include "table/filter.h"
#include "util/err.h"

#include <stddef.h>

/* Exit statuses, documented in --help, imx.1 and the README. */
enum exit_status {
    EXIT_OK = 0,
    EXIT_PARTIAL = 1, /* done, but some input was skipped: the result is incomplete */
    EXIT_USAGE = 2,   /* bad command line */
    EXIT_NET = 3,     /* GitHub or another server failed, refused or rate-limited us */
    EXIT_FS = 4,      /* cache or output could not be read or written; cache locked */
    EXIT_DATA = 5,    /* no usable data: unknown model, nothing to extract */
    EXIT_INTR = 130,  /* interrupted by a signal */
};

/* Command bits: which commands accept an option. */
enum {
    CMD_EXTRACT = 1 << 0,
    CMD_SYNC = 1 << 1,
    CMD_RUNS = 1 << 2,
    CMD_VERIFY = 1 << 3,
    CMD_PLOT = 1 << 4,
    CMD_REPORT = 1 << 5,
    CMD_PICTURES = CMD_PLOT | CMD_REPORT, /* commands that draw charts (from the cache only) */
    /* the analysis commands (bits well apart from other new commands') */
    CMD_GPUS = 1 << 10,
    CMD_PARETO = 1 << 11,
    CMD_AT = 1 << 12,
    CMD_TREND = 1 << 13,
    CMD_ANALYSIS = CMD_PARETO | CMD_AT | CMD_TREND, /* they read rows as extract does */
    /* the history commands */
    CMD_DIFF = 1 << 20,
    CMD_MODELS = 1 << 21,
    CMD_COLUMNS = 1 << 22,
    CMD_HISTORY = CMD_DIFF | CMD_MODELS,
    CMD_ALL = CMD_EXTRACT | CMD_SYNC | CMD_RUNS | CMD_VERIFY | CMD_GPUS | CMD_ANALYSIS |
              CMD_PICTURES | CMD_HISTORY | CMD_COLUMNS,
    /* commands that may talk to a server */
    CMD_FETCHING = CMD_EXTRACT | CMD_SYNC | CMD_RUNS | CMD_ANALYSIS,
    /* commands that read the cache's runs by date, event, branch or number */
    CMD_RUNSEL = CMD_FETCHING | CMD_PICTURES,
    /* commands that select rows: they take the row filters (--gpu, --seq, ...); a new
     * command that writes or selects rows adds its bit here */
    CMD_ROWS = CMD_EXTRACT | CMD_ANALYSIS | CMD_PICTURES | CMD_HISTORY | CMD_RUNS,
};

struct source_token;

struct cli {
    const char *cmd_name;
    unsigned cmd_bit;
    /* common */
    const char *cache;
    int quiet, verbose;
    /* extract */
    const char *model;
    const char *output;
    const char *columns;
    int csv_safe;       /* --csv-safe: neutralise formula-like text cells */
    const char *format; /* csv, jsonl or sqlite; NULL: from the output's extension */
    int history;        /* every run's rows, not only the newest per configuration */
    double threshold;   /* diff: summary of changes beyond this percentage; < 0: none */
    int offline;
    /* fetching */
    const char *repo;
    const char *workflow;
    const char *branch;
    const char *event;
    const char *github_url;
    const char *since;
    const char *until;
    const char *artifact;
    const char *source;         /* a source or a comma list of them (cli_source_check) */
    const char *gcs_url;        /* GCS root; NULL: $IMX_GCS_URL, else storage.googleapis.com */
    const char *bucket;         /* GCS backup bucket; NULL: the default */
    const char *inferencex_url; /* InferenceX API root; NULL: $IMX_INFERENCEX_URL, else default */
    const char *from;           /* --source dir: the folder, tarball or zip to import */
    const char *run;            /* --source dir: the run id of a single zip */
    long collect_recent;        /* -1 when not given */
    long jobs;
    long max_wait;
    int official;
    int no_wait;
    int refresh;
    /* plot, report */
    int log_x, log_y, annotate;
    double width, height;     /* 0: the defaults */
    struct row_filter filter; /* --gpu, --framework, --precision, --seq, --isl, --osl, ... */
    int no_progress;          /* no live progress line */
    int repair;               /* sync --repair: re-hash, fetch again what is damaged */
    /* analysis (pareto, at, trend, gpus) */
    const char *gpu_specs; /* user GPU constants file; NULL: $IMX_GPU_SPECS, else built-in only */
    const char *metric;    /* y metric: a short name, a derived or any numeric column */
    const char *x_axis;    /* pareto: interactivity, e2el, ttft_p99, ttft_median */
    const char *direction; /* pareto: upper_left, ...; NULL: the dashboard's */
    const char *dedup;     /* pareto: dashboard (default) or config */
    double max_cost;       /* pareto: display limit on costs ($/Mtok) */
    double max_ttft;       /* pareto: display limit on a TTFT x (s) */
    int no_limits;
    int all_points;
    double interactivity; /* at, trend: the target (NaN when not given) */
    double throughput;
    /* positional run ids */
    char **ids;
    size_t nids;
    /* the GitHub token, looked for once per command when a request wants it (cmd_sync.c) */
    struct source_token *token;
};

/* Parses argv for the command (bit), filling cli; prints help and exits 0 on --help.
 * Returns 0, or EXIT_USAGE after printing a one-line error. */
int cli_parse(struct cli *cli, unsigned cmd_bit, const char *cmd_name, int argc, char **argv);
void cli_release(struct cli *cli);
/* Is s a run id (a positive decimal number of at most 19 digits)? */
int cli_valid_run_id(const char *s);
void cli_print_help(unsigned cmd_bit, const char *cmd_name);
void cli_print_main_help(void);

/* Messages on stderr: "imx: error: ...", "imx: warning: ...", info unless --quiet. */
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_info(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line on stderr without prefix (summaries; whether --quiet silences it is the caller's
 * choice). Every message shows control characters of its text as \xNN (buf_add_shown): a
 * line for stderr goes through these functions, never through fprintf(stderr). */
#define msg_line(...) msg_info(NULL, __VA_ARGS__)
/* Replaces the live progress line by line (NULL: clears it). */
void msg_progress(const char *line);
/* s as a table on stdout shows it (`imx runs`, `imx models`, `imx verify`): control characters
 * as \xNN, as in messages (malloc'ed). */
char *msg_shown(const char *s);
/* Warning callback for the core's struct imx_diag (ud: struct cli *). */
void msg_diag(void *ud, int code, const char *msg);
/* Maps a core error code to an exit status. */
int exit_for(int code);
/* The worse of two exit statuses: a failure outranks an incomplete result (1), the higher
 * failure the lower one. */
int cli_worse_status(int a, int b);
/* Returns nonzero once SIGINT, SIGTERM or SIGHUP arrived (temporary files are unlinked). */
int cli_interrupted(void);
void cli_install_signals(void);
/* After a command: when a signal arrived, removes what is left of the temporary files and
 * ends as the signal asks (SIGINT is re-raised, status 130); else returns status. */
int cli_exit_interrupted(int status);
/* Flushes and closes stdout; a write error becomes EXIT_FS (a full disk must not exit 0). */
int cli_close_stdout(int status);

/* Whether SPEC names sources imx has ("all", or names from the source list, commas between);
 * 0 when it does, else -1 with the list of names in `known`. */
int cli_source_check(const char *spec, const char **known);
/* Whether SPEC (valid) names the source NAME, itself or through "all". */
int cli_source_named(const char *spec, const char *name);

/* The cache folder: --cache, else $IMX_CACHE, else ./raw. */
const char *cli_cache_dir(const struct cli *cli);
struct run_select;
/* The cached-run selection the options ask for (--event, --branch, --official, --since,
 * --until, --collect-recent): for every command that reads cached runs (cache/select.h). */
void cli_run_select(const struct cli *cli, struct run_select *s);

/* Wipes and frees the GitHub token the command looked for (cli->token). */
void cli_token_release(struct cli *cli);

/* What extract and the analysis commands read: the model, the runs (synced first unless
 * --offline, as the old one-shot script did) and the options of the extraction. */
struct cli_selection {
    struct model_sel sel;
    int have_sel;
    struct extract_opts o; /* o.model and o.diag point into this struct: do not move it */
    struct imx_diag diag;
    char **synced; /* the run ids the sync resolved to */
    size_t nsynced;
    int sync_status;
};
/* Returns EXIT_OK (s->sync_status tells how the sync went), EXIT_USAGE or EXIT_INTR after a
 * message; release s in every case. */
int cli_selection_init(struct cli *cli, struct cli_selection *s);
void cli_selection_release(struct cli_selection *s);
/* After extract_run or extract_each_run, no run read: the message (how many runs the cache
 * holds and what the selection removed, or that it holds none) and EXIT_DATA; else EXIT_OK. */
int cli_no_runs(const struct extract *x, const struct extract_opts *o);
/* After extract_run or extract_each_run: no runs, no run matching, no rows of the model? The
 * message, and the exit status (EXIT_OK when there is data). */
int cli_selection_check(const struct cli *cli, const struct cli_selection *s,
                        const struct extract *x);
/* n rows left of nmerged after the row filters: none is an error (message, status). */
int cli_filtered_empty(const struct cli *cli, const struct cli_selection *s, size_t n,
                       size_t nmerged);

int cmd_extract(struct cli *cli);
int cmd_sync(struct cli *cli);
int cmd_runs(struct cli *cli);
int cmd_diff(struct cli *cli);
int cmd_models(struct cli *cli);
int cmd_columns(struct cli *cli);
int cmd_verify(struct cli *cli);
int cmd_gpus(struct cli *cli);
int cmd_pareto(struct cli *cli);
int cmd_at(struct cli *cli);
int cmd_trend(struct cli *cli);
/* The cache and the run selection (ids, cli_run_select's filters) as extract options for the
 * commands that only read the cache (plot, report); the rest of o is zero. */
struct extract_opts;
void cli_extract_opts(const struct cli *cli, struct extract_opts *o);
int cmd_plot(struct cli *cli);
int cmd_report(struct cli *cli);

struct extract;
struct trow;
/*
 * The rows the selection options name, read from the cache without any network: runs (ids,
 * --since, --until, --collect-recent), --model (plot: the default model; report: all) and the
 * row filters. Prints what went wrong; returns EXIT_OK, EXIT_PARTIAL (some input skipped) or an
 * error status. *rows (malloc'ed, may be set on error: free it) points into x (release it).
 */
int cli_rows_offline(struct cli *cli, struct extract *x, struct trow ***rows, size_t *n);
/* Writes b to path atomically ('-': standard output); prints errors, returns an exit status. */
struct buf;
int cli_write_file(const char *path, const struct buf *b);
/*
 * Performs the sync the options describe (run ids, --collect-recent, --since/--until,
 * filters) and gives back the run ids (malloc'ed decimal strings in a malloc'ed array) the
 * selection resolved to. Returns EXIT_OK, EXIT_PARTIAL (some runs failed, others are fine)
 * or an error status.
 */
int cli_sync_selected(struct cli *cli, char ***ids, size_t *nids);

/*
 * For `imx runs`: the runs the source NAME would give for the options (recent: how many at
 * most, 0 for every run in the --since/--until range), listed without the cache lock and
 * without downloading (runs: free with source_listed_free). Errors are printed; returns
 * EXIT_OK, or EXIT_PARTIAL when the source could not list everything.
 */
struct source_listed;
int cli_list_source(struct cli *cli, const char *name, long recent, struct source_listed **runs,
                    size_t *n);

#endif
