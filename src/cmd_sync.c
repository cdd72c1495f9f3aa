/* cmd_sync: `imx sync`, and cli_sync_selected() which `imx extract` calls first unless
 * --offline: one environment for the command (the cache locked, one HTTP client, the token
 * looked for when first wanted), the sources of the list run in it, each with the same
 * progress, per-run and summary lines. */
#include "cli.h"
#include "cache/apifiles.h"
#include "cache/store.h"
#include "cache/verify.h"
#include "source/gcs.h"
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

/* What the callbacks of one command's sources share. */
struct out {
    const struct cli *cli;
    const struct source_env *env;
    const char *label; /* the source running */
    int live;          /* a progress line may be on screen */
    int line_shown;    /* it is now */
    unsigned long asked;
    struct timespec started;  /* CLOCK_MONOTONIC: rates of sub-second syncs too */
    struct http_stats before; /* the client's counts when the source started */
};

/* The environment of one command: what every source shares. */
struct sync_ctx {
    struct out out;
    struct imx_diag diag;
    struct http_client *http;
    struct store store;
    int store_open;
    struct source_sel sel;
    struct source_where where;
    struct source_env env;
};

static double elapsed(const struct out *o)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - o->started.tv_sec) +
           (double)(now.tv_nsec - o->started.tv_nsec) / 1e9;
}

static void clear_line(struct out *o)
{
    if (o->line_shown) {
        msg_progress(NULL);
        o->line_shown = 0;
    }
}

static void on_note(void *ud, const char *line)
{
    struct out *o = ud;
    if (o->cli->quiet)
        return;
    clear_line(o);
    msg_line("%s", line);
}

static void on_log(void *ud, const char *line)
{
    struct out *o = ud;
    clear_line(o);
    msg_line("imx: %s", line);
}

static void on_waiting(void *ud)
{
    struct out *o = ud;
    clear_line(o);
    msg_line("imx: another imx is writing to the cache '%s': waiting for it "
             "(--no-wait fails instead)",
             cli_cache_dir(o->cli));
}

static void warn_diag(void *ud, int code, const char *msg)
{
    struct out *o = ud;
    (void)code;
    clear_line(o);
    msg_warn("%s", msg);
}

/* The progress line of every source, written whole so that nothing else lands inside it:
 * "GitHub: runs 2/3, 4 artifacts, 9 requests, 18.1 KB, 12.0 KB/s, ETA 1s". */
static void on_progress(void *ud)
{
    struct out *o = ud;
    const struct source_stats *st = &o->env->st;
    const struct http_stats *hs = o->env->http ? http_client_stats(o->env->http) : NULL;
    unsigned long long bytes = hs ? hs->bytes - o->before.bytes : st->bytes;
    /* the selection's size once known, else what the command line asked for */
    unsigned long total = st->runs ? st->runs : o->asked, done = st->runs_done;
    struct buf b = BUF_INIT_MAX(BUF_NAME_MAX);
    double secs = elapsed(o);
    char size[32], rate[32];

    if (!o->live)
        return;
    units_bytes(bytes, size, sizeof(size));
    buf_addf(&b, "%s: runs %lu", o->label, done);
    if (total)
        buf_addf(&b, "/%lu", total);
    buf_addf(&b, ", %lu artifacts", st->artifacts);
    if (hs)
        buf_addf(&b, ", %lu requests", hs->requests - o->before.requests);
    buf_addf(&b, ", %s", size);
    if (secs >= 0.25) {
        /* once a rate means something (a quarter of a second of data) */
        units_rate((double)bytes / secs, rate, sizeof(rate));
        buf_addf(&b, ", %s", rate);
    }
    if (total && done && done < total && secs >= 1) {
        /* runs are what the total counts: the time per run so far, for the rest */
        units_duration(secs * (double)(total - done) / (double)done, rate, sizeof(rate));
        buf_addf(&b, ", ETA %s", rate);
    }
    msg_progress(b.p);
    o->line_shown = 1;
    buf_release(&b);
}

static void on_http_progress(void *ud, const struct http_stats *st)
{
    (void)st;
    on_progress(ud);
}

/* A live progress line only for a person watching a terminal that can redraw a line. */
static int live_output(const struct cli *cli)
{
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    return !cli->quiet && !cli->no_progress && isatty(STDERR_FILENO) && !(nc && *nc) &&
           !(term && !strcmp(term, "dumb"));
}

static long env_long(const char *name)
{
    const char *v = getenv(name);
    long x = v ? strtol(v, NULL, 10) : 0;
    return x > 0 ? x : 0;
}

static const char *env_or(const char *opt, const char *env, const char *dflt)
{
    const char *v = getenv(env);
    if (opt)
        return opt;
    return v && *v ? v : dflt;
}

static struct source_token *cli_token(struct cli *cli)
{
    if (!cli->token)
        cli->token = xcalloc(1, sizeof(*cli->token));
    return cli->token;
}

void cli_token_release(struct cli *cli)
{
    if (cli->token)
        source_token_release(cli->token);
    free(cli->token);
    cli->token = NULL;
}

static void ctx_close(struct sync_ctx *x)
{
    http_client_free(x->http);
    if (x->store_open)
        store_close(&x->store);
    for (size_t i = 0; i < x->env.nruns_out; i++)
        free(x->env.runs_out[i]);
    free(x->env.runs_out);
    memset(x, 0, sizeof(*x));
}

/* The command's environment as the command line says it: the cache opened (and locked when
 * lock), no HTTP client yet (ctx_use makes one for the first network source). */
static int ctx_open(struct sync_ctx *x, struct cli *cli, int lock)
{
    struct imx_err err = IMX_ERR_INIT;

    memset(x, 0, sizeof(*x));
    x->out.cli = cli;
    x->out.env = &x->env;
    x->out.live = live_output(cli);
    /* --since/--until alone: the count is known once listed */
    x->out.asked = cli->nids                  ? cli->nids
                   : cli->collect_recent > 0  ? (unsigned long)cli->collect_recent
                   : cli->since || cli->until ? 0
                                              : 1;
    x->diag.fn = warn_diag;
    x->diag.ud = &x->out;
    x->sel.ids = cli->ids;
    x->sel.nids = cli->nids;
    x->sel.recent = cli->collect_recent > 0 ? cli->collect_recent : 0;
    x->sel.since = cli->since;
    x->sel.until = cli->until;
    x->sel.event = cli->event;
    x->sel.branch = cli->branch;
    x->sel.artifact = cli->artifact;
    x->sel.from = cli->from;
    x->sel.run = cli->run;
    x->where.github_api = env_or(cli->github_url, "GITHUB_API_URL", GH_DEFAULT_API);
    x->where.repo = cli->repo ? cli->repo : GH_DEFAULT_REPO;
    x->where.workflow = cli->workflow ? cli->workflow : GH_DEFAULT_WORKFLOW;
    x->where.gcs_url = env_or(cli->gcs_url, "IMX_GCS_URL", GCS_DEFAULT_URL);
    x->where.bucket = cli->bucket;
    x->where.infx_url = env_or(cli->inferencex_url, "IMX_INFERENCEX_URL", INFX_DEFAULT_URL);
    x->where.model = cli->model && strcmp(cli->model, "all") ? cli->model : NULL;
    x->where.refresh = cli->refresh;
    x->env.cache = cli_cache_dir(cli);
    x->env.sel = &x->sel;
    x->env.where = &x->where;
    x->env.diag = &x->diag;
    x->env.note = on_note;
    x->env.note_ud = &x->out;
    x->env.progress = on_progress;
    x->env.progress_ud = &x->out;
    if (cli->verbose) {
        x->env.log = on_log;
        x->env.log_ud = &x->out;
    }
    x->env.interrupted = cli_interrupted;
    x->env.token = cli_token(cli);
    if (store_open(&x->store, x->env.cache, &err) < 0 ||
        (x->store_open = 1,
         lock && store_lock(&x->store, !cli->no_wait, on_waiting, &x->out, &err) < 0)) {
        msg_error("%s", err.msg);
        ctx_close(x);
        return exit_for(err.code);
    }
    x->env.store = &x->store;
    return EXIT_OK;
}

/* Readies the environment for src: fresh statistics, the HTTP client (made once, tuned to the
 * source's limits) unless the source is local. */
static int ctx_use(struct sync_ctx *x, const struct imx_source *src)
{
    const struct cli *cli = x->out.cli;
    const struct source_limits *lim = &src->limits;
    long test_timeout = env_long("IMX_REQUEST_TIMEOUT");
    int jobs = (int)cli->jobs;

    for (size_t i = 0; i < x->env.nruns_out; i++)
        free(x->env.runs_out[i]);
    free(x->env.runs_out);
    x->env.runs_out = NULL;
    x->env.nruns_out = 0;
    memset(&x->env.st, 0, sizeof(x->env.st));
    x->env.limits = lim;
    x->env.http = NULL;
    x->out.label = src->label;
    clock_gettime(CLOCK_MONOTONIC, &x->out.started);
    if (src->flags & SOURCE_LOCAL)
        return EXIT_OK;
    if (!x->http) {
        struct imx_err err = IMX_ERR_INIT;
        struct http_opts ho;
        memset(&ho, 0, sizeof(ho));
        ho.user_agent = "imx/" IMX_VERSION;
        ho.max_wait = cli->max_wait;
        /* tests shorten the stall timeout and the retry delays */
        ho.stall_seconds = env_long("IMX_STALL_TIMEOUT");
        ho.min_rate = env_long("IMX_MIN_RATE");
        ho.backoff_ms = env_long("IMX_RETRY_DELAY_MS");
        if (cli->verbose) {
            ho.log = on_log;
            ho.log_ud = &x->out;
            ho.log_headers = cli->verbose > 1;
        }
        ho.progress = on_http_progress;
        ho.progress_ud = &x->out;
        if (http_client_new(&x->http, &ho, &err) < 0) {
            msg_error("%s", err.msg);
            return exit_for(err.code);
        }
    }
    if (lim->max_jobs > 0 && (jobs <= 0 || jobs > lim->max_jobs))
        jobs = (int)lim->max_jobs;
    /* IMX_REQUEST_TIMEOUT bounds every request (the tests shorten it); else the source's own
     * limit, else the HTTP layer's deadline */
    http_client_tune(x->http, jobs, test_timeout > 0 ? test_timeout : lim->timeout_seconds,
                     lim->attempts);
    x->out.before = *http_client_stats(x->http);
    x->env.http = x->http;
    return EXIT_OK;
}

static void utc(char *out, size_t n, long long epoch)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* The one summary line of every source. */
static void summary(const struct cli *cli, const char *label, const struct source_stats *st)
{
    struct buf b = BUF_INIT_MAX(BUF_MSG_MAX);
    char size[32];

    if (cli->quiet)
        return;
    units_bytes(st->bytes, size, sizeof(size));
    buf_addf(&b,
             "%s: %lu run%s (%lu updated, %lu cached, %lu incomplete), %lu artifact%s stored (%s)",
             label, st->runs, st->runs == 1 ? "" : "s", st->runs_synced, st->runs_cached,
             st->runs_failed, st->artifacts, st->artifacts == 1 ? "" : "s", size);
    if (st->rows)
        buf_addf(&b, " with %lu rows", st->rows);
    buf_addf(&b, ", %lu cached, %lu failed, %lu skipped", st->artifacts_cached,
             st->artifacts_failed, st->artifacts_skipped);
    if (st->artifacts_superseded)
        buf_addf(&b, ", %lu superseded by a re-run (kept under .superseded/)",
                 st->artifacts_superseded);
    if (st->artifacts_expired)
        buf_addf(&b, ", %lu expired", st->artifacts_expired);
    if (st->dates)
        buf_addf(&b, "; %lu date folder%s (%lu listed now)", st->dates, st->dates == 1 ? "" : "s",
                 st->dates_listed);
    if (st->requests) {
        buf_addf(&b, "; %lu request%s", st->requests, st->requests == 1 ? "" : "s");
        if (st->not_modified)
            buf_addf(&b, " (%lu answered 304 Not Modified)", st->not_modified);
    }
    msg_line("%s", b.p);
    buf_release(&b);
    if (st->artifacts_expired)
        msg_line("Expired: %lu artifact%s: GitHub deletes artifacts after 90 days; their data now "
                 "exists only in caches such as this one",
                 st->artifacts_expired, st->artifacts_expired == 1 ? "" : "s");
}

/* What a source's statistics say, after its summary: the messages and the exit status. */
static int outcome(const struct cli *cli, const struct imx_source *src,
                   const struct source_stats *st)
{
    if (st->artifacts_no_token)
        msg_error("%lu artifact%s not downloaded: GitHub requires a token to download artifacts, "
                  "even of public repositories; set GH_TOKEN (for example "
                  "GH_TOKEN=$(gh auth token)) or log in with 'gh auth login'",
                  st->artifacts_no_token, st->artifacts_no_token == 1 ? "" : "s");
    else if (st->auth_refused)
        msg_error("%s", st->first_error);
    if (st->rate_stopped_until) {
        char when[40];
        utc(when, sizeof(when), st->rate_stopped_until);
        msg_error("stopped by %s's rate limit; the runs completed are kept; try again after %s",
                  src->label, when);
    } else if (st->runs_failed && !st->artifacts_no_token && !st->auth_refused &&
               st->first_error[0]) {
        msg_error("%lu run%s incomplete; first problem: %s", st->runs_failed,
                  st->runs_failed == 1 ? "" : "s", st->first_error);
    }
    if (st->run_objects_failed)
        msg_error("GitHub gave the run object of none of the %lu backup run%s asked for (the "
                  "warnings say why): their run.json stays the backup's; a later sync asks again",
                  st->run_objects_failed, st->run_objects_failed == 1 ? "" : "s");
    if (st->runs == 0 && !st->runs_failed && !cli->quiet)
        msg_line("imx: no successful run matches the selection");
    if (cli_interrupted())
        return EXIT_INTR;
    if (!st->runs_failed && !st->artifacts_failed && !st->run_objects_failed)
        return EXIT_OK;
    if (st->cache_failed)
        return EXIT_FS; /* a full disk is not a server's fault, nor a partial success */
    /* every run a server was asked for failed: the network's fault */
    if (st->runs && st->runs_failed >= st->runs && !(src->flags & SOURCE_LOCAL))
        return EXIT_NET;
    return EXIT_PARTIAL;
}

/* Runs one source in the command's environment: its summary, its status. quiet: no per-run
 * lines, no summary (the caller says in one line what happened). */
static int run_source(struct sync_ctx *x, const struct imx_source *src, int quiet)
{
    const struct cli *cli = x->out.cli;
    struct imx_err err = IMX_ERR_INIT;
    const struct http_stats *hs;
    int r, status = ctx_use(x, src);

    if (status != EXIT_OK)
        return status;
    if (src == &source_github && cli->verbose && !cli->quiet) {
        struct buf u = BUF_INIT;
        http_url_strip_userinfo(&u, x->where.github_api);
        msg_line("imx: GitHub API %s, repository %s, workflow %s", u.p, x->where.repo,
                 x->where.workflow);
        buf_release(&u);
    }
    x->env.note = quiet ? NULL : on_note;
    x->out.live = quiet ? 0 : live_output(cli);
    r = src->sync(&x->env, &err);
    clear_line(&x->out);
    if (x->env.http) {
        hs = http_client_stats(x->env.http);
        x->env.st.requests = hs->requests - x->out.before.requests;
        x->env.st.not_modified = hs->not_modified - x->out.before.not_modified;
    }
    if (quiet && r == 0)
        return cli_interrupted() ? EXIT_INTR : x->env.st.cache_failed ? EXIT_FS : EXIT_OK;
    if (r != -IMX_EUSAGE)
        summary(cli, src->label, &x->env.st);
    if (r < 0) {
        msg_error("%s", err.msg);
        /* a server's answer that is not JSON (an HTML page, a cut body) is the server failing,
         * not data missing: 3, as for GitHub, whatever the source */
        if (err.code == IMX_EPARSE && !(src->flags & SOURCE_LOCAL))
            return EXIT_NET;
        return exit_for(err.code);
    }
    return outcome(cli, src, &x->env.st);
}

/* ---- `imx runs`: the sources' selections, without the lock ------------------------------- */

/* ---- no token: GitHub lists, the backup (else the API) serves ------------------------------- */

/* Of ids, those whose run the cache does not hold complete (malloc'ed array of borrowed ids). */
static char **incomplete(struct store *s, char **ids, size_t n, size_t *nout)
{
    struct imx_err err = IMX_ERR_INIT;
    char **out = xcalloc(n ? n : 1, sizeof(*out));

    *nout = 0;
    for (size_t i = 0; i < n; i++) {
        struct manifest m;
        int have = store_manifest_load(s, strtoull(ids[i], NULL, 10), &m, &err);
        if (!(have > 0 && m.complete))
            out[(*nout)++] = ids[i];
        if (have >= 0)
            manifest_release(&m);
        imx_err_clear(&err);
    }
    return out;
}

/*
 * The default source when no token is at hand: GitHub lists the runs (that needs none), the
 * public backup serves their artifacts, the InferenceX API the rows of runs the backup lacks,
 * and one line says what a token would add.
 */
static int sync_without_token(struct sync_ctx *x)
{
    const struct cli *cli = x->out.cli;
    unsigned long listed, from_api = 0;
    size_t nwant = 0, nleft = 0, nbackup;
    char **want, **left = NULL, **ids;
    int st = run_source(x, &source_github, 1), st2, failed = 0;

    if (st != EXIT_OK)
        return st;
    listed = x->env.st.runs;
    if (!cli->quiet)
        msg_line("GitHub: %lu run%s listed (no token: the artifacts come from the public backup)",
                 listed, listed == 1 ? "" : "s");
    if (!x->env.nruns_out) {
        if (!cli->quiet)
            msg_line("imx: no successful run matches the selection");
        return EXIT_OK;
    }
    /* the listing's runs (kept for the caller), each from the backup, else the API */
    ids = x->env.runs_out;
    x->env.runs_out = NULL;
    x->env.nruns_out = 0;
    want = incomplete(&x->store, ids, listed, &nwant);
    x->sel.recent = 0;
    x->sel.since = x->sel.until = NULL;
    x->sel.ids = want;
    x->sel.nids = nwant;
    if (nwant) {
        st2 = run_source(x, &source_gcs, 0);
        if (st2 == EXIT_INTR || st2 == EXIT_FS)
            goto out;
        failed = st2 == EXIT_NET;
        left = incomplete(&x->store, want, nwant, &nleft);
    }
    nbackup = nwant - nleft;
    if (nleft) {
        x->sel.ids = left;
        x->sel.nids = nleft;
        st2 = run_source(x, &source_api, 0);
        from_api = x->env.st.runs;
        if (st2 == EXIT_INTR || st2 == EXIT_FS)
            goto out;
        failed |= st2 == EXIT_NET;
    }
    if (!cli->quiet || nleft > from_api)
        msg_line("imx: no GitHub token: %zu run%s from the public backup, %lu from the InferenceX "
                 "API's rows, %zu missing; with a token (GH_TOKEN, or 'gh auth login') imx "
                 "downloads artifacts from GitHub itself, runs not yet backed up included",
                 nbackup, nbackup == 1 ? "" : "s", from_api,
                 nleft > from_api ? nleft - from_api : 0);
    /* as for a token sync: no run fetched because a server failed is 3, runs the sources lack
     * or some fetched is 1 */
    if (nleft <= from_api)
        st2 = EXIT_OK;
    else if (failed && !nbackup && !from_api)
        st2 = EXIT_NET;
    else
        st2 = EXIT_PARTIAL;
out:
    free(want);
    free(left);
    x->env.runs_out = ids;
    x->env.nruns_out = listed;
    return st2;
}

/* ---- the source list ----------------------------------------------------------------------- */

/* Every source, in the order `--source all` runs them (all: those that need no --from), as
 * IMX_SOURCES of lib/source/source.h lists them. */
#define SOURCE_ENTRY(name) &source_##name,
static const struct imx_source *const sources[] = {IMX_SOURCES(SOURCE_ENTRY)};
#define NSOURCES (sizeof(sources) / sizeof(sources[0]))

/* The sources SPEC names, in its order (all: in the list's), at most NSOURCES; -1 if unknown. */
static int sources_of(const char *spec, const struct imx_source **out)
{
    size_t n = 0;

    while (*spec) {
        size_t len = strcspn(spec, ",");
        int found = 0;
        for (size_t i = 0; i < NSOURCES; i++) {
            int all = len == 3 && !strncmp(spec, "all", 3);
            if (!(all ? !(sources[i]->flags & SOURCE_NEEDS_FROM)
                      : strlen(sources[i]->name) == len && !strncmp(spec, sources[i]->name, len)))
                continue;
            found = 1;
            for (size_t k = 0; k < n && found < 2; k++)
                found += out[k] == sources[i];
            if (found == 1 && n < NSOURCES)
                out[n++] = sources[i];
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
    const struct imx_source *list[NSOURCES];

    *known = "expected github, gcs, api, dir, all, or a comma list of them";
    return sources_of(spec, list) < 0 ? -1 : 0;
}

int cli_source_named(const char *spec, const char *name)
{
    const struct imx_source *list[NSOURCES];
    int n = sources_of(spec, list);

    for (int i = 0; i < n; i++)
        if (!strcmp(list[i]->name, name))
            return 1;
    return 0;
}

int cli_list_source(struct cli *cli, const char *name, long recent, struct source_listed **runs,
                    size_t *n)
{
    const struct imx_source *src[NSOURCES];
    struct sync_ctx x;
    struct imx_err err = IMX_ERR_INIT;
    int r = -1;

    *runs = NULL;
    *n = 0;
    if (sources_of(name, src) != 1 || !src[0]->list)
        return EXIT_OK;
    /* the cache open (the listings keep their state there) but not locked */
    if (ctx_open(&x, cli, 0) != EXIT_OK)
        return EXIT_PARTIAL;
    if (ctx_use(&x, src[0]) == EXIT_OK) {
        x.env.note = NULL;
        x.sel.recent = recent;
        r = src[0]->list(&x.env, runs, n, &err);
        clear_line(&x.out);
        if (r < 0)
            msg_error("%s: %s (showing the cache only)", src[0]->label, err.msg);
    }
    ctx_close(&x);
    return r ? EXIT_PARTIAL : EXIT_OK;
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

int cli_sync_selected(struct cli *cli, char ***ids, size_t *nids)
{
    const struct imx_source *list[NSOURCES];
    int n = sources_of(cli->source ? cli->source : "github", list), st = EXIT_OK, reads = 0;
    struct sync_ctx x;

    *ids = NULL;
    *nids = 0;
    if (n < 0) {
        msg_error("invalid value '%s' for --source", cli->source);
        return EXIT_USAGE;
    }
    for (int i = 0; i < n; i++) {
        if ((list[i]->flags & SOURCE_NEEDS_FROM) && !cli->from) {
            msg_error("--source %s needs --from PATH", list[i]->name);
            return EXIT_USAGE;
        }
        reads |= (list[i]->flags & SOURCE_NEEDS_FROM) != 0;
    }
    if ((cli->from || cli->run) && !reads) {
        msg_error("--from and --run are for --source dir");
        return EXIT_USAGE;
    }
    if ((st = ctx_open(&x, cli, 1)) != EXIT_OK)
        return st;
    if (!cli->source && !source_token(&x.env)) {
        /* the default without a token: a chain of sources rather than one */
        st = sync_without_token(&x);
    } else if (n == 1) {
        st = run_source(&x, list[0], 0);
    } else {
        /* several: each for what the ones before it could not give; a server's failure is
         * then only an incomplete result (the next source may have had the runs) */
        for (int i = 0; i < n; i++) {
            int s = run_source(&x, list[i], 0);
            if (s == EXIT_USAGE || s == EXIT_INTR) {
                st = s;
                break;
            }
            st = cli_worse_status(st, s == EXIT_NET ? EXIT_PARTIAL : s);
        }
    }
    /* the selection GitHub resolved when it ran alone; else only named runs narrow what
     * extract reads (the later sources may add runs the first no longer lists) */
    if (n == 1 && list[0] == &source_github && x.env.runs_out) {
        *ids = x.env.runs_out;
        *nids = x.env.nruns_out;
        x.env.runs_out = NULL;
        x.env.nruns_out = 0;
    } else {
        named_ids(cli, ids, nids);
    }
    ctx_close(&x);
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
    struct buf b = BUF_INIT_MAX(BUF_NUM_MAX);

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
    struct idlist api;         /* runs with damaged InferenceX API documents */
    unsigned long arts;
    int quiet;
    int failed; /* a manifest could not be saved */
    struct imx_err err;
};

/* A re-hashed run: its damaged artifacts are recorded as such, so the sync fetches them. */
static void mark_damaged(void *ud, unsigned long long run_id, const struct run_check *c,
                         struct manifest *m)
{
    struct repair *r = ud;
    size_t k = 0, backup = 0, docs = 0, api = 0;

    for (size_t i = 0; i < c->n; i++)
        api += c->v[i].kind == DAMAGE_UNREADABLE;
    for (size_t i = 0; i < m->n; i++) {
        const struct manifest_art *a = &m->arts[i];
        if (a->state != ART_COMPLETE || !a->damaged)
            continue;
        k++;
        if (a->id == STORE_DOCS_ID && a->source && !strcmp(a->source, "api"))
            docs++; /* the API's documents, recorded as the files of one entry */
        else
            backup += a->source && !strcmp(a->source, "gcs");
    }
    if (api || docs)
        idlist_add(&r->api, run_id); /* fetched again from the API by the run's sync */
    if (!k)
        return;
    if (k > docs)
        m->complete = 0; /* the documents alone: the artifacts stored stay complete */
    if (store_manifest_save(r->store, m, &r->err) < 0) {
        r->failed = 1;
        return;
    }
    r->arts += k;
    if (k > docs)
        idlist_add(backup ? &r->gcs : &r->github, run_id);
}

/* A run re-hashed after its sync: the API's documents still damaged were not served again or
 * are not read (the run's artifacts win): set aside, no longer recorded, so verify is clean. */
static void drop_docs(void *ud, unsigned long long run_id, const struct run_check *c,
                      struct manifest *m)
{
    struct repair *r = ud;
    char **rels = xcalloc(c->n ? c->n : 1, sizeof(*rels));
    size_t n = 0;

    (void)m;
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].kind != DAMAGE_UNEXPECTED && !c->v[i].kept &&
            !strncmp(c->v[i].path, APIFILES_DIR "/", strlen(APIFILES_DIR) + 1))
            rels[n++] = c->v[i].path;
    if (n && store_drop_docs(r->store, run_id, rels, n, &r->err) < 0)
        r->failed = 1;
    else if (n && !r->quiet)
        msg_line("run %llu: %zu damaged API document%s not fetched again (no longer served, or "
                 "the run's artifacts are read instead): set aside under .damaged/, no longer "
                 "recorded",
                 run_id, n, n == 1 ? "" : "s");
    free(rels);
}

/* Re-hashes the runs of ids (every cached run when n is 0) under the cache lock, fn told of
 * each. */
static int rehash(struct cli *cli, struct store *store, const unsigned long long *ids, size_t n,
                  verify_fn fn, struct repair *r, struct verify_stats *st, struct imx_err *err)
{
    struct imx_diag diag = {msg_diag, cli, 0};
    struct out o;
    int rc = store_open(store, cli_cache_dir(cli), err);

    if (rc < 0)
        return rc;
    memset(&o, 0, sizeof(o));
    o.cli = cli;
    rc = store_lock(store, !cli->no_wait, on_waiting, &o, err);
    if (rc == 0)
        rc = verify_cache(store->cache, ids, n, 1, fn, r, st, &diag, err);
    store_close(store);
    return rc;
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
 * from where its damaged artifacts came: GitHub, or the GCS backup. The API's documents still
 * damaged after that are set aside and forgotten (drop_docs). */
static int repair(struct cli *cli)
{
    struct imx_err err = IMX_ERR_INIT;
    struct store store;
    struct repair r;
    struct verify_stats st;
    unsigned long long *ids = xcalloc(cli->nids ? cli->nids : 1, sizeof(*ids));
    size_t nruns;
    int status, rc;

    memset(&r, 0, sizeof(r));
    r.store = &store;
    r.quiet = cli->quiet;
    for (size_t i = 0; i < cli->nids; i++)
        ids[i] = strtoull(cli->ids[i], NULL, 10);
    rc = rehash(cli, &store, ids, cli->nids, mark_damaged, &r, &st, &err);
    nruns = r.github.n + r.gcs.n + r.api.n;
    if (rc < 0 || r.failed) {
        msg_error("%s", rc < 0 ? err.msg : r.err.msg);
        status = exit_for(rc < 0 ? err.code : r.err.code);
        goto out;
    }
    if (!cli->quiet)
        msg_line("Repair: %lu run%s re-hashed, %lu stored files (%.1f MB): %lu damaged in %lu "
                 "artifact%s of %zu run%s%s",
                 st.runs, st.runs == 1 ? "" : "s", st.files, (double)st.bytes / (1 << 20),
                 st.damaged, r.arts, r.arts == 1 ? "" : "s", nruns, nruns == 1 ? "" : "s",
                 st.unexpected ? "; unexpected files are left as they are (imx verify lists them)"
                               : "");
    status = st.runs_missing || st.bad_manifest ? EXIT_PARTIAL : EXIT_OK;
    if (cli->source) {
        /* one source asked for: every damaged run from it */
        for (size_t i = 0; i < r.gcs.n; i++)
            idlist_add(&r.github, strtoull(r.gcs.v[i], NULL, 10));
        for (size_t i = 0; i < r.api.n; i++)
            idlist_add(&r.github, strtoull(r.api.v[i], NULL, 10));
        status = cli_worse_status(status, repair_sync(cli, &r.github, NULL));
    } else {
        status = cli_worse_status(status, repair_sync(cli, &r.github, "github"));
        if (status != EXIT_INTR && status != EXIT_USAGE)
            status = cli_worse_status(status, repair_sync(cli, &r.gcs, "gcs"));
        if (status != EXIT_INTR && status != EXIT_USAGE)
            status = cli_worse_status(status, repair_sync(cli, &r.api, "api"));
    }
    if (r.api.n && status != EXIT_INTR && status != EXIT_USAGE) {
        ids = xrealloc(ids, r.api.n * sizeof(*ids));
        for (size_t i = 0; i < r.api.n; i++)
            ids[i] = strtoull(r.api.v[i], NULL, 10);
        rc = rehash(cli, &store, ids, r.api.n, drop_docs, &r, &st, &err);
        if (rc < 0 || r.failed) {
            msg_error("%s", rc < 0 ? err.msg : r.err.msg);
            status = cli_worse_status(status, exit_for(rc < 0 ? err.code : r.err.code));
        }
    }
out:
    free(ids);
    idlist_release(&r.github);
    idlist_release(&r.gcs);
    idlist_release(&r.api);
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
