/* dir: the local source, `imx sync --source dir --from PATH`: artifacts a user already has (run
 * folders as `gh run download` or the Actions page leave them, a colleague's raw/ folder or
 * tarball, a single zip with --run), installed through the store like any download. */
#include "cache/verify.h"
#include "source/source.h"
#include "util/date.h"
#include "util/fsutil.h"
#include "util/hash.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DIR_ID_BIT (1ULL << 62) /* marks the ids made for artifacts that came with none */

enum art_kind { K_FOLDER, K_ZIP, K_LOOSE };

/* An artifact on disk, or a run folder of --from (name NULL, id the run's). */
struct local {
    char *name;
    char *path; /* the folder or zip; the run folder for the loose files */
    enum art_kind kind;
    unsigned long long id;
};

/* "123" or "run_123": the id, 0 when name is neither. */
static unsigned long long run_id_of(const char *name)
{
    const char *p = strncmp(name, "run_", 4) ? name : name + 4;
    char *end;
    unsigned long long id;

    if (*p < '1' || *p > '9' || strlen(p) > 19) /* 19 digits: no overflow */
        return 0;
    id = strtoull(p, &end, 10);
    return *end ? 0 : id;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static int join(struct buf *b, const char *dir, const char *name, struct imx_err *err)
{
    buf_reset(b);
    if (buf_addf(b, "%s/%s", dir, name) < 0)
        return imx_seterr(err, IMX_ETOOBIG, "'%s/%s': path too long", dir, name);
    return 0;
}

/*
 * The id of an artifact that came without one is made from its content (the names and SHA-256
 * of its files, or of its zip): a changed artifact is a new one, which the store installs and
 * keeps the old one of under .superseded/ as for a re-run, while an unchanged one is "cached"
 * however its files' times moved. In a range GitHub's ids do not reach.
 */
static int add_content(const char *path, const char *name, uint64_t *sum, struct imx_err *err)
{
    char hex[65];
    unsigned long long size;

    if (unpack_hash_file(path, hex, &size) < 0)
        return imx_seterr(err, IMX_EIO, "cannot read '%s': %s", path, strerror(errno));
    /* a sum of the files' hashes: the order a folder lists them in does not matter */
    *sum += fnv1a(fnv1a(FNV1A_INIT, name, strlen(name) + 1), hex, sizeof(hex) - 1);
    return 0;
}

/* ---- a folder's files, walked by libarchive's disk reader: their id, or one zip of them ---- */

struct walk {
    struct archive *zip; /* the zip written to out; NULL: out gets the bytes as they are */
    FILE *out;           /* NULL: only the content id is wanted */
    uint64_t sum;
    unsigned long entries;
    unsigned long long bytes;
};

/* One regular file of the artifact, rel inside it: into the sum, the zip or out. */
static int walk_file(struct walk *w, struct archive *disk, struct archive_entry *e, const char *rel,
                     struct imx_err *err)
{
    const char *path = archive_entry_sourcepath(e);
    char chunk[FS_IO_CHUNK];
    la_ssize_t n;

    /* the store's unpacking refuses more, but a copy of it would fill the disk first */
    if ((unsigned long long)archive_entry_size(e) > STORE_UNPACK_MAX - w->bytes)
        return imx_seterr(err, IMX_ETOOBIG, "'%s': the artifact holds more than %llu bytes", path,
                          STORE_UNPACK_MAX);
    w->bytes += (unsigned long long)archive_entry_size(e);
    w->entries++;
    if (!w->out)
        return add_content(path, rel, &w->sum, err);
    if (w->zip) {
        archive_entry_set_pathname(e, rel);
        archive_entry_set_perm(e, 0644);
        if (archive_write_header(w->zip, e) != ARCHIVE_OK)
            return imx_seterr(err, IMX_EIO, "'%s': %s", path, archive_error_string(w->zip));
    }
    while ((n = archive_read_data(disk, chunk, sizeof(chunk))) > 0)
        if (w->zip ? archive_write_data(w->zip, chunk, (size_t)n) != n
                   : fwrite(chunk, 1, (size_t)n, w->out) != (size_t)n)
            return imx_seterr(err, IMX_EIO, "cannot copy '%s': %s", path,
                              w->zip ? archive_error_string(w->zip) : strerror(errno));
    if (n < 0)
        return imx_seterr(err, IMX_EIO, "cannot read '%s': %s", path, archive_error_string(disk));
    return 0;
}

/* The artifact's files: the zip itself, or those below its folder (links refused: an artifact
 * never holds one), names starting with a dot skipped as the reader skips them; for the loose
 * files, the regular files of the run folder alone, not zips, run.json or the manifest (the
 * aggregate that sits in a raw/ run folder itself). */
static int walk_artifact(const struct local *art, struct walk *w, struct imx_err *err)
{
    struct archive *disk = archive_read_disk_new();
    struct archive_entry *e = archive_entry_new();
    size_t root = strlen(art->path);
    int r = 0, st;

    archive_read_disk_set_symlink_hybrid(disk); /* what the user named is followed, no more */
    archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL |
                                             ARCHIVE_READDISK_NO_FFLAGS |
                                             ARCHIVE_READDISK_NO_SPARSE);
    if (archive_read_disk_open(disk, art->path) != ARCHIVE_OK)
        r = imx_seterr(err, IMX_EIO, "cannot read '%s': %s", art->path, archive_error_string(disk));
    while (!r && (st = archive_read_next_header2(disk, e)) != ARCHIVE_EOF) {
        const char *path = archive_entry_sourcepath(e);
        const char *rel = path ? path + root + (path[root] == '/') : "", *nm = base_name(rel);
        int type = archive_entry_filetype(e);
        if (st != ARCHIVE_OK)
            r = imx_seterr(err, IMX_EIO, "cannot read '%s': %s", path ? path : art->path,
                           archive_error_string(disk));
        else if (*rel && (nm[0] == '.' || (art->kind == K_LOOSE &&
                                           (type != AE_IFREG || !strcmp(nm, "run.json") ||
                                            !strcmp(nm, STORE_MANIFEST) || ends_with(nm, ".zip")))))
            continue; /* beside the loose files, a link or FIFO: list_artifacts warned */
        else if (type == AE_IFDIR)
            archive_read_disk_descend(disk);
        else if (type == AE_IFLNK)
            r = imx_seterr(err, IMX_EUNSAFE, "'%s' is a link (refused)", path);
        else if (type != AE_IFREG)
            r = imx_seterr(err, IMX_EUNSAFE, "'%s' is not a file or folder (refused)", path);
        else
            r = walk_file(w, disk, e, rel, err);
    }
    archive_read_free(disk);
    archive_entry_free(e);
    if (!r && w->entries == 0)
        r = imx_seterr(err, IMX_ENOTFOUND, "'%s' holds no file", art->path);
    return r;
}

/* Fills the temporary file t with the artifact: a user's zip copied (the store moves or removes
 * what it installs), a folder's files zipped (stored, not compressed). */
static int fill_tmp(const struct local *art, struct store_tmp *t, struct imx_err *err)
{
    struct walk w = {art->kind == K_ZIP ? NULL : archive_write_new(), t->fp, 0, 0, 0};
    int r = 0;

    if (w.zip) {
        archive_write_set_format_zip(w.zip);
        archive_write_set_options(w.zip, "zip:compression=store");
        archive_write_set_bytes_in_last_block(w.zip, 1); /* no padding: the size is the zip's */
        if (archive_write_open_FILE(w.zip, t->fp) != ARCHIVE_OK)
            r = imx_seterr(err, IMX_EIO, "%s: %s", t->path, archive_error_string(w.zip));
    }
    if (!r)
        r = walk_artifact(art, &w, err);
    if (w.zip && archive_write_close(w.zip) != ARCHIVE_OK && !r)
        r = imx_seterr(err, IMX_EIO, "%s: %s", t->path, archive_error_string(w.zip));
    archive_write_free(w.zip);
    if (!r && fflush(t->fp) != 0)
        r = imx_seterr(err, IMX_EIO, "cannot write '%s': %s", t->path, strerror(errno));
    return r;
}

/* The artifact's content id: its zip's, or its files' (see add_content); past the ids of m's
 * kept (superseded) copies, so that content coming back (A, B, then A again) is new again. */
static int content_id(struct local *art, struct manifest *m, struct imx_err *err)
{
    struct walk w = {NULL, NULL, 0, 0, 0};
    int r = walk_artifact(art, &w, err);
    struct manifest_art *a;

    art->id = DIR_ID_BIT | (w.sum & (DIR_ID_BIT - 1));
    while ((a = manifest_find(m, art->id)) && a->state == ART_SUPERSEDED)
        art->id = DIR_ID_BIT | ((art->id + 1) & (DIR_ID_BIT - 1));
    return r;
}

/* ---- one run folder ------------------------------------------------------------------------ */

static void locals_free(struct local *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].path);
    }
    free(v);
}

/* A link, FIFO or device where --from holds runs or artifacts: skipped with a warning. */
static void skipped_entry(struct imx_diag *diag, const char *path, const struct stat *st)
{
    imx_warn(diag, IMX_EUNSAFE, "'%s' is %s: skipped", path,
             S_ISLNK(st->st_mode) ? "a symbolic link (imx imports no file or folder through a "
                                    "link)"
                                  : "not a file or folder");
}

/* The artifacts of a run folder: a folder or NAME.zip each, the loose files as the aggregate. */
static int list_artifacts(struct imx_diag *diag, const char *rdir, struct local **out, size_t *nout,
                          struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct local *v = NULL;
    size_t n = 0, cap = 0;
    int loose = 0, r = 0;
    DIR *d = opendir(rdir);
    struct dirent *de;

    if (!d)
        return imx_seterr(err, IMX_EIO, "cannot read '%s': %s", rdir, strerror(errno));
    while ((de = readdir(d)) && !r) {
        struct stat st;
        const char *nm = de->d_name;
        if (nm[0] == '.' || !strcmp(nm, "run.json") || !strcmp(nm, STORE_MANIFEST))
            continue;
        r = join(&p, rdir, nm, err);
        if (r < 0 || lstat(p.p, &st) != 0)
            continue;
        if (S_ISREG(st.st_mode) && !ends_with(nm, ".zip")) {
            loose = 1;
            continue;
        }
        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
            /* a link may point anywhere (a secret, /etc): never followed, said so */
            skipped_entry(diag, p.p, &st);
            continue;
        }
        ALLOC_GROW(v, n + 1, cap);
        v[n++] = (struct local){S_ISDIR(st.st_mode) ? xstrdup(nm) : xstrndup(nm, strlen(nm) - 4),
                                xstrdup(p.p), S_ISDIR(st.st_mode) ? K_FOLDER : K_ZIP, 0};
    }
    closedir(d);
    buf_release(&p);
    /* loose files are the aggregate unpacked into the run folder (a raw/ run folder), unless
     * a folder or zip holds it */
    for (size_t i = 0; i < n && loose; i++)
        loose = strcmp(v[i].name, STORE_AGGREGATE) != 0;
    if (!r && loose) {
        ALLOC_GROW(v, n + 1, cap);
        v[n++] = (struct local){xstrdup(STORE_AGGREGATE), xstrdup(rdir), K_LOOSE, 0};
    }
    *out = v;
    *nout = n;
    return r;
}

/* The GitHub ids a colleague's manifest recorded for the names, for the artifacts whose files
 * are still those it recorded (re-hashed: one changed since is a new artifact, named by its
 * content). */
static void manifest_ids(const char *rdir, unsigned long long run_id, struct local *v, size_t n)
{
    struct imx_err e = IMX_ERR_INIT;
    struct manifest m;

    if (manifest_load_dir(rdir, run_id, &m, &e) > 0)
        verify_run(rdir, &m, 1, NULL);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m.n; j++)
            if (m.arts[j].state == ART_COMPLETE && !m.arts[j].damaged && m.arts[j].id &&
                !strcmp(m.arts[j].name, v[i].name))
                v[i].id = m.arts[j].id;
    manifest_release(&m);
}

/* The run object of rdir's run.json: 1, 0 when there is none, -1 when it does not read (e says
 * why); *path gets the file's. */
static int folder_run(const char *rdir, struct gh_run *run, struct buf *path, struct imx_err *e)
{
    char *text = NULL;
    size_t len = 0;
    int r = 0;

    memset(run, 0, sizeof(*run));
    if (join(path, rdir, "run.json", e) < 0 || !path_exists(path->p))
        return 0;
    if (read_file(path->p, STORE_RUN_JSON_MAX, &text, &len, e) < 0 ||
        gh_parse_run(text, len, run, e) < 0)
        r = -1;
    free(text);
    return r < 0 ? r : 1;
}

/* run.json beside the artifacts: GitHub's run object of this run, stored when it differs. */
static int import_run_json(struct source_env *env, const char *rdir, unsigned long long id,
                           struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct imx_err e = IMX_ERR_INIT;
    char *old = NULL;
    size_t oldlen = 0;
    struct gh_run run;
    int r = folder_run(rdir, &run, &p, &e);

    if (r < 0)
        imx_warn(env->diag, IMX_EPARSE, "'%s' is not a run object (ignored): %s", p.p, e.msg);
    else if (r > 0 && run.id != id)
        imx_warn(env->diag, IMX_EPARSE, "'%s' is the run object of run %llu, not %llu (ignored)",
                 p.p, run.id, id);
    r = r > 0 && run.id == id;
    if (r) {
        buf_reset(&p);
        store_run_file(env->store, id, "run.json", &p);
        r = read_file(p.p, STORE_RUN_JSON_MAX, &old, &oldlen, &e) < 0 || oldlen != run.jsonlen ||
            memcmp(old, run.json, oldlen);
    }
    if (r)
        r = store_write_run_json(env->store, id, run.json, run.jsonlen, err);
    gh_run_release(&run);
    free(old);
    buf_release(&p);
    return r;
}

/* Installs one artifact: its zip (copied, or made from its files) through the store. */
static int install(struct source_env *env, struct manifest *m, const struct local *a,
                   struct imx_err *err)
{
    struct store_tmp t;
    struct store_install in = {
        .run_id = m->run_id, .id = a->id, .name = a->name, .is_zip = 1, .source = "dir"};
    struct unpack_result res;
    struct manifest_art *ma;
    long size;
    int r = store_tmp_open(env->store, &t, err);

    if (r < 0)
        return r;
    r = fill_tmp(a, &t, err);
    size = r == 0 ? ftell(t.fp) : 0;
    in.file = t.path;
    if (r == 0)
        r = store_install_artifact(env->store, m, &in, &res, err);
    store_tmp_discard(&t);
    if (r == 0) {
        ma = manifest_get(m, a->id, a->name);
        ma->size = size > 0 ? (unsigned long long)size : 0;
        env->st.artifacts++;
        env->st.bytes += res.bytes;
    }
    return r;
}

/* One run: the artifacts of its folder rdir, or (rdir NULL) the n of v (taken over: the zip the
 * user named). */
static int sync_run(struct source_env *env, const char *rdir, unsigned long long id,
                    struct local *v, size_t n)
{
    struct imx_err err = IMX_ERR_INIT;
    struct gh_artifact *ga;
    enum gh_pick *pick;
    struct manifest m;
    unsigned long got = 0, cached = 0, failed = 0;
    unsigned long long bytes0 = env->st.bytes;
    int r = 0, have, theirs = 0;

    if (rdir && list_artifacts(env->diag, rdir, &v, &n, &err) < 0)
        theirs = 1; /* the user's folder does not read: not the cache failing */
    have = theirs ? -1 : rdir ? import_run_json(env, rdir, id, &err) : 0;
    have = have < 0 ? have : store_manifest_load(env->store, id, &m, &err);
    if (have < 0) {
        locals_free(v, n);
        if (theirs) /* named, whichever problem came first */
            imx_warn(env->diag, err.code, "run %llu: %s: skipped", id, err.msg);
        else
            source_first_error(env, "run %llu: %s", id, err.msg);
        env->st.cache_failed |= !theirs && err.code == IMX_EIO;
        env->st.runs_failed++;
        return -err.code;
    }
    if (have > 0) {
        /* a stored file gone or cut since (existence and size): imported again */
        struct buf d = BUF_INIT_MAX(FS_PATH_MAX);
        store_run_dir(env->store, id, &d);
        verify_run(d.p, &m, 0, NULL);
        buf_release(&d);
    }
    if (rdir)
        manifest_ids(rdir, id, v, n);
    ga = xcalloc(n + 1, sizeof(*ga));
    for (size_t i = 0; i < n; i++)
        ga[i] = (struct gh_artifact){.id = v[i].id, .name = v[i].name};
    /* a zip named on the command line is taken whatever its name */
    pick = rdir ? source_choose(env, id, ga, n) : NULL;
    for (size_t i = 0; i < n; i++) {
        struct manifest_art *a;
        if (pick && pick[i] != GH_TAKE) {
            env->st.artifacts_skipped++;
            continue;
        }
        imx_err_clear(&err);
        r = v[i].id ? 0 : content_id(&v[i], &m, &err);
        a = r == 0 ? manifest_find(&m, v[i].id) : NULL;
        if (a && a->state == ART_COMPLETE && !a->damaged) {
            cached++;
            continue;
        }
        if (env->interrupted && env->interrupted())
            break;
        if (r < 0 || install(env, &m, &v[i], &err) < 0) {
            failed++;
            env->st.artifacts_failed++;
            /* the user's file that does not read is not the cache failing */
            env->st.cache_failed |= r == 0 && err.code == IMX_EIO;
            source_first_error(env, "run %llu, artifact '%s': %s", id, v[i].name, err.msg);
            if (r < 0)
                continue; /* no id to record it under */
            a = manifest_get(&m, v[i].id, v[i].name);
            a->state = ART_FAILED;
            free(a->error);
            a->error = xstrdup(err.msg);
        } else {
            got++;
        }
    }
    env->st.artifacts_cached += cached;
    m.complete = !failed && manifest_all_stored(&m);
    imx_err_clear(&err);
    r = 0;
    if ((got || failed || !have) && store_manifest_save(env->store, &m, &err) < 0) {
        source_first_error(env, "run %llu: %s", id, err.msg);
        env->st.cache_failed = 1;
        r = -err.code;
    }
    source_run_done(env, &(struct source_run){.id = id,
                                              .verb = "imported",
                                              .cached = !got && !failed,
                                              .incomplete = r < 0,
                                              .got = got,
                                              .kept = cached,
                                              .failed = failed,
                                              .bytes = env->st.bytes - bytes0});
    manifest_release(&m);
    locals_free(v, n);
    free(ga);
    free(pick);
    return r;
}

/* ---- the runs of --from ----------------------------------------------------------------- */

static int cmp_run_desc(const void *a, const void *b)
{
    const struct local *x = a, *y = b;
    return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/* The run folders in root (named by id or run_<id>), newest first; when there are none and
 * root holds one folder alone (the folder a tarball wraps them in), those in that one. */
static int find_runs(struct imx_diag *diag, const char *root, int wrapped, struct local **out,
                     size_t *nout, struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct local *v = NULL;
    size_t n = 0, cap = 0, subdirs = 0;
    char *only = NULL;
    DIR *d = opendir(root);
    struct dirent *de;
    int r = 0;

    if (!d)
        return imx_seterr(err, IMX_EIO, "cannot read '%s': %s", root, strerror(errno));
    while ((de = readdir(d))) {
        unsigned long long id = run_id_of(de->d_name);
        struct stat st;
        if (de->d_name[0] == '.' || join(&p, root, de->d_name, err) < 0 || lstat(p.p, &st) != 0)
            continue;
        if (S_ISLNK(st.st_mode) && is_dir(p.p))
            skipped_entry(diag, p.p, &st); /* a run folder linked to anywhere: not followed */
        if (!S_ISDIR(st.st_mode))
            continue;
        subdirs++;
        free(only);
        only = xstrdup(p.p);
        for (size_t i = 0; id && i < n; i++)
            if (v[i].id == id)
                r = imx_seterr(err, IMX_EUSAGE, "'%s' holds run %llu twice ('%llu' and 'run_%llu')",
                               root, id, id, id);
        if (!id)
            continue;
        ALLOC_GROW(v, n + 1, cap);
        v[n++] = (struct local){NULL, xstrdup(p.p), K_FOLDER, id};
    }
    closedir(d);
    buf_release(&p);
    if (r == 0 && n == 0 && subdirs == 1 && !wrapped) {
        r = find_runs(diag, only, 1, out, nout, err);
        free(only);
        return r;
    }
    free(only);
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_run_desc);
    *out = v;
    *nout = n;
    return r;
}

/* Whether the selection (named runs, dates from run.json) takes the run; an undated run is
 * left out by any date range, and the user is told why. */
static int selected(struct source_env *env, const struct local *lr)
{
    const struct source_sel *sel = env->sel;
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX), why = BUF_INIT_MAX(FS_PATH_MAX + IMX_ERR_MAX);
    struct imx_err e = IMX_ERR_INIT;
    char date[DATE_LEN + 1] = "";
    struct gh_run run;
    int r;

    if (!source_named(sel, lr->id) || (!sel->since && !sel->until))
        return source_named(sel, lr->id);
    r = folder_run(lr->path, &run, &p, &e);
    if (r > 0 && run.id == lr->id && run.created_at && date_timestamp_day(run.created_at, date) < 0)
        date[0] = '\0';
    if (r < 0)
        buf_addf(&why, "'%s' is not a run object (%s)", p.p, e.msg);
    else if (r > 0 && run.id != lr->id)
        buf_addf(&why, "'%s' is the run object of run %llu", p.p, run.id);
    else if (r == 0)
        buf_addf(&why, "'%s' has no run.json", lr->path);
    else if (!date[0])
        buf_addf(&why, "'%s' has no valid created_at", p.p);
    if (!date[0])
        imx_warn(env->diag, IMX_EPARSE, "run %llu: %s: --since and --until leave it out", lr->id,
                 why.p);
    gh_run_release(&run);
    buf_release(&p);
    buf_release(&why);
    return date[0] && date_in_range(date, sel->since, sel->until);
}

/* A tarball (a colleague's raw/ folder): unpacked under the store's scratch folder, with the
 * unpacker's checks and a cap scaled to its size. *root receives the folder. 1 when the tarball
 * is refused (said): bad input, as a refused zip is (exit 1), not a server or the cache failing. */
static int untar(struct source_env *env, const char *tarball, off_t size, struct buf *root,
                 int *slot, struct imx_err *err)
{
    struct unpack_limits lim = {store_unpack_cap((unsigned long long)size), 0, 1};
    struct unpack_result res;
    sigset_t saved;
    int r;

    if (buf_addf(root, "%s/import-XXXXXX", env->store->tmp_dir) < 0)
        return imx_seterr(err, IMX_ETOOBIG, "'%s': path too long", env->store->tmp_dir);
    tempfile_hold(&saved);
    if (!mkdtemp(root->p)) {
        tempfile_unhold(&saved);
        return imx_seterr(err, IMX_EIO, "cannot create a folder in '%s': %s", env->store->tmp_dir,
                          strerror(errno));
    }
    *slot = tempfile_register(root->p);
    tempfile_unhold(&saved);
    r = unpack_zip(tarball, root->p, &lim, &res, err);
    unpack_result_release(&res);
    if (r < 0 && err->code != IMX_EIO && err->code != IMX_EINTR) {
        imx_warn(env->diag, err->code, "'%s': %s: nothing imported", tarball, err->msg);
        env->st.runs_failed++;
        return 1;
    }
    return r;
}

static int dir_sync(struct source_env *env, struct imx_err *err)
{
    const struct source_sel *sel = env->sel;
    unsigned long long one, single = sel->run ? run_id_of(sel->run) : 0;
    struct buf tmp = BUF_INIT_MAX(FS_PATH_MAX);
    struct local *runs = NULL;
    size_t n = 0, taken = 0;
    struct stat st;
    int slot = -1, r = 0;

    if (!sel->from)
        return imx_seterr(err, IMX_EUSAGE,
                          "--source dir reads the folder, tarball or zip --from names");
    if (sel->run && !single)
        return imx_seterr(err, IMX_EUSAGE, "--run takes a run id, not '%s'", sel->run);
    if (stat(sel->from, &st) != 0)
        return imx_seterr(err, errno == ENOENT ? IMX_ENOTFOUND : IMX_EIO, "cannot read '%s': %s",
                          sel->from, strerror(errno));
    if (S_ISREG(st.st_mode) && ends_with(sel->from, ".zip")) {
        /* a single artifact: its run is named, its name is the file's */
        struct local *a;
        char *real;
        if (!single)
            return imx_seterr(err, IMX_EUSAGE, "'%s' is a single zip: --run ID says whose",
                              sel->from);
        if (!(real = realpath(sel->from, NULL))) /* a link the user named is followed */
            return imx_seterr(err, IMX_EIO, "cannot read '%s': %s", sel->from, strerror(errno));
        a = xmalloc(sizeof(*a));
        *a = (struct local){xstrndup(base_name(sel->from), strlen(base_name(sel->from)) - 4), real,
                            K_ZIP, 0};
        env->st.runs = 1;
        sync_run(env, NULL, single, a, 1);
        return 0;
    }
    if (S_ISREG(st.st_mode)) {
        r = untar(env, sel->from, st.st_size, &tmp, &slot, err);
        if (r == 0)
            r = find_runs(env->diag, tmp.p, 0, &runs, &n, err);
    } else if (!S_ISDIR(st.st_mode)) {
        r = imx_seterr(err, IMX_EUSAGE, "'%s' is not a folder, tarball or zip", sel->from);
    } else if ((one = single ? single : run_id_of(base_name(sel->from)))) {
        /* the folder of one run */
        runs = xmalloc(sizeof(*runs));
        runs[n++] = (struct local){NULL, xstrdup(sel->from), K_FOLDER, one};
    } else {
        r = find_runs(env->diag, sel->from, 0, &runs, &n, err);
    }
    if (r == 0 && n == 0)
        r = imx_seterr(err, IMX_ENOTFOUND,
                       "no run folders in '%s' (expected folders named by run id or run_<ID>)",
                       sel->from);
    for (size_t i = 0; r == 0 && i < n; i++) {
        if (!selected(env, &runs[i]))
            continue;
        if (sel->recent > 0 && taken >= (size_t)sel->recent)
            break;
        if (env->interrupted && env->interrupted()) {
            r = imx_seterr(err, IMX_EINTR, "interrupted");
            break;
        }
        taken++;
        env->st.runs++;
        sync_run(env, runs[i].path, runs[i].id, NULL, 0);
    }
    /* a run named on the command line that --from does not hold is said, as the other
     * sources say it, and leaves the result incomplete (exit 1) */
    for (size_t k = 0; r == 0 && k < sel->nids; k++) {
        size_t i = 0;
        while (i < n && runs[i].id != strtoull(sel->ids[k], NULL, 10))
            i++;
        if (i == n) {
            imx_warn(env->diag, IMX_ENOTFOUND, "run %s is not in '%s'", sel->ids[k], sel->from);
            env->st.runs_failed++;
        }
    }
    locals_free(runs, n);
    if (slot >= 0) {
        remove_tree(tmp.p);
        tempfile_unregister(slot);
    }
    buf_release(&tmp);
    return r > 0 ? 0 : r;
}

const struct imx_source source_dir = {
    .name = "dir",
    .label = "dir",
    .about = "artifacts already on disk (--from a folder, tarball or zip)",
    .flags = SOURCE_LOCAL | SOURCE_NEEDS_FROM,
    .sync = dir_sync,
};
