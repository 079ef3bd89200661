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

/* The model subcommands (models.c). */
int fc_cli_embed(int argc, char **argv);
int fc_cli_similarity(int argc, char **argv);

#endif
