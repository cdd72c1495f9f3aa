/* unpack: artifacts into a staging folder, safely. Zips through libarchive, refusing every
 * entry that could land outside the folder (absolute, '..', backslashes, links), duplicate
 * names and archives that inflate beyond a cap; non-zip artifacts stay the file they are. */
#ifndef IMX_UNPACK_H
#define IMX_UNPACK_H

#include "util/buf.h"
#include "util/err.h"

/* The defaults of struct unpack_limits: an artifact of benchmark JSON is a few MB in a few
 * hundred files; these leave three orders of magnitude and still stop a zip bomb. */
#define UNPACK_MAX_BYTES ((unsigned long long)1 << 30)
#define UNPACK_MAX_ENTRIES 100000UL
/* The longest entry name and name component taken (Linux's PATH_MAX and NAME_MAX). */
#define UNPACK_PATH_MAX 4096
#define UNPACK_NAME_MAX 255

struct unpack_limits {
    unsigned long long max_bytes; /* total bytes written (default UNPACK_MAX_BYTES) */
    unsigned long max_entries;    /* entries read (default UNPACK_MAX_ENTRIES) */
    int tar; /* a tarball (any compression) of a cache, into imx's scratch folder: its run.json
              * and manifests are kept for the import to read */
};

/* A file written: its path below the folder, size and SHA-256 (lowercase hex). */
struct unpack_file {
    char *path;
    unsigned long long size;
    char sha256[65];
};

struct unpack_result {
    unsigned long files;
    unsigned long dirs;
    unsigned long long bytes;
    unsigned long skipped; /* entries not written: a hidden or imx-owned name (jail_name_ok) */
    struct unpack_file *content;
    size_t ncontent, capcontent;
};

void unpack_result_release(struct unpack_result *res);

/*
 * Unpacks the zip (a tarball with lim->tar) at zip_path into dir (an existing, empty folder of
 * imx's own). Any unsafe entry, a duplicate name, a link, a device, more than the limits, or a
 * damaged archive fails the whole archive: -IMX_EUNSAFE, -IMX_ETOOBIG or -IMX_EPARSE, with
 * whatever was written left in dir for the caller to remove. Entries with a component
 * jail_name_ok refuses (hidden names such as '.superseded/', imx's own 'run.json') are not
 * written, only counted. Files are fsynced; res (released by the caller) lists each with its
 * size and SHA-256.
 */
IMX_MUST_CHECK int unpack_zip(const char *zip_path, const char *dir,
                              const struct unpack_limits *lim, struct unpack_result *res,
                              struct imx_err *err);

/*
 * The safe relative path of an archive entry name: '/'-separated components, empty and
 * '.' components dropped. Returns 0 (out may be empty: the root itself), or -1 for an
 * absolute name, a drive letter, a backslash, a '..' component, control characters or an
 * overlong name.
 */
int unpack_entry_path(const char *name, struct buf *out);

/*
 * Stores a non-zip artifact: moves file into dir under filename (when jail_name_ok takes it,
 * else `fallback`, else "artifact"), fsynced; res lists it with its size and SHA-256.
 */
IMX_MUST_CHECK int unpack_raw(const char *file, const char *dir, const char *filename,
                              const char *fallback, struct unpack_result *res, struct imx_err *err);

/* SHA-256 (lowercase hex) and size of a regular file, never through a link: 0, or -1. */
int unpack_hash_file(const char *path, char hex[65], unsigned long long *size);

#endif
