/* cmd_columns: `imx columns`: every column imx writes, tab-separated: name, unit, the smallest
 * column set that shows it, the row field it comes from, and what it means. imx(1)'s column
 * reference is this output (tests/e2e/columns.sh keeps the two equal). */
#include "cli.h"
#include "writer/coldoc.h"

#include <stdio.h>

int cmd_columns(struct cli *cli)
{
    struct coldoc_list l;

    (void)cli;
    coldoc_list(&l);
    printf("name\tunit\tset\tsource\tmeaning\n");
    for (size_t i = 0; i < l.n; i++)
        printf("%s\t%s\t%s\t%s\t%s\n", l.v[i].name, l.v[i].unit, l.v[i].set, l.v[i].source,
               l.v[i].meaning);
    coldoc_list_release(&l);
    return EXIT_OK;
}
