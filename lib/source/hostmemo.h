/* hostmemo: hosts that could not be reached, remembered for a few minutes in the cache's
 * private state (.imx/unreachable), so that the next sync does not wait on them again for
 * lookups that only enrich the data (GitHub run objects of backup runs). */
#ifndef IMX_HOSTMEMO_H
#define IMX_HOSTMEMO_H

#include "source/http.h"
#include "util/err.h"

#include <stddef.h>

#define HOSTMEMO_SECONDS 600 /* how long a failure is remembered */

/*
 * Whether url's host failed within the last max_age seconds, by the cache's record: 1 with
 * *age (seconds ago) and why (the failure's message) set, else 0. Never fails: a missing or
 * unreadable record remembers nothing.
 */
int hostmemo_recent(const char *cache, const char *url, long max_age, long *age, char *why,
                    size_t whysize);
/*
 * Adds the hosts the client found down to the record (atomically rewritten; entries older
 * than max_age dropped). Nothing is written when no host is down and the record holds none.
 */
int hostmemo_save(const char *cache, const struct http_client *c, long max_age,
                  struct imx_err *err);

#endif
