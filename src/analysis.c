/* analysis: the CLI side the analysis commands share: GPU constants, the selection's rows, the
 * series and answer columns, and writing the result. */
#include "analysis.h"
#include "output.h"
#include "table/fields.h"
#include "util/xalloc.h"
#include "writer/csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* an analysis command's output, held whole until it is written */
#define ANALYSIS_OUT_MAX ((size_t)1 << 30)

/* --csv-safe for the text cells of pareto, at and trend (set once per command: cells come from
 * many writers that share no options struct) */
static int cells_safe;

int cli_gpu_table(const struct cli *cli, struct gpu_table *g)
{
    struct imx_err err = IMX_ERR_INIT;
    const char *path = cli->gpu_specs;

    gpu_table_init(g);
    if (!path) {
        const char *env = getenv("IMX_GPU_SPECS");
        path = env && *env ? env : NULL;
    }
    if (path && gpu_table_load(g, path, &err) < 0) {
        msg_error("%s", err.msg);
        gpu_table_release(g);
        return err.code == IMX_EIO ? EXIT_FS : EXIT_USAGE;
    }
    return EXIT_OK;
}

static void gpu_summary(const struct cli *cli, const struct gpu_table *g, char *const *names,
                        size_t nnames, size_t rows)
{
    struct buf b = BUF_INIT_MAX(BUF_LIST_MAX);

    if (cli->quiet)
        return;
    gpu_table_describe(g, &b);
    msg_line("GPU constants: %s", b.p);
    if (nnames) {
        buf_reset(&b);
        for (size_t i = 0; i < nnames; i++)
            buf_addf(&b, "%s%s", i ? ", " : "", names[i]);
        msg_line("No GPU constants for: %s (%zu rows: their costs, per-MW and J/token are "
                 "empty; --gpu-specs adds them)",
                 b.p, rows);
    }
    buf_release(&b);
}

void cli_gpu_summary(const struct cli *cli, const struct gpu_table *g, const struct pareto *p)
{
    gpu_summary(cli, g, p ? p->no_constants_gpus : NULL, p ? p->n_no_constants_gpus : 0,
                p ? p->st.no_constants : 0);
}

void cli_gpu_summary_rows(const struct cli *cli, const struct gpu_table *g,
                          struct trow *const *rows, size_t n)
{
    char **names = NULL;
    size_t nnames = 0, cap = 0, without = 0;

    for (size_t i = 0; i < n; i++) {
        char gpu[64];
        size_t k;
        if (!analysis_gpu(rows[i]->kv[K_HW], gpu, sizeof(gpu)))
            snprintf(gpu, sizeof(gpu), "(unknown)");
        else if (gpu_table_find(g, gpu))
            continue;
        without++;
        for (k = 0; k < nnames && strcmp(names[k], gpu); k++)
            ;
        if (k == nnames) {
            ALLOC_GROW(names, nnames + 1, cap);
            names[nnames++] = xstrdup(gpu);
        }
    }
    gpu_summary(cli, g, names, nnames, without);
    for (size_t k = 0; k < nnames; k++)
        free(names[k]);
    free(names);
}

void cli_pareto_opts(const struct cli *cli, struct pareto_opts *po)
{
    pareto_opts_init(po);
    po->x = cli->x_axis ? metric_lookup(cli->x_axis) : M_INTVTY;
    if (cli->direction)
        po->direction = front_dir_parse(cli->direction);
    po->dedup = cli->dedup && !strcmp(cli->dedup, "config") ? DEDUP_CONFIG : DEDUP_DASHBOARD;
    po->max_cost = cli->no_limits ? INFINITY : cli->max_cost;
    po->max_ttft = cli->no_limits ? INFINITY : cli->max_ttft;
}

int cli_analysis_rows(struct cli *cli, struct cli_selection *s, struct extract *x,
                      struct trow ***rows, size_t *n)
{
    struct imx_err err = IMX_ERR_INIT;
    size_t nmerged;
    int status;

    *rows = NULL;
    *n = 0;
    if (extract_run(x, &s->o, &err) < 0) {
        msg_error("%s", err.msg);
        return cli_worse_status(s->sync_status, exit_for(err.code));
    }
    if ((status = cli_selection_check(cli, s, x)) != EXIT_OK)
        return status;
    *rows = table_sorted(&x->table, &nmerged);
    /* after the merge, as extract: a filter never changes which run's row is kept */
    *n = row_filter_keep(&cli->filter, *rows, nmerged);
    if ((status = cli_filtered_empty(cli, s, *n, nmerged)) != EXIT_OK) {
        free(*rows);
        *rows = NULL;
    }
    return status;
}

int cli_analysis_begin(struct cli *cli, struct cli_analysis *a, int rows)
{
    int status;

    memset(a, 0, sizeof(*a));
    cells_safe = cli->csv_safe;
    buf_init(&a->out, ANALYSIS_OUT_MAX);
    if ((status = cli_gpu_table(cli, &a->g)) != EXIT_OK)
        return status;
    a->have_g = 1;
    if ((status = cli_selection_init(cli, &a->s)) != EXIT_OK || !rows)
        return status;
    return cli_analysis_rows(cli, &a->s, &a->x, &a->rows, &a->n);
}

int cli_analysis_finish(struct cli *cli, struct cli_analysis *a)
{
    int status = cli_write_text(cli, &a->out);

    if (status != EXIT_OK)
        return status;
    if (extract_incomplete(&a->x))
        status = EXIT_PARTIAL;
    return cli_worse_status(status, a->s.sync_status);
}

void cli_analysis_release(struct cli_analysis *a)
{
    free(a->rows);
    buf_release(&a->out);
    extract_release(&a->x);
    cli_selection_release(&a->s);
    if (a->have_g)
        gpu_table_release(&a->g);
    memset(a, 0, sizeof(*a));
}

void cli_wrote(const struct cli *cli, size_t n)
{
    if (!cli->quiet)
        msg_line("Wrote %zu rows to %s", n,
                 cli->output && strcmp(cli->output, "-") ? cli->output : "standard output");
}

int cli_calc_metric(const struct cli *cli, enum calc_mode mode)
{
    int m;

    if (!cli->metric)
        return mode == CALC_INTERACTIVITY ? M_TPUT : M_INTVTY;
    m = metric_lookup(cli->metric);
    if (m < 0 || m == M_E2EL || m == M_TTFT_P99 || m == M_TTFT_MEDIAN || m == M_TOTAL_GPUS) {
        msg_error("invalid value '%s' for --metric: the calculator interpolates throughput, "
                  "output_throughput, input_throughput, interactivity, conc, the costs, per-MW "
                  "and J/token (see imx(1))",
                  cli->metric);
        return -1;
    }
    return m;
}

void cell_num(struct buf *b, double v)
{
    char s[40];
    buf_addc(b, ',');
    if (isnan(v))
        return;
    num_format(v, s, sizeof(s));
    buf_adds(b, s);
}

static void cell_text(struct buf *b, const char *s)
{
    if (cells_safe)
        csv_field_safe(b, s, strlen(s));
    else
        csv_field(b, s, strlen(s));
}

void cell_str(struct buf *b, const char *s)
{
    buf_addc(b, ',');
    if (s)
        cell_text(b, s);
}

const char series_header[] =
    "series,model_prefix,input_seq_len,output_seq_len,gpu,framework,spec_method,disagg,precision";

void cell_series(struct buf *b, const struct series *s)
{
    cell_text(b, s->label);
    cell_str(b, s->prefix);
    cell_str(b, s->isl);
    cell_str(b, s->osl);
    cell_str(b, s->gpu);
    cell_str(b, s->framework);
    cell_str(b, s->spec);
    cell_str(b, s->disagg ? "true" : "false");
    cell_str(b, s->precision);
}

/* The interpolated metrics of an answer, in column order. */
static const int answer_metrics[] = {
    M_TPUT,  M_OUTPUT_TPUT, M_INPUT_TPUT, M_INTVTY,    M_CONC,     M_COSTH,    M_COSTN,
    M_COSTR, M_COSTH_OUT,   M_COSTN_OUT,  M_COSTR_OUT, M_COSTH_IN, M_COSTN_IN, M_COSTR_IN,
    M_TPMW,  M_TPMW_OUT,    M_TPMW_IN,    M_JPT,       M_JPT_OUT,  M_JPT_IN,
};

const char answer_header[] =
    ",mode,target,metric,value,note,throughput_tokens_per_sec_per_gpu,output_throughput_per_gpu,"
    "input_throughput_per_gpu,median_interactivity_tokens_per_sec_per_user,concurrency,"
    "cost_per_mtok_total_owning_hyperscaler,cost_per_mtok_total_owning_neocloud,"
    "cost_per_mtok_total_rental_3y,cost_per_mtok_output_owning_hyperscaler,"
    "cost_per_mtok_output_owning_neocloud,cost_per_mtok_output_rental_3y,"
    "cost_per_mtok_input_owning_hyperscaler,cost_per_mtok_input_owning_neocloud,"
    "cost_per_mtok_input_rental_3y,tokens_per_sec_per_mw_total,tokens_per_sec_per_mw_output,"
    "tokens_per_sec_per_mw_input,joules_per_token_allin_total,joules_per_token_allin_output,"
    "joules_per_token_allin_input,lo_concurrency,lo_run_id,hi_concurrency,hi_run_id,"
    "front_points,front_min_x,front_max_x";

static const char *run_id_of(const struct apoint *p, const struct run_list *runs)
{
    if (!p || !runs || p->row->rank.run >= runs->n)
        return NULL;
    return runs->v[p->row->rank.run].id;
}

void cell_answer(struct buf *b, const struct aseries *s, enum calc_mode mode, double target,
                 int metric, const struct calc_answer *a, const struct run_list *runs)
{
    cell_series(b, &s->id);
    cell_str(b, mode == CALC_INTERACTIVITY ? "interactivity" : "throughput");
    cell_num(b, target);
    cell_str(b, metric_info[metric].name);
    cell_num(b, a->ok ? a->v[metric] : NAN);
    cell_str(b, a->ok ? NULL : a->note);
    for (size_t i = 0; i < sizeof(answer_metrics) / sizeof(answer_metrics[0]); i++)
        cell_num(b, a->ok ? a->v[answer_metrics[i]] : NAN);
    cell_num(b, a->ok ? a->lo->m[M_CONC] : NAN);
    cell_str(b, a->ok ? run_id_of(a->lo, runs) : NULL);
    cell_num(b, a->ok ? a->hi->m[M_CONC] : NAN);
    cell_str(b, a->ok ? run_id_of(a->hi, runs) : NULL);
    buf_addf(b, ",%zu", s->nfront);
    cell_num(b, a->front_min);
    cell_num(b, a->front_max);
    buf_addc(b, '\n');
}

int cli_calc_target(const struct cli *cli, enum calc_mode *mode, double *target, int *metric)
{
    if (isnan(cli->interactivity) == isnan(cli->throughput)) {
        msg_error("%s: give one target: --interactivity X (tok/s/user) or --throughput Y "
                  "(tok/s/GPU)",
                  cli->cmd_name);
        return EXIT_USAGE;
    }
    *mode = isnan(cli->throughput) ? CALC_INTERACTIVITY : CALC_THROUGHPUT;
    *target = *mode == CALC_INTERACTIVITY ? cli->interactivity : cli->throughput;
    *metric = cli_calc_metric(cli, *mode);
    return *metric < 0 ? EXIT_USAGE : EXIT_OK;
}

void cli_answers(struct buf *out, const struct pareto *p, enum calc_mode mode, double target,
                 int metric, const struct run_list *runs, const char *date, size_t *answered)
{
    for (size_t i = 0; i < p->n; i++) {
        struct calc_answer a;
        calc_at(&p->v[i], mode, target, &a);
        calc_require(&a, metric);
        if (date) {
            buf_adds(out, date);
            buf_addc(out, ',');
        }
        cell_answer(out, &p->v[i], mode, target, metric, &a, runs);
        *answered += a.ok;
    }
}

int cli_write_text(const struct cli *cli, const struct buf *text)
{
    struct out o;
    int status = out_open(&o, cli->output ? cli->output : "-", 0);

    if (status != EXIT_OK)
        return status;
    if (fwrite(text->p, 1, text->len, o.fp) != text->len || fflush(o.fp) != 0) {
        msg_error("cannot write '%s': %s%s", o.label, strerror(errno),
                  o.af.tmp ? " (the previous file, if any, is unchanged)" : "");
        out_abort(&o);
        return EXIT_FS;
    }
    return out_commit(&o);
}

/* A column named by --metric that is not a known metric: its source field in the rows, or NULL. */
static char *find_column(struct trow *const *rows, size_t n, const char *name, int *numeric)
{
    struct buf csv = BUF_INIT_MAX(FIELDS_NAME_MAX);
    char *found = NULL;

    *numeric = 0;
    for (size_t i = 0; i < n && !*numeric; i++) {
        for (uint32_t f = 0; f < rows[i]->n && !*numeric; f++) {
            const char *src = rows[i]->text + rows[i]->f[f].key;
            if (found ? strcmp(src, found) : 0)
                continue;
            buf_reset(&csv);
            fields_csv_name(src, &csv);
            if (!found && (!strcmp(src, name) || !strcmp(csv.p, name)))
                found = xstrdup(src);
            /* a column of text (framework) has no y: say so rather than leave every row out */
            if (found && !strcmp(src, found))
                *numeric = rows[i]->f[f].kind == VAL_NUM;
        }
    }
    buf_release(&csv);
    return found;
}

/* Lower is better for costs, energies and times; higher for everything else. */
static char better_of(const char *name)
{
    static const char *const lower[] = {"cost", "joules", "time", "latency", "ttft",
                                        "tpot", "itl",    "e2el", "energy",  "power"};
    for (size_t i = 0; i < sizeof(lower) / sizeof(lower[0]); i++)
        if (strstr(name, lower[i]))
            return 'l';
    return 'h';
}

int cli_resolve_metric(const struct cli *cli, struct trow *const *rows, size_t n,
                       struct pareto_opts *po, char **column)
{
    int numeric;

    po->y = cli->metric ? metric_lookup(cli->metric) : M_TPUT;
    if (po->y >= 0)
        return EXIT_OK;
    *column = find_column(rows, n, cli->metric, &numeric);
    if (!*column) {
        msg_error("invalid value '%s' for --metric: not a metric (throughput, costh, tpmw, jpt, "
                  "... see imx(1)) nor a column of the rows",
                  cli->metric);
        return EXIT_USAGE;
    }
    if (!numeric) {
        msg_error("invalid value '%s' for --metric: the rows hold no number in this column",
                  cli->metric);
        return EXIT_USAGE;
    }
    po->y_column = *column;
    po->y_better = better_of(cli->metric);
    return EXIT_OK;
}
