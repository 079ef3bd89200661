/* Public preprocessing entry points: argument checks, input limits, file
 * reading, and the hand-off to the decoders and the transform. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/error.h"
#include "decode/decode.h"
#include "image/image.h"
#include "image/pipeline.h"
#include "image/to_rgb.h"

/* Fields every version of fc_preprocess_params has. */
#define PARAMS_V1_SIZE (offsetof(fc_preprocess_params, max_bytes) + sizeof(uint64_t))

static const float clip_mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
static const float clip_std[3] = {0.26862954f, 0.26130258f, 0.27577711f};

fc_status fc_preprocess_params_init(fc_preprocess_params *params,
                                    size_t struct_size)
{
    if (params == NULL || struct_size < PARAMS_V1_SIZE)
        return FC_ERR_INVALID_ARGUMENT;
    /* Only the part the caller's struct has: a program built against an
     * older, shorter struct must not be written past its end. */
    fc_preprocess_params p;
    memset(&p, 0, sizeof p);
    p.struct_size = struct_size < sizeof p ? struct_size : sizeof p;
    p.size = FC_DEFAULT_SIZE;
    memcpy(p.mean, clip_mean, sizeof p.mean);
    memcpy(p.std, clip_std, sizeof p.std);
    p.order = FC_ORDER_PIL;
    p.max_pixels = FC_DEFAULT_MAX_PIXELS;
    p.max_bytes = FC_DEFAULT_MAX_BYTES;
    memcpy(params, &p, p.struct_size);
    return FC_OK;
}

/* Copies the caller's params (NULL: defaults) into a full struct, checking
 * every field. */
static fc_status resolve_params(const fc_preprocess_params *in,
                                fc_preprocess_params *p, fc_error *err)
{
    fc_preprocess_params_init(p, sizeof *p);
    if (in == NULL) return FC_OK;
    if (in->struct_size < PARAMS_V1_SIZE)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.struct_size is %zu: initialise params with "
                        "fc_preprocess_params_init(&p, sizeof p)",
                        in->struct_size);
    size_t known = in->struct_size < sizeof *p ? in->struct_size : sizeof *p;
    memcpy(p, in, known);
    if (p->size < 1 || p->size > FC_MAX_SIZE)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.size is %d; it must be 1 to %d", p->size,
                        FC_MAX_SIZE);
    if (p->order != FC_ORDER_PIL && p->order != FC_ORDER_RGB_FIRST)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.order is %d; use FC_ORDER_PIL or "
                        "FC_ORDER_RGB_FIRST", (int)p->order);
    for (int c = 0; c < 3; c++) {
        if (!isfinite(p->mean[c]))
            return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                            "params.mean[%d] is not a finite number", c);
        if (!isfinite(p->std[c]) || !(p->std[c] > 0.0f))
            return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                            "params.std[%d] must be a finite number > 0", c);
    }
    if (p->max_pixels == 0 || p->max_bytes == 0)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.max_pixels and params.max_bytes must be > 0");
    return FC_OK;
}

size_t fc_preprocess_output_floats(const fc_preprocess_params *params)
{
    fc_preprocess_params p;
    if (resolve_params(params, &p, NULL) != FC_OK) return 0;
    return 3 * (size_t)p.size * (size_t)p.size;
}

/* Checks shared by every entry point; fills the transform. */
static fc_status begin(const fc_preprocess_params *params, float *out,
                       size_t out_floats, fc_preprocess_params *p,
                       fc__transform *t, fc_error *err)
{
    fc__clear(err);
    fc_status st = resolve_params(params, p, err);
    if (st != FC_OK) return st;
    if (out == NULL)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "out is NULL");
    size_t need = 3 * (size_t)p->size * (size_t)p->size;
    if (out_floats < need)
        return fc__fail(err, FC_ERR_BUFFER_TOO_SMALL,
                        "out holds %zu floats; size %d needs %zu", out_floats,
                        p->size, need);
    t->n = p->size;
    t->order = p->order;
    fc__normalize_table(p->mean, p->std, t->lut);
    return FC_OK;
}

static fc_status decode_and_transform(const uint8_t *data, size_t size,
                                      const fc_preprocess_params *p,
                                      const fc__transform *t, float *out,
                                      fc_error *err)
{
    if (size > p->max_bytes)
        return fc__fail(err, FC_ERR_TOO_LARGE,
                        "input is %zu bytes, over the limit of %llu", size,
                        (unsigned long long)p->max_bytes);
    fc__decode_limits limits = {p->max_pixels};
    fc__image img;
    fc_status st = fc__decode(data, size, &limits, &img, err);
    if (st != FC_OK) return st;
    st = fc__transform_image(&img, t, out, err);
    fc__image_free(&img);
    return st;
}

fc_status fc_preprocess_memory(const void *data, size_t size,
                               const fc_preprocess_params *params, float *out,
                               size_t out_floats, fc_error *err)
{
    fc_preprocess_params p;
    fc__transform t;
    fc_status st = begin(params, out, out_floats, &p, &t, err);
    if (st != FC_OK) return st;
    if (data == NULL)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "data is NULL");
    return decode_and_transform(data, size, &p, &t, out, err);
}

/* Reads a whole regular file, refusing more than max_bytes. */
static fc_status read_file(const char *path, uint64_t max_bytes,
                           uint8_t **data, size_t *size, fc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return fc__fail(err, FC_ERR_IO, "cannot open %s: %s", path,
                        strerror(errno));
    struct stat sb;
    fc_status st = FC_OK;
    uint8_t *buf = NULL;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = fc__fail(err, FC_ERR_IO, "%s is not a regular file", path);
        goto done;
    }
    if ((uint64_t)sb.st_size > max_bytes) {
        st = fc__fail(err, FC_ERR_TOO_LARGE,
                      "%s is %lld bytes, over the limit of %llu", path,
                      (long long)sb.st_size, (unsigned long long)max_bytes);
        goto done;
    }
    size_t len = (size_t)sb.st_size;
    buf = malloc(len ? len : 1);
    if (buf == NULL) {
        st = fc__fail(err, FC_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes for %s",
                      len, path);
        goto done;
    }
    if (fread(buf, 1, len, f) != len) {
        st = fc__fail(err, FC_ERR_IO, "cannot read %s", path);
        goto done;
    }
    *data = buf;
    *size = len;
    buf = NULL;
done:
    free(buf);
    fclose(f);
    return st;
}

fc_status fc_preprocess_file(const char *path,
                             const fc_preprocess_params *params, float *out,
                             size_t out_floats, fc_error *err)
{
    fc_preprocess_params p;
    fc__transform t;
    fc_status st = begin(params, out, out_floats, &p, &t, err);
    if (st != FC_OK) return st;
    if (path == NULL)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "path is NULL");
    uint8_t *data = NULL;
    size_t size = 0;
    st = read_file(path, p.max_bytes, &data, &size, err);
    if (st != FC_OK) return st;
    st = decode_and_transform(data, size, &p, &t, out, err);
    free(data);
    if (st != FC_OK && err != NULL && err->message[0] != '\0') {
        /* Prefix the file name so a batch log says which file failed. */
        char detail[FC_ERROR_MESSAGE_SIZE];
        memcpy(detail, err->message, sizeof detail);
        fc__fail(err, st, "%s: %s", path, detail);
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

fc_status fc_preprocess_pixels(const uint8_t *pixels, int width, int height,
                               size_t stride, fc_pixel_format format,
                               const fc_preprocess_params *params, float *out,
                               size_t out_floats, fc_error *err)
{
    fc_preprocess_params p;
    fc__transform t;
    fc_status st = begin(params, out, out_floats, &p, &t, err);
    if (st != FC_OK) return st;
    if (pixels == NULL)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "pixels is NULL");
    fc__image img;
    memset(&img, 0, sizeof img);
    if (!format_layout(format, &img.mode, &img.swap_rb))
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "unknown pixel format %d", (int)format);
    if (width <= 0 || height <= 0)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "invalid size %dx%d", width, height);
    uint64_t count = (uint64_t)width * (uint64_t)height;
    if (count > p.max_pixels)
        return fc__fail(err, FC_ERR_TOO_LARGE,
                        "%dx%d = %llu pixels, over the limit of %llu", width,
                        height, (unsigned long long)count,
                        (unsigned long long)p.max_pixels);
    size_t row = (size_t)width * fc__mode_bytes_per_pixel(img.mode);
    if (stride < row)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "stride %zu is less than width * bytes per pixel (%zu)",
                        stride, row);
    img.width = width;
    img.height = height;
    img.pixels = pixels;
    img.stride = stride;
    return fc__transform_image(&img, &t, out, err);
}
