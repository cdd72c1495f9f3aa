/* unit_table.h: the reader callback the table tests share: rows through the reader into a
 * table, as extract would keep them (rank: the row's index in its file). */
#ifndef IMX_UNIT_TABLE_H
#define IMX_UNIT_TABLE_H

#include "reader/reader.h"
#include "table/table.h"
#include "unit.h"

#include <stdint.h>
#include <string.h>

static inline int unit_table_put(void *ud, struct row *r, size_t index)
{
    struct table *t = ud;
    struct row_key k;
    struct row_rank rank = {0, 0, (uint32_t)index};
    row_key_init(&k);
    table_prepare(r, &k);
    table_put(t, table_make(r, &k, rank));
    row_key_release(&k);
    return 0;
}

/* The rows of a JSON array in the table's order (free() the array, table_release t). */
static inline struct trow **unit_table_load(struct table *t, const char *json, size_t *n)
{
    struct reader_opts o = {.fn = unit_table_put, .ud = t, .label = "t"};
    struct imx_err e = IMX_ERR_INIT;
    table_init(t);
    CHECK(reader_read_mem(json, strlen(json), &o, &e) == 0);
    return table_sorted(t, n);
}

#endif
