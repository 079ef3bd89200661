#include "test_backend.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct model {
    int dim, size, context, fail_run, delay_us, light;
    atomic_int runs;
} model;

static atomic_uint_fast64_t runs, largest_batch, staged, most_staged, concurrent, most_concurrent;

static void raise_to(atomic_uint_fast64_t *most, uint64_t v)
{
    uint64_t seen = atomic_load(most);
    while (v > seen && !atomic_compare_exchange_weak(most, &seen, v)) {
    }
}

/* A fixed weight in [-0.5, 0.5) for output k and input position p. */
static double weight(int k, size_t p)
{
    uint64_t h = (uint64_t)p * 2654435761u + (uint64_t)k * 40503u + 12345u;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    return (double)(h % 1000u) / 1000.0 - 0.5;
}

void test_backend_image_row(const float *pixels, int size, int dim, float *out)
{
    size_t count = 3 * (size_t)size * (size_t)size;
    for (int k = 0; k < dim; k++) {
        double sum = 0.0;
        for (size_t p = 0; p < count; p++) sum += (double)pixels[p] * weight(k, p);
        out[k] = (float)sum;
    }
}

void test_backend_text_row(const int32_t *ids, int context, int dim, float *out)
{
    for (int k = 0; k < dim; k++) {
        double sum = 0.0;
        for (int j = 0; j < context; j++) sum += (double)(ids[j] % 1000 + 1) * weight(k, (size_t)j);
        out[k] = (float)sum;
    }
}

static fc_status fail(fc_error *err, fc_status st, const char *msg)
{
    if (err != NULL) {
        err->status = st;
        snprintf(err->message, sizeof err->message, "%s", msg);
    }
    return st;
}

static fc__backend_options last_options;
static char last_device[32];

void test_backend_last_options(fc__backend_options *out) { *out = last_options; }

/* It has no graphs, and says what it was asked for. */
static int cuda_graphs(void *handle, char *why, size_t size)
{
    (void)handle;
    snprintf(why, size, "test backend: asked for cuda_graphs=%d", last_options.cuda_graphs);
    return 0;
}

static fc_status load(const char *spec, const fc__backend_options *options, void **out,
                      fc__backend_info *info, fc_error *err)
{
    *out = NULL;
    model *m = calloc(1, sizeof *m);
    if (m == NULL) return fail(err, FC_ERR_OUT_OF_MEMORY, "out of memory");
    m->dim = 8;
    m->size = 16;
    m->context = 77;
    int fail_load = 0;
    const char *p = spec;
    while (*p != '\0') {
        char key[32];
        int value, used;
        if (sscanf(p, " %31[a-z_]=%d%n", key, &value, &used) != 2) break;
        if (strcmp(key, "dim") == 0) m->dim = value;
        else if (strcmp(key, "size") == 0) m->size = value;
        else if (strcmp(key, "context") == 0) m->context = value;
        else if (strcmp(key, "fail_run") == 0) m->fail_run = value;
        else if (strcmp(key, "fail_load") == 0) fail_load = value;
        else if (strcmp(key, "delay_us") == 0) m->delay_us = value;
        else if (strcmp(key, "light") == 0) m->light = value;
        p += used;
    }
    last_options = *options;
    snprintf(last_device, sizeof last_device, "%s", options->device);
    last_options.device = last_device;
    if (options->image_size > 0) m->size = options->image_size;
    if (options->context_length > 0) m->context = options->context_length;
    if (fail_load) {
        free(m);
        return fail(err, FC_ERR_MODEL, "test backend: load fails as its spec says");
    }
    atomic_init(&m->runs, 0);
    info->dim = m->dim;
    info->image_size = m->size;
    info->context_length = m->context;
    snprintf(info->input_dtype, sizeof info->input_dtype, "float32");
    snprintf(info->device, sizeof info->device, "%s", options->device);
    *out = m;
    return FC_OK;
}

/* Counts the run, sleeps if asked, and says whether it is the one to fail. */
static int begin_run(model *m, size_t n)
{
    atomic_fetch_add(&runs, 1);
    raise_to(&largest_batch, n);
    raise_to(&most_concurrent, atomic_fetch_add(&concurrent, 1) + 1);
    if (m->delay_us > 0) {
        struct timespec ts = {m->delay_us / 1000000, (long)(m->delay_us % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
    int k = atomic_fetch_add(&m->runs, 1) + 1;
    return m->fail_run > 0 && k == m->fail_run;
}

static fc_status run_image(void *handle, const float *pixels, size_t n, float *out, fc_error *err)
{
    model *m = handle;
    int failing = begin_run(m, n);
    size_t floats = 3 * (size_t)m->size * (size_t)m->size;
    for (size_t i = 0; i < n && !failing; i++) {
        if (m->light) {
            /* Next to no work: for benchmarks of the pipeline alone. */
            for (int k = 0; k < m->dim; k++) out[i * (size_t)m->dim + (size_t)k] = pixels[i * floats + (size_t)k % floats];
            continue;
        }
        test_backend_image_row(pixels + i * floats, m->size, m->dim, out + i * (size_t)m->dim);
    }
    atomic_fetch_sub(&concurrent, 1);
    return failing ? fail(err, FC_ERR_MODEL, "test backend: run fails as its spec says") : FC_OK;
}

static fc_status run_text(void *handle, const int32_t *ids, size_t n, float *out, fc_error *err)
{
    model *m = handle;
    int failing = begin_run(m, n);
    for (size_t i = 0; i < n && !failing; i++)
        test_backend_text_row(ids + i * (size_t)m->context, m->context, m->dim,
                              out + i * (size_t)m->dim);
    atomic_fetch_sub(&concurrent, 1);
    return failing ? fail(err, FC_ERR_MODEL, "test backend: run fails as its spec says") : FC_OK;
}

static void free_model(void *handle) { free(handle); }

/* Staging buffers carry their size in front, so that free can count it. */
static void *host_alloc(void *handle, size_t bytes)
{
    (void)handle;
    size_t *p = malloc(sizeof(size_t) * 2 + bytes);
    if (p == NULL) return NULL;
    p[0] = bytes;
    raise_to(&most_staged, atomic_fetch_add(&staged, bytes) + bytes);
    return p + 2;
}

static void host_free(void *handle, void *ptr)
{
    (void)handle;
    size_t *p = (size_t *)ptr - 2;
    atomic_fetch_sub(&staged, p[0]);
    free(p);
}

const fc__backend *test_backend(void)
{
    static const fc__backend table = {FC__BACKEND_ABI, "test",     load,      run_image,
                                      run_text,        free_model, host_alloc, host_free,
                                      cuda_graphs};
    return &table;
}

void test_backend_counters_read(test_backend_counters *out)
{
    out->runs = atomic_load(&runs);
    out->largest_batch = atomic_load(&largest_batch);
    out->staged_bytes = atomic_load(&staged);
    out->most_staged = atomic_load(&most_staged);
    out->concurrent = atomic_load(&concurrent);
    out->most_concurrent = atomic_load(&most_concurrent);
}

void test_backend_counters_reset(void)
{
    atomic_store(&runs, 0);
    atomic_store(&largest_batch, 0);
    atomic_store(&most_staged, atomic_load(&staged));
    atomic_store(&most_concurrent, 0);
}
