/* Inputs the caller prepared (fc_encode_image_tensors, fc_encode_token_ids):
 * no decoding, no tokenizing and so no workers; the caller's rows go to the
 * backend straight from its memory, a micro-batch at a time, so the
 * backend sees the same batches as through the batch calls and the bytes
 * are the same. */
#include <time.h>

#include "common/error.h"
#include "pipeline/output.h"
#include "pipeline/pipeline.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static fc_status run_rows(fc__pipeline *p, int is_text, const void *rows, size_t n, float *out,
                          fc_error *err)
{
    uint64_t t0 = now_ns();
    fc_status st = is_text ? p->backend->run_text(p->model, rows, n, out, err)
                           : p->backend->run_image(p->model, rows, n, out, err);
    atomic_fetch_add(&p->run_ns, now_ns() - t0);
    if (st == FC_OK) atomic_fetch_add(&p->items, n);
    return st;
}

fc_status fc__pipeline_prepared(fc__pipeline *p, int is_text, const void *data, size_t n,
                                int normalize, float *out, fc_error *err)
{
    const size_t dim = (size_t)p->dim;
    const size_t row_bytes = is_text ? (size_t)p->context_length * sizeof(int32_t)
                                     : 3 * (size_t)p->image_size * (size_t)p->image_size *
                                           sizeof(float);
    const unsigned char *rows = data;
    for (size_t first = 0; first < n; first += p->micro_batch) {
        size_t count = n - first < p->micro_batch ? n - first : p->micro_batch;
        fc_status st = run_rows(p, is_text, rows + first * row_bytes, count, out + first * dim,
                                err);
        if (st != FC_OK) return st;
    }
    if (normalize)
        for (size_t i = 0; i < n; i++) fc__l2_normalize(out + i * dim, dim);
    return FC_OK;
}
