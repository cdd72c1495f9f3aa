/* fsutil: crash-safe file creation (temp file + fsync + rename + directory fsync),
 * the registry of temporary files removed on error or signal, and small path helpers. */
#ifndef IMX_FSUTIL_H
#define IMX_FSUTIL_H

#include "util/err.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

struct stat;

/*
 * The cap of every path imx builds in a struct buf (cache root, run folder, artifact, file).
 * Four times Linux's PATH_MAX, so a path too long to use is refused by the system call that
 * gets it (ENAMETOOLONG, with the path in the message), not cut short by the buffer first.
 */
#define FS_PATH_MAX 16384
/* The read size of every copy, hash and unpack loop: large enough that system calls cost
 * nothing beside the work, small enough for the stack. */
#define FS_IO_CHUNK 65536

/*
 * An atomic file: data is written to "<dir>/.<name>.tmp-XXXXXX" beside the
 * target and appears under the final name only through atomic_file_commit(),
 * after fsync. Until then the target (if any) is untouched. atomic_file_abort()
 * (also called by commit on failure) removes the temporary file.
 */
struct atomic_file {
    FILE *fp;
    char *path; /* final path */
    char *tmp;  /* temporary path, NULL once committed or aborted */
    int slot;   /* registry slot, -1 if none */
};

IMX_MUST_CHECK int atomic_file_open(struct atomic_file *af, const char *path, struct imx_err *err);
/* Flushes, fsyncs, renames into place and fsyncs the directory. Always releases af. */
IMX_MUST_CHECK int atomic_file_commit(struct atomic_file *af, struct imx_err *err);
void atomic_file_abort(struct atomic_file *af);
/* Writes a whole buffer to path atomically. */
IMX_MUST_CHECK int atomic_write(const char *path, const void *data, size_t n, struct imx_err *err);

/*
 * Temporary paths to remove if the process is interrupted. tempfile_register
 * returns a slot (or -1 when the table is full, in which case the file is
 * merely not cleaned up by signals).
 *
 * Signals: the CLI's handler calls tempfile_on_signal (async-signal-safe: it records the
 * signal and unlinks the registered files, nothing else) and returns; the core's long loops
 * (transfers, lock waits, extraction) see tempfile_interrupted() and unwind with -IMX_EINTR,
 * and the command calls tempfile_cleanup_all (not async-signal-safe: it also removes
 * registered folders) on its way out.
 */
int tempfile_register(const char *path);
void tempfile_unregister(int slot);
void tempfile_on_signal(int sig);
/* The signal received, 0 while none. */
int tempfile_interrupted(void);
void tempfile_cleanup_all(void);
/*
 * Creating a temporary file and registering it are one step for the signal handler: between
 * tempfile_hold and tempfile_unhold this thread does not take SIGINT, SIGTERM or SIGHUP, and
 * tempfile_cleanup_all waits for the step to end, so an interruption never falls between the
 * creation and the registration.
 */
void tempfile_hold(sigset_t *saved);
void tempfile_unhold(const sigset_t *saved);

/* mkdir -p; existing directories are fine. */
IMX_MUST_CHECK int mkdir_p(const char *path, struct imx_err *err);
/*
 * mkdir -p that remembers what it made, so that a command that fails leaves no empty folder
 * behind: *made is the length of the prefix of path naming the first folder this call created
 * (0 when path existed). On failure it takes back what it made.
 */
IMX_MUST_CHECK int mkdir_p_made(const char *path, size_t *made, struct imx_err *err);
/* Removes path and its parents up to the one mkdir_p_made(path) created first, deepest first,
 * each only while empty (a file someone put there since keeps its folder). */
void rmdir_made(const char *path, size_t made);
/* fsync a directory so that a rename in it is durable; 0, or -1 with errno set. */
int fsync_dir(const char *dir);
/*
 * Opens a file of the cache for reading only when it is a regular file: the open never blocks
 * (O_NONBLOCK, so a FIFO named run.json cannot hold imx), never follows a symbolic link as the
 * last component (O_NOFOLLOW: a result file linked to outside the cache is not read), and fstat
 * must say S_ISREG (FIFOs, devices and sockets are refused, naming the path and what it is).
 * Returns the descriptor (blocking again, close-on-exec), with what fstat said in *st (may be
 * NULL), or a negative IMX_E* code: -IMX_ENOTFOUND when absent, -IMX_EIO otherwise.
 */
IMX_MUST_CHECK int open_regular(const char *path, struct stat *st, struct imx_err *err);
/* open_regular of path relative to the open folder at (or AT_FDCWD), named label in errors. */
IMX_MUST_CHECK int open_regular_at(int at, const char *path, const char *label, struct stat *st,
                                   struct imx_err *err);
/* Creates or truncates path for writing, never through a symbolic link planted there
 * (a download's scratch file); NULL with errno set on failure. */
FILE *fopen_new_nofollow(const char *path);
/* Reads a whole regular file (at most max bytes) into a malloc'ed NUL-terminated string. */
IMX_MUST_CHECK int read_file(const char *path, size_t max, char **out, size_t *len,
                             struct imx_err *err);
/*
 * How many parallel jobs the descriptor limit allows: the soft RLIMIT_NOFILE is first raised
 * toward the hard one, then jobs is capped so that per_job descriptors each, plus reserve for
 * everything else, fit (at least 1). A low `ulimit -n` slows imx down instead of failing it
 * with "Too many open files". *limit gets the soft limit in effect (LONG_MAX when unlimited or
 * unknown): below FD_FLOOR not even one job fits, and the caller says so before any work.
 */
long fd_jobs_cap(long jobs, int per_job, int reserve, long *limit);
/* The descriptors one job of every source (a connection to each host, a download file, an
 * unpack, the cache's lock and folders) needs at once, with a margin: measured, all sources
 * failed at 15 and worked from 18. */
#define FD_FLOOR 20
int path_exists(const char *path);
int is_dir(const char *path);
/* Removes a directory tree (used only on imx's own temporary directories); 0 (nothing there
 * is fine), or -1 when something could not be removed (the rest still is). */
int remove_tree(const char *path);

/*
 * An advisory lock on a file (flock). With wait=0 returns -IMX_ELOCK at once
 * when another process holds it; with wait=1 blocks until it is free.
 */
struct file_lock {
    int fd;
};
IMX_MUST_CHECK int file_lock_acquire(struct file_lock *l, const char *path, int exclusive, int wait,
                                     struct imx_err *err);
void file_lock_release(struct file_lock *l);

#endif
