/* fsutil: atomic files, temp-file registry and path helpers (see fsutil.h).
 * The atomicity rules follow git's lockfile and Redis's rdbSave: write aside, fsync, rename, fsync
 * dir. */
#include "util/fsutil.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMP_SLOTS 512
/* How long cleanup waits for a thread between creating a temporary file and registering it
 * (a few system calls): HOLD_WAITS sleeps of a millisecond, a second at most. */
#define HOLD_WAITS 1000

/* Paths are written before the slot is published, so the handler sees whole strings. */
static char *volatile temp_slots[TEMP_SLOTS];
static pthread_mutex_t temp_lock = PTHREAD_MUTEX_INITIALIZER;

int tempfile_register(const char *path)
{
    char *copy = xstrdup(path);
    int slot = -1;

    pthread_mutex_lock(&temp_lock);
    for (int i = 0; i < TEMP_SLOTS; i++) {
        if (!temp_slots[i]) {
            __atomic_store_n(&temp_slots[i], copy, __ATOMIC_SEQ_CST);
            slot = i;
            break;
        }
    }
    pthread_mutex_unlock(&temp_lock);
    if (slot < 0)
        free(copy);
    return slot;
}

void tempfile_unregister(int slot)
{
    char *p;

    if (slot < 0 || slot >= TEMP_SLOTS)
        return;
    pthread_mutex_lock(&temp_lock);
    p = __atomic_exchange_n(&temp_slots[slot], NULL, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&temp_lock);
    free(p);
}

/* Temporary files being created and not yet registered (tempfile_hold). */
static int temp_holds;

void tempfile_hold(sigset_t *saved)
{
    sigset_t s;

    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &s, saved);
    __atomic_add_fetch(&temp_holds, 1, __ATOMIC_SEQ_CST);
}

void tempfile_unhold(const sigset_t *saved)
{
    __atomic_sub_fetch(&temp_holds, 1, __ATOMIC_SEQ_CST);
    pthread_sigmask(SIG_SETMASK, saved, NULL);
}

/* The first signal's number, 0 before any: set by the handler, read anywhere. */
static volatile sig_atomic_t signal_seen;

void tempfile_on_signal(int sig)
{
    /* only what is async-signal-safe: the flag and unlink (a folder stays for
     * tempfile_cleanup_all, which the interrupted command runs on its way out) */
    signal_seen = sig;
    for (int i = 0; i < TEMP_SLOTS; i++) {
        char *p = __atomic_load_n(&temp_slots[i], __ATOMIC_SEQ_CST);
        if (p)
            unlink(p);
    }
}

int tempfile_interrupted(void)
{
    return signal_seen;
}

void tempfile_cleanup_all(void)
{
    /* another thread may be between creating a file and registering it: a step of a few
     * system calls, waited for (bounded) */
    for (int i = 0; i < HOLD_WAITS && __atomic_load_n(&temp_holds, __ATOMIC_SEQ_CST) > 0; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    pthread_mutex_lock(&temp_lock);
    for (int i = 0; i < TEMP_SLOTS; i++) {
        char *p = __atomic_exchange_n(&temp_slots[i], NULL, __ATOMIC_SEQ_CST);
        if (p) {
            struct stat st;
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(p);
            else
                unlink(p);
            free(p);
        }
    }
    pthread_mutex_unlock(&temp_lock);
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r;

    if (fd < 0)
        return -1;
    r = fsync(fd);
    close(fd);
    return r;
}

int atomic_file_open(struct atomic_file *af, const char *path, struct imx_err *err)
{
    struct buf tmp = BUF_INIT_MAX(FS_PATH_MAX);
    const char *slash = strrchr(path, '/');
    sigset_t saved;
    int fd;

    memset(af, 0, sizeof(*af));
    af->slot = -1;
    if (slash)
        buf_add(&tmp, path, (size_t)(slash - path + 1));
    if (buf_addf(&tmp, ".%s.tmp-XXXXXX", slash ? slash + 1 : path) < 0) {
        buf_release(&tmp);
        imx_seterr(err, IMX_ETOOBIG, "'%s': path too long", path);
        return -IMX_ETOOBIG; /* spelled out: callers (and gcc -fanalyzer) rely on r < 0 */
    }
    tempfile_hold(&saved);
    fd = mkstemp(tmp.p);
    if (fd < 0) {
        int e = errno;
        tempfile_unhold(&saved);
        buf_release(&tmp);
        imx_seterr(err, IMX_EIO, "cannot create a temporary file for '%s': %s", path, strerror(e));
        return -IMX_EIO;
    }
    af->slot = tempfile_register(tmp.p);
    tempfile_unhold(&saved);
    fchmod(fd, 0644);
    af->fp = fdopen(fd, "w");
    if (!af->fp) {
        close(fd);
        unlink(tmp.p);
        tempfile_unregister(af->slot);
        af->slot = -1;
        buf_release(&tmp);
        imx_seterr(err, IMX_EIO, "'%s': %s", path, strerror(errno));
        return -IMX_EIO;
    }
    af->tmp = buf_detach(&tmp, NULL);
    af->path = xstrdup(path);
    return 0;
}

static void atomic_file_release(struct atomic_file *af)
{
    if (af->slot >= 0)
        tempfile_unregister(af->slot);
    af->slot = -1;
    free(af->tmp);
    free(af->path);
    af->tmp = NULL;
    af->path = NULL;
    af->fp = NULL;
}

void atomic_file_abort(struct atomic_file *af)
{
    if (af->fp)
        fclose(af->fp);
    if (af->tmp)
        unlink(af->tmp);
    atomic_file_release(af);
}

int atomic_file_commit(struct atomic_file *af, struct imx_err *err)
{
    int e = 0;
    const char *what = "write";
    char *dir;

    if (fflush(af->fp) != 0 || ferror(af->fp)) {
        e = errno ? errno : EIO;
    } else if (fsync(fileno(af->fp)) != 0) {
        e = errno;
        what = "fsync";
    }
    if (fclose(af->fp) != 0 && !e) {
        e = errno;
        what = "close";
    }
    af->fp = NULL;
    if (!e && rename(af->tmp, af->path) != 0) {
        e = errno;
        what = "rename";
    }
    if (e) {
        imx_seterr(err, IMX_EIO, "cannot %s '%s': %s", what, af->path, strerror(e));
        unlink(af->tmp);
        atomic_file_release(af);
        return -IMX_EIO;
    }
    dir = dir_of(af->path);
    fsync_dir(dir);
    free(dir);
    atomic_file_release(af);
    return 0;
}

int atomic_write(const char *path, const void *data, size_t n, struct imx_err *err)
{
    struct atomic_file af;
    int r = atomic_file_open(&af, path, err);

    if (r < 0)
        return r;
    if (n && fwrite(data, 1, n, af.fp) != n) {
        int e = errno;
        atomic_file_abort(&af);
        return imx_seterr(err, IMX_EIO, "cannot write '%s': %s", path, strerror(e));
    }
    return atomic_file_commit(&af, err);
}

int mkdir_p(const char *path, struct imx_err *err)
{
    size_t made;
    return mkdir_p_made(path, &made, err);
}

int mkdir_p_made(const char *path, size_t *made, struct imx_err *err)
{
    char *p = xstrdup(path);
    int r = 0;

    *made = 0;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) == 0) {
                if (!*made)
                    *made = (size_t)(s - p); /* ours: not there a moment ago */
            } else if (errno != EEXIST) {
                r = imx_seterr(err, IMX_EIO, "cannot create directory '%s': %s", p,
                               strerror(errno));
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    if (!r && !is_dir(path))
        r = imx_seterr(err, IMX_EIO, "'%s' exists and is not a directory", path);
    free(p);
    if (r < 0) {
        rmdir_made(path, *made);
        *made = 0;
    }
    return r;
}

void rmdir_made(const char *path, size_t made)
{
    char *p = xstrdup(path);
    size_t n = strlen(p);

    while (made && n >= made) {
        p[n] = '\0';
        /* absent: a deeper folder the failed mkdir_p_made did not get to */
        if (rmdir(p) != 0 && errno != ENOENT)
            break;
        while (n > made && p[n - 1] != '/')
            n--;
        if (n == made)
            break;
        n--; /* the slash */
    }
    free(p);
}

static const char *file_kind(mode_t m)
{
    return S_ISFIFO(m)   ? "a FIFO"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
           : S_ISDIR(m)  ? "a directory"
                         : "not a regular file";
}

int open_regular(const char *path, struct stat *out, struct imx_err *err)
{
    return open_regular_at(AT_FDCWD, path, path, out, err);
}

int open_regular_at(int at, const char *path, const char *label, struct stat *out,
                    struct imx_err *err)
{
    struct stat st;
    int fd = openat(at, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0 && errno == ELOOP && fstatat(at, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(st.st_mode))
        return imx_seterr(err, IMX_EIO,
                          "'%s' is a symbolic link, not a regular file (links are not followed)",
                          label);
    if (fd < 0)
        return imx_seterr(err, errno == ENOENT ? IMX_ENOTFOUND : IMX_EIO, "cannot open '%s': %s",
                          label, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        int code = imx_seterr(err, IMX_EIO, "'%s' is %s, not a regular file", label,
                              fstat(fd, &st) == 0 ? file_kind(st.st_mode) : strerror(e));
        close(fd);
        return code;
    }
    /* blocking again: of the status flags F_SETFL can change, O_NONBLOCK is the one set */
    fcntl(fd, F_SETFL, 0);
    if (out)
        *out = st;
    return fd;
}

int read_file(const char *path, size_t max, char **out, size_t *len, struct imx_err *err)
{
    struct buf b = BUF_INIT_MAX(max);
    struct stat st;
    int fd = open_regular(path, &st, err);
    size_t want;

    if (fd < 0)
        return fd;
    /* the size fstat told in one read (and one more to see the end); the file may have
     * changed since, so on to the end all the same */
    want = st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
    for (;;) {
        ssize_t n;
        char probe;
        if (want > max - b.len)
            want = max - b.len;
        if (want == 0) {
            /* at the cap: one byte more means too big */
            n = read(fd, &probe, 1);
        } else if (buf_reserve(&b, want) < 0) {
            break; /* not reached: want fits the cap */
        } else {
            n = read(fd, b.p + b.len, want);
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            buf_release(&b);
            return imx_seterr(err, IMX_EIO, "cannot read '%s': %s", path, strerror(e));
        }
        if (n == 0)
            break;
        if (want == 0) {
            close(fd);
            buf_release(&b);
            return imx_seterr(err, IMX_ETOOBIG, "'%s' is larger than %zu bytes", path, max);
        }
        b.len += (size_t)n;
        b.p[b.len] = '\0';
        want = 65536;
    }
    close(fd);
    *out = buf_detach(&b, len);
    return 0;
}

long fd_jobs_cap(long jobs, int per_job, int reserve, long *limit)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)(jobs * per_job + reserve);
    long fit;

    *limit = LONG_MAX;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return jobs;
    if (rl.rlim_cur < want && (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > rl.rlim_cur)) {
        struct rlimit up = rl;
        up.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl = up;
    }
    *limit = rl.rlim_cur < (rlim_t)LONG_MAX ? (long)rl.rlim_cur : LONG_MAX;
    fit = rl.rlim_cur > (rlim_t)reserve ? (long)((rl.rlim_cur - (rlim_t)reserve) / (rlim_t)per_job)
                                        : 0;
    return fit < 1 ? 1 : fit < jobs ? fit : jobs;
}

int path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int remove_tree(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    int r = 0;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    d = opendir(path);
    if (!d)
        return -1;
    while ((de = readdir(d))) {
        struct buf child = BUF_INIT_MAX(FS_PATH_MAX);
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (buf_addf(&child, "%s/%s", path, de->d_name) < 0 || remove_tree(child.p) != 0)
            r = -1;
        buf_release(&child);
    }
    closedir(d);
    if (rmdir(path) != 0)
        r = -1;
    return r;
}

int file_lock_acquire(struct file_lock *l, const char *path, int exclusive, int wait,
                      struct imx_err *err)
{
    int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);

    l->fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (l->fd < 0)
        return imx_seterr(err, IMX_EIO, "cannot open lock file '%s': %s", path, strerror(errno));
    while (flock(l->fd, op) != 0) {
        if (errno == EINTR && wait && !tempfile_interrupted())
            continue;
        int e = errno;
        close(l->fd);
        l->fd = -1;
        if (e == EWOULDBLOCK)
            return imx_seterr(err, IMX_ELOCK, "'%s' is held by another imx process", path);
        if (e == EINTR)
            return imx_seterr(err, IMX_EINTR, "interrupted while waiting for '%s'", path);
        return imx_seterr(err, IMX_EIO, "cannot lock '%s': %s", path, strerror(e));
    }
    return 0;
}

void file_lock_release(struct file_lock *l)
{
    if (l->fd >= 0) {
        flock(l->fd, LOCK_UN);
        close(l->fd);
    }
    l->fd = -1;
}

FILE *fopen_new_nofollow(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *fp;

    if (fd < 0)
        return NULL;
    fp = fdopen(fd, "wb");
    if (!fp) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return fp;
}
