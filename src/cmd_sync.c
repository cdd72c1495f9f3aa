/* cmd_sync: `imx sync`, and cli_sync_selected() which `imx extract` calls first unless
 * --offline: fill the cache from GitHub, say per run what happened, sum up. */
#include "cli.h"
#include "cache/store.h"
#include "cache/verify.h"
#include "source/backfill.h"
#include "source/gcs.h"
#include "source/ghsync.h"
#include "source/infx.h"
#include "source/source.h"
#include "util/buf.h"
#include "util/units.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the callbacks of one sync share. */
struct out {
    const struct cli *cli;
    const char *source; /* the backup and the API: their name on the progress line */
    int live;           /* a progress line may be on screen */
    int line_shown;     /* it is now */
    unsigned long runs;
    struct timespec started; /* CLOCK_MONOTONIC: rates of sub-second syncs too */
};

static void out_start(struct out *o)
{
    clock_gettime(CLOCK_MONOTONIC, &o->started);
}

static double elapsed(const struct out *o)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - o->started.tv_sec) +
           (double)(now.tv_nsec - o->started.tv_nsec) / 1e9;
}

/* ", 18.1 KB/s": once a rate means something (a quarter of a second of data). */
static void add_rate(struct buf *b, unsigned long long bytes, double secs)
{
    char r[32];

    if (secs < 0.25)
        return;
    units_rate((double)bytes / secs, r, sizeof(r));
    buf_addf(b, ", %s", r);
}

/* Writes the progress line whole, so that nothing else lands inside it. */
static void show_line(struct out *o, struct buf *b)
{
    fprintf(stderr, "\r\033[K%s", b->p ? b->p : "");
    fflush(stderr);
    o->line_shown = 1;
}

static void clear_line(struct out *o)
{
    if (o->line_shown) {
        fputs("\r\033[K", stderr);
        o->line_shown = 0;
    }
}

static void on_note(void *ud, const char *line)
{
    struct out *o = ud;
    if (o->cli->quiet)
        return;
    clear_line(o);
    fprintf(stderr, "%s\n", line);
}

static void on_log(void *ud, const char *line)
{
    struct out *o = ud;
    clear_line(o);
    fprintf(stderr, "imx: %s\n", line);
}

static void on_waiting(void *ud)
{
    struct out *o = ud;
    clear_line(o);
    fprintf(stderr,
            "imx: another imx is writing to the cache '%s': waiting for it "
            "(--no-wait fails instead)\n",
            cli_cache_dir(o->cli));
}

static void on_progress(void *ud, const struct ghsync_stats *st, unsigned long done)
{
    struct out *o = ud;
    struct buf b = BUF_INIT_MAX(256);
    double secs = elapsed(o);
    /* the selection's size once listed, else what the command line asked for */
    unsigned long total = st->runs ? st->runs : o->runs;
    char size[32];

    if (!o->live)
        return;
    units_bytes(st->bytes, size, sizeof(size));
    buf_addf(&b, "runs %lu", done);
    if (total)
        buf_addf(&b, "/%lu", total);
    buf_addf(&b, ", %lu artifacts, %s", st->artifacts, size);
    add_rate(&b, st->bytes, secs);
    if (total && done && done < total && secs >= 1) {
        /* runs are what the total counts: the time per run so far, for the rest */
        char eta[32];
        units_duration(secs * (double)(total - done) / (double)done, eta, sizeof(eta));
        buf_addf(&b, ", ETA %s", eta);
    }
    show_line(o, &b);
    buf_release(&b);
}

/* The backup's and the API's progress: requests answered and bytes, from the HTTP layer. */
static void on_http_progress(void *ud, const struct http_stats *st)
{
    struct out *o = ud;
    struct buf b = BUF_INIT_MAX(256);
    char size[32];

    if (!o->live)
        return;
    units_bytes(st->bytes, size, sizeof(size));
    buf_addf(&b, "%s: %lu requests, %s", o->source, st->requests, size);
    add_rate(&b, st->bytes, elapsed(o));
    show_line(o, &b);
    buf_release(&b);
}

/* A live progress line only for a person watching a terminal that can redraw a line. */
static int live_output(const struct cli *cli)
{
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    return !cli->quiet && !cli->no_progress && isatty(STDERR_FILENO) && !(nc && *nc) &&
           !(term && !strcmp(term, "dumb"));
}

static void warn_diag(void *ud, int code, const char *msg)
{
    struct out *o = ud;
    (void)code;
    clear_line(o);
    fprintf(stderr, "imx: warning: %s\n", msg);
}

static long env_long(const char *name)
{
    const char *v = getenv(name);
    long x = v ? strtol(v, NULL, 10) : 0;
    return x > 0 ? x : 0;
}

static const char *api_url(const struct cli *cli)
{
    const char *env = getenv("GITHUB_API_URL");
    if (cli->github_url)
        return cli->github_url;
    return env && *env ? env : GH_DEFAULT_API;
}

char *cli_ghsync_opts(const struct cli *cli, struct ghsync_opts *o, const char **token_source)
{
    char *token = gh_token_find(api_url(cli), token_source);

    memset(o, 0, sizeof(*o));
    o->cache = cli_cache_dir(cli);
    o->api_url = api_url(cli);
    o->repo = cli->repo;
    o->workflow = cli->workflow;
    o->branch = cli->branch;
    o->event = cli->event;
    o->since = cli->since;
    o->until = cli->until;
    o->artifact = cli->artifact;
    o->ids = cli->ids;
    o->nids = cli->nids;
    o->recent = cli->collect_recent;
    o->token = token;
    o->jobs = (int)cli->jobs;
    o->max_wait = cli->max_wait;
    /* tests shorten the stall timeout and the retry delays */
    o->stall_seconds = env_long("IMX_STALL_TIMEOUT");
    o->min_rate = env_long("IMX_MIN_RATE");
    o->deadline = env_long("IMX_REQUEST_TIMEOUT");
    o->backoff_ms = env_long("IMX_RETRY_DELAY_MS");
    o->interrupted = cli_interrupted;
    return token;
}

static void utc(char *out, size_t n, long long epoch)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void summary(const struct cli *cli, const struct ghsync_stats *st)
{
    char size[32];

    if (cli->quiet)
        return;
    fprintf(stderr, "Runs: %lu selected, %lu downloaded or updated, %lu already cached", st->runs,
            st->runs_synced, st->runs_cached);
    if (st->runs_failed)
        fprintf(stderr, ", %lu incomplete", st->runs_failed);
    units_bytes(st->bytes, size, sizeof(size));
    fprintf(stderr, "\nArtifacts: %lu downloaded (%s), %lu cached", st->artifacts, size,
            st->artifacts_cached);
    if (st->artifacts_superseded)
        fprintf(stderr, ", %lu superseded by a re-run (kept under .superseded/)",
                st->artifacts_superseded);
    if (st->artifacts_failed)
        fprintf(stderr, ", %lu failed", st->artifacts_failed);
    fprintf(stderr, "\nRequests: %lu to the API (%lu answered 304 Not Modified), %lu downloads\n",
            st->api_requests, st->api_not_modified, st->blob_requests);
    if (st->artifacts_expired)
        fprintf(stderr,
                "Expired: %lu artifact%s: GitHub deletes artifacts after 90 days; their data now "
                "exists only in caches such as this one\n",
                st->artifacts_expired, st->artifacts_expired == 1 ? "" : "s");
}

/* listing: the first step without a token (runs, run.json, the artifacts' names and ids), said
 * by the caller in one line rather than per run. */
static int sync_github(struct cli *cli, char ***ids, size_t *nids, int listing)
{
    struct ghsync_opts o;
    struct ghsync_stats st;
    struct imx_err err = IMX_ERR_INIT;
    struct out out;
    struct imx_diag diag;
    const char *tsrc = NULL;
    char *token;
    int r, status;

    *ids = NULL;
    *nids = 0;
    memset(&out, 0, sizeof(out));
    out.cli = cli;
    out.live = live_output(cli);
    out_start(&out);
    /* --since/--until alone: the count is known once listed */
    out.runs = cli->nids                  ? cli->nids
               : cli->collect_recent > 0  ? (unsigned long)cli->collect_recent
               : cli->since || cli->until ? 0
                                          : 1;
    diag.fn = warn_diag;
    diag.ud = &out;
    diag.nwarn = 0;
    token = cli_ghsync_opts(cli, &o, &tsrc);
    o.no_wait = cli->no_wait;
    o.diag = &diag;
    o.note = listing ? NULL : on_note;
    o.note_ud = &out;
    if (cli->verbose) {
        o.log = on_log;
        o.log_ud = &out;
        o.log_headers = cli->verbose > 1;
    }
    o.waiting = on_waiting;
    o.waiting_ud = &out;
    o.progress = listing ? NULL : on_progress;
    o.progress_ud = &out;
    o.interrupted = cli_interrupted;
    if (cli->verbose && !cli->quiet) {
        struct buf u = BUF_INIT;
        http_url_strip_userinfo(&u, o.api_url);
        fprintf(stderr, "imx: GitHub API %s, repository %s, workflow %s, token %s\n", u.p,
                o.repo ? o.repo : GH_DEFAULT_REPO, o.workflow ? o.workflow : GH_DEFAULT_WORKFLOW,
                tsrc ? tsrc : "none");
        buf_release(&u);
    }
    r = ghsync_run(&o, &st, ids, nids, &err);
    if (token) {
        explicit_bzero(token, strlen(token));
        free(token);
    }
    clear_line(&out);
    if (r < 0) {
        if (err.code != IMX_ELOCK) /* a lock not taken: nothing was tried, nothing to sum up */
            summary(cli, &st);
        msg_error("%s", err.msg);
        return exit_for(err.code);
    }
    if (listing) {
        if (!cli->quiet)
            fprintf(stderr,
                    "GitHub: %lu run%s listed (no token: the artifacts come from the public "
                    "backup)\n",
                    st.runs, st.runs == 1 ? "" : "s");
        if (st.runs == 0 && !cli->quiet)
            fprintf(stderr, "imx: no successful run matches the selection\n");
        return cli_interrupted() ? EXIT_INTR : st.cache_failed ? EXIT_FS : EXIT_OK;
    }
    summary(cli, &st);
    if (st.artifacts_no_token)
        msg_error("%lu artifact%s not downloaded: GitHub requires a token to download artifacts, "
                  "even of public repositories; set GH_TOKEN (for example "
                  "GH_TOKEN=$(gh auth token)) or log in with 'gh auth login'",
                  st.artifacts_no_token, st.artifacts_no_token == 1 ? "" : "s");
    else if (st.auth_refused)
        msg_error("%s", st.first_error);
    if (st.rate_stopped_until) {
        char when[40];
        utc(when, sizeof(when), st.rate_stopped_until);
        msg_error("stopped by GitHub's rate limit; the runs completed are kept; try again after %s",
                  when);
    } else if (st.runs_failed && !st.artifacts_no_token && !st.auth_refused) {
        msg_error("%lu run%s incomplete; first problem: %s", st.runs_failed,
                  st.runs_failed == 1 ? "" : "s", st.first_error);
    }
    if (cli_interrupted())
        return EXIT_INTR;
    if (!st.runs_failed)
        status = EXIT_OK;
    else if (st.cache_failed)
        status = EXIT_FS; /* a full disk is not a server's fault, nor a partial success */
    else if (st.runs_failed < st.runs)
        status = EXIT_PARTIAL;
    else
        status = EXIT_NET;
    if (st.runs == 0 && !cli->quiet)
        fprintf(stderr, "imx: no successful run matches the selection\n");
    return status;
}

/* ---- the sources behind struct imx_source (lib/source/source.h) --------------------------- */

/* What a source's run shares: the cache (locked), the HTTP client, the environment. */
struct source_ctx {
    struct out out;
    struct imx_diag diag;
    struct http_client *http;
    struct store store;
    int store_open;
    struct source_sel sel;
    struct source_where where;
    char *token; /* for a source flagged SOURCE_TOKEN, when one is at hand */
    struct source_env env;
};

static const char *env_or(const char *opt, const char *env, const char *dflt)
{
    const char *v = getenv(env);
    if (opt)
        return opt;
    return v && *v ? v : dflt;
}

static void source_close(struct source_ctx *x)
{
    http_client_free(x->http);
    if (x->store_open)
        store_close(&x->store);
    if (x->token) {
        explicit_bzero(x->token, strlen(x->token));
        free(x->token);
    }
    memset(x, 0, sizeof(*x));
}

/* The environment of a source as the command line says it; an HTTP client unless the source
 * is local; no cache opened. */
static int source_prepare(struct source_ctx *x, struct cli *cli, const struct imx_source *src)
{
    struct imx_err err = IMX_ERR_INIT;
    const struct source_limits *lim = &src->limits;
    struct http_opts ho;
    long test_timeout = env_long("IMX_REQUEST_TIMEOUT");
    const char *tsrc = NULL;

    memset(x, 0, sizeof(*x));
    x->out.cli = cli;
    x->out.source = src->label;
    x->out.live = live_output(cli);
    out_start(&x->out);
    x->diag.fn = warn_diag;
    x->diag.ud = &x->out;
    x->sel.ids = cli->ids;
    x->sel.nids = cli->nids;
    x->sel.recent = cli->collect_recent > 0 ? cli->collect_recent : 0;
    x->sel.since = cli->since;
    x->sel.until = cli->until;
    x->sel.artifact = cli->artifact;
    x->sel.from = cli->from;
    x->sel.run = cli->run;
    x->where.github_api = api_url(cli);
    x->where.repo = cli->repo ? cli->repo : GH_DEFAULT_REPO;
    x->where.workflow = cli->workflow ? cli->workflow : GH_DEFAULT_WORKFLOW;
    x->where.gcs_url = env_or(cli->gcs_url, "IMX_GCS_URL", GCS_DEFAULT_URL);
    x->where.bucket = cli->bucket;
    x->where.infx_url = env_or(cli->inferencex_url, "IMX_INFERENCEX_URL", INFX_DEFAULT_URL);
    x->where.model = cli->model && strcmp(cli->model, "all") ? cli->model : NULL;
    x->where.refresh = cli->refresh;
    if (src->flags & SOURCE_TOKEN)
        x->where.token = x->token = gh_token_find(x->where.github_api, &tsrc);
    x->env.cache = cli_cache_dir(cli);
    x->env.sel = &x->sel;
    x->env.where = &x->where;
    x->env.limits = lim;
    x->env.diag = &x->diag;
    x->env.note = on_note;
    x->env.note_ud = &x->out;
    x->env.interrupted = cli_interrupted;
    if (src->flags & SOURCE_LOCAL)
        return EXIT_OK;
    memset(&ho, 0, sizeof(ho));
    ho.user_agent = "imx/" IMX_VERSION;
    ho.jobs = (int)cli->jobs;
    if (lim->max_jobs > 0 && (ho.jobs <= 0 || ho.jobs > lim->max_jobs))
        ho.jobs = (int)lim->max_jobs;
    /* IMX_REQUEST_TIMEOUT bounds every request (the tests shorten it); else the source's own
     * limit, else the HTTP layer's deadline */
    ho.timeout_seconds = test_timeout > 0 ? test_timeout : lim->timeout_seconds;
    ho.attempts = lim->attempts;
    ho.max_wait = cli->max_wait;
    ho.stall_seconds = env_long("IMX_STALL_TIMEOUT");
    ho.min_rate = env_long("IMX_MIN_RATE");
    ho.backoff_ms = env_long("IMX_RETRY_DELAY_MS");
    if (cli->verbose) {
        ho.log = on_log;
        ho.log_ud = &x->out;
    }
    ho.progress = on_http_progress;
    ho.progress_ud = &x->out;
    if (http_client_new(&x->http, &ho, &err) < 0) {
        msg_error("%s", err.msg);
        source_close(x);
        return exit_for(err.code);
    }
    x->env.http = x->http;
    return EXIT_OK;
}

/* The backup's object names that did not parse: said once, after listing. */
static void warn_unparsed(const struct gcs_stats *st)
{
    if (st->unparsed)
        msg_warn("%lu object name%s of the backup did not parse (skipped)", st->unparsed,
                 st->unparsed == 1 ? "" : "s");
}

int cli_list_gcs(struct cli *cli, long recent, struct gcs_index *out)
{
    struct source_ctx x;
    struct gcs_opts o;
    struct gcs_stats st;
    struct imx_err err = IMX_ERR_INIT;
    int status = source_prepare(&x, cli, &source_gcs), r;

    memset(out, 0, sizeof(*out));
    if (status != EXIT_OK)
        return status;
    gcs_opts_from(&o, &x.env);
    o.recent = recent;
    r = gcs_list(&o, out, &st, &err);
    clear_line(&x.out);
    source_close(&x);
    if (r < 0) {
        msg_error("GCS backup: %s", err.msg);
        return exit_for(err.code);
    }
    warn_unparsed(&st);
    return st.missing ? EXIT_PARTIAL : EXIT_OK;
}

int cli_list_api(struct cli *cli, long recent, struct infx_wfinfo *out)
{
    struct source_ctx x;
    struct infx_opts o;
    struct infx_stats st;
    struct imx_err err = IMX_ERR_INIT;
    int status = source_prepare(&x, cli, &source_api), r;

    memset(out, 0, sizeof(*out));
    if (status != EXIT_OK)
        return status;
    infx_opts_from(&o, &x.env);
    o.recent = recent;
    r = infx_list(&o, out, &st, &err);
    clear_line(&x.out);
    source_close(&x);
    if (r < 0) {
        msg_error("InferenceX API: %s", err.msg);
        return exit_for(err.code);
    }
    return st.failed ? EXIT_PARTIAL : EXIT_OK;
}

/* The ids a source without a resolved selection hands to extract: those named, if any. */
static void named_ids(const struct cli *cli, char ***ids, size_t *nids)
{
    *ids = NULL;
    *nids = 0;
    if (!cli->nids)
        return;
    *ids = xcalloc(cli->nids, sizeof(**ids));
    for (size_t i = 0; i < cli->nids; i++)
        (*ids)[i] = xstrdup(cli->ids[i]);
    *nids = cli->nids;
}

/* The one summary line of every source behind struct imx_source. */
static void source_summary(const struct cli *cli, const char *name, const struct source_stats *st)
{
    char size[32];

    if (cli->quiet)
        return;
    units_bytes(st->bytes, size, sizeof(size));
    fprintf(stderr,
            "%s: %lu run%s (%lu updated, %lu cached, %lu incomplete), %lu artifact%s stored (%s), "
            "%lu cached, %lu failed, %lu skipped",
            name, st->runs, st->runs == 1 ? "" : "s", st->runs_synced, st->runs_cached,
            st->runs_failed, st->artifacts, st->artifacts == 1 ? "" : "s", size,
            st->artifacts_cached, st->artifacts_failed, st->artifacts_skipped);
    if (st->requests)
        fprintf(stderr, "; %lu requests", st->requests);
    fputc('\n', stderr);
}

/* Runs one source behind struct imx_source: the cache locked, its summary, its status;
 * *out (may be NULL) receives its statistics. */
static int sync_core(struct cli *cli, const struct imx_source *src, struct source_stats *out)
{
    struct source_ctx x;
    struct imx_err err = IMX_ERR_INIT;
    int status, r;

    if (out)
        memset(out, 0, sizeof(*out));
    if ((src->flags & SOURCE_NEEDS_FROM) && !cli->from) {
        msg_error("--source %s needs --from PATH", src->name);
        return EXIT_USAGE;
    }
    status = source_prepare(&x, cli, src);
    if (status != EXIT_OK)
        return status;
    if (store_open(&x.store, cli_cache_dir(cli), &err) < 0 ||
        (x.store_open = 1, store_lock(&x.store, !cli->no_wait, on_waiting, &x.out, &err)) < 0) {
        msg_error("%s", err.msg);
        source_close(&x);
        return exit_for(err.code);
    }
    x.env.store = &x.store;
    r = src->sync(&x.env, &err);
    clear_line(&x.out);
    if (out)
        *out = x.env.st;
    if (r != -IMX_EUSAGE)
        source_summary(cli, src->label, &x.env.st);
    if (r < 0) {
        msg_error("%s", err.msg);
        status = exit_for(err.code);
    } else if (cli_interrupted()) {
        status = EXIT_INTR;
    } else {
        if (x.env.st.runs_failed && x.env.st.first_error[0])
            msg_error("%lu run%s incomplete; first problem: %s", x.env.st.runs_failed,
                      x.env.st.runs_failed == 1 ? "" : "s", x.env.st.first_error);
        status = x.env.st.cache_failed                               ? EXIT_FS
                 : x.env.st.runs_failed || x.env.st.artifacts_failed ? EXIT_PARTIAL
                                                                     : EXIT_OK;
    }
    source_close(&x);
    return status;
}

/* ---- no token: GitHub lists, the backup (else the API) serves ------------------------------- */

/* Of ids, those whose run the cache does not hold complete (malloc'ed array of borrowed ids). */
static char **incomplete(const struct cli *cli, char **ids, size_t n, size_t *nout)
{
    struct store s;
    struct imx_err err = IMX_ERR_INIT;
    char **out = xcalloc(n ? n : 1, sizeof(*out));
    int opened = store_open(&s, cli_cache_dir(cli), &err) == 0;

    *nout = 0;
    for (size_t i = 0; i < n; i++) {
        struct manifest m;
        int have = opened ? store_manifest_load(&s, strtoull(ids[i], NULL, 10), &m, &err) : -1;
        if (!(have > 0 && m.complete))
            out[(*nout)++] = ids[i];
        if (have >= 0)
            manifest_release(&m);
        imx_err_clear(&err);
    }
    if (opened)
        store_close(&s);
    return out;
}

/*
 * The default source when no token is at hand: GitHub lists the runs (that needs none), the
 * public backup serves their artifacts, the InferenceX API the rows of runs the backup lacks,
 * and one line says what a token would add.
 */
static int sync_without_token(struct cli *cli, char ***ids, size_t *nids)
{
    struct cli c2 = *cli;
    struct source_stats ast;
    size_t nwant = 0, nleft = 0, nbackup;
    char **want, **left = NULL;
    int st = sync_github(cli, ids, nids, 1), st2;

    if (st != EXIT_OK || !*nids)
        return st;
    want = incomplete(cli, *ids, *nids, &nwant);
    c2.collect_recent = -1;
    c2.since = c2.until = NULL;
    c2.ids = want;
    c2.nids = nwant;
    memset(&ast, 0, sizeof(ast));
    if (nwant) {
        st2 = sync_core(&c2, &source_gcs, NULL);
        if (st2 == EXIT_INTR || st2 == EXIT_FS) {
            free(want);
            return st2;
        }
        left = incomplete(cli, want, nwant, &nleft);
    }
    nbackup = nwant - nleft;
    if (nleft) {
        c2.ids = left;
        c2.nids = nleft;
        st2 = sync_core(&c2, &source_api, &ast);
        if (st2 == EXIT_INTR || st2 == EXIT_FS) {
            free(want);
            free(left);
            return st2;
        }
    }
    if (!cli->quiet || nleft > ast.runs)
        fprintf(stderr,
                "imx: no GitHub token: %zu run%s from the public backup, %lu from the InferenceX "
                "API's rows, %zu missing; with a token (GH_TOKEN, or 'gh auth login') imx "
                "downloads artifacts from GitHub itself, runs not yet backed up included\n",
                nbackup, nbackup == 1 ? "" : "s", ast.runs,
                nleft > ast.runs ? nleft - ast.runs : 0);
    st = nleft > ast.runs ? EXIT_PARTIAL : EXIT_OK;
    free(want);
    free(left);
    return st;
}

/* GitHub, the default: first when a token is at hand or --source names it, else only listing. */
static int sync_github_first(struct cli *cli, char ***ids, size_t *nids)
{
    const char *tsrc = NULL;
    char *token = cli->source ? NULL : gh_token_find(api_url(cli), &tsrc);

    if (token) {
        explicit_bzero(token, strlen(token));
        free(token);
        return sync_github(cli, ids, nids, 0);
    }
    if (cli->source)
        return sync_github(cli, ids, nids, 0);
    return sync_without_token(cli, ids, nids);
}

/* ---- the source list ----------------------------------------------------------------------- */

/*
 * Every source, in the order `--source all` runs them (all: those that need no --from). A
 * source is one line: its table in lib/source. GitHub still runs through its engine's own
 * wrapper (sync_github: its token, rate-limit and expiry messages).
 */
struct cli_source {
    const char *name;
    const struct imx_source *src; /* NULL: GitHub */
};

static const struct cli_source sources[] = {
    {"github", NULL},
    {"gcs", &source_gcs},
    {"api", &source_api},
    {"dir", &source_dir},
};
#define NSOURCES (sizeof(sources) / sizeof(sources[0]))

static int in_all(const struct cli_source *s)
{
    return !s->src || !(s->src->flags & SOURCE_NEEDS_FROM);
}

/* The sources SPEC names, in its order (all: in the list's), at most NSOURCES; -1 if unknown. */
static int sources_of(const char *spec, const struct cli_source **out)
{
    size_t n = 0;

    while (*spec) {
        size_t len = strcspn(spec, ",");
        int found = 0;
        for (size_t i = 0; i < NSOURCES; i++) {
            int all = len == 3 && !strncmp(spec, "all", 3);
            if (!(all ? in_all(&sources[i])
                      : strlen(sources[i].name) == len && !strncmp(spec, sources[i].name, len)))
                continue;
            found = 1;
            for (size_t k = 0; k < n && found < 2; k++)
                found += out[k] == &sources[i];
            if (found == 1 && n < NSOURCES)
                out[n++] = &sources[i];
        }
        if (!found)
            return -1;
        spec += len;
        if (*spec == ',' && *++spec == '\0')
            return -1;
    }
    return n ? (int)n : -1;
}

int cli_source_check(const char *spec, const char **known)
{
    const struct cli_source *list[NSOURCES];

    *known = "expected github, gcs, api, dir, all, or a comma list of them";
    return sources_of(spec, list) < 0 ? -1 : 0;
}

int cli_source_named(const char *spec, const char *name)
{
    const struct cli_source *list[NSOURCES];
    int n = sources_of(spec, list);

    for (int i = 0; i < n; i++)
        if (!strcmp(list[i]->name, name))
            return 1;
    return 0;
}

static int sync_one(struct cli *cli, const struct cli_source *s, char ***ids, size_t *nids)
{
    int st;

    *ids = NULL;
    *nids = 0;
    if (!s->src)
        return sync_github_first(cli, ids, nids);
    st = sync_core(cli, s->src, NULL);
    named_ids(cli, ids, nids);
    return st;
}

static void free_ids(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

int cli_sync_selected(struct cli *cli, char ***ids, size_t *nids)
{
    const struct cli_source *list[NSOURCES];
    int n = sources_of(cli->source ? cli->source : "github", list), st = EXIT_OK;

    *ids = NULL;
    *nids = 0;
    if (n < 0) {
        msg_error("invalid value '%s' for --source", cli->source);
        return EXIT_USAGE;
    }
    if (cli->from || cli->run) {
        int reads = 0;
        for (int i = 0; i < n; i++)
            reads |= list[i]->src && (list[i]->src->flags & SOURCE_NEEDS_FROM);
        if (!reads) {
            msg_error("--from and --run are for --source dir");
            return EXIT_USAGE;
        }
    }
    if (n == 1)
        return sync_one(cli, list[0], ids, nids);
    /* several: each for what the ones before it could not give; a server's failure is then
     * only an incomplete result (the next source may have had the runs) */
    for (int i = 0; i < n; i++) {
        char **got = NULL;
        size_t ngot = 0;
        int s = sync_one(cli, list[i], &got, &ngot);
        free_ids(got, ngot);
        if (s == EXIT_USAGE || s == EXIT_INTR)
            return s;
        st = cli_worse_status(st, s == EXIT_NET ? EXIT_PARTIAL : s);
    }
    /* the later sources may add runs the first no longer lists: narrow only to named runs */
    named_ids(cli, ids, nids);
    return st;
}

/* ---- sync --repair ---------------------------------------------------------------------- */

/* Run ids as decimal strings. */
struct idlist {
    char **v;
    size_t n, cap;
};

static void idlist_add(struct idlist *l, unsigned long long id)
{
    struct buf b = BUF_INIT_MAX(32);

    buf_addf(&b, "%llu", id);
    ALLOC_GROW(l->v, l->n + 1, l->cap);
    l->v[l->n++] = buf_detach(&b, NULL);
}

static void idlist_release(struct idlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

struct repair {
    struct store *store;
    struct idlist github, gcs; /* runs with damaged artifacts, by where those came from */
    unsigned long arts;
    int failed; /* a manifest could not be saved */
    struct imx_err err;
};

/* A re-hashed run: its damaged artifacts are recorded as such, so the sync fetches them. */
static void mark_damaged(void *ud, unsigned long long run_id, const struct run_check *c,
                         struct manifest *m)
{
    struct repair *r = ud;
    size_t k = 0, backup = 0;

    (void)c;
    for (size_t i = 0; i < m->n; i++) {
        const struct manifest_art *a = &m->arts[i];
        if (a->state == ART_COMPLETE && a->damaged) {
            k++;
            backup += a->source && !strcmp(a->source, "gcs");
        }
    }
    if (!k)
        return;
    m->complete = 0;
    if (store_manifest_save(r->store, m, &r->err) < 0) {
        r->failed = 1;
        return;
    }
    r->arts += k;
    idlist_add(backup ? &r->gcs : &r->github, run_id);
}

/* Syncs the runs of l from source (NULL: the command line's). */
static int repair_sync(struct cli *cli, const struct idlist *l, const char *source)
{
    char **given = cli->ids, **synced = NULL;
    size_t ngiven = cli->nids, nsynced = 0;
    const char *src = cli->source;
    int status;

    if (!l->n)
        return EXIT_OK;
    cli->ids = l->v;
    cli->nids = l->n;
    if (source)
        cli->source = source;
    status = cli_sync_selected(cli, &synced, &nsynced);
    cli->ids = given;
    cli->nids = ngiven;
    cli->source = src;
    for (size_t i = 0; i < nsynced; i++)
        free(synced[i]);
    free(synced);
    return status;
}

/* Re-hashes the runs named (all cached without names), then syncs those found damaged: the new
 * install sets the damaged files aside under .damaged/ (store.h). Without --source, each run
 * from where its damaged artifacts came: GitHub, or the GCS backup. */
static int repair(struct cli *cli)
{
    struct imx_err err = IMX_ERR_INIT;
    struct imx_diag diag = {msg_diag, cli, 0};
    struct store store;
    struct repair r;
    struct verify_stats st;
    unsigned long long *ids = xcalloc(cli->nids ? cli->nids : 1, sizeof(*ids));
    size_t nruns;
    int status, rc;

    memset(&r, 0, sizeof(r));
    r.store = &store;
    for (size_t i = 0; i < cli->nids; i++)
        ids[i] = strtoull(cli->ids[i], NULL, 10);
    rc = store_open(&store, cli_cache_dir(cli), &err);
    if (rc == 0) {
        struct out o;
        memset(&o, 0, sizeof(o));
        o.cli = cli;
        rc = store_lock(&store, !cli->no_wait, on_waiting, &o, &err);
        if (rc == 0)
            rc = verify_cache(store.cache, ids, cli->nids, 1, mark_damaged, &r, &st, &diag, &err);
        store_close(&store);
    }
    free(ids);
    nruns = r.github.n + r.gcs.n;
    if (rc < 0 || r.failed) {
        msg_error("%s", rc < 0 ? err.msg : r.err.msg);
        status = exit_for(rc < 0 ? err.code : r.err.code);
        goto out;
    }
    if (!cli->quiet)
        fprintf(stderr,
                "Repair: %lu run%s re-hashed, %lu stored files (%.1f MB): %lu damaged in %lu "
                "artifact%s of %zu run%s%s\n",
                st.runs, st.runs == 1 ? "" : "s", st.files, (double)st.bytes / (1 << 20),
                st.damaged, r.arts, r.arts == 1 ? "" : "s", nruns, nruns == 1 ? "" : "s",
                st.unexpected ? "; unexpected files are left as they are (imx verify lists them)"
                              : "");
    status = st.runs_missing || st.bad_manifest ? EXIT_PARTIAL : EXIT_OK;
    if (cli->source) {
        /* one source asked for: every damaged run from it */
        for (size_t i = 0; i < r.gcs.n; i++)
            idlist_add(&r.github, strtoull(r.gcs.v[i], NULL, 10));
        status = cli_worse_status(status, repair_sync(cli, &r.github, NULL));
    } else {
        status = cli_worse_status(status, repair_sync(cli, &r.github, "github"));
        if (status != EXIT_INTR && status != EXIT_USAGE)
            status = cli_worse_status(status, repair_sync(cli, &r.gcs, "gcs"));
    }
out:
    idlist_release(&r.github);
    idlist_release(&r.gcs);
    return status;
}

int cmd_sync(struct cli *cli)
{
    char **ids = NULL;
    size_t n = 0;
    int status;

    if (cli->repair)
        return repair(cli);
    status = cli_sync_selected(cli, &ids, &n);

    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    return status;
}
