/* figure: struct pareto -> struct chart (see figure.h). Words and units live here, the
 * numbers come from the analysis unchanged. */
#include "render/figure.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    int metric;
    const char *title, *noun;
} metric_words[] = {
    {M_TPUT, "Token throughput per GPU (tok/s/gpu)", "throughput per GPU"},
    {M_OUTPUT_TPUT, "Output token throughput per GPU (tok/s/gpu)", "output throughput per GPU"},
    {M_INPUT_TPUT, "Input token throughput per GPU (tok/s/gpu)", "input throughput per GPU"},
    {M_INTVTY, "Interactivity (tok/s/user)", "interactivity"},
    {M_E2EL, "End-to-end latency, median (s)", "end-to-end latency"},
    {M_TTFT_P99, "Time to first token, P99 (s)", "P99 time to first token"},
    {M_TTFT_MEDIAN, "Time to first token, median (s)", "median time to first token"},
    {M_CONC, "Concurrency (requests)", "concurrency"},
    {M_TOTAL_GPUS, "GPUs", "GPUs"},
    {M_COSTH, "Cost, owning as a hyperscaler ($ per million tokens)", "cost (hyperscaler)"},
    {M_COSTN, "Cost, owning as a neocloud ($ per million tokens)", "cost (neocloud)"},
    {M_COSTR, "Cost, 3-year rental ($ per million tokens)", "cost (3-year rental)"},
    {M_COSTH_OUT, "Output cost, owning as a hyperscaler ($ per million tokens)",
     "output cost (hyperscaler)"},
    {M_COSTN_OUT, "Output cost, owning as a neocloud ($ per million tokens)",
     "output cost (neocloud)"},
    {M_COSTR_OUT, "Output cost, 3-year rental ($ per million tokens)", "output cost (rental)"},
    {M_COSTH_IN, "Input cost, owning as a hyperscaler ($ per million tokens)",
     "input cost (hyperscaler)"},
    {M_COSTN_IN, "Input cost, owning as a neocloud ($ per million tokens)",
     "input cost (neocloud)"},
    {M_COSTR_IN, "Input cost, 3-year rental ($ per million tokens)", "input cost (rental)"},
    {M_TPMW, "Tokens per second per all-in utility MW (tok/s/MW)", "tokens per MW"},
    {M_TPMW_OUT, "Output tokens per second per all-in MW (tok/s/MW)", "output tokens per MW"},
    {M_TPMW_IN, "Input tokens per second per all-in MW (tok/s/MW)", "input tokens per MW"},
    {M_JPT, "All-in joules per token (J/tok)", "joules per token"},
    {M_JPT_OUT, "All-in joules per output token (J/tok)", "joules per output token"},
    {M_JPT_IN, "All-in joules per input token (J/tok)", "joules per input token"},
};

static int word_index(int metric)
{
    for (size_t i = 0; i < sizeof(metric_words) / sizeof(metric_words[0]); i++)
        if (metric_words[i].metric == metric)
            return (int)i;
    return -1;
}

const char *figure_metric_title(int metric)
{
    int i = word_index(metric);
    if (i >= 0)
        return metric_words[i].title;
    return metric >= 0 && metric < NMETRIC ? metric_info[metric].name : "";
}

const char *figure_metric_noun(int metric)
{
    int i = word_index(metric);
    if (i >= 0)
        return metric_words[i].noun;
    return metric >= 0 && metric < NMETRIC ? metric_info[metric].short_name : "";
}

void figure_series_name(const struct series *s, struct buf *out)
{
    for (const char *g = s->gpu; *g; g++)
        buf_addc(out, (char)toupper((unsigned char)*g));
    buf_addf(out, " %s", s->framework);
    if (s->spec && *s->spec && strcmp(s->spec, "none"))
        buf_addf(out, " %s", s->spec);
    if (s->disagg)
        buf_adds(out, " disagg");
    buf_addf(out, " %s", s->precision);
}

static const char *kv_or(const struct trow *t, int k, const char *dflt)
{
    return t->kv[k] ? t->kv[k] : dflt;
}

void figure_point_label(const struct trow *t, struct buf *out)
{
    const char *d = t->kv[K_DISAGG];

    if (d && (!strcmp(d, "true") || !strcmp(d, "1"))) {
        /* prefill and decode workers, each with its own parallelism */
        buf_addf(out, "P%sxTP%s D%sxTP%s", kv_or(t, K_P_NW, "?"), kv_or(t, K_P_TP, "?"),
                 kv_or(t, K_D_NW, "?"), kv_or(t, K_D_TP, "?"));
    } else {
        buf_addf(out, "TP%s", kv_or(t, K_TP, "?"));
        if (t->kv[K_EP] && strcmp(t->kv[K_EP], "1") && strcmp(t->kv[K_EP], "0"))
            buf_addf(out, " EP%s", t->kv[K_EP]);
    }
    if (t->kv[K_DPA] && !strcmp(t->kv[K_DPA], "true"))
        buf_adds(out, " DPA");
    buf_addf(out, " c%s", kv_or(t, K_CONC, "?"));
}

static void seq_one(const char *v, struct buf *out)
{
    char *end;
    long n = v ? strtol(v, &end, 10) : 0;

    if (v && *v && !*end && n > 0 && n % 1024 == 0)
        buf_addf(out, "%ldk", n / 1024);
    else
        buf_adds(out, v && *v ? v : "?");
}

void figure_seq_name(const char *isl, const char *osl, struct buf *out)
{
    seq_one(isl, out);
    buf_addc(out, '/');
    seq_one(osl, out);
}

/* Six significant digits: what a reader compares (the table and CSV keep every digit). */
static void num(struct buf *out, double v)
{
    buf_addf(out, "%.6g", v);
}

/* What hovering a point tells: the series, the configuration, both coordinates, the run. */
static void point_tip(const struct apoint *a, const struct buf *name, int x_metric, int y_metric,
                      const char *y_title, const struct run_list *runs, struct buf *out)
{
    const struct run_info *ri =
        runs && a->row->rank.run < runs->n ? &runs->v[a->row->rank.run] : NULL;

    buf_addf(out, "%s\n", name->p);
    figure_point_label(a->row, out);
    buf_addf(out, "\n%s: ", y_metric >= 0 ? figure_metric_noun(y_metric) : y_title);
    num(out, a->y);
    buf_addf(out, "\n%s: ", figure_metric_noun(x_metric));
    num(out, a->x);
    buf_addf(out, "\nhw %s", kv_or(a->row, K_HW, "?"));
    if (ri)
        buf_addf(out, ", run %s (%.10s)", ri->id, ri->created_at ? ri->created_at : "undated");
}

/* Where a run came from, as its run.json says: imx_source ("gcs-backup", "api"), else GitHub. */
static const char *run_origin(const struct run_info *ri)
{
    return ri->source ? ri->source : ri->has_meta ? "github" : "unknown source";
}

/* The footnote: the runs the points come from (date range, how many, where from), the source,
 * imx. */
static void footnote(const struct pareto *p, const struct run_list *runs,
                     const struct figure_opts *o, struct buf *out)
{
    const char *first = NULL, *last = NULL;
    size_t nruns = 0, norig = 0;
    char *seen = runs ? xcalloc(runs->n + 1, 1) : NULL;
    const char **orig = runs ? xcalloc(runs->n + 1, sizeof(*orig)) : NULL;

    for (size_t i = 0; i < p->n && runs; i++) {
        for (size_t j = 0; j < p->v[i].n; j++) {
            uint32_t r = p->v[i].p[j].row->rank.run;
            const char *d;
            size_t k;
            if (r >= runs->n || seen[r])
                continue;
            seen[r] = 1;
            nruns++;
            for (k = 0; k < norig && strcmp(orig[k], run_origin(&runs->v[r])); k++)
                ;
            if (k == norig)
                orig[norig++] = run_origin(&runs->v[r]);
            d = runs->v[r].created_at;
            if (!d)
                continue;
            if (!first || strncmp(d, first, 10) < 0)
                first = d;
            if (!last || strncmp(d, last, 10) > 0)
                last = d;
        }
    }
    if (first && strncmp(first, last, 10))
        buf_addf(out, "InferenceX runs of %.10s to %.10s (%zu", first, last, nruns);
    else if (first)
        buf_addf(out, "InferenceX runs of %.10s (%zu", first, nruns);
    else
        buf_addf(out, "%zu InferenceX runs (dates unknown", nruns);
    for (size_t k = 0; k < norig; k++)
        buf_addf(out, "%s%s", k ? ", " : "; from ", orig[k]);
    buf_addc(out, ')');
    free(seen);
    free(orig);
    if (o->source)
        buf_addf(out, " · %s", o->source);
    buf_adds(out,
             " · newest row per configuration, each series' newest run day · imx " IMX_VERSION);
}

void figure_build(struct chart *c, const struct pareto *p, int x_metric, int y_metric,
                  const char *y_title, const struct run_list *runs, const struct figure_opts *o)
{
    struct buf name = BUF_INIT, label = BUF_INIT, tip = BUF_INIT, t = BUF_INIT;
    char *precisions = NULL;

    if (o->width > 0)
        c->width = o->width;
    if (o->height > 0)
        c->height = o->height;
    c->annotate = o->annotate;
    c->x.log = o->log_x;
    c->y.log = o->log_y;
    chart_set_text(&c->x.title, figure_metric_title(x_metric));
    chart_set_text(&c->y.title, y_metric >= 0 ? figure_metric_title(y_metric) : y_title);

    for (size_t i = 0; i < p->n; i++) {
        const struct aseries *as = &p->v[i];
        struct chart_series *cs;

        /* a series whose every row was left out (a cost above the limit, no y) has nothing to
         * draw: no legend entry for it, as imx pareto writes no row for it */
        if (!as->n)
            continue;
        buf_reset(&name);
        figure_series_name(&as->id, &name);
        cs = chart_add_series(c, name.p, as->id.gpu, as->id.framework);
        for (size_t j = 0; j < as->n; j++) {
            const struct apoint *a = &as->p[j];
            buf_reset(&label);
            buf_reset(&tip);
            figure_point_label(a->row, &label);
            point_tip(a, &name, x_metric, y_metric, y_title, runs, &tip);
            chart_add_point(cs, a->x, a->y, a->on_front, label.p, tip.p);
        }
    }

    /* the title: model, sequence lengths, precisions (each once, in series order) */
    if (p->n) {
        buf_adds(&t, o->model_name ? o->model_name : p->v[0].id.prefix);
        buf_adds(&t, " · ");
        figure_seq_name(p->v[0].id.isl, p->v[0].id.osl, &t);
        buf_adds(&t, " · ");
        for (size_t i = 0, k = 0; i < p->n; i++) {
            size_t j;
            for (j = 0; j < i && (!p->v[j].n || strcmp(p->v[j].id.precision, p->v[i].id.precision));
                 j++)
                ;
            if (j == i && p->v[i].n)
                buf_addf(&t, "%s%s", k++ ? ", " : "", p->v[i].id.precision);
        }
    } else {
        buf_adds(&t, o->model_name ? o->model_name : "no series");
    }
    chart_set_text(&c->title, t.p);
    buf_reset(&t);
    if (o->what)
        buf_adds(&t, o->what);
    else
        buf_addf(&t, "%s vs %s", y_metric >= 0 ? figure_metric_noun(y_metric) : y_title,
                 figure_metric_noun(x_metric));
    buf_addf(&t, " · %zu series, %zu points, Pareto fronts (%s)", c->nseries, p->st.points,
             front_dir_name(p->dir));
    t.p[0] = (char)toupper((unsigned char)t.p[0]);
    chart_set_text(&c->subtitle, t.p);
    buf_reset(&t);
    footnote(p, runs, o, &t);
    chart_set_text(&c->footnote, t.p);
    chart_style(c);
    free(precisions);
    buf_release(&name);
    buf_release(&label);
    buf_release(&tip);
    buf_release(&t);
}
