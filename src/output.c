/* output: opening, rewinding and committing a command's output. */
#include "output.h"
#include "cli.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OUT_ATOMIC, OUT_DIRECT, OUT_SPOOL };

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && !strcasecmp(s + n - k, tail);
}

enum out_format out_format_of(const char *format, const char *path)
{
    if (format)
        return !strcmp(format, "jsonl")    ? FMT_JSONL
               : !strcmp(format, "sqlite") ? FMT_SQLITE
                                           : FMT_CSV;
    if (path && (ends_with(path, ".jsonl") || ends_with(path, ".ndjson")))
        return FMT_JSONL;
    if (path &&
        (ends_with(path, ".sqlite") || ends_with(path, ".sqlite3") || ends_with(path, ".db")))
        return FMT_SQLITE;
    return FMT_CSV;
}

const char *out_format_ext(enum out_format f)
{
    return f == FMT_JSONL ? "jsonl" : f == FMT_SQLITE ? "sqlite" : "csv";
}

int out_make_parent(struct out *o, const char *path)
{
    struct imx_err err = IMX_ERR_INIT;
    char *dir = xstrdup(path), *slash = strrchr(dir, '/');
    size_t made = 0;
    int r = 0;

    if (slash && slash != dir) {
        *slash = '\0';
        r = mkdir_p_made(dir, &made, &err);
    }
    if (made) {
        o->made_dir = dir;
        o->made = made;
    } else {
        free(dir);
    }
    if (r < 0) {
        msg_error("%s", err.msg);
        return EXIT_FS;
    }
    return EXIT_OK;
}

void out_made_done(struct out *o, int failed)
{
    if (o->made_dir && failed)
        rmdir_made(o->made_dir, o->made);
    free(o->made_dir);
    o->made_dir = NULL;
}

int out_open(struct out *o, const char *path, int rewindable)
{
    struct imx_err err = IMX_ERR_INIT;
    struct stat st;

    memset(o, 0, sizeof(*o));
    o->af.slot = -1;
    if (!strcmp(path, "-") || (stat(path, &st) == 0 && !S_ISREG(st.st_mode))) {
        /* a device or a pipe (-o /dev/null, a FIFO): write into it; renaming over it would
         * replace the device itself */
        o->label = strcmp(path, "-") ? path : "standard output";
        o->dest = strcmp(path, "-") ? fopen(path, "w") : stdout;
        if (!o->dest) {
            msg_error("cannot open '%s': %s", path, strerror(errno));
            return EXIT_FS;
        }
        o->mode = OUT_DIRECT;
        o->fp = o->dest;
        if (rewindable) {
            o->mode = OUT_SPOOL;
            o->fp = tmpfile();
            if (!o->fp) {
                msg_error("cannot create a temporary file for '%s': %s", o->label, strerror(errno));
                if (o->dest != stdout)
                    fclose(o->dest);
                return EXIT_FS;
            }
        }
        return EXIT_OK;
    }
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* replace the file the link points to, not the link */
        o->real = realpath(path, NULL);
        if (o->real)
            path = o->real;
    }
    o->label = path;
    if (out_make_parent(o, path) != EXIT_OK) {
        free(o->real);
        return EXIT_FS;
    }
    if (atomic_file_open(&o->af, path, &err) < 0) {
        msg_error("%s", err.msg);
        out_made_done(o, 1);
        free(o->real);
        return EXIT_FS;
    }
    o->mode = OUT_ATOMIC;
    o->fp = o->af.fp;
    return EXIT_OK;
}

int out_rewind(struct out *o)
{
    if (o->mode == OUT_DIRECT || fflush(o->fp) != 0 || ftruncate(fileno(o->fp), 0) != 0) {
        msg_error("cannot rewrite '%s': %s", o->label, strerror(errno ? errno : EIO));
        return EXIT_FS;
    }
    rewind(o->fp);
    return EXIT_OK;
}

static int copy_spool(struct out *o)
{
    char b[65536];
    size_t n;

    rewind(o->fp);
    while ((n = fread(b, 1, sizeof(b), o->fp)) > 0)
        if (fwrite(b, 1, n, o->dest) != n)
            break;
    if (ferror(o->fp) || ferror(o->dest) || fflush(o->dest) != 0)
        return -1;
    return 0;
}

static int close_dest(struct out *o, int status)
{
    if (fflush(o->dest) != 0 && status == EXIT_OK) {
        msg_error("cannot write '%s': %s", o->label, strerror(errno));
        status = EXIT_FS;
    }
    if (o->dest != stdout && fclose(o->dest) != 0 && status == EXIT_OK) {
        msg_error("cannot write '%s': %s", o->label, strerror(errno));
        status = EXIT_FS;
    }
    return status;
}

int out_commit(struct out *o)
{
    struct imx_err err = IMX_ERR_INIT;
    int status = EXIT_OK;

    if (o->mode == OUT_ATOMIC) {
        if (atomic_file_commit(&o->af, &err) < 0) {
            msg_error("%s (the previous file, if any, is unchanged)", err.msg);
            status = EXIT_FS;
        }
    } else {
        if (o->mode == OUT_SPOOL) {
            if (copy_spool(o) < 0) {
                msg_error("cannot write '%s': %s", o->label, strerror(errno ? errno : EIO));
                status = EXIT_FS;
            }
            fclose(o->fp);
        }
        status = close_dest(o, status);
    }
    out_made_done(o, status != EXIT_OK);
    free(o->real);
    o->real = NULL;
    return status;
}

void out_abort(struct out *o)
{
    if (o->mode == OUT_ATOMIC) {
        atomic_file_abort(&o->af);
    } else {
        if (o->mode == OUT_SPOOL)
            fclose(o->fp);
        if (o->dest && o->dest != stdout)
            fclose(o->dest);
    }
    out_made_done(o, 1);
    free(o->real);
    o->real = NULL;
}
