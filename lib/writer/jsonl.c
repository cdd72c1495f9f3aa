/* jsonl: the JSON Lines writer (one buffered line per row). */
#include "writer/jsonl.h"

#include <errno.h>
#include <string.h>

int jsonl_rows(FILE *fp, const char *label, const struct colset *cs, struct trow *const *rows,
               size_t n, const struct run_list *runs, struct imx_err *err)
{
    struct buf line = BUF_INIT_MAX(BUF_ROW_MAX);
    char scratch[32];

    for (size_t i = 0; i < n; i++) {
        const int *fields = colset_fields(cs, rows[i]);
        int first = 1;
        buf_reset(&line);
        buf_addc(&line, '{');
        for (size_t c = 0; c < cs->n; c++) {
            size_t len;
            enum val_kind kind;
            const char *v = column_value_at(cs, c, rows[i], runs, fields, scratch, &len, &kind);
            if (!v)
                continue;
            if (!first)
                buf_addc(&line, ',');
            first = 0;
            buf_add_json(&line, cs->v[c].name);
            buf_addc(&line, ':');
            if (kind == VAL_NUM || kind == VAL_BOOL)
                buf_add(&line, v, len);
            else
                buf_add_json(&line, v);
        }
        buf_adds(&line, "}\n");
        if (fwrite(line.p, 1, line.len, fp) != line.len)
            break;
    }
    buf_release(&line);
    return writer_status(fp, label, err);
}
