/* The format registry: which decoder reads which bytes.
 *
 * Pillow identifies an image by its first bytes, never by its file name,
 * and so do we. Each row of `formats` is one format: its name, how its
 * first bytes look, and its decoder (one file of this folder each). Adding
 * a format is that file, one row here, and its tests. Rows are tried in
 * order. Formats Pillow opens but we do not decode have rows without a
 * decoder, so that the caller learns what the file is rather than
 * "unknown format". TGA has no signature: like Pillow, we try it last and
 * let its header checks reject what is not a TGA file. */
#include "decode/decode.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"

static int starts_with(const uint8_t *data, size_t size, const char *magic, size_t len)
{
    return size >= len && memcmp(data, magic, len) == 0;
}

static int is_jpeg(const uint8_t *d, size_t n) { return starts_with(d, n, "\xff\xd8\xff", 3); }
static int is_png(const uint8_t *d, size_t n) { return starts_with(d, n, "\x89PNG\r\n\x1a\n", 8); }
static int is_gif(const uint8_t *d, size_t n)
{
    return starts_with(d, n, "GIF87a", 6) || starts_with(d, n, "GIF89a", 6);
}
static int is_bmp(const uint8_t *d, size_t n) { return starts_with(d, n, "BM", 2); }
static int is_pnm(const uint8_t *d, size_t n) { return n >= 2 && d[0] == 'P' && d[1] >= '1' && d[1] <= '6'; }
static int is_tiff(const uint8_t *d, size_t n)
{
    return starts_with(d, n, "II*\0", 4) || starts_with(d, n, "MM\0*", 4);
}
static int is_webp(const uint8_t *d, size_t n)
{
    return n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0;
}
static int is_psd(const uint8_t *d, size_t n) { return starts_with(d, n, "8BPS", 4); }
static int is_ico(const uint8_t *d, size_t n) { return starts_with(d, n, "\0\0\1\0", 4); }
static int is_qoi(const uint8_t *d, size_t n) { return starts_with(d, n, "qoif", 4); }
static int is_heif(const uint8_t *d, size_t n) { return n >= 12 && memcmp(d + 4, "ftyp", 4) == 0; }
static int is_jpeg2000(const uint8_t *d, size_t n)
{
    return starts_with(d, n, "\xff\x4f\xff\x51", 4) || starts_with(d, n, "\0\0\0\x0cjP  ", 8);
}

typedef struct format {
    const char *name;
    int (*matches)(const uint8_t *data, size_t size); /* NULL: no signature */
    fc__decoder decode;                               /* NULL: not decoded */
} format;

static const format formats[] = {
    {"JPEG", is_jpeg, fc__decode_jpeg},
    {"PNG", is_png, fc__decode_png},
    {"GIF", is_gif, fc__decode_gif},
    {"BMP", is_bmp, fc__decode_bmp},
    {"PNM", is_pnm, fc__decode_pnm},
    {"TIFF", is_tiff, NULL},
    {"WebP", is_webp, NULL},
    {"PSD", is_psd, NULL},
    {"ICO", is_ico, NULL},
    {"QOI", is_qoi, NULL},
    {"HEIF/AVIF", is_heif, NULL},
    {"JPEG 2000", is_jpeg2000, NULL},
    {"TGA", NULL, fc__decode_tga},
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

/* "JPEG, PNG, ... and TGA": the formats we decode, for messages. */
static void decoded_names(char *out, size_t size)
{
    size_t count = 0, used = 0;
    for (size_t i = 0; i < N_FORMATS; i++) count += formats[i].decode != NULL;
    out[0] = '\0';
    for (size_t i = 0, k = 0; i < N_FORMATS && used < size; i++) {
        if (formats[i].decode == NULL) continue;
        const char *sep = k == 0 ? "" : k + 1 == count ? " and " : ", ";
        int w = snprintf(out + used, size - used, "%s%s", sep, formats[i].name);
        if (w < 0) break;
        used += (size_t)w;
        k++;
    }
}

fc_status fc__decode(const uint8_t *data, size_t size, const fc__decode_limits *limits,
                     fc__image *img, fc_error *err)
{
    memset(img, 0, sizeof *img);
    if (size == 0) return fc__fail(err, FC_ERR_UNKNOWN_FORMAT, "empty input: no image data");
    char names[128];
    for (size_t i = 0; i < N_FORMATS; i++) {
        const format *f = &formats[i];
        if (f->matches != NULL && !f->matches(data, size)) continue;
        if (f->decode == NULL) {
            decoded_names(names, sizeof names);
            return fc__fail(err, FC_ERR_UNSUPPORTED, "%s images are not supported (%s are)",
                            f->name, names);
        }
        fc_status st = f->decode(data, size, limits, img, err);
        /* Only a format without a signature may turn out not to be its own. */
        if (st != FC_ERR_UNKNOWN_FORMAT || f->matches != NULL) return st;
    }
    decoded_names(names, sizeof names);
    return fc__fail(err, FC_ERR_UNKNOWN_FORMAT, "not an image: the data matches none of %s",
                    names);
}
