/* source: what every source shares: per-run notes, the first failure, sizes in one format. */
#include "source/source.h"

#include <stdarg.h>
#include <stdio.h>

void source_note(struct source_env *env, const char *fmt, ...)
{
    struct buf b = BUF_INIT_MAX(8192);
    va_list ap;

    if (!env->note)
        return;
    va_start(ap, fmt);
    buf_vaddf(&b, fmt, ap);
    va_end(ap);
    env->note(env->note_ud, b.p);
    buf_release(&b);
}

void source_first_error(struct source_env *env, const char *fmt, ...)
{
    va_list ap;

    if (env->st.first_error[0])
        return;
    va_start(ap, fmt);
    vsnprintf(env->st.first_error, sizeof(env->st.first_error), fmt, ap);
    va_end(ap);
}

int source_add_size(struct buf *b, unsigned long long bytes)
{
    static const char *const units[] = {"KB", "MB", "GB", "TB"};
    double v = (double)bytes;
    size_t u = 0;

    if (bytes < 1024)
        return buf_addf(b, "%llu byte%s", bytes, bytes == 1 ? "" : "s");
    v /= 1024;
    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        u++;
    }
    return buf_addf(b, "%.1f %s", v, units[u]);
}
