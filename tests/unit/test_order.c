/* Unit tests of the order of runs: a total order, so that which of two runs is newer never
 * depends on the other runs present (random subsets and permutations, dated and undated). */
#include "cache/scan.h"
#include "unit.h"
#include "util/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NRUNS 24

struct spec {
    const char *id;
    const char *created_at; /* NULL: no run.json */
};

/* Dates out of id order, equal dates, offsets, fractions, and undated runs in between. */
static const struct spec specs[NRUNS] = {
    {"10", "2025-12-02T10:00:00Z"},
    {"30", "2025-12-01T10:00:00Z"},
    {"20", NULL},
    {"25", NULL},
    {"5", NULL},
    {"40", "2025-12-01T10:00:00Z"},
    {"41", "2025-12-01T11:00:00+02:00"}, /* 09:00 UTC: older than run 40 */
    {"42", "2025-12-01T09:00:00.5Z"},
    {"07", NULL}, /* run_07 and run_7: one id, two folders */
    {"7", NULL},
    {"99", "2026-01-14T22:27:36Z"},
    {"98", "2026-01-14T22:27:36Z"},
    {"1", "2026-02-01T00:00:00Z"},
    {"1000", "2024-01-01T00:00:00Z"},
    {"50", "2025-12-31T23:59:59-01:00"}, /* 2026-01-01T00:59:59Z */
    {"51", "2026-01-01T00:30:00Z"},
    {"60", NULL},
    {"61", "2025-11-30T00:00:00Z"},
    {"62", "2025-11-30T00:00:00Z"},
    {"63", NULL},
    {"70", "2024-02-29T12:00:00Z"},
    {"71", "2024-03-01T00:00:00Z"},
    {"72", NULL},
    {"2", "2030-01-01T00:00:00Z"},
};

static void make_run(struct run_info *ri, const struct spec *s)
{
    memset(ri, 0, sizeof(*ri));
    ri->id = strdup(s->id);
    ri->idn = strtoull(s->id, NULL, 10);
    if (s->created_at) {
        ri->created_at = strdup(s->created_at);
        CHECK(date_parse_timestamp(s->created_at, &ri->created) == 0);
    }
}

/* Fills l with the runs whose bits are set in mask, in a random order; returns the count. */
static size_t make_list(struct run_list *l, unsigned mask, unsigned *seed)
{
    int pick[NRUNS];
    size_t n = 0;

    memset(l, 0, sizeof(*l));
    for (int i = 0; i < NRUNS; i++)
        if (mask & (1u << i))
            pick[n++] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)rand_r(seed) % i;
        int t = pick[i - 1];
        pick[i - 1] = pick[j];
        pick[j] = t;
    }
    l->v = calloc(n ? n : 1, sizeof(*l->v));
    l->n = l->cap = n;
    for (size_t i = 0; i < n; i++)
        make_run(&l->v[i], &specs[pick[i]]);
    return n;
}

/* The rank of each spec in a sorted list (-1 when absent). */
static void ranks(const struct run_list *l, int *rank)
{
    for (int i = 0; i < NRUNS; i++)
        rank[i] = -1;
    for (size_t k = 0; k < l->n; k++)
        for (int i = 0; i < NRUNS; i++)
            if (!strcmp(l->v[k].id, specs[i].id))
                rank[i] = (int)l->v[k].order;
}

static void same_winner_in_any_subset(void)
{
    struct run_list all;
    int ref[NRUNS], got[NRUNS];
    unsigned seed = 20251201;
    int bad = 0;

    make_list(&all, (1u << NRUNS) - 1, &seed);
    run_list_sort(&all);
    ranks(&all, ref);
    for (int trial = 0; trial < 4000 && !bad; trial++) {
        struct run_list l;
        unsigned mask = (unsigned)rand_r(&seed) & ((1u << NRUNS) - 1);
        make_list(&l, mask, &seed);
        run_list_sort(&l);
        ranks(&l, got);
        for (int a = 0; a < NRUNS && !bad; a++)
            for (int b = 0; b < NRUNS && !bad; b++)
                if (got[a] >= 0 && got[b] >= 0 && (got[a] < got[b]) != (ref[a] < ref[b])) {
                    fprintf(stderr, "  runs %s and %s swap places in subset %#x\n", specs[a].id,
                            specs[b].id, mask);
                    bad = 1;
                }
        run_list_release(&l);
    }
    CHECK(!bad);
    run_list_release(&all);
}

static int newer(const char *a_id, const char *a_date, const char *b_id, const char *b_date)
{
    struct spec sa = {a_id, a_date}, sb = {b_id, b_date};
    struct run_info a, b;
    int c;

    make_run(&a, &sa);
    make_run(&b, &sb);
    c = run_info_cmp(&a, &b);
    CHECK(c == -run_info_cmp(&b, &a));
    run_info_release(&a);
    run_info_release(&b);
    return c > 0;
}

static void the_documented_rule(void)
{
    /* dated runs by their instant, whatever the ids */
    CHECK(newer("10", "2025-12-02T10:00:00Z", "30", "2025-12-01T10:00:00Z"));
    CHECK(newer("40", "2025-12-01T10:00:00Z", "41", "2025-12-01T11:00:00+02:00"));
    /* equal instants: the run id */
    CHECK(newer("99", "2026-01-14T22:27:36Z", "98", "2026-01-14T22:27:36.000Z"));
    /* undated runs are older than every dated one, and among themselves go by id */
    CHECK(newer("1", "2020-01-01T00:00:00Z", "99999", NULL));
    CHECK(newer("20", NULL, "5", NULL));
    CHECK(newer("7", NULL, "07", NULL) != newer("07", NULL, "7", NULL));
}

int main(void)
{
    RUN(the_documented_rule);
    RUN(same_winner_in_any_subset);
    UNIT_END();
}
