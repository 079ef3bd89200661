/* Benchmark tool: tokenizes every line of a file (one caption a line, no
 * escaping) with clip.tokenize's settings, repeatedly for at least SECONDS,
 * and prints JSON: captions, rounds, median and p90 microseconds per caption
 * over the rounds.
 *
 *   fc_tok_bench CAPTIONS SECONDS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastclip.h"
#include "timing.h"


int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: fc_tok_bench CAPTIONS SECONDS\n", stderr);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) return 1;
    char **lines = NULL, *line = NULL;
    size_t n = 0, cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        if (len > 0 && line[len - 1] == '\n') line[len - 1] = '\0';
        lines = realloc(lines, (n + 1) * sizeof *lines);
        lines[n++] = strdup(line);
    }
    free(line);
    fclose(f);
    fc_error err;
    fc_tokenizer *tok;
    if (fc_tokenizer_new(NULL, &tok, &err) != FC_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    double budget = atof(argv[2]), start = now();
    size_t rounds = 0, cap_r = 64;
    double *per = malloc(cap_r * sizeof *per);
    int32_t ids[77];
    long checksum = 0;
    while (rounds < 3 || now() - start < budget) {
        double t0 = now();
        for (size_t i = 0; i < n; i++) {
            if (fc_tokenize(tok, lines[i], 77, FC_TRUNCATE, ids, 77, NULL, &err) != FC_OK) {
                fprintf(stderr, "%s\n", err.message);
                return 1;
            }
            checksum += ids[1];
        }
        if (rounds == cap_r) per = realloc(per, (cap_r *= 2) * sizeof *per);
        per[rounds++] = (now() - t0) * 1e6 / (double)(n ? n : 1);
    }
    qsort(per, rounds, sizeof *per, cmp_double);
    printf("{\"captions\": %zu, \"rounds\": %zu, \"median_us\": %.4f, \"p90_us\": %.4f, "
           "\"checksum\": %ld}\n", n, rounds, per[rounds / 2], per[rounds * 9 / 10], checksum);
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
    free(per);
    fc_tokenizer_free(tok);
    return 0;
}
