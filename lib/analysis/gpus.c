/* gpus: the built-in constants table and the user file that overrides or extends it. The
 * numbers are the InferenceX dashboard's (dashboard constants, not measurements). */
#include "analysis/gpus.h"
#include "analysis/derived.h"
#include "util/buf.h"
#include "util/units.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const gpu_const_names[NGC] = {"power_kw", "costh", "costn", "costr"};

static const struct {
    const char *gpu;
    double v[NGC];
} builtin[] = {
    {"h100", {1.73, 1.30, 1.69, 1.30}},   {"h200", {1.73, 1.41, 1.74, 1.60}},
    {"b200", {2.17, 1.95, 2.34, 2.90}},   {"b300", {2.17, 2.34, 2.808, 3.48}},
    {"gb200", {2.10, 2.21, 2.75, 3.30}},  {"gb300", {2.10, 2.652, 3.30, 3.96}},
    {"mi300x", {1.79, 1.12, 1.40, 1.55}}, {"mi325x", {2.18, 1.28, 1.59, 1.80}},
    {"mi355x", {2.65, 1.48, 1.90, 2.10}},
};

/* A user file is a handful of lines; anything this large is not one. */
#define GPU_FILE_MAX ((size_t)1 << 20)
#define GPU_FIELDS_MAX 64
#define GPU_NAME_MAX 64

static struct gpu_spec *add_gpu(struct gpu_table *t, const char *name, size_t len)
{
    struct gpu_spec *g;

    ALLOC_GROW(t->v, t->n + 1, t->cap);
    g = &t->v[t->n++];
    g->gpu = xstrndup(name, len);
    for (int i = 0; i < NGC; i++)
        g->v[i] = NAN;
    g->origin = 0;
    return g;
}

void gpu_table_init(struct gpu_table *t)
{
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
        struct gpu_spec *g = add_gpu(t, builtin[i].gpu, strlen(builtin[i].gpu));
        memcpy(g->v, builtin[i].v, sizeof(g->v));
    }
}

void gpu_table_release(struct gpu_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].gpu);
    free(t->v);
    free(t->file);
    memset(t, 0, sizeof(*t));
}

const struct gpu_spec *gpu_table_find(const struct gpu_table *t, const char *gpu)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->v[i].gpu, gpu))
            return &t->v[i];
    return NULL;
}

/* Splits one CSV record (RFC 4180 quoting) into NUL-terminated fields in place of `line`.
 * Returns the number of fields, or -1 on an unterminated quote or too many fields. */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    char *r = line, *w = line;

    for (;;) {
        if (n == max)
            return -1;
        fields[n++] = w;
        if (*r == '"') {
            r++;
            for (;;) {
                if (!*r)
                    return -1;
                if (*r == '"' && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    *w++ = *r++;
                }
            }
        }
        while (*r && *r != ',')
            *w++ = *r++;
        if (!*r) {
            *w = '\0';
            return n;
        }
        *w++ = '\0';
        r++;
    }
}

static void trim(char **s)
{
    char *p = *s, *e;
    while (isspace((unsigned char)*p))
        p++;
    e = p + strlen(p);
    while (e > p && isspace((unsigned char)e[-1]))
        *--e = '\0';
    *s = p;
}

static int read_file(const char *path, struct buf *b, struct imx_err *err)
{
    FILE *fp = fopen(path, "rb");
    char chunk[4096];
    size_t got;

    if (!fp)
        return imx_seterr(err, IMX_EIO, "cannot open GPU constants file '%s': %s", path,
                          strerror(errno));
    while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        if (buf_add(b, chunk, got) < 0) {
            fclose(fp);
            return imx_seterr(err, IMX_ETOOBIG, "GPU constants file '%s' is larger than %zu bytes",
                              path, GPU_FILE_MAX);
        }
    }
    if (ferror(fp)) {
        int e = errno;
        fclose(fp);
        return imx_seterr(err, IMX_EIO, "cannot read GPU constants file '%s': %s", path,
                          strerror(e));
    }
    fclose(fp);
    if (memchr(b->p, '\0', b->len))
        return imx_seterr(err, IMX_EPARSE, "'%s': not a CSV text file (NUL byte)", path);
    return 0;
}

/* Column of each constant in the file (-1 when absent) and of `gpu`, from the header. */
static int parse_header(const char *path, char **f, int nf, int *gcol, int col[NGC],
                        struct imx_err *err)
{
    *gcol = -1;
    for (int i = 0; i < NGC; i++)
        col[i] = -1;
    for (int j = 0; j < nf; j++) {
        int known = 0;
        trim(&f[j]);
        if (!strcmp(f[j], "origin"))
            continue; /* what `imx gpus` prints beside the constants */
        if (!strcmp(f[j], "gpu")) {
            known = *gcol < 0;
            *gcol = j;
        }
        for (int i = 0; i < NGC; i++) {
            if (!strcmp(f[j], gpu_const_names[i])) {
                known = col[i] < 0;
                col[i] = j;
            }
        }
        if (!known)
            return imx_seterr(err, IMX_EPARSE,
                              "'%s': line 1: unknown or repeated column '%s' (expected gpu, "
                              "power_kw, costh, costn, costr)",
                              path, f[j]);
    }
    if (*gcol < 0)
        return imx_seterr(err, IMX_EPARSE, "'%s': line 1: no 'gpu' column in the header", path);
    return 0;
}

static int parse_value(const char *path, int lineno, const char *name, char *s, double *out,
                       struct imx_err *err)
{
    double v;

    if (!*s) {
        *out = NAN;
        return 0;
    }
    /* decimal only: strtod would also take 0x10 (16), which a price or a power never is */
    if (units_decimal(s, &v) < 0 || v < 0 || v > 1e6)
        return imx_seterr(err, IMX_EPARSE,
                          "'%s': line %d: %s '%s' is not a number from 0 to 1000000", path, lineno,
                          name, s);
    *out = v;
    return 0;
}

static int valid_gpu_name(const char *s)
{
    if (!*s || strlen(s) > GPU_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '.')
            return 0;
    return 1;
}

int gpu_table_load(struct gpu_table *t, const char *path, struct imx_err *err)
{
    struct buf b = BUF_INIT_MAX(GPU_FILE_MAX);
    char *f[GPU_FIELDS_MAX], *line, *next;
    int gcol = -1, col[NGC], lineno = 0, r = 0, have_header = 0, nhead = 0;
    int *seen = NULL; /* the line of each table entry the file set (0: not set by it) */
    size_t capseen = 0;

    if ((r = read_file(path, &b, err)) < 0)
        goto out;
    line = b.p;
    if (line && !strncmp(line, "\xef\xbb\xbf", 3))
        line += 3; /* a spreadsheet's UTF-8 byte order mark */
    for (; line && *line; line = next) {
        int nf;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (*line && line[strlen(line) - 1] == '\r')
            line[strlen(line) - 1] = '\0';
        if (!*line || *line == '#')
            continue;
        nf = split_csv(line, f, GPU_FIELDS_MAX);
        if (nf < 0) {
            r = imx_seterr(err, IMX_EPARSE,
                           "'%s': line %d: malformed CSV (unterminated quote "
                           "or too many fields)",
                           path, lineno);
            goto out;
        }
        if (!have_header) {
            if ((r = parse_header(path, f, nf, &gcol, col, err)) < 0)
                goto out;
            have_header = 1;
            nhead = nf;
            continue;
        }
        if (nf > nhead) {
            r = imx_seterr(err, IMX_EPARSE, "'%s': line %d: %d fields, the header has %d", path,
                           lineno, nf, nhead);
            goto out;
        }
        {
            double v[NGC];
            struct gpu_spec *g;
            char *name = gcol < nf ? f[gcol] : NULL, canon[GPU_NAME_MAX + 2];
            if (name)
                trim(&name);
            /* the GPU the rows' runner labels give: GB200 NVL72, gb200-nv and gb200 are one */
            if (name && strlen(name) <= GPU_NAME_MAX && analysis_gpu(name, canon, sizeof(canon)))
                name = canon;
            if (!name || !valid_gpu_name(name)) {
                r = imx_seterr(err, IMX_EPARSE,
                               "'%s': line %d: gpu '%s' is not a GPU name (lowercase letters, "
                               "digits and dots, e.g. mi355x)",
                               path, lineno, name ? name : "");
                goto out;
            }
            for (int i = 0; i < NGC; i++) {
                v[i] = NAN;
                if (col[i] < 0)
                    continue;
                if (col[i] >= nf) {
                    r = imx_seterr(err, IMX_EPARSE, "'%s': line %d: no %s field", path, lineno,
                                   gpu_const_names[i]);
                    goto out;
                }
                trim(&f[col[i]]);
                if ((r = parse_value(path, lineno, gpu_const_names[i], f[col[i]], &v[i], err)) < 0)
                    goto out;
            }
            g = (struct gpu_spec *)gpu_table_find(t, name);
            if (!g) {
                g = add_gpu(t, name, strlen(name));
                g->origin = 2;
                t->added++;
            } else if (g->origin == 0) {
                g->origin = 1;
                t->overridden++;
            }
            {
                size_t was = capseen;
                ALLOC_GROW(seen, t->n, capseen);
                memset(seen + was, 0, (capseen - was) * sizeof(*seen));
            }
            if (seen[g - t->v] > 0) {
                r = imx_seterr(err, IMX_EPARSE,
                               "'%s': line %d: gpu '%s' again (first on line %d): one line "
                               "per GPU",
                               path, lineno, name, seen[g - t->v]);
                goto out;
            }
            seen[g - t->v] = lineno;
            for (int i = 0; i < NGC; i++)
                if (col[i] >= 0)
                    g->v[i] = v[i];
        }
    }
    if (!have_header)
        r = imx_seterr(err, IMX_EPARSE,
                       "'%s': empty GPU constants file (expected a header: "
                       "gpu,power_kw,costh,costn,costr)",
                       path);
    else {
        free(t->file);
        t->file = xstrdup(path);
    }
out:
    free(seen);
    buf_release(&b);
    return r;
}

void gpu_table_describe(const struct gpu_table *t, struct buf *out)
{
    if (!t->file) {
        buf_adds(out, "built-in (the InferenceX dashboard's)");
        return;
    }
    buf_addf(out, "built-in, with '%s' (%zu overridden, %zu added)", t->file, t->overridden,
             t->added);
}
