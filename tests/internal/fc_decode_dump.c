/* Test tool: decodes one image with the library's internal decoders and
 * writes what Pillow's Image.open would hold, so tests can compare the two
 * before any resampling.
 *
 *   fc_decode_dump IMAGE OUT
 *
 * On success OUT gets one text line "MODE WIDTH HEIGHT\n", then the rows
 * (width * bytes-per-pixel bytes each, native byte order for I;16/I/F), then
 * for mode P the 768-byte palette. Exit 0. On failure prints
 * "ERROR <status> <message>" on stdout and exits 1. */
#include <stdio.h>
#include <stdlib.h>

#include "common/error.h"
#include "decode/decode.h"

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *bigger = realloc(buf, cap *= 2);
            if (bigger == NULL) free(buf);
            buf = bigger;
        }
    }
    fclose(f);
    *size = len;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s IMAGE OUT\n", argv[0]);
        return 2;
    }
    size_t size = 0;
    uint8_t *data = read_all(argv[1], &size);
    if (data == NULL) {
        printf("ERROR %d cannot read %s\n", FC_ERR_IO, argv[1]);
        return 1;
    }
    fc__decode_limits limits = {FC_DEFAULT_MAX_PIXELS};
    fc__image img;
    fc_error err;
    fc_status st = fc__decode(data, size, &limits, &img, &err);
    free(data);
    if (st != FC_OK) {
        printf("ERROR %d %s\n", (int)st, err.message);
        return 1;
    }
    FILE *out = fopen(argv[2], "wb");
    if (out == NULL) return 2;
    fprintf(out, "%s %d %d\n", fc__mode_name(img.mode), img.width, img.height);
    size_t row = (size_t)img.width * fc__mode_bytes_per_pixel(img.mode);
    for (int y = 0; y < img.height; y++)
        fwrite(img.pixels + (size_t)y * img.stride, 1, row, out);
    if (img.mode == FC__MODE_P) fwrite(img.palette, 1, sizeof img.palette, out);
    fclose(out);
    fc__image_free(&img);
    return 0;
}
