/* csv: the CSV writer (RFC 4180 quoting; one buffered line at a time). */
#include "writer/csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void csv_field(struct buf *out, const char *s, size_t len)
{
    int quote = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') {
            quote = 1;
            break;
        }
    }
    if (!quote) {
        buf_add(out, s, len);
        return;
    }
    buf_addc(out, '"');
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            buf_addc(out, '"');
        buf_addc(out, s[i]);
    }
    buf_addc(out, '"');
}

/* Would a spreadsheet read this text as a formula? Numbers (-1.5, +3) are left alone: they
 * are values, and imx never changes a number's text. */
static int formula_like(const char *s, size_t len)
{
    char *end;

    if (!len || !strchr("=+-@\t\r", s[0]))
        return 0;
    if (s[0] == '-' || s[0] == '+') {
        (void)strtod(s, &end);
        if (end == s + len && len > 1)
            return 0;
    }
    return 1;
}

void csv_field_safe(struct buf *out, const char *s, size_t len)
{
    if (formula_like(s, len)) {
        struct buf t = BUF_INIT_MAX(BUF_ROW_MAX);
        buf_addc(&t, '\'');
        buf_add(&t, s, len);
        csv_field(out, t.p, t.len);
        buf_release(&t);
        return;
    }
    csv_field(out, s, len);
}

/* One cell, neutralised when the column set asks for it. */
static void cell(struct buf *out, const struct colset *cs, const char *s, size_t len)
{
    if (cs->csv_safe)
        csv_field_safe(out, s, len);
    else
        csv_field(out, s, len);
}

int csv_header(FILE *fp, const char *label, const struct colset *cs, struct imx_err *err)
{
    struct buf line = BUF_INIT_MAX(BUF_ROW_MAX);

    for (size_t c = 0; c < cs->n; c++) {
        if (c)
            buf_addc(&line, ',');
        cell(&line, cs, cs->v[c].name, strlen(cs->v[c].name));
    }
    buf_addc(&line, '\n');
    fwrite(line.p, 1, line.len, fp);
    buf_release(&line);
    return writer_status(fp, label, err);
}

int csv_rows(FILE *fp, const char *label, const struct colset *cs, struct trow *const *rows,
             size_t n, const struct run_list *runs, struct imx_err *err)
{
    struct buf line = BUF_INIT_MAX(BUF_ROW_MAX);
    char scratch[32];

    for (size_t i = 0; i < n; i++) {
        const int *fields = colset_fields(cs, rows[i]);
        buf_reset(&line);
        for (size_t c = 0; c < cs->n; c++) {
            size_t len;
            enum val_kind kind;
            const char *v = column_value_at(cs, c, rows[i], runs, fields, scratch, &len, &kind);
            if (c)
                buf_addc(&line, ',');
            if (v)
                cell(&line, cs, v, len);
        }
        buf_addc(&line, '\n');
        if (fwrite(line.p, 1, line.len, fp) != line.len)
            break;
    }
    buf_release(&line);
    return writer_status(fp, label, err);
}

int csv_write(FILE *fp, const char *label, const struct colset *cs, struct trow *const *rows,
              size_t n, const struct run_list *runs, struct imx_err *err)
{
    if (csv_header(fp, label, cs, err) < 0)
        return -IMX_EIO;
    return csv_rows(fp, label, cs, rows, n, runs, err);
}
