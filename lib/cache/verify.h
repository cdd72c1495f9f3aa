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
    DAMAGE_UNREADABLE, /* an API document not recorded (older imx) that no longer reads as rows */
    DAMAGE_DENIED,     /* there, of the size recorded, but imx may not read it (permissions) */
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

struct verify_stats {
    unsigned long runs;         /* runs checked */
    unsigned long runs_missing; /* named, not in the cache */
    unsigned long no_manifest;  /* runs without a manifest (copied from the old script, API) */
    unsigned long bad_manifest; /* manifests that do not read */
    unsigned long unrecorded;   /* artifacts without digests: existence checked only */
    unsigned long files;        /* recorded files checked */
    unsigned long long bytes;   /* their sizes */
    unsigned long damaged;      /* files missing, cut or changed */
    unsigned long unexpected;   /* files no artifact accounts for */
};

/* Called per run checked: its findings, and its manifest (damaged artifacts marked). */
typedef void (*verify_fn)(void *ud, unsigned long long run_id, const struct run_check *c,
                          struct manifest *m);

/*
 * Checks the runs named (ids, nids; all cached runs when nids is 0) of cache: verify_run
 * on each, fn told of each (may be NULL). A named run not cached, a run folder that is a link
 * and a manifest that does not read are warnings through diag (and counted). Fails only when
 * the cache cannot be listed.
 */
int verify_cache(const char *cache, const unsigned long long *ids, size_t nids, int deep,
                 verify_fn fn, void *ud, struct verify_stats *st, struct imx_diag *diag,
                 struct imx_err *err);

#endif
