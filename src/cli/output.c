/* Small helpers shared by the fastclip subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/npy.h"

int fc_cli_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int fc_cli_parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

int fc_cli_write_matrix(const char *path, const float *data, const size_t *shape, int ndim)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "fastclip: cannot create %s: %s\n", path, strerror(errno));
        return EXIT_OUTPUT;
    }
    size_t count = 1;
    for (int i = 0; i < ndim; i++) count *= shape[i];
    int bad = fc_cli_ends_with(path, ".npy") ? fc_cli_write_npy(f, data, shape, ndim)
                                             : fc_cli_write_f32le(f, data, count);
    if (fclose(f) != 0) bad = 1;
    if (bad) {
        fprintf(stderr, "fastclip: cannot write %s\n", path);
        /* Leave no half-written tensor behind, but never remove what is not
         * a regular file (say -o /dev/full). */
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) remove(path);
        return EXIT_OUTPUT;
    }
    return 0;
}
