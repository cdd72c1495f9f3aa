/* replay: runs a fuzz target's entry point over files, without libFuzzer. `make check`
 * links each target with it to replay fuzz/regressions/<target>/ (crashes found, now fixed). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int failed = 0;

    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        unsigned char *buf = NULL, *exact;
        size_t len = 0, cap = 0, n;
        unsigned char chunk[65536];
        if (!fp) {
            perror(argv[i]);
            failed = 1;
            continue;
        }
        while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
            if (len + n > cap) {
                cap = (len + n) * 2;
                buf = realloc(buf, cap);
                if (!buf)
                    abort();
            }
            for (size_t j = 0; j < n; j++)
                buf[len + j] = chunk[j];
            len += n;
        }
        fclose(fp);
        /* an exact-size copy, as libFuzzer passes: a read one past the end is then caught
         * by the sanitizers of `make SANITIZE=...` */
        exact = malloc(len ? len : 1);
        if (!exact)
            abort();
        for (size_t j = 0; j < len; j++)
            exact[j] = buf[j];
        free(buf);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    return failed;
}
