/* The batch loop of pipeline.h: micro-batches staged in two slots, one
 * being prepared by the workers while the other runs in the backend. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "image/source.h"
#include "image/transform.h"
#include "pipeline/output.h"
#include "pipeline/pipeline.h"

/* One micro-batch in flight: its staged inputs, one row per item, and each
 * item's outcome. */
typedef struct slot {
    struct batch *batch;
    uint8_t *rows;         /* micro x row_bytes, from the backend's allocator */
    size_t rows_bytes;
    float *embeddings;     /* micro x dim                                      */
    fc_status *status;     /* micro                                            */
    fc_error *errors;      /* micro                                            */
    size_t first, count;   /* items [first, first + count)                     */
    fc__job job;
    int busy;              /* submitted, not yet finished or cancelled         */
} slot;

/* What one call prepares and how: images or texts. */
typedef struct kind {
    const char *noun;
    size_t row_bytes;
    /* Prepares item `i` into `row`; its own status and message. */
    fc_status (*prepare)(const struct batch *b, size_t i, void *row, fc_error *err);
    fc_status (*run)(const fc__pipeline *p, const void *rows, size_t n, float *out, fc_error *err);
} kind;

typedef struct batch {
    fc__pipeline *p;
    const kind *kind;
    const void *items;          /* const fc_image * or const char *const * */
    const fc__encode_options *o;
    fc__transform transform;    /* images */
    fc__limits limits;          /* images */
} batch;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the two kinds ---------------------------------------------------- */

static fc_status prepare_image(const batch *b, size_t i, void *row, fc_error *err)
{
    const fc_image *images = b->items;
    return fc__preprocess_image(&images[i], &b->limits, &b->transform, row, err);
}

static fc_status run_image(const fc__pipeline *p, const void *rows, size_t n, float *out,
                           fc_error *err)
{
    return p->backend->run_image(p->model, rows, n, out, err);
}

static fc_status prepare_text(const batch *b, size_t i, void *row, fc_error *err)
{
    const char *const *texts = b->items;
    const int context = b->p->context_length;
    if (texts[i] == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "text is NULL");
    return fc_tokenize(b->p->tokenizer, texts[i], context, b->o->truncation, row, (size_t)context,
                       NULL, err);
}

static fc_status run_text(const fc__pipeline *p, const void *rows, size_t n, float *out,
                          fc_error *err)
{
    return p->backend->run_text(p->model, rows, n, out, err);
}

/* ---- slots ---------------------------------------------------------------- */

static fc_status slot_alloc(slot *s, batch *b, size_t rows, fc_error *err)
{
    memset(s, 0, sizeof *s);
    s->batch = b;
    size_t row_bytes = b->kind->row_bytes, dim = (size_t)b->p->dim;
    if (b->p->micro_batch > SIZE_MAX / row_bytes || rows > SIZE_MAX / sizeof(float) / dim)
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "a micro-batch of %zu %ss is too large", rows,
                        b->kind->noun);
    /* Always a whole micro-batch: the buffers are kept and reused by size,
     * and pages a small call never touches cost nothing. */
    s->rows_bytes = b->p->micro_batch * row_bytes;
    s->rows = fc__pipeline_stage_take(b->p, s->rows_bytes);
    s->embeddings = malloc(rows * dim * sizeof *s->embeddings);
    s->status = malloc(rows * sizeof *s->status);
    s->errors = malloc(rows * sizeof *s->errors);
    if (s->rows == NULL || s->embeddings == NULL || s->status == NULL || s->errors == NULL)
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY,
                        "out of memory staging a micro-batch of %zu %ss (%zu bytes each)", rows,
                        b->kind->noun, row_bytes);
    return FC_OK;
}

static void slot_free(slot *s)
{
    if (s->batch == NULL) return;
    fc__pipeline_stage_give(s->batch->p, s->rows, s->rows_bytes);
    free(s->embeddings);
    free(s->status);
    free(s->errors);
}

static void prepare_one(void *ctx, size_t i)
{
    slot *s = ctx;
    const batch *b = s->batch;
    s->errors[i].message[0] = '\0';
    s->status[i] = b->kind->prepare(b, s->first + i, s->rows + i * b->kind->row_bytes,
                                    &s->errors[i]);
}

/* Offers items [first, first + count) to the workers. */
static void slot_start(slot *s, size_t first, size_t count)
{
    s->first = first;
    s->count = count;
    s->busy = 1;
    fc__pool_submit(s->batch->p->pool, &s->job, prepare_one, s, count);
}

static void slot_finish(slot *s)
{
    uint64_t t0 = now_ns();
    fc__pool_finish(s->batch->p->pool, &s->job);
    atomic_fetch_add(&s->batch->p->prepare_wait_ns, now_ns() - t0);
    s->busy = 0;
}

static void slot_cancel(slot *s)
{
    if (!s->busy) return;
    fc__pool_cancel(s->batch->p->pool, &s->job);
    s->busy = 0;
}

/* ---- the loop ---------------------------------------------------------------- */

/* How the call is going: the first item that failed, and how many did. */
typedef struct outcome {
    size_t failed, first_bad;
    fc_status first_status;
    char first_message[FC_ERROR_MESSAGE_SIZE];
} outcome;

/* Runs the good items of a prepared slot and writes every item's row. */
static fc_status slot_run(slot *s, float *out, fc_status *statuses, int is_batch, outcome *oc,
                          fc_error *err)
{
    batch *b = s->batch;
    const size_t rb = b->kind->row_bytes, dim = (size_t)b->p->dim;
    size_t good = 0;
    for (size_t i = 0; i < s->count; i++) {
        size_t item = s->first + i;
        if (s->status[i] == FC_OK) {
            /* Good rows move up over bad ones: the backend takes them packed. */
            if (good != i) memmove(s->rows + good * rb, s->rows + i * rb, rb);
            good++;
            continue;
        }
        if (statuses == NULL) {
            if (is_batch)
                return fc__fail(err, s->status[i], "%s %zu: %s", b->kind->noun, item,
                                s->errors[i].message);
            return fc__fail(err, s->status[i], "%s", s->errors[i].message);
        }
        if (oc->failed++ == 0) {
            oc->first_bad = item;
            oc->first_status = s->status[i];
            memcpy(oc->first_message, s->errors[i].message, sizeof oc->first_message);
        }
    }
    if (good > 0) {
        uint64_t t0 = now_ns();
        fc_status st = b->kind->run(b->p, s->rows, good, s->embeddings, err);
        atomic_fetch_add(&b->p->run_ns, now_ns() - t0);
        if (st != FC_OK) return st;
        atomic_fetch_add(&b->p->items, good);
    }
    for (size_t i = 0, k = 0; i < s->count; i++) {
        float *row = out + (s->first + i) * dim;
        if (statuses != NULL) statuses[s->first + i] = s->status[i];
        if (s->status[i] != FC_OK) {
            memset(row, 0, dim * sizeof *row);
            continue;
        }
        memcpy(row, s->embeddings + k * dim, dim * sizeof *row);
        if (b->o->normalize) fc__l2_normalize(row, dim);
        k++;
    }
    return FC_OK;
}

static fc_status run_batch(batch *b, size_t n, float *out, fc_status *statuses, int is_batch,
                           fc_error *err)
{
    if (n == 0) return FC_OK;
    const size_t micro = b->p->micro_batch;
    const size_t rows = n < micro ? n : micro;
    slot slots[2];
    memset(slots, 0, sizeof slots);
    fc_status st = slot_alloc(&slots[0], b, rows, err);
    if (st == FC_OK && n > micro) st = slot_alloc(&slots[1], b, rows, err);
    outcome oc;
    memset(&oc, 0, sizeof oc);
    if (st == FC_OK) {
        slot_start(&slots[0], 0, rows);
        slot_finish(&slots[0]);
    }
    for (size_t first = 0, k = 0; st == FC_OK && first < n; first += micro, k ^= 1) {
        slot *now = &slots[k], *next = &slots[k ^ 1];
        size_t after = first + micro;
        if (after < n) slot_start(next, after, n - after < micro ? n - after : micro);
        st = slot_run(now, out, statuses, is_batch, &oc, err);
        if (st != FC_OK) slot_cancel(next);
        else if (after < n) slot_finish(next);
    }
    slot_free(&slots[0]);
    slot_free(&slots[1]);
    if (st != FC_OK) return st;
    if (oc.failed)
        return fc__fail(err, FC_ERR_PARTIAL, "%zu of %zu %ss failed; first, %s %zu: %s", oc.failed,
                        n, b->kind->noun, b->kind->noun, oc.first_bad, oc.first_message);
    return FC_OK;
}

fc_status fc__pipeline_images(fc__pipeline *p, const fc_image *images, size_t n,
                              const fc__encode_options *o, float *out, fc_status *statuses,
                              int is_batch, fc_error *err)
{
    const size_t n_side = (size_t)p->image_size;
    const kind k = {"image", 3 * n_side * n_side * sizeof(float), prepare_image, run_image};
    batch b = {.p = p, .kind = &k, .items = images, .o = o};
    b.limits.max_pixels = o->max_pixels;
    b.limits.max_bytes = o->max_bytes;
    fc__transform_init(&b.transform, p->image_size, o->order, fc__clip_mean, fc__clip_std);
    return run_batch(&b, n, out, statuses, is_batch, err);
}

fc_status fc__pipeline_texts(fc__pipeline *p, const char *const *texts, size_t n,
                             const fc__encode_options *o, float *out, fc_status *statuses,
                             int is_batch, fc_error *err)
{
    const kind k = {"text", (size_t)p->context_length * sizeof(int32_t), prepare_text, run_text};
    batch b = {.p = p, .kind = &k, .items = texts, .o = o};
    return run_batch(&b, n, out, statuses, is_batch, err);
}
