/* fuzz_reader: libFuzzer target for the streaming row reader and what consumes its rows
 * (configuration key, kept-row copy). Any input must parse or fail cleanly: no crash, no leak. */
#include "reader/reader.h"
#include "table/table.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_row(void *ud, struct row *r, size_t index)
{
    struct row_key *k = ud;
    struct row_rank rank = {1, 0, (uint32_t)index};
    table_prepare(r, k);
    free(table_make(r, k, rank));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct row_key k;
    struct imx_err err = IMX_ERR_INIT;
    struct reader_stats st = {0};
    struct reader_opts o = {.fn = on_row, .ud = &k, .label = "fuzz", .st = &st};

    row_key_init(&k);
    (void)reader_read_mem((const char *)data, size, &o, &err);
    row_key_release(&k);
    return 0;
}
