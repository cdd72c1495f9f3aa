/* front: the dashboard's four Pareto fronts ("rooflines"), with its exact tie rules, so that
 * imx keeps the same points the InferenceX charts draw. */
#ifndef IMX_FRONT_H
#define IMX_FRONT_H

#include <stddef.h>

enum front_dir {
    FRONT_UPPER_LEFT,  /* higher y and lower x are better (throughput vs interactivity) */
    FRONT_UPPER_RIGHT, /* higher y, higher x */
    FRONT_LOWER_LEFT,  /* lower y, lower x */
    FRONT_LOWER_RIGHT, /* lower y, higher x (cost vs interactivity) */
};

struct front_pt {
    double x, y; /* finite */
};

/* "upper_left" ... as the dashboard names them; front_dir_parse returns -1 for others. */
const char *front_dir_name(enum front_dir d);
int front_dir_parse(const char *s);
/* The same direction with left and right swapped (a TTFT x axis). */
enum front_dir front_dir_flip(enum front_dir d);

/*
 * Computes the front of n points. Writes the indices of the front points into out (room for
 * n) in ascending x (every front has distinct xs) and returns their number. Points equal in x
 * and y keep their input order in the dashboard's (stable) sort, so the first of them wins.
 */
size_t front_compute(enum front_dir d, const struct front_pt *p, size_t n, size_t *out);

#endif
