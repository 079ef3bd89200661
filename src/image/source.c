/* Image sources: the fc_image constructors, and each source's way into the
 * transform (source.h). */
#include "image/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/file.h"
#include "decode/decode.h"
#include "decode/image.h"

fc_image fc_image_file(const char *path)
{
    fc_image im;
    memset(&im, 0, sizeof im);
    im.kind = FC_IMAGE_FILE;
    im.path = path;
    return im;
}

fc_image fc_image_memory(const void *data, size_t size)
{
    fc_image im;
    memset(&im, 0, sizeof im);
    im.kind = FC_IMAGE_MEMORY;
    im.data = data;
    im.size = size;
    return im;
}

fc_image fc_image_pixels(const uint8_t *pixels, int width, int height, size_t stride,
                         fc_pixel_format format)
{
    fc_image im;
    memset(&im, 0, sizeof im);
    im.kind = FC_IMAGE_PIXELS;
    im.pixels = pixels;
    im.width = width;
    im.height = height;
    im.stride = stride;
    im.format = format;
    return im;
}

fc_status fc__preprocess_memory(const void *data, size_t size, const fc__limits *limits,
                                const fc__transform *t, float *out, fc_error *err)
{
    if (data == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "data is NULL");
    if (size > limits->max_bytes)
        return fc__fail(err, FC_ERR_TOO_LARGE, "input is %zu bytes, over the limit of %llu",
                        size, (unsigned long long)limits->max_bytes);
    fc__decode_limits dl = {limits->max_pixels};
    fc__image img;
    fc_status st = fc__decode(data, size, &dl, &img, err);
    if (st != FC_OK) return st;
    st = fc__transform_image(&img, t, out, err);
    fc__image_free(&img);
    return st;
}

fc_status fc__preprocess_file(const char *path, const fc__limits *limits,
                              const fc__transform *t, float *out, fc_error *err)
{
    if (path == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "path is NULL");
    uint8_t *data = NULL;
    size_t size = 0;
    fc_status st = fc__read_file(path, limits->max_bytes, "the limit", &data, &size, err);
    if (st != FC_OK) return st;
    st = fc__preprocess_memory(data, size, limits, t, out, err);
    free(data);
    if (st != FC_OK && err != NULL && err->message[0] != '\0') {
        char prefix[FC_ERROR_MESSAGE_SIZE];
        snprintf(prefix, sizeof prefix, "%s: ", path);
        fc__prefix(err, st, prefix);
    }
    return st;
}

static int format_layout(fc_pixel_format format, fc__mode *mode, int *swap)
{
    *swap = 0;
    switch (format) {
    case FC_PIXEL_GRAY8: *mode = FC__MODE_L; return 1;
    case FC_PIXEL_GRAYA8: *mode = FC__MODE_LA; return 1;
    case FC_PIXEL_RGB8: *mode = FC__MODE_RGB; return 1;
    case FC_PIXEL_RGBA8: *mode = FC__MODE_RGBA; return 1;
    case FC_PIXEL_BGR8: *mode = FC__MODE_RGB; *swap = 1; return 1;
    case FC_PIXEL_BGRA8: *mode = FC__MODE_RGBA; *swap = 1; return 1;
    }
    return 0;
}

fc_status fc__preprocess_pixels(const uint8_t *pixels, int width, int height, size_t stride,
                                fc_pixel_format format, const fc__limits *limits,
                                const fc__transform *t, float *out, fc_error *err)
{
    if (pixels == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "pixels is NULL");
    fc__image img;
    memset(&img, 0, sizeof img);
    if (!format_layout(format, &img.mode, &img.swap_rb))
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "unknown pixel format %d", (int)format);
    if (width <= 0 || height <= 0)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "invalid size %dx%d", width, height);
    uint64_t count = (uint64_t)width * (uint64_t)height;
    if (count > limits->max_pixels)
        return fc__fail(err, FC_ERR_TOO_LARGE, "%dx%d = %llu pixels, over the limit of %llu",
                        width, height, (unsigned long long)count,
                        (unsigned long long)limits->max_pixels);
    size_t row = (size_t)width * fc__mode_bytes_per_pixel(img.mode);
    if (stride < row)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "stride %zu is less than width * bytes per pixel (%zu)", stride, row);
    img.width = width;
    img.height = height;
    img.pixels = pixels;
    img.stride = stride;
    return fc__transform_image(&img, t, out, err);
}

fc_status fc__preprocess_image(const fc_image *image, const fc__limits *limits,
                               const fc__transform *t, float *out, fc_error *err)
{
    switch (image->kind) {
    case FC_IMAGE_FILE:
        return fc__preprocess_file(image->path, limits, t, out, err);
    case FC_IMAGE_MEMORY:
        return fc__preprocess_memory(image->data, image->size, limits, t, out, err);
    case FC_IMAGE_PIXELS:
        return fc__preprocess_pixels(image->pixels, image->width, image->height, image->stride,
                                     image->format, limits, t, out, err);
    }
    return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                    "kind is %d; make images with fc_image_file, fc_image_memory or "
                    "fc_image_pixels", (int)image->kind);
}
