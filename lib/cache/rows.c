/* rows: per-model row counts of a cached run (see rows.h). Only the nesting and one key are
 * looked at, so a pass costs little more than reading the file. */
#include "cache/rows.h"
#include "cache/scan.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <yajl/yajl_parse.h>

#include <stdlib.h>
#include <string.h>

#define ROWS_FILE_MAX ((size_t)512 << 20)

void run_rows_release(struct run_rows *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].model);
    free(r->v);
    memset(r, 0, sizeof(*r));
}

void run_rows_add(struct run_rows *r, const char *model, unsigned long rows)
{
    size_t i;

    for (i = 0; i < r->n; i++) {
        int c = strcmp(r->v[i].model, model);
        if (c == 0) {
            r->v[i].rows += rows;
            r->total += rows;
            return;
        }
        if (c > 0)
            break;
    }
    ALLOC_GROW(r->v, r->n + 1, r->cap);
    memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(*r->v));
    r->v[i].model = xstrdup(model);
    r->v[i].rows = rows;
    r->n++;
    r->total += rows;
}

struct counter {
    struct run_rows *out;
    int level;                 /* containers open */
    char kind[JSON_DEPTH_MAX]; /* '{' or '[' per level (1-based) */
    int row_level;             /* level of the row object being read, 0 when none */
    int want_value;            /* the last key at row level was infmax_model_prefix */
    char model[128];
};

static int open_c(struct counter *c, char k)
{
    if (++c->level >= JSON_DEPTH_MAX)
        return 0;
    c->kind[c->level] = k;
    if (k == '{' && !c->row_level && (c->level == 1 || (c->level == 2 && c->kind[1] == '['))) {
        c->row_level = c->level;
        c->model[0] = '\0';
    }
    c->want_value = 0;
    return 1;
}

static int on_start_map(void *ud)
{
    return open_c(ud, '{');
}

static int on_start_array(void *ud)
{
    return open_c(ud, '[');
}

static int on_end(void *ud)
{
    struct counter *c = ud;
    if (c->row_level && c->level == c->row_level) {
        run_rows_add(c->out, c->model[0] ? c->model : "?", 1);
        c->row_level = 0;
    }
    c->level--;
    c->want_value = 0;
    return 1;
}

static int on_key(void *ud, const unsigned char *k, size_t n)
{
    struct counter *c = ud;
    if (memchr(k, '\0', n))
        return 0; /* the reader skips such a file: none of its rows count */
    c->want_value = c->row_level && c->level == c->row_level && n == 19 &&
                    !memcmp(k, "infmax_model_prefix", 19);
    return 1;
}

static int on_string(void *ud, const unsigned char *s, size_t n)
{
    struct counter *c = ud;
    if (memchr(s, '\0', n))
        return 0;
    if (c->want_value && n < sizeof(c->model)) {
        memcpy(c->model, s, n);
        c->model[n] = '\0';
    }
    c->want_value = 0;
    return 1;
}

static int on_scalar(void *ud)
{
    ((struct counter *)ud)->want_value = 0;
    return 1;
}

static int on_bool(void *ud, int b)
{
    (void)b;
    return on_scalar(ud);
}

static int on_number(void *ud, const char *s, size_t n)
{
    (void)s;
    (void)n;
    return on_scalar(ud);
}

static const yajl_callbacks callbacks = {
    on_scalar,    on_bool, NULL,   NULL,           on_number, on_string,
    on_start_map, on_key,  on_end, on_start_array, on_end,
};

int rows_count_text(const char *text, size_t len, struct run_rows *out)
{
    struct counter c;
    yajl_handle h;
    int ok;

    memset(&c, 0, sizeof(c));
    c.out = out;
    h = yajl_alloc(&callbacks, NULL, &c);
    ok = yajl_parse(h, (const unsigned char *)text, len) == yajl_status_ok &&
         yajl_complete_parse(h) == yajl_status_ok;
    yajl_free(h);
    return ok ? 0 : -1;
}

int rows_count_run(const char *run_dir, struct run_rows *out)
{
    struct run_info ri;

    memset(&ri, 0, sizeof(ri));
    ri.dir = xstrdup(run_dir);
    run_info_find_files(&ri);
    for (size_t i = 0; i < ri.nfiles; i++) {
        struct imx_err e = IMX_ERR_INIT;
        struct run_rows one;
        char *text = NULL;
        size_t len = 0;

        memset(&one, 0, sizeof(one));
        if (read_file(ri.files[i].path, ROWS_FILE_MAX, &text, &len, &e) < 0 ||
            rows_count_text(text, len, &one) < 0) {
            out->bad_files++;
        } else {
            for (size_t k = 0; k < one.n; k++)
                run_rows_add(out, one.v[k].model, one.v[k].rows);
        }
        run_rows_release(&one);
        free(text);
    }
    run_info_release(&ri);
    return 0;
}

void run_rows_format(const struct run_rows *r, struct buf *out)
{
    for (size_t i = 0; i < r->n; i++)
        buf_addf(out, "%s%s %lu", i ? ", " : "", r->v[i].model, r->v[i].rows);
}
