/* cmd_gpus: `imx gpus`: the GPU constants the analysis uses (the built-in table, or with
 * --gpu-specs / $IMX_GPU_SPECS merged in), as CSV that --gpu-specs reads back. */
#include "analysis.h"

#include <stdio.h>

int cmd_gpus(struct cli *cli)
{
    static const char *const origin[] = {"built-in", "overridden", "added"};
    struct gpu_table g;
    struct buf b = BUF_INIT_MAX(BUF_MAX_DEFAULT);
    int status = cli_gpu_table(cli, &g);

    if (status != EXIT_OK)
        return status;
    buf_adds(&b, "gpu");
    for (int i = 0; i < NGC; i++)
        buf_addf(&b, ",%s", gpu_const_names[i]);
    buf_adds(&b, ",origin\n");
    for (size_t i = 0; i < g.n; i++) {
        buf_adds(&b, g.v[i].gpu);
        for (int k = 0; k < NGC; k++)
            cell_num(&b, g.v[i].v[k]);
        cell_str(&b, origin[g.v[i].origin]);
        buf_addc(&b, '\n');
    }
    status = cli_write_text(cli, &b);
    if (status == EXIT_OK)
        cli_gpu_summary(cli, &g, NULL);
    buf_release(&b);
    gpu_table_release(&g);
    return status;
}
