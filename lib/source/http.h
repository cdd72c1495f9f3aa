/* http: imx's HTTP client, a libcurl multi loop with parallel transfers, connection reuse,
 * HTTP/2, retries with backoff and jitter, rate-limit waits, timeouts and capped bodies.
 * It knows nothing of GitHub: callers add their own headers and read the status. */
#ifndef IMX_HTTP_H
#define IMX_HTTP_H

#include "util/buf.h"
#include "util/err.h"

#include <stdio.h>

struct http_stats {
    unsigned long requests;     /* transfers started (retries included) */
    unsigned long not_modified; /* 304 answers */
    unsigned long long bytes;   /* body bytes received */
};

/* The defaults of struct http_opts and http_client_tune (a value left 0 takes them). */
#define HTTP_JOBS_DEFAULT 8
#define HTTP_CONNECT_TIMEOUT_MS 10000L /* a host that takes longer to accept is not answering */
#define HTTP_STALL_SECONDS 30L
#define HTTP_MIN_RATE 1024L /* bytes/s */
#define HTTP_DEADLINE 3600L /* seconds: the longest any one request may take */
#define HTTP_ATTEMPTS_DEFAULT 4
#define HTTP_BACKOFF_MS 250L      /* four tries then span about two seconds */
#define HTTP_BACKOFF_MAX_MS 8000L /* a retry is never put off longer than this */
/* Retry-After is believed up to a week (more is a misconfigured server), then max_wait rules. */
#define HTTP_RETRY_AFTER_MAX (86400L * 7)
/* The event loop wakes at least this often to start requests whose backoff has ended. */
#define HTTP_POLL_MAX_MS 1000L

struct http_opts {
    const char *user_agent; /* sent on every request */
    /* A transfer slower than min_rate bytes/s on average over stall_seconds fails, so a body
     * dripping a few bytes a second cannot hold it. */
    long stall_seconds;
    long min_rate;
    long backoff_ms; /* first retry delay, doubled per retry, plus jitter */
    long max_wait;   /* longest rate-limit wait in seconds (0: never wait) */
    void (*log)(void *ud, const char *line); /* verbose: a line per transfer (may be NULL) */
    void *log_ud;
    int log_headers; /* also log request headers (Authorization redacted) */
    void (*progress)(void *ud, const struct http_stats *st); /* after each transfer, or NULL */
    void *progress_ud;
};

#define HTTP_HEADERS_MAX 8
#define HTTP_BODY_DEFAULT ((size_t)32 << 20)
/* The longest URL imx builds: a listing with every filter is under 1 KB, and servers refuse
 * request lines past 8 KB anyway. */
#define HTTP_URL_MAX 8192

struct http_client;

/* One request. The caller owns it (and url, headers, fp); the client fills the results (those
 * of an earlier attempt cleared) and calls done() once per submission, which may submit new
 * requests or resubmit this one through http_retry(). */
struct http_req {
    /* in */
    const char *url;
    const char *headers[HTTP_HEADERS_MAX + 1]; /* "Name: value", NULL-terminated */
    const char *if_none_match;
    size_t max_body;     /* cap on the body (set before http_submit), 0: HTTP_BODY_DEFAULT */
    FILE *fp;            /* write the body here instead of into body */
    const char *fp_path; /* fp's file, for messages (may be NULL) */
    int hash;            /* compute the sha256 of the body */
    int compressed;      /* accept gzip/deflate (decoded before the cap and hash) */
    int rate_limited;    /* obeys the client's rate-limit hold (API requests) */
    int manual_retry;    /* never retried automatically: done() decides, through http_retry */
    int redact_query;    /* the query is a credential (signed URL): never shown */
    /* Among requests free to start, higher priorities start first (FIFO within one): a run's
     * downloads overtake other runs' listings, so that work flows instead of going in phases. */
    int priority;
    void (*done)(struct http_req *req, void *ud);
    void *ud;
    /* out */
    long status; /* 0 when no response arrived */
    struct buf body;
    char *location; /* redirect target, absolute */
    char *etag;
    char *link;
    char *content_type;
    char *content_disposition;
    long retry_after;         /* seconds, -1 when absent */
    long rl_remaining;        /* x-ratelimit-remaining, -1 when absent */
    long long rl_reset;       /* x-ratelimit-reset (epoch), 0 when absent */
    long long server_date;    /* Date header (epoch), 0 when absent */
    long long content_length; /* -1 when unknown */
    unsigned long long received;
    unsigned char sha256[32];
    int code;      /* 0, or a negative IMX_E* code: no usable response (transport, cap, rate) */
    char msg[512]; /* why, naming the URL (query redacted as asked) */
    int attempt;   /* 1-based attempt that produced these results */
    /* private */
    struct http_req *next;
    char *host;  /* http_host_key(url), set by http_submit */
    char *shown; /* url as messages show it: no credentials, a redacted query hidden */
    long long not_before_ms;
    int rate_waits;
    int toobig;
    int write_errno; /* fp could not be written: a disk error, not a network one */
    void *easy;
    void *slist;
    void *md;
};

IMX_MUST_CHECK int http_client_new(struct http_client **out, const struct http_opts *o,
                                   struct imx_err *err);
void http_client_free(struct http_client *c);
const struct http_stats *http_client_stats(const struct http_client *c);
/* Sets the transfers at once to one host, the longest a transfer may take and the tries per
 * request (0: the defaults) for the requests submitted from now on: sources that share one
 * client each bring their limits. */
void http_client_tune(struct http_client *c, int jobs, long timeout_seconds, int attempts);
int http_client_jobs(const struct http_client *c);

/* Prepares a request (zeroed, no headers); release frees the results, and it can be submitted
 * again. */
void http_req_init(struct http_req *r, const char *url);
void http_req_release(struct http_req *r);
/* Adds a "Name: value" header (the string must outlive the request); -1 when full. */
int http_req_header(struct http_req *r, const char *header);

/* Queues a request; it starts within http_run. */
void http_submit(struct http_client *c, struct http_req *r);
/* Queues the request again after an exponential backoff with jitter, if attempts remain (0;
 * else -1, the results kept): for done() callbacks that find an answer unusable (truncated, bad
 * digest, invalid JSON). */
int http_retry(struct http_client *c, struct http_req *r);
/* Runs transfers until every queued request is done: 0, or -IMX_EINTR once interrupted() (may
 * be NULL) turns true, pending requests then finishing with that code. */
int http_run(struct http_client *c, int (*interrupted)(void));

/* Disk work (unpacking, fsync) off the transfer loop, which it would hold still: a task's work()
 * runs on one of up to HTTP_TASK_LANES worker threads and must touch nothing the loop's
 * callbacks touch meanwhile; then its done() runs on the thread of http_run, and may submit
 * requests and tasks. Tasks of one key run in the order submitted (a run's installs, then its
 * record). http_run, even interrupted, returns once every task is done. */
#define HTTP_TASK_LANES 4
struct http_task {
    void (*work)(struct http_task *t);
    void (*done)(struct http_task *t);
    void *ud;
    unsigned long long key;
    struct http_task *next; /* private */
};
void http_task_submit(struct http_client *c, struct http_task *t);

/* After an answer with x-ratelimit-remaining 0 (or Retry-After) the client holds every
 * rate_limited request until the reset; when that is further than max_wait, they fail with
 * -IMX_ERATE instead, and this returns the epoch of the reset (0 while not stopped). */
long long http_rate_stopped_until(const struct http_client *c);

/* A request that fails to resolve the name, to connect, or gets nothing back at all marks its
 * host (scheme, host, port) down for the client's life: it is not retried, and later requests
 * there fail at once ("not asked"), so an unreachable host costs one timeout, not one each. */
struct http_host_down {
    char *host; /* scheme://host:port */
    char why[256];
};
/* scheme://host:port of url (malloc'ed), or NULL when it does not parse. */
char *http_host_key(const char *url);
/* url's host when it is marked down, else NULL. */
const struct http_host_down *http_host_down(struct http_client *c, const char *url);

/* Whether two URLs have the same scheme, host and port (where credentials may go). */
int http_same_origin(const char *a, const char *b);
/* Appends url to out without its query string and fragment (for messages and logs). */
void http_url_strip_query(struct buf *out, const char *url);
/* The URL (malloc'ed) of relation rel (case-insensitive) in a Link header value such as
 * `<https://x/?page=2>; rel="next", <...>; rel="last"`, or NULL when absent or malformed. */
char *http_link_find(const char *link, const char *rel);
/* ref (absolute, or relative as in a Link header) resolved against base: a malloc'ed absolute
 * http(s) URL, or NULL when ref does not resolve to one. */
char *http_url_resolve(const char *base, const char *ref);
/* Appends url to out with any user:password@ removed (for logs and messages). */
void http_url_strip_userinfo(struct buf *out, const char *url);
/* Percent-encodes s (everything but unreserved characters) and appends it to out; 0, or -1
 * past out's cap. */
int http_url_encode(struct buf *out, const char *s);
/* The same with the characters kept as they are named: ASCII letters and digits and those in
 * keep (http_url_encode keeps "-._~"). */
int http_url_encode_keep(struct buf *out, const char *s, const char *keep);

#endif
