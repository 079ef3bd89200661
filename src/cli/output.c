/* Small helpers shared by the fastclip subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int fc_cli_matrix_open(fc_cli_matrix *m, const char *path, size_t rows, size_t cols)
{
    memset(m, 0, sizeof *m);
    struct stat sb;
    int special = stat(path, &sb) == 0 && !S_ISREG(sb.st_mode);
    m->path = strdup(path);
    if (!special && m->path != NULL) {
        size_t len = strlen(path) + 32;
        m->tmp = malloc(len);
        if (m->tmp != NULL) snprintf(m->tmp, len, "%s.tmp-%ld", path, (long)getpid());
    }
    if (m->path == NULL || (!special && m->tmp == NULL)) {
        fputs("fastclip: out of memory\n", stderr);
        fc_cli_matrix_close(m, 0);
        return EXIT_OUTPUT;
    }
    FILE *f = fopen(special ? path : m->tmp, "wb");
    if (f == NULL) {
        fprintf(stderr, "fastclip: cannot create %s: %s\n", path, strerror(errno));
        fc_cli_matrix_close(m, 0);
        return EXIT_OUTPUT;
    }
    m->file = f;
    size_t shape[2] = {rows, cols};
    if (fc_cli_ends_with(path, ".npy") && fc_cli_write_npy_header(f, shape, 2) != 0) m->failed = 1;
    return 0;
}

int fc_cli_matrix_write(fc_cli_matrix *m, const float *data, size_t count)
{
    if (!m->failed && fc_cli_write_f32le(m->file, data, count) != 0) m->failed = 1;
    return m->failed ? EXIT_OUTPUT : 0;
}

int fc_cli_matrix_close(fc_cli_matrix *m, int keep)
{
    int bad = m->failed;
    if (m->file != NULL && fclose(m->file) != 0) bad = 1;
    if (keep && bad) fprintf(stderr, "fastclip: cannot write %s\n", m->path);
    if (m->tmp != NULL) {
        if (keep && !bad && rename(m->tmp, m->path) != 0) {
            fprintf(stderr, "fastclip: cannot write %s: %s\n", m->path, strerror(errno));
            bad = 1;
        }
        if (!keep || bad) remove(m->tmp);
    }
    free(m->path);
    free(m->tmp);
    memset(m, 0, sizeof *m);
    return keep && bad ? EXIT_OUTPUT : 0;
}
