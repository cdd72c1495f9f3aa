/* github: GitHub's REST API for workflow runs and artifacts: URLs, headers, token discovery,
 * parsing of run and artifact listings, the artifact selection rule, what a blob's headers say
 * (the download itself is ghsync's). */
#ifndef IMX_GITHUB_H
#define IMX_GITHUB_H

#include "source/http.h"
#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>

#define GH_DEFAULT_API "https://api.github.com"
#define GH_DEFAULT_REPO "SemiAnalysisAI/InferenceX"
#define GH_DEFAULT_WORKFLOW "run-sweep.yml"
#define GH_API_VERSION "2022-11-28"
#define GH_PER_PAGE 100
#define GH_PER_PAGE_DEFAULT 30 /* what GitHub sends when a URL names no per_page */
/* A token longer than this is not one GitHub issued (theirs are 40 to a few hundred bytes). */
#define GH_TOKEN_MAX 4096

struct gh_run {
    unsigned long long id;
    long attempt; /* 0 when absent */
    char *created_at, *updated_at, *event, *branch;
    char *json; /* the object exactly as the API returned it */
    size_t jsonlen;
};

struct gh_artifact {
    unsigned long long id;
    char *name;
    unsigned long long size;
    char *digest; /* NULL for legacy artifacts */
    char *created_at, *updated_at, *expires_at;
    int expired;
};

void gh_run_release(struct gh_run *r);
void gh_artifact_release(struct gh_artifact *a);

/* Parses {"total_count", "workflow_runs": [...]}, appending runs (with their raw text); *total
 * gets total_count (-1 when absent), for the pager. */
int gh_parse_runs(const char *body, size_t len, struct gh_run **runs, size_t *n, long long *total,
                  struct imx_err *err);
/* Parses one run object (GET /actions/runs/{id}); out is emptied first, whatever comes of it. */
int gh_parse_run(const char *body, size_t len, struct gh_run *out, struct imx_err *err);
/* Parses {"total_count", "artifacts": [...]}, appending artifacts; *total as for runs. */
int gh_parse_artifacts(const char *body, size_t len, struct gh_artifact **arts, size_t *n,
                       long long *total, struct imx_err *err);

/*
 * Pagination that ends. A server's Link rel="next" may point back to a page already read or
 * go on for ever; the pager stops on a URL seen before, on a page number not past the current
 * one, and after the pages total_count / per_page announces (plus slack), never after more
 * than 1000 pages (a total_count that lies, or none). A relative next URL is resolved against
 * the request's URL.
 */
struct gh_pager {
    char **seen;
    size_t nseen, cap;
};

#define GH_PAGES_SLACK 2
#define GH_PAGES_UNKNOWN 1000

void gh_pager_release(struct gh_pager *p);
/* After the answer to url (its Link header and total_count, -1 when absent): *next gets the
 * malloc'ed URL of the next page, NULL at the end. 0, or -IMX_EPARSE when the server loops. */
int gh_pager_next(struct gh_pager *p, const char *url, const char *link, long long total,
                  char **next, struct imx_err *err);

enum gh_pick {
    GH_SKIP = 0, /* not wanted (logs, metrics, or a lower tier) */
    GH_TAKE,     /* download */
    GH_OLDER,    /* an earlier upload of a name that has a newer one */
    GH_REFUSED,  /* would be taken, but its name cannot be a folder of the cache (jail_name_ok) */
};

/*
 * The artifact rule. Per name the highest id wins (after a re-run); then the aggregate
 * (results_bmk, or results_all of end-to-end runs); else the per-configuration artifacts
 * (bmk_*, and the unprefixed <exp>_..._<runner> names of 2025; not bmk_agentic_*, which the
 * reader does not read); else the results_<exp> arrays of the 2025 schedulers. Logs, GPU
 * metrics, eval, power audits, run-stats and changelog metadata are skipped unless the
 * fnmatch pattern (may be NULL) names them; the pattern adds to the rule.
 */
void gh_choose(const struct gh_artifact *arts, size_t n, const char *pattern, enum gh_pick *out);

/* Token: GH_TOKEN, then GITHUB_TOKEN, then `gh auth token` (only for github.com) when gh is
 * installed. NULL when none; *source names where it came from. */
char *gh_token_find(const char *api_url, const char **source);

/* The URL of the runs listing, appended to out (api without a trailing '/'; branch, event, since
 * and until may be NULL; since and until are YYYY-MM-DD, validated by the caller): 0, or -1 when
 * repo is not "owner/name" or the URL passes out's cap (out is then failed). */
int gh_runs_url(struct buf *out, const char *api, const char *repo, const char *workflow,
                const char *branch, const char *event, const char *since, const char *until);

/* Whether a blob is a zip (TK's rule: its type, or a URL path ending in .zip). */
int gh_is_zip(const char *content_type, const char *url);
/* The file name of a Content-Disposition value (filename*= preferred), its last path
 * component; NULL when none. */
char *gh_disposition_filename(const char *value);

/* What GitHub API requests are made of: the API root, the repository and the credentials. */
struct gh {
    char *api;         /* without trailing '/' */
    char *repo;        /* OWNER/NAME */
    char *auth_header; /* "Authorization: Bearer ..." or NULL */
};

int gh_init(struct gh *g, const char *api, const char *repo, const char *token,
            struct imx_err *err);
void gh_release(struct gh *g);

/* api/repos/OWNER/NAME, then the path fmt formats ("/actions/runs/%llu"), malloc'ed (what could
 * be built when the repository is not "owner/name": the request then fails). */
char *gh_url(const struct gh *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepares an API request: JSON headers, the token only when url is on the API's origin. */
void gh_api_req(struct gh *g, struct http_req *r, const char *url);

#endif
