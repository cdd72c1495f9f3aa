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

/* A refused append empties the buffer: what a caller did not check is "", which no path, URL
 * or key is, never a prefix that is one ("dir/" of "dir/name", a URL without its query). */
static int fail(struct buf *b)
{
    b->failed = 1;
    b->len = 0;
    if (b->cap)
        b->p[0] = '\0';
    return -1;
}

int buf_reserve_slow(struct buf *b, size_t n)
{
    size_t need;

    if (b->failed || n > b->max || b->len > b->max - n)
        return fail(b);
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

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when s[0] starts none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t len;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return 0;
    /* the second byte's range excludes overlong forms, surrogates and code points past U+10FFFF */
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* Whether the valid sequence s of len bytes is a control a terminal acts on (C0, DEL, C1) or
 * one that reorders what is shown (the bidirectional embeddings, overrides and isolates). */
static int utf8_control(const unsigned char *s, size_t len)
{
    if (len == 1)
        return s[0] < 0x20 || s[0] == 0x7f;
    if (len == 2)
        return s[0] == 0xc2 && s[1] < 0xa0;
    return len == 3 && s[0] == 0xe2 &&
           ((s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae) ||
            (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9));
}

int buf_add_shown(struct buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    int r = 0;

    for (size_t i = 0; i < n && r == 0;) {
        size_t len = utf8_len(p + i, n - i);
        if (len && !utf8_control(p + i, len)) {
            r = buf_add(b, p + i, len);
            i += len;
            continue;
        }
        /* a control's every byte, or the one byte that starts no valid sequence */
        for (size_t k = 0; k < (len ? len : 1) && r == 0; k++)
            r = buf_addf(b, "\\x%02x", p[i + k]);
        i += len ? len : 1;
    }
    return r;
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    char small[256];
    int n;

    va_copy(cp, ap);
    n = vsnprintf(small, sizeof(small), fmt, cp);
    va_end(cp);
    if (n < 0 || b->failed)
        return fail(b);
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
    while (*s && r == 0) {
        /* a run of characters that need no escape goes in at once (a JSON Lines file is
         * mostly such runs) */
        const char *p = s;
        unsigned char c;
        while ((unsigned char)*p >= 0x20 && *p != '"' && *p != '\\')
            p++;
        if (p > s) {
            r = buf_add(b, s, (size_t)(p - s));
            s = p;
            continue;
        }
        c = (unsigned char)*s++;
        if (c == '"' || c == '\\')
            r = buf_addf(b, "\\%c", c);
        else if (c == '\n')
            r = buf_adds(b, "\\n");
        else
            r = buf_addf(b, "\\u%04x", c);
    }
    return r < 0 ? r : buf_addc(b, '"');
}

int buf_add_member(struct buf *b, const char *sep, const char *key, const char *value)
{
    buf_addf(b, "%s\"%s\": ", sep, key);
    return buf_add_json(b, value);
}
