/* cmd_models: `imx models`: the models of the cached runs, one line each: the folder name
 * `--model all` writes it under, rows and runs, first and last run date, and every spelling
 * that names it (row prefix, model ids in the rows, Hugging Face id, display name, API key). */
#include "cli.h"
#include "table/extract.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct model_info {
    char *prefix;
    char **spell;
    size_t nspell, capspell;
    unsigned long rows;
    size_t runs;
    const char *first, *last; /* created_at, owned by the run list */
    size_t last_run;          /* run order + 1 of the last run counted */
};

struct models {
    const struct cli *cli;
    struct model_info *v;
    size_t n, cap;
};

static void add_spelling(struct model_info *m, const char *s)
{
    if (!s || !*s)
        return;
    for (size_t i = 0; i < m->nspell; i++)
        if (!strcasecmp(m->spell[i], s))
            return;
    ALLOC_GROW(m->spell, m->nspell + 1, m->capspell);
    m->spell[m->nspell++] = xstrdup(s);
}

static struct model_info *find(struct models *ms, const char *prefix)
{
    const struct model_known *k;
    struct model_info *m;

    for (size_t i = 0; i < ms->n; i++)
        if (!strcasecmp(ms->v[i].prefix, prefix))
            return &ms->v[i];
    ALLOC_GROW(ms->v, ms->n + 1, ms->cap);
    m = &ms->v[ms->n++];
    memset(m, 0, sizeof(*m));
    m->prefix = xstrdup(prefix);
    add_spelling(m, prefix);
    if ((k = model_known_by_prefix(prefix))) {
        add_spelling(m, k->id);
        add_spelling(m, k->display);
    }
    add_spelling(m, model_api_key(prefix));
    return m;
}

static int on_run(void *ud, const struct run_info *run, struct trow **rows, size_t n)
{
    struct models *ms = ud;

    n = row_filter_keep(&ms->cli->filter, rows, n);
    for (size_t i = 0; i < n; i++) {
        const char *prefix = rows[i]->kv[K_PREFIX];
        /* no prefix and an empty one: both are extract's by_model/unknown/ */
        struct model_info *m = find(ms, prefix && *prefix ? prefix : "(unknown)");
        m->rows++;
        add_spelling(m, trow_get(rows[i], "model"));
        if (m->last_run != run->order + 1) {
            m->last_run = run->order + 1;
            m->runs++;
            if (run->created_at) {
                if (!m->first)
                    m->first = run->created_at;
                m->last = run->created_at;
            }
        }
    }
    return 0;
}

static int cmp_info(const void *a, const void *b)
{
    return strcmp(((const struct model_info *)a)->prefix, ((const struct model_info *)b)->prefix);
}

int cmd_models(struct cli *cli)
{
    struct imx_err err = IMX_ERR_INIT;
    struct cli_selection s;
    struct models ms;
    struct extract x;
    int status;

    memset(&ms, 0, sizeof(ms));
    memset(&x, 0, sizeof(x));
    ms.cli = cli;
    cli->offline = 1;
    cli->model = "all";
    status = cli_selection_init(cli, &s);
    if (status != EXIT_OK)
        goto done;
    if (extract_each_run(&x, &s.o, on_run, &ms, &err) < 0) {
        msg_error("%s", err.msg);
        status = exit_for(err.code);
        goto done;
    }
    if ((status = cli_selection_check(cli, &s, &x)) != EXIT_OK)
        goto done;
    qsort(ms.v, ms.n, sizeof(*ms.v), cmp_info);
    printf("%-30s %-12s %8s %5s %-10s %-10s %s\n", "MODEL", "PREFIX", "ROWS", "RUNS", "FIRST",
           "LAST", "SPELLINGS");
    for (size_t i = 0; i < ms.n; i++) {
        struct model_info *m = &ms.v[i];
        char *dir = model_prefix_dirname(strcmp(m->prefix, "(unknown)") ? m->prefix : NULL);
        /* every cell but the counts comes from the rows and run.json: shown, not raw */
        char *cell[4] = {msg_shown(dir), msg_shown(m->prefix), msg_shown(m->first ? m->first : "-"),
                         msg_shown(m->last ? m->last : "-")};
        printf("%-30s %-12s %8lu %5zu %-10.10s %-10.10s ", cell[0], cell[1], m->rows, m->runs,
               cell[2], cell[3]);
        for (size_t k = 0; k < m->nspell; k++) {
            char *spell = msg_shown(m->spell[k]);
            printf("%s%s", k ? ", " : "", spell);
            free(spell);
        }
        putchar('\n');
        for (int k = 0; k < 4; k++)
            free(cell[k]);
        free(dir);
    }
    if (!cli->quiet)
        msg_line("%zu models in %zu runs", ms.n, x.st.runs);
    if (extract_incomplete(&x))
        status = EXIT_PARTIAL;
done:
    for (size_t i = 0; i < ms.n; i++) {
        for (size_t k = 0; k < ms.v[i].nspell; k++)
            free(ms.v[i].spell[k]);
        free(ms.v[i].spell);
        free(ms.v[i].prefix);
    }
    free(ms.v);
    extract_release(&x);
    cli_selection_release(&s);
    return status;
}
