/* err: the core's single error convention. Fallible functions return 0 or a
 * negative IMX_E* code, and put the detail into a caller-owned struct imx_err (first error wins).
 */
#ifndef IMX_ERR_H
#define IMX_ERR_H

#include <stddef.h>

/* name, short description */
#define IMX_ERRORS(X)                                                                              \
    X(EUSAGE, "invalid argument")                                                                  \
    X(EIO, "file system error")                                                                    \
    X(EPARSE, "malformed data")                                                                    \
    X(ENOTFOUND, "not found")                                                                      \
    X(ENET, "network error")                                                                       \
    X(EHTTP, "HTTP error")                                                                         \
    X(ERATE, "rate limited")                                                                       \
    X(EAUTH, "authentication required")                                                            \
    X(EVERIFY, "verification failed")                                                              \
    X(EUNSAFE, "unsafe archive")                                                                   \
    X(ETOOBIG, "size limit exceeded")                                                              \
    X(ELOCK, "cache is locked")                                                                    \
    X(EINTR, "interrupted")                                                                        \
    X(EEXPIRED, "expired")

/*
 * The codes start at 2: a bare `return -1` (the predicates and parsers that take no imx_err,
 * documented as "-1 if ...") is never an imx code, so it cannot pass for -IMX_EUSAGE and turn
 * a failure into a usage error; imx_strerror(-1) says "failure without a code".
 */
enum imx_code {
    IMX_OK = 0,
    IMX_NOCODE_ = 1, /* never returned: what a bare -1 would read as */
#define X(name, desc) IMX_##name,
    IMX_ERRORS(X)
#undef X
        IMX_NCODES
};
_Static_assert(IMX_EUSAGE > 1, "an imx code must differ from a bare -1");

#define IMX_ERR_MAX 1024

/* On a fallible function's declaration: ignoring what it returns is a warning (an error with
 * DEVELOPER=1), so that no failure passes unseen. */
#define IMX_MUST_CHECK __attribute__((warn_unused_result))

struct imx_err {
    int code; /* positive enum imx_code, 0 when no error */
    char msg[IMX_ERR_MAX];
};

#define IMX_ERR_INIT                                                                               \
    {                                                                                              \
        0,                                                                                         \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }

/* Records an error unless one is already recorded; returns -code for `return imx_seterr(...)`. */
int imx_seterr(struct imx_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Forgets the recorded error. */
void imx_err_clear(struct imx_err *e);
const char *imx_strerror(int code);

/*
 * Warnings: conditions the core recovers from (a bad file skipped, a retry)
 * but the user should hear about. The core never prints; it calls this.
 */
typedef void (*imx_warn_fn)(void *ud, int code, const char *msg);

struct imx_diag {
    imx_warn_fn fn; /* may be NULL: warnings are then only counted */
    void *ud;
    unsigned long nwarn;
};

void imx_warn(struct imx_diag *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
