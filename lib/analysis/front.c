/* front: the four walks of the dashboard's Pareto fronts. Each sorts the points (stably: equal
 * points keep their input order) and walks them once; the rules below are the app's, ties
 * included. */
#include "analysis/front.h"
#include "util/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const dir_names[] = {"upper_left", "upper_right", "lower_left", "lower_right"};

const char *front_dir_name(enum front_dir d)
{
    return dir_names[d];
}

int front_dir_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, dir_names[i]))
            return i;
    return -1;
}

enum front_dir front_dir_flip(enum front_dir d)
{
    switch (d) {
    case FRONT_UPPER_LEFT:
        return FRONT_UPPER_RIGHT;
    case FRONT_UPPER_RIGHT:
        return FRONT_UPPER_LEFT;
    case FRONT_LOWER_LEFT:
        return FRONT_LOWER_RIGHT;
    case FRONT_LOWER_RIGHT:
        return FRONT_LOWER_LEFT;
    }
    return d;
}

struct ipt {
    double x, y;
    size_t i;
};

static int cmp3(double a, double b)
{
    return (a > b) - (a < b);
}

/* x ascending, equal x by y descending (upper_left, upper_right) */
static int cmp_xa_yd(const void *pa, const void *pb)
{
    const struct ipt *a = pa, *b = pb;
    int c = cmp3(a->x, b->x);
    if (!c)
        c = cmp3(b->y, a->y);
    return c ? c : cmp3((double)a->i, (double)b->i);
}

/* x ascending, equal x by y ascending (lower_left) */
static int cmp_xa_ya(const void *pa, const void *pb)
{
    const struct ipt *a = pa, *b = pb;
    int c = cmp3(a->x, b->x);
    if (!c)
        c = cmp3(a->y, b->y);
    return c ? c : cmp3((double)a->i, (double)b->i);
}

/* x descending, equal x by y ascending (lower_right) */
static int cmp_xd_ya(const void *pa, const void *pb)
{
    const struct ipt *a = pa, *b = pb;
    int c = cmp3(b->x, a->x);
    if (!c)
        c = cmp3(a->y, b->y);
    return c ? c : cmp3((double)a->i, (double)b->i);
}

static size_t walk_upper_left(const struct ipt *s, size_t n, struct ipt *f)
{
    size_t k = 0;

    for (size_t j = 0; j < n; j++) {
        if (k && s[j].x == f[k - 1].x) {
            if (s[j].y > f[k - 1].y)
                f[k - 1] = s[j];
            continue;
        }
        while (k && s[j].y >= f[k - 1].y)
            k--;
        f[k++] = s[j];
    }
    return k;
}

static size_t walk_upper_right(const struct ipt *s, size_t n, struct ipt *f)
{
    size_t k = 0;
    double max = -INFINITY;

    for (size_t j = 0; j < n; j++) {
        if (s[j].y > max || (s[j].y == max && k && s[j].x > f[k - 1].x)) {
            if (k && s[j].x == f[k - 1].x)
                f[k - 1] = s[j];
            else
                f[k++] = s[j];
            max = s[j].y;
        }
    }
    return k;
}

/* lower_left and lower_right: the sort differs, the walk is the same */
static size_t walk_lower(const struct ipt *s, size_t n, struct ipt *f)
{
    size_t k = 0;
    double min = INFINITY;

    for (size_t j = 0; j < n; j++) {
        if (s[j].y < min) {
            f[k++] = s[j];
            min = s[j].y;
        }
    }
    return k;
}

size_t front_compute(enum front_dir d, const struct front_pt *p, size_t n, size_t *out)
{
    struct ipt *s, *f;
    size_t k;

    if (!n)
        return 0;
    s = xmalloc(n * sizeof(*s));
    f = xmalloc(n * sizeof(*f));
    for (size_t i = 0; i < n; i++) {
        s[i].x = p[i].x;
        s[i].y = p[i].y;
        s[i].i = i;
    }
    switch (d) {
    case FRONT_UPPER_LEFT:
        qsort(s, n, sizeof(*s), cmp_xa_yd);
        k = walk_upper_left(s, n, f);
        break;
    case FRONT_UPPER_RIGHT:
        qsort(s, n, sizeof(*s), cmp_xa_yd);
        k = walk_upper_right(s, n, f);
        break;
    case FRONT_LOWER_LEFT:
        qsort(s, n, sizeof(*s), cmp_xa_ya);
        k = walk_lower(s, n, f);
        break;
    default:
        qsort(s, n, sizeof(*s), cmp_xd_ya);
        k = walk_lower(s, n, f);
        /* walked right to left: report in ascending x like the others */
        for (size_t a = 0, b = k ? k - 1 : 0; a < b; a++, b--) {
            struct ipt t = f[a];
            f[a] = f[b];
            f[b] = t;
        }
        break;
    }
    for (size_t i = 0; i < k; i++)
        out[i] = f[i].i;
    free(s);
    free(f);
    return k;
}
