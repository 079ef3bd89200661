/* A deterministic backend written in C, so that the C layer (src/model/,
 * src/pipeline/) can be tested without LibTorch, under every sanitizer.
 *
 * It has no model file: the "path" given to fc__load_with is its spec,
 * words of the form key=value:
 *   dim=N        embedding width (default 8)
 *   size=N       image side (default 16)
 *   context=N    ids per text (default 77)
 *   fail_run=N   the N-th run of this model (1-based, images and texts
 *                counted together) fails with FC_ERR_MODEL
 *   fail_load=1  load fails with FC_ERR_MODEL
 *   delay_us=N   each run sleeps N microseconds (a model's time)
 *   light=1      images cost next to nothing and their rows are not the
 *                ones below (for benchmarks of the pipeline alone)
 * Otherwise its embedding of an input depends on that input alone, never on the
 * batch around it: test_backend_image_row and test_backend_text_row give
 * the row a correct pipeline must return. */
#ifndef FC_TESTS_TEST_BACKEND_H
#define FC_TESTS_TEST_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"

const fc__backend *test_backend(void);

void test_backend_image_row(const float *pixels, int size, int dim, float *out);
void test_backend_text_row(const int32_t *ids, int context, int dim, float *out);

/* What every model of the process has done since the last reset. */
typedef struct test_backend_counters {
    uint64_t runs;           /* run_image and run_text calls                */
    uint64_t largest_batch;  /* the largest n handed to a run               */
    uint64_t staged_bytes;   /* host_alloc bytes not yet freed              */
    uint64_t most_staged;    /* the most ever not yet freed at once         */
    uint64_t concurrent;     /* runs in progress now                        */
    uint64_t most_concurrent;
} test_backend_counters;

/* The options of the last load (its device string copied; not for threads). */
void test_backend_last_options(fc__backend_options *out);

void test_backend_counters_read(test_backend_counters *out);
void test_backend_counters_reset(void);

#endif
