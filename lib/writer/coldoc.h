/* coldoc: what every output column means and its unit, the one description that `imx columns`
 * prints and imx(1)'s column reference is checked against. */
#ifndef IMX_COLDOC_H
#define IMX_COLDOC_H

#include <stddef.h>

struct coldoc {
    char *name;    /* the column's header */
    char *source;  /* the row field it comes from, "" for run metadata */
    char *unit;    /* "" when it has none */
    char *meaning; /* one line */
    char *set;     /* the smallest column set showing it: seed, default or all */
};

struct coldoc_list {
    struct coldoc *v;
    size_t n, cap;
};

/* Every column imx knows, in the order of --columns all. */
void coldoc_list(struct coldoc_list *l);
void coldoc_list_release(struct coldoc_list *l);

#endif
