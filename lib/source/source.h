/* source: a source of runs is one constant table of functions (as curl's protocol handlers are),
 * and every source works in the same environment: the selection, the locked store, the HTTP
 * client, diagnostics, per-run notes and one statistics struct. */
#ifndef IMX_SOURCE_H
#define IMX_SOURCE_H

#include "cache/store.h"
#include "source/github.h"
#include "source/http.h"
#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>

struct run_rows;

/* What to sync, as the command line says it (every source reads the fields it has use for). */
struct source_sel {
    char *const *ids; /* named runs (decimal), nids of them */
    size_t nids;
    long recent;                /* the N newest runs when > 0 */
    const char *since, *until;  /* YYYY-MM-DD, already validated */
    const char *artifact;       /* extra fnmatch pattern of artifacts to take */
    const char *event, *branch; /* GitHub's run filters (--event, --branch, --official) */
    const char *from;           /* a local folder, tarball or zip (the dir source) */
    const char *run;            /* the run id of a single zip (the dir source) */
};

/* Where the network sources are (the command line's or the environment's choice). */
struct source_where {
    const char *github_api; /* GitHub API root */
    const char *repo, *workflow;
    const char *gcs_url, *bucket;
    const char *infx_url;
    const char *model; /* --model for the API's rows, NULL for every model */
    int refresh;       /* list again what an earlier sync listed completely */
};

/* What a network source asks of the shared HTTP client. */
struct source_limits {
    long max_jobs;        /* transfers at once, 0: --jobs alone decides */
    long timeout_seconds; /* per request, 0: none (artifact downloads may be long) */
    int attempts;         /* tries per request, 0: the HTTP layer's default */
    size_t max_body;      /* cap on a response */
    int compressed;       /* ask for gzip */
};

/* A GET of the backup or API engine, through env->fetcher or env->http. With to_file the body
 * is streamed into that file (body stays NULL, len the bytes written). arrived() is called as
 * the answer is in, and may submit further GETs: a pipeline's next step starts as soon as what
 * it depends on is known, while the rest of the batch is on its way. */
struct source_get {
    char *url;           /* in, owned by the engine */
    const char *to_file; /* in: a file of the engine's own for the body, or NULL */
    void (*arrived)(struct source_get *g, void *ud); /* in, may be NULL */
    void *arrived_ud;
    int priority; /* in: of the GETs waiting, higher ones start first (a pipeline's later steps) */
    long status;  /* out: HTTP status, 0 when no response */
    char *body;   /* out: malloc'ed body, NULL when none or streamed */
    size_t len;
    int code; /* out: 0, or a negative IMX_E* code when the request got no usable response */
    char msg[256];
};

/* A fetcher other than the shared HTTP client (a test's, to cross-check the engines): submit()
 * queues a GET, run() answers them all (calling arrived()) and returns 0, or -IMX_EINTR. */
struct source_fetcher {
    void (*submit)(void *ud, struct source_get *g);
    int (*run)(void *ud);
    void *ud;
};

/* One statistics struct for every source: the progress and summary lines are the same for
 * all, and so is the exit status they lead to. */
struct source_stats {
    unsigned long runs;        /* runs selected */
    unsigned long runs_done;   /* of those, finished so far (progress) */
    unsigned long runs_synced; /* runs that gained something */
    unsigned long runs_cached; /* runs with nothing new */
    unsigned long runs_failed; /* runs left incomplete */
    unsigned long artifacts;   /* artifacts installed */
    unsigned long artifacts_cached, artifacts_failed, artifacts_skipped;
    unsigned long artifacts_superseded;   /* replaced by a re-run's (kept under .superseded/) */
    unsigned long artifacts_expired;      /* chosen, but the source deleted them */
    unsigned long artifacts_no_token;     /* not fetched: the source wants a token for them */
    unsigned long run_objects_failed;     /* backup runs asked GitHub for, none answered usably */
    unsigned long rows;                   /* rows in what was installed, when counted */
    unsigned long dates, dates_listed;    /* date folders looked at, and listed now */
    unsigned long long bytes;             /* bytes read for the installed artifacts */
    unsigned long requests, not_modified; /* HTTP requests of this source, 304 answers */
    long long rate_stopped_until;         /* epoch when a rate limit stopped the source, else 0 */
    int auth_refused;                     /* the server refused the token (first_error says how) */
    int cache_failed;                     /* a write to the cache failed */
    char first_error[512];                /* the first failure, for the summary */
};

/* The GitHub token, looked for (GH_TOKEN, GITHUB_TOKEN, `gh auth token`) once per command and
 * only when a request wants one: source_token(). */
struct source_token {
    char *token;      /* NULL when none */
    const char *from; /* where it came from, NULL when none */
    int looked;
};

struct source_env {
    const char *cache; /* the cache folder (the store's, when one is open) */
    const struct source_sel *sel;
    const struct source_where *where;
    const struct source_limits *limits; /* the source's own, as the client was made */
    struct store *store;                /* open and locked; NULL when only listing */
    struct http_client *http;           /* NULL for a source that flags SOURCE_LOCAL */
    struct imx_diag *diag;
    void (*note)(void *ud, const char *line); /* per-run lines (may be NULL) */
    void *note_ud;
    void (*progress)(void *ud); /* after a run is done (may be NULL): env->st has changed */
    void *progress_ud;
    void (*log)(void *ud, const char *line); /* verbose lines (may be NULL) */
    void *log_ud;
    int (*interrupted)(void);
    struct source_token *token;           /* the command's, looked for lazily (may be NULL: none) */
    const struct source_fetcher *fetcher; /* NULL: env->http */
    int list_only; /* select and list runs, fetch nothing (imx runs; no lock) */
    /* run ids the selection resolved to, if the source resolves one (decimal, malloc'ed, newest
     * first for listings), freed by the caller */
    char **runs_out;
    size_t nruns_out;
    struct source_stats st;
};

enum {
    SOURCE_LOCAL = 1 << 0,      /* reads local files: no HTTP client */
    SOURCE_NEEDS_FROM = 1 << 1, /* --from is required */
};

/* A run as a source lists it for `imx runs`, before anything is fetched. */
struct source_listed {
    unsigned long long id;
    char *created, *event, *branch; /* malloc'ed, NULL when the source does not say */
    long attempt;                   /* 0: not said */
    int fetch;                      /* a sync would fetch artifacts: arts of size bytes */
    unsigned long arts, expired;    /* expired: of arts, those the source no longer has */
    int expiry_known;               /* the source says which are expired */
    unsigned long long size;
};
void source_listed_free(struct source_listed *v, size_t n);

struct imx_source {
    const char *name;  /* --source NAME */
    const char *label; /* on progress and summary lines ("GCS") */
    const char *about; /* one line for --help */
    unsigned flags;
    struct source_limits limits; /* of the HTTP client (unused for SOURCE_LOCAL) */
    /* Syncs the selection into env->store. 0 when the selection worked (single runs may
     * still have failed: env->st.runs_failed), else a negative IMX_E* code. */
    int (*sync)(struct source_env *env, struct imx_err *err);
    /* Lists the runs a sync of the selection would take (newest first; sel->recent at most),
     * taking no lock and fetching nothing: 0, 1 when some were not found or not answered
     * (warnings said why), or a negative IMX_E* code. NULL: nothing to list (local). */
    int (*list)(struct source_env *env, struct source_listed **runs, size_t *n,
                struct imx_err *err);
};

/* The sources in lib/, in the order `--source all` runs them: a new source is its file and
 * its name on this line (each X(name) is `source_<name>`, defined in that file). */
#define IMX_SOURCES(X) X(github) X(gcs) X(api) X(dir)
#define IMX_SOURCE_DECLARE(name) extern const struct imx_source source_##name;
IMX_SOURCES(IMX_SOURCE_DECLARE)

/* GETs through env->fetcher, else env->http without credentials (with env->limits):
 * source_submit queues one, source_run returns once all are in. */
void source_submit(struct source_env *env, struct source_get *g);
IMX_MUST_CHECK int source_run(struct source_env *env);
void source_get_release(struct source_get *g);

/* The artifact rule (gh_choose, with --artifact) for the n artifacts of run: a malloc'ed pick
 * each; the names the cache cannot take are warned about (unless only listing). */
enum gh_pick *source_choose(struct source_env *env, unsigned long long run,
                            const struct gh_artifact *arts, size_t n);
/* Whether the selection takes run id by its ids (it names none, or id is one of them). */
int source_named(const struct source_sel *sel, unsigned long long id);

/* The GitHub token (NULL when none): looked for at the first call of the command, then
 * remembered in env->token. Only a request that sends the token calls this. */
const char *source_token(struct source_env *env);
void source_token_release(struct source_token *t);

/* What one run's line says (source_run_done): the same words for every source. */
struct source_run {
    unsigned long long id;
    const char *date;   /* YYYY-MM-DD, NULL when unknown */
    const char *detail; /* the source's own words beside the date (a folder, an attempt) */
    const char *verb;   /* what was done with the artifacts: NULL "downloaded", "imported" */
    int cached;         /* complete already: nothing was asked */
    int lost;           /* the run itself could not be had: why says why */
    int incomplete;     /* recording it failed, or it lacks what failed before (why says) */
    unsigned long got, kept, failed, expired, no_token; /* artifacts */
    unsigned long long bytes;                           /* of those got */
    int rows_known; /* rows (and by_model, when not NULL) were counted */
    unsigned long rows;
    const struct run_rows *by_model;
    const char *why; /* the first failure, NULL when none is known */
};
/* A run is done with: counted (incomplete when it, an artifact or its record was lost, else
 * cached or updated; the first why kept for the summary), said through env->note ("run 123
 * (2026-01-06): downloaded 2 artifacts (18.1 KB), ...") and the progress line moved. */
void source_run_done(struct source_env *env, const struct source_run *r);

/* A per-run line through env->note. */
void source_note(struct source_env *env, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Records the first failure, for the summary (later ones are counted by the caller). */
void source_first_error(struct source_env *env, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
