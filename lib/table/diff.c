/* diff: a merge-join of two sorted tables on their sort keys (equal keys: one configuration). */
#include "table/diff.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const diff_metrics[DIFF_NMETRICS] = {
    "tput_per_gpu", "output_tput_per_gpu", "median_intvty", "mean_ttft",
    "p99_ttft",     "mean_tpot",           "median_e2el",
};

const char *diff_status_name(enum diff_status s)
{
    static const char *const names[] = {"added", "removed", "changed", "same"};
    return s <= DIFF_SAME ? names[s] : "?";
}

static int number(const char *s, double *v)
{
    char *end;
    if (!s || !*s)
        return 0;
    *v = strtod(s, &end);
    return !*end && isfinite(*v);
}

int diff_change(const char *old, const char *new, double *pct)
{
    double a, b;
    if (!number(old, &a) || !number(new, &b) || a == 0)
        return 0;
    *pct = (b - a) / fabs(a) * 100.0;
    return 1;
}

static int metric_differs(const char *a, const char *b)
{
    double x, y;
    if (!a || !b)
        return (a == NULL) != (b == NULL);
    if (number(a, &x) && number(b, &y))
        return x != y;
    return strcmp(a, b) != 0;
}

static int blob_cmp(const struct buf *a, const struct buf *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->p, b->p, n);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

struct diff_entry *diff_tables(struct trow *const *old, size_t nold, struct trow *const *new,
                               size_t nnew, size_t *n)
{
    struct diff_entry *v = xmalloc((nold + nnew + 1) * sizeof(*v));
    struct buf ka = BUF_INIT_MAX(BUF_MAX_DEFAULT), kb = BUF_INIT_MAX(BUF_MAX_DEFAULT);
    size_t i = 0, j = 0, k = 0;

    while (i < nold || j < nnew) {
        int c;
        if (i < nold && j < nnew) {
            buf_reset(&ka);
            buf_reset(&kb);
            trow_sort_key(old[i], &ka);
            trow_sort_key(new[j], &kb);
            c = blob_cmp(&ka, &kb);
        } else {
            c = i < nold ? -1 : 1;
        }
        if (c < 0) {
            v[k++] = (struct diff_entry){old[i++], NULL, DIFF_REMOVED};
        } else if (c > 0) {
            v[k++] = (struct diff_entry){NULL, new[j++], DIFF_ADDED};
        } else {
            enum diff_status s = DIFF_SAME;
            for (size_t m = 0; m < DIFF_NMETRICS && s == DIFF_SAME; m++)
                if (metric_differs(trow_get(old[i], diff_metrics[m]),
                                   trow_get(new[j], diff_metrics[m])))
                    s = DIFF_CHANGED;
            v[k++] = (struct diff_entry){old[i++], new[j++], s};
        }
    }
    buf_release(&ka);
    buf_release(&kb);
    *n = k;
    return v;
}

void diff_describe_config(struct buf *b, const struct trow *t)
{
    static const int shown[] = {K_PREFIX, K_HW, K_FRAMEWORK, K_PRECISION, K_ISL,
                                K_OSL,    K_TP, K_EP,        K_CONC};
    static const char *const label[] = {"", "", "", "", "isl ", "osl ", "tp", "ep", "conc "};
    for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
        if (t->kv[shown[i]])
            buf_addf(b, "%s%s%s", b->len ? " " : "", label[i], t->kv[shown[i]]);
    if (t->kv[K_DISAGG] && !strcmp(t->kv[K_DISAGG], "true"))
        buf_adds(b, " disagg");
}
