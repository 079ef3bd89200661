/* Preprocesses one image for CLIP and prints a few values of the tensor.
 *
 *   cc examples/preprocess.c $(pkg-config --cflags --libs fastclip) -o preprocess
 *   ./preprocess photo.jpg
 */
#include <stdio.h>
#include <stdlib.h>

#include <fastclip.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
        return 2;
    }
    fc_preprocess_params params;
    fc_preprocess_params_init(&params, sizeof params); /* n = 224, CLIP's order */
    size_t count = fc_preprocess_output_floats(&params);
    float *tensor = malloc(count * sizeof *tensor);
    if (tensor == NULL) return 1;

    fc_error err;
    if (fc_preprocess_file(argv[1], &params, tensor, count, &err) != FC_OK) {
        fprintf(stderr, "%s (%s)\n", err.message, fc_status_string(err.status));
        free(tensor);
        return 1;
    }
    int n = params.size;
    printf("3 x %d x %d, R[0][0] = %.7g, B[%d][%d] = %.7g\n", n, n, tensor[0],
           n - 1, n - 1, tensor[count - 1]);
    free(tensor);
    return 0;
}
