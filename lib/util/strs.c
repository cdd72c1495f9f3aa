/* strs: a small set of strings (see strs.h). */
#include "util/strs.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

int strs_add(struct strs *s, const char *str)
{
    if (strs_has(s, str))
        return 0;
    ALLOC_GROW(s->v, s->n + 1, s->cap);
    s->v[s->n++] = xstrdup(str);
    return 1;
}

int strs_has(const struct strs *s, const char *str)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (!strcmp(s->v[i], str))
            return 1;
    return 0;
}

void strs_release(struct strs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}
