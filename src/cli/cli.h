/* Shared by the fastclip subcommands: exit statuses and small helpers. */
#ifndef FC_CLI_CLI_H
#define FC_CLI_CLI_H

#include <stddef.h>

/* Exit status: 0 success, 1 an image or text could not be processed, 2 usage
 * error, 3 the output could not be written, 4 the model could not be loaded. */
enum { EXIT_IMAGE = 1, EXIT_USAGE = 2, EXIT_OUTPUT = 3, EXIT_MODEL = 4 };

int fc_cli_ends_with(const char *s, const char *suffix);

/* Parses a decimal int in [lo, hi]; 0 on success, -1 otherwise. */
int fc_cli_parse_int(const char *s, int lo, int hi, int *out);

/* Writes `rows` x `cols` floats to `path`: .npy when it ends in .npy, else
 * raw little-endian float32. Returns 0 or EXIT_OUTPUT (with a message), and
 * leaves no half-written regular file behind. */
int fc_cli_write_matrix(const char *path, const float *data, const size_t *shape, int ndim);

/* A matrix written row by row as it is computed (.npy when the path ends
 * in .npy, else raw little-endian float32), so that memory does not grow
 * with the rows. A regular file is written under a temporary name beside
 * it and renamed at the end, so a failed run leaves no partial file. */
typedef struct fc_cli_matrix {
    char *path, *tmp; /* tmp NULL: written in place (a device, a FIFO) */
    void *file;
    int failed;
} fc_cli_matrix;

/* Returns 0 or EXIT_OUTPUT (with a message). */
int fc_cli_matrix_open(fc_cli_matrix *m, const char *path, size_t rows, size_t cols);
int fc_cli_matrix_write(fc_cli_matrix *m, const float *data, size_t count);
/* Keeps the file when `keep` and every write succeeded; removes it
 * otherwise. Returns 0 or EXIT_OUTPUT. */
int fc_cli_matrix_close(fc_cli_matrix *m, int keep);

/* The model subcommands (models.c). */
int fc_cli_embed(int argc, char **argv);
int fc_cli_similarity(int argc, char **argv);

#endif
