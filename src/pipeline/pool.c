#include "pipeline/pool.h"

#include <stdlib.h>

#include "common/error.h"

struct fc__pool {
    pthread_mutex_t lock;
    pthread_cond_t work;       /* a job was queued, or the pool is stopping */
    fc__job *head, *tail;      /* jobs with untaken items, oldest first     */
    int stopping;
    int n_threads;
    pthread_t threads[];
};

/* With the lock held: removes `job`, whose items have all been taken. */
static void unqueue(fc__pool *pool, fc__job *job)
{
    fc__job **link = &pool->head, *prev = NULL;
    while (*link != NULL && *link != job) {
        prev = *link;
        link = &(*link)->queue_next;
    }
    if (*link == NULL) return;
    *link = job->queue_next;
    if (pool->tail == job) pool->tail = prev;
    job->queue_next = NULL;
}

/* With the lock held: takes the job's next item; the lock is dropped while
 * it runs. */
static void run_one(fc__pool *pool, fc__job *job)
{
    size_t item = job->next++;
    if (job->next == job->end) unqueue(pool, job);
    pthread_mutex_unlock(&pool->lock);
    job->run(job->ctx, item);
    pthread_mutex_lock(&pool->lock);
    if (--job->unfinished == 0) pthread_cond_signal(&job->done);
}

static void *worker(void *arg)
{
    fc__pool *pool = arg;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        if (pool->head != NULL) {
            run_one(pool, pool->head);
        } else if (pool->stopping) {
            break;
        } else {
            pthread_cond_wait(&pool->work, &pool->lock);
        }
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

fc_status fc__pool_new(int threads, fc__pool **out, fc_error *err)
{
    *out = NULL;
    fc__pool *pool = calloc(1, sizeof *pool + (size_t)threads * sizeof(pthread_t));
    if (pool == NULL) return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "out of memory for the worker pool");
    if (pthread_mutex_init(&pool->lock, NULL) != 0) {
        free(pool);
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "cannot create the worker pool's lock");
    }
    if (pthread_cond_init(&pool->work, NULL) != 0) {
        pthread_mutex_destroy(&pool->lock);
        free(pool);
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "cannot create the worker pool's condition");
    }
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&pool->threads[i], NULL, worker, pool) != 0) {
            fc__pool_free(pool);
            return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "cannot start worker thread %d of %d", i + 1,
                            threads);
        }
        pool->n_threads = i + 1;
    }
    *out = pool;
    return FC_OK;
}

void fc__pool_free(fc__pool *pool)
{
    if (pool == NULL) return;
    pthread_mutex_lock(&pool->lock);
    pool->stopping = 1;
    pthread_cond_broadcast(&pool->work);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->n_threads; i++) pthread_join(pool->threads[i], NULL);
    pthread_cond_destroy(&pool->work);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

void fc__pool_submit(fc__pool *pool, fc__job *job, void (*run)(void *ctx, size_t item), void *ctx,
                     size_t count)
{
    job->run = run;
    job->ctx = ctx;
    job->next = 0;
    job->end = count;
    job->unfinished = count;
    job->queue_next = NULL;
    job->queued = pool != NULL && count > 1;
    if (!job->queued) return;
    pthread_cond_init(&job->done, NULL);
    pthread_mutex_lock(&pool->lock);
    if (pool->tail != NULL) pool->tail->queue_next = job;
    else pool->head = job;
    pool->tail = job;
    pthread_cond_broadcast(&pool->work);
    pthread_mutex_unlock(&pool->lock);
}

void fc__pool_finish(fc__pool *pool, fc__job *job)
{
    if (!job->queued) {
        while (job->next < job->end) job->run(job->ctx, job->next++);
        job->unfinished = 0;
        return;
    }
    pthread_mutex_lock(&pool->lock);
    while (job->next < job->end) run_one(pool, job);
    while (job->unfinished > 0) pthread_cond_wait(&job->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
    pthread_cond_destroy(&job->done);
    job->queued = 0;
}

void fc__pool_cancel(fc__pool *pool, fc__job *job)
{
    if (!job->queued) {
        job->next = job->end;
        job->unfinished = 0;
        return;
    }
    pthread_mutex_lock(&pool->lock);
    if (job->next < job->end) {
        job->unfinished -= job->end - job->next;
        job->end = job->next;
        unqueue(pool, job);
    }
    while (job->unfinished > 0) pthread_cond_wait(&job->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
    pthread_cond_destroy(&job->done);
    job->queued = 0;
}
