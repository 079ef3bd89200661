#include "decode/image.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

size_t fc__mode_bytes_per_pixel(fc__mode mode)
{
    switch (mode) {
    case FC__MODE_1:
    case FC__MODE_L:
    case FC__MODE_P: return 1;
    case FC__MODE_LA:
    case FC__MODE_I16: return 2;
    case FC__MODE_RGB: return 3;
    case FC__MODE_RGBA:
    case FC__MODE_CMYK:
    case FC__MODE_I32:
    case FC__MODE_F32: return 4;
    }
    return 0;
}

const char *fc__mode_name(fc__mode mode)
{
    static const char *const names[] = {"1",    "L",    "P",    "LA", "RGB",
                                        "RGBA", "CMYK", "I;16", "I",  "F"};
    return (unsigned)mode < sizeof names / sizeof names[0] ? names[mode] : "?";
}

fc_status fc__image_alloc(fc__image *img, int width, int height,
                          fc__mode mode, uint64_t max_pixels,
                          const char *format, fc_error *err)
{
    memset(img, 0, sizeof *img);
    if (width <= 0 || height <= 0)
        return fc__fail(err, FC_ERR_CORRUPT, "%s: invalid image size %dx%d",
                        format, width, height);
    uint64_t pixels = (uint64_t)width * (uint64_t)height;
    if (pixels > max_pixels)
        return fc__fail(err, FC_ERR_TOO_LARGE,
                        "%s: image is %dx%d = %llu pixels, over the limit of "
                        "%llu",
                        format, width, height, (unsigned long long)pixels,
                        (unsigned long long)max_pixels);
    size_t bpp = fc__mode_bytes_per_pixel(mode);
    if (pixels > SIZE_MAX / bpp)
        return fc__fail(err, FC_ERR_TOO_LARGE, "%s: image too large", format);
    uint8_t *buf = malloc((size_t)pixels * bpp);
    if (buf == NULL)
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY,
                        "%s: cannot allocate %dx%d image", format, width,
                        height);
    img->width = width;
    img->height = height;
    img->mode = mode;
    img->pixels = buf;
    img->stride = (size_t)width * bpp;
    img->owned = buf;
    return FC_OK;
}

uint8_t *fc__image_row(fc__image *img, int y)
{
    return (uint8_t *)img->owned + (size_t)y * img->stride;
}

void fc__image_free(fc__image *img)
{
    free(img->owned);
    memset(img, 0, sizeof *img);
}
