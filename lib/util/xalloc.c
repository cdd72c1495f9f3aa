/* xalloc: abort-on-failure allocation (see xalloc.h for why). */
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static void *oom(void)
{
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    return p ? p : oom();
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    return p ? p : oom();
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    return q ? q : oom();
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *xgrow_array(void *arr, size_t need, size_t *cap, size_t sz)
{
    size_t ncap;

    if (need <= *cap)
        return arr;
    ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
    if (ncap > ((size_t)-1) / sz)
        oom();
    arr = xrealloc(arr, ncap * sz);
    *cap = ncap;
    return arr;
}
