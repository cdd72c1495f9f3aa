/* gpus: the dashboard's per-GPU provisioning constants (all-in kW, $ per GPU-hour under three
 * ownership models): a built-in table, overridden or extended by a user CSV file. */
#ifndef IMX_GPUS_H
#define IMX_GPUS_H

#include "util/err.h"

#include <stddef.h>

enum gpu_const {
    GC_POWER, /* all-in provisioned kW per GPU */
    GC_COSTH, /* $/GPU-hour, owning as a hyperscaler */
    GC_COSTN, /* $/GPU-hour, owning as a neocloud */
    GC_COSTR, /* $/GPU-hour, 3-year rental */
    NGC
};

/* CSV header names of the constants, in enum order (the user file's and `imx gpus`'). */
extern const char *const gpu_const_names[NGC];

struct gpu_spec {
    char *gpu;     /* canonical lowercase name: h100, mi355x, ... */
    double v[NGC]; /* NaN when unknown */
    int origin;    /* 0 built-in, 1 overridden by the user file, 2 added by it */
};

struct gpu_table {
    struct gpu_spec *v;
    size_t n, cap;
    char *file; /* the user file merged in, or NULL */
    size_t overridden, added;
};

/* The built-in table (the dashboard's constants, see imx(1)). */
void gpu_table_init(struct gpu_table *t);
void gpu_table_release(struct gpu_table *t);
/*
 * Merges a user CSV file: a header naming `gpu` and any of power_kw, costh, costn, costr,
 * then one row per GPU (an `origin` column, as `imx gpus` prints, is ignored). A named GPU's listed
 * constants replace the built-in ones (an empty cell makes the constant unknown); constants of
 * columns the file lacks stay as they were. New GPUs are added. A GPU is named as rows name
 * it (analysis_gpu: GB200 NVL72 and gb200-nv are gb200). One line per GPU, no more
 * fields than the header, decimal numbers from 0 to 1e6; a leading UTF-8 byte order mark is
 * skipped. Errors name the file, line and field; after an error the table may be partly
 * updated (callers stop).
 */
IMX_MUST_CHECK int gpu_table_load(struct gpu_table *t, const char *path, struct imx_err *err);
/* The constants of a GPU (canonical name), or NULL. */
const struct gpu_spec *gpu_table_find(const struct gpu_table *t, const char *gpu);
/* Appends a one-line description of the table: "built-in" or "built-in + FILE (...)". */
struct buf;
void gpu_table_describe(const struct gpu_table *t, struct buf *out);

#endif
