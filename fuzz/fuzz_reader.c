/* fuzz_reader: libFuzzer target for the streaming row reader and what consumes its rows
 * (configuration key, kept-row copy). Any input must parse or fail cleanly: no crash, no leak;
 * and a read that skips dropped rows must give exactly what a full parse gives. */
#include "reader/reader.h"
#include "table/table.h"
#include "util/buf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    struct row_key k;
    struct buf dump; /* every field of every row delivered, and its index */
};

static int on_row(void *ud, struct row *r, size_t index)
{
    struct seen *s = ud;
    struct row_rank rank = {1, 0, (uint32_t)index};

    table_prepare(r, &s->k);
    free(table_make(r, &s->k, rank));
    buf_addf(&s->dump, "%zu:", index);
    for (size_t i = 0; i < r->n; i++) {
        buf_add(&s->dump, row_key(r, i), row_klen(r, i) + 1);
        buf_add(&s->dump, row_val(r, i), r->f[i].vlen + 1);
        buf_addc(&s->dump, (char)('0' + r->f[i].kind));
    }
    return 0;
}

/* Drops rows whose "m" starts with 'x' (or is empty). */
static int keep_m(void *ud, const char *val, size_t len)
{
    (void)ud;
    return len > 0 && val[0] != 'x';
}

static void read_once(const uint8_t *data, size_t size, int no_skip, struct seen *s,
                      struct reader_stats *st, struct imx_err *err, int *r)
{
    struct reader_opts o = {.fn = on_row,
                            .ud = s,
                            .label = "fuzz",
                            .st = st,
                            .watch_key = "m",
                            .watch = keep_m,
                            .no_skip = no_skip};

    row_key_init(&s->k);
    buf_init(&s->dump, (size_t)1 << 26);
    *r = reader_read_mem((const char *)data, size, &o, err);
    row_key_release(&s->k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seen a, b;
    struct imx_err ea = IMX_ERR_INIT, eb = IMX_ERR_INIT;
    struct reader_stats sa = {0}, sb = {0};
    int ra, rb;

    read_once(data, size, 0, &a, &sa, &ea, &ra);
    read_once(data, size, 1, &b, &sb, &eb, &rb);
    sa.skipped = sb.skipped = 0; /* the one count that differs: how many rows were skipped */
    if (ra != rb || strcmp(ea.msg, eb.msg) || a.dump.len != b.dump.len ||
        memcmp(a.dump.p, b.dump.p, a.dump.len) || memcmp(&sa, &sb, sizeof(sa)))
        abort(); /* the skip changed what the reader tells */
    buf_release(&a.dump);
    buf_release(&b.dump);
    return 0;
}
