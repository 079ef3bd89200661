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
    p->backend = backend;
    p->model = model;
    p->dim = info->dim;
    p->image_size = info->image_size;
    p->context_length = info->context_length;
    p->tokenizer = tokenizer;
    p->micro_batch = micro_batch;
    atomic_init(&p->run_ns, 0);
    atomic_init(&p->prepare_wait_ns, 0);
    atomic_init(&p->items, 0);
    /* The calling thread is one of the workers. */
    if (workers > 1) return fc__pool_new(workers - 1, &p->pool, err);
    return FC_OK;
}

void fc__pipeline_close(fc__pipeline *p)
{
    fc__pool_free(p->pool);
    p->pool = NULL;
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
