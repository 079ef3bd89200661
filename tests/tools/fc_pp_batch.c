/* Test tool: runs many preprocessing calls through the public API in one
 * process, so that the Python suite can check hundreds of images quickly
 * and a sanitizer build can check them all for leaks and memory errors.
 *
 *   fc_pp_batch MANIFEST
 *
 * Each manifest line has tab-separated fields:
 *   KIND  N  ORDER  INPUT  OUTPUT  [FORMAT WIDTH HEIGHT STRIDE]
 * KIND is file, memory or pixels; ORDER is pil or rgb; for pixels, INPUT
 * holds raw rows and FORMAT is the fc_pixel_format number. Optional
 * KEY=VALUE fields may follow, to pass parameters the fixed fields cannot:
 * std=R,G,B mean=R,G,B order=K struct_size=K out_floats=K max_pixels=K
 * max_bytes=K (values are passed through unchecked). On success the
 * tensor is written to OUTPUT as raw float32 and "OK" is printed; on
 * failure "ERR <status> <message>". One output line per manifest line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastclip.h"
#include "read_file.h"

static void parse_floats3(const char *s, float *v)
{
    char *end;
    for (int i = 0; i < 3; i++) {
        v[i] = strtof(s, &end);
        s = *end == ',' ? end + 1 : end;
    }
}

/* Applies one KEY=VALUE option; returns -1 for an unknown key. */
static int apply_option(const char *opt, fc_preprocess_params *p, size_t *out_floats)
{
    const char *eq = strchr(opt, '=');
    if (eq == NULL) return -1;
    size_t klen = (size_t)(eq - opt);
    const char *v = eq + 1;
#define KEY(name) (klen == strlen(name) && strncmp(opt, name, klen) == 0)
    if (KEY("std")) parse_floats3(v, p->std);
    else if (KEY("mean")) parse_floats3(v, p->mean);
    else if (KEY("order")) p->order = (fc_order)atoi(v);
    else if (KEY("struct_size")) p->struct_size = (size_t)strtoull(v, NULL, 10);
    else if (KEY("out_floats")) *out_floats = (size_t)strtoull(v, NULL, 10);
    else if (KEY("max_pixels")) p->max_pixels = strtoull(v, NULL, 10);
    else if (KEY("max_bytes")) p->max_bytes = strtoull(v, NULL, 10);
    else return -1;
#undef KEY
    return 0;
}

static int run_line(char *line)
{
    enum { MAX_FIELDS = 20 };
    char *field[MAX_FIELDS] = {0};
    int nf = 0;
    for (char *tok = strtok(line, "\t\n"); tok && nf < MAX_FIELDS; tok = strtok(NULL, "\t\n"))
        field[nf++] = tok;
    if (nf < 5) return -1;
    int fixed = strcmp(field[0], "pixels") == 0 ? 9 : 5;
    if (nf < fixed) return -1;
    fc_preprocess_params p;
    fc_preprocess_params_init(&p, sizeof p);
    p.size = atoi(field[1]);
    p.order = strcmp(field[2], "rgb") == 0 ? FC_ORDER_RGB_FIRST : FC_ORDER_PIL;
    size_t alloc = 3 * (size_t)p.size * (size_t)p.size;
    size_t count = alloc;
    for (int i = fixed; i < nf; i++)
        if (apply_option(field[i], &p, &count) != 0) return -1;
    float *out = malloc((alloc ? alloc : 1) * sizeof *out);
    if (out == NULL) return -1;
    fc_error err;
    fc_status st;
    if (strcmp(field[0], "file") == 0) {
        st = fc_preprocess_file(field[3], &p, out, count, &err);
    } else {
        size_t size = 0;
        unsigned char *data = read_file(field[3], &size);
        if (data == NULL) {
            free(out);
            return -1;
        }
        if (strcmp(field[0], "memory") == 0) {
            st = fc_preprocess_memory(data, size, &p, out, count, &err);
        } else {
            st = fc_preprocess_pixels(data, atoi(field[6]), atoi(field[7]),
                                      (size_t)strtoull(field[8], NULL, 10),
                                      (fc_pixel_format)atoi(field[5]), &p, out,
                                      count, &err);
        }
        free(data);
    }
    if (st == FC_OK) {
        FILE *f = fopen(field[4], "wb");
        int ok = f && fwrite(out, sizeof *out, alloc, f) == alloc;
        if (f) fclose(f);
        printf(ok ? "OK\n" : "ERR -1 cannot write output\n");
    } else {
        printf("ERR %d %s\n", (int)st, err.message);
    }
    free(out);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MANIFEST\n", argv[0]);
        return 2;
    }
    FILE *m = fopen(argv[1], "r");
    if (m == NULL) return 2;
    char line[8192];
    int rc = 0;
    while (fgets(line, sizeof line, m) != NULL) {
        if (run_line(line) != 0) {
            printf("ERR -1 bad manifest line\n");
            rc = 2;
        }
    }
    fclose(m);
    return rc;
}
