/* fuzz_names: libFuzzer target for the parsers of artifact, file and runner names
 * (isl/osl and model prefix from names, canonical GPU, --model resolution). */
#include "reader/names.h"
#include "table/model.h"
#include "util/buf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct buf b = BUF_INIT_MAX(4096);
    struct model_sel m;
    struct imx_err err = IMX_ERR_INIT;
    char gpu[32];
    long isl, osl;
    size_t pos;

    memcpy(s, data, size);
    s[size] = '\0';
    (void)names_seq_lens(s, &isl, &osl, &pos);
    (void)names_model_prefix(s, &b);
    (void)names_gpu(s, gpu, sizeof(gpu));
    (void)names_prefix_of_model(s);
    if (model_sel_init(&m, s, &err) == 0) {
        char *d = model_sel_dirname(&m);
        (void)model_sel_match(&m, s, s);
        (void)model_sel_match(&m, NULL, "openai/gpt-oss-120b");
        free(d);
    }
    model_sel_release(&m);
    buf_release(&b);
    free(s);
    return 0;
}
