/* Benchmark tool: the batch pipeline's throughput over a list of image
 * files, driven line by line so that tests/bench/bench.py can interleave
 * its passes with the Python reference's (a torch DataLoader feeding the
 * same model).
 *
 *   fc_pipeline_bench MODEL WORKERS MICRO_BATCH BATCH THREADS LIST [MODE]
 *
 * MODEL is a model file (run by its backend, found through
 * FASTCLIP_TORCH_BACKEND: this tool is linked with the library's objects,
 * not beside the library), or "test" for the C test backend with next to
 * no model work: the pipeline alone, decoding and preprocessing. LIST is a
 * file of image paths, one per line; MODE is fc_load's (default load:cpu;
 * THREADS 0 leaves LibTorch's thread count alone). After loading it prints one JSON
 * line; then for each line "pass" on stdin it encodes every image, BATCH
 * per fc_encode_images call, and prints one JSON line: the seconds the
 * pass took, and the seconds the backend ran and the callers waited for
 * preprocessing (the pipeline's own counters). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/test_backend.h"
#include "fastclip.h"
#include "model/model.h"
#include "timing.h"

static char **read_list(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return NULL;
    size_t cap = 64;
    char **lines = malloc(cap * sizeof *lines), buf[4096];
    *n = 0;
    while (lines != NULL && fgets(buf, sizeof buf, f) != NULL) {
        buf[strcspn(buf, "\n")] = '\0';
        if (buf[0] == '\0') continue;
        if (*n == cap) {
            char **more = realloc(lines, (cap *= 2) * sizeof *lines);
            if (more == NULL) break;
            lines = more;
        }
        lines[(*n)++] = strdup(buf);
    }
    fclose(f);
    return lines;
}

int main(int argc, char **argv)
{
    if (argc != 7 && argc != 8) {
        fputs("usage: fc_pipeline_bench MODEL|test WORKERS MICRO_BATCH BATCH THREADS LIST [MODE]\n",
              stderr);
        return 2;
    }
    const char *model_path = argv[1], *mode = argc == 8 ? argv[7] : "load:cpu";
    int batch = atoi(argv[4]);
    size_t n = 0;
    char **paths = read_list(argv[6], &n);
    if (paths == NULL || n == 0 || batch < 1) {
        fprintf(stderr, "fc_pipeline_bench: cannot read %s, or bad BATCH\n", argv[6]);
        return 2;
    }
    fc_model_params p;
    fc_model_params_init(&p, sizeof p);
    p.workers = atoi(argv[2]);
    p.micro_batch = atoi(argv[3]);
    p.n_threads = atoi(argv[5]);
    fc_model *m = NULL;
    fc_error err;
    double t0 = now();
    fc_status st = strcmp(model_path, "test") == 0
                       ? fc__load_with(test_backend(), "dim=512 size=224 context=77 light=1",
                                       "load:cpu", &p, &m, &err)
                       : fc_load(model_path, mode, &p, &m, &err);
    if (st != FC_OK) {
        fprintf(stderr, "fc_pipeline_bench: %s\n", err.message);
        return 1;
    }
    printf("{\"load_ms\": %.1f, \"images\": %zu, \"dim\": %d}\n", (now() - t0) * 1e3, n,
           fc_model_dim(m));
    fflush(stdout);
    size_t dim = (size_t)fc_model_dim(m);
    float *out = malloc((size_t)batch * dim * sizeof *out);
    fc_image *images = malloc((size_t)batch * sizeof *images);
    fc_status *statuses = malloc((size_t)batch * sizeof *statuses);
    char line[64];
    int rc = 0;
    while (rc == 0 && out && images && statuses && fgets(line, sizeof line, stdin) != NULL) {
        fc__pipeline_stats before, after;
        fc__pipeline_stats_read(fc__model_pipeline(m), &before);
        t0 = now();
        for (size_t first = 0; first < n && rc == 0; first += (size_t)batch) {
            size_t count = n - first < (size_t)batch ? n - first : (size_t)batch;
            for (size_t i = 0; i < count; i++) images[i] = fc_image_file(paths[first + i]);
            st = fc_encode_images(m, images, count, NULL, out, count * dim, statuses, &err);
            if (st != FC_OK) {
                fprintf(stderr, "fc_pipeline_bench: %s\n", err.message);
                rc = 1;
            }
        }
        double seconds = now() - t0;
        fc__pipeline_stats_read(fc__model_pipeline(m), &after);
        printf("{\"seconds\": %.6f, \"run_seconds\": %.6f, \"wait_seconds\": %.6f}\n", seconds,
               (double)(after.run_ns - before.run_ns) * 1e-9,
               (double)(after.prepare_wait_ns - before.prepare_wait_ns) * 1e-9);
        fflush(stdout);
    }
    free(out);
    free(images);
    free(statuses);
    for (size_t i = 0; i < n; i++) free(paths[i]);
    free(paths);
    fc_free(m);
    return rc;
}
