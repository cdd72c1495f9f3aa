/* hash: FNV-1a (64-bit), the one string hash of imx's in-memory tables: field names, table keys,
 * archive entry names, column sets. Fast and good enough for keys a table probes linearly. */
#ifndef IMX_HASH_H
#define IMX_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_INIT 14695981039346656037ULL /* the offset basis: the hash of nothing */
#define FNV1A_PRIME 1099511628211ULL

/* h extended by n bytes of data: fnv1a(FNV1A_INIT, p, n) hashes p; chained calls hash the
 * concatenation. */
static inline uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * FNV1A_PRIME;
    return h;
}

#endif
