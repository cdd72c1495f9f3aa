/* store: the write side of the cache. Owns every path under CACHE: run folders, run.json, the
 * per-run manifest, installing unpacked artifacts by rename, superseded artifacts, the HTTP
 * ETag store, temporary downloads and the lock that keeps one writer at a time.
 *
 *   CACHE/run_<ID>/run.json              the run object as the API returned it
 *   CACHE/run_<ID>/agg_bmk.json          results_bmk (unpacked into the run folder itself)
 *   CACHE/run_<ID>/<artifact name>/      any other artifact
 *   CACHE/run_<ID>/api/                  a source's documents (store_put_doc), recorded too
 *   CACHE/run_<ID>/imx-manifest.json     what is there, written last
 *   CACHE/run_<ID>/.staging-<id>/        an artifact being unpacked (never read)
 *   CACHE/run_<ID>/.superseded/<id>-<name>/  artifacts replaced by a re-run, kept
 *   CACHE/run_<ID>/.damaged/<id>-<n>/        files that differed from what sync stored, set
 *                                            aside when the artifact was fetched again
 *   CACHE/.imx/lock, .imx/tmp/, .imx/http/   imx's private state
 *
 * Every folder written below CACHE is entered through jail_dirs (never through a link) and
 * every name from a server or from disk passes jail_name_ok first (cache/jail.h).
 */
#ifndef IMX_STORE_H
#define IMX_STORE_H

#include "cache/jail.h"
#include "cache/rows.h"
#include "cache/unpack.h"
#include "util/err.h"
#include "util/fsutil.h"

#include <stdio.h>

#define STORE_MANIFEST "imx-manifest.json"
#define STORE_AGGREGATE "results_bmk" /* the artifact unpacked into the run folder itself */

/* Read caps of the files the store writes (a larger one is damaged or not ours). A run object
 * is a few KB; a manifest lists a run's artifacts and their files (about 200 bytes a file). */
#define STORE_RUN_JSON_MAX ((size_t)1 << 20)
#define STORE_MANIFEST_MAX ((size_t)16 << 20)
/* An ETag entry: the body kept for a 304 (a listing page; 64 MiB as the GitHub client reads
 * them) after a header of magic, URL, ETag and Link lines (each well under 16 KiB). */
#define STORE_ETAG_BODY_MAX ((size_t)64 << 20)
#define STORE_ETAG_HEAD_MAX ((size_t)64 << 10)
/* Names tried for .damaged/<id>-<n> before the last one is reused: a run re-fetched this often
 * is being damaged on purpose. */
#define STORE_ASIDE_TRIES 100000U

enum art_state {
    ART_PENDING = 0, /* chosen, not stored yet */
    ART_COMPLETE,
    ART_EXPIRED,
    ART_SUPERSEDED,
    ART_FAILED,
};

struct manifest_art {
    unsigned long long id;
    char *name;
    unsigned long long size;
    char *digest; /* "sha256:<hex>", NULL when the API gave none */
    char *created_at, *updated_at, *expires_at;
    int expired;
    enum art_state state;
    char *path;   /* relative to the run folder: "." (aggregate), "<name>", ".superseded/..." */
    char **files; /* for "." and superseded aggregates: the files it put there */
    size_t nfiles;
    char *source; /* "github", "gcs", ... */
    char *error;  /* why it failed */
    /* every file it installed, relative to path, with size and SHA-256 (manifests written
     * before digests were recorded have none: their files are checked by existence only) */
    struct unpack_file *content;
    size_t ncontent;
    int has_content;
    int damaged; /* a file differs from content: fetch it again (sync, sync --repair) */
};

struct manifest {
    unsigned long long run_id;
    long run_attempt;
    char *updated_at;
    char *artifacts_etag;
    char *pattern;        /* the --artifact pattern the run was completed with, NULL for none */
    int complete;         /* every chosen artifact stored or expired */
    struct run_rows rows; /* rows per model of what is stored, when rows_known */
    int rows_known;
    struct manifest_art *arts;
    size_t n, cap;
};

void manifest_init(struct manifest *m, unsigned long long run_id);
void manifest_release(struct manifest *m);
/* The entry of artifact id, NULL when absent. */
struct manifest_art *manifest_find(struct manifest *m, unsigned long long id);
/* The entry of id, added (pending, with the given name) when absent. */
struct manifest_art *manifest_get(struct manifest *m, unsigned long long id, const char *name);
/* Parses a manifest. Entries whose name, path or files a sync could not have written (names
 * jail_name_ok refuses, paths leaving their folder) are dropped or no longer complete. */
IMX_MUST_CHECK int manifest_parse(struct manifest *m, const char *json, size_t len,
                                  struct imx_err *err);
/* Loads run_dir/imx-manifest.json: 1 when found, 0 when none (m initialised empty), < 0 on
 * error (m empty). */
int manifest_load_dir(const char *run_dir, unsigned long long run_id, struct manifest *m,
                      struct imx_err *err);
void manifest_format(const struct manifest *m, struct buf *out);
const char *art_state_name(enum art_state s);
/* Whether every artifact recorded is stored or expired (none pending or failed). */
int manifest_all_stored(const struct manifest *m);

struct store {
    char *cache;
    char *imx_dir; /* CACHE/.imx */
    char *tmp_dir; /* CACHE/.imx/tmp */
    struct file_lock lock;
    int locked;
};

/* Opens (creating) the cache folder and its private state; takes no lock. */
IMX_MUST_CHECK int store_open(struct store *s, const char *cache, struct imx_err *err);
void store_close(struct store *s);
/*
 * Takes the writer lock. When another process holds it: with wait, calls waiting(ud) once
 * and blocks; without, fails with -IMX_ELOCK. Once the lock is held, what killed processes
 * left is removed: .imx/tmp, and temporary files and staging folders in the run folders and the
 * HTTP store.
 */
IMX_MUST_CHECK int store_lock(struct store *s, int wait, void (*waiting)(void *ud), void *ud,
                              struct imx_err *err);

/* CACHE/run_<id> and files in it. */
void store_run_dir(const struct store *s, unsigned long long run_id, struct buf *out);
void store_run_file(const struct store *s, unsigned long long run_id, const char *name,
                    struct buf *out);

/* Loads the manifest of a run: 1 when found, 0 when none (m initialised empty), < 0 on error. */
IMX_MUST_CHECK int store_manifest_load(const struct store *s, unsigned long long run_id,
                                       struct manifest *m, struct imx_err *err);
/* Writes it atomically (creating the run folder). */
IMX_MUST_CHECK int store_manifest_save(const struct store *s, const struct manifest *m,
                                       struct imx_err *err);
/* Writes run.json atomically (creating the run folder). */
IMX_MUST_CHECK int store_write_run_json(const struct store *s, unsigned long long run_id,
                                        const char *json, size_t len, struct imx_err *err);
/* Writes CACHE/<rel> atomically, creating its folders: how a source stores a file of its own
 * layout (the API's rows, its discovery answers). rel is '/'-separated, without '..'. */
IMX_MUST_CHECK int store_write_file(const struct store *s, const char *rel, const void *data,
                                    size_t len, struct imx_err *err);
/* Whether artifact id of the run is stored (manifest state complete, its files there with
 * the sizes recorded). */
int store_have(const struct store *s, unsigned long long run_id, unsigned long long art_id);
/*
 * Files a source writes in a run folder in a layout of its own (the InferenceX API's documents
 * under run_<ID>/api/) are recorded like an artifact's: one manifest entry per folder, id
 * STORE_DOCS_ID, its name and path the folder, state complete, size and SHA-256 of each file.
 */
#define STORE_DOCS_ID 0ULL
/* Writes run_<ID>/<dir>/<name> atomically, then records it in dir's entry (source given) and
 * saves the manifest. A file there with other bytes is moved to run_<ID>/.damaged/0-<n>/ first:
 * never deleted. The entry stays damaged until every file it records matches again. */
IMX_MUST_CHECK int store_put_doc(const struct store *s, unsigned long long run_id, const char *dir,
                                 const char *name, const char *source, const void *data, size_t len,
                                 struct imx_err *err);
/* Whether run_<ID>/<dir>/<name> is recorded and there with its size; re-hashed too when its
 * entry was found damaged (imx verify, sync --repair). A file not recorded (a cache of an
 * older imx, a write cut short before the manifest) is not stored: it is fetched again. */
int store_doc_ok(const struct store *s, unsigned long long run_id, const char *dir,
                 const char *name);

/* Ends the damage of documents a sync could not mend (no longer served, or no reader uses them:
 * the run's artifacts win): each of rels (below the run folder, in a docs entry's folder) is
 * moved to run_<ID>/.damaged/0-<n>/ when there, and its record dropped (the entry with its
 * last one); the manifest is saved when it had a docs entry. */
IMX_MUST_CHECK int store_drop_docs(const struct store *s, unsigned long long run_id,
                                   char *const *rels, size_t n, struct imx_err *err);

/* A temporary file for a download, under CACHE/.imx/tmp, removed on signals. */
struct store_tmp {
    FILE *fp;
    char *path;
    int slot;
};
IMX_MUST_CHECK int store_tmp_open(const struct store *s, struct store_tmp *t, struct imx_err *err);
/* Closes and removes it (if still there). */
void store_tmp_discard(struct store_tmp *t);

/* The unpacking cap of an artifact: RATIO times its compressed size, within [MIN, MAX]. Zips of
 * JSON inflate 10-30 times, bombs a thousand. */
#define STORE_UNPACK_MIN ((unsigned long long)64 << 20)
#define STORE_UNPACK_MAX ((unsigned long long)1 << 30)
#define STORE_UNPACK_RATIO 100ULL
unsigned long long store_unpack_cap(unsigned long long size);

/* A verified download to install. */
struct store_install {
    unsigned long long run_id;
    unsigned long long id;
    const char *name;
    const char *file;     /* the downloaded bytes; moved or removed by the install */
    int is_zip;           /* else a raw (archive: false) artifact */
    const char *filename; /* raw: the file name the server gave (Content-Disposition) */
    const char *source;
    struct unpack_limits limits; /* max_bytes 0: store_unpack_cap of the file's size */
};

/*
 * Unpacks into run_<ID>/.staging-<id>/, keeps what an earlier upload of the same name left
 * (recorded in m) under run_<ID>/.superseded/<old id>-<name>/ and saves m saying so, renames
 * the new files into place and marks the entry of id in m complete with the size and SHA-256
 * of each file (the caller saves m). A file about to be replaced that is neither identical to
 * its replacement nor kept under .superseded/ is moved to run_<ID>/.damaged/<id>-<n>/ first:
 * nothing is ever deleted that is not kept elsewhere. Zip entries with names jail_name_ok
 * refuses are not installed (res->skipped). On failure nothing visible changed and the
 * staging folder is gone.
 */
IMX_MUST_CHECK int store_install_artifact(const struct store *s, struct manifest *m,
                                          const struct store_install *in, struct unpack_result *res,
                                          struct imx_err *err);

/*
 * The ETag store: the last 200 answer of a URL (ETag, Link header, body), so that a 304 can
 * be answered from it. get returns 1 (fields malloc'ed), 0 when nothing is stored.
 */
int store_etag_get(const struct store *s, const char *url, char **etag, char **link, char **body,
                   size_t *len);
int store_etag_put(const struct store *s, const char *url, const char *etag, const char *link,
                   const char *body, size_t len, struct imx_err *err);

/* The run ids cached (run_<digits> folders), newest (highest id) first. */
IMX_MUST_CHECK int store_list_runs(const char *cache, unsigned long long **ids, size_t *n,
                                   struct imx_err *err);

#endif
