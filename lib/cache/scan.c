/* scan: discovery of runs and result files in the cache (layout in scan.h and the README).
 * Precedence per run: the aggregate, else per-configuration files, else results_<exp> arrays. */
#include "cache/scan.h"
#include "reader/names.h"
#include "cache/apifiles.h"
#include "cache/jail.h"
#include "cache/store.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <yajl/yajl_tree.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SCAN_DEPTH 4

/* Artifacts that never hold benchmark rows, whatever files they contain. */
static const char *const ignored_prefixes[] = {
    "eval_",        "server_logs", "multinode_server_logs",
    "gpu_metrics",  "power_audit", "agentic_",
    "bmk_agentic_", "graphs_",     "run-stats",
    "run_stats",    "changelog-",  "changelog_",
    "profile_",     "speedbench",  "cxsweep",
    "api",
};

static int ignored_artifact(const char *name)
{
    for (size_t i = 0; i < sizeof(ignored_prefixes) / sizeof(ignored_prefixes[0]); i++)
        if (!strncmp(name, ignored_prefixes[i], strlen(ignored_prefixes[i])))
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

/*
 * Sorted names of a directory, without dot entries; NULL-terminated, caller
 * frees. Each name is stored after one type byte (readdir's d_type: 'd'
 * directory, 'f' regular file, '?' unknown) so that most entries need no stat.
 */
static char **list_dir(const char *path, size_t *n)
{
    DIR *d = opendir(path);
    struct dirent *de;
    char **v = NULL;
    size_t cap = 0;

    *n = 0;
    if (!d)
        return NULL;
    while ((de = readdir(d))) {
        size_t len;
        char *e;
        if (de->d_name[0] == '.')
            continue;
        ALLOC_GROW(v, *n + 2, cap);
        len = strlen(de->d_name);
        e = xmalloc(len + 2);
        e[0] = de->d_type == DT_DIR ? 'd' : de->d_type == DT_REG ? 'f' : '?';
        memcpy(e + 1, de->d_name, len + 1);
        v[(*n)++] = e;
    }
    closedir(d);
    if (v) {
        qsort(v, *n, sizeof(*v), cmp_str);
        v[*n] = NULL;
    }
    return v;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

struct collect {
    struct run_file *agg, *pcfg, *res;
    size_t nagg, npcfg, nres, capagg, cappcfg, capres;
    char *unreadable; /* the first folder that could not be listed */
    int unreadable_errno;
    size_t nunreadable;
    int manifest;
};

static void add_file(struct run_file **v, size_t *n, size_t *cap, const char *path, const char *rel)
{
    ALLOC_GROW(*v, *n + 1, *cap);
    (*v)[*n].path = xstrdup(path);
    (*v)[*n].rel = xstrdup(rel);
    (*n)++;
}

static int is_json_named(const char *name, const char *prefix)
{
    size_t n = strlen(name), p = strlen(prefix);
    return n > p + 5 && !strncmp(name, prefix, p) && !strcmp(name + n - 5, ".json");
}

/*
 * Walks a run folder. `artifact` is the first path component (NULL at the
 * top), which decides what a file found below it is.
 */
static void unreadable(struct collect *c, const char *path, int errnum)
{
    if (!c->nunreadable++) {
        c->unreadable = xstrdup(path);
        c->unreadable_errno = errnum;
    }
}

static void walk(struct collect *c, const char *path, const char *rel, const char *artifact,
                 int depth)
{
    size_t n;
    char **names;

    errno = 0;
    names = list_dir(path, &n);
    if (!names && errno && errno != ENOENT) {
        /* a folder imx may not read (permissions): its files are missing from the run */
        unreadable(c, path, errno);
        c->manifest |= depth == 0; /* not known: to be looked for */
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct buf p = BUF_INIT_MAX(FS_PATH_MAX), r = BUF_INIT_MAX(FS_PATH_MAX);
        const char *name = names[i] + 1;
        const char *art = artifact ? artifact : name;
        struct stat st;

        if (depth == 0 && !strcmp(name, STORE_MANIFEST))
            c->manifest = 1;

        buf_addf(&p, "%s/%s", path, name);
        if (*rel)
            buf_addf(&r, "%s/%s", rel, name);
        else
            buf_adds(&r, name);
        if (names[i][0] == 'd')
            st.st_mode = S_IFDIR;
        else if (names[i][0] == 'f')
            st.st_mode = S_IFREG;
        else if (lstat(p.p, &st) != 0 || (S_ISLNK(st.st_mode) && stat(p.p, &st) != 0)) {
            buf_release(&p);
            buf_release(&r);
            continue;
        } else if (names[i][0] == '?' && S_ISDIR(st.st_mode) && !jail_is_dir(p.p)) {
            /* a folder linked to anywhere (outside the cache): its files are not the run's */
            unreadable(c, p.p, ELOOP);
            buf_release(&p);
            buf_release(&r);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (depth < MAX_SCAN_DEPTH && !(artifact == NULL && ignored_artifact(name)))
                walk(c, p.p, r.p, art, depth + 1);
        } else {
            /* a FIFO or device under a result's name is taken too: opening it (regular files
             * only, never blocking) then skips it with a warning naming it, not in silence */
            if (!strcmp(name, "agg_bmk.json")) {
                add_file(&c->agg, &c->nagg, &c->capagg, p.p, r.p);
            } else if (artifact && !strncmp(artifact, "results_", 8) &&
                       is_json_named(name, "agg_")) {
                add_file(&c->res, &c->nres, &c->capres, p.p, r.p);
            } else if (is_json_named(name, "agg_") && (!artifact || !ignored_artifact(artifact))) {
                /* a per-configuration file: bmk_* artifacts, or the unprefixed 2025 names */
                long isl, osl;
                if (!artifact || !strncmp(artifact, "bmk_", 4) ||
                    names_seq_lens(artifact, &isl, &osl, NULL) ||
                    names_seq_lens(name, &isl, &osl, NULL))
                    add_file(&c->pcfg, &c->npcfg, &c->cappcfg, p.p, r.p);
            }
        }
        buf_release(&p);
        buf_release(&r);
    }
    free_list(names, n);
}

static void free_files(struct run_file *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].path);
        free(v[i].rel);
    }
    free(v);
}

static int cmp_file_depth(const void *a, const void *b)
{
    const struct run_file *x = a, *y = b;
    size_t dx = 0, dy = 0;
    for (const char *p = x->rel; *p; p++)
        dx += *p == '/';
    for (const char *p = y->rel; *p; p++)
        dy += *p == '/';
    if (dx != dy)
        return dx < dy ? -1 : 1;
    return strcmp(x->rel, y->rel);
}

void run_info_find_files(struct run_info *ri)
{
    struct collect c;

    memset(&c, 0, sizeof(c));
    if (ri->linked)
        unreadable(&c, ri->dir, ELOOP);
    else
        walk(&c, ri->dir, "", NULL, 0);
    ri->unreadable = c.unreadable;
    ri->unreadable_errno = c.unreadable_errno;
    ri->nunreadable = c.nunreadable;
    ri->manifest = c.manifest;
    if (c.nagg) {
        /* one aggregate only: the shallowest (run_<ID>/agg_bmk.json before results_bmk/) */
        qsort(c.agg, c.nagg, sizeof(*c.agg), cmp_file_depth);
        ri->kind = RUN_AGGREGATE;
        ri->files = c.agg;
        ri->nfiles = 1;
        for (size_t i = 1; i < c.nagg; i++) {
            free(c.agg[i].path);
            free(c.agg[i].rel);
        }
        free_files(c.pcfg, c.npcfg);
        free_files(c.res, c.nres);
    } else if (c.npcfg) {
        ri->kind = RUN_PERCONFIG;
        ri->files = c.pcfg;
        ri->nfiles = c.npcfg;
        free_files(c.agg, 0);
        free_files(c.res, c.nres);
    } else if (c.nres) {
        ri->kind = RUN_RESULTS;
        ri->files = c.res;
        ri->nfiles = c.nres;
        free_files(c.agg, 0);
        free_files(c.pcfg, 0);
    } else {
        /* artifacts win; the API's rows fill runs that have none (highest attempt only) */
        char **api;
        size_t napi, cap = 0;
        long attempt;
        ri->kind = RUN_NONE;
        if ((napi = apifiles_list(ri->dir, &api, &attempt)) > 0) {
            ri->kind = RUN_API;
            for (size_t i = 0; i < napi; i++)
                add_file(&ri->files, &ri->nfiles, &cap, api[i], api[i] + strlen(ri->dir) + 1);
        }
        apifiles_free(api, napi);
        free(c.agg);
        free(c.pcfg);
        free(c.res);
    }
}

int run_info_find_files_at(struct run_info *ri)
{
    int fd = open(ri->dir, O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    run_info_find_files(ri);
    return fd;
}

int run_info_load_meta(struct run_info *ri, const char *path, struct imx_err *err)
{
    char *text = NULL, why[300];
    size_t len;
    yajl_val root;
    long long attempt;
    int r = read_file(path, STORE_RUN_JSON_MAX, &text, &len, err);

    if (r < 0)
        return r;
    root = json_tree_parse(text, len, why, sizeof(why));
    free(text);
    if (!root || !YAJL_IS_OBJECT(root)) {
        yajl_tree_free(root);
        return imx_seterr(err, IMX_EPARSE, "'%s': not a run object%s%s", path, root ? "" : ": ",
                          root ? "" : why);
    }
    ri->created_at = json_strdup(json_get(root, "created_at"));
    if (ri->created_at && date_parse_timestamp(ri->created_at, &ri->created) < 0) {
        ri->bad_date = ri->created_at;
        ri->created_at = NULL;
    }
    ri->event = json_strdup(json_get(root, "event"));
    ri->branch = json_strdup(json_get(root, "head_branch"));
    ri->html_url = json_strdup(json_get(root, "html_url"));
    ri->source = json_strdup(json_get(root, "imx_source"));
    ri->attempt = json_int(json_get(root, "run_attempt"), &attempt) == 0 ? (long)attempt : 0;
    ri->has_meta = 1;
    yajl_tree_free(root);
    return 0;
}

static int parse_run_dir(const char *name, unsigned long long *id)
{
    const char *p = name + 4;
    unsigned long long v = 0;

    if (strncmp(name, "run_", 4) || !*p || strlen(p) > 19)
        return 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (unsigned long long)(*p - '0');
    }
    *id = v;
    return 1;
}

int run_info_cmp(const struct run_info *a, const struct run_info *b)
{
    int da = a->created_at != NULL, db = b->created_at != NULL;

    /* a key compared field by field, the same for every pair: transitive by construction */
    if (da != db)
        return da - db;
    if (da && a->created != b->created)
        return a->created < b->created ? -1 : 1;
    if (a->idn != b->idn)
        return a->idn < b->idn ? -1 : 1;
    return strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

static int cmp_runs(const void *a, const void *b)
{
    return run_info_cmp(a, b);
}

void run_list_sort(struct run_list *l)
{
    if (l->n)
        qsort(l->v, l->n, sizeof(*l->v), cmp_runs);
    for (size_t i = 0; i < l->n; i++)
        l->v[i].order = i;
}

static int wanted(const char *id, char *const *ids, size_t nids, unsigned char *seen)
{
    if (!nids)
        return 1;
    for (size_t i = 0; i < nids; i++) {
        const char *w = ids[i];
        while (*w == '0' && w[1])
            w++;
        if (!strcmp(w, id)) {
            seen[i] = 1;
            return 1;
        }
    }
    return 0;
}

/* The run.json reads of a scan, shared among threads: each run's problem is kept (not warned
 * about from a thread), so the warnings come out in the order of the folders, as from one. */
#define SCAN_META_PER_THREAD 64 /* runs below which a thread is not worth starting */
#define SCAN_THREADS_MAX 16

struct meta_job {
    struct run_info *v;
    int *code;  /* per run: 0 when its run.json read well or is absent, */
    char **why; /* else the code and the message */
    size_t n, next;
};

static void *meta_worker(void *arg)
{
    struct meta_job *j = arg;
    size_t i;

    while ((i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED)) < j->n) {
        struct buf mp = BUF_INIT_MAX(FS_PATH_MAX);
        struct imx_err e = IMX_ERR_INIT;
        if (j->v[i].linked)
            continue; /* read_run says why nothing of it is read */
        buf_adds(&mp, j->v[i].dir);
        buf_adds(&mp, "/run.json");
        /* read straight away: only a failure asks whether there was anything to read */
        if (run_info_load_meta(&j->v[i], mp.p, &e) < 0 && path_exists(mp.p)) {
            j->code[i] = e.code;
            j->why[i] = xstrdup(e.msg);
        }
        buf_release(&mp);
    }
    return NULL;
}

static void load_meta(struct run_list *l, struct imx_diag *diag)
{
    struct meta_job j = {l->v, NULL, NULL, l->n, 0};
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nthreads = ncpu > 0 ? (size_t)ncpu : 1;
    pthread_t tid[SCAN_THREADS_MAX];
    size_t started = 0;

    if (nthreads > SCAN_THREADS_MAX)
        nthreads = SCAN_THREADS_MAX;
    if (nthreads > l->n / SCAN_META_PER_THREAD)
        nthreads = l->n / SCAN_META_PER_THREAD ? l->n / SCAN_META_PER_THREAD : 1;
    j.code = xcalloc(l->n + 1, sizeof(*j.code));
    j.why = xcalloc(l->n + 1, sizeof(*j.why));
    /* this thread is one of them */
    for (size_t t = 1; t < nthreads; t++)
        if (pthread_create(&tid[started], NULL, meta_worker, &j) == 0)
            started++;
    meta_worker(&j);
    for (size_t t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    for (size_t i = 0; i < l->n; i++) {
        struct run_info *ri = &l->v[i];
        if (j.code[i]) {
            imx_warn(diag, j.code[i],
                     "%s (its date, event and branch are unknown: the run is read as older than "
                     "every dated run, and any filter on them leaves it out)",
                     j.why[i]);
            ri->meta_bad = 1;
            free(j.why[i]);
        } else if (ri->bad_date) {
            imx_warn(diag, IMX_EPARSE,
                     "'%s/run.json': created_at '%.80s' is not a date: the run is read undated "
                     "(older than every dated run; --since and --until leave it out)",
                     ri->dir, ri->bad_date);
            ri->meta_bad = 1;
        }
    }
    free(j.code);
    free(j.why);
}

int cache_check_dir(const char *cache, struct imx_err *err)
{
    if (is_dir(cache))
        return 0;
    if (path_exists(cache))
        return imx_seterr(err, IMX_EIO,
                          "cache '%s' exists and is not a directory (give --cache DIR)", cache);
    return imx_seterr(err, IMX_ENOTFOUND,
                      "cache '%s' does not exist (run 'imx sync' or give --cache DIR)", cache);
}

int cache_scan(const char *cache, char *const *ids, size_t nids, struct run_list *out,
               size_t *missing, struct imx_diag *diag, struct imx_err *err)
{
    size_t n;
    char **names;
    unsigned char *seen = xcalloc(nids + 1, 1);

    memset(out, 0, sizeof(*out));
    *missing = 0;
    if (cache_check_dir(cache, err) < 0) {
        free(seen);
        return -err->code;
    }
    errno = 0;
    names = list_dir(cache, &n);
    if (!names && errno) {
        free(seen);
        return imx_seterr(err, IMX_EIO, "cannot read cache '%s': %s", cache, strerror(errno));
    }
    for (size_t i = 0; i < n; i++) {
        unsigned long long idn;
        struct run_info *ri;
        struct buf p = BUF_INIT_MAX(FS_PATH_MAX);

        const char *name = names[i] + 1;
        if (!parse_run_dir(name, &idn) || !wanted(name + 4, ids, nids, seen))
            continue;
        buf_addf(&p, "%s/%s", cache, name);
        if (names[i][0] != 'd' && !is_dir(p.p)) {
            buf_release(&p);
            continue;
        }
        ALLOC_GROW(out->v, out->n + 1, out->cap);
        ri = &out->v[out->n++];
        memset(ri, 0, sizeof(*ri));
        ri->linked = names[i][0] != 'd' && !jail_is_dir(p.p);
        ri->id = xstrdup(name + 4);
        ri->idn = idn;
        ri->dir = buf_detach(&p, NULL);
    }
    free_list(names, n);
    load_meta(out, diag);
    for (size_t i = 0; i < nids; i++) {
        if (!seen[i]) {
            imx_warn(diag, IMX_ENOTFOUND, "run %s is not in the cache '%s'", ids[i], cache);
            (*missing)++;
        }
    }
    free(seen);
    run_list_sort(out);
    return 0;
}

void run_info_release(struct run_info *ri)
{
    free(ri->id);
    free(ri->dir);
    free(ri->created_at);
    free(ri->bad_date);
    free(ri->unreadable);
    free(ri->event);
    free(ri->branch);
    free(ri->html_url);
    free(ri->source);
    free_files(ri->files, ri->nfiles);
    memset(ri, 0, sizeof(*ri));
}

void run_list_release(struct run_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        run_info_release(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}
