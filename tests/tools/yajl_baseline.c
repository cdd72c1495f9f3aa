/* yajl_baseline: the benchmark's yardstick, a bare single-threaded yajl parse (no callbacks,
 * 64 KiB reads) of the given JSON files, directories searched for *.json; prints the seconds. */
#include "util/buf.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

#define CHUNK 65536

struct totals {
    unsigned long long files, bytes, failed;
};

static unsigned char chunk[CHUNK];

static void parse_file(const char *path, struct totals *t)
{
    int fd = open(path, O_RDONLY);
    yajl_handle h;
    yajl_status st = yajl_status_ok;
    ssize_t n;

    if (fd < 0) {
        fprintf(stderr, "yajl_baseline: %s: %s\n", path, strerror(errno));
        t->failed++;
        return;
    }
    /* no callbacks: yajl only tokenizes and validates, the least any JSON reader must do */
    h = yajl_alloc(NULL, NULL, NULL);
    while ((n = read(fd, chunk, CHUNK)) > 0) {
        t->bytes += (unsigned long long)n;
        st = yajl_parse(h, chunk, (size_t)n);
        if (st != yajl_status_ok)
            break;
    }
    if (n < 0) {
        fprintf(stderr, "yajl_baseline: %s: %s\n", path, strerror(errno));
        t->failed++;
    } else if (st != yajl_status_ok || yajl_complete_parse(h) != yajl_status_ok) {
        unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
        fprintf(stderr, "yajl_baseline: %s: %s\n", path, (const char *)msg);
        yajl_free_error(h, msg);
        t->failed++;
    }
    yajl_free(h);
    close(fd);
    t->files++;
}

static int has_json_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && !strcmp(name + n - 5, ".json");
}

static void walk(const char *path, struct totals *t, int depth)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "yajl_baseline: %s: %s\n", path, strerror(errno));
        t->failed++;
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        parse_file(path, t);
        return;
    }
    DIR *d = opendir(path);
    struct dirent *de;
    if (!d || depth > 32) {
        if (d)
            closedir(d);
        fprintf(stderr, "yajl_baseline: %s: cannot read directory\n", path);
        t->failed++;
        return;
    }
    while ((de = readdir(d))) {
        struct buf p = BUF_INIT_MAX(65536);
        struct stat cst;
        if (de->d_name[0] == '.')
            continue;
        buf_addf(&p, "%s/%s", path, de->d_name);
        if (stat(p.p, &cst) == 0) {
            if (S_ISDIR(cst.st_mode))
                walk(p.p, t, depth + 1);
            else if (S_ISREG(cst.st_mode) && has_json_suffix(de->d_name))
                parse_file(p.p, t);
        }
        buf_release(&p);
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    struct totals t = {0, 0, 0};
    struct timespec a, b;

    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: yajl_baseline FILE|DIR...\n"
                "Parses each file (each *.json below a directory) with yajl, one thread,\n"
                "64 KiB reads, no callbacks; prints files=N bytes=N failed=N seconds=S.\n");
        return argc < 2 ? 2 : 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 1; i < argc; i++)
        walk(argv[i], &t, 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("files=%llu bytes=%llu failed=%llu seconds=%.3f\n", t.files, t.bytes, t.failed, secs);
    return t.failed ? 1 : 0;
}
