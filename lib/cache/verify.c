/* verify: damage found by size, then by SHA-256 (see verify.h). Reads only; never follows a
 * link (a recorded file replaced by a link is damage, not a file to read). */
#include "cache/verify.h"
#include "cache/apifiles.h"
#include "cache/scan.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const kind_names[] = {"missing",    "cut",        "changed",
                                         "unexpected", "unreadable", "not readable"};

const char *damage_name(enum damage_kind k)
{
    return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "damaged";
}

void run_check_release(struct run_check *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].path);
    free(c->v);
    memset(c, 0, sizeof(*c));
}

static void add(struct run_check *c, const char *path, enum damage_kind k, unsigned long long want,
                unsigned long long have, const struct manifest_art *a)
{
    struct damage *d;

    if (!c)
        return;
    ALLOC_GROW(c->v, c->n + 1, c->cap);
    d = &c->v[c->n++];
    d->path = xstrdup(path);
    d->kind = k;
    d->want = want;
    d->have = have;
    d->art_id = a ? a->id : 0;
    d->kept = a && a->state == ART_SUPERSEDED;
}

/* The artifact's folder relative to the run folder: "" for the aggregate. */
static const char *art_base(const struct manifest_art *a)
{
    return !a->path || !strcmp(a->path, ".") ? "" : a->path;
}

static void join(struct buf *b, const char *base, const char *rel)
{
    buf_reset(b);
    if (*base)
        buf_addf(b, "%s/", base);
    buf_adds(b, rel);
}

/* One recorded file: 1 when damaged. */
static int check_file(const char *run_dir, const char *rel, const struct unpack_file *f, int deep,
                      struct run_check *c, const struct manifest_art *a)
{
    struct buf full = BUF_INIT_MAX(FS_PATH_MAX);
    struct stat st;
    int bad = 1;

    buf_addf(&full, "%s/%s", run_dir, rel);
    if (c) {
        c->files++;
        c->bytes += f->size;
    }
    if (lstat(full.p, &st) != 0) {
        add(c, rel, DAMAGE_MISSING, f->size, 0, a);
    } else if (!S_ISREG(st.st_mode)) {
        add(c, rel, DAMAGE_CHANGED, f->size, 0, a);
    } else if ((unsigned long long)st.st_size < f->size) {
        add(c, rel, DAMAGE_CUT, f->size, (unsigned long long)st.st_size, a);
    } else if ((unsigned long long)st.st_size != f->size) {
        add(c, rel, DAMAGE_CHANGED, f->size, (unsigned long long)st.st_size, a);
    } else if (deep) {
        char hex[65];
        unsigned long long size;
        int h = unpack_hash_file(full.p, hex, &size);
        if (h < 0 && (errno == EACCES || errno == EPERM))
            add(c, rel, DAMAGE_DENIED, f->size, f->size, a);
        else if (h < 0 || size != f->size || strcmp(hex, f->sha256))
            add(c, rel, DAMAGE_CHANGED, f->size, size, a);
        else
            bad = 0;
    } else {
        bad = 0;
    }
    buf_release(&full);
    return bad;
}

/* An artifact recorded without digests: its files (aggregate) or folder must at least exist. */
static int check_unrecorded(const char *run_dir, const struct manifest_art *a, struct run_check *c)
{
    struct buf full = BUF_INIT_MAX(FS_PATH_MAX);
    int bad = 0;

    if (c)
        c->unrecorded++;
    if (!strcmp(art_base(a), "")) {
        for (size_t i = 0; i < a->nfiles; i++) {
            buf_reset(&full);
            buf_addf(&full, "%s/%s", run_dir, a->files[i]);
            if (!path_exists(full.p)) {
                add(c, a->files[i], DAMAGE_MISSING, 0, 0, a);
                bad = 1;
            }
        }
    } else {
        buf_addf(&full, "%s/%s", run_dir, art_base(a));
        if (!path_exists(full.p)) {
            add(c, art_base(a), DAMAGE_MISSING, 0, 0, a);
            bad = 1;
        }
    }
    buf_release(&full);
    return bad;
}

/* ---- files nobody recorded ------------------------------------------------------------- */

/* Whether rel (a file below the run folder) is accounted for. */
static int claimed(const struct manifest *m, const char *rel)
{
    struct buf b = BUF_INIT_MAX(FS_PATH_MAX);
    int yes = 0;

    if (!strcmp(rel, "run.json") || !strcmp(rel, STORE_MANIFEST) || !strncmp(rel, ".damaged/", 9))
        return 1;
    for (size_t i = 0; i < m->n && !yes; i++) {
        const struct manifest_art *a = &m->arts[i];
        const char *base = art_base(a);
        size_t bl = strlen(base);

        if (a->state != ART_COMPLETE && a->state != ART_SUPERSEDED)
            continue;
        if (a->has_content) {
            for (size_t k = 0; k < a->ncontent && !yes; k++) {
                join(&b, base, a->content[k].path);
                yes = !strcmp(b.p, rel);
            }
        } else if (bl) {
            yes = !strncmp(rel, base, bl) && rel[bl] == '/';
        } else {
            for (size_t k = 0; k < a->nfiles && !yes; k++) {
                size_t fl = strlen(a->files[k]);
                yes = !strncmp(rel, a->files[k], fl) && (!rel[fl] || rel[fl] == '/');
            }
        }
    }
    buf_release(&b);
    return yes;
}

/* A temporary file or staging folder of a writer at work (swept at the next lock). */
static int transient(const char *name)
{
    size_t n = strlen(name);
    const char *t = strstr(name, ".tmp-");
    return !strncmp(name, ".staging-", 9) ||
           (name[0] == '.' && t && t > name && n >= 11 && t == name + n - 11);
}

/* Lists the files below rel that nothing accounts for (API documents the manifest does not
 * record are check_api_docs's). */
static void walk(const char *run_dir, const char *rel, const struct manifest *m,
                 struct run_check *c, int depth)
{
    struct buf full = BUF_INIT_MAX(FS_PATH_MAX), child = BUF_INIT_MAX(FS_PATH_MAX);
    DIR *d;
    struct dirent *de;

    buf_addf(&full, "%s%s%s", run_dir, *rel ? "/" : "", rel);
    d = depth < 64 ? opendir(full.p) : NULL;
    while (d && (de = readdir(d))) {
        struct stat st;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || transient(de->d_name))
            continue;
        join(&child, rel, de->d_name);
        buf_reset(&full);
        buf_addf(&full, "%s/%s", run_dir, child.p);
        if (lstat(full.p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (strcmp(child.p, ".damaged"))
                walk(run_dir, child.p, m, c, depth + 1);
        } else if (!claimed(m, child.p) && strncmp(child.p, APIFILES_DIR "/", 4)) {
            add(c, child.p, DAMAGE_UNEXPECTED, 0, (unsigned long long)st.st_size, NULL);
        }
    }
    if (d)
        closedir(d);
    buf_release(&full);
    buf_release(&child);
}

size_t verify_run(const char *run_dir, struct manifest *m, int deep, struct run_check *out)
{
    struct buf rel = BUF_INIT_MAX(FS_PATH_MAX);
    size_t damaged = 0;

    for (size_t i = 0; i < m->n; i++) {
        struct manifest_art *a = &m->arts[i];
        int bad = 0;

        if (a->state != ART_COMPLETE && a->state != ART_SUPERSEDED)
            continue;
        if (!a->path)
            continue;
        if (!a->has_content) {
            bad = check_unrecorded(run_dir, a, out);
        } else {
            for (size_t k = 0; k < a->ncontent; k++) {
                join(&rel, art_base(a), a->content[k].path);
                bad |= check_file(run_dir, rel.p, &a->content[k], deep, out, a);
            }
        }
        if (bad) {
            damaged++;
            if (a->state == ART_COMPLETE)
                a->damaged = 1;
        }
    }
    if (deep && out)
        walk(run_dir, "", m, out, 0);
    buf_release(&rel);
    return damaged;
}

/* The API's documents of the run that the manifest does not record (an older imx stored them
 * without digests): each must read whole. Recorded ones were re-hashed with the artifacts. */
static void check_api_docs(const char *run_dir, const struct manifest *m, struct run_check *c)
{
    char **docs;
    long attempt;
    size_t n = apifiles_list(run_dir, &docs, &attempt), skip = strlen(run_dir) + 1;

    for (size_t i = 0; i < n; i++)
        if (!claimed(m, docs[i] + skip) && !apifiles_doc_ok(docs[i]))
            add(c, docs[i] + skip, DAMAGE_UNREADABLE, 0, 0, NULL);
    apifiles_free(docs, n);
}

static void verify_one(const char *cache, unsigned long long id, int deep, verify_fn fn, void *ud,
                       struct verify_stats *st, struct imx_diag *diag)
{
    struct buf dir = BUF_INIT_MAX(FS_PATH_MAX);
    struct imx_err e = IMX_ERR_INIT;
    struct manifest m;
    struct run_check c;
    struct stat sb;
    int r;

    buf_addf(&dir, "%s/run_%llu", cache, id);
    if (lstat(dir.p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        if (lstat(dir.p, &sb) == 0)
            imx_warn(diag, IMX_EIO, "'%s' is not a folder (a link?): not checked", dir.p);
        else
            imx_warn(diag, IMX_ENOTFOUND, "run %llu is not in the cache '%s'", id, cache);
        st->runs_missing++;
        buf_release(&dir);
        return;
    }
    st->runs++;
    memset(&c, 0, sizeof(c));
    r = manifest_load_dir(dir.p, id, &m, &e);
    if (r < 0) {
        imx_warn(diag, IMX_EPARSE, "%s", e.msg);
        st->bad_manifest++;
    } else if (r == 0) {
        st->no_manifest++;
    } else {
        verify_run(dir.p, &m, deep, &c);
    }
    if (deep)
        check_api_docs(dir.p, &m, &c);
    st->files += c.files;
    st->bytes += c.bytes;
    st->unrecorded += c.unrecorded;
    for (size_t i = 0; i < c.n; i++) {
        if (c.v[i].kind == DAMAGE_UNEXPECTED)
            st->unexpected++;
        else
            st->damaged++;
    }
    if (fn && (r > 0 || c.n))
        fn(ud, id, &c, &m);
    run_check_release(&c);
    manifest_release(&m);
    buf_release(&dir);
}

int verify_cache(const char *cache, const unsigned long long *ids, size_t nids, int deep,
                 verify_fn fn, void *ud, struct verify_stats *st, struct imx_diag *diag,
                 struct imx_err *err)
{
    unsigned long long *all = NULL;
    size_t n = 0;

    memset(st, 0, sizeof(*st));
    if (cache_check_dir(cache, err) < 0)
        return -err->code;
    if (!nids) {
        if (store_list_runs(cache, &all, &n, err) < 0)
            return -err->code;
        ids = all;
        nids = n;
    }
    for (size_t i = 0; i < nids; i++)
        verify_one(cache, ids[i], deep, fn, ud, st, diag);
    free(all);
    return 0;
}
