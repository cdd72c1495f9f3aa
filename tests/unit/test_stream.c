/* Unit tests of extract_each_run, the history's run-by-run stream: runs handed over in order and
 * one at a time, a callback's error stopping the stream, and the workers parsing runs ahead
 * while the callback works on an earlier one (the SQLite writer's pipeline). */
#include "table/extract.h"
#include "unit.h"
#include "util/buf.h"
#include "util/err.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NRUNS 30

static char base[64];

static void write_text(const char *rel, const char *text)
{
    char path[256], dir[256];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", base, rel);
    snprintf(dir, sizeof(dir), "%s", path);
    *strrchr(dir, '/') = '\0';
    mkdir(dir, 0755);
    fp = fopen(path, "w");
    CHECK(fp != NULL);
    if (!fp)
        return;
    fputs(text, fp);
    fclose(fp);
}

static void remove_rel(const char *rel)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", base, rel);
    unlink(path);
}

/* Run k (ids 101...) holds rows_of(k) rows of one model, distinct by conc. */
static int rows_of(int k)
{
    return (k * 7) % 13 + 1;
}

/* Each run's rows in run_<ID>/agg_bmk.json, or in a per-configuration file beside a broken one
 * for runs from..to. */
static void write_runs(int from, int to)
{
    for (int k = 0; k < NRUNS; k++) {
        struct buf b = BUF_INIT;
        char rel[64];
        int broken = k >= from && k <= to;
        buf_adds(&b, "[");
        for (int i = 0; i < rows_of(k); i++)
            buf_addf(&b,
                     "%s{\"hw\":\"h100\",\"infmax_model_prefix\":\"gptoss\",\"framework\":"
                     "\"vllm\",\"precision\":\"fp4\",\"isl\":1024,\"osl\":1024,\"tp\":8,"
                     "\"conc\":%d,\"tput_per_gpu\":%d.5}",
                     i ? "," : "", i + 1, k);
        buf_adds(&b, "]");
        snprintf(rel, sizeof(rel), "run_%d/%s", 101 + k,
                 broken ? "bmk_ok/agg_ok.json" : "agg_bmk.json");
        write_text(rel, b.p);
        buf_release(&b);
        if (broken) {
            snprintf(rel, sizeof(rel), "run_%d/agg_bmk.json", 101 + k);
            remove_rel(rel);
            snprintf(rel, sizeof(rel), "run_%d/bmk_bad/agg_bad.json", 101 + k);
            write_text(rel, "[{\"hw\":");
        }
    }
}

struct seen {
    pthread_mutex_t lock;
    int inside;     /* callbacks running now */
    int overlapped; /* a callback started while another ran */
    int calls;
    int order_ok;
    int rows_ok;
    int stop_at;            /* the call that fails, -1: none */
    unsigned long warned;   /* bit k: run k's broken file was reported */
    unsigned long wait_for; /* the first call waits until these runs were reported */
    int waited_ok;
};

static int on_run(void *ud, const struct run_info *run, struct trow **rows, size_t n)
{
    struct seen *s = ud;
    int call;

    (void)rows;
    pthread_mutex_lock(&s->lock);
    s->overlapped |= s->inside++ > 0;
    call = s->calls++;
    pthread_mutex_unlock(&s->lock);
    if (run->idn != (unsigned long long)(101 + call))
        s->order_ok = 0;
    if (n != (size_t)rows_of(call))
        s->rows_ok = 0;
    if (call == 0 && s->wait_for) {
        /* the other worker must read the runs after this one meanwhile (30 s: a hang) */
        for (int i = 0; i < 3000; i++) {
            unsigned long w;
            pthread_mutex_lock(&s->lock);
            w = s->warned;
            pthread_mutex_unlock(&s->lock);
            if ((w & s->wait_for) == s->wait_for) {
                s->waited_ok = 1;
                break;
            }
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        }
    }
    pthread_mutex_lock(&s->lock);
    s->inside--;
    pthread_mutex_unlock(&s->lock);
    return call == s->stop_at ? -IMX_EIO : 0;
}

/* The broken files' warnings, from the parsing workers: which runs were read. */
static void on_warn(void *ud, int code, const char *msg)
{
    struct seen *s = ud;
    const char *p = strstr(msg, "/run_");

    (void)code;
    if (!p)
        return;
    pthread_mutex_lock(&s->lock);
    s->warned |= 1UL << (atoi(p + 5) - 101);
    pthread_mutex_unlock(&s->lock);
}

static int stream(struct seen *s, int threads)
{
    struct imx_err err = IMX_ERR_INIT;
    struct imx_diag diag = {on_warn, s, 0};
    struct model_sel sel;
    struct extract x;
    struct extract_opts o;
    int r;

    CHECK(model_sel_init(&sel, "gptoss", &err) == 0);
    memset(&o, 0, sizeof(o));
    o.cache = base;
    o.model = &sel;
    o.threads = threads;
    o.diag = &diag;
    r = extract_each_run(&x, &o, on_run, s, &err);
    extract_release(&x);
    model_sel_release(&sel);
    return r;
}

static void seen_init(struct seen *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->lock, NULL);
    s->order_ok = s->rows_ok = 1;
    s->stop_at = -1;
}

static void in_order_one_at_a_time(void)
{
    for (int threads = 1; threads <= 4; threads++) {
        struct seen s;
        seen_init(&s);
        CHECK(stream(&s, threads) == 0);
        CHECK(s.calls == NRUNS);
        CHECK(s.order_ok && s.rows_ok);
        CHECK(!s.overlapped);
        pthread_mutex_destroy(&s.lock);
    }
}

/* The callback's error is the stream's result, and no run after it is handed over. */
static void error_stops_the_stream(void)
{
    for (int threads = 1; threads <= 3; threads++) {
        struct seen s;
        seen_init(&s);
        s.stop_at = 5;
        CHECK(stream(&s, threads) == -IMX_EIO);
        CHECK(s.calls == 6);
        CHECK(s.order_ok && s.rows_ok);
        pthread_mutex_destroy(&s.lock);
    }
}

/* While the first run's callback works, the other worker reads the next runs: it is not held
 * up with one run waiting for its turn. Runs 2 to 4 carry a broken file, whose warning tells
 * that the run was read. */
static void parses_ahead_of_the_callback(void)
{
    struct seen s;

    write_runs(2, 4);
    seen_init(&s);
    s.wait_for = 1UL << 2 | 1UL << 3 | 1UL << 4;
    CHECK(stream(&s, 2) == 0);
    CHECK(s.waited_ok);
    CHECK(s.calls == NRUNS);
    CHECK(s.order_ok && s.rows_ok);
    pthread_mutex_destroy(&s.lock);
}

int main(void)
{
    char tmpl[] = "/tmp/imx-stream.XXXXXX";
    char cmd[128];

    if (!mkdtemp(tmpl))
        return 1;
    snprintf(base, sizeof(base), "%s", tmpl);
    write_runs(-1, -1);
    RUN(in_order_one_at_a_time);
    RUN(error_stops_the_stream);
    RUN(parses_ahead_of_the_callback);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    if (system(cmd) != 0)
        return 1;
    UNIT_END();
}
