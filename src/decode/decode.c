/* Format detection. Pillow identifies an image by its first bytes, never by
 * its file name, and so do we. TGA has no signature; like Pillow, we try it
 * last and let its header checks reject what is not a TGA file. */
#include "decode/decode.h"

#include <string.h>

#include "common/error.h"

static int starts_with(const uint8_t *data, size_t size, const char *magic,
                       size_t len)
{
    return size >= len && memcmp(data, magic, len) == 0;
}

/* Formats Pillow can open that we do not decode: named so that the caller
 * learns what the file is rather than "unknown format". */
static const char *unsupported_format(const uint8_t *d, size_t n)
{
    if (starts_with(d, n, "II*\0", 4) || starts_with(d, n, "MM\0*", 4))
        return "TIFF";
    if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
        return "WebP";
    if (starts_with(d, n, "8BPS", 4)) return "PSD";
    if (starts_with(d, n, "\0\0\1\0", 4)) return "ICO";
    if (starts_with(d, n, "qoif", 4)) return "QOI";
    if (n >= 12 && memcmp(d + 4, "ftyp", 4) == 0) return "HEIF/AVIF";
    if (starts_with(d, n, "\xff\x4f\xff\x51", 4) ||
        starts_with(d, n, "\0\0\0\x0cjP  ", 8))
        return "JPEG 2000";
    return NULL;
}

fc_status fc__decode(const uint8_t *data, size_t size,
                     const fc__decode_limits *limits, fc__image *img,
                     fc_error *err)
{
    memset(img, 0, sizeof *img);
    if (size == 0)
        return fc__fail(err, FC_ERR_UNKNOWN_FORMAT, "empty input: no image data");
    if (starts_with(data, size, "\xff\xd8\xff", 3))
        return fc__decode_jpeg(data, size, limits, img, err);
    if (starts_with(data, size, "\x89PNG\r\n\x1a\n", 8))
        return fc__decode_png(data, size, limits, img, err);
    if (starts_with(data, size, "GIF87a", 6) || starts_with(data, size, "GIF89a", 6))
        return fc__decode_gif(data, size, limits, img, err);
    if (starts_with(data, size, "BM", 2))
        return fc__decode_bmp(data, size, limits, img, err);
    if (size >= 2 && data[0] == 'P' && data[1] >= '1' && data[1] <= '6')
        return fc__decode_pnm(data, size, limits, img, err);
    const char *other = unsupported_format(data, size);
    if (other != NULL)
        return fc__fail(err, FC_ERR_UNSUPPORTED,
                        "%s images are not supported (JPEG, PNG, GIF, BMP, "
                        "TGA and PNM are)", other);
    fc_status st = fc__decode_tga(data, size, limits, img, err);
    if (st == FC_ERR_UNKNOWN_FORMAT)
        return fc__fail(err, FC_ERR_UNKNOWN_FORMAT,
                        "not an image: the data matches none of JPEG, PNG, "
                        "GIF, BMP, TGA or PNM");
    return st;
}
