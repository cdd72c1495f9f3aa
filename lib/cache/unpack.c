/* unpack: safe extraction of artifacts (see unpack.h). Names are checked before anything is
 * created, and only regular files and folders are ever made, so no entry can point elsewhere. */
#include "cache/unpack.h"
#include "cache/jail.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void unpack_result_release(struct unpack_result *res)
{
    for (size_t i = 0; i < res->ncontent; i++)
        free(res->content[i].path);
    free(res->content);
    memset(res, 0, sizeof(*res));
}

static void hex_of(const unsigned char *md, unsigned n, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n && i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[n < 32 ? 2 * n : 64] = '\0';
}

static void content_add(struct unpack_result *res, const char *path, unsigned long long size,
                        const char hex[65])
{
    struct unpack_file *f;

    ALLOC_GROW(res->content, res->ncontent + 1, res->capcontent);
    f = &res->content[res->ncontent++];
    f->path = xstrdup(path);
    f->size = size;
    memcpy(f->sha256, hex, 65);
}

int unpack_hash_file(const char *path, char hex[65], unsigned long long *size)
{
    unsigned char chunk[FS_IO_CHUNK], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx;
    struct stat st;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), r = 0;

    *size = 0;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !(ctx = EVP_MD_CTX_new())) {
        close(fd);
        return -1;
    }
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = -1;
            break;
        }
        EVP_DigestUpdate(ctx, chunk, (size_t)n);
        *size += (unsigned long long)n;
    }
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    close(fd);
    if (r == 0)
        hex_of(md, mdlen, hex);
    return r;
}

int unpack_entry_path(const char *name, struct buf *out)
{
    const char *p = name;

    buf_reset(out);
    if (!name || name[0] == '/')
        return -1;
    /* C:\evil, C:evil: a Windows drive, whatever separator follows */
    if (((name[0] | 0x20) >= 'a' && (name[0] | 0x20) <= 'z') && name[1] == ':')
        return -1;
    if (strlen(name) > UNPACK_PATH_MAX)
        return -1;
    for (const char *q = name; *q; q++)
        if (*q == '\\' || (unsigned char)*q < 0x20 || *q == 0x7f)
            return -1;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return -1;
        if (n > UNPACK_NAME_MAX)
            return -1;
        if (n && !(n == 1 && p[0] == '.')) {
            if (out->len)
                buf_addc(out, '/');
            if (buf_add(out, p, n) < 0)
                return -1;
        }
        p += n;
        while (*p == '/')
            p++;
    }
    return 0;
}

/* The entry paths seen so far, to refuse duplicates (a second entry could replace the first,
 * and which one a reader would see depends on the extractor): an open-addressing hash set. */
struct names {
    char **v;
    int *isdir;
    size_t n, cap; /* cap: a power of two, or 0 */
};

static size_t name_hash(const char *s)
{
    return (size_t)fnv1a(FNV1A_INIT, s, strlen(s));
}

static void names_release(struct names *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->v[i]);
    free(s->v);
    free(s->isdir);
}

static void names_grow(struct names *s)
{
    struct names g = {0};

    g.cap = s->cap ? s->cap * 2 : 64;
    g.v = xcalloc(g.cap, sizeof(*g.v));
    g.isdir = xcalloc(g.cap, sizeof(*g.isdir));
    for (size_t i = 0; i < s->cap; i++) {
        size_t j;
        if (!s->v[i])
            continue;
        for (j = name_hash(s->v[i]) & (g.cap - 1); g.v[j]; j = (j + 1) & (g.cap - 1))
            ;
        g.v[j] = s->v[i];
        g.isdir[j] = s->isdir[i];
    }
    g.n = s->n;
    free(s->v);
    free(s->isdir);
    *s = g;
}

/* Folders and files share one namespace: a file may not repeat any earlier path. */
static int names_add(struct names *s, const char *path, int isdir)
{
    size_t j;

    if ((s->n + 1) * 2 > s->cap)
        names_grow(s);
    for (j = name_hash(path) & (s->cap - 1); s->v[j]; j = (j + 1) & (s->cap - 1)) {
        if (!strcmp(s->v[j], path))
            return isdir && s->isdir[j] ? 0 : -1;
    }
    s->v[j] = xstrdup(path);
    s->isdir[j] = isdir;
    s->n++;
    return 0;
}

/* mkdir -p of rel below dir, refusing anything that is not a folder of ours on the way. */
static int make_dirs(const char *dir, const char *rel, int last_too, struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(UNPACK_PATH_MAX * 2);
    const char *s = rel;
    int r = 0;

    buf_adds(&p, dir);
    while (*s) {
        size_t n = strcspn(s, "/");
        struct stat st;
        if (!s[n] && !last_too)
            break;
        buf_addc(&p, '/');
        buf_add(&p, s, n);
        if (mkdir(p.p, 0755) != 0 && errno != EEXIST) {
            r = imx_seterr(err, IMX_EIO, "cannot create '%s': %s", p.p, strerror(errno));
            break;
        }
        if (lstat(p.p, &st) != 0 || !S_ISDIR(st.st_mode)) {
            r = imx_seterr(err, IMX_EUNSAFE, "archive entry '%s' is both a file and a folder", rel);
            break;
        }
        s += n;
        if (*s == '/')
            s++;
    }
    buf_release(&p);
    return r;
}

static int write_entry(struct archive *a, const char *dir, const char *rel, int mode,
                       unsigned long long *total, unsigned long long max, struct unpack_result *res,
                       struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(UNPACK_PATH_MAX * 2);
    const void *blk;
    size_t n;
    la_int64_t off;
    int fd, r = 0, ar = ARCHIVE_OK;
    EVP_MD_CTX *md;
    unsigned long long size = 0;

    if (make_dirs(dir, rel, 0, err) < 0)
        return -err->code;
    buf_addf(&p, "%s/%s", dir, rel);
    fd = open(p.p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        r = imx_seterr(err, errno == EEXIST || errno == EISDIR ? IMX_EUNSAFE : IMX_EIO,
                       "cannot create '%s': %s", p.p, strerror(errno));
        buf_release(&p);
        return r;
    }
    md = EVP_MD_CTX_new();
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
        r = imx_seterr(err, IMX_EIO, "cannot hash '%s': OpenSSL failed", p.p);
    while (!r && (ar = archive_read_data_block(a, &blk, &n, &off)) == ARCHIVE_OK) {
        const char *b = blk;
        if (n > max || *total > max - n) {
            r = imx_seterr(err, IMX_ETOOBIG, "archive unpacks to more than %llu bytes", max);
            break;
        }
        *total += n;
        size += n;
        EVP_DigestUpdate(md, b, n);
        while (n) {
            ssize_t w = write(fd, b, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                r = imx_seterr(err, IMX_EIO, "cannot write '%s': %s", p.p,
                               strerror(w < 0 ? errno : ENOSPC));
                break;
            }
            b += w;
            n -= (size_t)w;
        }
        if (r)
            break;
    }
    if (!r && ar != ARCHIVE_EOF)
        r = imx_seterr(err, IMX_EPARSE, "damaged archive: entry '%s': %s", rel,
                       archive_error_string(a) ? archive_error_string(a) : "read error");
    if (!r && fsync(fd) != 0)
        r = imx_seterr(err, IMX_EIO, "cannot write '%s': %s", p.p, strerror(errno));
    if (close(fd) != 0 && !r)
        r = imx_seterr(err, IMX_EIO, "cannot write '%s': %s", p.p, strerror(errno));
    if (!r) {
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned int dn = 0;
        char hex[65];
        EVP_DigestFinal_ex(md, d, &dn);
        hex_of(d, dn, hex);
        content_add(res, rel, size, hex);
    }
    EVP_MD_CTX_free(md);
    buf_release(&p);
    return r;
}

/* Whether a component of a relative path starts with a dot. */
static int hidden_component(const char *rel)
{
    for (const char *p = rel; *p; p++)
        if (*p == '.' && (p == rel || p[-1] == '/'))
            return 1;
    return 0;
}

int unpack_zip(const char *zip_path, const char *dir, const struct unpack_limits *lim,
               struct unpack_result *res, struct imx_err *err)
{
    unsigned long long max = lim && lim->max_bytes ? lim->max_bytes : UNPACK_MAX_BYTES;
    unsigned long maxent = lim && lim->max_entries ? lim->max_entries : UNPACK_MAX_ENTRIES;
    struct archive *a = archive_read_new();
    struct archive_entry *ent;
    struct names seen = {0};
    struct buf rel = BUF_INIT_MAX(UNPACK_PATH_MAX * 2);
    unsigned long count = 0;
    int r = 0, ar;
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0), prev = (locale_t)0;

    memset(res, 0, sizeof(*res));
    if (!a)
        return imx_seterr(err, IMX_EIO, "cannot initialise libarchive");
    /* libarchive converts names to the locale's charset: a UTF-8 one (for this thread only)
     * keeps UTF-8 entry names readable under LANG=C */
    if (utf8)
        prev = uselocale(utf8);
    if (lim && lim->tar) {
        archive_read_support_format_tar(a);
        archive_read_support_format_gnutar(a);
        archive_read_support_filter_all(a);
    } else {
        archive_read_support_format_zip(a);
    }
    if (archive_read_open_filename(a, zip_path, FS_IO_CHUNK) != ARCHIVE_OK) {
        r = imx_seterr(err, IMX_EPARSE, "not a readable %s archive: %s",
                       lim && lim->tar ? "tar" : "zip",
                       archive_error_string(a) ? archive_error_string(a) : "unknown error");
        archive_read_free(a);
        goto out;
    }
    while ((ar = archive_read_next_header(a, &ent)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
        const char *name = archive_entry_pathname_utf8(ent);
        mode_t type = archive_entry_filetype(ent);
        la_int64_t declared = archive_entry_size_is_set(ent) ? archive_entry_size(ent) : 0;

        if (!name)
            name = archive_entry_pathname(ent);
        if (++count > maxent) {
            r = imx_seterr(err, IMX_ETOOBIG, "archive has more than %lu entries", maxent);
            break;
        }
        if (!name || unpack_entry_path(name, &rel) < 0) {
            r = imx_seterr(err, IMX_EUNSAFE, "unsafe entry name '%s' in the archive",
                           name ? name : "(unreadable)");
            break;
        }
        if (archive_entry_hardlink(ent) || archive_entry_symlink(ent) || type == AE_IFLNK) {
            r = imx_seterr(err, IMX_EUNSAFE, "archive entry '%s' is a link", name);
            break;
        }
        if (type != AE_IFREG && type != AE_IFDIR) {
            r = imx_seterr(err, IMX_EUNSAFE, "archive entry '%s' is not a file or folder", name);
            break;
        }
        if (rel.len == 0) {
            if (type == AE_IFDIR)
                continue;
            r = imx_seterr(err, IMX_EUNSAFE, "unsafe entry name '%s' in the archive", name);
            break;
        }
        if (lim && lim->tar ? hidden_component(rel.p) : !jail_path_ok(rel.p)) {
            /* '.superseded/', '.git/', 'run.json': never imx's own files, never hidden ones (a
             * tarball of a cache keeps run.json and the manifests: the import reads them) */
            res->skipped++;
            continue;
        }
        if (names_add(&seen, rel.p, type == AE_IFDIR) < 0) {
            r = imx_seterr(err, IMX_EUNSAFE, "duplicate entry '%s' in the archive", rel.p);
            break;
        }
        if (declared > 0 && (unsigned long long)declared > max - res->bytes) {
            r = imx_seterr(err, IMX_ETOOBIG, "archive unpacks to more than %llu bytes", max);
            break;
        }
        if (type == AE_IFDIR) {
            if (make_dirs(dir, rel.p, 1, err) < 0) {
                r = -err->code;
                break;
            }
            res->dirs++;
            continue;
        }
        r = write_entry(a, dir, rel.p, (archive_entry_perm(ent) & 0111) ? 0755 : 0644, &res->bytes,
                        max, res, err);
        if (r < 0)
            break;
        res->files++;
    }
    if (!r && ar != ARCHIVE_EOF)
        r = imx_seterr(err, IMX_EPARSE, "damaged %s archive: %s", lim && lim->tar ? "tar" : "zip",
                       archive_error_string(a) ? archive_error_string(a) : "read error");
    archive_read_free(a);
    if (!r)
        fsync_dir(dir);
out:
    names_release(&seen);
    buf_release(&rel);
    if (utf8) {
        uselocale(prev);
        freelocale(utf8);
    }
    return r;
}

/* Copies src to dst (when a rename cannot cross file systems). */
static int copy_file(const char *src, const char *dst, struct imx_err *err)
{
    char chunk[FS_IO_CHUNK];
    int in = open(src, O_RDONLY | O_CLOEXEC), out, r = 0;
    ssize_t n;

    if (in < 0)
        return imx_seterr(err, IMX_EIO, "cannot open '%s': %s", src, strerror(errno));
    out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out < 0) {
        r = imx_seterr(err, IMX_EIO, "cannot create '%s': %s", dst, strerror(errno));
        close(in);
        return r;
    }
    while ((n = read(in, chunk, sizeof(chunk))) > 0) {
        if (write(out, chunk, (size_t)n) != n) {
            r = imx_seterr(err, IMX_EIO, "cannot write '%s': %s", dst, strerror(errno));
            break;
        }
    }
    if (n < 0 && !r)
        r = imx_seterr(err, IMX_EIO, "cannot read '%s': %s", src, strerror(errno));
    if (!r && fsync(out) != 0)
        r = imx_seterr(err, IMX_EIO, "cannot write '%s': %s", dst, strerror(errno));
    close(out);
    close(in);
    if (!r)
        unlink(src);
    return r;
}

int unpack_raw(const char *file, const char *dir, const char *filename, const char *fallback,
               struct unpack_result *res, struct imx_err *err)
{
    struct buf dst = BUF_INIT_MAX(UNPACK_PATH_MAX * 2);
    const char *name = filename && jail_name_ok(filename) ? filename : fallback;
    int r = 0, fd;

    memset(res, 0, sizeof(*res));
    if (!name || !jail_name_ok(name))
        name = "artifact";
    buf_addf(&dst, "%s/%s", dir, name);
    fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    if (path_exists(dst.p)) {
        r = imx_seterr(err, IMX_EUNSAFE, "'%s' exists already", dst.p);
    } else if (rename(file, dst.p) != 0) {
        if (errno == EXDEV)
            r = copy_file(file, dst.p, err);
        else
            r = imx_seterr(err, IMX_EIO, "cannot move '%s' to '%s': %s", file, dst.p,
                           strerror(errno));
    }
    if (!r) {
        char hex[65];
        unsigned long long size;
        fsync_dir(dir);
        if (unpack_hash_file(dst.p, hex, &size) < 0)
            r = imx_seterr(err, IMX_EIO, "cannot read '%s' back: %s", dst.p, strerror(errno));
        else {
            content_add(res, name, size, hex);
            res->files = 1;
            res->bytes = size;
        }
    }
    buf_release(&dst);
    return r;
}
