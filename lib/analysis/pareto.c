/* pareto: grouping rows into series, the main chart's row selection and display limits, and
 * the front of each series (analysis reference, sections 4 and 5). */
#include "analysis/pareto.h"
#include "util/date.h"
#include "util/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void pareto_opts_init(struct pareto_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->x = M_INTVTY;
    o->y = M_TPUT;
    o->y_better = 'h';
    o->direction = -1;
    o->max_cost = 5;
    o->max_ttft = 60;
    o->dedup = DEDUP_DASHBOARD;
}

enum front_dir pareto_default_dir(int x, char better)
{
    int higher = better != 'l';

    if (x == M_INTVTY || x == M_TPUT)
        return higher ? FRONT_UPPER_LEFT : FRONT_LOWER_RIGHT;
    /* the latency chart, and the main chart with a TTFT x (left and right flipped) */
    return higher ? FRONT_UPPER_RIGHT : FRONT_LOWER_LEFT;
}

static int is_ttft(int x)
{
    return x == M_TTFT_P99 || x == M_TTFT_MEDIAN;
}

/* One row on its way into a series. */
struct cand {
    struct series id;
    size_t order; /* position in the rows given */
    const struct trow *row;
    char day[11];
};

static int cmp_cand(const void *pa, const void *pb)
{
    const struct cand *a = pa, *b = pb;
    int c = series_cmp(&a->id, &b->id);
    if (!c)
        c = strcmp(a->id.isl, b->id.isl);
    if (!c)
        c = strcmp(a->id.osl, b->id.osl);
    return c ? c : (a->order > b->order) - (a->order < b->order);
}

static int cmp_point(const void *pa, const void *pb)
{
    const struct apoint *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    return (a->order > b->order) - (a->order < b->order);
}

static void day_of(const struct pareto_opts *o, const struct trow *t, char day[11])
{
    const struct run_info *ri =
        o->runs && t->rank.run < o->runs->n ? &o->runs->v[t->rank.run] : NULL;
    /* the UTC day, as the dashboard's dates; undated runs are older than any day */
    if (!ri || !ri->created_at || date_timestamp_day(ri->created_at, day) < 0)
        day[0] = '\0';
}

static void note_gpu(struct pareto *p, const char *gpu)
{
    size_t i;
    for (i = 0; i < p->n_no_constants_gpus; i++)
        if (!strcmp(p->no_constants_gpus[i], gpu))
            return;
    p->no_constants_gpus =
        xrealloc(p->no_constants_gpus, (p->n_no_constants_gpus + 1) * sizeof(char *));
    /* sorted insert: a handful of names */
    for (i = p->n_no_constants_gpus; i > 0 && strcmp(p->no_constants_gpus[i - 1], gpu) > 0; i--)
        p->no_constants_gpus[i] = p->no_constants_gpus[i - 1];
    p->no_constants_gpus[i] = xstrdup(gpu);
    p->n_no_constants_gpus++;
}

/* Adds the point of one row to s, or counts why it is left out. */
static void add_point(struct pareto *p, struct aseries *s, const struct cand *c,
                      const struct pareto_opts *o, size_t *cap)
{
    struct apoint pt;
    int noconst = 0;

    memset(&pt, 0, sizeof(pt));
    pt.row = c->row;
    pt.order = c->order;
    metrics_of_row(c->row, o->gpus, o->output_fallback, pt.m, &noconst);
    if (noconst) {
        p->st.no_constants++;
        note_gpu(p, *c->id.gpu ? c->id.gpu : "(unknown)");
    }
    pt.x = pt.m[o->x];
    pt.y = o->y >= 0 ? pt.m[o->y] : analysis_num(c->row, o->y_column);
    if (isnan(pt.x)) {
        p->st.no_x++;
        return;
    }
    /* a row without (or with zero) input or output throughput has no such metric */
    if (isnan(pt.y) || ((o->y == M_INPUT_TPUT || o->y == M_OUTPUT_TPUT) && pt.y == 0)) {
        p->st.no_y++;
        return;
    }
    if (o->y >= 0 && metric_is_cost(o->y) && pt.y > o->max_cost) {
        p->st.over_cost++;
        return;
    }
    if (is_ttft(o->x) && pt.x > o->max_ttft) {
        p->st.over_ttft++;
        return;
    }
    ALLOC_GROW(s->p, s->n + 1, *cap);
    s->p[s->n++] = pt;
}

static void finish_series(struct pareto *p, struct aseries *s)
{
    struct front_pt *fp;

    /* equal xs keep the rows' order: the front's ties depend on it */
    if (s->n)
        qsort(s->p, s->n, sizeof(*s->p), cmp_point);
    fp = xmalloc((s->n + 1) * sizeof(*fp));
    s->front = xmalloc((s->n + 1) * sizeof(*s->front));
    for (size_t i = 0; i < s->n; i++) {
        fp[i].x = s->p[i].x;
        fp[i].y = s->p[i].y;
    }
    s->nfront = front_compute(p->dir, fp, s->n, s->front);
    for (size_t i = 0; i < s->nfront; i++)
        s->p[s->front[i]].on_front = 1;
    p->st.points += s->n;
    p->st.front += s->nfront;
    free(fp);
}

int pareto_build(struct pareto *p, struct trow *const *rows, size_t n, const struct pareto_opts *o,
                 struct imx_err *err)
{
    struct cand *c = xmalloc((n + 1) * sizeof(*c));
    char better = o->y >= 0 ? metric_info[o->y].better : o->y_better;

    (void)err;
    memset(p, 0, sizeof(*p));
    p->dir = o->direction >= 0 ? (enum front_dir)o->direction : pareto_default_dir(o->x, better);
    p->st.rows = n;
    for (size_t i = 0; i < n; i++) {
        series_of_row(rows[i], &c[i].id);
        c[i].order = i;
        c[i].row = rows[i];
        day_of(o, rows[i], c[i].day);
    }
    if (n)
        qsort(c, n, sizeof(*c), cmp_cand);
    for (size_t i = 0, j; i < n; i = j) {
        struct aseries *s;
        size_t cap = 0;
        char newest[11] = "";

        for (j = i; j < n && series_same(&c[i].id, &c[j].id); j++)
            if (strcmp(c[j].day, newest) > 0)
                memcpy(newest, c[j].day, sizeof(newest));
        p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
        s = &p->v[p->n++];
        memset(s, 0, sizeof(*s));
        series_copy(&s->id, &c[i].id);
        if (o->dedup == DEDUP_DASHBOARD)
            memcpy(s->day, newest, sizeof(s->day));
        for (size_t k = i; k < j; k++) {
            if (o->dedup == DEDUP_DASHBOARD && strcmp(c[k].day, newest)) {
                p->st.older_day++;
                continue;
            }
            add_point(p, s, &c[k], o, &cap);
        }
        finish_series(p, s);
    }
    for (size_t i = 0; i < n; i++)
        series_release(&c[i].id);
    free(c);
    return 0;
}

void pareto_add_stats(struct pareto *acc, const struct pareto *p)
{
    acc->st.rows += p->st.rows;
    acc->st.older_day += p->st.older_day;
    acc->st.no_x += p->st.no_x;
    acc->st.no_y += p->st.no_y;
    acc->st.over_cost += p->st.over_cost;
    acc->st.over_ttft += p->st.over_ttft;
    acc->st.no_constants += p->st.no_constants;
    acc->st.points += p->st.points;
    acc->st.front += p->st.front;
    for (size_t i = 0; i < p->n_no_constants_gpus; i++)
        note_gpu(acc, p->no_constants_gpus[i]);
}

void pareto_release(struct pareto *p)
{
    for (size_t i = 0; i < p->n; i++) {
        series_release(&p->v[i].id);
        free(p->v[i].p);
        free(p->v[i].front);
    }
    free(p->v);
    for (size_t i = 0; i < p->n_no_constants_gpus; i++)
        free(p->no_constants_gpus[i]);
    free(p->no_constants_gpus);
    memset(p, 0, sizeof(*p));
}
