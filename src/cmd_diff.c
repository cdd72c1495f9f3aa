/* cmd_diff: `imx diff OLD NEW`: two runs, or the merged tables as of the end of two days,
 * configuration by configuration, with the change of the main metrics and where each side
 * came from; --threshold summarizes the large changes on stderr. */
#include "analysis/derived.h"
#include "cli.h"
#include "output.h"
#include "table/diff.h"
#include "table/extract.h"
#include "util/date.h"
#include "util/xalloc.h"
#include "writer/csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One side: the table of one run, or the merged table as of the end of a day. */
struct side {
    const char *arg;
    char *ids[1];
    struct extract x;
    struct trow **rows;
    size_t n;
};

static int load_side(struct cli *cli, struct side *s, const struct model_sel *sel,
                     struct imx_diag *diag)
{
    struct imx_err err = IMX_ERR_INIT;
    struct extract_opts o;

    memset(&o, 0, sizeof(o));
    o.cache = cli_cache_dir(cli);
    o.model = sel;
    o.diag = diag;
    if (date_valid(s->arg)) {
        o.select.until = s->arg;
    } else {
        s->ids[0] = (char *)s->arg;
        o.ids = s->ids;
        o.nids = 1;
    }
    if (extract_run(&s->x, &o, &err) < 0) {
        msg_error("%s", err.msg);
        return exit_for(err.code);
    }
    if (o.nids && s->x.st.runs_missing) {
        msg_error("run %s is not in the cache '%s' ('imx sync %s' fetches it)", s->arg, o.cache,
                  s->arg);
        return EXIT_DATA;
    }
    if (!o.nids && s->x.st.runs == 0) {
        msg_error("no cached run was created on or before %s", s->arg);
        return EXIT_DATA;
    }
    s->rows = table_sorted(&s->x.table, &s->n);
    s->n = row_filter_keep(&cli->filter, s->rows, s->n);
    return EXIT_OK;
}

/* The configuration columns: every key field and the canonical GPU. */
static int config_columns(struct colset *cs)
{
    struct imx_err err = IMX_ERR_INIT;
    struct buf spec = BUF_INIT_MAX(BUF_LIST_MAX);
    int r;

    for (int i = 0; i < NKEY; i++)
        buf_addf(&spec, "%s,", key_fields[i].csv);
    buf_adds(&spec, "gpu");
    r = colset_build(cs, spec.p, NULL, 0, &err);
    buf_release(&spec);
    return r;
}

static void field(struct buf *line, enum out_format fmt, int csv_safe, int *first, const char *name,
                  const char *v, size_t len, int number)
{
    if (fmt == FMT_CSV) {
        if (!*first)
            buf_addc(line, ',');
        if (v && !number && csv_safe)
            csv_field_safe(line, v, len);
        else if (v)
            csv_field(line, v, len);
    } else if (v) {
        if (!*first)
            buf_addc(line, ',');
        buf_add_json(line, name);
        buf_addc(line, ':');
        if (number)
            buf_add(line, v, len);
        else
            buf_add_json(line, v);
    } else {
        return;
    }
    *first = 0;
}

static void header(struct buf *line, const struct colset *cs)
{
    static const char *const suffix[] = {"old", "new", "change_pct"};
    struct buf name = BUF_INIT_MAX(FIELDS_NAME_MAX);

    for (size_t c = 0; c < cs->n; c++)
        buf_addf(line, "%s,", cs->v[c].name);
    buf_adds(line, "status,old_run_id,new_run_id,old_date,new_date");
    for (size_t m = 0; m < DIFF_NMETRICS; m++) {
        buf_reset(&name);
        fields_csv_name(diff_metrics[m], &name);
        for (size_t k = 0; k < 3; k++)
            buf_addf(line, ",%s_%s", name.p, suffix[k]);
    }
    buf_addc(line, '\n');
    buf_release(&name);
}

static void run_of(const struct side *s, const struct trow *t, const char **id, const char **date)
{
    const struct run_info *ri = t && t->rank.run < s->x.runs.n ? &s->x.runs.v[t->rank.run] : NULL;
    *id = ri ? ri->id : NULL;
    *date = ri ? ri->created_at : NULL;
}

static void write_entry(struct buf *line, enum out_format fmt, const struct colset *cs,
                        const struct diff_entry *e, const struct side *old, const struct side *new)
{
    const struct trow *t = e->new ? e->new : e->old;
    const struct run_list *runs = e->new ? &new->x.runs : &old->x.runs;
    char scratch[32], pct[64];
    const char *oid, *odate, *nid, *ndate;
    struct buf name = BUF_INIT_MAX(FIELDS_NAME_MAX);
    int first = 1;

    if (fmt == FMT_JSONL)
        buf_addc(line, '{');
    for (size_t c = 0; c < cs->n; c++) {
        size_t len;
        enum val_kind kind;
        const char *v = column_value_kind(&cs->v[c], t, runs, scratch, &len, &kind);
        field(line, fmt, cs->csv_safe, &first, cs->v[c].name, v, len,
              kind == VAL_NUM || kind == VAL_BOOL);
    }
    field(line, fmt, cs->csv_safe, &first, "status", diff_status_name(e->status),
          strlen(diff_status_name(e->status)), 0);
    run_of(old, e->old, &oid, &odate);
    run_of(new, e->new, &nid, &ndate);
    field(line, fmt, cs->csv_safe, &first, "old_run_id", oid, oid ? strlen(oid) : 0, 1);
    field(line, fmt, cs->csv_safe, &first, "new_run_id", nid, nid ? strlen(nid) : 0, 1);
    field(line, fmt, cs->csv_safe, &first, "old_date", odate, odate ? strlen(odate) : 0, 0);
    field(line, fmt, cs->csv_safe, &first, "new_date", ndate, ndate ? strlen(ndate) : 0, 0);
    for (size_t m = 0; m < DIFF_NMETRICS; m++) {
        const char *a = e->old ? trow_get(e->old, diff_metrics[m]) : NULL;
        const char *b = e->new ? trow_get(e->new, diff_metrics[m]) : NULL;
        double p;
        int have = diff_change(a, b, &p);
        size_t base;
        buf_reset(&name);
        fields_csv_name(diff_metrics[m], &name);
        base = name.len;
        buf_adds(&name, "_old");
        field(line, fmt, cs->csv_safe, &first, name.p, a, a ? strlen(a) : 0, 1);
        buf_truncate(&name, base);
        buf_adds(&name, "_new");
        field(line, fmt, cs->csv_safe, &first, name.p, b, b ? strlen(b) : 0, 1);
        buf_truncate(&name, base);
        buf_adds(&name, "_change_pct");
        if (have)
            num_format(p == 0 ? 0.0 : p, pct, sizeof(pct)); /* exact: the shortest round trip */
        field(line, fmt, cs->csv_safe, &first, name.p, have ? pct : NULL, have ? strlen(pct) : 0,
              1);
    }
    buf_adds(line, fmt == FMT_JSONL ? "}\n" : "\n");
    buf_release(&name);
}

struct big_change {
    double pct;
    size_t entry, metric;
};

static int cmp_big(const void *a, const void *b)
{
    const struct big_change *x = a, *y = b;
    double ax = fabs(x->pct), ay = fabs(y->pct);
    if (ax != ay)
        return ax < ay ? 1 : -1;
    if (x->entry != y->entry)
        return x->entry < y->entry ? -1 : 1;
    return (x->metric > y->metric) - (x->metric < y->metric);
}

/* --threshold: the changes beyond PCT, largest first, and the counts of each status. */
static void summary(const struct cli *cli, const struct diff_entry *v, size_t n)
{
    size_t count[4] = {0, 0, 0, 0};
    struct big_change *big = NULL;
    size_t nbig = 0, cap = 0;
    struct buf b = BUF_INIT_MAX(BUF_BLOCK_MAX), name = BUF_INIT_MAX(FIELDS_NAME_MAX);

    for (size_t i = 0; i < n; i++) {
        count[v[i].status]++;
        if (cli->threshold < 0 || v[i].status != DIFF_CHANGED)
            continue;
        for (size_t m = 0; m < DIFF_NMETRICS; m++) {
            double p;
            if (diff_change(trow_get(v[i].old, diff_metrics[m]),
                            trow_get(v[i].new, diff_metrics[m]), &p) &&
                fabs(p) > cli->threshold) {
                ALLOC_GROW(big, nbig + 1, cap);
                big[nbig++] = (struct big_change){p, i, m};
            }
        }
    }
    if (!cli->quiet)
        msg_line("Configurations: %zu added, %zu removed, %zu changed, %zu same", count[DIFF_ADDED],
                 count[DIFF_REMOVED], count[DIFF_CHANGED], count[DIFF_SAME]);
    if (cli->threshold >= 0) {
        if (nbig)
            qsort(big, nbig, sizeof(*big), cmp_big);
        msg_line("Changes beyond %g%%: %zu", cli->threshold, nbig);
        for (size_t k = 0; k < nbig; k++) {
            const struct diff_entry *e = &v[big[k].entry];
            buf_reset(&b);
            buf_reset(&name);
            diff_describe_config(&b, e->new);
            fields_csv_name(diff_metrics[big[k].metric], &name);
            msg_line("  %+.2f%% %s: %s -> %s (%s)", big[k].pct, name.p,
                     trow_get(e->old, diff_metrics[big[k].metric]),
                     trow_get(e->new, diff_metrics[big[k].metric]), b.p);
        }
    }
    free(big);
    buf_release(&b);
    buf_release(&name);
}

int cmd_diff(struct cli *cli)
{
    struct imx_diag diag = {msg_diag, cli, 0};
    struct imx_err err = IMX_ERR_INIT;
    struct model_sel sel;
    struct side old, new;
    struct colset cs;
    struct diff_entry *v = NULL;
    struct out out;
    struct buf line = BUF_INIT_MAX(BUF_ROW_MAX);
    enum out_format fmt;
    const char *path = cli->output ? cli->output : "-";
    size_t n = 0;
    int status;

    if (cli->nids != 2) {
        msg_error("diff: expected two runs or dates (OLD NEW), got %zu", cli->nids);
        msg_line("try 'imx diff --help'");
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < 2; i++) {
        if (!cli_valid_run_id(cli->ids[i]) && !date_valid(cli->ids[i])) {
            msg_error("diff: '%s' is neither a run id nor a date (YYYY-MM-DD)", cli->ids[i]);
            return EXIT_USAGE;
        }
    }
    fmt = out_format_of(cli->format, cli->output);
    if (fmt == FMT_SQLITE) {
        msg_error("diff writes CSV or JSON Lines, not SQLite");
        return EXIT_USAGE;
    }
    if (model_sel_init(&sel, cli->model ? cli->model : "all", &err) < 0) {
        msg_error("%s", err.msg);
        return EXIT_USAGE;
    }
    memset(&old, 0, sizeof(old));
    memset(&new, 0, sizeof(new));
    memset(&cs, 0, sizeof(cs));
    old.arg = cli->ids[0];
    new.arg = cli->ids[1];
    status = load_side(cli, &old, &sel, &diag);
    if (status == EXIT_OK)
        status = load_side(cli, &new, &sel, &diag);
    if (status != EXIT_OK)
        goto done;
    v = diff_tables(old.rows, old.n, new.rows, new.n, &n);
    config_columns(&cs);
    cs.csv_safe = cli->csv_safe;
    status = out_open(&out, path, 0);
    if (status != EXIT_OK)
        goto done;
    if (fmt == FMT_CSV)
        header(&line, &cs);
    for (size_t i = 0; i < n; i++) {
        write_entry(&line, fmt, &cs, &v[i], &old, &new);
        if (line.len > ((size_t)1 << 20) || i + 1 == n) {
            fwrite(line.p, 1, line.len, out.fp);
            buf_reset(&line);
        }
    }
    fwrite(line.p, 1, line.len, out.fp);
    if (writer_status(out.fp, out.label, &err) < 0) {
        msg_error("%s", err.msg);
        out_abort(&out);
        status = EXIT_FS;
        goto done;
    }
    status = out_commit(&out);
    if (status == EXIT_OK) {
        summary(cli, v, n);
        if (extract_incomplete(&old.x) || extract_incomplete(&new.x))
            status = EXIT_PARTIAL;
    }
done:
    buf_release(&line);
    colset_release(&cs);
    free(v);
    free(old.rows);
    free(new.rows);
    extract_release(&old.x);
    extract_release(&new.x);
    model_sel_release(&sel);
    return status;
}
