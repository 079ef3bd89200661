/* Shared by the test tools: a whole file into memory. */
#ifndef FC_TOOLS_READ_FILE_H
#define FC_TOOLS_READ_FILE_H

#include <stdio.h>
#include <stdlib.h>

/* The bytes of `path` (malloc'd, *size of them, followed by a NUL that is
 * not counted, so text parsers may read it), or NULL. */
static inline unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (buf != NULL && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf == NULL) return NULL;
    buf[len] = '\0';
    *size = (size_t)len;
    return buf;
}

#endif
