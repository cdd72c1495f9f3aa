/* buf: growable, capped, always NUL-terminated byte buffer (see buf.h). */
#include "util/buf.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char buf_empty_[1];

void buf_init(struct buf *b, size_t max)
{
    b->p = buf_empty_;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->failed = 0;
}

void buf_release(struct buf *b)
{
    if (b->cap)
        free(b->p);
    buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->cap)
        b->p[0] = '\0';
}

char *buf_detach(struct buf *b, size_t *len)
{
    char *s = b->cap ? b->p : xstrdup("");
    if (len)
        *len = b->len;
    buf_init(b, b->max);
    return s;
}

int buf_reserve_slow(struct buf *b, size_t n)
{
    size_t need;

    if (b->failed || n > b->max || b->len > b->max - n) {
        b->failed = 1;
        return -1;
    }
    need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
    if (b->cap) {
        b->p = xrealloc(b->p, ncap);
    } else {
        b->p = xmalloc(ncap);
        b->p[0] = '\0';
    }
    b->cap = ncap;
    return 0;
}

int buf_add(struct buf *b, const void *data, size_t n)
{
    if (n == 0)
        return b->failed ? -1 : 0;
    if (buf_reserve(b, n) < 0)
        return -1;
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int buf_adds(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_addc(struct buf *b, char c)
{
    return buf_add(b, &c, 1);
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    char small[256];
    int n;

    va_copy(cp, ap);
    n = vsnprintf(small, sizeof(small), fmt, cp);
    va_end(cp);
    if (n < 0 || b->failed) {
        b->failed = 1;
        return -1;
    }
    if ((size_t)n < sizeof(small))
        return buf_add(b, small, (size_t)n);
    if (buf_reserve(b, (size_t)n) < 0)
        return -1;
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = buf_vaddf(b, fmt, ap);
    va_end(ap);
    return r;
}

void buf_truncate(struct buf *b, size_t n)
{
    if (n < b->len) {
        b->len = n;
        b->p[n] = '\0';
    }
}

int buf_add_json(struct buf *b, const char *s)
{
    int r;

    if (!s)
        return buf_adds(b, "null");
    r = buf_addc(b, '"');
    for (; *s && r == 0; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            r = buf_addf(b, "\\%c", c);
        else if (c == '\n')
            r = buf_adds(b, "\\n");
        else if (c < 0x20)
            r = buf_addf(b, "\\u%04x", c);
        else
            r = buf_addc(b, (char)c);
    }
    return r < 0 ? r : buf_addc(b, '"');
}
