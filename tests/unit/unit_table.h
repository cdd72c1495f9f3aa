/* unit_table.h: the reader callback the table tests share: rows through the reader into a
 * table, as extract would keep them (rank: the row's index in its file). */
#ifndef IMX_UNIT_TABLE_H
#define IMX_UNIT_TABLE_H

#include "reader/reader.h"
#include "table/table.h"

#include <stdint.h>

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

#endif
