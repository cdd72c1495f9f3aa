/* cmd_sync: `imx sync`, and cli_sync_selected() which `imx extract` calls first unless
 * --offline: fill the cache from GitHub, say per run what happened, sum up. */
#include "cli.h"
#include "source/ghsync.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the callbacks of one sync share. */
struct out {
    const struct cli *cli;
    int live;       /* a progress line may be on screen */
    int line_shown; /* it is now */
    unsigned long runs;
    time_t started;
};

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
    double secs = difftime(time(NULL), o->started);

    if (!o->live)
        return;
    fprintf(stderr, "\r\033[Kruns %lu/%lu, %lu artifacts, %.1f MB", done, o->runs, st->artifacts,
            (double)st->bytes / (1 << 20));
    if (secs >= 1)
        fprintf(stderr, ", %.1f MB/s", (double)st->bytes / (1 << 20) / secs);
    o->line_shown = 1;
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

static void utc(char *out, size_t n, long long epoch)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void summary(const struct cli *cli, const struct ghsync_stats *st)
{
    if (cli->quiet)
        return;
    fprintf(stderr, "Runs: %lu selected, %lu downloaded or updated, %lu already cached", st->runs,
            st->runs_synced, st->runs_cached);
    if (st->runs_failed)
        fprintf(stderr, ", %lu incomplete", st->runs_failed);
    fprintf(stderr, "\nArtifacts: %lu downloaded (%.1f MB), %lu cached", st->artifacts,
            (double)st->bytes / (1 << 20), st->artifacts_cached);
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

int cli_sync_selected(struct cli *cli, char ***ids, size_t *nids)
{
    struct ghsync_opts o;
    struct ghsync_stats st;
    struct imx_err err = IMX_ERR_INIT;
    struct out out;
    struct imx_diag diag;
    const char *tsrc = NULL;
    char *token, *created = NULL;
    const char *nc = getenv("NO_COLOR");
    int r, status;

    *ids = NULL;
    *nids = 0;
    if (cli->source && strcmp(cli->source, "github")) {
        msg_error("--source %s: this build syncs from GitHub only", cli->source);
        return EXIT_USAGE;
    }
    if (gh_created_filter(cli->since, cli->until, &created) < 0) {
        msg_error("--since and --until take dates as YYYY-MM-DD");
        return EXIT_USAGE;
    }
    free(created);
    memset(&out, 0, sizeof(out));
    out.cli = cli;
    out.live = !cli->quiet && isatty(STDERR_FILENO) && !(nc && *nc);
    out.started = time(NULL);
    out.runs = cli->nids                 ? cli->nids
               : cli->collect_recent > 0 ? (unsigned long)cli->collect_recent
                                         : 1;
    diag.fn = warn_diag;
    diag.ud = &out;
    diag.nwarn = 0;
    token = gh_token_find(api_url(cli), &tsrc);
    memset(&o, 0, sizeof(o));
    o.cache = cli_cache_dir(cli);
    o.api_url = api_url(cli);
    o.repo = cli->repo;
    o.workflow = cli->workflow;
    o.branch = cli->branch;
    o.event = cli->event;
    o.since = cli->since;
    o.until = cli->until;
    o.artifact = cli->artifact;
    o.ids = cli->ids;
    o.nids = cli->nids;
    o.recent = cli->collect_recent;
    o.token = token;
    o.jobs = (int)cli->jobs;
    o.max_wait = cli->max_wait;
    o.no_wait = cli->no_wait;
    /* tests shorten the stall timeout and the retry delays */
    o.stall_seconds = env_long("IMX_STALL_TIMEOUT");
    o.backoff_ms = env_long("IMX_RETRY_DELAY_MS");
    o.diag = &diag;
    o.note = on_note;
    o.note_ud = &out;
    if (cli->verbose) {
        o.log = on_log;
        o.log_ud = &out;
        o.log_headers = cli->verbose > 1;
    }
    o.waiting = on_waiting;
    o.waiting_ud = &out;
    o.progress = on_progress;
    o.progress_ud = &out;
    o.interrupted = cli_interrupted;
    if (cli->verbose && !cli->quiet)
        fprintf(stderr, "imx: GitHub API %s, repository %s, workflow %s, token %s\n", o.api_url,
                o.repo ? o.repo : GH_DEFAULT_REPO, o.workflow ? o.workflow : GH_DEFAULT_WORKFLOW,
                tsrc ? tsrc : "none");
    r = ghsync_run(&o, &st, ids, nids, &err);
    if (token) {
        memset(token, 0, strlen(token));
        free(token);
    }
    clear_line(&out);
    if (r < 0) {
        summary(cli, &st);
        msg_error("%s", err.msg);
        return exit_for(err.code);
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
    else if (st.runs_failed < st.runs)
        status = EXIT_PARTIAL;
    else
        status = EXIT_NET;
    if (st.runs == 0 && !cli->quiet)
        fprintf(stderr, "imx: no successful run matches the selection\n");
    return status;
}

int cmd_sync(struct cli *cli)
{
    char **ids = NULL;
    size_t n = 0;
    int status = cli_sync_selected(cli, &ids, &n);

    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    return status;
}
