/* Unit test of trow_sort_key: the bytewise order of the keys (SQLite's BLOB order) is the
 * table's own order, for numbers (negative, fractional, equal as numbers), text and missing. */
#include "reader/reader.h"
#include "table/table.h"
#include "unit.h"
#include "unit_table.h"

#include <stdlib.h>
#include <string.h>

static int blob_cmp(const struct buf *a, const struct buf *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->p, b->p, n);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static void key_order_is_table_order(void)
{
    static const char json[] =
        "[{\"hw\":\"h100\",\"tp\":8,\"conc\":64},{\"hw\":\"h100\",\"tp\":8,\"conc\":4},"
        " {\"hw\":\"h100\",\"tp\":8,\"conc\":4.0},{\"hw\":\"h100\",\"tp\":16,\"conc\":4},"
        " {\"hw\":\"h100\",\"tp\":-1,\"conc\":4},{\"hw\":\"h100\",\"tp\":0.5,\"conc\":4},"
        " {\"hw\":\"h100\",\"conc\":4},{\"hw\":\"b200\",\"tp\":8,\"conc\":4},"
        " {\"hw\":\"b200-trt\",\"tp\":8,\"conc\":4},{\"tp\":8,\"conc\":4},"
        " {\"hw\":\"h100\",\"tp\":8,\"conc\":4,\"isl\":1024},"
        " {\"hw\":\"h100\",\"tp\":8,\"conc\":4,\"isl\":8192,\"framework\":\"vllm\"},"
        " {\"hw\":\"h100\",\"tp\":8,\"conc\":4,\"isl\":8192,\"framework\":\"sglang\"},"
        " {\"hw\":\"h100\",\"tp\":8,\"conc\":4,\"prefill_knob\":\"a\"}]";
    struct table t;
    struct reader_opts o = {.fn = unit_table_put, .ud = &t, .label = "t"};
    struct imx_err e = IMX_ERR_INIT;
    struct trow **rows;
    struct buf prev = BUF_INIT, cur = BUF_INIT;
    size_t n;

    table_init(&t);
    CHECK(reader_read_mem(json, strlen(json), &o, &e) == 0);
    rows = table_sorted(&t, &n);
    CHECK(n == 14);
    for (size_t i = 0; i < n; i++) {
        buf_reset(&cur);
        trow_sort_key(rows[i], &cur);
        if (i)
            CHECK(blob_cmp(&prev, &cur) < 0);
        buf_reset(&prev);
        buf_add(&prev, cur.p, cur.len);
    }
    buf_release(&prev);
    buf_release(&cur);
    free(rows);
    table_release(&t);
}

int main(void)
{
    RUN(key_order_is_table_order);
    UNIT_END();
}
