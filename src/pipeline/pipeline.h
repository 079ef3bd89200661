/* The batch pipeline: from a batch of images or texts to embeddings.
 *
 * A call's items are cut into micro-batches of `micro_batch` items. While
 * the model runs micro-batch k in the calling thread, the pool's workers
 * decode and preprocess (or tokenize) micro-batch k + 1 into a second
 * staging buffer; so memory is two micro-batches whatever the batch size.
 * A micro-batch is always items [k * micro_batch, (k + 1) * micro_batch)
 * less the ones that failed, whatever the number of workers, so results
 * are the same bytes for any worker count (docs/threading.md says how the
 * micro-batch size itself can move the last bits).
 *
 * The pipeline sits between the public entry (src/model/) and a backend
 * (src/backend/backend.h): it calls down into the image sources, the
 * tokenizer and the backend, never back up. */
#ifndef FC_PIPELINE_PIPELINE_H
#define FC_PIPELINE_PIPELINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "fastclip.h"
#include "pipeline/pool.h"

/* Staging buffers a model keeps for reuse: one call's two slots of images
 * and of texts. */
#define FC__PIPELINE_STAGES 4

typedef struct fc__pipeline {
    const fc__backend *backend;
    void *model;                /* the backend's                           */
    int dim, image_size, context_length;
    const fc_tokenizer *tokenizer;
    fc__pool *pool;             /* NULL: the calling thread does it all    */
    size_t micro_batch;
    /* Staging buffers given back by finished calls, kept for the next ones
     * (a fresh one costs its page faults again, or, on a GPU, pinning). */
    pthread_mutex_t stage_lock;
    struct fc__stage {
        void *buffer;
        size_t bytes;
    } stages[FC__PIPELINE_STAGES];
    int n_stages;
    /* What the calls have spent, for benchmarks (fc__pipeline_stats). */
    atomic_uint_fast64_t run_ns, prepare_wait_ns, items;
} fc__pipeline;

/* Sets up `p` for a loaded backend model; `workers` threads prepare items
 * (the calling thread counted: `workers` <= 1 starts no thread). */
fc_status fc__pipeline_open(fc__pipeline *p, const fc__backend *backend, void *model,
                            const fc__backend_info *info, const fc_tokenizer *tokenizer,
                            int workers, size_t micro_batch, fc_error *err);

/* Stops the workers and frees the kept staging buffers. The backend model
 * and the tokenizer stay the caller's. */
void fc__pipeline_close(fc__pipeline *p);

/* A staging buffer of `bytes` for the backend's inputs: a kept one of that
 * size, else a new one from the backend's allocator (or malloc). */
void *fc__pipeline_stage_take(fc__pipeline *p, size_t bytes);

/* Gives a staging buffer back, to be kept or freed. NULL is a no-op. */
void fc__pipeline_stage_give(fc__pipeline *p, void *buffer, size_t bytes);

/* How one call prepares and returns its items. */
typedef struct fc__encode_options {
    fc_order order;
    fc_truncation truncation;
    uint64_t max_pixels, max_bytes;
    int normalize;
} fc__encode_options;

/* The batch calls: n >= 0 items, n x dim floats to `out` (room checked by
 * the caller). With `statuses`, every item's status is written there and
 * bad items' rows are zero (FC_ERR_PARTIAL when any failed); without, the
 * first bad item fails the call. `is_batch` 0 leaves the item's index out
 * of messages (the single-item calls). */
fc_status fc__pipeline_images(fc__pipeline *p, const fc_image *images, size_t n,
                              const fc__encode_options *o, float *out, fc_status *statuses,
                              int is_batch, fc_error *err);
fc_status fc__pipeline_texts(fc__pipeline *p, const char *const *texts, size_t n,
                             const fc__encode_options *o, float *out, fc_status *statuses,
                             int is_batch, fc_error *err);

/* Inputs the caller prepared: `n` preprocessed images (float32, 3 x s x s
 * each) or tokenized texts (int32, context_length each), checked by the
 * caller, run a micro-batch at a time straight from `data`; n x dim floats
 * to `out`, each row divided by its norm when `normalize`. */
fc_status fc__pipeline_prepared(fc__pipeline *p, int is_text, const void *data, size_t n,
                                int normalize, float *out, fc_error *err);

/* Runs each tower `runs` times at batch 1 (a zero image, a short text),
 * so that the first real call is not the one that pays for the backend's
 * first-run work; a failure says "first run at load". */
fc_status fc__pipeline_warm_up(fc__pipeline *p, int runs, fc_error *err);

/* Nanoseconds the backend spent running, nanoseconds callers waited for
 * preprocessing after the backend was done, and items encoded, since open. */
typedef struct fc__pipeline_stats {
    uint64_t run_ns, prepare_wait_ns, items;
} fc__pipeline_stats;

void fc__pipeline_stats_read(const fc__pipeline *p, fc__pipeline_stats *out);

#endif
