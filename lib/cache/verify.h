/* verify: the files a sync installed, checked against the sizes and SHA-256 digests its
 * manifest recorded: cheaply (existence and size: every sync and extract) or deeply (every
 * byte, and files no artifact accounts for: imx verify, imx sync --repair). */
#ifndef IMX_VERIFY_H
#define IMX_VERIFY_H

#include "cache/store.h"

enum damage_kind {
    DAMAGE_MISSING,    /* recorded, not there */
    DAMAGE_CUT,        /* shorter than recorded */
    DAMAGE_CHANGED,    /* other bytes, longer, or not a regular file any more */
    DAMAGE_UNEXPECTED, /* there, recorded by no artifact (deep checks only) */
};

struct damage {
    char *path; /* relative to the run folder */
    enum damage_kind kind;
    unsigned long long want, have; /* sizes */
    unsigned long long art_id;     /* 0 for unexpected files */
    int kept;                      /* in a superseded (kept) artifact: not fetched again */
};

struct run_check {
    struct damage *v;
    size_t n, cap;
    unsigned long files;      /* recorded files checked */
    unsigned long long bytes; /* their recorded sizes */
    unsigned long unrecorded; /* artifacts without digests: existence checked only */
};

void run_check_release(struct run_check *c);
const char *damage_name(enum damage_kind k);

/*
 * Checks every complete or superseded artifact of m below run_dir: deep re-hashes each file
 * and lists files that no artifact (nor imx: run.json, the manifest, .damaged/) accounts for;
 * otherwise existence and size only. Complete artifacts found damaged get a->damaged set.
 * out may be NULL. Returns the number of artifacts found damaged.
 */
size_t verify_run(const char *run_dir, struct manifest *m, int deep, struct run_check *out);

#endif
