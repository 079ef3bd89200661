/* A pool of worker threads that prepare the items of batch calls.
 *
 * A job is a numbered set of items [0, count) and a function that prepares
 * one. The pool's threads take items one at a time, oldest job first; the
 * thread that submitted a job takes items too when it has nothing better to
 * do (fc__pool_finish). Items are independent and each is written to its
 * own place, so the result never depends on which thread took which item.
 * One pool serves any number of calling threads at once. */
#ifndef FC_PIPELINE_POOL_H
#define FC_PIPELINE_POOL_H

#include <pthread.h>
#include <stddef.h>

#include "fastclip.h"

typedef struct fc__pool fc__pool;

typedef struct fc__job {
    void (*run)(void *ctx, size_t item);
    void *ctx;
    size_t next;       /* the next item nobody has taken            */
    size_t end;        /* one past the last item                    */
    size_t unfinished; /* items taken or not, not yet done          */
    int queued;        /* on the pool's queue                       */
    pthread_cond_t done;
    struct fc__job *queue_next;
} fc__job;

/* Starts `threads` worker threads (>= 1). */
fc_status fc__pool_new(int threads, fc__pool **out, fc_error *err);

/* Stops and joins the threads; no job may be pending. NULL is a no-op. */
void fc__pool_free(fc__pool *pool);

/* Sets up `job` (the caller's, kept alive until fc__pool_finish or
 * fc__pool_cancel returns) and offers its items to the pool's threads.
 * With pool NULL, or a single item, nothing is offered: the caller runs
 * them all in fc__pool_finish. */
void fc__pool_submit(fc__pool *pool, fc__job *job, void (*run)(void *ctx, size_t item),
                     void *ctx, size_t count);

/* Runs the job's items nobody has taken in the calling thread, then waits
 * for the ones pool threads took. Every item has run when it returns. */
void fc__pool_finish(fc__pool *pool, fc__job *job);

/* Takes the job's untaken items back (they never run) and waits for the
 * ones already running. */
void fc__pool_cancel(fc__pool *pool, fc__job *job);

#endif
