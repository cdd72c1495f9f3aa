/* gcs: the public Google Cloud Storage backup of InferenceX's artifacts (bucket
 * inferencemax-gha-backup): object names, listing pages, hashes, the workflow filter and the
 * per-date listing state. Layout: <YYYY-MM-DD>/<Workflow_Title>_<run id>/artifacts/<artifact
 * name>_<artifact id>.zip */
#ifndef IMX_GCS_H
#define IMX_GCS_H

#include "source/source.h"
#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

#define GCS_DEFAULT_URL "https://storage.googleapis.com"
#define GCS_DEFAULT_BUCKET "inferencemax-gha-backup"

/* One object of a listing. Hashes are decoded from GCS's base64; absent ones are flagged. */
struct gcs_object {
    char *name;
    char *updated; /* NULL when not listed */
    unsigned long long size;
    int has_size;
    int has_md5;
    int has_crc32c;
    unsigned char md5[16];
    uint32_t crc32c;
};

/* What objects.list pages add up to: items, delimiter prefixes, and the token of the next page. */
struct gcs_page {
    struct gcs_object *items;
    size_t nitems, capitems;
    char **prefixes;
    size_t nprefixes, capprefixes;
    char *next_token; /* NULL on the last page */
};

void gcs_page_init(struct gcs_page *pg);
void gcs_page_release(struct gcs_page *pg);
/* Appends one objects.list response to pg (next_token becomes this page's). Unknown fields are
 * ignored; an item without a name, or with a size or hash that does not decode, is an error. */
IMX_MUST_CHECK int gcs_page_parse(struct gcs_page *pg, const char *json, size_t len,
                                  struct imx_err *err);

enum gcs_name_kind {
    GCS_NAME_BAD = 0,
    GCS_NAME_ARTIFACT, /* .../artifacts/<name>_<id>.zip */
    GCS_NAME_METADATA, /* .../artifacts/artifacts_metadata.json */
};

struct gcs_name {
    enum gcs_name_kind kind;
    char date[11];  /* YYYY-MM-DD */
    char *folder;   /* the run folder without "_<run id>": the title, spaces as '_' */
    char *artifact; /* artifact name (NULL for metadata) */
    unsigned long long run_id;
    unsigned long long artifact_id; /* 0 for metadata */
};

/*
 * Splits an object name as the backup's readers do (regex of notes section 4, greedy groups:
 * ^(\d{4}-\d{2}-\d{2})/(.+)_(\d{10,})/artifacts/(.+)_(\d+)\.zip$), also recognizing the run's
 * artifacts_metadata.json. Returns 0, or -1 with out->kind = GCS_NAME_BAD (the caller counts it).
 */
int gcs_name_parse(const char *name, struct gcs_name *out);
void gcs_name_release(struct gcs_name *n);

/* Whether a run folder belongs to the workflow (a file name such as run-sweep.yml,
 * full-sweep-1k1k-scheduler.yml, or "*" for every folder). Folders carry the run's display
 * title, not the file: "Run Sweep - <title>", "Full Sweep Scheduler - 1k1k". */
int gcs_folder_matches_workflow(const char *folder, const char *workflow);

/* base64 (standard alphabet, padded) decoding into exactly n bytes; 0 or -1. */
int gcs_b64_decode(const char *s, unsigned char *out, size_t n);
/* CRC32C (Castagnoli), as GCS reports it; start with crc = 0. */
uint32_t gcs_crc32c(uint32_t crc, const void *data, size_t n);
/* Checks a downloaded file against the listing: size, then MD5 (libcrypto) or CRC32C. */
IMX_MUST_CHECK int gcs_verify_file(const char *path, const struct gcs_object *obj,
                                   struct imx_err *err);

/* What http_url_encode_keep keeps of object names in paths (each '/'-separated segment as
 * encodeURIComponent, as the backup's readers encode names) and of query values ('/' too). */
#define GCS_KEEP_PATH "-_.!~*'()/"
#define GCS_KEEP_QUERY "-_.!~*'()"

/* The per-date listing state, CACHE/.imx-gcs/<bucket>/<date>.json: the pages of a date folder's
 * complete listing as the server sent them (in pages, comma-separated) and when it was taken
 * (*listed_at, malloc'ed; NULL when nothing usable is stored). */
#define GCS_STATE_MAX ((size_t)1 << 30) /* a state file's size: 200 pages of 1000 objects fit */
IMX_MUST_CHECK int gcs_state_load(const char *cache, const char *bucket, const char *date,
                                  struct gcs_page *pg, char **listed_at, struct imx_err *err);
IMX_MUST_CHECK int gcs_state_save(const char *cache, const char *bucket, const char *date,
                                  const struct buf *pages, const char *listed_at,
                                  struct imx_err *err);
/* A date needs listing when nothing is stored, on refresh, when it is one of the last two days
 * of the bucket (newest) or when the stored listing was taken less than two days after the date
 * itself (the backup may still have been writing). */
int gcs_date_needs_listing(const char *date, const char *newest, const char *listed_at,
                           int refresh);

/* The runs found in listings: objects grouped by run, unparsable names counted. The objects
 * stay the listing's: the pages outlive the index. Artifacts keep every listed upload (a re-run
 * adds another id under the same name), by id and name as gh_choose takes them (the GitHub
 * sync's rule, so that both sources pick the same artifacts); objs[i] is arts[i]'s object. */
struct gcs_run {
    unsigned long long id;
    char date[11];
    char *folder;
    struct gh_artifact *arts;
    const struct gcs_object **objs;
    size_t narts, cap;
    const struct gcs_object *meta; /* artifacts_metadata.json, NULL when absent */
};

struct gcs_index {
    struct gcs_run *runs;
    size_t n, cap;
    unsigned long unparsed;    /* object names that did not parse */
    unsigned long long min_id; /* smallest run id in any parsed name (0: none) */
};

void gcs_index_release(struct gcs_index *ix);
/* Adds the objects of a listing, runs newest first (by id: GitHub assigns ids in time order);
 * runs whose folder is not of `workflow` are left out (NULL keeps every run). */
void gcs_index_add(struct gcs_index *ix, const struct gcs_page *pg, const char *workflow);
struct gcs_run *gcs_index_find(struct gcs_index *ix, unsigned long long id);

/* The run.json of a GCS run: what the backup tells. From artifacts_metadata.json (meta may be
 * NULL; when it does not read, bad_meta says why and it counts as none) the head branch and sha
 * and the earliest artifact created_at; else the date folder. The title is the folder's with
 * '_' read as spaces. Marked "imx_source": "gcs-backup". */
IMX_MUST_CHECK int gcs_run_json(const struct gcs_run *run, const char *meta, size_t metalen,
                                const char *repo, const char *bucket, struct buf *out,
                                struct imx_err *bad_meta, struct imx_err *err);

/* The engine (gcssync.c) is source_gcs of source/source.h. A download whose bytes do not match
 * the listing is fetched again, this many times in all. */
#define GCS_ATTEMPTS 3
/* maxResults of a listing page: the most the JSON API hands out per page. */
#define GCS_PAGE_SIZE 1000
/* The largest zip taken from the bucket: far above any results artifact, a bound on a broken
 * or hostile object. */
#define GCS_ZIP_MAX ((size_t)512 << 20)

#endif
