/* fuzz_unpack: libFuzzer target for the safe zip unpacker. Each input is written as a zip and
 * unpacked into a fresh folder, which must then hold only regular files and folders, with
 * nothing created next to it (an entry that escaped would show up there). */
#include "cache/unpack.h"
#include "util/fsutil.h"

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* base/in.zip, base/work/out: out is the unpack folder, work its otherwise empty parent. */
static char base[4096], zip[4200], work[4200], out[4300];

static void cleanup(void)
{
    if (base[0])
        remove_tree(base);
}

/* Counts the regular files below dir; aborts on anything that is neither such a file nor a
 * folder (no link, fifo or device may come out of an archive). */
static unsigned long walk(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    unsigned long n = 0;

    if (!d)
        abort();
    while ((e = readdir(d))) {
        char path[8192];
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &st) != 0)
            abort();
        if (S_ISDIR(st.st_mode))
            n += walk(path);
        else if (S_ISREG(st.st_mode))
            n++;
        else
            abort();
    }
    closedir(d);
    return n;
}

/* The entries of dir other than the names given (NULL-terminated); 0 when none. */
static int strangers(const char *dir, const char *const *known)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        abort();
    while ((e = readdir(d))) {
        int ok = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
        for (size_t i = 0; known[i] && !ok; i++)
            ok = !strcmp(e->d_name, known[i]);
        n += !ok;
    }
    closedir(d);
    return n;
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(base, sizeof(base), "%s/imx-fuzz-unpack.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(base))
        abort();
    snprintf(zip, sizeof(zip), "%s/in.zip", base);
    snprintf(work, sizeof(work), "%s/work", base);
    snprintf(out, sizeof(out), "%s/out", work);
    if (mkdir(work, 0700) != 0)
        abort();
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const base_known[] = {"in.zip", "work", NULL};
    static const char *const work_known[] = {"out", NULL};
    struct unpack_limits lim = {.max_bytes = (unsigned long long)1 << 24, .max_entries = 1000};
    struct unpack_result res;
    struct imx_err err = IMX_ERR_INIT;
    FILE *fp;
    int r;

    if (!base[0])
        setup();
    fp = fopen(zip, "wb");
    if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
        abort();
    if (mkdir(out, 0700) != 0)
        abort();
    r = unpack_zip(zip, out, &lim, &res, &err);
    if (r > 0 || (r < 0 && err.code != -r))
        abort();
    if (res.bytes > lim.max_bytes)
        abort();
    /* a whole archive unpacked: every file it counted is there */
    if (walk(out) != res.files && r == 0)
        abort();
    if (strangers(work, work_known) || strangers(base, base_known))
        abort();
    unpack_result_release(&res);
    remove_tree(out);
    return 0;
}
