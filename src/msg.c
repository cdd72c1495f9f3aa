/* msg: everything the CLI says on stderr, signal handling and exit-status mapping.
 * Style (git's): lowercase, problem first, subject in 'quotes', no full stop. */
#include "cli.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/hash.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Every line imx writes on stderr goes through here: the text is shown as buf_add_shown
 * shows it (a control character or invalid UTF-8 from a model name, a file name or a server's
 * reply becomes \xNN), so a hostile cache or server cannot move the cursor, rewrite a line,
 * set the title or the clipboard, or hide text on the user's terminal. The newline is imx's.
 */
/* The user:password@ of every URL in t cut out: a URL given with credentials (--github-url,
 * --gcs-url, --inferencex-url, a redirect's Location) appears in messages of every source, and
 * -v or not, the password must never reach the terminal or a log. */
static void hide_userinfo(struct buf *t)
{
    for (size_t i = 0; t->len >= 3 && i + 3 <= t->len; i++) {
        size_t host = i + 3, end = host, at = 0;
        if (memcmp(t->p + i, "://", 3))
            continue;
        for (; end < t->len && !strchr("/?# \t\n'\"()<>", t->p[end]); end++)
            if (t->p[end] == '@')
                at = end + 1;
        if (at) {
            memmove(t->p + host, t->p + at, t->len - at + 1);
            t->len -= at - host;
        }
        i = host - 1;
    }
}

__attribute__((format(printf, 2, 0))) static void put_line(const char *prefix, const char *fmt,
                                                           va_list ap)
{
    struct buf text = BUF_INIT, shown = BUF_INIT_MAX(4 * BUF_MAX_DEFAULT + 64);

    if (buf_vaddf(&text, fmt, ap) < 0)
        buf_adds(&shown, "(a message longer than 1 MiB, not shown)");
    hide_userinfo(&text);
    buf_add_shown(&shown, text.p, text.len);
    fprintf(stderr, "%s%s\n", prefix, shown.p);
    buf_release(&text);
    buf_release(&shown);
}

void msg_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_line("imx: error: ", fmt, ap);
    va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_line("imx: warning: ", fmt, ap);
    va_end(ap);
}

void msg_info(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;

    if (cli && cli->quiet)
        return;
    va_start(ap, fmt);
    put_line("", fmt, ap);
    va_end(ap);
}

void msg_progress(const char *line)
{
    struct buf shown = BUF_INIT;

    if (line)
        buf_add_shown(&shown, line, strlen(line));
    /* back to the line's start and clear it: the only control characters imx writes itself */
    fprintf(stderr, "\r\033[K%s", shown.p);
    fflush(stderr);
    buf_release(&shown);
}

char *msg_shown(const char *s)
{
    struct buf b = BUF_INIT_MAX(SIZE_MAX);

    buf_add_shown(&b, s, strlen(s));
    return buf_detach(&b, NULL);
}

/* The same warning twice in one command says nothing new (diff reads the cache once for each
 * side, runs lists it and then reads its rows): each text is shown once. Warnings come from the
 * extraction's threads too, hence the lock. */
#define WARNED_MAX 4096

static int warned_before(const char *msg)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static uint64_t seen[WARNED_MAX];
    static size_t n;
    uint64_t h = fnv1a(FNV1A_INIT, msg, strlen(msg));
    int r = 0;

    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n && !r; i++)
        r = seen[i] == h;
    if (!r && n < WARNED_MAX)
        seen[n++] = h;
    pthread_mutex_unlock(&lock);
    return r;
}

void msg_diag(void *ud, int code, const char *msg)
{
    const struct cli *cli = ud;
    (void)code;
    if ((cli && cli->quiet > 1) || warned_before(msg))
        return;
    msg_warn("%s", msg);
}

int exit_for(int code)
{
    if (code < 0)
        code = -code;
    switch (code) {
    case IMX_OK:
        return EXIT_OK;
    case IMX_EUSAGE:
        return EXIT_USAGE;
    case IMX_EIO:
    case IMX_ELOCK:
        return EXIT_FS;
    case IMX_EPARSE:
    case IMX_ENOTFOUND:
        return EXIT_DATA;
    case IMX_EINTR:
        return EXIT_INTR;
    default:
        return EXIT_NET;
    }
}

int cli_worse_status(int a, int b)
{
    if (a == EXIT_OK)
        return b;
    if (b == EXIT_OK || a == b)
        return a;
    if (a == EXIT_PARTIAL)
        return b;
    return b == EXIT_PARTIAL ? a : (a > b ? a : b);
}

/* The handler only records and unlinks (tempfile_on_signal); the command unwinds through its
 * interrupted paths and cli_exit_interrupted ends it. A second signal ends it at once, for a
 * command stuck where no interrupted path looks. */
static void on_signal(int sig)
{
    if (tempfile_interrupted()) {
        tempfile_on_signal(sig);
        _exit(EXIT_INTR);
    }
    tempfile_on_signal(sig);
}

void cli_install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int cli_interrupted(void)
{
    return tempfile_interrupted() != 0;
}

int cli_exit_interrupted(int status)
{
    int sig = tempfile_interrupted();

    if (!sig)
        return status;
    tempfile_cleanup_all();
    fflush(stdout);
    if (sig == SIGINT) {
        /* dying of SIGINT tells a calling shell to stop as well (its status is 130 too) */
        signal(SIGINT, SIG_DFL);
        raise(SIGINT);
    }
    return EXIT_INTR; /* SIGTERM, SIGHUP: the documented status, not 128 + the signal */
}

int cli_close_stdout(int status)
{
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int e = errno;

    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        msg_error("cannot write to standard output: %s", strerror(e ? e : EIO));
        return status == EXIT_OK || status == EXIT_PARTIAL ? EXIT_FS : status;
    }
    return status;
}
