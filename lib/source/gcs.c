/* gcs: the pure half of the GCS backup source (see gcs.h): listing JSON, object names,
 * hashes and the per-date listing state. No network here. */
#include "source/gcs.h"
#include "cache/jail.h"
#include "util/date.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <pthread.h>
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

/* ---- listing pages ----------------------------------------------------------------- */

void gcs_page_init(struct gcs_page *pg)
{
    memset(pg, 0, sizeof(*pg));
}

void gcs_page_release(struct gcs_page *pg)
{
    for (size_t i = 0; i < pg->nitems; i++) {
        free(pg->items[i].name);
        free(pg->items[i].updated);
    }
    for (size_t i = 0; i < pg->nprefixes; i++)
        free(pg->prefixes[i]);
    free(pg->items);
    free(pg->prefixes);
    free(pg->next_token);
    gcs_page_init(pg);
}

/* A body the server gzip-compressed though imx did not ask it to (with Content-Encoding or
 * without, the client leaves it as it came) is told as such: read as JSON, its bytes would be
 * reported as a lexical error or as nesting deeper than any document. */
static yajl_val parse_body(const char *text, size_t len, const char *what, struct imx_err *err)
{
    if (len >= 2 && (unsigned char)text[0] == 0x1f && (unsigned char)text[1] == 0x8b) {
        imx_seterr(err, IMX_EPARSE, "%s: not JSON but gzip-compressed, which imx did not ask for",
                   what);
        return NULL;
    }
    return json_parse(text, len, what, err);
}

/* One item of a listing appended to pg: NULL, or what is wrong with it. Fields are strings or,
 * for sizes, numbers; null and containers are ignored. */
static const char *page_item(struct gcs_page *pg, yajl_val it)
{
    const char *name = json_str(json_get(it, "name"));
    const char *size = json_text(json_get(it, "size"));
    const char *md5 = json_text(json_get(it, "md5Hash"));
    const char *crc = json_text(json_get(it, "crc32c"));
    const char *updated = json_text(json_get(it, "updated"));
    struct gcs_object *o;
    unsigned char b[4];
    char *end;

    if (!name || !*name)
        return "an object without a name";
    ALLOC_GROW(pg->items, pg->nitems + 1, pg->capitems);
    o = &pg->items[pg->nitems++];
    memset(o, 0, sizeof(*o));
    o->name = xstrdup(name);
    o->updated = updated ? xstrdup(updated) : NULL;
    if (size) {
        errno = 0;
        o->size = strtoull(size, &end, 10);
        if (errno || *end || !isdigit((unsigned char)size[0]))
            return "bad object size";
        o->has_size = 1;
    }
    if (md5 && gcs_b64_decode(md5, o->md5, 16) < 0)
        return "bad md5Hash";
    o->has_md5 = md5 != NULL;
    if (crc && gcs_b64_decode(crc, b, 4) < 0)
        return "bad crc32c";
    o->has_crc32c = crc != NULL;
    o->crc32c = crc ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3] : 0;
    return NULL;
}

/* A parsed listing (or stored state) appended to pg: NULL, or what is wrong with it. */
static const char *page_add(struct gcs_page *pg, yajl_val root)
{
    yajl_val items = json_get(root, "items"), prefixes = json_get(root, "prefixes");
    const char *token = json_str(json_get(root, "nextPageToken"));
    const char *bad = NULL;

    if (!YAJL_IS_OBJECT(root))
        return "not a JSON object";
    if ((items && !YAJL_IS_ARRAY(items)) || (prefixes && !YAJL_IS_ARRAY(prefixes)))
        return "items or prefixes is not an array";
    for (size_t i = 0; !bad && i < json_len(items); i++)
        if (YAJL_IS_OBJECT(json_at(items, i)))
            bad = page_item(pg, json_at(items, i));
    for (size_t i = 0; !bad && i < json_len(prefixes); i++) {
        const char *p = json_str(json_at(prefixes, i));
        if (!p)
            return "a prefix is not a string";
        ALLOC_GROW(pg->prefixes, pg->nprefixes + 1, pg->capprefixes);
        pg->prefixes[pg->nprefixes++] = xstrdup(p);
    }
    /* a server that hands back the token it was asked with would be asked for ever */
    if (!bad && token && pg->next_token && !strcmp(token, pg->next_token))
        bad = "pageToken repeats (a server loop)";
    free(pg->next_token);
    pg->next_token = token && *token && !bad ? xstrdup(token) : NULL;
    return bad;
}

int gcs_page_parse(struct gcs_page *pg, const char *json, size_t len, struct imx_err *err)
{
    yajl_val root = parse_body(json, len, "GCS listing", err);
    const char *bad;

    if (!root)
        return -IMX_EPARSE;
    bad = page_add(pg, root);
    yajl_tree_free(root);
    return bad ? imx_seterr(err, IMX_EPARSE, "GCS listing: %s", bad) : 0;
}

/* ---- object names ------------------------------------------------------------------ */

/* "<head>_<digits>" with the last '_' as the split (the greedy (.+)_(\d+) of the regex). What
 * follows s[0..n) is never a digit ('/' or ".zip"), so strtoull stops at n. */
static int split_id(const char *s, size_t n, size_t min_digits, size_t *head,
                    unsigned long long *id)
{
    size_t u = n;

    while (u > 0 && s[u - 1] != '_')
        u--;
    if (u < 2) /* no '_', or an empty head */
        return -1;
    /* at most 19 digits: no overflow */
    if (n - u < min_digits || n - u > 19 || strspn(s + u, "0123456789") < n - u)
        return -1;
    *id = strtoull(s + u, NULL, 10);
    *head = u - 1;
    return 0;
}

void gcs_name_release(struct gcs_name *n)
{
    free(n->folder);
    free(n->artifact);
    memset(n, 0, sizeof(*n));
}

int gcs_name_parse(const char *name, struct gcs_name *out)
{
    static const char mark[] = "/artifacts/";
    static const char meta[] = "artifacts_metadata.json";
    size_t len = strlen(name);

    memset(out, 0, sizeof(*out));
    if (len >= 11 && name[10] == '/')
        memcpy(out->date, name, 10);
    /* The regex only asks for digits in the date; the rest of imx needs a real date. Greedy (.+)
     * for the folder: the last "/artifacts/" is tried first. */
    for (size_t at = date_valid(out->date) ? len : 0; at-- > 11;) {
        const char *rest;
        size_t head, rlen;
        unsigned long long run_id, art_id;

        if (strncmp(name + at, mark, sizeof(mark) - 1))
            continue;
        if (split_id(name + 11, at - 11, 10, &head, &run_id) < 0)
            continue;
        rest = name + at + sizeof(mark) - 1;
        rlen = len - (size_t)(rest - name);
        if (rlen == sizeof(meta) - 1 && !memcmp(rest, meta, rlen)) {
            out->kind = GCS_NAME_METADATA;
        } else {
            size_t ahead;
            if (rlen < 5 || memcmp(rest + rlen - 4, ".zip", 4))
                continue;
            if (split_id(rest, rlen - 4, 1, &ahead, &art_id) < 0)
                continue;
            out->kind = GCS_NAME_ARTIFACT;
            out->artifact = xstrndup(rest, ahead);
            out->artifact_id = art_id;
        }
        out->folder = xstrndup(name + 11, head);
        out->run_id = run_id;
        return 0;
    }
    memset(out, 0, sizeof(*out));
    return -1;
}

/* ---- workflow filter --------------------------------------------------------------- */

/* Case-insensitive comparison where ' ', '_' and '-' are one separator class. */
static int sep(char c)
{
    return c == ' ' || c == '_' || c == '-';
}

/* s starts with the word t: the same letters (case folded, separators alike), then the end or a
 * separator. */
static int word_at(const char *s, const char *t)
{
    for (; *t; s++, t++)
        if (!(sep(*s) && sep(*t)) && tolower((unsigned char)*s) != tolower((unsigned char)*t))
            return 0;
    return !*s || sep(*s);
}

/* folder holds token t as a whole separator-delimited word. */
static int has_word(const char *folder, const char *t)
{
    for (const char *p = folder; *p; p++)
        if ((p == folder || sep(p[-1])) && word_at(p, t))
            return 1;
    return 0;
}

int gcs_folder_matches_workflow(const char *folder, const char *workflow)
{
    const char *base = strrchr(workflow, '/');
    char stem[128];
    size_t n;

    base = base ? base + 1 : workflow;
    if (!strcmp(base, "*") || !strcmp(base, "all"))
        return 1;
    n = strcspn(base, ".");
    if (n >= sizeof(stem))
        return 0;
    memcpy(stem, base, n);
    stem[n] = '\0';
    /* The 2025 schedulers: "Full Sweep Scheduler - 1k1k" (also seen as "Full Sweep - 1k1k"). */
    if (!strncmp(stem, "full-sweep-", 11) && n > 21 && !strcmp(stem + n - 10, "-scheduler")) {
        stem[n - 10] = '\0'; /* full-sweep-<sequence lengths> */
        return word_at(folder, "Full_Sweep") && has_word(folder + 10, stem + 11);
    }
    if (!strcmp(stem, "full-sweep-scheduler") || !strcmp(stem, "workflow-scheduler"))
        return word_at(folder, "Full_Sweep");
    if (!strcmp(stem, "e2e-tests"))
        return word_at(folder, "End-to-End_Tests");
    /* Otherwise the workflow's name is its file's stem: run-sweep -> "Run Sweep - ...". */
    return word_at(folder, stem);
}

/* ---- hashes and encoding ----------------------------------------------------------- */

int gcs_b64_decode(const char *s, unsigned char *out, size_t n)
{
    size_t len = strlen(s), pad = (3 - n % 3) % 3;
    unsigned char tmp[64];

    /* padded to whole quads, '=' only as that padding (libcrypto decodes it as zero bits) */
    if (n > 48 || len != (n + 2) / 3 * 4 || strcspn(s, "=") != len - pad ||
        strspn(s + len - pad, "=") != pad)
        return -1;
    if (EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)len) != (int)(n + pad))
        return -1;
    memcpy(out, tmp, n);
    return 0;
}

static uint32_t crc32c_table[256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

/* Built once whichever thread verifies first (pthread_once: no thread sees half a table). */
static void crc32c_build(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
        crc32c_table[i] = c;
    }
}

uint32_t gcs_crc32c(uint32_t crc, const void *data, size_t n)
{
    const unsigned char *p = data;

    pthread_once(&crc32c_once, crc32c_build);
    crc = ~crc;
    while (n--)
        crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

int gcs_verify_file(const char *path, const struct gcs_object *obj, struct imx_err *err)
{
    FILE *f = fopen(path, "rb");
    EVP_MD_CTX *md = obj->has_md5 ? EVP_MD_CTX_new() : NULL;
    unsigned char chunk[FS_IO_CHUNK], digest[EVP_MAX_MD_SIZE];
    unsigned long long total = 0;
    uint32_t crc = 0;
    unsigned dlen = 0;
    size_t n;
    int rc = 0;

    if (!f)
        rc = imx_seterr(err, IMX_EIO, "%s: %s", path, strerror(errno));
    else if (obj->has_md5 && (!md || !EVP_DigestInit_ex(md, EVP_md5(), NULL)))
        rc = imx_seterr(err, IMX_EVERIFY, "%s: MD5 unavailable", obj->name);
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        total += n;
        if (md)
            EVP_DigestUpdate(md, chunk, n);
        else if (obj->has_crc32c)
            crc = gcs_crc32c(crc, chunk, n);
    }
    if (rc == 0 && ferror(f))
        rc = imx_seterr(err, IMX_EIO, "%s: read error", path);
    else if (rc == 0 && obj->has_size && total != obj->size)
        rc = imx_seterr(err, IMX_EVERIFY, "%s: %llu bytes where the listing says %llu", obj->name,
                        total, obj->size);
    else if (rc == 0 && md &&
             (!EVP_DigestFinal_ex(md, digest, &dlen) || dlen != 16 || memcmp(digest, obj->md5, 16)))
        rc = imx_seterr(err, IMX_EVERIFY, "%s: MD5 does not match the listing", obj->name);
    else if (rc == 0 && !md && obj->has_crc32c && crc != obj->crc32c)
        rc = imx_seterr(err, IMX_EVERIFY, "%s: CRC32C does not match the listing", obj->name);
    EVP_MD_CTX_free(md);
    if (f)
        fclose(f);
    return rc;
}

/* ---- per-date listing state -------------------------------------------------------- */

static int state_path(struct buf *p, const char *cache, const char *bucket, const char *date,
                      struct imx_err *err)
{
    /* A bucket name never holds '/' or "..": it names one folder below .imx-gcs. */
    if (!*bucket || strchr(bucket, '/') || !strcmp(bucket, ".") || !strcmp(bucket, "..") ||
        !date_valid(date))
        return imx_seterr(err, IMX_EUSAGE, "bad bucket name or date '%s' '%s'", bucket, date);
    if (buf_addf(p, "%s/.imx-gcs/%s/%s.json", cache, bucket, date) < 0)
        return imx_seterr(err, IMX_ETOOBIG, "'%s': path too long", cache);
    return 0;
}

int gcs_state_load(const char *cache, const char *bucket, const char *date, struct gcs_page *pg,
                   char **listed_at, struct imx_err *err)
{
    struct buf path = BUF_INIT;
    yajl_val root, pages;
    const char *bad = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc;

    *listed_at = NULL;
    rc = state_path(&path, cache, bucket, date, err);
    if (rc == 0 && path_exists(path.p))
        rc = read_file(path.p, GCS_STATE_MAX, &text, &len, err);
    buf_release(&path);
    if (rc < 0 || !text)
        return rc;
    root = json_tree_parse(text, len, NULL, 0);
    free(text);
    pages = json_get(root, "pages");
    for (size_t i = 0; !bad && i < json_len(pages); i++)
        bad = page_add(pg, json_at(pages, i));
    /* A state file that does not read back whole, up to a last page, is as good as none. */
    if (!bad && json_len(pages) && !pg->next_token && json_str(json_get(root, "listed_at")))
        *listed_at = json_strdup(json_get(root, "listed_at"));
    else
        gcs_page_release(pg);
    if (root)
        yajl_tree_free(root);
    return 0;
}

int gcs_state_save(const char *cache, const char *bucket, const char *date, const struct buf *pages,
                   const char *listed_at, struct imx_err *err)
{
    struct buf path = BUF_INIT, text = BUF_INIT_MAX(GCS_STATE_MAX);
    int rc = state_path(&path, cache, bucket, date, err);

    buf_add_member(&text, "{", "listed_at", listed_at);
    buf_adds(&text, ", \"pages\": [");
    buf_add(&text, pages->p, pages->len);
    buf_adds(&text, "]}\n");
    if (rc == 0)
        rc = jail_parent_dirs(cache, path.p, err);
    if (rc == 0 && buf_failed(&text))
        rc = imx_seterr(err, IMX_ETOOBIG, "listing of %s too big to store", date);
    if (rc == 0)
        rc = atomic_write(path.p, text.p, text.len, err);
    buf_release(&path);
    buf_release(&text);
    return rc;
}

int gcs_date_needs_listing(const char *date, const char *newest, const char *listed_at, int refresh)
{
    char day[DATE_LEN + 1];

    if (refresh || !listed_at)
        return 1;
    if (newest && date_valid(newest) && date_diff(date, newest) < 2)
        return 1;
    if (date_timestamp_day(listed_at, day) < 0)
        return 1;
    return date_diff(date, day) < 2;
}

/* ---- runs of the listings ---------------------------------------------------------- */

void gcs_index_release(struct gcs_index *ix)
{
    for (size_t i = 0; i < ix->n; i++) {
        struct gcs_run *r = &ix->runs[i];
        for (size_t j = 0; j < r->narts; j++)
            gh_artifact_release(&r->arts[j]);
        free(r->arts);
        free(r->objs);
        free(r->folder);
    }
    free(ix->runs);
    memset(ix, 0, sizeof(*ix));
}

struct gcs_run *gcs_index_find(struct gcs_index *ix, unsigned long long id)
{
    /* Listings arrive grouped by run, so the last run is the usual hit. */
    for (size_t i = ix->n; i-- > 0;)
        if (ix->runs[i].id == id)
            return &ix->runs[i];
    return NULL;
}

static int run_newer(const void *a, const void *b)
{
    const struct gcs_run *x = a, *y = b;
    return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

void gcs_index_add(struct gcs_index *ix, const struct gcs_page *pg, const char *workflow)
{
    for (size_t i = 0; i < pg->nitems; i++) {
        const struct gcs_object *o = &pg->items[i];
        struct gcs_name nm;
        struct gcs_run *r;

        if (gcs_name_parse(o->name, &nm) < 0) {
            ix->unparsed++;
            continue;
        }
        if (!ix->min_id || nm.run_id < ix->min_id)
            ix->min_id = nm.run_id;
        r = gcs_index_find(ix, nm.run_id);
        if (!r && workflow && !gcs_folder_matches_workflow(nm.folder, workflow)) {
            gcs_name_release(&nm);
            continue;
        }
        if (!r) {
            ALLOC_GROW(ix->runs, ix->n + 1, ix->cap);
            r = &ix->runs[ix->n++];
            memset(r, 0, sizeof(*r));
            r->id = nm.run_id;
            memcpy(r->date, nm.date, sizeof(r->date));
            r->folder = nm.folder;
            nm.folder = NULL;
        }
        if (nm.kind == GCS_NAME_METADATA) {
            r->meta = o;
        } else {
            ALLOC_GROW(r->arts, r->narts + 1, r->cap);
            r->objs = xrealloc(r->objs, r->cap * sizeof(*r->objs));
            r->objs[r->narts] = o;
            r->arts[r->narts++] = (struct gh_artifact){.id = nm.artifact_id, .name = nm.artifact};
            nm.artifact = NULL;
        }
        gcs_name_release(&nm);
    }
    if (ix->n > 1)
        qsort(ix->runs, ix->n, sizeof(*ix->runs), run_newer);
}

int gcs_run_json(const struct gcs_run *run, const char *meta, size_t metalen, const char *repo,
                 const char *bucket, struct buf *out, struct imx_err *bad_meta, struct imx_err *err)
{
    yajl_val root = NULL;
    const char *branch = NULL, *sha = NULL, *created = NULL;
    long long created_t = 0;
    char *title, created_buf[32];
    struct buf url = BUF_INIT;
    int rc;

    if (meta) {
        char what[64];
        snprintf(what, sizeof(what), "artifacts_metadata.json of run %llu", run->id);
        root = parse_body(meta, metalen, what, bad_meta);
        if (root && !YAJL_IS_ARRAY(root)) {
            imx_seterr(bad_meta, IMX_EPARSE, "%s: not an array", what);
            yajl_tree_free(root);
            root = NULL;
        }
    }
    for (size_t i = 0; i < json_len(root); i++) {
        yajl_val a = json_at(root, i);
        const char *c = json_str(json_get(a, "created_at"));
        long long t, wid;
        yajl_val w = json_path(a, "workflow_run", "id", NULL);

        /* An entry of another run (a copy gone wrong) tells nothing about this one. */
        if (w && YAJL_IS_NUMBER(w) && (json_int(w, &wid) < 0 || (unsigned long long)wid != run->id))
            continue;
        if (!branch)
            branch = json_str(json_path(a, "workflow_run", "head_branch", NULL));
        if (!sha)
            sha = json_str(json_path(a, "workflow_run", "head_sha", NULL));
        /* The earliest upload is the closest to when the run started. */
        if (c && date_parse_timestamp(c, &t) == 0 && (!created || t < created_t)) {
            created = c;
            created_t = t;
        }
    }
    if (!created) {
        snprintf(created_buf, sizeof(created_buf), "%sT00:00:00Z", run->date);
        created = created_buf;
    }
    title = xstrdup(run->folder);
    for (char *p = title; *p; p++)
        if (*p == '_')
            *p = ' ';
    if (repo)
        buf_addf(&url, "https://github.com/%s/actions/runs/%llu", repo, run->id);
    buf_addf(out, "{\n  \"id\": %llu", run->id);
    buf_add_member(out, ",\n  ", "name", title);
    buf_add_member(out, ",\n  ", "display_title", title);
    buf_add_member(out, ",\n  ", "head_branch", branch);
    buf_add_member(out, ",\n  ", "head_sha", sha);
    buf_add_member(out, ",\n  ", "status", "completed");
    buf_add_member(out, ",\n  ", "created_at", created);
    buf_add_member(out, ",\n  ", "html_url", repo ? url.p : NULL);
    buf_add_member(out, ",\n  ", "imx_source", "gcs-backup");
    buf_adds(out, ",\n  \"imx_backup\": {");
    buf_add_member(out, "", "bucket", bucket ? bucket : GCS_DEFAULT_BUCKET);
    buf_add_member(out, ", ", "date", run->date);
    buf_add_member(out, ", ", "folder", run->folder);
    buf_addf(out, ", \"metadata\": %s}\n}\n", root ? "true" : "false");
    rc =
        buf_failed(out) ? imx_seterr(err, IMX_ETOOBIG, "run.json of run %llu too big", run->id) : 0;
    buf_release(&url);
    free(title);
    if (root)
        yajl_tree_free(root);
    return rc;
}
