/* Test tool: the model API's contract, checked from C against a real model,
 * so that the sanitizer build checks the same calls for memory errors.
 *
 *   fc_model_api errors MODEL IMAGE PPM
 *       every argument and input error of fc_load/fc_encode_*, batches with
 *       and without per-item statuses, and the three image sources (IMAGE
 *       is any image file; PPM a binary P6 file, read here as raw pixels).
 *   fc_model_api threads MODEL THREADS ROUNDS [--mode M] IMAGE... -- TEXT...
 *       one model shared by THREADS threads, each encoding every input
 *       ROUNDS times in its own order; every result must equal the serial one
 *       bit for bit.
 *
 * Prints one line per check ("ok NAME" or "FAIL NAME: why") and exits 0 only
 * when every check passed. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastclip.h"
#include "read_file.h"

static int failures;

static void check(int ok, const char *name, const char *detail)
{
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("FAIL %s: %s\n", name, detail ? detail : "");
        failures++;
    }
}

/* A call's status must be `want`, with a message containing `needle`. */
static void expect(fc_status got, const fc_error *err, fc_status want, const char *needle,
                   const char *name)
{
    char detail[512];
    snprintf(detail, sizeof detail, "status %d (%s), message \"%s\"; wanted %d with \"%s\"",
             (int)got, fc_status_string(got), err ? err->message : "", (int)want,
             needle ? needle : "");
    int ok = got == want && (err == NULL || err->status == got);
    if (ok && needle != NULL && err != NULL) ok = strstr(err->message, needle) != NULL;
    if (ok && got != FC_OK && err != NULL) ok = err->message[0] != '\0';
    check(ok, name, detail);
}

/* A binary P6 PPM with maxval 255 and a plain header ("P6\nW H\n255\n"). */
static unsigned char *read_ppm(const char *path, int *w, int *h)
{
    size_t size;
    unsigned char *data = read_file(path, &size);
    int offset = 0, maxval = 0;
    if (data == NULL || sscanf((char *)data, "P6 %d %d %d%n", w, h, &maxval, &offset) != 3 ||
        maxval != 255 || (size_t)offset + 1 + (size_t)*w * *h * 3 > size) {
        free(data);
        return NULL;
    }
    unsigned char *pixels = malloc((size_t)*w * *h * 3);
    if (pixels) memcpy(pixels, data + offset + 1, (size_t)*w * *h * 3);
    free(data);
    return pixels;
}

static int same(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof *a) == 0; }

static int all_zero(const float *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != 0.0f) return 0;
    return 1;
}

static int errors(const char *model_path, const char *image_path, const char *ppm_path)
{
    fc_error err;
    fc_model *m = (fc_model *)&err; /* must be reset to NULL on failure */

    /* fc_load's arguments. */
    expect(fc_load(NULL, "load:cpu", NULL, &m, &err), &err, FC_ERR_INVALID_ARGUMENT, "path", "load NULL path");
    check(m == NULL, "load failure sets *out to NULL", NULL);
    expect(fc_load(model_path, "load:cpu", NULL, NULL, &err), &err, FC_ERR_INVALID_ARGUMENT, "out", "load NULL out");
    expect(fc_load(model_path, "load:tpu", NULL, &m, &err), &err, FC_ERR_INVALID_ARGUMENT, "load:tpu", "load bad mode");
    fc_model_params lp;
    fc_model_params_init(&lp, sizeof lp);
    lp.device = "gpu7";
    expect(fc_load(model_path, "load:cpu", &lp, &m, &err), &err, FC_ERR_INVALID_ARGUMENT, "gpu7", "load bad device");
    fc_model_params_init(&lp, sizeof lp);
    lp.struct_size = 3;
    expect(fc_load(model_path, NULL, &lp, &m, &err), &err, FC_ERR_INVALID_ARGUMENT, "struct_size", "load params struct_size");
    fc_model_params_init(&lp, sizeof lp);
    lp.warmup = -1;
    expect(fc_load(model_path, NULL, &lp, &m, &err), &err, FC_ERR_INVALID_ARGUMENT, "warmup", "load negative warmup");
    fc_model_params_init(&lp, sizeof lp);
    check(lp.kernels == FC_KERNELS_FAST, "kernels default to FC_KERNELS_FAST", NULL);
    *(int *)&lp.kernels = 7;
    expect(fc_load(model_path, NULL, &lp, &m, &err), &err, FC_ERR_INVALID_ARGUMENT, "kernels", "load bad kernels");
    /* A caller built against 0.2.0's header passes the struct without
     * `kernels`: accepted, with the default. */
    fc_model_params_init(&lp, offsetof(fc_model_params, kernels));
    *(int *)&lp.kernels = 7; /* beyond the caller's struct: never read */
    lp.warmup = 0;
    expect(fc_load(model_path, NULL, &lp, &m, &err), &err, FC_OK, NULL, "load 0.2.0-sized params");
    fc_free(m);
    m = NULL;
    check(fc_model_params_init(NULL, sizeof lp) == FC_ERR_INVALID_ARGUMENT, "model params init NULL", NULL);
    check(fc_model_params_init(&lp, 4) == FC_ERR_INVALID_ARGUMENT, "model params init too small", NULL);
    expect(fc_load("/nonexistent/model.pt", NULL, NULL, &m, &err), &err, FC_ERR_IO, "/nonexistent/model.pt", "load missing file");
    fc_model_params_init(&lp, sizeof lp);
    lp.bpe_path = "/nonexistent/bpe.txt.gz";
    expect(fc_load(model_path, NULL, &lp, &m, &err), &err, FC_ERR_IO, "bpe.txt.gz", "load missing bpe file");
    /* NULL err is allowed everywhere. */
    check(fc_load(NULL, NULL, NULL, &m, NULL) == FC_ERR_INVALID_ARGUMENT, "load with NULL err", NULL);

    fc_model_params_init(&lp, sizeof lp);
    lp.warmup = 0;
    fc_status st = fc_load(model_path, "load:cpu", &lp, &m, &err);
    expect(st, &err, FC_OK, NULL, "load");
    if (st != FC_OK) return 1;
    const int dim = fc_model_dim(m);
    char detail[128];
    snprintf(detail, sizeof detail, "dim %d, image size %d, context %d", dim, fc_model_image_size(m),
             fc_model_context_length(m));
    check(dim > 0 && fc_model_image_size(m) > 0 && fc_model_context_length(m) >= 2, "model shape", detail);
    check(fc_model_dim(NULL) == 0 && fc_model_image_size(NULL) == 0 && fc_model_context_length(NULL) == 0,
          "shape of NULL model is 0", NULL);

    float *a = calloc((size_t)dim * 4, sizeof *a), *b = calloc((size_t)dim * 4, sizeof *b);
    fc_image img = fc_image_file(image_path);

    /* fc_encode_image's arguments. */
    expect(fc_encode_image(NULL, &img, NULL, a, dim, &err), &err, FC_ERR_INVALID_ARGUMENT, "model", "image NULL model");
    expect(fc_encode_image(m, NULL, NULL, a, dim, &err), &err, FC_ERR_INVALID_ARGUMENT, "NULL", "image NULL image");
    expect(fc_encode_image(m, &img, NULL, NULL, dim, &err), &err, FC_ERR_INVALID_ARGUMENT, "out", "image NULL out");
    expect(fc_encode_image(m, &img, NULL, a, dim - 1, &err), &err, FC_ERR_BUFFER_TOO_SMALL, "floats", "image small out");
    fc_encode_params ep;
    fc_encode_params_init(&ep, sizeof ep);
    ep.struct_size = 1;
    expect(fc_encode_image(m, &img, &ep, a, dim, &err), &err, FC_ERR_INVALID_ARGUMENT, "struct_size", "image params struct_size");
    fc_encode_params_init(&ep, sizeof ep);
    ep.order = (fc_order)7;
    expect(fc_encode_image(m, &img, &ep, a, dim, &err), &err, FC_ERR_INVALID_ARGUMENT, "order", "image bad order");
    fc_encode_params_init(&ep, sizeof ep);
    ep.normalize = 2;
    expect(fc_encode_image(m, &img, &ep, a, dim, &err), &err, FC_ERR_INVALID_ARGUMENT, "normalize", "image bad normalize");
    fc_image bad_kind = img;
    bad_kind.kind = (fc_image_kind)42;
    expect(fc_encode_image(m, &bad_kind, NULL, a, dim, &err), &err, FC_ERR_INVALID_ARGUMENT, "kind", "image bad kind");
    fc_image missing = fc_image_file("/nonexistent/cat.jpg");
    expect(fc_encode_image(m, &missing, NULL, a, dim, &err), &err, FC_ERR_IO, "/nonexistent/cat.jpg", "image missing file");
    static const unsigned char junk[] = "this is not an image at all";
    fc_image not_image = fc_image_memory(junk, sizeof junk);
    expect(fc_encode_image(m, &not_image, NULL, a, dim, &err), &err, FC_ERR_UNKNOWN_FORMAT, NULL, "image not an image");
    fc_image null_pixels = fc_image_pixels(NULL, 4, 4, 12, FC_PIXEL_RGB8);
    expect(fc_encode_image(m, &null_pixels, NULL, a, dim, &err), &err, FC_ERR_INVALID_ARGUMENT, NULL, "image NULL pixels");
    fc_encode_params_init(&ep, sizeof ep);
    ep.max_pixels = 10;
    expect(fc_encode_image(m, &img, &ep, a, dim, &err), &err, FC_ERR_TOO_LARGE, NULL, "image over max_pixels");

    /* The three sources agree. */
    expect(fc_encode_image(m, &img, NULL, a, dim, &err), &err, FC_OK, NULL, "image from file");
    size_t size = 0;
    unsigned char *bytes = read_file(image_path, &size);
    fc_image mem = fc_image_memory(bytes, size);
    expect(fc_encode_image(m, &mem, NULL, b, dim, &err), &err, FC_OK, NULL, "image from memory");
    check(same(a, b, dim), "file and memory give the same embedding", NULL);
    int w = 0, h = 0;
    unsigned char *rgb = read_ppm(ppm_path, &w, &h);
    check(rgb != NULL, "read the PPM", ppm_path);
    if (rgb) {
        fc_image px = fc_image_pixels(rgb, w, h, (size_t)w * 3, FC_PIXEL_RGB8);
        fc_image ppm = fc_image_file(ppm_path);
        expect(fc_encode_image(m, &px, NULL, a, dim, &err), &err, FC_OK, NULL, "image from pixels");
        expect(fc_encode_image(m, &ppm, NULL, b, dim, &err), &err, FC_OK, NULL, "image from PPM file");
        check(same(a, b, dim), "pixels and their PPM file give the same embedding", NULL);
    }

    /* Normalisation. */
    fc_encode_params_init(&ep, sizeof ep);
    ep.normalize = 1;
    expect(fc_encode_image(m, &img, &ep, a, dim, &err), &err, FC_OK, NULL, "image normalized");
    double norm = 0;
    for (int k = 0; k < dim; k++) norm += (double)a[k] * a[k];
    snprintf(detail, sizeof detail, "norm %.9f", sqrt(norm));
    check(fabs(sqrt(norm) - 1.0) < 1e-5, "normalized row has unit norm", detail);

    /* Image batches. */
    fc_image batch[3] = {img, not_image, img};
    fc_status statuses[3] = {99, 99, 99};
    expect(fc_encode_images(m, batch, 3, NULL, a, (size_t)dim * 3, NULL, &err), &err, FC_ERR_UNKNOWN_FORMAT,
           "image 1", "batch without statuses fails on the bad item");
    expect(fc_encode_images(m, batch, 3, NULL, a, (size_t)dim * 3, statuses, &err), &err, FC_ERR_PARTIAL,
           "1 of 3 images failed", "batch with statuses is partial");
    check(statuses[0] == FC_OK && statuses[1] == FC_ERR_UNKNOWN_FORMAT && statuses[2] == FC_OK,
          "batch statuses", NULL);
    fc_encode_image(m, &img, NULL, b, dim, &err);
    check(same(a, b, dim) && same(a + 2 * dim, b, dim), "good batch rows equal single calls", NULL);
    check(all_zero(a + dim, dim), "bad batch row is zero", NULL);
    expect(fc_encode_images(m, batch, 3, NULL, a, (size_t)dim * 3 - 1, statuses, &err), &err,
           FC_ERR_BUFFER_TOO_SMALL, NULL, "batch small out");
    expect(fc_encode_images(m, NULL, 0, NULL, NULL, 0, NULL, &err), &err, FC_OK, NULL, "empty image batch");
    expect(fc_encode_images(m, NULL, 2, NULL, a, (size_t)dim * 2, NULL, &err), &err, FC_ERR_INVALID_ARGUMENT,
           "images", "batch NULL images");

    /* Texts. */
    expect(fc_encode_text(m, NULL, NULL, a, dim, &err), &err, FC_ERR_INVALID_ARGUMENT, "text", "text NULL");
    expect(fc_encode_text(NULL, "a cat", NULL, a, dim, &err), &err, FC_ERR_INVALID_ARGUMENT, "model", "text NULL model");
    expect(fc_encode_text(m, "a cat", NULL, NULL, dim, &err), &err, FC_ERR_INVALID_ARGUMENT, "out", "text NULL out");
    expect(fc_encode_text(m, "a cat", NULL, a, dim - 1, &err), &err, FC_ERR_BUFFER_TOO_SMALL, NULL, "text small out");
    expect(fc_encode_text(m, "caf\xc3(", NULL, a, dim, &err), &err, FC_ERR_INVALID_UTF8, NULL, "text invalid UTF-8");
    size_t long_len = (size_t)fc_model_context_length(m) * 4 + 16;
    char *long_text = malloc(long_len + 1);
    for (size_t i = 0; i < long_len; i++) long_text[i] = i % 2 ? ' ' : 'a';
    long_text[long_len] = '\0';
    fc_encode_params_init(&ep, sizeof ep);
    ep.truncation = FC_NO_TRUNCATE;
    expect(fc_encode_text(m, long_text, &ep, a, dim, &err), &err, FC_ERR_TEXT_TOO_LONG, NULL, "text too long, no truncation");
    expect(fc_encode_text(m, long_text, NULL, a, dim, &err), &err, FC_OK, NULL, "text too long, truncated");
    ep.truncation = (fc_truncation)5;
    expect(fc_encode_text(m, "a cat", &ep, a, dim, &err), &err, FC_ERR_INVALID_ARGUMENT, "truncation", "text bad truncation");
    const char *texts[3] = {"a cat", "caf\xc3(", "a dog"};
    expect(fc_encode_texts(m, texts, 3, NULL, a, (size_t)dim * 3, NULL, &err), &err, FC_ERR_INVALID_UTF8,
           "text 1", "text batch without statuses fails");
    expect(fc_encode_texts(m, texts, 3, NULL, a, (size_t)dim * 3, statuses, &err), &err, FC_ERR_PARTIAL,
           "1 of 3 texts failed", "text batch with statuses is partial");
    check(statuses[0] == FC_OK && statuses[1] == FC_ERR_INVALID_UTF8 && statuses[2] == FC_OK,
          "text batch statuses", NULL);
    fc_encode_text(m, "a dog", NULL, b, dim, &err);
    check(same(a + 2 * dim, b, dim) && all_zero(a + dim, dim), "text batch rows", NULL);
    const char *with_null[2] = {"a cat", NULL};
    expect(fc_encode_texts(m, with_null, 2, NULL, a, (size_t)dim * 2, NULL, &err), &err, FC_ERR_INVALID_ARGUMENT,
           "text 1", "text batch with a NULL text");
    expect(fc_encode_texts(m, NULL, 0, NULL, NULL, 0, NULL, &err), &err, FC_OK, NULL, "empty text batch");

    free(long_text);
    free(rgb);
    free(bytes);
    free(a);
    free(b);
    fc_free(m);
    fc_free(NULL);
    return failures ? 1 : 0;
}

/* ---- threads ------------------------------------------------------------ */

typedef struct job {
    fc_model *model;
    int index, rounds, n_images, n_texts, dim;
    const char **images, **texts;
    const float *expected; /* serial results: images then texts */
    int mismatches, errors;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    int total = j->n_images + j->n_texts;
    float *row = malloc((size_t)j->dim * sizeof *row);
    for (int r = 0; r < j->rounds; r++) {
        for (int k = 0; k < total; k++) {
            /* Each thread walks the inputs from its own starting point. */
            int i = (k + j->index * 7 + r) % total;
            fc_error err;
            fc_status st;
            if (i < j->n_images) {
                fc_image im = fc_image_file(j->images[i]);
                st = fc_encode_image(j->model, &im, NULL, row, (size_t)j->dim, &err);
            } else {
                st = fc_encode_text(j->model, j->texts[i - j->n_images], NULL, row, (size_t)j->dim, &err);
            }
            if (st != FC_OK) j->errors++;
            else if (!same(row, j->expected + (size_t)i * j->dim, (size_t)j->dim)) j->mismatches++;
        }
    }
    free(row);
    return NULL;
}

static int threads(const char *model_path, int n_threads, int rounds, int argc, char **argv)
{
    const char *mode = "load:cpu";
    if (argc >= 2 && strcmp(argv[0], "--mode") == 0) {
        mode = argv[1];
        argc -= 2;
        argv += 2;
    }
    const char **images = calloc((size_t)argc + 1, sizeof *images), **texts = calloc((size_t)argc + 1, sizeof *texts);
    int n_images = 0, n_texts = 0, dashes = 0;
    for (int i = 0; i < argc; i++) {
        if (!dashes && strcmp(argv[i], "--") == 0) dashes = 1;
        else if (dashes) texts[n_texts++] = argv[i];
        else images[n_images++] = argv[i];
    }
    fc_error err;
    fc_model *m = NULL;
    if (fc_load(model_path, mode, NULL, &m, &err) != FC_OK) {
        printf("FAIL load: %s\n", err.message);
        return 1;
    }
    int dim = fc_model_dim(m), total = n_images + n_texts;
    float *expected = calloc((size_t)total * dim, sizeof *expected);
    for (int i = 0; i < total; i++) {
        fc_status st;
        if (i < n_images) {
            fc_image im = fc_image_file(images[i]);
            st = fc_encode_image(m, &im, NULL, expected + (size_t)i * dim, (size_t)dim, &err);
        } else {
            st = fc_encode_text(m, texts[i - n_images], NULL, expected + (size_t)i * dim, (size_t)dim, &err);
        }
        check(st == FC_OK, "serial encode", err.message);
    }
    pthread_t *tids = calloc((size_t)n_threads, sizeof *tids);
    job *jobs = calloc((size_t)n_threads, sizeof *jobs);
    for (int t = 0; t < n_threads; t++) {
        jobs[t] = (job){m, t, rounds, n_images, n_texts, dim, images, texts, expected, 0, 0};
        pthread_create(&tids[t], NULL, worker, &jobs[t]);
    }
    int mismatches = 0, errs = 0;
    for (int t = 0; t < n_threads; t++) {
        pthread_join(tids[t], NULL);
        mismatches += jobs[t].mismatches;
        errs += jobs[t].errors;
    }
    char detail[128];
    snprintf(detail, sizeof detail, "%d errors, %d results differ from serial, of %d calls", errs, mismatches,
             n_threads * rounds * total);
    check(errs == 0 && mismatches == 0, "threads equal serial", detail);
    printf("%s\n", detail);
    fc_free(m);
    free(tids);
    free(jobs);
    free(expected);
    free(images);
    free(texts);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "errors") == 0) return errors(argv[2], argv[3], argv[4]);
    if (argc >= 6 && strcmp(argv[1], "threads") == 0)
        return threads(argv[2], atoi(argv[3]), atoi(argv[4]), argc - 5, argv + 5);
    fputs("usage: fc_model_api errors MODEL IMAGE PPM\n"
          "       fc_model_api threads MODEL THREADS ROUNDS [--mode M] IMAGE... -- TEXT...\n", stderr);
    return 2;
}
