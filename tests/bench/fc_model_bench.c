/* Benchmark tool: fc_encode_image from a file and fc_encode_text, batch 1,
 * each repeated for at least SECONDS after fc_load's warm-up. Prints JSON:
 * load time, embedding width, and median / p90 milliseconds per call.
 *
 *   fc_model_bench MODEL MODE THREADS SECONDS IMAGE TEXT [fast|reference]
 *
 * The last argument picks fc_model_params.kernels (default fast). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastclip.h"
#include "timing.h"


typedef struct call {
    fc_model *model;
    const char *image, *text;
    float *out;
} call;

static fc_status run_image(const call *c, fc_error *err)
{
    fc_image im = fc_image_file(c->image);
    return fc_encode_image(c->model, &im, NULL, c->out, (size_t)fc_model_dim(c->model), err);
}

static fc_status run_text(const call *c, fc_error *err)
{
    return fc_encode_text(c->model, c->text, NULL, c->out, (size_t)fc_model_dim(c->model), err);
}

/* Times `fn` for at least `seconds` (and at least 10 runs); prints a JSON
 * object. Returns -1 if a call failed. */
static int measure(const char *name, fc_status (*fn)(const call *, fc_error *), const call *c,
                   double seconds)
{
    size_t cap = 1024, n = 0;
    double *t = malloc(cap * sizeof *t), start = now();
    fc_error err;
    while (n < 10 || (now() - start < seconds && n < 100000)) {
        double t0 = now();
        if (fn(c, &err) != FC_OK) {
            fprintf(stderr, "%s: %s\n", name, err.message);
            free(t);
            return -1;
        }
        if (n == cap) t = realloc(t, (cap *= 2) * sizeof *t);
        t[n++] = (now() - t0) * 1e3;
    }
    qsort(t, n, sizeof *t, cmp_double);
    printf("\"%s\": {\"median_ms\": %.6f, \"p90_ms\": %.6f, \"runs\": %zu}", name,
           n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2, t[n * 9 / 10], n);
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 7 && argc != 8) {
        fputs("usage: fc_model_bench MODEL MODE THREADS SECONDS IMAGE TEXT [fast|reference]\n", stderr);
        return 2;
    }
    fc_model_params p;
    fc_model_params_init(&p, sizeof p);
    p.n_threads = atoi(argv[3]);
    if (argc == 8)
        p.kernels = strcmp(argv[7], "reference") == 0 ? FC_KERNELS_REFERENCE : FC_KERNELS_FAST;
    double seconds = atof(argv[4]);
    fc_error err;
    fc_model *m = NULL;
    double t0 = now();
    if (fc_load(argv[1], argv[2], &p, &m, &err) != FC_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    double load_ms = (now() - t0) * 1e3;
    call c = {m, argv[5], argv[6], malloc((size_t)fc_model_dim(m) * sizeof(float))};
    printf("{\"load_ms\": %.3f, \"dim\": %d, \"image_size\": %d, ", load_ms, fc_model_dim(m),
           fc_model_image_size(m));
    int bad = measure("image", run_image, &c, seconds);
    if (!bad) {
        printf(", ");
        bad = measure("text", run_text, &c, seconds);
    }
    printf("}\n");
    free(c.out);
    fc_free(m);
    return bad ? 1 : 0;
}
