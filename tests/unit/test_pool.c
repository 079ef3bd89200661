/* The worker pool (src/pipeline/pool.c): every item of a job runs exactly
 * once, whichever thread takes it; jobs of many submitters share one pool;
 * a cancelled job's untaken items never run, and its running ones have
 * finished when cancel returns. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "pipeline/pool.h"

typedef struct counts {
    atomic_int *started, *finished;
    int sleep_us;
} counts;

static void count_item(void *ctx, size_t i)
{
    counts *c = ctx;
    atomic_fetch_add(&c->started[i], 1);
    if (c->sleep_us > 0) {
        struct timespec ts = {0, (long)c->sleep_us * 1000};
        nanosleep(&ts, NULL);
    }
    atomic_fetch_add(&c->finished[i], 1);
}

static counts counts_new(size_t n, int sleep_us)
{
    counts c = {calloc(n, sizeof(atomic_int)), calloc(n, sizeof(atomic_int)), sleep_us};
    return c;
}

static void counts_free(counts *c)
{
    free(c->started);
    free(c->finished);
}

static int all_once(const counts *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (atomic_load(&c->started[i]) != 1 || atomic_load(&c->finished[i]) != 1) return 0;
    return 1;
}

static void test_every_item_once(void)
{
    for (int threads = 1; threads <= 4; threads += 3) {
        fc__pool *pool;
        CHECK(fc__pool_new(threads, &pool, NULL) == FC_OK);
        for (size_t n = 0; n < 70; n += 23) {
            counts c = counts_new(n + 1, 0);
            fc__job job;
            fc__pool_submit(pool, &job, count_item, &c, n);
            fc__pool_finish(pool, &job);
            CHECK(all_once(&c, n));
            counts_free(&c);
        }
        fc__pool_free(pool);
    }
    /* No pool: the caller runs every item itself, in order. */
    counts c = counts_new(10, 0);
    fc__job job;
    fc__pool_submit(NULL, &job, count_item, &c, 10);
    CHECK(atomic_load(&c.started[0]) == 0); /* nothing runs before finish */
    fc__pool_finish(NULL, &job);
    CHECK(all_once(&c, 10));
    counts_free(&c);
    fc__pool_free(NULL);
}

typedef struct submitter {
    fc__pool *pool;
    int ok;
} submitter;

static void *submit_many(void *arg)
{
    submitter *s = arg;
    s->ok = 1;
    for (int round = 0; round < 20; round++) {
        size_t n = 5 + (size_t)round * 3;
        counts c = counts_new(n, round % 3 == 0 ? 50 : 0);
        fc__job job;
        fc__pool_submit(s->pool, &job, count_item, &c, n);
        fc__pool_finish(s->pool, &job);
        s->ok &= all_once(&c, n);
        counts_free(&c);
    }
    return NULL;
}

static void test_many_submitters(void)
{
    fc__pool *pool;
    CHECK(fc__pool_new(3, &pool, NULL) == FC_OK);
    enum { THREADS = 8 };
    pthread_t tid[THREADS];
    submitter s[THREADS];
    for (int t = 0; t < THREADS; t++) {
        s[t] = (submitter){pool, 0};
        pthread_create(&tid[t], NULL, submit_many, &s[t]);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(tid[t], NULL);
        CHECK(s[t].ok);
    }
    fc__pool_free(pool);
}

static void test_cancel(void)
{
    fc__pool *pool;
    CHECK(fc__pool_new(2, &pool, NULL) == FC_OK);
    enum { N = 200 };
    counts c = counts_new(N, 2000);
    fc__job job;
    fc__pool_submit(pool, &job, count_item, &c, N);
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
    fc__pool_cancel(pool, &job);
    int ran = 0, consistent = 1;
    for (int i = 0; i < N; i++) {
        int s = atomic_load(&c.started[i]), f = atomic_load(&c.finished[i]);
        consistent &= s == f && s <= 1;
        ran += s;
    }
    CHECK(consistent);       /* whatever started has finished, once */
    CHECK(ran < N);          /* the rest never ran */
    nanosleep(&ts, NULL);
    int later = 0;
    for (int i = 0; i < N; i++) later += atomic_load(&c.started[i]);
    CHECK(later == ran);     /* and never will */
    counts_free(&c);
    /* The pool still serves new jobs after a cancel. */
    counts d = counts_new(30, 0);
    fc__pool_submit(pool, &job, count_item, &d, 30);
    fc__pool_finish(pool, &job);
    CHECK(all_once(&d, 30));
    counts_free(&d);
    fc__pool_free(pool);
}

int main(void)
{
    test_every_item_once();
    test_many_submitters();
    test_cancel();
    return check_summary("pool");
}
