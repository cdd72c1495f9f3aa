/* failshim: an LD_PRELOAD library for the disk-fault tests (tests/e2e/faults_disk.sh): makes
 * writes, fsyncs, renames or mkdirs under a path prefix fail as a full or broken disk would,
 * while sockets, pipes, the terminal and files elsewhere are left alone. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/*
 * Environment (read once; without FAILSHIM_PREFIX the shim does nothing):
 *   FAILSHIM_PREFIX=PATH      only files (and rename/mkdir paths) below PATH are affected
 *   FAILSHIM_OP=write|fsync|rename|mkdir   what fails (default write)
 *   FAILSHIM_AFTER_BYTES=N    write: once N bytes went to matching files, the write that would
 *                             pass N writes up to N and returns short, later writes fail
 *   FAILSHIM_NTH=K            the K-th matching call of the operation fails, and every later
 *                             one (a full or broken disk stays so); default 1
 *   FAILSHIM_ERRNO=ENOSPC|EIO|EDQUOT   the error (default ENOSPC)
 *   FAILSHIM_ACTION=kill      instead of failing, the process kills itself with SIGKILL at
 *                             that point (before the call): a crash at an exact place
 *   FAILSHIM_LOG=FILE         one line appended per injected failure (the tests check that
 *                             the fault fired)
 *   FAILSHIM_LATE=TEXT        a rename whose target holds TEXT waits FAILSHIM_LATE_MS (200)
 *                             first: the order a loaded machine gives a worker thread's
 *                             renames, made the order of every run
 * The write family is wrapped at both levels: write/pwrite/writev (the unpacker) and fwrite
 * (stdio's own write(2) calls are internal to libc, so no LD_PRELOAD wrapper sees them).
 */

enum op { OP_WRITE, OP_FSYNC, OP_RENAME, OP_MKDIR };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int inited, active, fail_errno = ENOSPC;
static enum op op = OP_WRITE;
static char prefix[4096];
static size_t prefix_len;
static long long after_bytes = -1, written;
static long nth = 1, calls;
static int tripped, kill_action;
static char log_path[4096];
static char late[256];
static long late_ms = 200;

/* the fd -> path cache: fds are reused, so an entry is keyed by device and inode too */
#define FD_CACHE 1024
static struct {
    dev_t dev;
    ino_t ino;
    int valid, match;
} fd_cache[FD_CACHE];

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static size_t (*real_fwrite)(const void *, size_t, size_t, FILE *);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned);
static int (*real_mkdir)(const char *, mode_t);

static void init(void)
{
    const char *p, *v;

    if (__atomic_load_n(&inited, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&lock);
    if (inited) {
        pthread_mutex_unlock(&lock);
        return;
    }
    real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    real_pwrite = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
    real_writev = (ssize_t(*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
    real_fwrite = (size_t(*)(const void *, size_t, size_t, FILE *))dlsym(RTLD_NEXT, "fwrite");
    real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    real_rename = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    real_renameat = (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
    real_renameat2 =
        (int (*)(int, const char *, int, const char *, unsigned))dlsym(RTLD_NEXT, "renameat2");
    real_mkdir = (int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "mkdir");
    p = getenv("FAILSHIM_PREFIX");
    if (p && *p && strlen(p) < sizeof(prefix)) {
        strcpy(prefix, p);
        prefix_len = strlen(prefix);
        while (prefix_len > 1 && prefix[prefix_len - 1] == '/')
            prefix[--prefix_len] = '\0';
        active = 1;
    }
    v = getenv("FAILSHIM_OP");
    if (v && !strcmp(v, "fsync"))
        op = OP_FSYNC;
    else if (v && !strcmp(v, "rename"))
        op = OP_RENAME;
    else if (v && !strcmp(v, "mkdir"))
        op = OP_MKDIR;
    v = getenv("FAILSHIM_AFTER_BYTES");
    if (v && *v)
        after_bytes = atoll(v);
    v = getenv("FAILSHIM_NTH");
    if (v && *v)
        nth = atol(v);
    v = getenv("FAILSHIM_ERRNO");
    if (v && !strcmp(v, "EIO"))
        fail_errno = EIO;
    else if (v && !strcmp(v, "EDQUOT"))
        fail_errno = EDQUOT;
    v = getenv("FAILSHIM_ACTION");
    kill_action = v && !strcmp(v, "kill");
    v = getenv("FAILSHIM_LOG");
    if (v && strlen(v) < sizeof(log_path))
        strcpy(log_path, v);
    v = getenv("FAILSHIM_LATE");
    if (v && strlen(v) < sizeof(late))
        strcpy(late, v);
    v = getenv("FAILSHIM_LATE_MS");
    if (v && *v)
        late_ms = atol(v);
    __atomic_store_n(&inited, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&lock);
}

static int under_prefix(const char *path)
{
    return !strncmp(path, prefix, prefix_len) &&
           (path[prefix_len] == '/' || path[prefix_len] == '\0' || prefix_len == 1);
}

/* A path as the kernel would resolve it against the working directory (no symlinks). */
static int path_matches(int dirfd, const char *path)
{
    char abs[8192], base[4096];

    if (!path)
        return 0;
    if (path[0] == '/')
        return under_prefix(path);
    if (dirfd == AT_FDCWD) {
        if (!getcwd(base, sizeof(base)))
            return 0;
    } else {
        char link[64];
        ssize_t n;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
        n = readlink(link, base, sizeof(base) - 1);
        if (n < 0)
            return 0;
        base[n] = '\0';
    }
    snprintf(abs, sizeof(abs), "%s/%s", base, path);
    return under_prefix(abs);
}

/* Whether fd is a regular file below the prefix (readlink of /proc/self/fd, cached). */
static int fd_matches(int fd)
{
    struct stat st;
    char link[64], path[4096];
    ssize_t n;
    int m;

    if (!active || fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    pthread_mutex_lock(&lock);
    if (fd < FD_CACHE && fd_cache[fd].valid && fd_cache[fd].dev == st.st_dev &&
        fd_cache[fd].ino == st.st_ino) {
        m = fd_cache[fd].match;
        pthread_mutex_unlock(&lock);
        return m;
    }
    pthread_mutex_unlock(&lock);
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof(path) - 1);
    if (n < 0)
        return 0;
    path[n] = '\0';
    m = under_prefix(path);
    if (fd < FD_CACHE) {
        pthread_mutex_lock(&lock);
        fd_cache[fd].dev = st.st_dev;
        fd_cache[fd].ino = st.st_ino;
        fd_cache[fd].match = m;
        fd_cache[fd].valid = 1;
        pthread_mutex_unlock(&lock);
    }
    return m;
}

static void note(const char *what, const char *detail)
{
    char line[8400];
    int fd, len;

    if (!log_path[0])
        return;
    len = snprintf(line, sizeof(line), "failshim: %s failed (%s): %s\n", what, strerror(fail_errno),
                   detail ? detail : "");
    if (len < 0)
        return;
    if ((size_t)len >= sizeof(line))
        len = (int)sizeof(line) - 1;
    fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        real_write(fd, line, (size_t)len);
        close(fd);
    }
}

/* An injected failure happens here: or, with FAILSHIM_ACTION=kill, a crash. */
static void strike(const char *what, const char *detail)
{
    note(kill_action ? "kill at" : what, detail);
    if (kill_action)
        kill(getpid(), SIGKILL);
    errno = fail_errno;
}

static void fd_detail(int fd, char *out, size_t n)
{
    char link[64];
    ssize_t k;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    k = readlink(link, out, n - 1);
    out[k < 0 ? 0 : k] = '\0';
}

/* The call counter of fsync/rename/mkdir: 1 when this call must fail. */
static int count_call(void)
{
    int fail;

    pthread_mutex_lock(&lock);
    fail = ++calls >= nth;
    pthread_mutex_unlock(&lock);
    return fail;
}

/*
 * How many of n bytes a write to a matching file may pass: n, fewer (a short write at the
 * threshold), or 0 with the write to fail.
 */
static size_t write_budget(int fd, size_t n)
{
    size_t allow = n;
    char d[4096];

    if (op != OP_WRITE || !fd_matches(fd))
        return n;
    pthread_mutex_lock(&lock);
    if (tripped) {
        allow = 0;
    } else if (after_bytes >= 0) {
        long long left = after_bytes - written;
        if (left < 0)
            left = 0;
        if ((long long)n > left) {
            allow = (size_t)left;
            tripped = 1;
        }
    } else if (++calls >= nth) {
        allow = 0;
        tripped = 1;
    }
    written += (long long)allow;
    pthread_mutex_unlock(&lock);
    if (allow < n) {
        fd_detail(fd, d, sizeof(d));
        strike(allow ? "write (short)" : "write", d);
    }
    return allow;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    size_t allow;

    init();
    allow = write_budget(fd, n);
    if (allow == 0 && n) {
        errno = fail_errno;
        return -1;
    }
    return real_write(fd, buf, allow);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    size_t allow;

    init();
    allow = write_budget(fd, n);
    if (allow == 0 && n) {
        errno = fail_errno;
        return -1;
    }
    return real_pwrite(fd, buf, allow, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    size_t allow;

    init();
    allow = write_budget(fd, n);
    if (allow == 0 && n) {
        errno = fail_errno;
        return -1;
    }
    return real_pwrite64(fd, buf, allow, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    size_t total = 0, allow;
    ssize_t done = 0;

    init();
    for (int i = 0; i < cnt; i++)
        total += iov[i].iov_len;
    allow = write_budget(fd, total);
    if (allow == total)
        return real_writev(fd, iov, cnt);
    if (allow == 0 && total) {
        errno = fail_errno;
        return -1;
    }
    /* the short write: the iovecs' first allow bytes, one by one */
    for (int i = 0; i < cnt && allow; i++) {
        size_t k = iov[i].iov_len < allow ? iov[i].iov_len : allow;
        ssize_t w = real_write(fd, iov[i].iov_base, k);
        if (w < 0)
            return done ? done : -1;
        done += w;
        allow -= (size_t)w;
        if ((size_t)w < k)
            break;
    }
    return done;
}

/* stdio: a failed fwrite sets the stream's error flag, as a failed flush would. */
size_t fwrite(const void *ptr, size_t size, size_t nmemb, FILE *fp)
{
    size_t n, allow, items;

    init();
    if (!size || !nmemb || !active)
        return real_fwrite(ptr, size, nmemb, fp);
    n = size * nmemb;
    allow = write_budget(fileno(fp), n);
    if (allow == n)
        return real_fwrite(ptr, size, nmemb, fp);
    items = allow / size;
    if (items)
        real_fwrite(ptr, size, items, fp);
    fp->_flags |= _IO_ERR_SEEN;
    errno = fail_errno;
    return items;
}

static int fail_fsync(int fd, int (*real)(int), const char *what)
{
    char d[4096];

    init();
    if (op == OP_FSYNC && fd_matches(fd) && count_call()) {
        fd_detail(fd, d, sizeof(d));
        strike(what, d);
        errno = fail_errno;
        return -1;
    }
    return real(fd);
}

int fsync(int fd)
{
    init();
    return fail_fsync(fd, real_fsync, "fsync");
}

int fdatasync(int fd)
{
    init();
    return fail_fsync(fd, real_fdatasync, "fdatasync");
}

static int rename_fails(int olddirfd, const char *from, int newdirfd, const char *to)
{
    if (*late && strstr(to, late)) {
        struct timespec ts = {late_ms / 1000, (late_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (!active || op != OP_RENAME ||
        !(path_matches(olddirfd, from) || path_matches(newdirfd, to)) || !count_call())
        return 0;
    strike("rename", to);
    errno = fail_errno;
    return 1;
}

int rename(const char *from, const char *to)
{
    init();
    if (rename_fails(AT_FDCWD, from, AT_FDCWD, to))
        return -1;
    return real_rename(from, to);
}

int renameat(int olddirfd, const char *from, int newdirfd, const char *to)
{
    init();
    if (rename_fails(olddirfd, from, newdirfd, to))
        return -1;
    return real_renameat(olddirfd, from, newdirfd, to);
}

int renameat2(int olddirfd, const char *from, int newdirfd, const char *to, unsigned flags)
{
    init();
    if (rename_fails(olddirfd, from, newdirfd, to))
        return -1;
    return real_renameat2(olddirfd, from, newdirfd, to, flags);
}

int mkdir(const char *path, mode_t mode)
{
    struct stat st;

    init();
    /* an existing folder is EEXIST on a full disk too: only real creations count */
    if (active && op == OP_MKDIR && path_matches(AT_FDCWD, path) && lstat(path, &st) != 0 &&
        count_call()) {
        strike("mkdir", path);
        errno = fail_errno;
        return -1;
    }
    return real_mkdir(path, mode);
}

/* At exit: what matching writes amounted to (the tests spread their failure points over it). */
__attribute__((destructor)) static void report(void)
{
    char line[128];
    int fd, len;

    if (!inited || !active || !log_path[0])
        return;
    len = snprintf(line, sizeof(line), "failshim: total %lld bytes, %ld calls\n", written, calls);
    fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        real_write(fd, line, (size_t)len);
        close(fd);
    }
}
