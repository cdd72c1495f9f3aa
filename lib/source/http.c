/* http: the libcurl multi loop behind every download of imx (see http.h). One thread; transfers
 * run in parallel up to `jobs`; the connection cache of the multi handle keeps them warm. */
#define _GNU_SOURCE /* strcasestr */
#include "source/http.h"
#include "util/date.h"
#include "util/xalloc.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define RATE_WAITS_MAX 5  /* rate-limit waits of one request before it gives up */
#define SECONDARY_WAIT 60 /* GitHub: wait at least a minute when no header says how long */
#define UNREACHABLE "the host could not be reached: "

struct http_client {
    CURLM *multi;
    struct http_opts o;
    int jobs, attempts; /* as http_client_tune set them */
    long timeout_seconds;
    struct http_req *head, *tail; /* waiting to start */
    struct http_req **act;        /* transfers in progress */
    size_t nact, capact;
    CURL **pool; /* idle easy handles */
    size_t npool, cappool;
    long long hold_until_ms; /* rate-limited requests wait until then */
    long long stopped_until; /* epoch; rate-limited requests fail at once */
    unsigned rnd;
    struct http_stats st;
    /* hosts seen: whether each answered (a later stall there is not an outage), how many of its
     * requests timed out with no response, and whether it is down (d.why set) */
    struct host {
        struct http_host_down d;
        int answered;
        size_t silent;
    } * hosts;
    size_t nhosts, caphosts;
    /* tasks (http_task_submit): todo for the worker, done for the loop; under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct lane {
        struct http_client *c;
        pthread_t thread;
        int state; /* 0: not started, 1: running, -1: could not start (tasks run inline) */
        struct http_task *todo, *todo_tail;
    } lanes[HTTP_TASK_LANES];
    int quit;
    struct http_task *finished, *finished_tail;
    size_t tasks; /* submitted, done() not called yet */
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int http_client_new(struct http_client **out, const struct http_opts *o, struct imx_err *err)
{
    struct http_client *c;

    /* reference-counted by libcurl: one call per client is fine */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return imx_seterr(err, IMX_ENET, "cannot initialise libcurl");
    c = xcalloc(1, sizeof(*c));
    c->o = *o;
    if (c->o.stall_seconds <= 0)
        c->o.stall_seconds = HTTP_STALL_SECONDS;
    if (c->o.min_rate <= 0)
        c->o.min_rate = HTTP_MIN_RATE;
    if (c->o.backoff_ms <= 0)
        c->o.backoff_ms = HTTP_BACKOFF_MS;
    c->multi = curl_multi_init();
    if (!c->multi) {
        free(c);
        return imx_seterr(err, IMX_ENET, "cannot initialise libcurl");
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    http_client_tune(c, 0, 0, 0);
    c->rnd = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
    *out = c;
    return 0;
}

void http_client_free(struct http_client *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->quit = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    for (int i = 0; i < HTTP_TASK_LANES; i++)
        if (c->lanes[i].state == 1)
            pthread_join(c->lanes[i].thread, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    for (size_t i = 0; i < c->nhosts; i++)
        free(c->hosts[i].d.host);
    free(c->hosts);
    for (size_t i = 0; i < c->npool; i++)
        curl_easy_cleanup(c->pool[i]);
    free(c->pool);
    free(c->act);
    curl_multi_cleanup(c->multi);
    free(c);
}

void http_client_tune(struct http_client *c, int jobs, long timeout_seconds, int attempts)
{
    c->jobs = jobs < 1 ? HTTP_JOBS_DEFAULT : jobs;
    c->timeout_seconds = timeout_seconds <= 0 ? HTTP_DEADLINE : timeout_seconds;
    c->attempts = attempts < 1 ? HTTP_ATTEMPTS_DEFAULT : attempts;
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->jobs);
    curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)c->jobs * 2);
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->jobs * 2);
}

int http_client_jobs(const struct http_client *c)
{
    return c->jobs;
}

const struct http_stats *http_client_stats(const struct http_client *c)
{
    return &c->st;
}

long long http_rate_stopped_until(const struct http_client *c)
{
    return c->stopped_until;
}

static void clear_results(struct http_req *r)
{
    buf_release(&r->body);
    free(r->location);
    free(r->etag);
    free(r->link);
    free(r->content_type);
    free(r->content_disposition);
    r->location = r->etag = r->link = r->content_type = r->content_disposition = NULL;
    r->status = 0;
    r->retry_after = -1;
    r->rl_remaining = -1;
    r->rl_reset = 0;
    r->server_date = 0;
    r->content_length = -1;
    r->received = 0;
    r->code = 0;
    r->msg[0] = '\0';
    r->toobig = 0;
    r->write_errno = 0;
    memset(r->sha256, 0, sizeof(r->sha256));
}

void http_req_init(struct http_req *r, const char *url)
{
    memset(r, 0, sizeof(*r));
    r->url = url;
    clear_results(r); /* the body's cap is set by http_submit */
}

void http_req_release(struct http_req *r)
{
    clear_results(r);
    free(r->host);
    free(r->shown);
    r->host = r->shown = NULL;
    if (r->md)
        EVP_MD_CTX_free(r->md);
    r->md = NULL;
}

int http_req_header(struct http_req *r, const char *header)
{
    for (int i = 0; i < HTTP_HEADERS_MAX; i++) {
        if (!r->headers[i]) {
            r->headers[i] = header;
            r->headers[i + 1] = NULL;
            return 0;
        }
    }
    return -1;
}

void http_url_strip_query(struct buf *out, const char *url)
{
    struct buf t = BUF_INIT_MAX(BUF_MAX_DEFAULT);
    size_t n;

    http_url_strip_userinfo(&t, url);
    n = strcspn(t.p, "?#");
    buf_add(out, t.p, n);
    if (t.p[n] == '?')
        buf_adds(out, "?<query hidden>");
    buf_release(&t);
}

static void set_msg(struct http_req *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_msg(struct http_req *r, int code, const char *fmt, ...)
{
    char m[sizeof(r->msg)]; /* the arguments may include r->msg */
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    memcpy(r->msg, m, sizeof(m));
    r->code = -code;
}

/* ---- the transfer callbacks ------------------------------------------------------------ */

/* The last value of a header of the final answer (none of a 100 Continue), NULL when absent. */
static const char *header(CURL *e, const char *name)
{
    struct curl_header *h;

    if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK ||
        (h->amount > 1 &&
         curl_easy_header(e, name, h->amount - 1, CURLH_HEADER, -1, &h) != CURLHE_OK))
        return NULL;
    return h->value;
}

static char *header_dup(CURL *e, const char *name)
{
    const char *v = header(e, name);
    return v ? xstrdup(v) : NULL;
}

/* A header's non-negative decimal number, or dflt. */
static long long header_ll(CURL *e, const char *name, long long dflt)
{
    const char *v = header(e, name);
    char *end;
    long long x;

    if (!v)
        return dflt;
    errno = 0;
    x = strtoll(v, &end, 10); /* libcurl strips the value's surrounding whitespace */
    return errno || end == v || *end || x < 0 ? dflt : x;
}

/* What the response headers say, into r. */
static void read_headers(struct http_req *r, CURL *e)
{
    long long s = header_ll(e, "retry-after", -1), now = time(NULL);
    const char *v;

    r->etag = header_dup(e, "etag");
    r->link = header_dup(e, "link");
    r->content_type = header_dup(e, "content-type");
    r->content_disposition = header_dup(e, "content-disposition");
    if (s < 0 && (v = header(e, "retry-after"))) {
        /* an HTTP date instead of seconds */
        long long t = curl_getdate(v, NULL);
        s = t > now ? t - now : t >= 0 ? 0 : -1;
    }
    r->retry_after = s > HTTP_RETRY_AFTER_MAX ? HTTP_RETRY_AFTER_MAX : (long)s;
    r->rl_remaining = (long)header_ll(e, "x-ratelimit-remaining", -1);
    r->rl_reset = header_ll(e, "x-ratelimit-reset", 0);
    r->content_length = header_ll(e, "content-length", -1);
    s = (v = header(e, "date")) ? curl_getdate(v, NULL) : -1;
    r->server_date = s > 0 ? s : 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct http_req *r = ud;
    size_t n = size * nmemb;
    size_t max = r->max_body ? r->max_body : HTTP_BODY_DEFAULT;

    if (r->toobig || n > max || r->received > max - n) {
        r->toobig = 1;
        return 0; /* makes libcurl fail with CURLE_WRITE_ERROR */
    }
    if (r->fp) {
        if (fwrite(data, 1, n, r->fp) != n) {
            r->write_errno = errno ? errno : EIO;
            return 0; /* CURLE_WRITE_ERROR */
        }
    } else if (buf_add(&r->body, data, n) < 0) {
        r->toobig = 1;
        return 0;
    }
    if (r->md)
        EVP_DigestUpdate(r->md, data, n);
    r->received += n;
    return n;
}

/* ---- hosts that cannot be reached ------------------------------------------------------ */

char *http_host_key(const char *url)
{
    CURLU *u = curl_url();
    char *sch = NULL, *host = NULL, *port = NULL, *out = NULL;

    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &sch, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        struct buf b = BUF_INIT_MAX(BUF_TEXT_MAX);
        buf_addf(&b, "%s://%s:%s", sch, host, port);
        out = buf_detach(&b, NULL);
    }
    curl_free(sch);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

/* The record of a host (made at first sight), NULL for a URL that does not parse. */
static struct host *host_of(struct http_client *c, const char *key)
{
    for (size_t i = 0; key && i < c->nhosts; i++)
        if (!strcmp(c->hosts[i].d.host, key))
            return &c->hosts[i];
    if (!key)
        return NULL;
    ALLOC_GROW(c->hosts, c->nhosts + 1, c->caphosts);
    memset(&c->hosts[c->nhosts], 0, sizeof(c->hosts[0]));
    c->hosts[c->nhosts].d.host = xstrdup(key);
    return &c->hosts[c->nhosts++];
}

/* The record of a host marked down, by key. */
static const struct http_host_down *down_of(struct http_client *c, const char *key)
{
    const struct host *h = host_of(c, key);
    return h && h->d.why[0] ? &h->d : NULL;
}

const struct http_host_down *http_host_down(struct http_client *c, const char *url)
{
    char *k = http_host_key(url);
    const struct http_host_down *d = down_of(c, k);

    free(k);
    return d;
}

/* A failure that says the host cannot be reached at all: no name, no connection, or (from a
 * host that never answered anything) a second request on which nothing came back. One stall
 * may be a slow answer, and a host that answered before is only slow: those are retried. */
static int unreachable(struct http_client *c, CURLcode rc, const struct http_req *r)
{
    struct host *h;

    if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
        rc == CURLE_COULDNT_CONNECT)
        return 1;
    if (rc != CURLE_OPERATION_TIMEDOUT || r->status || r->received || !(h = host_of(c, r->host)))
        return 0;
    return !h->answered && ++h->silent >= 2;
}

/* ---- starting and finishing transfers ------------------------------------------------- */

/* Takes a transfer out of the multi handle (or one that could not be added); its easy handle
 * goes back to the pool. */
static void detach(struct http_client *c, struct http_req *r)
{
    curl_multi_remove_handle(c->multi, r->easy);
    curl_slist_free_all(r->slist);
    r->slist = NULL;
    ALLOC_GROW(c->pool, c->npool + 1, c->cappool);
    c->pool[c->npool++] = r->easy;
    r->easy = NULL;
    for (size_t i = 0; i < c->nact; i++) {
        if (c->act[i] == r) {
            c->act[i] = c->act[--c->nact];
            break;
        }
    }
}

static void log_line(struct http_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void log_line(struct http_client *c, const char *fmt, ...)
{
    struct buf b = BUF_INIT_MAX(BUF_TEXT_MAX);
    va_list ap;

    if (!c->o.log)
        return;
    va_start(ap, fmt);
    buf_vaddf(&b, fmt, ap);
    va_end(ap);
    c->o.log(c->o.log_ud, b.p);
    buf_release(&b);
}

/* Request headers for the log: names kept, credentials replaced. */
static void log_headers(struct http_client *c, const struct http_req *r)
{
    for (int i = 0; r->headers[i]; i++) {
        const char *h = r->headers[i];
        if (!strncasecmp(h, "authorization:", 14)) {
            const char *v = h + 14 + strspn(h + 14, " ");
            log_line(c, "  > Authorization: %.*s <redacted>", (int)strcspn(v, " "), v);
        } else {
            log_line(c, "  > %s", h);
        }
    }
}

static int start(struct http_client *c, struct http_req *r)
{
    CURL *e;
    struct curl_slist *sl = NULL;

    clear_results(r);
    r->attempt++;
    if (r->fp) {
        /* a retried download starts over */
        fflush(r->fp);
        if (ftruncate(fileno(r->fp), 0) != 0 || fseek(r->fp, 0, SEEK_SET) != 0) {
            set_msg(r, IMX_EIO, "cannot rewind the download file: %s", strerror(errno));
            return -1;
        }
    }
    if (r->hash) {
        if (!r->md)
            r->md = EVP_MD_CTX_new();
        if (!r->md || !EVP_DigestInit_ex(r->md, EVP_sha256(), NULL)) {
            set_msg(r, IMX_EVERIFY, "cannot initialise sha256");
            return -1;
        }
    }
    e = c->npool ? c->pool[--c->npool] : curl_easy_init();
    if (!e) {
        set_msg(r, IMX_ENET, "cannot create a transfer for %s", r->shown);
        return -1;
    }
    curl_easy_reset(e);
    for (int i = 0; r->headers[i]; i++)
        sl = curl_slist_append(sl, r->headers[i]);
    if (r->if_none_match) {
        struct buf h = BUF_INIT_MAX(BUF_TEXT_MAX);
        buf_addf(&h, "If-None-Match: %s", r->if_none_match);
        sl = curl_slist_append(sl, h.p);
        buf_release(&h);
    }
    r->slist = sl;
    r->easy = e;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* redirects are the caller's decision */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_USERAGENT, c->o.user_agent);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, sl);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, HTTP_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, c->o.min_rate);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->o.stall_seconds);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, c->timeout_seconds);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    /* Waiting for a connection that may multiplex pays only where HTTP/2 may be negotiated (TLS):
     * over plain HTTP every request to a new host would wait for the first one's answer. */
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, (long)!strncasecmp(r->url, "https:", 6));
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    if (r->compressed)
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    if (c->o.log_headers)
        log_headers(c, r);
    ALLOC_GROW(c->act, c->nact + 1, c->capact);
    c->act[c->nact++] = r;
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
        detach(c, r);
        set_msg(r, IMX_ENET, "cannot start a transfer for %s", r->shown);
        return -1;
    }
    c->st.requests++;
    return 0;
}

/* Queued behind every request of its priority or higher. */
static void enqueue(struct http_client *c, struct http_req *r)
{
    struct http_req *prev = NULL;

    if (c->tail && c->tail->priority < r->priority)
        for (struct http_req *q = c->head; q && q->priority >= r->priority; q = q->next)
            prev = q;
    else
        prev = c->tail;
    r->next = prev ? prev->next : c->head;
    if (prev)
        prev->next = r;
    else
        c->head = r;
    if (!r->next)
        c->tail = r;
}

void http_submit(struct http_client *c, struct http_req *r)
{
    struct buf u = BUF_INIT_MAX(HTTP_URL_MAX);

    if (r->redact_query)
        http_url_strip_query(&u, r->url);
    else
        http_url_strip_userinfo(&u, r->url);
    free(r->shown);
    r->shown = buf_detach(&u, NULL);
    free(r->host);
    r->host = http_host_key(r->url);
    r->body.max = r->max_body ? r->max_body : HTTP_BODY_DEFAULT;
    r->attempt = 0;
    r->rate_waits = 0;
    r->not_before_ms = 0;
    enqueue(c, r);
}

static long backoff_ms(struct http_client *c, int attempt)
{
    long b = c->o.backoff_ms, max = b > HTTP_BACKOFF_MAX_MS ? b : HTTP_BACKOFF_MAX_MS;

    for (int i = 1; i < attempt && b < max; i++)
        b *= 2;
    if (b > max)
        b = max;
    /* "equal jitter": half fixed, half random, so that parallel retries spread out */
    return b / 2 + (long)(rand_r(&c->rnd) % (unsigned)(b / 2 + 1));
}

int http_retry(struct http_client *c, struct http_req *r)
{
    long d;

    if (r->attempt >= c->attempts)
        return -1;
    d = backoff_ms(c, r->attempt);
    log_line(c, "retry %d/%d of GET %s in %.1f s", r->attempt + 1, c->attempts, r->shown,
             (double)d / 1000.0);
    r->not_before_ms = now_ms() + d;
    enqueue(c, r);
    return 0;
}

/* A rate-limit answer: wait (requeued, returns 1) or give up (returns 0 with r->code set). */
static int rate_limited(struct http_client *c, struct http_req *r)
{
    long long wait, now = time(NULL), base = r->server_date ? r->server_date : now;
    const char *why;
    char when[DATE_UTC_MAX];

    if (r->retry_after >= 0) {
        wait = r->retry_after;
        why = "Retry-After";
    } else if (r->rl_remaining == 0 && r->rl_reset > 0) {
        wait = r->rl_reset > base ? r->rl_reset - base : 0;
        why = "rate limit exhausted";
    } else {
        wait = SECONDARY_WAIT;
        why = "secondary rate limit";
    }
    if (wait < 1)
        wait = 1;
    date_format_utc(now + wait, when);
    if (wait > c->o.max_wait || r->rate_waits >= RATE_WAITS_MAX) {
        if (r->rate_limited && (c->stopped_until == 0 || c->stopped_until < now + wait))
            c->stopped_until = now + wait;
        set_msg(r, IMX_ERATE,
                "rate limited (%s, HTTP %ld) at %s: the limit resets at %s, in %lld s%s; "
                "try again then",
                why, r->status, r->shown, when, wait,
                wait > c->o.max_wait ? ", longer than --max-wait" : "");
        return 0;
    }
    log_line(c, "rate limited (%s, HTTP %ld) at %s: waiting %lld s", why, r->status, r->shown,
             wait);
    r->rate_waits++;
    if (r->rate_limited && c->hold_until_ms < now_ms() + wait * 1000)
        c->hold_until_ms = now_ms() + wait * 1000;
    r->attempt--; /* a wait is not a failed attempt */
    r->not_before_ms = now_ms() + wait * 1000;
    enqueue(c, r);
    return 1;
}

/* 429, a 403 with rate-limit signs (a 403 without them is a permission problem), or a 503
 * that says when to come back. */
static int is_rate_limit(const struct http_req *r)
{
    if (r->status == 429)
        return 1;
    if (r->status == 403)
        return r->rl_remaining == 0 || r->retry_after >= 0 ||
               (!r->fp && strcasestr(r->body.p, "rate limit"));
    return r->status == 503 && r->retry_after >= 0;
}

static int transient_status(long s)
{
    return s == 500 || s == 502 || s == 503 || s == 504 || s == 408;
}

static void call_done(struct http_req *r)
{
    if (r->done)
        r->done(r, r->ud);
}

/* Ends a request that gets no (more) transfer: "given up" or "not asked", saying why. */
static void end_early(struct http_req *r, int code, const char *verb, const char *what,
                      const char *why)
{
    clear_results(r);
    set_msg(r, code, "%s: %s (%s%s)", verb, r->shown, what, why);
    call_done(r);
}

/* The transfers still running to a host just found unreachable end now, all together: those
 * queued behind the dead connection would otherwise each wait out their own timeout. */
static void drop_host(struct http_client *c, const struct http_req *dead, const char *why)
{
    for (size_t i = c->nact; i-- > 0;) {
        struct http_req *r = c->act[i];
        if (r == dead || !r->host || strcmp(r->host, dead->host))
            continue;
        detach(c, r);
        /* done() may queue requests, never start them: act changes only here */
        end_early(r, IMX_ENET, "given up", UNREACHABLE, why);
    }
}

/* A transfer finished: record, log, then retry, wait or hand it to done(). */
static void finish(struct http_client *c, struct http_req *r, CURLcode rc)
{
    CURL *e = r->easy;
    struct host *h;
    char *redir = NULL;
    double t = 0;

    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &t);
    if (r->status > 0 && (h = host_of(c, r->host)))
        h->answered = 1;
    read_headers(r, e);
    if (curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &redir) == CURLE_OK && redir)
        r->location = xstrdup(redir);
    detach(c, r);
    c->st.bytes += r->received;
    if (r->status == 304)
        c->st.not_modified++;
    if (c->o.progress)
        c->o.progress(c->o.progress_ud, &c->st);
    if (r->md)
        EVP_DigestFinal_ex(r->md, r->sha256, NULL);
    /* the last bytes reach the file only now: a full disk may show here first */
    if (r->fp && (fflush(r->fp) != 0 || ferror(r->fp)) && !r->write_errno)
        r->write_errno = errno ? errno : EIO;
    if (r->write_errno) {
        /* a disk error: retrying the transfer would not cure it */
        set_msg(r, IMX_EIO, "GET %s: cannot write '%s': %s", r->shown,
                r->fp_path ? r->fp_path : "the download file", strerror(r->write_errno));
        log_line(c, "GET %s -> failed: %s (%.0f ms)", r->shown, r->msg, t * 1000);
    } else if (rc != CURLE_OK) {
        if (r->toobig)
            set_msg(r, IMX_ETOOBIG, "GET %s: the answer is larger than %zu bytes", r->shown,
                    r->max_body ? r->max_body : HTTP_BODY_DEFAULT);
        else
            set_msg(r, IMX_ENET, "GET %s: %s", r->shown, curl_easy_strerror(rc));
        if (!r->toobig && unreachable(c, rc, r) && (h = host_of(c, r->host))) {
            snprintf(h->d.why, sizeof(h->d.why), "%.*s", (int)sizeof(h->d.why) - 1, r->msg);
            drop_host(c, r, h->d.why);
        }
        log_line(c, "GET %s -> failed: %s (%.0f ms)", r->shown, r->msg, t * 1000);
        r->status = rc == CURLE_WRITE_ERROR || r->toobig ? r->status : 0;
    } else {
        log_line(c, "GET %s -> %ld in %.0f ms, %llu bytes", r->shown, r->status, t * 1000,
                 (unsigned long long)r->received);
    }
    if (r->code == 0 && is_rate_limit(r)) {
        if (!r->manual_retry && rate_limited(c, r))
            return;
        if (!r->code)
            set_msg(r, IMX_ERATE, "GET %s: HTTP %ld, rate limited", r->shown, r->status);
    } else if (!r->manual_retry &&
               (r->code == -IMX_ENET || (!r->code && transient_status(r->status))) &&
               !down_of(c, r->host)) {
        if (http_retry(c, r) == 0)
            return;
        if (r->code)
            set_msg(r, IMX_ENET, "%s (after %d attempts)", r->msg, r->attempt);
        else
            set_msg(r, IMX_EHTTP, "GET %s: HTTP %ld (after %d attempts)", r->shown, r->status,
                    r->attempt);
    }
    call_done(r);
}

static void unlink_pending(struct http_client *c, struct http_req *prev, struct http_req *r)
{
    if (prev)
        prev->next = r->next;
    else
        c->head = r->next;
    if (c->tail == r)
        c->tail = prev;
    r->next = NULL;
}

/* Whether another transfer to r's host may start. --jobs counts per host: GitHub's API then has
 * no more requests at once than before, while downloads from its storage host go beside them. */
static int host_has_room(const struct http_client *c, const struct http_req *r)
{
    size_t n = 0;

    for (size_t i = 0; i < c->nact; i++)
        n += (!r->host && !c->act[i]->host) ||
             (r->host && c->act[i]->host && !strcmp(r->host, c->act[i]->host));
    return n < (size_t)c->jobs;
}

/*
 * Starts what may start. Returns the milliseconds until a request that must wait (backoff,
 * rate limit) may start, or -1 when none waits; requests held only by the number of jobs
 * start when a transfer ends, which wakes the poll anyway.
 */
static long long start_ready(struct http_client *c)
{
    long long now = now_ms(), next = -1;
    struct http_req *prev = NULL, *r = c->head;

    while (r) {
        struct http_req *nx = r->next;
        long long at = r->not_before_ms;
        const struct http_host_down *d;
        char when[DATE_UTC_MAX];

        if (r->rate_limited && c->hold_until_ms > at)
            at = c->hold_until_ms;
        if (r->rate_limited && c->stopped_until && (long long)time(NULL) < c->stopped_until) {
            /* the limit will not reset in time: fail without asking */
            unlink_pending(c, prev, r);
            date_format_utc(c->stopped_until, when);
            end_early(r, IMX_ERATE, "not asked", "rate limited until ", when);
        } else if ((d = down_of(c, r->host))) {
            /* one failure is enough: a host that cannot be reached is not asked again */
            unlink_pending(c, prev, r);
            end_early(r, IMX_ENET, "not asked", UNREACHABLE, d->why);
        } else if (at <= now && host_has_room(c, r)) {
            unlink_pending(c, prev, r);
            if (start(c, r) < 0)
                call_done(r);
        } else {
            if (at > now && (next < 0 || at - now < next))
                next = at - now;
            prev = r;
        }
        r = nx;
    }
    return next;
}

/* ---- tasks off the loop ----------------------------------------------------------------- */

static void task_append(struct http_task **head, struct http_task **tail, struct http_task *t)
{
    t->next = NULL;
    if (*tail)
        (*tail)->next = t;
    else
        *head = t;
    *tail = t;
}

static void *worker_main(void *arg)
{
    struct lane *l = arg;
    struct http_client *c = l->c;
    sigset_t all;

    /* signals stay the main thread's: its handler removes temporary files, http_run sees it */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&c->mu);
    for (;;) {
        struct http_task *t;

        while (!l->todo && !c->quit)
            pthread_cond_wait(&c->cv, &c->mu);
        if (!l->todo)
            break;
        t = l->todo;
        l->todo = t->next;
        if (!l->todo)
            l->todo_tail = NULL;
        pthread_mutex_unlock(&c->mu);
        t->work(t);
        pthread_mutex_lock(&c->mu);
        task_append(&c->finished, &c->finished_tail, t);
        pthread_cond_broadcast(&c->cv);
        /* the loop may be in curl_multi_poll: the wakeup stays pending until it polls */
        curl_multi_wakeup(c->multi);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

void http_task_submit(struct http_client *c, struct http_task *t)
{
    /* keys mixed first: run ids of a kind (..000, ..021) would share a lane */
    unsigned long long k = (t->key ^ (t->key >> 33)) * 0xff51afd7ed558ccdULL;
    struct lane *l = &c->lanes[(k ^ (k >> 33)) % HTTP_TASK_LANES];

    c->tasks++;
    if (l->state == 0) {
        l->c = c;
        l->state = pthread_create(&l->thread, NULL, worker_main, l) == 0 ? 1 : -1;
    }
    /* no thread to be had: the work is done now, done() from http_run as usual */
    if (l->state < 0)
        t->work(t);
    pthread_mutex_lock(&c->mu);
    if (l->state < 0)
        task_append(&c->finished, &c->finished_tail, t);
    else
        task_append(&l->todo, &l->todo_tail, t);
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

/* Calls done() of the tasks finished so far (with wait, first waits for one while any is
 * pending). */
static void tasks_reap(struct http_client *c, int wait)
{
    struct http_task *t;

    pthread_mutex_lock(&c->mu);
    while (wait && !c->finished && c->tasks)
        pthread_cond_wait(&c->cv, &c->mu);
    t = c->finished;
    c->finished = c->finished_tail = NULL;
    pthread_mutex_unlock(&c->mu);
    while (t) {
        struct http_task *nx = t->next;
        c->tasks--;
        t->next = NULL;
        if (t->done)
            t->done(t);
        t = nx;
    }
}

/* Ends what runs and what waits with -IMX_EINTR; tasks (disk work) are finished, not cut. */
static void abort_all(struct http_client *c)
{
    do {
        while (c->nact) {
            struct http_req *r = c->act[c->nact - 1];
            detach(c, r);
            set_msg(r, IMX_EINTR, "interrupted");
            call_done(r);
        }
        while (c->tasks)
            tasks_reap(c, 1);
        while (c->head) {
            struct http_req *r = c->head;
            unlink_pending(c, NULL, r);
            set_msg(r, IMX_EINTR, "interrupted");
            call_done(r);
        }
    } while (c->nact || c->tasks || c->head);
}

int http_run(struct http_client *c, int (*interrupted)(void))
{
    for (;;) {
        long long wait;
        int running = 0, left, ended = 0;
        CURLMsg *m;

        if (interrupted && interrupted()) {
            abort_all(c);
            return -IMX_EINTR;
        }
        tasks_reap(c, 0); /* their done() may queue requests */
        wait = start_ready(c);
        if (!c->nact && !c->head && !c->tasks)
            return 0;
        if (c->nact) {
            curl_multi_perform(c->multi, &running);
            while ((m = curl_multi_info_read(c->multi, &left))) {
                struct http_req *r = NULL;
                if (m->msg != CURLMSG_DONE)
                    continue;
                curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
                finish(c, r, m->data.result);
                ended = 1;
            }
            if (ended)
                continue; /* start what the finished transfers made room for */
        }
        if (wait < 0 || wait > HTTP_POLL_MAX_MS)
            wait = HTTP_POLL_MAX_MS;
        curl_multi_poll(c->multi, NULL, 0, (int)wait, NULL);
    }
}

/* ---- URL helpers ------------------------------------------------------------------------ */

int http_same_origin(const char *a, const char *b)
{
    char *ka = http_host_key(a), *kb = http_host_key(b);
    int same = ka && kb && !strcasecmp(ka, kb);

    free(ka);
    free(kb);
    return same;
}

char *http_url_resolve(const char *base, const char *ref)
{
    CURLU *u = curl_url();
    char *s = NULL, *scheme = NULL, *out = NULL;

    if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        (!strcasecmp(scheme, "http") || !strcasecmp(scheme, "https")) &&
        curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
        out = xstrdup(s);
    curl_free(s);
    curl_free(scheme);
    curl_url_cleanup(u);
    return out;
}

void http_url_strip_userinfo(struct buf *out, const char *url)
{
    const char *hs = strstr(url, "://"), *at;

    if (!hs) {
        buf_adds(out, url);
        return;
    }
    hs += 3;
    /* the last '@' before the path ends the credentials (none: the host starts at hs) */
    at = hs + strcspn(hs, "/?#");
    while (at > hs && at[-1] != '@')
        at--;
    buf_add(out, url, (size_t)(hs - url));
    buf_adds(out, at);
}

int http_url_encode_keep(struct buf *out, const char *s, const char *keep)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || strchr(keep, ch))
            buf_addc(out, (char)ch);
        else
            buf_addf(out, "%%%02X", ch);
    }
    return buf_failed(out) ? -1 : 0; /* a refused append is sticky: one check covers all */
}

int http_url_encode(struct buf *out, const char *s)
{
    return http_url_encode_keep(out, s, "-._~");
}

/* Whether the rel value (quoted or not: a space-separated list) names rel. */
static int rel_has(const char *v, size_t n, const char *rel)
{
    size_t k = strlen(rel), i = 0;

    while (i < n) {
        size_t j = i;
        while (j < n && v[j] != ' ')
            j++;
        if (j - i == k && !strncasecmp(v + i, rel, k))
            return 1;
        i = j + 1;
    }
    return 0;
}

char *http_link_find(const char *link, const char *rel)
{
    const char *p = link;

    while (p && *(p += strspn(p, " \t,")) == '<') {
        const char *u0 = p + 1, *u1 = strchr(u0, '>'), *name, *val;
        size_t nlen, vlen;
        int found = 0;

        if (!u1)
            return NULL;
        /* parameters up to the next ',' outside quotes */
        for (p = u1 + 1; *(p += strspn(p, " \t")) == ';';) {
            name = p + 1 + strspn(p + 1, " \t");
            nlen = strcspn(name, "=;, \t");
            p = name + nlen + strspn(name + nlen, " \t");
            if (*p != '=')
                continue;
            p += 1 + strspn(p + 1, " \t");
            if (*p == '"') {
                for (val = ++p; *p && *p != '"'; p++)
                    p += *p == '\\' && p[1];
                vlen = (size_t)(p - val);
                p += *p == '"';
            } else {
                val = p;
                vlen = strcspn(p, ";, \t");
                p += vlen;
            }
            found |= nlen == 3 && !strncasecmp(name, "rel", 3) && rel_has(val, vlen, rel);
        }
        if (found && u1 > u0)
            return xstrndup(u0, (size_t)(u1 - u0));
        p = strchr(p, ','); /* anything unexpected is skipped up to the next link */
    }
    return NULL;
}
