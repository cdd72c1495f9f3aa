/* test_http: the pure parts of the HTTP layer: Link headers, origins (where a token may go),
 * URL encoding and query stripping; tasks off the transfer loop (order per key, done() on the
 * loop's thread, http_run waiting for them). */
#include "source/http.h"
#include "unit.h"

#include <pthread.h>
#include <stdlib.h>

static void link_next(void)
{
    const char *gh = "<https://api.github.com/repositories/1300192/issues?page=2>; rel=\"prev\", "
                     "<https://api.github.com/repositories/1300192/issues?page=4>; rel=\"next\", "
                     "<https://api.github.com/repositories/1300192/issues?page=515>; rel=\"last\", "
                     "<https://api.github.com/repositories/1300192/issues?page=1>; rel=\"first\"";
    char *u = http_link_find(gh, "next");
    CHECK_STR(u, "https://api.github.com/repositories/1300192/issues?page=4");
    free(u);
    u = http_link_find(gh, "last");
    CHECK_STR(u, "https://api.github.com/repositories/1300192/issues?page=515");
    free(u);
}

static void link_variants(void)
{
    char *u;
    /* case-insensitive relation, unquoted, several relations in one value, odd spacing */
    u = http_link_find("<http://x/a?page=2&per_page=100>;rel=Next", "next");
    CHECK_STR(u, "http://x/a?page=2&per_page=100");
    free(u);
    u = http_link_find("<http://x/1>; rel=\"last next\"", "next");
    CHECK_STR(u, "http://x/1");
    free(u);
    u = http_link_find(
        "<http://x/1>; title=\"a, b; rel=next\"; rel=\"prev\", <http://x/3>; rel=\"next\"", "next");
    CHECK_STR(u, "http://x/3");
    free(u);
    u = http_link_find("  <http://x/1> ; rel = \"next\"", "next");
    CHECK_STR(u, "http://x/1");
    free(u);
    /* an escaped quote does not end a quoted value; a parameter without a value is passed over;
     * what follows a link that is not a parameter is skipped up to the next link */
    u = http_link_find("<http://x/1>; t=\"q\\\", <http://x/2>\"; x; rel=next", "next");
    CHECK_STR(u, "http://x/1");
    free(u);
    u = http_link_find("<http://x/1> junk; rel=next, <http://x/2>;\trel=next", "next");
    CHECK_STR(u, "http://x/2");
    free(u);
}

static void link_absent_or_broken(void)
{
    CHECK(http_link_find(NULL, "next") == NULL);
    CHECK(http_link_find("", "next") == NULL);
    CHECK(http_link_find("<http://x/1>; rel=\"prev\"", "next") == NULL);
    CHECK(http_link_find("<http://x/1; rel=\"next\"", "next") == NULL);
    CHECK(http_link_find("http://x/1; rel=\"next\"", "next") == NULL);
    CHECK(http_link_find("<http://x/1>; rel=\"nextpage\"", "next") == NULL);
    CHECK(http_link_find("<>; rel=\"next\"", "next") == NULL);
}

static void origins(void)
{
    CHECK(http_same_origin("https://api.github.com/repos/a/b", "https://api.github.com"));
    CHECK(http_same_origin("https://API.github.com:443/x", "https://api.github.com/"));
    CHECK(http_same_origin("http://127.0.0.1:8080/a", "http://127.0.0.1:8080"));
    CHECK(!http_same_origin("http://localhost:8080/a", "http://127.0.0.1:8080"));
    CHECK(!http_same_origin("http://127.0.0.1:8081/a", "http://127.0.0.1:8080"));
    CHECK(!http_same_origin("http://api.github.com/a", "https://api.github.com"));
    CHECK(!http_same_origin("https://productionresultssa9.blob.core.windows.net/x?sig=1",
                            "https://api.github.com"));
    CHECK(!http_same_origin("https://api.github.com.evil.example/x", "https://api.github.com"));
    CHECK(!http_same_origin("https://evil.example/@api.github.com", "https://api.github.com"));
    CHECK(!http_same_origin("not a url", "https://api.github.com"));
}

static void strip_and_encode(void)
{
    struct buf b = BUF_INIT;
    http_url_strip_query(&b, "https://h/p/a.zip?se=1&sig=secret#frag");
    CHECK_STR(b.p, "https://h/p/a.zip?<query hidden>");
    CHECK(!strstr(b.p, "secret"));
    buf_reset(&b);
    http_url_strip_query(&b, "https://h/p");
    CHECK_STR(b.p, "https://h/p");
    buf_reset(&b);
    http_url_encode(&b, "a b/c>=d~_.-\xc3\xa9");
    CHECK_STR(b.p, "a%20b%2Fc%3E%3Dd~_.-%C3%A9");
    buf_release(&b);
}

static void resolve_and_userinfo(void)
{
    struct buf b = BUF_INIT;
    char *u = http_url_resolve("http://h:1/repos/a/b/runs?page=1", "/repos/a/b/runs?page=2");
    CHECK_STR(u, "http://h:1/repos/a/b/runs?page=2");
    free(u);
    u = http_url_resolve("http://h/x/y?q", "z?page=3");
    CHECK_STR(u, "http://h/x/z?page=3");
    free(u);
    u = http_url_resolve("http://h/x", "https://other/p");
    CHECK_STR(u, "https://other/p");
    free(u);
    CHECK(http_url_resolve("http://h/x", "file:///etc/passwd") == NULL);
    http_url_strip_userinfo(&b, "https://user:pw@host:8/p?q=a@b");
    CHECK_STR(b.p, "https://host:8/p?q=a@b");
    buf_reset(&b);
    http_url_strip_userinfo(&b, "http://a@b:c@host/");
    CHECK_STR(b.p, "http://host/");
    buf_reset(&b);
    http_url_strip_query(&b, "https://u:secret@h/p?sig=x");
    CHECK_STR(b.p, "https://h/p?<query hidden>");
    buf_release(&b);
}

/* ---- tasks ---------------------------------------------------------------------------- */

#define NKEYS 6
#define PER_KEY 40

static int task_log[NKEYS][PER_KEY + 1], task_nlog[NKEYS];
static int tasks_done, tasks_off_main, tasks_on_main;
static pthread_t main_thread;
static struct http_client *task_client;

struct tk {
    struct http_task t;
    int seq;
};

static struct tk tks[NKEYS * PER_KEY + 1];

static void tk_work(struct http_task *t)
{
    struct tk *k = t->ud;
    /* one key's tasks run one at a time: this key's array is this thread's alone now */
    task_log[t->key][task_nlog[t->key]++] = k->seq;
    /* tasks of different keys run on several workers at once: one counter, counted atomically */
    if (!pthread_equal(pthread_self(), main_thread))
        __atomic_fetch_add(&tasks_off_main, 1, __ATOMIC_RELAXED);
}

static void tk_done(struct http_task *t)
{
    struct tk *k = t->ud;
    tasks_done++;
    tasks_on_main += pthread_equal(pthread_self(), main_thread) != 0;
    if (k->seq == 0 && t->key == 0) {
        /* done() may submit more: http_run waits for it too */
        struct tk *more = &tks[NKEYS * PER_KEY];
        more->seq = PER_KEY;
        more->t.work = tk_work;
        more->t.done = tk_done;
        more->t.ud = more;
        more->t.key = 0;
        http_task_submit(task_client, &more->t);
    }
}

static int always(void)
{
    return 1;
}

static void tasks_in_order(void)
{
    struct http_opts o;
    struct imx_err err = IMX_ERR_INIT;

    memset(&o, 0, sizeof(o));
    main_thread = pthread_self();
    CHECK(http_client_new(&task_client, &o, &err) == 0);
    if (!task_client)
        return;
    for (int round = 0; round < 2; round++) {
        memset(task_log, 0, sizeof(task_log));
        memset(task_nlog, 0, sizeof(task_nlog));
        tasks_done = tasks_off_main = tasks_on_main = 0;
        for (int i = 0; i < PER_KEY; i++) {
            for (int k = 0; k < NKEYS; k++) {
                struct tk *t = &tks[i * NKEYS + k];
                t->seq = i;
                t->t.work = tk_work;
                t->t.done = tk_done;
                t->t.ud = t;
                t->t.key = (unsigned long long)k;
                http_task_submit(task_client, &t->t);
            }
        }
        /* the second round is interrupted at once: the tasks are carried out all the same */
        CHECK(http_run(task_client, round ? always : NULL) == (round ? -IMX_EINTR : 0));
        CHECK(tasks_done == NKEYS * PER_KEY + 1);
        CHECK(tasks_on_main == tasks_done);
        CHECK(tasks_off_main == tasks_done);
        CHECK(task_nlog[0] == PER_KEY + 1);
        for (int k = 0; k < NKEYS; k++)
            for (int i = 0; i < task_nlog[k]; i++)
                CHECK(task_log[k][i] == i);
    }
    http_client_free(task_client);
    task_client = NULL;
}

int main(void)
{
    RUN(tasks_in_order);
    RUN(resolve_and_userinfo);
    RUN(link_next);
    RUN(link_variants);
    RUN(link_absent_or_broken);
    RUN(origins);
    RUN(strip_and_encode);
    UNIT_END();
}
