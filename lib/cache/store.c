/* store: cache layout, manifests, artifact installation by rename, ETag store and the writer
 * lock (see store.h). Every file appears complete or not at all: temp file or staging folder,
 * fsync, rename, fsync of the folder; the manifest is written last. */
#include "cache/store.h"
#include "cache/verify.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <openssl/evp.h>
#include <yajl/yajl_tree.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ETAG_MAGIC "imx-etag 1\n"

static const char *const state_names[] = {"pending", "complete", "expired", "superseded", "failed"};

const char *art_state_name(enum art_state s)
{
    return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "pending";
}

/* ---- manifest ---------------------------------------------------------------------------- */

void manifest_init(struct manifest *m, unsigned long long run_id)
{
    memset(m, 0, sizeof(*m));
    m->run_id = run_id;
}

static void art_release(struct manifest_art *a)
{
    free(a->name);
    free(a->digest);
    free(a->created_at);
    free(a->updated_at);
    free(a->expires_at);
    free(a->path);
    for (size_t i = 0; i < a->nfiles; i++)
        free(a->files[i]);
    free(a->files);
    free(a->source);
    free(a->error);
    for (size_t i = 0; i < a->ncontent; i++)
        free(a->content[i].path);
    free(a->content);
}

void manifest_release(struct manifest *m)
{
    for (size_t i = 0; i < m->n; i++)
        art_release(&m->arts[i]);
    free(m->arts);
    free(m->updated_at);
    free(m->artifacts_etag);
    free(m->pattern);
    run_rows_release(&m->rows);
    manifest_init(m, m->run_id);
}

struct manifest_art *manifest_find(struct manifest *m, unsigned long long id)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->arts[i].id == id)
            return &m->arts[i];
    return NULL;
}

struct manifest_art *manifest_get(struct manifest *m, unsigned long long id, const char *name)
{
    struct manifest_art *a = manifest_find(m, id);

    if (a)
        return a;
    ALLOC_GROW(m->arts, m->n + 1, m->cap);
    a = &m->arts[m->n++];
    memset(a, 0, sizeof(*a));
    a->id = id;
    a->name = xstrdup(name ? name : "");
    return a;
}

/* Where imx puts an artifact, relative to the run folder: "." for the aggregate, its name,
 * or .superseded/<id>-<name> once a re-run replaced it. Nothing else is ever taken. */
static int path_is_ours(const struct manifest_art *a)
{
    char kept[320];

    if (!a->path)
        return 1;
    if (!strcmp(a->path, ".") || !strcmp(a->path, a->name))
        return 1;
    snprintf(kept, sizeof(kept), ".superseded/%llu-%s", a->id, a->name);
    return !strcmp(a->path, kept);
}

static int is_hex64(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return n == 64;
}

/* "content": [{"path", "size", "sha256"}]: all valid, or none kept (then unverifiable). */
static void parse_content(yajl_val o, struct manifest_art *a)
{
    yajl_val c = json_get(o, "content");
    size_t n = json_len(c);

    if (!c || !YAJL_IS_ARRAY(c))
        return;
    a->content = xcalloc(n ? n : 1, sizeof(*a->content));
    a->has_content = 1;
    for (size_t k = 0; k < n; k++) {
        yajl_val f = json_at(c, k);
        const char *p = json_str(json_get(f, "path"));
        const char *h = json_str(json_get(f, "sha256"));
        long long size = -1;
        (void)json_int(json_get(f, "size"), &size);
        if (!p || !h || size < 0 || !jail_path_ok(p) || !is_hex64(h)) {
            for (size_t i = 0; i < a->ncontent; i++)
                free(a->content[i].path);
            free(a->content);
            a->content = NULL;
            a->ncontent = 0;
            a->has_content = 0;
            return;
        }
        a->content[a->ncontent].path = xstrdup(p);
        a->content[a->ncontent].size = (unsigned long long)size;
        memcpy(a->content[a->ncontent].sha256, h, 65);
        a->ncontent++;
    }
}

int manifest_parse(struct manifest *m, const char *json, size_t len, struct imx_err *err)
{
    char why[300];
    yajl_val root, arts;
    unsigned long long id = m->run_id;
    long long n;

    manifest_release(m);
    root = json_tree_parse(json, len, why, sizeof(why));
    if (!root || !YAJL_IS_OBJECT(root)) {
        yajl_tree_free(root);
        return imx_seterr(err, IMX_EPARSE, "malformed manifest (%s)", root ? "not an object" : why);
    }
    m->run_id = json_int(json_get(root, "run_id"), &n) == 0 ? (unsigned long long)n : id;
    m->run_attempt = json_int(json_get(root, "run_attempt"), &n) == 0 ? (long)n : 0;
    m->updated_at = json_strdup(json_get(root, "updated_at"));
    m->artifacts_etag = json_strdup(json_get(root, "artifacts_etag"));
    m->pattern = json_strdup(json_get(root, "artifact_pattern"));
    m->complete = json_true(json_get(root, "complete"));
    {
        yajl_val rows = json_get(root, "rows");
        const struct yajl_val_s *obj = YAJL_IS_OBJECT(rows) ? rows : NULL;

        m->rows_known = obj != NULL;
        for (size_t i = 0; obj && i < obj->u.object.len; i++) {
            yajl_val v = obj->u.object.values[i];
            if (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) >= 0)
                run_rows_add(&m->rows, obj->u.object.keys[i], (unsigned long)YAJL_GET_INTEGER(v));
        }
    }
    arts = json_get(root, "artifacts");
    for (size_t i = 0; i < json_len(arts); i++) {
        yajl_val o = json_at(arts, i), files;
        struct manifest_art *a;
        const char *st, *name = json_str(json_get(o, "name"));
        long long aid = -1, size = 0;

        if (json_int(json_get(o, "id"), &aid) < 0 || aid < 0 || !name)
            continue;
        if (!jail_name_ok(name)) {
            m->complete = 0; /* no sync stores such a name: this entry is not imx's */
            continue;
        }
        a = manifest_get(m, (unsigned long long)aid, name);
        (void)json_int(json_get(o, "size_in_bytes"), &size);
        a->size = (unsigned long long)size;
        a->digest = json_strdup(json_get(o, "digest"));
        a->created_at = json_strdup(json_get(o, "created_at"));
        a->updated_at = json_strdup(json_get(o, "updated_at"));
        a->expires_at = json_strdup(json_get(o, "expires_at"));
        a->expired = json_true(json_get(o, "expired"));
        a->path = json_strdup(json_get(o, "path"));
        a->source = json_strdup(json_get(o, "source"));
        a->error = json_strdup(json_get(o, "error"));
        st = json_str(json_get(o, "state"));
        a->state = ART_PENDING;
        for (size_t k = 0; st && k < sizeof(state_names) / sizeof(state_names[0]); k++)
            if (!strcmp(st, state_names[k]))
                a->state = (enum art_state)k;
        files = json_get(o, "files");
        for (size_t k = 0; k < json_len(files); k++) {
            const char *f = json_str(json_at(files, k));
            /* only names an install could have put at the top of the run folder */
            if (!f || !jail_name_ok(f))
                continue;
            a->files = xrealloc(a->files, (a->nfiles + 1) * sizeof(*a->files));
            a->files[a->nfiles++] = xstrdup(f);
        }
        a->damaged = json_true(json_get(o, "damaged"));
        parse_content(o, a);
        if (!path_is_ours(a)) {
            /* a path that is not where imx puts this artifact ('../../x'): never used */
            free(a->path);
            a->path = NULL;
            if (a->state == ART_COMPLETE || a->state == ART_SUPERSEDED) {
                a->state = ART_FAILED;
                free(a->error);
                a->error = xstrdup("the manifest's path for it was not imx's; fetch it again");
                m->complete = 0;
            }
        }
    }
    yajl_tree_free(root);
    return 0;
}

void manifest_format(const struct manifest *m, struct buf *b)
{
    buf_addf(b, "{\n  \"run_id\": %llu,\n  \"run_attempt\": %ld,\n  \"updated_at\": ", m->run_id,
             m->run_attempt);
    buf_add_json(b, m->updated_at);
    buf_adds(b, ",\n  \"artifacts_etag\": ");
    buf_add_json(b, m->artifacts_etag);
    if (m->pattern) {
        buf_adds(b, ",\n  \"artifact_pattern\": ");
        buf_add_json(b, m->pattern);
    }
    buf_addf(b, ",\n  \"complete\": %s,\n", m->complete ? "true" : "false");
    if (m->rows_known) {
        buf_adds(b, "  \"rows\": {");
        for (size_t i = 0; i < m->rows.n; i++) {
            if (i)
                buf_adds(b, ", ");
            buf_add_json(b, m->rows.v[i].model);
            buf_addf(b, ": %lu", m->rows.v[i].rows);
        }
        buf_adds(b, "},\n");
    }
    buf_adds(b, "  \"artifacts\": [");
    for (size_t i = 0; i < m->n; i++) {
        const struct manifest_art *a = &m->arts[i];
        buf_addf(b, "%s\n    {\"id\": %llu, \"name\": ", i ? "," : "", a->id);
        buf_add_json(b, a->name);
        buf_addf(b, ", \"size_in_bytes\": %llu, \"digest\": ", a->size);
        buf_add_json(b, a->digest);
        buf_adds(b, ",\n     \"created_at\": ");
        buf_add_json(b, a->created_at);
        buf_adds(b, ", \"updated_at\": ");
        buf_add_json(b, a->updated_at);
        buf_adds(b, ", \"expires_at\": ");
        buf_add_json(b, a->expires_at);
        buf_addf(b, ", \"expired\": %s,\n     \"state\": \"%s\", \"path\": ",
                 a->expired ? "true" : "false", art_state_name(a->state));
        buf_add_json(b, a->path);
        buf_adds(b, ", \"source\": ");
        buf_add_json(b, a->source);
        if (a->nfiles) {
            buf_adds(b, ", \"files\": [");
            for (size_t k = 0; k < a->nfiles; k++) {
                if (k)
                    buf_adds(b, ", ");
                buf_add_json(b, a->files[k]);
            }
            buf_addc(b, ']');
        }
        if (a->error) {
            buf_adds(b, ", \"error\": ");
            buf_add_json(b, a->error);
        }
        if (a->damaged)
            buf_adds(b, ", \"damaged\": true");
        if (a->has_content) {
            buf_adds(b, ",\n     \"content\": [");
            for (size_t k = 0; k < a->ncontent; k++) {
                buf_adds(b, k ? ",\n       {\"path\": " : "\n       {\"path\": ");
                buf_add_json(b, a->content[k].path);
                buf_addf(b, ", \"size\": %llu, \"sha256\": \"%s\"}", a->content[k].size,
                         a->content[k].sha256);
            }
            buf_addc(b, ']');
        }
        buf_addc(b, '}');
    }
    buf_adds(b, m->n ? "\n  ]\n}\n" : "]\n}\n");
}

/* ---- the store ----------------------------------------------------------------------------- */

int store_open(struct store *s, const char *cache, struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    int r;

    memset(s, 0, sizeof(*s));
    s->lock.fd = -1;
    s->cache = xstrdup(cache);
    buf_addf(&p, "%s/.imx", cache);
    s->imx_dir = buf_detach(&p, NULL);
    buf_addf(&p, "%s/.imx/tmp", cache);
    s->tmp_dir = buf_detach(&p, NULL);
    buf_release(&p);
    /* the cache itself may be a link (the user's choice); nothing below it may be */
    r = mkdir_p(cache, err);
    if (!r)
        r = jail_dirs(cache, ".imx/tmp", 1, err);
    if (!r)
        r = jail_dirs(cache, ".imx/http", 1, err);
    if (r < 0)
        store_close(s);
    return r;
}

void store_close(struct store *s)
{
    if (s->locked)
        file_lock_release(&s->lock);
    s->locked = 0;
    free(s->cache);
    free(s->imx_dir);
    free(s->tmp_dir);
    s->cache = s->imx_dir = s->tmp_dir = NULL;
}

/* What a sweep removes: in .imx/tmp everything, elsewhere what only a writer at work makes. */
enum sweep { SWEEP_TEMP, SWEEP_TEMP_STAGING, SWEEP_ALL };

/* An atomic file's temporary name (".<name>.tmp-XXXXXX", fsutil) or a staging folder. */
static int swept(const char *name, enum sweep what)
{
    const char *t;
    size_t n = strlen(name);

    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    if (what == SWEEP_ALL)
        return 1;
    if (name[0] != '.')
        return 0;
    if (what == SWEEP_TEMP_STAGING && !strncmp(name, ".staging-", 9))
        return 1;
    t = strstr(name, ".tmp-");
    return t && t > name && n >= 11 && t == name + n - 11;
}

/* Removes the entries of one folder that a process killed by SIGKILL, or a power cut, left:
 * nothing else removes them. A folder that is a link is not swept: it is not the cache's. */
static void sweep_dir(const char *dir, enum sweep what)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((de = readdir(d))) {
        struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
        if (!swept(de->d_name, what))
            continue;
        buf_addf(&p, "%s/%s", dir, de->d_name);
        remove_tree(p.p);
        buf_release(&p);
    }
    closedir(d);
}

/* Removes what crashed or killed processes left: .imx/tmp, and the temporary files beside the
 * cache's own files (run folders, the HTTP store). Only under the lock: no writer is at work. */
static void clean_tmp(const struct store *s)
{
    DIR *d;
    struct dirent *de;
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);

    sweep_dir(s->tmp_dir, SWEEP_ALL);
    buf_addf(&p, "%s/http", s->imx_dir);
    sweep_dir(p.p, SWEEP_TEMP);
    sweep_dir(s->cache, SWEEP_TEMP);
    d = opendir(s->cache);
    while (d && (de = readdir(d))) {
        if (strncmp(de->d_name, "run_", 4) || !jail_name_ok(de->d_name))
            continue;
        buf_reset(&p);
        buf_addf(&p, "%s/%s", s->cache, de->d_name);
        sweep_dir(p.p, SWEEP_TEMP_STAGING);
    }
    if (d)
        closedir(d);
    buf_release(&p);
}

int store_lock(struct store *s, int wait, void (*waiting)(void *ud), void *ud, struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct imx_err e2 = IMX_ERR_INIT;
    int r;

    buf_addf(&p, "%s/lock", s->imx_dir);
    r = file_lock_acquire(&s->lock, p.p, 1, 0, &e2);
    if (r == -IMX_ELOCK) {
        if (!wait) {
            r = imx_seterr(err, IMX_ELOCK,
                           "another imx is writing to the cache '%s' (lock '%s'); "
                           "not waiting (--no-wait)",
                           s->cache, p.p);
        } else {
            if (waiting)
                waiting(ud);
            r = file_lock_acquire(&s->lock, p.p, 1, 1, err);
        }
    } else if (r < 0) {
        imx_seterr(err, e2.code, "%s", e2.msg);
    }
    buf_release(&p);
    if (r == 0) {
        s->locked = 1;
        clean_tmp(s);
    }
    return r;
}

void store_run_dir(const struct store *s, unsigned long long run_id, struct buf *out)
{
    buf_addf(out, "%s/run_%llu", s->cache, run_id);
}

void store_run_file(const struct store *s, unsigned long long run_id, const char *name,
                    struct buf *out)
{
    buf_addf(out, "%s/run_%llu/%s", s->cache, run_id, name);
}

int manifest_load_dir(const char *run_dir, unsigned long long run_id, struct manifest *m,
                      struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct imx_err e2 = IMX_ERR_INIT;
    char *text = NULL;
    size_t len = 0;
    int r;

    manifest_init(m, run_id);
    buf_addf(&p, "%s/%s", run_dir, STORE_MANIFEST);
    r = read_file(p.p, STORE_MANIFEST_MAX, &text, &len, &e2);
    if (r == -IMX_ENOTFOUND) {
        buf_release(&p);
        return 0;
    }
    if (r == 0)
        r = manifest_parse(m, text, len, &e2);
    if (r < 0) {
        imx_seterr(err, e2.code, "manifest '%s': %s", p.p, e2.msg);
        manifest_release(m);
    }
    m->run_id = run_id;
    free(text);
    buf_release(&p);
    return r < 0 ? r : 1;
}

int store_manifest_load(const struct store *s, unsigned long long run_id, struct manifest *m,
                        struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    int r;

    store_run_dir(s, run_id, &p);
    r = manifest_load_dir(p.p, run_id, m, err);
    buf_release(&p);
    return r;
}

static int ensure_run_dir(const struct store *s, unsigned long long run_id, struct imx_err *err)
{
    char rel[32];

    snprintf(rel, sizeof(rel), "run_%llu", run_id);
    return jail_dirs(s->cache, rel, 1, err);
}

int store_manifest_save(const struct store *s, const struct manifest *m, struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX), text = BUF_INIT_MAX(STORE_MANIFEST_MAX);
    int r = ensure_run_dir(s, m->run_id, err);

    if (r == 0) {
        store_run_file(s, m->run_id, STORE_MANIFEST, &p);
        manifest_format(m, &text);
        r = atomic_write(p.p, text.p, text.len, err);
    }
    buf_release(&p);
    buf_release(&text);
    return r;
}

int store_write_run_json(const struct store *s, unsigned long long run_id, const char *json,
                         size_t len, struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    int r = ensure_run_dir(s, run_id, err);

    if (r == 0) {
        store_run_file(s, run_id, "run.json", &p);
        r = atomic_write(p.p, json, len, err);
    }
    buf_release(&p);
    return r;
}

int store_write_file(const struct store *s, const char *rel, const void *data, size_t len,
                     struct imx_err *err)
{
    struct buf clean = BUF_INIT_MAX(UNPACK_PATH_MAX), p = BUF_INIT_MAX(FS_PATH_MAX);
    int r;

    if (unpack_entry_path(rel, &clean) < 0 || clean.len == 0)
        return imx_seterr(err, IMX_EUNSAFE, "'%s' cannot be a path in the cache (refused)", rel);
    r = buf_addf(&p, "%s/%s", s->cache, clean.p) < 0
            ? imx_seterr(err, IMX_ETOOBIG, "'%s': path too long", clean.p)
            : 0;
    /* its folders entered without following a link */
    if (r == 0)
        r = jail_parent_dirs(s->cache, p.p, err);
    if (r == 0)
        r = atomic_write(p.p, data, len, err);
    buf_release(&clean);
    buf_release(&p);
    return r;
}

int store_have(const struct store *s, unsigned long long run_id, unsigned long long art_id)
{
    struct manifest m;
    struct imx_err e = IMX_ERR_INIT;
    struct manifest_art *a;
    struct buf dir = BUF_INIT_MAX(FS_PATH_MAX);
    int have;

    if (store_manifest_load(s, run_id, &m, &e) <= 0)
        return 0;
    a = manifest_find(&m, art_id);
    have = a && a->state == ART_COMPLETE && !a->damaged;
    if (have) {
        /* a file gone or cut since: fetched again (the damaged bytes are set aside) */
        store_run_dir(s, run_id, &dir);
        verify_run(dir.p, &m, 0, NULL);
        have = !a->damaged;
        buf_release(&dir);
    }
    manifest_release(&m);
    return have;
}

int store_tmp_open(const struct store *s, struct store_tmp *t, struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    sigset_t saved;
    int fd;

    memset(t, 0, sizeof(*t));
    t->slot = -1;
    buf_addf(&p, "%s/dl-XXXXXX", s->tmp_dir);
    tempfile_hold(&saved);
    fd = mkstemp(p.p);
    if (fd >= 0)
        t->slot = tempfile_register(p.p);
    tempfile_unhold(&saved);
    if (fd < 0) {
        int e = errno;
        buf_release(&p);
        return imx_seterr(err, IMX_EIO, "cannot create a file in '%s': %s", s->tmp_dir,
                          strerror(e));
    }
    t->fp = fdopen(fd, "w+b");
    if (!t->fp) {
        close(fd);
        unlink(p.p);
        tempfile_unregister(t->slot);
        t->slot = -1;
        buf_release(&p);
        return imx_seterr(err, IMX_EIO, "cannot open a temporary file: %s", strerror(errno));
    }
    t->path = buf_detach(&p, NULL);
    return 0;
}

void store_tmp_discard(struct store_tmp *t)
{
    if (t->fp)
        fclose(t->fp);
    if (t->path)
        unlink(t->path);
    if (t->slot >= 0)
        tempfile_unregister(t->slot);
    free(t->path);
    memset(t, 0, sizeof(*t));
    t->slot = -1;
}

/* ---- installing artifacts ------------------------------------------------------------------ */

static int move(const char *from, const char *to, struct imx_err *err)
{
    if (rename(from, to) != 0)
        return imx_seterr(err, IMX_EIO, "cannot move '%s' to '%s': %s", from, to, strerror(errno));
    return 0;
}

/* An install in progress: the run, the artifact and the new files. */
struct inst {
    const struct store *s;
    const struct manifest *m;
    unsigned long long run_id, art_id;
    const char *run_dir;
    const struct unpack_result *res;
    char aside[64]; /* ".damaged/<id>-<n>" once made */
};

static const struct unpack_file *new_file(const struct inst *x, const char *rel)
{
    for (size_t i = 0; i < x->res->ncontent; i++)
        if (!strcmp(x->res->content[i].path, rel))
            return &x->res->content[i];
    return NULL;
}

/* Whether the regular file at path holds exactly f's bytes. */
static int same_bytes(const char *path, const struct unpack_file *f)
{
    char hex[65];
    unsigned long long size;
    struct stat st;

    if (!f || lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
        (unsigned long long)st.st_size != f->size)
        return 0;
    return unpack_hash_file(path, hex, &size) == 0 && size == f->size && !strcmp(hex, f->sha256);
}

/* Whether the tree at path (rel below the artifact's folder; "" for its root) holds exactly the
 * new files below rel: then replacing it loses nothing. */
static int same_tree(const struct inst *x, const char *path, const char *rel, size_t *seen,
                     int depth)
{
    struct buf cp = BUF_INIT_MAX(FS_PATH_MAX), cr = BUF_INIT_MAX(FS_PATH_MAX);
    struct dirent *de;
    DIR *d;
    int same = depth < 64;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    while (same && (de = readdir(d))) {
        struct stat st;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        buf_reset(&cp);
        buf_reset(&cr);
        buf_addf(&cp, "%s/%s", path, de->d_name);
        buf_addf(&cr, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        if (lstat(cp.p, &st) != 0)
            same = 0;
        else if (S_ISDIR(st.st_mode))
            same = same_tree(x, cp.p, cr.p, seen, depth + 1);
        else if ((same = same_bytes(cp.p, new_file(x, cr.p))))
            ++*seen;
    }
    closedir(d);
    buf_release(&cp);
    buf_release(&cr);
    return same;
}

static int tree_is_new(const struct inst *x, const char *path, const char *rel)
{
    size_t seen = 0, want = 0, n = strlen(rel);

    for (size_t i = 0; i < x->res->ncontent; i++)
        want +=
            !n || (!strncmp(x->res->content[i].path, rel, n) && x->res->content[i].path[n] == '/');
    return same_tree(x, path, rel, &seen, 0) && seen == want;
}

/* Moves run_dir/rel to run_dir/.damaged/<id>-<n>/rel: what is about to be replaced and is kept
 * nowhere else is never deleted. */
static int set_aside(struct inst *x, const char *rel, struct imx_err *err)
{
    struct buf d = BUF_INIT_MAX(FS_PATH_MAX), from = BUF_INIT_MAX(FS_PATH_MAX),
               to = BUF_INIT_MAX(FS_PATH_MAX);
    const char *slash = strrchr(rel, '/');
    int r = 0;

    if (!x->aside[0]) {
        for (unsigned n = 1; n < STORE_ASIDE_TRIES; n++) {
            snprintf(x->aside, sizeof(x->aside), ".damaged/%llu-%u", x->art_id, n);
            buf_reset(&to);
            buf_addf(&to, "%s/%s", x->run_dir, x->aside);
            if (!path_exists(to.p))
                break;
        }
    }
    buf_addf(&d, "run_%llu/%s", x->run_id, x->aside);
    if (slash) {
        buf_addc(&d, '/');
        buf_add(&d, rel, (size_t)(slash - rel));
    }
    r = jail_dirs(x->s->cache, d.p, 1, err);
    buf_addf(&from, "%s/%s", x->run_dir, rel);
    buf_reset(&to);
    buf_addf(&to, "%s/%s/%s", x->run_dir, x->aside, rel);
    if (!r)
        r = move(from.p, to.p, err);
    buf_release(&d);
    buf_release(&from);
    buf_release(&to);
    return r;
}

/* The record of name in a docs entry, NULL when none. */
static struct unpack_file *doc_record(const struct manifest_art *a, const char *name)
{
    for (size_t k = 0; a && k < a->ncontent; k++)
        if (!strcmp(a->content[k].path, name))
            return &a->content[k];
    return NULL;
}

/* Whether every file of a docs entry holds its recorded bytes. */
static int docs_all_same(const char *run_dir, const struct manifest_art *a)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    int same = 1;

    for (size_t k = 0; same && k < a->ncontent; k++) {
        buf_reset(&p);
        buf_addf(&p, "%s/%s/%s", run_dir, a->path, a->content[k].path);
        same = same_bytes(p.p, &a->content[k]);
    }
    buf_release(&p);
    return same;
}

/* Records f (name, size, digest) in dir's docs entry of m. */
static void record_doc(struct manifest *m, const char *dir, const char *source,
                       const struct unpack_file *f)
{
    struct manifest_art *a = manifest_get(m, STORE_DOCS_ID, dir);
    struct unpack_file *rec = doc_record(a, f->path);

    if (!a->has_content || !a->path || strcmp(a->path, dir)) {
        free(a->path);
        a->path = xstrdup(dir);
        a->has_content = 1;
    }
    free(a->source);
    a->source = xstrdup(source);
    a->state = ART_COMPLETE;
    if (!rec) {
        a->content = xrealloc(a->content, (a->ncontent + 1) * sizeof(*a->content));
        rec = &a->content[a->ncontent++];
        rec->path = xstrdup(f->path);
        rec->size = 0;
    }
    a->size = a->size - rec->size + f->size;
    rec->size = f->size;
    memcpy(rec->sha256, f->sha256, sizeof(rec->sha256));
}

/* x set up to move a docs entry's files of the run aside; run_dir holds its folder. */
static void docs_inst(struct inst *x, const struct store *s, unsigned long long run_id,
                      struct buf *run_dir)
{
    memset(x, 0, sizeof(*x));
    x->s = s;
    x->run_id = run_id;
    x->art_id = STORE_DOCS_ID;
    store_run_dir(s, run_id, run_dir);
    x->run_dir = run_dir->p;
}

int store_put_doc(const struct store *s, unsigned long long run_id, const char *dir,
                  const char *name, const char *source, const void *data, size_t len,
                  struct imx_err *err)
{
    struct buf run_dir = BUF_INIT_MAX(FS_PATH_MAX), rel = BUF_INIT_MAX(FS_PATH_MAX),
               p = BUF_INIT_MAX(FS_PATH_MAX);
    struct unpack_file f = {(char *)name, len, ""};
    unsigned char md[32];
    unsigned int n = 0;
    struct manifest m;
    struct manifest_art *a;
    struct imx_err e2 = IMX_ERR_INIT;
    struct inst x;
    int r = 0;

    if (!jail_name_ok(dir) || !jail_name_ok(name))
        return imx_seterr(err, IMX_EUNSAFE, "'%s/%s' cannot be a path in the cache (refused)", dir,
                          name);
    if (store_manifest_load(s, run_id, &m, &e2) < 0)
        imx_err_clear(&e2); /* one that does not read is rebuilt, as the artifacts' engines do */
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(f.sha256 + 2 * i, 3, "%02x", md[i]);
    docs_inst(&x, s, run_id, &run_dir);
    buf_addf(&rel, "run_%llu/%s", run_id, dir);
    buf_addf(&p, "%s/%s/%s", run_dir.p, dir, name);
    r = jail_dirs(s->cache, rel.p, 1, err);
    buf_reset(&rel);
    buf_addf(&rel, "%s/%s", dir, name);
    if (r == 0 && path_exists(p.p) && !same_bytes(p.p, &f))
        r = set_aside(&x, rel.p, err);
    if (r == 0)
        r = atomic_write(p.p, data, len, err);
    if (r == 0) {
        record_doc(&m, dir, source, &f);
        a = manifest_find(&m, STORE_DOCS_ID);
        if (a->damaged)
            a->damaged = !docs_all_same(run_dir.p, a);
        r = store_manifest_save(s, &m, err);
    }
    manifest_release(&m);
    buf_release(&run_dir);
    buf_release(&rel);
    buf_release(&p);
    return r;
}

int store_drop_docs(const struct store *s, unsigned long long run_id, char *const *rels, size_t n,
                    struct imx_err *err)
{
    struct buf run_dir = BUF_INIT_MAX(FS_PATH_MAX), p = BUF_INIT_MAX(FS_PATH_MAX);
    struct manifest m;
    struct manifest_art *a;
    struct unpack_file *rec;
    struct imx_err e2 = IMX_ERR_INIT;
    struct inst x;
    struct stat st;
    size_t dl;
    int r = 0;

    if (store_manifest_load(s, run_id, &m, &e2) < 0)
        imx_err_clear(&e2); /* the damaged files are still set aside; a new manifest records none */
    docs_inst(&x, s, run_id, &run_dir);
    a = manifest_find(&m, STORE_DOCS_ID);
    for (size_t i = 0; r == 0 && i < n; i++) {
        if (!jail_path_ok(rels[i])) {
            r = imx_seterr(err, IMX_EUNSAFE, "'%s' cannot be a path in the cache (refused)",
                           rels[i]);
            break;
        }
        buf_reset(&p);
        buf_addf(&p, "%s/%s", run_dir.p, rels[i]);
        if (lstat(p.p, &st) == 0)
            r = set_aside(&x, rels[i], err);
        dl = a && a->path ? strlen(a->path) : 0;
        rec = dl && !strncmp(rels[i], a->path, dl) && rels[i][dl] == '/'
                  ? doc_record(a, rels[i] + dl + 1)
                  : NULL;
        if (r == 0 && rec) {
            a->size -= rec->size;
            free(rec->path);
            memmove(rec, rec + 1, (size_t)(a->content + --a->ncontent - rec) * sizeof(*rec));
        }
    }
    if (a && !a->ncontent) {
        art_release(a);
        memmove(a, a + 1, (size_t)(m.arts + --m.n - a) * sizeof(*a));
    } else if (a) {
        a->damaged = !docs_all_same(run_dir.p, a);
    }
    if (r == 0 && a) /* a run without records (an older imx) is not given a manifest */
        r = store_manifest_save(s, &m, err);
    manifest_release(&m);
    buf_release(&run_dir);
    buf_release(&p);
    return r;
}

int store_doc_ok(const struct store *s, unsigned long long run_id, const char *dir,
                 const char *name)
{
    struct manifest m;
    struct imx_err e = IMX_ERR_INIT;
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    const struct manifest_art *a;
    const struct unpack_file *f;
    struct stat st;
    int ok = 0;

    if (store_manifest_load(s, run_id, &m, &e) > 0) {
        a = manifest_find(&m, STORE_DOCS_ID);
        f = a && a->state == ART_COMPLETE && !strcmp(a->name, dir) ? doc_record(a, name) : NULL;
        store_run_file(s, run_id, dir, &p);
        buf_addf(&p, "/%s", name);
        if (f && a->damaged)
            ok = same_bytes(p.p, f);
        else if (f)
            ok = lstat(p.p, &st) == 0 && S_ISREG(st.st_mode) &&
                 (unsigned long long)st.st_size == f->size;
    }
    manifest_release(&m);
    buf_release(&p);
    return ok;
}

/* Whether the file at run_dir/name is the very file a superseded aggregate keeps (a hard link
 * made by supersede): replacing the name loses nothing. */
static int kept_twin(const struct inst *x, const char *name, const struct stat *st)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    int yes = 0;

    for (size_t i = 0; i < x->m->n && !yes; i++) {
        const struct manifest_art *o = &x->m->arts[i];
        struct stat kt;
        if (o->state != ART_SUPERSEDED || !o->path || !S_ISREG(st->st_mode))
            continue;
        buf_reset(&p);
        buf_addf(&p, "%s/%s/%s", x->run_dir, o->path, name);
        yes = lstat(p.p, &kt) == 0 && kt.st_ino == st->st_ino && kt.st_dev == st->st_dev;
    }
    buf_release(&p);
    return yes;
}

/*
 * Makes room at run_dir/rel (rel: a top-level name of the aggregate, or an artifact's folder;
 * new files below it are those of x->res under prefix): removed when it holds exactly the new
 * bytes or is kept under .superseded/, else set aside under .damaged/.
 */
static int make_room(struct inst *x, const char *rel, const char *prefix, struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct stat st;
    int r = 0;

    buf_addf(&p, "%s/%s", x->run_dir, rel);
    if (lstat(p.p, &st) == 0) {
        int dir = S_ISDIR(st.st_mode);
        int safe = dir ? tree_is_new(x, p.p, prefix)
                       : S_ISREG(st.st_mode) &&
                             (same_bytes(p.p, new_file(x, prefix)) || kept_twin(x, rel, &st));
        if (!safe)
            r = set_aside(x, rel, err);
        else if (dir && remove_tree(p.p) != 0) /* a file is simply renamed over */
            r = imx_seterr(err, IMX_EIO, "cannot remove '%s': %s", p.p, strerror(errno));
    }
    buf_release(&p);
    return r;
}

/*
 * Keeps what an earlier upload of the same name put in place under .superseded/<id>-<name>/.
 * The aggregate's files are hard-linked there and stay visible until the new ones are renamed
 * over them (a reader never finds the run without its aggregate); folders are moved. A copy
 * already there (from an interrupted earlier attempt) is the old bytes: it is never replaced.
 */
static int supersede(const struct store *s, unsigned long long run_id, struct manifest_art *old,
                     const char *run_dir, struct imx_err *err)
{
    struct buf dst = BUF_INIT_MAX(FS_PATH_MAX), src = BUF_INIT_MAX(FS_PATH_MAX),
               rel = BUF_INIT_MAX(FS_PATH_MAX);
    int r = 0;

    buf_addf(&rel, "run_%llu/.superseded", run_id);
    r = jail_dirs(s->cache, rel.p, 1, err);
    buf_reset(&rel);
    buf_addf(&rel, ".superseded/%llu-%s", old->id, old->name);
    buf_addf(&dst, "%s/%s", run_dir, rel.p);
    if (!r && old->path && !strcmp(old->path, ".")) {
        buf_addf(&src, "run_%llu/%s", run_id, rel.p);
        r = jail_dirs(s->cache, src.p, 1, err);
        for (size_t i = 0; !r && i < old->nfiles; i++) {
            struct buf to = BUF_INIT_MAX(FS_PATH_MAX);
            struct stat st;
            buf_reset(&src);
            buf_addf(&src, "%s/%s", run_dir, old->files[i]);
            buf_addf(&to, "%s/%s", dst.p, old->files[i]);
            if (lstat(src.p, &st) == 0 && !path_exists(to.p)) {
                if (!S_ISREG(st.st_mode) || link(src.p, to.p) != 0)
                    r = move(src.p, to.p, err); /* a folder, or no hard links here */
            }
            buf_release(&to);
        }
        if (!r)
            fsync_dir(dst.p);
    } else if (!r && old->path) {
        buf_addf(&src, "%s/%s", run_dir, old->path);
        if (path_exists(src.p) && !path_exists(dst.p))
            r = move(src.p, dst.p, err);
    }
    if (!r) {
        fsync_dir(run_dir);
        old->state = ART_SUPERSEDED;
        free(old->path);
        old->path = buf_detach(&rel, NULL);
    }
    buf_release(&dst);
    buf_release(&src);
    buf_release(&rel);
    return r;
}

/* After a new aggregate is in place: the old one's files it did not replace leave the run
 * folder when they are the very files kept under .superseded/ (else they go to .damaged/). */
static void drop_superseded_leftovers(struct inst *x, const struct manifest_art *cur)
{
    for (size_t i = 0; i < x->m->n; i++) {
        const struct manifest_art *o = &x->m->arts[i];
        if (o == cur || o->state != ART_SUPERSEDED || strcmp(o->name, cur->name) || !o->path)
            continue;
        for (size_t k = 0; k < o->nfiles; k++) {
            struct buf top = BUF_INIT_MAX(FS_PATH_MAX);
            struct imx_err e2 = IMX_ERR_INIT;
            struct stat st;
            int mine = 0;
            for (size_t j = 0; j < cur->nfiles; j++)
                mine |= !strcmp(cur->files[j], o->files[k]);
            buf_addf(&top, "%s/%s", x->run_dir, o->files[k]);
            if (!mine && lstat(top.p, &st) == 0 && S_ISREG(st.st_mode)) {
                if (kept_twin(x, o->files[k], &st))
                    unlink(top.p);
                else
                    set_aside(x, o->files[k], &e2);
            }
            buf_release(&top);
        }
    }
}

/* Renames every top-level entry of staging into run_dir; records their names. */
static int install_into_run_dir(struct inst *x, const char *staging, struct manifest_art *a,
                                struct imx_err *err)
{
    DIR *d = opendir(staging);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    int r = 0;

    if (!d)
        return imx_seterr(err, IMX_EIO, "cannot read '%s': %s", staging, strerror(errno));
    while ((de = readdir(d))) {
        /* unpack writes no other name; the aggregate never takes imx's own ones */
        if (!jail_name_ok(de->d_name))
            continue;
        names = xrealloc(names, (n + 1) * sizeof(*names));
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    for (size_t i = 0; !r && i < n; i++) {
        struct buf from = BUF_INIT_MAX(FS_PATH_MAX), to = BUF_INIT_MAX(FS_PATH_MAX);
        buf_addf(&from, "%s/%s", staging, names[i]);
        buf_addf(&to, "%s/%s", x->run_dir, names[i]);
        r = make_room(x, names[i], names[i], err);
        if (!r)
            r = move(from.p, to.p, err);
        buf_release(&from);
        buf_release(&to);
    }
    for (size_t i = 0; i < a->nfiles; i++)
        free(a->files[i]);
    free(a->files);
    a->files = names;
    a->nfiles = n;
    return r;
}

/* The new files become the artifact's record (moved out of res). */
static void take_content(struct manifest_art *a, struct unpack_result *res)
{
    for (size_t i = 0; i < a->ncontent; i++)
        free(a->content[i].path);
    free(a->content);
    a->content = res->content;
    a->ncontent = res->ncontent;
    a->has_content = 1;
    a->damaged = 0;
    res->content = NULL;
    res->ncontent = res->capcontent = 0;
}

int manifest_all_stored(const struct manifest *m)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->arts[i].state == ART_FAILED || m->arts[i].state == ART_PENDING)
            return 0;
    return 1;
}

unsigned long long store_unpack_cap(unsigned long long size)
{
    unsigned long long cap = size * STORE_UNPACK_RATIO;
    if (size && cap / size != STORE_UNPACK_RATIO)
        cap = STORE_UNPACK_MAX;
    if (cap < STORE_UNPACK_MIN)
        cap = STORE_UNPACK_MIN;
    return cap > STORE_UNPACK_MAX ? STORE_UNPACK_MAX : cap;
}

int store_install_artifact(const struct store *s, struct manifest *m,
                           const struct store_install *in, struct unpack_result *res,
                           struct imx_err *err)
{
    struct buf run_dir = BUF_INIT_MAX(FS_PATH_MAX), staging = BUF_INIT_MAX(FS_PATH_MAX),
               target = BUF_INIT_MAX(FS_PATH_MAX);
    int root = !strcmp(in->name, STORE_AGGREGATE);
    struct manifest_art *a;
    struct inst x;
    sigset_t saved;
    int r;

    memset(res, 0, sizeof(*res));
    if (!jail_name_ok(in->name)) {
        unlink(in->file);
        return imx_seterr(err, IMX_EUNSAFE,
                          "artifact name '%s' cannot be a folder name of the cache (refused)",
                          in->name);
    }
    r = ensure_run_dir(s, in->run_id, err);
    if (r < 0) {
        unlink(in->file);
        return r;
    }
    store_run_dir(s, in->run_id, &run_dir);
    memset(&x, 0, sizeof(x));
    x.s = s;
    x.m = m;
    x.run_id = in->run_id;
    x.art_id = in->id;
    x.run_dir = run_dir.p;
    x.res = res;
    buf_addf(&staging, "%s/.staging-%llu", run_dir.p, in->id);
    if (path_exists(staging.p))
        remove_tree(staging.p);
    tempfile_hold(&saved);
    if (mkdir(staging.p, 0755) != 0) {
        tempfile_unhold(&saved);
        r = imx_seterr(err, IMX_EIO, "cannot create '%s': %s", staging.p, strerror(errno));
        goto out;
    }
    {
        /* signals remove the staging folder too */
        int slot = tempfile_register(staging.p);

        tempfile_unhold(&saved);
        if (in->is_zip) {
            /* every source's zips get the cap scaled to their size */
            struct unpack_limits lim = in->limits;
            struct stat zst;
            if (!lim.max_bytes)
                lim.max_bytes = store_unpack_cap(
                    stat(in->file, &zst) == 0 ? (unsigned long long)zst.st_size : 0);
            r = unpack_zip(in->file, staging.p, &lim, res, err);
        } else {
            r = unpack_raw(in->file, staging.p, in->filename, in->name, res, err);
        }
        if (r == 0) {
            /* earlier uploads of this name give way, kept under .superseded */
            int superseded = 0;
            for (size_t i = 0; !r && i < m->n; i++) {
                struct manifest_art *o = &m->arts[i];
                if (o->id != in->id && !strcmp(o->name, in->name) && o->state == ART_COMPLETE) {
                    r = supersede(s, in->run_id, o, run_dir.p, err);
                    superseded += r == 0;
                }
            }
            /* the manifest stops calling the old upload complete before its files are
             * replaced: a crash in between must not leave a manifest that describes files no
             * longer there (and a later sync would take the new files for the old ones) */
            if (r == 0 && superseded) {
                m->complete = 0;
                r = store_manifest_save(s, m, err);
            }
        }
        if (r == 0) {
            a = manifest_get(m, in->id, in->name);
            if (root) {
                r = install_into_run_dir(&x, staging.p, a, err);
                if (r == 0) {
                    remove_tree(staging.p); /* only what unpack refused to name is left */
                    drop_superseded_leftovers(&x, a);
                }
            } else {
                buf_addf(&target, "%s/%s", run_dir.p, in->name);
                r = make_room(&x, in->name, "", err);
                if (r == 0)
                    r = move(staging.p, target.p, err);
            }
            if (r == 0) {
                fsync_dir(run_dir.p);
                a = manifest_get(m, in->id, in->name);
                a->state = ART_COMPLETE;
                free(a->path);
                a->path = xstrdup(root ? "." : in->name);
                free(a->error);
                a->error = NULL;
                free(a->source);
                a->source = in->source ? xstrdup(in->source) : NULL;
                take_content(a, res);
            }
        }
        if (r < 0)
            remove_tree(staging.p);
        tempfile_unregister(slot);
    }
out:
    unlink(in->file); /* consumed: unpacked, moved (raw) or refused */
    {
        /* the counts stay the caller's; the list went to the manifest (or nowhere) */
        unsigned long files = res->files, dirs = res->dirs, skipped = res->skipped;
        unsigned long long bytes = res->bytes;
        unpack_result_release(res);
        res->files = files;
        res->dirs = dirs;
        res->skipped = skipped;
        res->bytes = bytes;
    }
    buf_release(&run_dir);
    buf_release(&staging);
    buf_release(&target);
    return r;
}

/* ---- ETag store ---------------------------------------------------------------------------- */

static void etag_path(const struct store *s, const char *url, struct buf *out)
{
    unsigned char md[32];
    unsigned int n = 0;

    EVP_Digest(url, strlen(url), md, &n, EVP_sha256(), NULL);
    buf_addf(out, "%s/http/", s->imx_dir);
    for (unsigned i = 0; i < 16 && i < n; i++)
        buf_addf(out, "%02x", md[i]);
}

int store_etag_get(const struct store *s, const char *url, char **etag, char **link, char **body,
                   size_t *len)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct imx_err e = IMX_ERR_INIT;
    char *text = NULL, *lines[4];
    size_t tlen = 0, off;
    int r;

    *etag = *link = *body = NULL;
    *len = 0;
    etag_path(s, url, &p);
    r = read_file(p.p, STORE_ETAG_BODY_MAX + STORE_ETAG_HEAD_MAX, &text, &tlen, &e);
    buf_release(&p);
    if (r < 0)
        return 0;
    if (strncmp(text, ETAG_MAGIC, strlen(ETAG_MAGIC))) {
        free(text);
        return 0;
    }
    off = strlen(ETAG_MAGIC);
    for (int i = 0; i < 3; i++) {
        char *nl = memchr(text + off, '\n', tlen - off);
        if (!nl) {
            free(text);
            return 0;
        }
        *nl = '\0';
        lines[i] = text + off;
        off = (size_t)(nl - text) + 1;
    }
    if (strcmp(lines[0], url) || !*lines[1]) {
        free(text);
        return 0;
    }
    *etag = xstrdup(lines[1]);
    *link = *lines[2] ? xstrdup(lines[2]) : NULL;
    *len = tlen - off;
    *body = xstrndup(text + off, *len);
    free(text);
    return 1;
}

int store_etag_put(const struct store *s, const char *url, const char *etag, const char *link,
                   const char *body, size_t len, struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX),
               t = BUF_INIT_MAX(STORE_ETAG_BODY_MAX + STORE_ETAG_HEAD_MAX);
    int r;

    if (!etag || !*etag || strchr(etag, '\n') || strchr(url, '\n') || (link && strchr(link, '\n')))
        return 0;
    etag_path(s, url, &p);
    if (buf_addf(&t, "%s%s\n%s\n%s\n", ETAG_MAGIC, url, etag, link ? link : "") < 0 ||
        buf_add(&t, body, len) < 0) {
        buf_release(&p);
        buf_release(&t);
        return 0; /* too big to keep: it will simply be asked again */
    }
    r = atomic_write(p.p, t.p, t.len, err);
    buf_release(&p);
    buf_release(&t);
    return r;
}

/* ---- listing ----------------------------------------------------------------------------- */

static int cmp_desc(const void *a, const void *b)
{
    unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

int store_list_runs(const char *cache, unsigned long long **ids, size_t *n, struct imx_err *err)
{
    DIR *d = opendir(cache);
    struct dirent *de;
    size_t cap = 0;

    *ids = NULL;
    *n = 0;
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return imx_seterr(err, IMX_EIO, "cannot read the cache '%s': %s", cache, strerror(errno));
    }
    while ((de = readdir(d))) {
        const char *p = de->d_name;
        char *end;
        unsigned long long id;
        if (strncmp(p, "run_", 4) || p[4] < '0' || p[4] > '9')
            continue;
        errno = 0;
        id = strtoull(p + 4, &end, 10);
        if (errno || *end)
            continue;
        ALLOC_GROW(*ids, *n + 1, cap);
        (*ids)[(*n)++] = id;
    }
    closedir(d);
    if (*n)
        qsort(*ids, *n, sizeof(**ids), cmp_desc);
    return 0;
}
