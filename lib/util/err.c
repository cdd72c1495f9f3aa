/* err: error recording and warning dispatch for the silent core. */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const descs[] = {"success", "failure without a code",
#define X(name, desc) desc,
                                    IMX_ERRORS(X)
#undef X
};

int imx_seterr(struct imx_err *e, int code, const char *fmt, ...)
{
    va_list ap;

    if (code < 0)
        code = -code;
    if (e && !e->code) {
        e->code = code;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        va_end(ap);
    }
    return -code;
}

void imx_err_clear(struct imx_err *e)
{
    e->code = 0;
    e->msg[0] = '\0';
}

const char *imx_strerror(int code)
{
    if (code < 0)
        code = -code;
    if (code >= IMX_NCODES)
        return "unknown error";
    return descs[code];
}

void imx_warn(struct imx_diag *d, int code, const char *fmt, ...)
{
    char msg[IMX_ERR_MAX];
    va_list ap;

    if (!d)
        return;
    __atomic_add_fetch(&d->nwarn, 1, __ATOMIC_RELAXED);
    if (!d->fn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    d->fn(d->ud, code, msg);
}
