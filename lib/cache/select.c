/* select: the cached runs the selection options keep, and why the others were left out. */
#include "cache/select.h"
#include "util/date.h"

#include <string.h>

int run_select_active(const struct run_select *s)
{
    return s->event || s->branch || s->since || s->until || s->recent > 0;
}

static int fail(enum sel_filter f, int unknown, enum sel_filter *why, int *unk)
{
    if (why)
        *why = f;
    if (unk)
        *unk = unknown;
    return 0;
}

int run_select_match(const struct run_select *s, const char *event, const char *branch,
                     const char *created_at, enum sel_filter *why, int *unknown)
{
    char day[DATE_LEN + 1];
    int dated;

    if (s->event && (!event || strcmp(event, s->event)))
        return fail(SEL_EVENT, !event, why, unknown);
    if (s->branch && (!branch || strcmp(branch, s->branch)))
        return fail(SEL_BRANCH, !branch, why, unknown);
    if (!s->since && !s->until)
        return 1;
    dated = created_at && date_timestamp_day(created_at, day) == 0;
    if (s->since && (!dated || strcmp(day, s->since) < 0))
        return fail(SEL_SINCE, !dated, why, unknown);
    if (s->until && (!dated || strcmp(day, s->until) > 0))
        return fail(SEL_UNTIL, !dated, why, unknown);
    return 1;
}

void run_select_apply(const struct run_select *s, struct run_list *l, struct run_select_stats *st)
{
    struct run_select_stats local;
    size_t k = 0;

    if (!st)
        st = &local;
    memset(st, 0, sizeof(*st));
    st->considered = l->n;
    for (size_t i = 0; i < l->n; i++) {
        struct run_info *ri = &l->v[i];
        enum sel_filter why = SEL_EVENT;
        int unknown = 0;

        if (run_select_match(s, ri->event, ri->branch, ri->created_at, &why, &unknown)) {
            l->v[k++] = *ri;
            continue;
        }
        st->removed[why]++;
        st->unknown[why] += unknown != 0;
        run_info_release(ri);
    }
    l->n = k;
    if (s->recent > 0 && l->n > (size_t)s->recent) {
        /* oldest first: the newest are at the end */
        size_t drop = l->n - (size_t)s->recent;
        for (size_t i = 0; i < drop; i++)
            run_info_release(&l->v[i]);
        memmove(l->v, l->v + drop, (size_t)s->recent * sizeof(*l->v));
        l->n = (size_t)s->recent;
        st->removed[SEL_RECENT] = drop;
    }
    for (size_t i = 0; i < l->n; i++)
        l->v[i].order = i;
    st->kept = l->n;
}

void run_select_explain(const struct run_select *s, const struct run_select_stats *st,
                        struct buf *out)
{
    static const char *const unknown_what[SEL_NFILTERS] = {
        "without an event in run.json", "without a branch in run.json", "undated", "undated", ""};
    const char *val[SEL_NFILTERS] = {s->event, s->branch, s->since, s->until, NULL};
    static const char *const opt[SEL_NFILTERS] = {"--event", "--branch", "--since", "--until",
                                                  "--collect-recent"};
    int first = 1;

    for (int f = 0; f < SEL_NFILTERS; f++) {
        if (!st->removed[f])
            continue;
        buf_adds(out, first ? "" : ", ");
        first = 0;
        if (f == SEL_RECENT)
            buf_addf(out, "%s %ld left out %zu older", opt[f], s->recent, st->removed[f]);
        else
            buf_addf(out, "%s %s removed %zu", opt[f], val[f] ? val[f] : "", st->removed[f]);
        if (st->unknown[f])
            buf_addf(out, " (%zu %s)", st->unknown[f], unknown_what[f]);
    }
    if (first)
        buf_adds(out, "no filter removed any");
}
