/* github: requests to GitHub's REST API and what they answer (see github.h). Follows
 * ../shared/reference/github-api.md: sections 1-2 (endpoints, pagination), 3 (tokens only to
 * the API host), 4 (rate limits, in http.c) and 7 (what robust clients do). */
#include "source/github.h"
#include "cache/jail.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <curl/curl.h>

#include <ctype.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define API_BODY_MAX ((size_t)64 << 20)

/* ---- objects --------------------------------------------------------------------------- */

void gh_run_release(struct gh_run *r)
{
    free(r->created_at);
    free(r->updated_at);
    free(r->event);
    free(r->branch);
    free(r->json);
    memset(r, 0, sizeof(*r));
}

void gh_artifact_release(struct gh_artifact *a)
{
    free(a->name);
    free(a->digest);
    free(a->created_at);
    free(a->updated_at);
    free(a->expires_at);
    memset(a, 0, sizeof(*a));
}

/* A non-negative integer node into *out: 0, else -1 (*out untouched). */
static int uint_of(yajl_val v, unsigned long long *out)
{
    long long x;

    if (json_int(v, &x) < 0 || x < 0)
        return -1;
    *out = (unsigned long long)x;
    return 0;
}

static int run_from(yajl_val o, struct gh_run *r)
{
    unsigned long long att = 0;

    memset(r, 0, sizeof(*r));
    if (!YAJL_IS_OBJECT(o) || uint_of(json_get(o, "id"), &r->id) < 0 || r->id == 0)
        return -1;
    if (uint_of(json_get(o, "run_attempt"), &att) == 0)
        r->attempt = (long)att;
    r->created_at = json_strdup(json_get(o, "created_at"));
    r->updated_at = json_strdup(json_get(o, "updated_at"));
    r->event = json_strdup(json_get(o, "event"));
    r->branch = json_strdup(json_get(o, "head_branch"));
    return 0;
}

/* The raw text of each object in the array under the top-level member key of t, which yajl has
 * parsed already (valid JSON: only strings and brackets need care): start offsets and lengths,
 * in pairs. The first such member counts, as for json_get. */
static size_t object_spans(const char *t, size_t len, const char *key, size_t **spans)
{
    size_t depth = 0, n = 0, cap = 0, klen = strlen(key), ks = 0, ke = 0;
    int state = 0; /* 0: before the array, 1: in it, 2: after it */

    *spans = NULL;
    for (size_t i = 0; i < len && state < 2; i++) {
        if (t[i] == '"') {
            size_t s = i + 1;
            while (++i < len && t[i] != '"')
                i += t[i] == '\\';
            if (depth == 1) {
                ks = s;
                ke = i;
            }
        } else if (t[i] == '{' || t[i] == '[') {
            /* a '[' at depth 1 is the value of the last key read there */
            if (depth == 1 && t[i] == '[' && ke - ks == klen && !memcmp(t + ks, key, klen))
                state = 1;
            if (state == 1 && depth == 2 && t[i] == '{') {
                ALLOC_GROW(*spans, 2 * (n + 1), cap);
                (*spans)[2 * n] = i;
            }
            depth++;
        } else if ((t[i] == '}' || t[i] == ']') && depth) {
            depth--;
            if (state == 1 && depth == 2 && t[i] == '}') {
                (*spans)[2 * n + 1] = i + 1 - (*spans)[2 * n];
                n++;
            } else if (state == 1 && depth == 1) {
                state = 2;
            }
        }
    }
    return n;
}

int gh_parse_runs(const char *body, size_t len, struct gh_run **runs, size_t *n, long long *total,
                  struct imx_err *err)
{
    yajl_val root = json_parse(body, len, "the run listing", err);
    yajl_val list = json_get(root, "workflow_runs");
    size_t *spans = NULL, nspans = 0, cap = *n;
    int r = 0;

    if (!root)
        return -IMX_EPARSE;
    *total = -1;
    json_int(json_get(root, "total_count"), total);
    if (YAJL_IS_ARRAY(list))
        nspans = object_spans(body, len, "workflow_runs", &spans);
    else
        r = imx_seterr(err, IMX_EPARSE, "the run listing has no workflow_runs array");
    for (size_t i = 0; r == 0 && i < json_len(list); i++) {
        struct gh_run run;
        /* i >= nspans: the scan and yajl disagree, and a run never goes without its own text */
        if (i >= nspans || run_from(json_at(list, i), &run) < 0) {
            r = imx_seterr(err, IMX_EPARSE, "a run in the listing has no id");
            break;
        }
        run.json = xstrndup(body + spans[2 * i], spans[2 * i + 1]);
        run.jsonlen = spans[2 * i + 1];
        ALLOC_GROW(*runs, *n + 1, cap);
        (*runs)[(*n)++] = run;
    }
    free(spans);
    yajl_tree_free(root);
    return r;
}

int gh_parse_run(const char *body, size_t len, struct gh_run *out, struct imx_err *err)
{
    yajl_val root = json_parse(body, len, "the run", err);
    int r = 0;

    memset(out, 0, sizeof(*out));
    if (!root)
        return -IMX_EPARSE;
    if (run_from(root, out) < 0) {
        r = imx_seterr(err, IMX_EPARSE, "the run object has no id");
    } else {
        out->json = xstrndup(body, len);
        out->jsonlen = len;
    }
    yajl_tree_free(root);
    return r;
}

int gh_parse_artifacts(const char *body, size_t len, struct gh_artifact **arts, size_t *n,
                       long long *total, struct imx_err *err)
{
    yajl_val root = json_parse(body, len, "the artifact listing", err), list;
    size_t cap = *n;
    int r = 0;

    if (!root)
        return -IMX_EPARSE;
    *total = -1;
    json_int(json_get(root, "total_count"), total);
    list = json_get(root, "artifacts");
    if (!YAJL_IS_ARRAY(list))
        r = imx_seterr(err, IMX_EPARSE, "the artifact listing has no artifacts array");
    for (size_t i = 0; r == 0 && i < json_len(list); i++) {
        yajl_val o = json_at(list, i);
        struct gh_artifact a;
        memset(&a, 0, sizeof(a));
        if (!YAJL_IS_OBJECT(o) || uint_of(json_get(o, "id"), &a.id) < 0 ||
            !(a.name = json_strdup(json_get(o, "name")))) {
            r = imx_seterr(err, IMX_EPARSE, "an artifact in the listing has no id or name");
            break;
        }
        uint_of(json_get(o, "size_in_bytes"), &a.size);
        a.digest = json_strdup(json_get(o, "digest"));
        a.created_at = json_strdup(json_get(o, "created_at"));
        a.updated_at = json_strdup(json_get(o, "updated_at"));
        a.expires_at = json_strdup(json_get(o, "expires_at"));
        a.expired = json_true(json_get(o, "expired"));
        ALLOC_GROW(*arts, *n + 1, cap);
        (*arts)[(*n)++] = a;
    }
    yajl_tree_free(root);
    return r;
}

/* ---- pagination ------------------------------------------------------------------------ */

/* The numeric value of query parameter name in url, or dflt. */
static long long query_num(const char *url, const char *name, long long dflt)
{
    const char *q = strchr(url, '?');
    size_t n = strlen(name);

    while (q) {
        q++;
        if (!strncmp(q, name, n) && q[n] == '=' && isdigit((unsigned char)q[n + 1]))
            return strtoll(q + n + 1, NULL, 10);
        q = strchr(q, '&');
    }
    return dflt;
}

void gh_pager_release(struct gh_pager *p)
{
    for (size_t i = 0; i < p->nseen; i++)
        free(p->seen[i]);
    free(p->seen);
    memset(p, 0, sizeof(*p));
}

int gh_pager_next(struct gh_pager *p, const char *url, const char *link, long long total,
                  char **next, struct imx_err *err)
{
    char *rel = http_link_find(link, "next"), *nx;
    long long per = query_num(url, "per_page", GH_PER_PAGE_DEFAULT), max_pages, page;
    struct buf shown = BUF_INIT_MAX(HTTP_URL_MAX);
    int rc = 0;

    *next = NULL;
    if (!rel)
        return 0;
    nx = http_url_resolve(url, rel);
    free(rel);
    if (!p->nseen) {
        ALLOC_GROW(p->seen, 1, p->cap);
        p->seen[p->nseen++] = xstrdup(url);
    }
    if (per < 1)
        per = 1;
    /* a total_count that lies (or has more digits than GitHub's) does not lift the cap */
    max_pages = total >= 0 && total / per < GH_PAGES_UNKNOWN ? total / per + 1 + GH_PAGES_SLACK
                                                             : GH_PAGES_UNKNOWN;
    if (max_pages > GH_PAGES_UNKNOWN)
        max_pages = GH_PAGES_UNKNOWN;
    http_url_strip_userinfo(&shown, url);
    if (!nx)
        rc = imx_seterr(err, IMX_EPARSE, "%s: the Link header's next page is not a URL", shown.p);
    for (size_t i = 0; i < p->nseen && rc == 0; i++)
        if (!strcmp(p->seen[i], nx))
            rc = imx_seterr(err, IMX_EPARSE,
                            "%s: the Link header's next page was already read (a server loop); "
                            "giving up on this listing",
                            shown.p);
    page = rc == 0 ? query_num(nx, "page", 0) : 0;
    if (page > 0 && page <= query_num(url, "page", 1))
        rc = imx_seterr(err, IMX_EPARSE,
                        "%s: the Link header's next page goes back to page %lld (a server loop); "
                        "giving up on this listing",
                        shown.p, page);
    if (rc == 0 && (long long)p->nseen >= max_pages) {
        char why[80] = "";
        if (total >= 0)
            snprintf(why, sizeof(why), " (total_count %lld at %lld a page)", total, per);
        rc = imx_seterr(err, IMX_EPARSE, "%s: more than %lld pages%s; giving up on this listing",
                        shown.p, max_pages, why);
    }
    if (rc == 0) {
        ALLOC_GROW(p->seen, p->nseen + 1, p->cap);
        p->seen[p->nseen++] = xstrdup(nx);
        *next = nx;
        nx = NULL;
    }
    free(nx);
    buf_release(&shown);
    return rc;
}

/* ---- selection ------------------------------------------------------------------------- */

static int starts(const char *s, const char *p)
{
    return !strncmp(s, p, strlen(p));
}

/* Artifacts that never hold benchmark rows the reader wants. */
static int is_other(const char *n)
{
    static const char *const pre[] = {
        "server_logs_",
        "multinode_server_logs_",
        "gpu_metrics_",
        "eval_",
        "power_audit_",
        "run-stats",
        "run_stats",
        "changelog-metadata",
        "changelog_metadata",
        "graphs_",
        "agentic_",
        "bmk_agentic_",
        "profile_",
        "speedbench",
        "cxsweep",
    };
    for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
        if (starts(n, pre[i]))
            return 1;
    return 0;
}

void gh_choose(const struct gh_artifact *a, size_t n, const char *pattern, enum gh_pick *out)
{
    int have[3] = {0, 0, 0}, best;
    int *tier = xcalloc(n ? n : 1, sizeof(*tier));
    regex_t old; /* 2025 per-configuration names: <prefix>_<seq>_..., seq 1k1k or <isl>_<osl> */
    int old_ok =
        !regcomp(&old, "^[A-Za-z0-9.-]+_[0-9]+(k[0-9]+k|_[0-9]+)_.", REG_EXTENDED | REG_NOSUB);

    for (size_t i = 0; i < n; i++) {
        const char *nm = a[i].name;
        int newest = 1;
        out[i] = GH_SKIP;
        tier[i] = -1;
        for (size_t j = 0; j < n && newest; j++)
            if (j != i && !strcmp(nm, a[j].name) &&
                (a[j].id > a[i].id || (a[j].id == a[i].id && j > i)))
                newest = 0;
        if (!newest) {
            out[i] = GH_OLDER;
            continue;
        }
        if (pattern && !fnmatch(pattern, nm, 0))
            out[i] = GH_TAKE;
        if (is_other(nm))
            continue;
        if (!strcmp(nm, "results_bmk") || !strcmp(nm, "results_all"))
            tier[i] = 0;
        else if (starts(nm, "results_"))
            tier[i] = 2;
        else if (starts(nm, "bmk_") || (old_ok && !regexec(&old, nm, 0, NULL, 0)))
            tier[i] = 1;
        if (tier[i] >= 0)
            have[tier[i]] = 1;
    }
    best = have[0] ? 0 : have[1] ? 1 : have[2] ? 2 : -1;
    for (size_t i = 0; i < n; i++) {
        if (best >= 0 && tier[i] == best)
            out[i] = GH_TAKE;
        /* 'run.json', '.superseded', '..': never a folder of the cache, whatever matched */
        if (out[i] == GH_TAKE && !jail_name_ok(a[i].name))
            out[i] = GH_REFUSED;
    }
    if (old_ok)
        regfree(&old);
    free(tier);
}

/* ---- tokens and URLs ------------------------------------------------------------------- */

/* The token in t without surrounding whitespace (`export GH_TOKEN=$(cat file)` keeps a
 * newline); NULL when what is left cannot be one. */
static char *token_of(const char *t)
{
    size_t n;

    while (*t && strchr(" \t\r\n", *t))
        t++;
    n = strlen(t);
    while (n && strchr(" \t\r\n", t[n - 1]))
        n--;
    if (!n || n > GH_TOKEN_MAX)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] <= ' ' || t[i] == 0x7f)
            return NULL;
    return xstrndup(t, n);
}

char *gh_token_find(const char *api_url, const char **source)
{
    static const char *const env[] = {"GH_TOKEN", "GITHUB_TOKEN"};
    char line[4200], *tok;
    FILE *p;

    *source = NULL;
    for (size_t i = 0; i < 2; i++) {
        const char *v = getenv(env[i]);
        if (v && *v) {
            *source = env[i];
            return token_of(v);
        }
    }
    /* where gh is not installed the shell fails quietly (its message goes to /dev/null too) */
    if (!http_same_origin(api_url, GH_DEFAULT_API) ||
        !(p = popen("gh auth token 2>/dev/null", "r")))
        return NULL;
    if (!fgets(line, sizeof(line), p))
        line[0] = '\0';
    pclose(p);
    tok = token_of(line);
    explicit_bzero(line, sizeof(line)); /* a memset here is a dead store the compiler drops */
    if (tok)
        *source = "gh auth token";
    return tok;
}

static int repo_path(struct buf *out, const char *api, const char *repo)
{
    const char *slash = strchr(repo, '/');
    char *owner;
    int r;

    if (!slash)
        return -1;
    owner = xstrndup(repo, (size_t)(slash - repo));
    buf_addf(out, "%s/repos/", api);
    r = http_url_encode(out, owner);
    free(owner);
    if (r == 0)
        r = buf_addc(out, '/');
    if (r == 0)
        r = http_url_encode(out, slash + 1);
    return r;
}

int gh_runs_url(struct buf *out, const char *api, const char *repo, const char *workflow,
                const char *branch, const char *event, const char *since, const char *until)
{
    if (repo_path(out, api, repo) < 0 || buf_adds(out, "/actions/workflows/") < 0 ||
        http_url_encode(out, workflow) < 0 ||
        buf_addf(out, "/runs?status=success&per_page=%d", GH_PER_PAGE) < 0)
        return -1;
    if (branch && (buf_adds(out, "&branch=") < 0 || http_url_encode(out, branch) < 0))
        return -1;
    if (event && (buf_adds(out, "&event=") < 0 || http_url_encode(out, event) < 0))
        return -1;
    /* GitHub's search syntax: A..B, >=A or <=B ('>=' and '<=' encoded) */
    if (since && until)
        return buf_addf(out, "&created=%s..%s", since, until);
    if (since || until)
        return buf_addf(out, "&created=%s%s", since ? "%3E%3D" : "%3C%3D", since ? since : until);
    return 0;
}

char *gh_url(const struct gh *g, const char *fmt, ...)
{
    struct buf u = BUF_INIT_MAX(HTTP_URL_MAX);
    va_list ap;

    if (repo_path(&u, g->api, g->repo) == 0) {
        va_start(ap, fmt);
        buf_vaddf(&u, fmt, ap);
        va_end(ap);
    }
    return buf_detach(&u, NULL);
}

int gh_is_zip(const char *ct, const char *url)
{
    size_t n;

    if (ct) {
        size_t k = strcspn(ct, "; ");
        if ((k == 15 && !strncasecmp(ct, "application/zip", k)) ||
            (k == 28 && !strncasecmp(ct, "application/x-zip-compressed", k)) ||
            (k == 26 && !strncasecmp(ct, "application/zip-compressed", k)))
            return 1;
    }
    n = url ? strcspn(url, "?#") : 0;
    return n >= 4 && !strncasecmp(url + n - 4, ".zip", 4);
}

/* The value of parameter `name` (quoted or token) in a header value; malloc'ed or NULL. */
static char *header_param(const char *v, const char *name)
{
    size_t k = strlen(name);
    const char *p = v;

    while ((p = strchr(p, ';'))) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!strncasecmp(p, name, k) && p[k] == '=') {
            struct buf b = BUF_INIT_MAX(BUF_MSG_MAX);
            p += k + 1;
            if (*p == '"') {
                for (p++; *p && *p != '"'; p++) {
                    if (*p == '\\' && p[1])
                        p++;
                    buf_addc(&b, *p);
                }
            } else {
                while (*p && *p != ';' && *p != ' ')
                    buf_addc(&b, *p++);
            }
            return buf_detach(&b, NULL);
        }
    }
    return NULL;
}

char *gh_disposition_filename(const char *value)
{
    char *ext, *name = NULL, *base;

    if (!value)
        return NULL;
    ext = header_param(value, "filename*");
    if (ext) {
        /* RFC 5987: charset'language'pct-encoded */
        char *q = strchr(ext, '\'');
        char *q2 = q ? strchr(q + 1, '\'') : NULL;
        char *dec = q2 ? curl_easy_unescape(NULL, q2 + 1, 0, NULL) : NULL;
        if (dec)
            name = xstrdup(dec);
        curl_free(dec);
        free(ext);
    }
    if (!name)
        name = header_param(value, "filename");
    if (!name)
        return NULL;
    /* a path in the header keeps only its last component */
    base = name + strlen(name);
    while (base > name && base[-1] != '/' && base[-1] != '\\')
        base--;
    base = *base ? xstrdup(base) : NULL;
    free(name);
    return base;
}

/* ---- the client ------------------------------------------------------------------------ */

int gh_init(struct gh *g, const char *api, const char *repo, const char *token, struct imx_err *err)
{
    size_t n = strlen(api);

    memset(g, 0, sizeof(*g));
    if (strncasecmp(api, "http://", 7) && strncasecmp(api, "https://", 8))
        return imx_seterr(err, IMX_EUSAGE, "the GitHub API URL '%s' is not http(s)", api);
    while (n && api[n - 1] == '/')
        n--;
    g->api = xstrndup(api, n);
    g->repo = xstrdup(repo);
    if (token) {
        struct buf h = BUF_INIT_MAX(GH_TOKEN_MAX * 2);
        buf_addf(&h, "Authorization: Bearer %s", token);
        g->auth_header = buf_detach(&h, NULL);
    }
    return 0;
}

void gh_release(struct gh *g)
{
    if (g->auth_header) {
        /* the token does not outlive its use in memory either */
        explicit_bzero(g->auth_header, strlen(g->auth_header));
        free(g->auth_header);
    }
    free(g->api);
    free(g->repo);
    memset(g, 0, sizeof(*g));
}

void gh_api_req(struct gh *g, struct http_req *r, const char *url)
{
    http_req_init(r, url);
    http_req_header(r, "Accept: application/vnd.github+json");
    http_req_header(r, "X-GitHub-Api-Version: " GH_API_VERSION);
    if (g->auth_header && http_same_origin(url, g->api))
        http_req_header(r, g->auth_header);
    r->max_body = API_BODY_MAX;
    r->compressed = 1;
    r->rate_limited = 1;
}
