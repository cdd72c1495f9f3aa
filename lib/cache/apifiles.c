/* apifiles: the cache layout of the InferenceX API's rows (see apifiles.h). */
#include "cache/apifiles.h"
#include "cache/jail.h"
#include "reader/apirows.h"
#include "util/fsutil.h"
#include "util/strs.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

int apifiles_name(struct buf *out, const char *display, long attempt)
{
    size_t start = out->len;

    if (buf_adds(out, "benchmarks_") < 0)
        return -1;
    /* display names are [A-Za-z0-9.-]; anything else must not shape a path */
    for (const char *p = display; *p; p++) {
        char c = isalnum((unsigned char)*p) || *p == '.' || *p == '-' ? *p : '_';
        if (buf_addc(out, c) < 0)
            goto toolong;
    }
    if (display[0] == '.' || buf_addf(out, "_a%ld.json", attempt) < 0)
        goto toolong;
    if (!jail_name_ok(out->p + start))
        goto toolong; /* the one check every name of the cache passes (cache/jail.h) */
    return 0;
toolong:
    buf_truncate(out, start);
    return -1;
}

/* "benchmarks_<NAME>_a<N>.json" -> N, else 0 */
static long attempt_of_name(const char *name)
{
    size_t n = strlen(name);
    const char *a;
    long v = 0;

    if (strncmp(name, "benchmarks_", 11) != 0 || n < 19 || strcmp(name + n - 5, ".json") != 0)
        return 0;
    a = name + n - 5;
    while (a > name && isdigit((unsigned char)a[-1]))
        a--;
    if (a == name + n - 5 || a < name + 13 || a[-1] != 'a' || a[-2] != '_')
        return 0;
    for (const char *p = a; p < name + n - 5 && v < RUN_ATTEMPT_MAX; p++)
        v = v * 10 + (*p - '0');
    return v;
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t apifiles_list(const char *run_dir, char ***paths, long *attempt)
{
    struct buf dir = BUF_INIT_MAX(FS_PATH_MAX);
    struct strs names = {0}, out = {0};
    DIR *d;
    struct dirent *de;
    long best = 0;

    *attempt = 0;
    *paths = NULL;
    /* a link in its place is not followed (scan reports it) */
    if (buf_addf(&dir, "%s/" APIFILES_DIR, run_dir) < 0 || !jail_is_dir(dir.p) ||
        !(d = opendir(dir.p))) {
        buf_release(&dir);
        return 0;
    }
    while ((de = readdir(d))) {
        long a = attempt_of_name(de->d_name);
        if (a <= 0)
            continue;
        if (a > best) {
            best = a;
            strs_release(&names);
        }
        if (a == best)
            strs_add(&names, de->d_name);
    }
    closedir(d);
    if (names.n > 1)
        qsort(names.v, names.n, sizeof(*names.v), cmp_strp);
    for (size_t i = 0; i < names.n; i++) {
        struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
        if (buf_addf(&p, "%s/%s", dir.p, names.v[i]) == 0)
            strs_add(&out, p.p);
        buf_release(&p);
    }
    *attempt = best;
    *paths = out.v;
    strs_release(&names);
    buf_release(&dir);
    return out.n;
}

void apifiles_free(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

int apifiles_doc_ok(const char *path)
{
    struct imx_err e = IMX_ERR_INIT;
    struct reader_opts ro = {.label = path};
    struct apirow_stats st = {0, 0, 0};

    return apirows_read_file(path, &ro, &st, &e) == 0;
}
