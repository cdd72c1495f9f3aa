/* test_select: the cached-run selection (cache/select): fields from run.json, unknown fields
 * left out by the filters that need them, UTC days, the newest N, and the reasons given. */
#include "cache/select.h"
#include "unit.h"
#include "util/xalloc.h"

#include <stdlib.h>

static void match(void)
{
    struct run_select s = {"push", "main", NULL, NULL, 0};
    enum sel_filter why;
    int unknown;

    CHECK(run_select_match(&s, "push", "main", NULL, &why, &unknown));
    CHECK(!run_select_match(&s, "pull_request", "main", NULL, &why, &unknown));
    CHECK(why == SEL_EVENT && !unknown);
    CHECK(!run_select_match(&s, NULL, "main", NULL, &why, &unknown));
    CHECK(why == SEL_EVENT && unknown);
    CHECK(!run_select_match(&s, "push", "release", NULL, &why, &unknown));
    CHECK(why == SEL_BRANCH && !unknown);
    s.event = s.branch = NULL;
    s.since = "2026-01-16";
    s.until = "2026-01-31";
    /* 23:30 at UTC-5 is the 16th in UTC */
    CHECK(run_select_match(&s, NULL, NULL, "2026-01-15T23:30:00-05:00", NULL, NULL));
    CHECK(!run_select_match(&s, NULL, NULL, "2026-01-15T23:30:00Z", &why, &unknown));
    CHECK(why == SEL_SINCE && !unknown);
    CHECK(run_select_match(&s, NULL, NULL, "2026-01-31T23:59:59Z", NULL, NULL));
    CHECK(!run_select_match(&s, NULL, NULL, "2026-02-01T00:00:00Z", &why, &unknown));
    CHECK(why == SEL_UNTIL);
    CHECK(!run_select_match(&s, NULL, NULL, NULL, &why, &unknown));
    CHECK(why == SEL_SINCE && unknown);
    CHECK(!run_select_match(&s, NULL, NULL, "yesterday", &why, &unknown));
    CHECK(unknown);
}

static void add(struct run_list *l, unsigned long long id, const char *event, const char *created)
{
    struct run_info *ri;

    ALLOC_GROW(l->v, l->n + 1, l->cap);
    ri = &l->v[l->n++];
    memset(ri, 0, sizeof(*ri));
    ri->idn = id;
    ri->id = xstrdup("0");
    ri->event = event ? xstrdup(event) : NULL;
    ri->created_at = created ? xstrdup(created) : NULL;
}

static void apply_and_explain(void)
{
    struct run_list l = {0};
    struct run_select s = {"push", NULL, NULL, NULL, 1};
    struct run_select_stats st;
    struct buf b = BUF_INIT_MAX(1024);

    /* oldest first, as cache_scan returns them */
    add(&l, 1, NULL, NULL);
    add(&l, 2, "push", "2026-01-01T00:00:00Z");
    add(&l, 3, "pull_request", "2026-01-02T00:00:00Z");
    add(&l, 4, "push", "2026-01-03T00:00:00Z");
    run_select_apply(&s, &l, &st);
    CHECK(l.n == 1 && l.v[0].idn == 4 && l.v[0].order == 0);
    CHECK(st.considered == 4 && st.kept == 1);
    CHECK(st.removed[SEL_EVENT] == 2 && st.unknown[SEL_EVENT] == 1);
    CHECK(st.removed[SEL_RECENT] == 1);
    run_select_explain(&s, &st, &b);
    CHECK_STR(b.p, "--event push removed 2 (1 without an event in run.json), --collect-recent 1 "
                   "left out 1 older");
    buf_release(&b);
    run_list_release(&l);
    CHECK(!run_select_active(&(struct run_select){NULL, NULL, NULL, NULL, 0}));
}

int main(void)
{
    RUN(match);
    RUN(apply_and_explain);
    UNIT_END();
}
