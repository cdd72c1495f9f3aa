/* report: the offline HTML report (see report.h). Charts are the chart renderer's SVG inlined
 * with prefixed ids; hovering a point shows its configuration through a few lines of inline
 * script reading the points' positions from the chart's data-points attribute. */
#include "render/report.h"
#include "analysis/calc.h"
#include "analysis/pareto.h"
#include "cache/store.h"
#include "render/figure.h"
#include "table/filter.h"
#include "util/date.h"
#include "util/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX ((size_t)512 << 20)
/* A page that ends closer than this to REPORT_MAX may have lost a part on the way. */
#define REPORT_TAIL_ROOM ((size_t)64 << 10)
#define CHART_W 640
#define CHART_H 600

void html_escape(struct buf *out, const char *s)
{
    struct buf shown = BUF_INIT;

    /* controls, bidirectional overrides and invalid UTF-8 as \xNN first: text from the data
     * neither reorders the page nor makes its inline SVG ill-formed XML */
    if (s)
        buf_add_shown(&shown, s, strlen(s));
    for (size_t i = 0; i < shown.len; i++) {
        switch (shown.p[i]) {
        case '&':
            buf_adds(out, "&amp;");
            break;
        case '<':
            buf_adds(out, "&lt;");
            break;
        case '>':
            buf_adds(out, "&gt;");
            break;
        case '"':
            buf_adds(out, "&quot;");
            break;
        case '\'':
            buf_adds(out, "&#39;");
            break;
        default:
            buf_addc(out, shown.p[i]);
        }
    }
    buf_release(&shown);
}

static const char style[] =
    "<style>\n"
    ":root{color-scheme:light}\n"
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "margin:0 auto;max-width:1000px;padding:0 14px 40px;color:#1b1b1b;background:#fff}\n"
    "h1{font-size:1.55em;margin:.8em 0 .2em}h2{font-size:1.3em;border-bottom:1px solid #ddd;"
    "padding-bottom:.2em;margin-top:2.2em}h3{font-size:1.05em;margin-top:1.6em}\n"
    ".meta,figcaption,.note{color:#555;font-size:.86em}\n"
    "figure{margin:1em 0}.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}\n"
    "svg.chart{display:block;width:100%;min-width:560px;max-width:860px;height:auto;"
    "border:1px solid #eee;"
    "border-radius:4px}\n"
    "table{border-collapse:collapse;font-size:.86em;margin:.4em 0}\n"
    "th,td{padding:3px 9px;border-bottom:1px solid #e6e6e6;text-align:right;white-space:nowrap;"
    "vertical-align:top}th{background:#f6f6f6}th:first-child,td:first-child{text-align:left}\n"
    "td small{color:#666}\n"
    "nav ol{columns:2;padding-left:1.4em}nav li{break-inside:avoid}\n"
    "#tip{position:absolute;display:none;background:#fff;border:1px solid #888;"
    "border-radius:4px;padding:5px 8px;font-size:12px;line-height:1.35;white-space:pre-line;"
    "pointer-events:none;box-shadow:0 2px 8px rgba(0,0,0,.18);max-width:300px;z-index:9}\n"
    "@media (max-width:640px){body{font-size:14px;padding:0 10px 30px}nav ol{columns:1}}\n"
    "@media print{#tip{display:none!important}body{max-width:none;padding:0}"
    "section{break-before:page}figure,table{break-inside:avoid}svg.chart{min-width:0;border:0}a{"
    "color:inherit;"
    "text-decoration:none}.scroll{overflow:visible}}\n"
    "</style>\n";

/* Hover: the nearest point within 12 units of the pointer shows its tip (mouse or tap). */
static const char script[] =
    "<script>\n"
    "(function(){var tip=document.getElementById('tip');\n"
    "document.querySelectorAll('svg.chart[data-points]').forEach(function(svg){\n"
    "var pts=JSON.parse(svg.getAttribute('data-points'));\n"
    "function show(ev){var m=svg.getScreenCTM();if(!m)return;var p=svg.createSVGPoint();\n"
    "p.x=ev.clientX;p.y=ev.clientY;p=p.matrixTransform(m.inverse());var best=null,bd=144;\n"
    "pts.forEach(function(q){var dx=q[0]-p.x,dy=q[1]-p.y,d=dx*dx+dy*dy;if(d<bd){bd=d;best=q;}});\n"
    "if(!best){tip.style.display='none';return;}tip.textContent=best[2];\n"
    "tip.style.display='block';tip.style.left=Math.min(ev.pageX+12,"
    "document.documentElement.scrollWidth-310)+'px';tip.style.top=(ev.pageY+14)+'px';}\n"
    "svg.addEventListener('mousemove',show);svg.addEventListener('click',show);\n"
    "svg.addEventListener('mouseleave',function(){tip.style.display='none';});});})();\n"
    "</script>\n";

/* One group of rows: a model and a sequence pair. */
struct group {
    size_t first, n; /* into the group-sorted rows */
};

static int group_cmp_rows(const struct trow *a, const struct trow *b)
{
    int c = table_cmp_values(a->kv[K_PREFIX], b->kv[K_PREFIX]);
    if (!c)
        c = table_cmp_values(a->kv[K_ISL], b->kv[K_ISL]);
    if (!c)
        c = table_cmp_values(a->kv[K_OSL], b->kv[K_OSL]);
    return c;
}

/* Sorts rows by model and sequence pair, stably: each group keeps the table's order. */
static void group_sort(struct trow **rows, size_t n)
{
    struct trow **sorted = xmalloc((n + 1) * sizeof(*sorted));

    for (size_t i = 0; i < n; i++) {
        size_t lo = 0, hi = i;
        /* insertion position: after every row of a group that sorts before or equal */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (group_cmp_rows(sorted[mid], rows[i]) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        memmove(sorted + lo + 1, sorted + lo, (i - lo) * sizeof(*sorted));
        sorted[lo] = rows[i];
    }
    memcpy(rows, sorted, n * sizeof(*rows));
    free(sorted);
}

static void anchor_of(const struct trow *t, struct buf *out)
{
    buf_addf(out, "%s-", t->kv[K_PREFIX] ? t->kv[K_PREFIX] : "unknown");
    figure_seq_name(t->kv[K_ISL], t->kv[K_OSL], out);
    for (size_t i = 0; i < out->len; i++)
        if (out->p[i] == '/')
            out->p[i] = '-';
}

static void heading_of(const struct trow *t, struct buf *out)
{
    const char *model = trow_get(t, "model");
    buf_addf(out, "%s", t->kv[K_PREFIX] ? t->kv[K_PREFIX] : "unknown model");
    if (model)
        buf_addf(out, " (%s)", model);
    buf_adds(out, ", ISL/OSL ");
    figure_seq_name(t->kv[K_ISL], t->kv[K_OSL], out);
}

/* The chart kinds of a section: the dashboard's main chart and its siblings. */
static const struct {
    int x, y;
    const char *what;
} kinds[] = {
    {M_INTVTY, M_TPUT, "Throughput per GPU vs interactivity"},
    {M_INTVTY, M_COSTH, "Cost per million tokens (owning as a hyperscaler) vs interactivity"},
    {M_INTVTY, M_TPMW, "Tokens per second per all-in utility megawatt vs interactivity"},
    {M_E2EL, M_TPUT, "Throughput per GPU vs end-to-end latency"},
};

/* The data-points attribute: [[x, y, tip], ...] in the chart's user units, HTML-escaped. */
static void points_attr(const struct chart *c, struct buf *out)
{
    struct chart_frame f;
    struct imx_err err = IMX_ERR_INIT;
    struct buf json = BUF_INIT_MAX(REPORT_MAX);
    size_t k = 0;

    if (chart_layout(c, &f, &err) < 0)
        return;
    buf_addc(&json, '[');
    for (size_t i = 0; i < c->nseries; i++) {
        for (size_t j = 0; j < c->series[i].n; j++) {
            const struct chart_point *p = &c->series[i].pts[j];
            double u, v;
            if (chart_frame_map(&f, p->x, p->y, &u, &v) < 0)
                continue;
            buf_addf(&json, "%s[%.1f,%.1f,", k++ ? "," : "", u, v);
            buf_add_json(&json, p->tip ? p->tip : "");
            buf_addc(&json, ']');
        }
    }
    buf_addc(&json, ']');
    buf_adds(out, "data-points=\"");
    html_escape(out, json.p);
    buf_addc(out, '"');
    buf_release(&json);
}

/*
 * Every series of a section's rows (each newest row per configuration, no display limit) in one
 * styled chart: the section's charts take their colours and markers from it, so a series keeps
 * its colour from chart to chart, though a chart may lack some series (costs above the limit,
 * a trend that does not reach its target).
 */
static int section_style(struct chart *look, struct trow *const *rows, size_t n,
                         const struct extract *x, const struct report_opts *o, struct imx_err *err)
{
    struct pareto_opts po;
    struct pareto p;
    struct buf name = BUF_INIT;
    int r;

    pareto_opts_init(&po);
    po.gpus = o->gpus;
    po.runs = &x->runs;
    po.dedup = DEDUP_CONFIG;
    po.max_cost = INFINITY;
    po.max_ttft = INFINITY;
    chart_init(look);
    if ((r = pareto_build(&p, rows, n, &po, err)) < 0)
        return r;
    for (size_t i = 0; i < p.n; i++) {
        buf_reset(&name);
        figure_series_name(&p.v[i].id, &name);
        chart_add_series(look, name.p, p.v[i].id.gpu, p.v[i].id.framework);
    }
    chart_style(look);
    pareto_release(&p);
    buf_release(&name);
    return 0;
}

static int chart_section(struct buf *out, struct trow *const *rows, size_t n,
                         const struct extract *x, const struct report_opts *o, size_t kind,
                         const struct chart *look, size_t idx, struct report_stats *st,
                         struct imx_err *err)
{
    struct pareto_opts po;
    struct pareto p;
    struct chart c;
    struct chart_stats cst;
    struct figure_opts fo;
    struct buf attrs = BUF_INIT_MAX(REPORT_MAX), prefix = BUF_INIT_MAX(BUF_WORD_MAX);
    int r;

    pareto_opts_init(&po);
    po.x = kinds[kind].x;
    po.y = kinds[kind].y;
    po.gpus = o->gpus;
    po.runs = &x->runs;
    po.dedup = DEDUP_DASHBOARD;
    if ((r = pareto_build(&p, rows, n, &po, err)) < 0)
        return r;
    memset(&fo, 0, sizeof(fo));
    fo.width = CHART_W;
    fo.height = CHART_H;
    fo.what = kinds[kind].what;
    chart_init(&c);
    figure_build(&c, &p, po.x, po.y, NULL, &x->runs, &fo);
    chart_take_style(&c, look);
    c.legend_below = 1; /* a page may be a phone's: the plot keeps the chart's whole width */
    points_attr(&c, &attrs);
    buf_adds(&attrs, " aria-label=\"");
    html_escape(&attrs, c.title);
    buf_adds(&attrs, ": ");
    html_escape(&attrs, kinds[kind].what);
    buf_addc(&attrs, '"');
    buf_addf(&prefix, "c%zu", idx);
    buf_adds(out, "<figure><div class=\"scroll\">");
    r = chart_render_inline(&c, prefix.p, attrs.p, out, &cst, err);
    if (r == 0) {
        buf_adds(out, "</div><figcaption>");
        html_escape(out, kinds[kind].what);
        buf_addf(out, ": %zu series, %zu points, %zu on fronts", c.nseries, cst.points, p.st.front);
        if (p.st.older_day)
            buf_addf(out, "; %zu rows of older run days left out", p.st.older_day);
        if (p.st.no_y)
            buf_addf(out, "; %zu rows without this metric", p.st.no_y);
        if (p.st.over_cost)
            buf_addf(out, "; %zu rows above the chart's cost limit", p.st.over_cost);
        if (p.n_no_constants_gpus)
            buf_addf(out, "; %zu GPUs without cost or power constants", p.n_no_constants_gpus);
        buf_adds(out, ".</figcaption></figure>\n");
        st->charts++;
        st->points += cst.points;
    }
    chart_release(&c);
    pareto_release(&p);
    buf_release(&attrs);
    buf_release(&prefix);
    return r;
}

void report_trend_init(struct report_trend *t, double target, const struct gpu_table *g,
                       const struct row_filter *filter)
{
    memset(t, 0, sizeof(*t));
    t->target = target;
    t->gpus = g;
    t->filter = filter;
    table_init(&t->rows);
}

static struct report_trend_series *trend_series(struct report_trend *t, const char *group,
                                                const struct series *id, const char *name)
{
    struct report_trend_series *s;

    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->s[i].group, group) && !strcmp(t->s[i].name, name))
            return &t->s[i];
    ALLOC_GROW(t->s, t->n + 1, t->cap);
    s = &t->s[t->n++];
    memset(s, 0, sizeof(*s));
    s->group = xstrdup(group);
    s->name = xstrdup(name);
    s->gpu = xstrdup(id->gpu);
    s->framework = xstrdup(id->framework);
    return s;
}

/* The calculator over one run day's rows, group by group; the day's rows are then freed. */
static int trend_flush(struct report_trend *t)
{
    struct buf anchor = BUF_INIT, name = BUF_INIT, tip = BUF_INIT;
    long day = date_days(t->day);
    int r = 0;

    size_t nrows;
    struct trow **rows = table_sorted(&t->rows, &nrows);

    group_sort(rows, nrows);
    for (size_t i = 0; i < nrows && r == 0 && day >= 0;) {
        size_t j = i + 1;
        struct pareto_opts po;
        struct pareto p;

        while (j < nrows && !group_cmp_rows(rows[i], rows[j]))
            j++;
        buf_reset(&anchor);
        anchor_of(rows[i], &anchor);
        calc_pareto_opts(&po, CALC_INTERACTIVITY, t->gpus, NULL);
        r = pareto_build(&p, rows + i, j - i, &po, &t->err);
        for (size_t k = 0; r == 0 && k < p.n; k++) {
            struct calc_answer a;
            struct report_trend_series *s;
            struct report_trend_pt *pt;

            calc_at(&p.v[k], CALC_INTERACTIVITY, t->target, &a);
            if (!a.ok || isnan(a.v[M_TPUT]))
                continue;
            buf_reset(&name);
            figure_series_name(&p.v[k].id, &name);
            s = trend_series(t, anchor.p, &p.v[k].id, name.p);
            buf_reset(&tip);
            buf_addf(&tip, "%s\n%s: %.6g tok/s/gpu at %g tok/s/user\nbetween ", name.p, t->day,
                     a.v[M_TPUT], t->target);
            figure_point_label(a.lo->row, &tip);
            buf_adds(&tip, " and ");
            figure_point_label(a.hi->row, &tip);
            ALLOC_GROW(s->p, s->n + 1, s->cap);
            pt = &s->p[s->n++];
            pt->day = (double)day;
            pt->v = a.v[M_TPUT];
            pt->tip = buf_detach(&tip, NULL);
        }
        if (r == 0)
            pareto_release(&p);
        i = j;
    }
    free(rows);
    table_release(&t->rows);
    table_init(&t->rows);
    buf_release(&anchor);
    buf_release(&name);
    buf_release(&tip);
    return r;
}

int report_trend_run(void *ud, const struct run_info *run, struct trow **rows, size_t n)
{
    struct report_trend *t = ud;
    char day[11] = "";

    /* undated runs have no place on a time axis */
    if (!run->created_at || date_timestamp_day(run->created_at, day) < 0)
        return 0;
    if (strcmp(day, t->day)) {
        if (t->rows.count && trend_flush(t) < 0)
            return -t->err.code;
        memcpy(t->day, day, sizeof(t->day));
        t->days++;
    }
    if (t->filter)
        n = row_filter_keep(t->filter, rows, n);
    for (size_t i = 0; i < n; i++)
        table_put(&t->rows, trow_clone(rows[i]));
    return 0;
}

int report_trend_finish(struct report_trend *t)
{
    if (t->rows.count && trend_flush(t) < 0)
        return -t->err.code;
    return 0;
}

void report_trend_release(struct report_trend *t)
{
    table_release(&t->rows);
    for (size_t i = 0; i < t->n; i++) {
        for (size_t j = 0; j < t->s[i].n; j++)
            free(t->s[i].p[j].tip);
        free(t->s[i].p);
        free(t->s[i].group);
        free(t->s[i].name);
        free(t->s[i].gpu);
        free(t->s[i].framework);
    }
    free(t->s);
    memset(t, 0, sizeof(*t));
}

/* The trend chart of a section, when its series span two run days or more. */
static int trend_section(struct buf *out, const char *anchor, const struct report_trend *t,
                         const struct chart *look, const char *cache, size_t idx,
                         struct report_stats *st, struct imx_err *err)
{
    struct chart c;
    struct chart_stats cst;
    struct buf attrs = BUF_INIT_MAX(REPORT_MAX), txt = BUF_INIT,
               prefix = BUF_INIT_MAX(BUF_WORD_MAX);
    double first = INFINITY, last = -INFINITY;
    char a_day[16], b_day[16];
    size_t nseries = 0;
    int r = 0;

    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->s[i].group, anchor))
            continue;
        for (size_t j = 0; j < t->s[i].n; j++) {
            first = fmin(first, t->s[i].p[j].day);
            last = fmax(last, t->s[i].p[j].day);
        }
    }
    if (!(last > first))
        return 0; /* one run day (or none): nothing to trend */
    chart_init(&c);
    c.width = CHART_W;
    c.height = CHART_H;
    c.legend_below = 1;
    c.x.dates = 1;
    date_format((long)first, a_day);
    date_format((long)last, b_day);
    buf_addf(&txt, "Run day (UTC, %s to %s)", a_day, b_day);
    chart_set_text(&c.x.title, txt.p);
    buf_reset(&txt);
    buf_addf(&txt, "Throughput per GPU at %g tok/s/user (tok/s/gpu)", t->target);
    chart_set_text(&c.y.title, txt.p);
    /* in the order of the section's other charts (their legends'), then any other series */
    for (size_t k = 0; k <= look->nseries; k++) {
        for (size_t i = 0; i < t->n; i++) {
            const struct report_trend_series *s = &t->s[i];
            struct chart_series *cs;
            size_t at;
            if (strcmp(s->group, anchor))
                continue;
            for (at = 0; at < look->nseries && strcmp(look->series[at].name, s->name); at++)
                ;
            if (at != k)
                continue;
            cs = chart_add_series(&c, s->name, s->gpu, s->framework);
            for (size_t j = 0; j < s->n; j++)
                chart_add_point(cs, s->p[j].day, s->p[j].v, 1, NULL, s->p[j].tip);
            nseries++;
        }
    }
    buf_reset(&txt);
    buf_addf(&txt, "Trend: throughput per GPU at %g tok/s/user, run day by run day", t->target);
    chart_set_text(&c.title, txt.p);
    chart_set_text(&c.subtitle, "the calculator over every row of every run of each day");
    buf_reset(&txt);
    buf_addf(&txt, "InferenceX run days of %s to %s · cache %s · imx " IMX_VERSION, a_day, b_day,
             cache);
    chart_set_text(&c.footnote, txt.p);
    chart_style(&c);
    chart_take_style(&c, look);
    points_attr(&c, &attrs);
    buf_adds(&attrs, " aria-label=\"");
    html_escape(&attrs, c.title);
    buf_addc(&attrs, '"');
    buf_addf(&prefix, "t%zu", idx);
    buf_adds(out, "<h3>Trend</h3>\n<figure><div class=\"scroll\">");
    r = chart_render_inline(&c, prefix.p, attrs.p, out, &cst, err);
    if (r == 0) {
        buf_addf(out,
                 "</div><figcaption>%zu series, %zu values; a run day without a value "
                 "for a series: its front does not reach %g tok/s/user that day, or it was "
                 "not measured.</figcaption></figure>\n",
                 nseries, cst.points, t->target);
        st->charts++;
        st->points += cst.points;
    }
    chart_release(&c);
    buf_release(&attrs);
    buf_release(&txt);
    buf_release(&prefix);
    return r;
}

/* The largest changes shown per section. */
#define CHANGES_TOP 10

struct tput_change {
    double pct;
    const struct diff_entry *e;
};

static int cmp_change(const void *a, const void *b)
{
    const struct tput_change *x = a, *y = b;
    double ax = fabs(x->pct), ay = fabs(y->pct);
    if (ax != ay)
        return ax < ay ? 1 : -1;
    return (x->e > y->e) - (x->e < y->e); /* entries come in table order */
}

/* "From run A (day) to run B (day) (the merged tables as of each): " */
static void from_to(struct buf *out, const struct report_opts *o)
{
    buf_adds(out, "From ");
    html_escape(out, o->old_run);
    buf_adds(out, " to ");
    html_escape(out, o->new_run);
    buf_adds(out, " (the merged tables as of each): ");
}

/* The changes since the previous run day of one section: counts, then the largest changes of
 * throughput per GPU. */
static void changes_section(struct buf *out, const struct trow *first, const struct report_opts *o,
                            struct report_stats *st)
{
    size_t count[4] = {0, 0, 0, 0}, nbig = 0, cap = 0;
    struct tput_change *big = NULL;
    struct buf cfg = BUF_INIT_MAX(BUF_TEXT_MAX);

    buf_adds(out, "<h3>Changes since the previous run</h3>\n");
    if (!o->old_run) {
        buf_adds(out, "<p class=\"meta\">Only one run day in the selection: nothing to "
                      "compare.</p>\n");
        return;
    }
    for (size_t i = 0; i < o->nchanges; i++) {
        const struct diff_entry *e = &o->changes[i];
        double p;
        if (group_cmp_rows(e->new ? e->new : e->old, first))
            continue;
        count[e->status]++;
        if (e->status == DIFF_CHANGED &&
            diff_change(trow_get(e->old, "tput_per_gpu"), trow_get(e->new, "tput_per_gpu"), &p) &&
            p != 0) {
            ALLOC_GROW(big, nbig + 1, cap);
            big[nbig++] = (struct tput_change){p, e};
        }
    }
    if (nbig)
        qsort(big, nbig, sizeof(*big), cmp_change);
    buf_adds(out, "<p class=\"meta\">");
    from_to(out, o);
    buf_addf(out, "%zu configurations added, %zu removed, %zu changed, %zu unchanged.</p>\n",
             count[DIFF_ADDED], count[DIFF_REMOVED], count[DIFF_CHANGED], count[DIFF_SAME]);
    buf_addf(out,
             "<div class=\"scroll\"><table class=\"changes\"><caption>Changes of "
             "throughput per GPU (tok/s/gpu), largest first%s</caption>\n<thead><tr><th>"
             "Configuration</th><th>Old</th><th>New</th><th>Change</th></tr></thead><tbody>\n",
             nbig > CHANGES_TOP ? " (the first 10)" : "");
    if (!nbig)
        buf_adds(out, "<tr><td colspan=\"4\">No throughput per GPU changed.</td></tr>\n");
    for (size_t k = 0; k < nbig && k < CHANGES_TOP; k++) {
        buf_reset(&cfg);
        diff_describe_config(&cfg, big[k].e->new);
        buf_adds(out, "<tr><td>");
        html_escape(out, cfg.p);
        buf_adds(out, "</td><td>");
        html_escape(out, trow_get(big[k].e->old, "tput_per_gpu"));
        buf_adds(out, "</td><td>");
        html_escape(out, trow_get(big[k].e->new, "tput_per_gpu"));
        buf_addf(out, "</td><td>%+.1f%%</td></tr>\n", big[k].pct);
    }
    buf_adds(out, "</tbody></table></div>\n");
    st->tables++;
    free(big);
    buf_release(&cfg);
}

/*
 * The model and sequence pairs of the previous run day's table that no row has now (a run
 * window such as --collect-recent moved past their runs): one group each, as its first row
 * there and its configuration count, so the page says they disappeared.
 */
static size_t gone_groups(const struct report_opts *o, struct trow *const *rows,
                          const struct group *g, size_t ng, struct group **out,
                          const struct trow ***first)
{
    size_t n = 0;

    *out = xcalloc(o->nchanges + 1, sizeof(**out));
    *first = xcalloc(o->nchanges + 1, sizeof(**first));
    for (size_t i = 0; i < o->nchanges; i++) {
        const struct diff_entry *e = &o->changes[i];
        size_t k;
        if (e->new || !e->old)
            continue;
        for (k = 0; k < ng && group_cmp_rows(rows[g[k].first], e->old); k++)
            ;
        if (k < ng)
            continue;
        for (k = 0; k < n && group_cmp_rows((*first)[k], e->old); k++)
            ;
        if (k == n) {
            (*first)[n] = e->old;
            (*out)[n++].n = 0;
        }
        (*out)[k].n++;
    }
    return n;
}

static void gone_section(struct buf *out, const struct trow *first, size_t nconf,
                         const struct report_opts *o, struct buf *tmp)
{
    buf_reset(tmp);
    anchor_of(first, tmp);
    buf_adds(out, "<section id=\"");
    html_escape(out, tmp->p);
    buf_adds(out, "\"><h2>");
    buf_reset(tmp);
    heading_of(first, tmp);
    html_escape(out, tmp->p);
    buf_adds(out, "</h2>\n<h3>Changes since the previous run</h3>\n<p class=\"meta\">Gone: "
                  "no row of the selection measures this pair now. ");
    from_to(out, o);
    buf_addf(out,
             "%zu configuration%s removed, none added, changed or unchanged.</p>\n</section>\n",
             nconf, nconf == 1 ? "" : "s");
}

static const double targets[] = {20, 50, 100, 200};
#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

/* A table's number: decimals as asked, thousands grouped with commas from 10,000 up (a reader
 * compares 1,787,468 and 312,485 at a glance, not 1787468 and 312485). */
static void cell_num(struct buf *out, double v, int decimals)
{
    char digits[64];
    int n, lead;

    if (isnan(v)) {
        buf_adds(out, "–");
        return;
    }
    n = snprintf(digits, sizeof(digits), "%.*f", decimals, fabs(v));
    if (fabs(v) < 10000 || n <= 0 || (size_t)n >= sizeof(digits)) {
        buf_addf(out, "%.*f", decimals, v);
        return;
    }
    lead = (int)(strchr(digits, '.') ? strchr(digits, '.') - digits : n);
    buf_adds(out, v < 0 ? "-" : "");
    for (int i = 0; i < n; i++) {
        if (i && i < lead && (lead - i) % 3 == 0)
            buf_addc(out, ',');
        buf_addc(out, digits[i]);
    }
}

/* The calculator at standard interactivity targets: throughput per GPU, cost, tokens per MW. */
static int calc_table(struct buf *out, struct trow *const *rows, size_t n, const struct extract *x,
                      const struct report_opts *o, struct report_stats *st, struct imx_err *err)
{
    struct pareto_opts po;
    struct pareto p;
    struct buf name = BUF_INIT;
    int r;

    calc_pareto_opts(&po, CALC_INTERACTIVITY, o->gpus, &x->runs);
    if ((r = pareto_build(&p, rows, n, &po, err)) < 0)
        return r;
    buf_adds(out, "<h3>Calculator: throughput per GPU at interactivity targets</h3>\n"
                  "<p class=\"note\">Interpolated along each series' front (the dashboard's "
                  "monotone cubic, no extrapolation); below each value the cost per million "
                  "tokens (owning as a hyperscaler) and the tokens per second per all-in MW. "
                  "– : the target is outside the series' front.</p>\n"
                  "<div class=\"scroll\"><table><thead><tr><th>series (tok/s/gpu at)</th>");
    for (size_t t = 0; t < NTARGETS; t++)
        buf_addf(out, "<th>%g tok/s/user</th>", targets[t]);
    buf_adds(out, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < p.n; i++) {
        buf_reset(&name);
        figure_series_name(&p.v[i].id, &name);
        buf_adds(out, "<tr><td>");
        html_escape(out, name.p);
        buf_adds(out, "</td>");
        for (size_t t = 0; t < NTARGETS; t++) {
            struct calc_answer a;
            calc_at(&p.v[i], CALC_INTERACTIVITY, targets[t], &a);
            buf_adds(out, "<td>");
            if (!a.ok) {
                buf_adds(out, "–");
            } else {
                cell_num(out, a.v[M_TPUT], 0);
                buf_adds(out, "<br><small>$");
                cell_num(out, a.v[M_COSTH], 3);
                buf_adds(out, " · ");
                cell_num(out, a.v[M_TPMW], 0);
                buf_adds(out, "/MW</small>");
            }
            buf_adds(out, "</td>");
        }
        buf_adds(out, "</tr>\n");
    }
    buf_adds(out, "</tbody></table></div>\n");
    st->tables++;
    buf_release(&name);
    pareto_release(&p);
    return 0;
}

static const char *kind_name(enum run_kind k)
{
    switch (k) {
    case RUN_AGGREGATE:
        return "aggregate (agg_bmk.json)";
    case RUN_PERCONFIG:
        return "per-configuration artifacts";
    case RUN_RESULTS:
        return "results_* arrays";
    case RUN_API:
        return "InferenceX API rows";
    default:
        return "no result files";
    }
}

/*
 * Where a run's data came from: the sources its manifest records for the artifacts (github,
 * gcs, dir), each once, and where its run object came from when that differs ("api", a run
 * object from the backup); a run without a manifest (an API run, a copied cache) has the
 * run object's alone.
 */
static void run_sources(struct buf *out, const struct manifest *m, const char *object)
{
    size_t k = 0;

    for (size_t i = 0; i < m->n; i++) {
        const char *src = m->arts[i].source ? m->arts[i].source : "unknown";
        size_t j;
        for (j = 0; j < i && strcmp(m->arts[j].source ? m->arts[j].source : "unknown", src); j++)
            ;
        if (j < i)
            continue;
        buf_adds(out, k++ ? ", " : "");
        html_escape(out, src);
    }
    if (!k) {
        html_escape(out, object);
    } else if (strcmp(object, "github") || k > 1 || strcmp(m->arts[0].source, "github")) {
        buf_adds(out, "<br><small>run object: ");
        html_escape(out, object);
        buf_adds(out, "</small>");
    }
}

/*
 * A run's artifacts as its manifest records them (name, state, source, size, why one failed),
 * or without a manifest its result files (found again: extraction keeps only the names of files
 * whose rows it still holds, which depends on the threads' timing); folded when more than
 * three, so a run of hundreds of per-configuration artifacts takes one line until opened (no
 * script needed).
 */
static void run_artifacts(struct buf *out, const struct run_info *ri, const struct manifest *m)
{
    struct run_info found;
    size_t n, bad = 0;

    memset(&found, 0, sizeof(found));
    if (!m->n) {
        found.dir = xstrdup(ri->dir);
        run_info_find_files(&found);
    }
    n = m->n ? m->n : found.nfiles;
    for (size_t i = 0; i < m->n; i++)
        bad += m->arts[i].state != ART_COMPLETE;
    if (n > 3) {
        buf_addf(out, "<details><summary>%zu %s", n, m->n ? "artifacts" : "result files");
        if (bad)
            buf_addf(out, ", %zu not stored", bad);
        buf_adds(out, "</summary>");
    }
    for (size_t i = 0; i < n; i++) {
        buf_adds(out, i ? "<br>" : "");
        if (!m->n) {
            html_escape(out, found.files[i].rel);
            continue;
        }
        html_escape(out, m->arts[i].name);
        buf_addf(out, " <small>(%s", art_state_name(m->arts[i].state));
        if (m->arts[i].size)
            buf_addf(out, ", %llu B", m->arts[i].size);
        if (m->arts[i].error) {
            buf_adds(out, ": ");
            html_escape(out, m->arts[i].error);
        }
        buf_adds(out, ")</small>");
    }
    if (n > 3)
        buf_adds(out, "</details>");
    run_info_release(&found);
}

/* Runs, their dates and sources, how many of the report's rows each gave, what was skipped. */
static void provenance(struct buf *out, struct trow *const *rows, size_t n, const struct extract *x,
                       const struct report_opts *o, struct report_stats *st)
{
    const struct extract_stats *es = &x->st;
    size_t *used = xcalloc(x->runs.n + 1, sizeof(*used));

    for (size_t i = 0; i < n; i++)
        if (rows[i]->rank.run < x->runs.n)
            used[rows[i]->rank.run]++;
    buf_adds(out, "<section id=\"provenance\"><h2>Provenance</h2>\n<p>");
    buf_addf(out, "Read from the cache <code>");
    html_escape(out, o->cache);
    buf_addf(out,
             "</code>: %zu runs, %zu result files, %lu rows; %zu rows in this report "
             "(the newest row of each configuration",
             es->runs, es->files, es->rows, n);
    if (o->selection && *o->selection) {
        buf_adds(out, ", selected by <code>");
        html_escape(out, o->selection);
        buf_adds(out, "</code>");
    }
    buf_adds(out, ").</p>\n<h3>What was skipped, and why</h3>\n<ul>");
#define SKIP(cond, ...)                                                                            \
    do {                                                                                           \
        if (cond) {                                                                                \
            buf_adds(out, "<li>");                                                                 \
            buf_addf(out, __VA_ARGS__);                                                            \
            buf_adds(out, "</li>");                                                                \
        }                                                                                          \
    } while (0)
    SKIP(es->rows_agentic, "%lu rows without fixed ISL/OSL (AgentX or unknown shape)",
         es->rows_agentic);
    SKIP(es->rows_bad, "%lu rows with wrongly typed configuration fields", es->rows_bad);
    SKIP(es->not_object, "%lu array elements that were not row objects", es->not_object);
    SKIP(es->files_failed, "%zu unreadable result files (%zu runs affected)", es->files_failed,
         es->runs_failed);
    SKIP(es->runs_missing, "%zu named runs not in the cache", es->runs_missing);
    SKIP(es->runs_empty, "%zu runs without result rows", es->runs_empty);
    SKIP(es->runs_undated, "%zu runs without run.json (date unknown)", es->runs_undated);
    SKIP(es->runs_bad_meta, "%zu runs whose run.json is malformed or has no valid created_at",
         es->runs_bad_meta);
    SKIP(es->nan_tokens, "%lu NaN/Infinity values read as missing", es->nan_tokens);
    SKIP(es->rows_model > 0 && es->rows_model > (unsigned long)x->table.count,
         "%lu rows replaced by a newer run's row of the same configuration",
         es->rows_model - (unsigned long)x->table.count);
#undef SKIP
    buf_adds(out, "<li>Charts show, per series, only the rows of its newest run day (the "
                  "dashboard's rule); the calculator uses every newest row.</li></ul>\n");
    buf_adds(out, "<h3>Runs</h3>\n<div class=\"scroll\"><table><thead><tr><th>run</th>"
                  "<th>created</th><th>event</th><th>branch</th><th>source</th><th>results</th>"
                  "<th>artifacts</th><th>rows here</th></tr></thead><tbody>\n");
    for (size_t i = x->runs.n; i-- > 0;) {
        const struct run_info *ri = &x->runs.v[i];
        struct manifest m;
        struct imx_err merr = IMX_ERR_INIT;
        const char *object = ri->source ? ri->source : (ri->has_meta ? "github" : "unknown");

        if (manifest_load_dir(ri->dir, ri->idn, &m, &merr) < 0)
            manifest_init(&m, ri->idn);
        buf_adds(out, "<tr><td>");
        if (ri->html_url && !strncmp(ri->html_url, "https://", 8)) {
            /* a plain link: nothing is fetched unless the reader follows it */
            buf_adds(out, "<a href=\"");
            html_escape(out, ri->html_url);
            buf_adds(out, "\" rel=\"noreferrer\">");
            html_escape(out, ri->id);
            buf_adds(out, "</a>");
        } else {
            html_escape(out, ri->id);
        }
        buf_adds(out, "</td><td>");
        html_escape(out, ri->created_at ? ri->created_at : "unknown");
        buf_adds(out, "</td><td>");
        html_escape(out, ri->event ? ri->event : "");
        buf_adds(out, "</td><td>");
        html_escape(out, ri->branch ? ri->branch : "");
        buf_adds(out, "</td><td>");
        run_sources(out, &m, object);
        buf_addf(out, "</td><td>%s</td><td>", kind_name(ri->kind));
        run_artifacts(out, ri, &m);
        buf_addf(out, "</td><td>%zu</td></tr>\n", used[i]);
        manifest_release(&m);
    }
    buf_adds(out, "</tbody></table></div></section>\n");
    st->tables++;
    free(used);
}

static void date_range(const struct extract *x, struct buf *out)
{
    const char *first = NULL, *last = NULL;

    for (size_t i = 0; i < x->runs.n; i++) {
        const char *d = x->runs.v[i].created_at;
        if (!d)
            continue;
        if (!first || strcmp(d, first) < 0)
            first = d;
        if (!last || strcmp(d, last) > 0)
            last = d;
    }
    if (first)
        buf_addf(out, "%.10s to %.10s", first, last);
    else
        buf_adds(out, "dates unknown");
}

int report_write(struct buf *out, struct trow *const *rows_in, size_t n, const struct extract *x,
                 const struct report_opts *o, struct report_stats *st, struct imx_err *err)
{
    struct trow **rows = xmalloc((n + 1) * sizeof(*rows));
    struct group *g = xmalloc((n + 1) * sizeof(*g));
    struct buf tmp = BUF_INIT;
    struct chart look;
    struct group *gone = NULL;
    const struct trow **gone_first = NULL;
    size_t ng = 0, ngone = 0;
    int r = 0;

    memset(st, 0, sizeof(*st));
    out->max = REPORT_MAX;
    for (size_t i = 0; i < n; i++)
        rows[i] = rows_in[i];
    group_sort(rows, n);
    for (size_t i = 0; i < n; i++) {
        if (!ng || group_cmp_rows(rows[g[ng - 1].first], rows[i])) {
            g[ng].first = i;
            g[ng].n = 0;
            ng++;
        }
        g[ng - 1].n++;
    }
    if (o->new_run)
        ngone = gone_groups(o, rows, g, ng, &gone, &gone_first);

    buf_adds(out, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<meta name=\"generator\" content=\"imx " IMX_VERSION "\">\n"
                  /* an empty icon: a browser asks a web server for /favicon.ico otherwise */
                  "<link rel=\"icon\" href=\"data:,\">\n"
                  "<title>InferenceX results: ");
    date_range(x, out);
    buf_adds(out, "</title>\n");
    buf_adds(out, style);
    buf_adds(out, "</head><body>\n<header><h1>InferenceX benchmark results</h1>\n"
                  "<p class=\"meta\">");
    buf_addf(out, "%zu runs from ", x->runs.n);
    date_range(x, out);
    buf_adds(out, " in the cache <code>");
    html_escape(out, o->cache);
    buf_adds(out, "</code>");
    if (o->selection && *o->selection) {
        buf_adds(out, ", rows selected by <code>");
        html_escape(out, o->selection);
        buf_adds(out, "</code>");
    }
    buf_addf(out,
             "; %zu model and sequence pairs. Written by imx " IMX_VERSION
             " from the cache alone; this page fetches nothing. Hover or tap a point to "
             "see its configuration.</p></header>\n",
             ng);

    buf_adds(out, "<nav aria-label=\"contents\"><h2>Contents</h2><ol>\n");
    for (size_t k = 0; k < ng; k++) {
        buf_reset(&tmp);
        anchor_of(rows[g[k].first], &tmp);
        buf_adds(out, "<li><a href=\"#");
        html_escape(out, tmp.p);
        buf_adds(out, "\">");
        buf_reset(&tmp);
        heading_of(rows[g[k].first], &tmp);
        html_escape(out, tmp.p);
        buf_adds(out, "</a></li>\n");
    }
    for (size_t k = 0; k < ngone; k++) {
        buf_reset(&tmp);
        anchor_of(gone_first[k], &tmp);
        buf_adds(out, "<li><a href=\"#");
        html_escape(out, tmp.p);
        buf_adds(out, "\">");
        buf_reset(&tmp);
        heading_of(gone_first[k], &tmp);
        html_escape(out, tmp.p);
        buf_adds(out, " (gone since the previous run)</a></li>\n");
    }
    buf_adds(out, "<li><a href=\"#provenance\">Provenance</a></li></ol></nav>\n");

    for (size_t k = 0; k < ng && r == 0; k++) {
        struct trow **gr = rows + g[k].first;
        buf_reset(&tmp);
        anchor_of(gr[0], &tmp);
        buf_adds(out, "<section id=\"");
        html_escape(out, tmp.p);
        buf_adds(out, "\"><h2>");
        buf_reset(&tmp);
        heading_of(gr[0], &tmp);
        html_escape(out, tmp.p);
        buf_addf(out, "</h2>\n<p class=\"meta\">%zu configurations.</p>\n", g[k].n);
        r = section_style(&look, gr, g[k].n, x, o, err);
        for (size_t c = 0; c < sizeof(kinds) / sizeof(kinds[0]) && r == 0; c++)
            r = chart_section(out, gr, g[k].n, x, o, c, &look, k * 10 + c, st, err);
        if (r == 0)
            r = calc_table(out, gr, g[k].n, x, o, st, err);
        if (r == 0 && o->trend) {
            buf_reset(&tmp);
            anchor_of(gr[0], &tmp);
            r = trend_section(out, tmp.p, o->trend, &look, o->cache, k, st, err);
        }
        if (r == 0 && o->new_run)
            changes_section(out, gr[0], o, st);
        chart_release(&look);
        buf_adds(out, "</section>\n");
        st->sections++;
    }
    for (size_t k = 0; k < ngone && r == 0; k++)
        gone_section(out, gone_first[k], gone[k].n, o, &tmp);
    if (r == 0) {
        provenance(out, rows, n, x, o, st);
        buf_adds(out, "<div id=\"tip\" role=\"tooltip\"></div>\n");
        buf_adds(out, script);
        /* appends fail only at the cap: near it, the page is not whole */
        if (buf_adds(out, "</body></html>\n") < 0 || out->len + REPORT_TAIL_ROOM > out->max)
            r = imx_seterr(err, IMX_ETOOBIG, "the report is larger than %zu MB", REPORT_MAX >> 20);
    }
    buf_release(&tmp);
    free(gone);
    free(gone_first);
    free(rows);
    free(g);
    return r;
}
