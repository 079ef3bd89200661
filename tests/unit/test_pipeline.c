/* The model layer and the batch pipeline in C (src/model/, src/pipeline/),
 * on the deterministic test backend (tests/backend/): every row equals the
 * backend's embedding of the exactly preprocessed input, for any worker
 * count and micro-batch size; per-item statuses; memory bounded by the
 * micro-batch; failures of items and of the model; parameters; many
 * threads on one model. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/test_backend.h"
#include "check.h"
#include "fastclip.h"
#include "model/model.h"

#define SPEC "dim=8 size=16 context=77"
#define DIM 8
#define SIDE 16
#define FLOATS (3 * SIDE * SIDE)

/* ---- inputs ----------------------------------------------------------- */

static uint64_t rng_state = 88172645463325252u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

enum { N_IMAGES = 70 };

/* A batch of every source kind and several bad items, with the row a
 * correct pipeline must give each (zeros for the bad ones). */
typedef struct inputs {
    fc_image images[N_IMAGES];
    fc_status want_status[N_IMAGES];
    float want[N_IMAGES][DIM];
    uint8_t *buffers[N_IMAGES];
    char paths[N_IMAGES][64];
} inputs;

static const fc_pixel_format formats[] = {FC_PIXEL_GRAY8, FC_PIXEL_GRAYA8, FC_PIXEL_RGB8,
                                          FC_PIXEL_RGBA8, FC_PIXEL_BGR8, FC_PIXEL_BGRA8};
static const int channels[] = {1, 2, 3, 4, 3, 4};

/* A binary PPM of random pixels. */
static uint8_t *make_ppm(int w, int h, size_t *size)
{
    char head[32];
    int n = snprintf(head, sizeof head, "P6\n%d %d\n255\n", w, h);
    *size = (size_t)n + (size_t)w * h * 3;
    uint8_t *p = malloc(*size);
    memcpy(p, head, (size_t)n);
    for (size_t i = (size_t)n; i < *size; i++) p[i] = (uint8_t)rnd();
    return p;
}

static void inputs_make(inputs *in)
{
    memset(in, 0, sizeof *in);
    static float tensor[FLOATS];
    fc_preprocess_params pp;
    fc_preprocess_params_init(&pp, sizeof pp);
    pp.size = SIDE;
    for (int i = 0; i < N_IMAGES; i++) {
        int w = 1 + (int)(rnd() % 90), h = 1 + (int)(rnd() % 90);
        fc_status st = FC_OK;
        if (i % 10 == 7) {
            /* Bad: encoded bytes that are no image. */
            in->buffers[i] = (uint8_t *)strdup("certainly not an image");
            in->images[i] = fc_image_memory(in->buffers[i], strlen((char *)in->buffers[i]));
            st = FC_ERR_UNKNOWN_FORMAT;
        } else if (i % 10 == 3) {
            /* Bad: a file that is not there. */
            snprintf(in->paths[i], sizeof in->paths[i], "/nonexistent/image-%d.ppm", i);
            in->images[i] = fc_image_file(in->paths[i]);
            st = FC_ERR_IO;
        } else if (i % 5 == 1) {
            /* A PPM file. */
            size_t size;
            uint8_t *ppm = make_ppm(w, h, &size);
            snprintf(in->paths[i], sizeof in->paths[i], "/tmp/fc-test-pipeline-%d-%d.ppm",
                     (int)getpid(), i);
            FILE *f = fopen(in->paths[i], "wb");
            CHECK(f != NULL && fwrite(ppm, 1, size, f) == size);
            if (f) fclose(f);
            CHECK(fc_preprocess_memory(ppm, size, &pp, tensor, FLOATS, NULL) == FC_OK);
            free(ppm);
            in->images[i] = fc_image_file(in->paths[i]);
        } else if (i % 5 == 2) {
            /* PPM bytes in memory. */
            size_t size;
            in->buffers[i] = make_ppm(w, h, &size);
            in->images[i] = fc_image_memory(in->buffers[i], size);
            CHECK(fc_preprocess_memory(in->buffers[i], size, &pp, tensor, FLOATS, NULL) == FC_OK);
        } else {
            /* Pixels of any layout, rows padded. */
            int f = (int)(rnd() % 6);
            size_t stride = (size_t)w * channels[f] + rnd() % 5;
            in->buffers[i] = malloc(stride * h);
            for (size_t k = 0; k < stride * h; k++) in->buffers[i][k] = (uint8_t)rnd();
            in->images[i] = fc_image_pixels(in->buffers[i], w, h, stride, formats[f]);
            CHECK(fc_preprocess_pixels(in->buffers[i], w, h, stride, formats[f], &pp, tensor,
                                       FLOATS, NULL) == FC_OK);
        }
        in->want_status[i] = st;
        if (st == FC_OK) test_backend_image_row(tensor, SIDE, DIM, in->want[i]);
    }
}

static void inputs_free(inputs *in)
{
    for (int i = 0; i < N_IMAGES; i++) {
        free(in->buffers[i]);
        if (strncmp(in->paths[i], "/tmp/", 5) == 0) unlink(in->paths[i]);
    }
}

static inputs in;

static const char *const texts[] = {"a photo of a cat", "", "caf\xc3(", "a diagram",
                                    NULL, "ünïcödé ✓ 日本語", "an extremely long caption that "
                                    "goes on and on and on and on and on and on and on and on "
                                    "and on and on and on and on and on and on and on and on"};
enum { N_TEXTS = sizeof texts / sizeof texts[0] };

static fc_tokenizer *tokenizer; /* made in main, then only read */

/* The row for `text`; 0 if it does not tokenize. CHECK is not for threads
 * (its counters are plain ints), so callers check the result. */
static int text_want(const char *text, float *row)
{
    int32_t ids[77];
    if (fc_tokenize(tokenizer, text, 77, FC_TRUNCATE, ids, 77, NULL, NULL) != FC_OK) return 0;
    test_backend_text_row(ids, 77, DIM, row);
    return 1;
}

/* ---- helpers ------------------------------------------------------------- */

static fc_model *load(const char *spec, int workers, int micro, int warmup)
{
    fc_model_params p;
    fc_model_params_init(&p, sizeof p);
    p.workers = workers;
    p.micro_batch = micro;
    p.warmup = warmup;
    fc_model *m = NULL;
    fc_error err;
    fc_status st = fc__load_with(test_backend(), spec, "load:cpu", &p, &m, &err);
    if (st != FC_OK) fprintf(stderr, "load: %s\n", err.message);
    CHECK(st == FC_OK && m != NULL);
    return m;
}

static int rows_ok(const float *out, const fc_status *statuses)
{
    for (int i = 0; i < N_IMAGES; i++) {
        if (statuses[i] != in.want_status[i]) return 0;
        if (memcmp(out + i * DIM, in.want[i], sizeof in.want[i]) != 0) return 0;
    }
    return 1;
}

/* ---- tests ------------------------------------------------------------------- */

static void test_rows_for_any_workers_and_micro_batch(void)
{
    static const int workers[] = {0, 1, 2, 8, FC_WORKERS_AUTO};
    static const int micro[] = {1, 3, 32, 200};
    float out[N_IMAGES * DIM];
    fc_status statuses[N_IMAGES];
    for (size_t w = 0; w < sizeof workers / sizeof workers[0]; w++)
        for (size_t k = 0; k < sizeof micro / sizeof micro[0]; k++) {
            fc_model *m = load(SPEC, workers[w], micro[k], 0);
            if (m == NULL) continue;
            memset(out, 0xff, sizeof out);
            fc_error err;
            fc_status st = fc_encode_images(m, in.images, N_IMAGES, NULL, out,
                                            N_IMAGES * DIM, statuses, &err);
            CHECK(st == FC_ERR_PARTIAL);
            CHECK(strstr(err.message, "14 of 70 images failed; first, image 3: ") != NULL);
            int ok = rows_ok(out, statuses);
            if (!ok) fprintf(stderr, "workers %d, micro-batch %d: rows differ\n", workers[w], micro[k]);
            CHECK(ok);
            fc_free(m);
        }
}

static void test_memory_bounded_by_micro_batch(void)
{
    test_backend_counters c;
    test_backend_counters_read(&c);
    const uint64_t base = c.staged_bytes;
    test_backend_counters_reset();
    fc_model *m = load(SPEC, 3, 4, 0);
    float out[N_IMAGES * DIM];
    fc_status statuses[N_IMAGES];
    for (int call = 0; call < 3; call++)
        fc_encode_images(m, in.images, N_IMAGES, NULL, out, N_IMAGES * DIM, statuses, NULL);
    test_backend_counters_read(&c);
    CHECK(c.largest_batch <= 4 && c.largest_batch >= 1);
    /* Two slots of 4 images staged at most, whatever the batch size, and
     * kept for the next calls rather than made again. */
    CHECK(c.most_staged - base == 2 * 4 * FLOATS * sizeof(float));
    /* Runs: one per micro-batch with a good item (18 micro-batches). */
    CHECK(c.runs == 3 * ((N_IMAGES + 3) / 4));
    fc_free(m);
    test_backend_counters_read(&c);
    CHECK(c.staged_bytes == base); /* all given back by fc_free */
}

static void test_first_bad_item_fails_the_call(void)
{
    fc_model *m = load(SPEC, 4, 8, 0);
    float out[N_IMAGES * DIM];
    fc_error err;
    fc_status st = fc_encode_images(m, in.images, N_IMAGES, NULL, out, N_IMAGES * DIM, NULL, &err);
    CHECK(st == FC_ERR_IO && err.status == FC_ERR_IO);
    CHECK(strncmp(err.message, "image 3: ", 9) == 0);
    /* The same from the second item of a later micro-batch. */
    st = fc_encode_images(m, in.images + 4, N_IMAGES - 4, NULL, out, N_IMAGES * DIM, NULL, &err);
    CHECK(st == FC_ERR_UNKNOWN_FORMAT && strncmp(err.message, "image 3: ", 9) == 0);
    /* A single call names no index. */
    st = fc_encode_image(m, &in.images[7], NULL, out, DIM, &err);
    CHECK(st == FC_ERR_UNKNOWN_FORMAT && strncmp(err.message, "image", 5) != 0);
    fc_free(m);
}

static void test_model_failure_fails_the_call(void)
{
    test_backend_counters c;
    test_backend_counters_read(&c);
    const uint64_t base = c.staged_bytes;
    for (int workers = 0; workers <= 4; workers += 4) {
        fc_model *m = load("dim=8 size=16 context=77 fail_run=3", workers, 4, 0);
        float out[N_IMAGES * DIM];
        fc_status statuses[N_IMAGES];
        fc_error err;
        fc_status st = fc_encode_images(m, in.images, N_IMAGES, NULL, out, N_IMAGES * DIM,
                                        statuses, &err);
        CHECK(st == FC_ERR_MODEL && strstr(err.message, "test backend") != NULL);
        /* The model keeps working for the next call. */
        st = fc_encode_images(m, in.images, N_IMAGES, NULL, out, N_IMAGES * DIM, statuses, &err);
        CHECK(st == FC_ERR_PARTIAL && rows_ok(out, statuses));
        fc_free(m);
    }
    test_backend_counters_read(&c);
    CHECK(c.staged_bytes == base);
}

static void test_normalize(void)
{
    fc_model *m = load(SPEC, 2, 16, 0);
    fc_encode_params ep;
    fc_encode_params_init(&ep, sizeof ep);
    ep.normalize = 1;
    float out[N_IMAGES * DIM];
    fc_status statuses[N_IMAGES];
    fc_encode_images(m, in.images, N_IMAGES, &ep, out, N_IMAGES * DIM, statuses, NULL);
    int ok = 1;
    for (int i = 0; i < N_IMAGES; i++) {
        if (in.want_status[i] != FC_OK) continue;
        double sum = 0, norm2 = 0;
        for (int k = 0; k < DIM; k++) sum += (double)in.want[i][k] * in.want[i][k];
        float norm = (float)sqrt(sum);
        for (int k = 0; k < DIM; k++) {
            ok &= out[i * DIM + k] == in.want[i][k] / norm;
            norm2 += (double)out[i * DIM + k] * out[i * DIM + k];
        }
        ok &= fabs(sqrt(norm2) - 1.0) < 1e-6;
    }
    CHECK(ok);
    fc_free(m);
}

static void test_texts(void)
{
    fc_model *m = load(SPEC, 3, 2, 0);
    float out[N_TEXTS * DIM], want[DIM];
    fc_status statuses[N_TEXTS];
    fc_error err;
    fc_status st = fc_encode_texts(m, texts, N_TEXTS, NULL, out, N_TEXTS * DIM, statuses, &err);
    CHECK(st == FC_ERR_PARTIAL && strstr(err.message, "2 of 7 texts failed; first, text 2") != NULL);
    for (int i = 0; i < N_TEXTS; i++) {
        if (i == 2) {
            CHECK(statuses[i] == FC_ERR_INVALID_UTF8);
        } else if (i == 4) {
            CHECK(statuses[i] == FC_ERR_INVALID_ARGUMENT);
        } else {
            CHECK(statuses[i] == FC_OK);
            CHECK(text_want(texts[i], want));
            CHECK(memcmp(out + i * DIM, want, sizeof want) == 0);
            float one[DIM];
            CHECK(fc_encode_text(m, texts[i], NULL, one, DIM, NULL) == FC_OK);
            CHECK(memcmp(one, want, sizeof want) == 0);
        }
    }
    st = fc_encode_texts(m, texts, N_TEXTS, NULL, out, N_TEXTS * DIM, NULL, &err);
    CHECK(st == FC_ERR_INVALID_UTF8 && strncmp(err.message, "text 2: ", 8) == 0);
    fc_encode_params ep;
    fc_encode_params_init(&ep, sizeof ep);
    ep.truncation = FC_NO_TRUNCATE;
    char long_text[400];
    for (int i = 0; i < 399; i++) long_text[i] = i % 2 ? ' ' : 'a';
    long_text[399] = '\0';
    CHECK(fc_encode_text(m, long_text, &ep, out, DIM, NULL) == FC_ERR_TEXT_TOO_LONG);
    CHECK(fc_encode_text(m, long_text, NULL, out, DIM, NULL) == FC_OK);
    fc_free(m);
}

static void test_arguments_and_params(void)
{
    fc_model *m = load(SPEC, 2, 4, 1);
    float out[4 * DIM];
    fc_error err;
    CHECK(fc_encode_images(m, in.images, 4, NULL, out, 4 * DIM - 1, NULL, &err) == FC_ERR_BUFFER_TOO_SMALL);
    CHECK(fc_encode_images(m, NULL, 4, NULL, out, 4 * DIM, NULL, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_encode_images(m, in.images, 4, NULL, NULL, 4 * DIM, NULL, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_encode_images(m, NULL, 0, NULL, NULL, 0, NULL, &err) == FC_OK);
    CHECK(fc_encode_texts(m, NULL, 0, NULL, NULL, 0, NULL, &err) == FC_OK);
    CHECK(fc_encode_images(NULL, in.images, 1, NULL, out, DIM, NULL, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_model_dim(m) == DIM && fc_model_image_size(m) == SIDE && fc_model_context_length(m) == 77);
    fc_free(m);

    fc_model_params p;
    fc_model_params_init(&p, sizeof p);
    CHECK(p.workers == FC_WORKERS_AUTO && p.micro_batch == FC_DEFAULT_MICRO_BATCH);
    const struct {
        int workers, micro;
        const char *needle;
    } bad[] = {{-2, 8, "workers"}, {1025, 8, "workers"}, {2, 0, "micro_batch"},
               {2, FC_MAX_MICRO_BATCH + 1, "micro_batch"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fc_model_params_init(&p, sizeof p);
        p.workers = bad[i].workers;
        p.micro_batch = bad[i].micro;
        m = (fc_model *)&err;
        CHECK(fc__load_with(test_backend(), SPEC, NULL, &p, &m, &err) == FC_ERR_INVALID_ARGUMENT);
        CHECK(strstr(err.message, bad[i].needle) != NULL);
    }
    /* A caller built against 0.3.0 passes the struct without workers and
     * micro_batch: accepted, with their defaults. */
    fc_model_params_init(&p, offsetof(fc_model_params, workers));
    p.warmup = 0;
    CHECK(p.struct_size == offsetof(fc_model_params, workers));
    m = NULL;
    CHECK(fc__load_with(test_backend(), SPEC, NULL, &p, &m, &err) == FC_OK);
    CHECK(m != NULL && m->pipeline.micro_batch == FC_DEFAULT_MICRO_BATCH);
    fc_free(m);

    /* Modes and devices, checked before any backend. */
    const struct {
        const char *mode, *device, *needle;
    } places[] = {{"load:tpu", NULL, "load:tpu"}, {"load:cpu", "gpu7", "gpu7"},
                  {"load:cuda", "cpu", "load:cpu"}, {"load:cuda:x", NULL, "cuda:x"},
                  {"load:cpu", "cuda:", "cuda:"}};
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        fc_model_params_init(&p, sizeof p);
        p.device = places[i].device;
        CHECK(fc_load("Makefile", places[i].mode, &p, &m, &err) == FC_ERR_INVALID_ARGUMENT);
        CHECK(m == NULL && strstr(err.message, places[i].needle) != NULL);
    }
}

static void test_load_failures(void)
{
    fc_model *m = (fc_model *)&in;
    fc_error err;
    CHECK(fc__load_with(test_backend(), "fail_load=1", NULL, NULL, &m, &err) == FC_ERR_MODEL);
    fc_model_params p;
    fc_model_params_init(&p, sizeof p);
    p.warmup = 1;
    m = NULL;
    CHECK(fc__load_with(test_backend(), "fail_run=2", NULL, &p, &m, &err) == FC_ERR_MODEL);
    CHECK(m == NULL && strncmp(err.message, "first run at load: ", 19) == 0);
    p.bpe_path = "/nonexistent/bpe.txt.gz";
    CHECK(fc__load_with(test_backend(), SPEC, NULL, &p, &m, &err) == FC_ERR_IO);
    CHECK(strncmp(err.message, "tokenizer: ", 11) == 0);

    /* Files fc_load refuses by their content or kind, at once. */
    CHECK(fc_load("Makefile", NULL, NULL, &m, &err) == FC_ERR_MODEL);
    CHECK(strstr(err.message, "not a model file") != NULL);
    CHECK(fc_load("src", NULL, NULL, &m, &err) == FC_ERR_IO);
    CHECK(strstr(err.message, "not a regular file") != NULL);
    CHECK(fc_load("/nonexistent/model.pt", NULL, NULL, &m, &err) == FC_ERR_IO);
    char fifo[64];
    snprintf(fifo, sizeof fifo, "/tmp/fc-test-pipeline-fifo-%d", (int)getpid());
    if (mkfifo(fifo, 0600) == 0) {
        /* A FIFO without a writer would block an open() forever. */
        CHECK(fc_load(fifo, NULL, NULL, &m, &err) == FC_ERR_IO);
        fc_image im = fc_image_file(fifo);
        float out[FLOATS];
        fc_preprocess_params pp;
        fc_preprocess_params_init(&pp, sizeof pp);
        pp.size = SIDE;
        CHECK(fc_preprocess_file(fifo, &pp, out, FLOATS, &err) == FC_ERR_IO);
        (void)im;
        unlink(fifo);
    } else {
        fprintf(stderr, "mkfifo %s: %s\n", fifo, strerror(errno));
        CHECK(0);
    }
}

typedef struct caller {
    fc_model *model;
    int ok;
} caller;

static void *encode_everything(void *arg)
{
    caller *c = arg;
    float out[N_IMAGES * DIM], want[DIM];
    fc_status statuses[N_IMAGES];
    c->ok = 1;
    for (int round = 0; round < 3; round++) {
        fc_status st = fc_encode_images(c->model, in.images, N_IMAGES, NULL, out, N_IMAGES * DIM,
                                        statuses, NULL);
        c->ok &= st == FC_ERR_PARTIAL && rows_ok(out, statuses);
        const char *const good[] = {texts[0], texts[3], texts[5]};
        st = fc_encode_texts(c->model, good, 3, NULL, out, 3 * DIM, NULL, NULL);
        c->ok &= st == FC_OK;
        for (int i = 0; i < 3 && st == FC_OK; i++)
            c->ok &= text_want(good[i], want) && memcmp(out + i * DIM, want, sizeof want) == 0;
    }
    return NULL;
}

static void test_threads_share_a_model(void)
{
    fc_model *m = load(SPEC, 3, 5, 0);
    enum { THREADS = 8 };
    pthread_t tid[THREADS];
    caller c[THREADS];
    for (int t = 0; t < THREADS; t++) {
        c[t] = (caller){m, 0};
        pthread_create(&tid[t], NULL, encode_everything, &c[t]);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(tid[t], NULL);
        CHECK(c[t].ok);
    }
    fc_free(m);
}

/* fc_encode_image_tensors and fc_encode_token_ids: the caller's tensors
 * give the rows the same inputs give through the batch calls, a
 * micro-batch at a time; bad ids are refused before anything runs. */
static void test_prepared_inputs(void)
{
    enum { N = 11 };
    static float pixels[N][FLOATS];
    float want[N][DIM], out[N * DIM];
    fc_preprocess_params pp;
    fc_preprocess_params_init(&pp, sizeof pp);
    pp.size = SIDE;
    for (int i = 0; i < N; i++) {
        uint8_t rgb[7 * 5 * 3];
        for (size_t k = 0; k < sizeof rgb; k++) rgb[k] = (uint8_t)rnd();
        CHECK(fc_preprocess_pixels(rgb, 7, 5, 21, FC_PIXEL_RGB8, &pp, pixels[i], FLOATS, NULL) == FC_OK);
        test_backend_image_row(pixels[i], SIDE, DIM, want[i]);
    }
    fc_model *m = load(SPEC, 2, 3, 0);
    fc_error err;
    test_backend_counters_reset();
    CHECK(fc_encode_image_tensors(m, &pixels[0][0], N, NULL, out, N * DIM, &err) == FC_OK);
    CHECK(memcmp(out, want, sizeof want) == 0);
    test_backend_counters c;
    test_backend_counters_read(&c);
    CHECK(c.runs == 4 && c.largest_batch == 3); /* 3 + 3 + 3 + 2 */
    fc_encode_params ep;
    fc_encode_params_init(&ep, sizeof ep);
    ep.normalize = 1;
    CHECK(fc_encode_image_tensors(m, &pixels[0][0], N, &ep, out, N * DIM, &err) == FC_OK);
    for (int i = 0; i < N; i++) {
        float row[DIM];
        memcpy(row, want[i], sizeof row);
        double sum = 0;
        for (int k = 0; k < DIM; k++) sum += (double)row[k] * row[k];
        for (int k = 0; k < DIM; k++) row[k] /= (float)sqrt(sum);
        CHECK(memcmp(out + i * DIM, row, sizeof row) == 0);
    }
    CHECK(fc_encode_image_tensors(m, &pixels[0][0], N, NULL, out, N * DIM - 1, &err) == FC_ERR_BUFFER_TOO_SMALL);
    CHECK(fc_encode_image_tensors(m, NULL, 1, NULL, out, DIM, &err) == FC_ERR_INVALID_ARGUMENT &&
          strstr(err.message, "pixels") != NULL);
    CHECK(fc_encode_image_tensors(m, NULL, 0, NULL, NULL, 0, &err) == FC_OK);

    /* Texts: ids from fc_tokenize give the rows the texts give. */
    static const char *const words[] = {"a photo of a cat", "", "a diagram", "ünïcödé ✓"};
    enum { T = sizeof words / sizeof words[0] };
    int32_t ids[T][77];
    float text_rows[T][DIM];
    for (int i = 0; i < T; i++) {
        CHECK(fc_tokenize(tokenizer, words[i], 77, FC_TRUNCATE, ids[i], 77, NULL, NULL) == FC_OK);
        CHECK(text_want(words[i], text_rows[i]));
    }
    CHECK(fc_encode_token_ids(m, &ids[0][0], T, NULL, out, T * DIM, &err) == FC_OK);
    CHECK(memcmp(out, text_rows, sizeof text_rows) == 0);
    const int32_t bad_ids[] = {FC_VOCAB_SIZE, -1};
    for (size_t b = 0; b < 2; b++) {
        int32_t saved = ids[2][5];
        ids[2][5] = bad_ids[b];
        test_backend_counters_reset();
        CHECK(fc_encode_token_ids(m, &ids[0][0], T, NULL, out, T * DIM, &err) == FC_ERR_INVALID_ARGUMENT);
        CHECK(strstr(err.message, "ids[2][5]") != NULL && strstr(err.message, "49407") != NULL);
        test_backend_counters_read(&c);
        CHECK(c.runs == 0);
        ids[2][5] = saved;
    }
    fc_free(m);
}

/* params.precision and params.cuda_graphs: defaults, checks, what the
 * backend is asked for, and what the model says about itself. */
static void test_precision_and_graphs(void)
{
    fc_model_params p;
    fc_model_params_init(&p, sizeof p);
    CHECK(p.precision == FC_PRECISION_AUTO && p.cuda_graphs == 0);
    const struct {
        const char *mode, *device;
        fc_precision asked, chosen;
        fc__precision backend;
    } cases[] = {
        {"load:cpu", NULL, FC_PRECISION_AUTO, FC_PRECISION_FLOAT32, FC__PRECISION_FLOAT32},
        {"load:cpu", NULL, FC_PRECISION_TF32, FC_PRECISION_FLOAT32, FC__PRECISION_FLOAT32},
        {"load:cpu", NULL, FC_PRECISION_BFLOAT16, FC_PRECISION_BFLOAT16, FC__PRECISION_BFLOAT16},
        {"load:cuda", NULL, FC_PRECISION_AUTO, FC_PRECISION_STORED, FC__PRECISION_STORED},
        {"load:cuda:3", NULL, FC_PRECISION_FLOAT32, FC_PRECISION_FLOAT32, FC__PRECISION_FLOAT32},
        {"load:cpu", "cuda:1", FC_PRECISION_AUTO, FC_PRECISION_FLOAT32, FC__PRECISION_FLOAT32},
        {"load:cpu", "cuda", FC_PRECISION_TF32, FC_PRECISION_TF32, FC__PRECISION_TF32},
        {"load:cpu", "cuda:2", FC_PRECISION_STORED, FC_PRECISION_STORED, FC__PRECISION_STORED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fc_model_params_init(&p, sizeof p);
        p.device = cases[i].device;
        p.precision = cases[i].asked;
        p.micro_batch = 5 + (int)i;
        p.cuda_graphs = (int)(i % 2);
        p.warmup = 0;
        fc_model *m = NULL;
        fc_error err;
        CHECK(fc__load_with(test_backend(), SPEC, cases[i].mode, &p, &m, &err) == FC_OK);
        fc__backend_options o;
        test_backend_last_options(&o);
        CHECK(o.precision == cases[i].backend);
        CHECK(o.max_batch == 5 + (int)i && o.cuda_graphs == (int)(i % 2));
        CHECK(fc_model_precision(m) == cases[i].chosen);
        const char *want_device = cases[i].device ? cases[i].device
                                  : strcmp(cases[i].mode, "load:cpu") == 0 ? "cpu"
                                  : strcmp(cases[i].mode, "load:cuda") == 0 ? "cuda:0" : "cuda:3";
        if (strcmp(want_device, "cuda") == 0) want_device = "cuda:0";
        CHECK(strcmp(fc_model_device(m), want_device) == 0);
        CHECK(fc_model_cuda_graphs(m, &err) == 0 && strstr(err.message, "test backend") != NULL);
        fc_free(m);
    }
    const struct {
        const char *mode, *device;
        int precision, graphs;
        const char *needle;
    } bad[] = {{"load:cpu", NULL, FC_PRECISION_STORED, 1, "FC_PRECISION_STORED"},
               {"load:cuda", "cpu", FC_PRECISION_AUTO, 1, "load:cuda"},
               {"load:cpu", NULL, 5, 1, "params.precision is 5"},
               {"load:cpu", NULL, -1, 1, "params.precision is -1"},
               {"load:cpu", NULL, FC_PRECISION_AUTO, 2, "params.cuda_graphs is 2"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fc_model_params_init(&p, sizeof p);
        p.device = bad[i].device;
        p.precision = (fc_precision)bad[i].precision;
        p.cuda_graphs = bad[i].graphs;
        fc_model *m = NULL;
        fc_error err;
        CHECK(fc__load_with(test_backend(), SPEC, bad[i].mode, &p, &m, &err) == FC_ERR_INVALID_ARGUMENT);
        CHECK(m == NULL && strstr(err.message, bad[i].needle) != NULL);
        if (strstr(err.message, bad[i].needle) == NULL) fprintf(stderr, "  got: %s\n", err.message);
    }
    /* A caller built against 0.4.0 has neither field: the defaults. */
    fc_model_params_init(&p, offsetof(fc_model_params, precision));
    p.warmup = 0;
    fc_model *m = NULL;
    CHECK(fc__load_with(test_backend(), SPEC, "load:cuda", &p, &m, NULL) == FC_OK);
    fc__backend_options o;
    test_backend_last_options(&o);
    CHECK(o.precision == FC__PRECISION_STORED && o.cuda_graphs == 0);
    fc_free(m);
    fc_error why;
    CHECK(fc_model_cuda_graphs(NULL, &why) == 0 && why.status == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_model_precision(NULL) == FC_PRECISION_AUTO && strcmp(fc_model_device(NULL), "") == 0);
}

int main(void)
{
    inputs_make(&in);
    CHECK(fc_tokenizer_new(NULL, &tokenizer, NULL) == FC_OK);
    test_rows_for_any_workers_and_micro_batch();
    test_memory_bounded_by_micro_batch();
    test_first_bad_item_fails_the_call();
    test_model_failure_fails_the_call();
    test_normalize();
    test_texts();
    test_arguments_and_params();
    test_load_failures();
    test_threads_share_a_model();
    test_prepared_inputs();
    test_precision_and_graphs();
    inputs_free(&in);
    fc_tokenizer_free(tokenizer);
    return check_summary("pipeline");
}
