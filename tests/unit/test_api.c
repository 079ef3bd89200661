/* The public API's contract: argument checks, statuses and messages,
 * params versioning, and calls from many threads at once. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fastclip.h"

#define N 224
#define COUNT (3 * N * N)

static uint8_t *make_rgba(int w, int h)
{
    uint8_t *p = malloc((size_t)w * h * 4);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *q = p + ((size_t)y * w + x) * 4;
            q[0] = (uint8_t)(7 * x + 3 * y);
            q[1] = (uint8_t)(x * x + 5 * y);
            q[2] = (uint8_t)((x ^ y) * 11);
            q[3] = (uint8_t)(5 * (x + 2 * y));
        }
    return p;
}

static void test_version(void)
{
    CHECK(fc_version() == FC_VERSION_NUMBER);
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", FC_VERSION_MAJOR,
             FC_VERSION_MINOR, FC_VERSION_PATCH);
    CHECK(strcmp(fc_version_string(), expect) == 0);
    for (int s = 0; s <= FC_ERR_PARTIAL; s++)
        CHECK(strcmp(fc_status_string((fc_status)s), "unknown status") != 0);
    CHECK(strcmp(fc_status_string((fc_status)999), "unknown status") == 0);
}

static void test_params(void)
{
    fc_preprocess_params p;
    CHECK(fc_preprocess_params_init(NULL, sizeof p) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_preprocess_params_init(&p, 4) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_preprocess_params_init(&p, sizeof p) == FC_OK);
    CHECK(p.size == 224 && p.order == FC_ORDER_PIL);
    CHECK(p.max_pixels == FC_DEFAULT_MAX_PIXELS);
    CHECK(fc_preprocess_output_floats(NULL) == COUNT);
    p.size = 336;
    CHECK(fc_preprocess_output_floats(&p) == 3 * 336 * 336);
    p.size = 0;
    CHECK(fc_preprocess_output_floats(&p) == 0);

    /* A caller built against a longer (future) struct: fields past ours
     * are left alone; a shorter struct than version 1 is refused. */
    unsigned char big[sizeof p + 32];
    memset(big, 0xAB, sizeof big);
    CHECK(fc_preprocess_params_init((fc_preprocess_params *)(void *)big, sizeof big) == FC_OK);
    CHECK(big[sizeof big - 1] == 0xAB);
}

static void test_errors(void)
{
    uint8_t *rgba = make_rgba(64, 48);
    float *out = malloc(COUNT * sizeof *out);
    fc_error err;
    fc_preprocess_params p;
    fc_preprocess_params_init(&p, sizeof p);

    CHECK(fc_preprocess_pixels(NULL, 64, 48, 256, FC_PIXEL_RGBA8, NULL, out, COUNT, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(err.status == FC_ERR_INVALID_ARGUMENT && strstr(err.message, "pixels") != NULL);
    CHECK(fc_preprocess_pixels(rgba, 64, 48, 256, FC_PIXEL_RGBA8, NULL, NULL, COUNT, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "out") != NULL);
    CHECK(fc_preprocess_pixels(rgba, 64, 48, 256, FC_PIXEL_RGBA8, NULL, out, COUNT - 1, &err) == FC_ERR_BUFFER_TOO_SMALL);
    CHECK(fc_preprocess_pixels(rgba, 64, 48, 255, FC_PIXEL_RGBA8, NULL, out, COUNT, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "stride") != NULL);
    CHECK(fc_preprocess_pixels(rgba, 0, 48, 256, FC_PIXEL_RGBA8, NULL, out, COUNT, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_preprocess_pixels(rgba, 64, -1, 256, FC_PIXEL_RGBA8, NULL, out, COUNT, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_preprocess_pixels(rgba, 64, 48, 256, (fc_pixel_format)99, NULL, out, COUNT, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "format") != NULL);

    p.max_pixels = 64 * 48 - 1;
    CHECK(fc_preprocess_pixels(rgba, 64, 48, 256, FC_PIXEL_RGBA8, &p, out, COUNT, &err) == FC_ERR_TOO_LARGE);
    fc_preprocess_params_init(&p, sizeof p);
    p.std[1] = 0.0f;
    CHECK(fc_preprocess_pixels(rgba, 64, 48, 256, FC_PIXEL_RGBA8, &p, out, COUNT, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "std") != NULL);
    fc_preprocess_params_init(&p, sizeof p);
    p.size = FC_MAX_SIZE + 1;
    CHECK(fc_preprocess_pixels(rgba, 64, 48, 256, FC_PIXEL_RGBA8, &p, out, COUNT, &err) == FC_ERR_INVALID_ARGUMENT);
    fc_preprocess_params_init(&p, sizeof p);
    p.order = (fc_order)7;
    CHECK(fc_preprocess_pixels(rgba, 64, 48, 256, FC_PIXEL_RGBA8, &p, out, COUNT, &err) == FC_ERR_INVALID_ARGUMENT);
    p.struct_size = 3;
    CHECK(fc_preprocess_pixels(rgba, 64, 48, 256, FC_PIXEL_RGBA8, &p, out, COUNT, &err) == FC_ERR_INVALID_ARGUMENT);

    CHECK(fc_preprocess_file(NULL, NULL, out, COUNT, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_preprocess_file("/nonexistent/x.png", NULL, out, COUNT, &err) == FC_ERR_IO);
    CHECK(strstr(err.message, "/nonexistent/x.png") != NULL);
    CHECK(fc_preprocess_file("/", NULL, out, COUNT, &err) == FC_ERR_IO);
    CHECK(fc_preprocess_memory(NULL, 10, NULL, out, COUNT, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_preprocess_memory("", 0, NULL, out, COUNT, &err) == FC_ERR_UNKNOWN_FORMAT);
    CHECK(fc_preprocess_memory("hello world, not an image", 25, NULL, out, COUNT, &err) == FC_ERR_UNKNOWN_FORMAT);
    fc_preprocess_params_init(&p, sizeof p);
    p.max_bytes = 10;
    CHECK(fc_preprocess_memory("hello world, not an image", 25, &p, out, COUNT, &err) == FC_ERR_TOO_LARGE);

    /* err may be NULL; success clears it. */
    CHECK(fc_preprocess_pixels(NULL, 64, 48, 256, FC_PIXEL_RGBA8, NULL, out, COUNT, NULL) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_preprocess_pixels(rgba, 64, 48, 256, FC_PIXEL_RGBA8, NULL, out, COUNT, &err) == FC_OK);
    CHECK(err.status == FC_OK && err.message[0] == '\0');
    free(rgba);
    free(out);
}

/* Many threads, each with its own output, must get the serial result. */
typedef struct job {
    const uint8_t *pixels;
    float *out;
    fc_status status;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    for (int i = 0; i < 20 && j->status == FC_OK; i++)
        j->status = fc_preprocess_pixels(j->pixels, 640, 480, 640 * 4, FC_PIXEL_RGBA8,
                                         NULL, j->out, COUNT, NULL);
    return NULL;
}

static void test_threads(void)
{
    uint8_t *rgba = make_rgba(640, 480);
    float *serial = malloc(COUNT * sizeof *serial);
    CHECK(fc_preprocess_pixels(rgba, 640, 480, 640 * 4, FC_PIXEL_RGBA8, NULL, serial, COUNT, NULL) == FC_OK);
    enum { THREADS = 8 };
    pthread_t tid[THREADS];
    job jobs[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t] = (job){rgba, malloc(COUNT * sizeof(float)), FC_OK};
        pthread_create(&tid[t], NULL, worker, &jobs[t]);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(tid[t], NULL);
        CHECK(jobs[t].status == FC_OK);
        CHECK(memcmp(jobs[t].out, serial, COUNT * sizeof(float)) == 0);
        free(jobs[t].out);
    }
    free(serial);
    free(rgba);
}

int main(void)
{
    test_version();
    test_params();
    test_errors();
    test_threads();
    return check_summary("api");
}
