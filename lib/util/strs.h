/* strs: a small owned set of strings in the order they were added (model names, keys, dates,
 * file names), looked up linearly: its users hold a few dozen at most. */
#ifndef IMX_STRS_H
#define IMX_STRS_H

#include <stddef.h>

struct strs {
    char **v;
    size_t n, cap;
};

/* Adds a copy of str unless it is there: 1 when added. */
int strs_add(struct strs *s, const char *str);
/* Whether str is in s (NULL: an empty set). */
int strs_has(const struct strs *s, const char *str);
void strs_release(struct strs *s);

#endif
