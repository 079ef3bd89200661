/* Loads a CLIP model, encodes one image and one text, and prints their
 * cosine similarity (one number, -1 to 1).
 *
 *   cc -std=c11 examples/similarity.c $(pkg-config --cflags --libs fastclip) -o similarity
 *   ./similarity ViT-B-32.pt photo.jpg "a photo of a cat"          # load:cpu
 *   ./similarity ViT-B-32.pt photo.jpg "a photo of a cat" load:cuda
 *
 * (`make examples` builds it into build/examples/ against the build tree.)
 * Exit status: 0, 1 when the model or an input fails (the library's message
 * on stderr), 2 for a usage error. */
#include <stdio.h>
#include <stdlib.h>

#include <fastclip.h>

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: %s MODEL IMAGE TEXT [MODE]\n"
                        "  MODE: load:cpu (default), load:cuda or load:cuda:N\n",
                argv[0]);
        return 2;
    }
    const char *model_path = argv[1], *image_path = argv[2], *text = argv[3];
    const char *mode = argc == 5 ? argv[4] : NULL; /* NULL: "load:cpu" */

    /* One image and one text: the warm-up runs fc_load makes by default
     * would only cost time, so turn them off. */
    fc_model_params mp;
    fc_model_params_init(&mp, sizeof mp);
    mp.warmup = 0;

    fc_error err; /* receives the status and a one-line message */
    fc_model *model = NULL;
    if (fc_load(model_path, mode, &mp, &model, &err) != FC_OK) {
        fprintf(stderr, "%s (%s)\n", err.message, fc_status_string(err.status));
        return 1;
    }

    /* Every output row is fc_model_dim floats; the caller owns the memory. */
    size_t dim = (size_t)fc_model_dim(model);
    float *image_row = malloc(dim * sizeof *image_row);
    float *text_row = malloc(dim * sizeof *text_row);
    int rc = 1;
    if (image_row == NULL || text_row == NULL) {
        fputs("out of memory\n", stderr);
        goto done;
    }

    /* normalize = 1: each row is divided by its L2 norm, so the cosine
     * similarity is just the dot product. */
    fc_encode_params ep;
    fc_encode_params_init(&ep, sizeof ep);
    ep.normalize = 1;

    fc_image image = fc_image_file(image_path); /* only points at the path */
    if (fc_encode_image(model, &image, &ep, image_row, dim, &err) != FC_OK) {
        /* Messages about a file already name it. */
        fprintf(stderr, "%s (%s)\n", err.message, fc_status_string(err.status));
        goto done;
    }
    if (fc_encode_text(model, text, &ep, text_row, dim, &err) != FC_OK) {
        fprintf(stderr, "%s (%s)\n", err.message, fc_status_string(err.status));
        goto done;
    }

    double dot = 0.0;
    for (size_t k = 0; k < dim; k++) dot += (double)image_row[k] * (double)text_row[k];
    printf("%.6f\n", dot);
    rc = 0;

done:
    free(image_row);
    free(text_row);
    fc_free(model);
    return rc;
}
