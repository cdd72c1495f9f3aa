/* cmd_extract: imx extract, reading the cache into the tidy table (work in progress). */
#include "cli.h"

int cmd_extract(struct cli *cli)
{
    (void)cli;
    msg_error("extract: not built yet");
    return EXIT_DATA;
}
