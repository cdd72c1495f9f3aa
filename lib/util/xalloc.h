/* xalloc: allocation wrappers. imx's OOM policy is to abort: a CLI that cannot
 * allocate a few kilobytes has nothing sensible left to do, and every call site stays simple. */
#ifndef IMX_XALLOC_H
#define IMX_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grows arr (of *cap elements of size sz) to hold at least need elements; returns it. */
void *xgrow_array(void *arr, size_t need, size_t *cap, size_t sz);
/* Typed growth of an array and its capacity (git's ALLOC_GROW): no cast at the call, the
 * element size from the pointer's own type. */
#define ALLOC_GROW(arr, need, cap) ((arr) = xgrow_array((arr), (need), &(cap), sizeof(*(arr))))

#endif
