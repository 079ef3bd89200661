/* Opening and closing a pipeline, its warm-up and its counters; the batch
 * loop is batch.c. */
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

fc_status fc__pipeline_open(fc__pipeline *p, const fc__backend *backend, void *model,
                            const fc__backend_info *info, const fc_tokenizer *tokenizer,
                            int workers, size_t micro_batch, fc_error *err)
{
    memset(p, 0, sizeof *p);
    p->model = model;
    p->dim = info->dim;
    p->image_size = info->image_size;
    p->context_length = info->context_length;
    p->tokenizer = tokenizer;
    p->micro_batch = micro_batch;
    atomic_init(&p->run_ns, 0);
    atomic_init(&p->prepare_wait_ns, 0);
    atomic_init(&p->items, 0);
    if (pthread_mutex_init(&p->stage_lock, NULL) != 0)
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "cannot create the pipeline's lock");
    p->backend = backend; /* set: close may run from here on */
    /* The calling thread is one of the workers. */
    if (workers > 1) return fc__pool_new(workers - 1, &p->pool, err);
    return FC_OK;
}

static void stage_release(const fc__pipeline *p, void *buffer)
{
    if (p->backend->host_free != NULL) p->backend->host_free(p->model, buffer);
    else free(buffer);
}

void fc__pipeline_close(fc__pipeline *p)
{
    if (p->backend == NULL) return; /* never opened */
    fc__pool_free(p->pool);
    p->pool = NULL;
    for (int i = 0; i < p->n_stages; i++) stage_release(p, p->stages[i].buffer);
    p->n_stages = 0;
    pthread_mutex_destroy(&p->stage_lock);
    p->backend = NULL;
}

void *fc__pipeline_stage_take(fc__pipeline *p, size_t bytes)
{
    pthread_mutex_lock(&p->stage_lock);
    for (int i = 0; i < p->n_stages; i++) {
        if (p->stages[i].bytes != bytes) continue;
        void *buffer = p->stages[i].buffer;
        p->stages[i] = p->stages[--p->n_stages];
        pthread_mutex_unlock(&p->stage_lock);
        return buffer;
    }
    pthread_mutex_unlock(&p->stage_lock);
    if (p->backend->host_alloc != NULL) return p->backend->host_alloc(p->model, bytes);
    return malloc(bytes);
}

void fc__pipeline_stage_give(fc__pipeline *p, void *buffer, size_t bytes)
{
    if (buffer == NULL) return;
    pthread_mutex_lock(&p->stage_lock);
    if (p->n_stages < FC__PIPELINE_STAGES) {
        p->stages[p->n_stages].buffer = buffer;
        p->stages[p->n_stages].bytes = bytes;
        p->n_stages++;
        buffer = NULL;
    }
    pthread_mutex_unlock(&p->stage_lock);
    if (buffer != NULL) stage_release(p, buffer);
}

fc_status fc__pipeline_warm_up(fc__pipeline *p, int runs, fc_error *err)
{
    if (runs <= 0) return FC_OK;
    const size_t side = (size_t)p->image_size, context = (size_t)p->context_length;
    float *image = calloc(3 * side * side, sizeof *image);
    float *row = malloc((size_t)p->dim * sizeof *row);
    int32_t *ids = malloc(context * sizeof *ids);
    fc_status st = FC_OK;
    if (image == NULL || row == NULL || ids == NULL)
        st = fc__fail(err, FC_ERR_OUT_OF_MEMORY, "out of memory warming the model up");
    if (st == FC_OK)
        st = fc_tokenize(p->tokenizer, "a photo", (int)context, FC_TRUNCATE, ids, context, NULL,
                         err);
    for (int r = 0; r < runs && st == FC_OK; r++) {
        st = p->backend->run_image(p->model, image, 1, row, err);
        if (st == FC_OK) st = p->backend->run_text(p->model, ids, 1, row, err);
    }
    if (st != FC_OK) fc__prefix(err, st, "first run at load: ");
    free(image);
    free(row);
    free(ids);
    return st;
}

void fc__pipeline_stats_read(const fc__pipeline *p, fc__pipeline_stats *out)
{
    out->run_ns = atomic_load(&p->run_ns);
    out->prepare_wait_ns = atomic_load(&p->prepare_wait_ns);
    out->items = atomic_load(&p->items);
}
