/* Benchmark tool: fc_encode_image from a file and fc_encode_text, batch 1,
 * driven line by line so that tests/bench/bench.py can interleave short
 * bursts of ours with bursts of the Python reference: the shared machine's
 * slow spells then hit both sides alike.
 *
 *   fc_model_bench MODEL MODE THREADS KERNELS IMAGE TEXT
 *
 * KERNELS is fast or reference (fc_model_params.kernels). After fc_load
 * (with its warm-up) it prints one JSON line: load time, embedding width,
 * image size. Then for each line "image SECONDS" or "text SECONDS" on stdin
 * it runs that call repeatedly for at least SECONDS (and at least 3 times)
 * and prints one JSON line with every call's milliseconds. */
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

/* One burst: `fn` for at least `seconds`; prints {"ms": [...]}. Returns -1
 * if a call failed. */
static int burst(fc_status (*fn)(const call *, fc_error *), const call *c, double seconds)
{
    size_t cap = 256, n = 0;
    double *t = malloc(cap * sizeof *t), start = now();
    fc_error err;
    while (n < 3 || (now() - start < seconds && n < 100000)) {
        double t0 = now();
        if (fn(c, &err) != FC_OK) {
            fprintf(stderr, "fc_model_bench: %s\n", err.message);
            free(t);
            return -1;
        }
        if (n == cap) t = realloc(t, (cap *= 2) * sizeof *t);
        t[n++] = (now() - t0) * 1e3;
    }
    printf("{\"ms\": [");
    for (size_t i = 0; i < n; i++)
        printf("%s%.6f", i ? ", " : "", t[i]);
    printf("]}\n");
    fflush(stdout);
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 7 || (strcmp(argv[4], "fast") != 0 && strcmp(argv[4], "reference") != 0)) {
        fputs("usage: fc_model_bench MODEL MODE THREADS fast|reference IMAGE TEXT\n", stderr);
        return 2;
    }
    fc_model_params p;
    fc_model_params_init(&p, sizeof p);
    p.n_threads = atoi(argv[3]);
    p.kernels = strcmp(argv[4], "reference") == 0 ? FC_KERNELS_REFERENCE : FC_KERNELS_FAST;
    fc_error err;
    fc_model *m = NULL;
    double t0 = now();
    if (fc_load(argv[1], argv[2], &p, &m, &err) != FC_OK) {
        fprintf(stderr, "fc_model_bench: %s\n", err.message);
        return 1;
    }
    double load_ms = (now() - t0) * 1e3;
    call c = {m, argv[5], argv[6], malloc((size_t)fc_model_dim(m) * sizeof(float))};
    printf("{\"load_ms\": %.3f, \"dim\": %d, \"image_size\": %d}\n", load_ms, fc_model_dim(m),
           fc_model_image_size(m));
    fflush(stdout);

    char line[128], what[16];
    double seconds;
    int bad = 0;
    while (!bad && fgets(line, sizeof line, stdin)) {
        if (sscanf(line, "%15s %lf", what, &seconds) != 2) {
            fprintf(stderr, "fc_model_bench: bad command: %s", line);
            bad = 1;
        } else if (strcmp(what, "image") == 0) {
            bad = burst(run_image, &c, seconds) != 0;
        } else if (strcmp(what, "text") == 0) {
            bad = burst(run_text, &c, seconds) != 0;
        } else {
            fprintf(stderr, "fc_model_bench: unknown call %s\n", what);
            bad = 1;
        }
    }
    free(c.out);
    fc_free(m);
    return bad ? 1 : 0;
}
