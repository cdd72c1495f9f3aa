/* analysis: what the analysis commands (gpus, pareto, at, trend) share on the CLI side: the GPU
 * constants in use, the rows of the selection, CSV cells and the output. */
#ifndef IMX_CLI_ANALYSIS_H
#define IMX_CLI_ANALYSIS_H

#include "analysis/calc.h"
#include "analysis/gpus.h"
#include "analysis/pareto.h"
#include "cli.h"
#include "util/buf.h"

/* The built-in table with --gpu-specs (else $IMX_GPU_SPECS) merged; an exit status. */
int cli_gpu_table(const struct cli *cli, struct gpu_table *g);
/* "GPU constants: built-in ..." and the GPUs of the rows that had none, on stderr. */
void cli_gpu_summary(const struct cli *cli, const struct gpu_table *g, const struct pareto *p);
/* The same for the rows of a table (extract's derived columns). */
void cli_gpu_summary_rows(const struct cli *cli, const struct gpu_table *g,
                          struct trow *const *rows, size_t n);

/* The pareto options the command line sets (pareto, plot): --x, --direction, --dedup and the
 * display limits (--max-cost, --max-ttft, --no-limits); y, gpus and runs are the caller's. */
void cli_pareto_opts(const struct cli *cli, struct pareto_opts *po);
/*
 * The y of --metric: a metric, or any numeric column of rows (its source name in *column, which
 * the caller frees); EXIT_OK, or EXIT_USAGE after a message. Sets po->y (-1 for a column),
 * po->y_column and po->y_better.
 */
int cli_resolve_metric(const struct cli *cli, struct trow *const *rows, size_t n,
                       struct pareto_opts *po, char **column);

/* The rows of the selection: synced unless --offline, merged newest-wins, then filtered.
 * Returns an exit status; on EXIT_OK *rows (free it) and *n are set. */
int cli_analysis_rows(struct cli *cli, struct cli_selection *s, struct extract *x,
                      struct trow ***rows, size_t *n);

/* What pareto and at start from: the GPU constants and the selection's rows. */
struct cli_analysis {
    struct gpu_table g;
    int have_g;
    struct cli_selection s;
    struct extract x;
    struct trow **rows;
    size_t n;
    struct buf out; /* the CSV being built */
};
/* Loads constants and rows (rows: 0 for the constants only); an exit status. Release a in
 * every case. */
int cli_analysis_begin(struct cli *cli, struct cli_analysis *a, int rows);
/* Writes a->out; on success the final status: incomplete input (1) and the sync's outcome. */
int cli_analysis_finish(struct cli *cli, struct cli_analysis *a);
void cli_analysis_release(struct cli_analysis *a);
/* "Wrote N rows to PATH" unless --quiet. */
void cli_wrote(const struct cli *cli, size_t n);

/* A metric the calculator interpolates, by --metric (default: the mode's y); -1 after a
 * message when it is not one. */
int cli_calc_metric(const struct cli *cli, enum calc_mode mode);

/* CSV cells: a number (empty when NaN), a string, a cell and its comma. */
void cell_num(struct buf *b, double v);
void cell_str(struct buf *b, const char *s);
/* The series columns: series,model_prefix,input_seq_len,output_seq_len,gpu,framework,
 * spec_method,disagg,precision. */
extern const char series_header[];
void cell_series(struct buf *b, const struct series *s);

/* The answer columns of at and trend (header, then one row per answer). */
extern const char answer_header[];
void cell_answer(struct buf *b, const struct aseries *s, enum calc_mode mode, double target,
                 int metric, const struct calc_answer *a, const struct run_list *runs);

/* The mode and target of at and trend (--interactivity or --throughput, exactly one), and the
 * metric; an exit status after a message. */
int cli_calc_target(const struct cli *cli, enum calc_mode *mode, double *target, int *metric);
/* Appends the answer of every series of p (a date column first when date is not NULL);
 * counts the series answered. */
void cli_answers(struct buf *out, const struct pareto *p, enum calc_mode mode, double target,
                 int metric, const struct run_list *runs, const char *date, size_t *answered);

/* Writes the whole text to -o (default stdout) atomically; an exit status. */
int cli_write_text(const struct cli *cli, const struct buf *text);

#endif
