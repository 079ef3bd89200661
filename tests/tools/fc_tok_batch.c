/* Test tool: tokenizes many texts through the public API in one process, so
 * that the Python suite can compare hundreds of texts with OpenAI's
 * tokenizer quickly, and a sanitizer build can check them all.
 *
 *   fc_tok_batch [--context-length N] [--no-truncate] [--bpe PATH] FILE
 *
 * FILE holds one text per line, escaped: \\ is a backslash, \n \r \t the
 * control characters, \xHH one raw byte (so invalid UTF-8 can be written).
 * For each line it prints "OK id id ..." (context-length ids) or
 * "ERR <status> <message>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastclip.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Unescapes in place; returns 0, or -1 for a bad escape. */
static int unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p != '\\') {
            *o++ = *p;
            continue;
        }
        p++;
        if (*p == '\\') *o++ = '\\';
        else if (*p == 'n') *o++ = '\n';
        else if (*p == 'r') *o++ = '\r';
        else if (*p == 't') *o++ = '\t';
        else if (*p == 'x' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            *o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 2;
        } else return -1;
    }
    *o = '\0';
    return 0;
}

int main(int argc, char **argv)
{
    int context = 77;
    fc_truncation trunc = FC_TRUNCATE;
    fc_tokenizer_params params;
    fc_tokenizer_params_init(&params, sizeof params);
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--context-length") == 0 && i + 1 < argc) context = atoi(argv[++i]);
        else if (strcmp(argv[i], "--no-truncate") == 0) trunc = FC_NO_TRUNCATE;
        else if (strcmp(argv[i], "--bpe") == 0 && i + 1 < argc) params.bpe_path = argv[++i];
        else path = argv[i];
    }
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (f == NULL) {
        fprintf(stderr, "usage: fc_tok_batch [--context-length N] [--no-truncate] [--bpe PATH] FILE\n");
        return 2;
    }
    fc_error err;
    fc_tokenizer *tok = NULL;
    if (fc_tokenizer_new(&params, &tok, &err) != FC_OK) {
        fprintf(stderr, "fc_tok_batch: %s\n", err.message);
        fclose(f);
        return 1;
    }
    size_t ids_len = context > 0 ? (size_t)context : 1;
    int32_t *ids = malloc(ids_len * sizeof *ids);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (ids != NULL && (len = getline(&line, &cap, f)) >= 0) {
        if (len > 0 && line[len - 1] == '\n') line[len - 1] = '\0';
        if (unescape(line) != 0) {
            printf("ERR bad-escape\n");
            continue;
        }
        fc_status st = fc_tokenize(tok, line, context, trunc, ids, ids_len, NULL, &err);
        if (st != FC_OK) {
            printf("ERR %d %s\n", (int)st, err.message);
            continue;
        }
        fputs("OK", stdout);
        for (int k = 0; k < context; k++) printf(" %d", (int)ids[k]);
        putchar('\n');
    }
    free(line);
    free(ids);
    fc_tokenizer_free(tok);
    fclose(f);
    return 0;
}
