/* The public face of preprocessing: fc_preprocess_params_init,
 * fc_preprocess_output_floats and fc_preprocess_file/memory/pixels. Checks
 * the caller's params and buffer, then hands over to the image sources
 * (source.c). */
#include <math.h>
#include <string.h>

#include "common/error.h"
#include "common/params.h"
#include "image/source.h"
#include "image/transform.h"

/* Fields every version of fc_preprocess_params has. */
#define PARAMS_V1_SIZE (offsetof(fc_preprocess_params, max_bytes) + sizeof(uint64_t))

static void defaults(fc_preprocess_params *p)
{
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->size = FC_DEFAULT_SIZE;
    memcpy(p->mean, fc__clip_mean, sizeof p->mean);
    memcpy(p->std, fc__clip_std, sizeof p->std);
    p->order = FC_ORDER_PIL;
    p->max_pixels = FC_DEFAULT_MAX_PIXELS;
    p->max_bytes = FC_DEFAULT_MAX_BYTES;
}

fc_status fc_preprocess_params_init(fc_preprocess_params *params, size_t struct_size)
{
    fc_preprocess_params d;
    defaults(&d);
    return fc__params_init(params, struct_size, &d, sizeof d, PARAMS_V1_SIZE);
}

/* The caller's params (NULL: defaults) as a full struct, every field checked. */
static fc_status resolve_params(const fc_preprocess_params *in, fc_preprocess_params *p,
                                fc_error *err)
{
    fc_preprocess_params d;
    defaults(&d);
    fc_status st = fc__params_read(in, p, &d, sizeof d, PARAMS_V1_SIZE,
                                   "fc_preprocess_params_init", err);
    if (st != FC_OK) return st;
    if (p->size < 1 || p->size > FC_MAX_SIZE)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "params.size is %d; it must be 1 to %d",
                        p->size, FC_MAX_SIZE);
    if (p->order != FC_ORDER_PIL && p->order != FC_ORDER_RGB_FIRST)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.order is %d; use FC_ORDER_PIL or FC_ORDER_RGB_FIRST",
                        (int)p->order);
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

/* Checks shared by every entry point; fills the limits and the transform. */
static fc_status begin(const fc_preprocess_params *params, float *out, size_t out_floats,
                       fc__limits *limits, fc__transform *t, fc_error *err)
{
    fc__clear(err);
    fc_preprocess_params p;
    fc_status st = resolve_params(params, &p, err);
    if (st != FC_OK) return st;
    if (out == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "out is NULL");
    size_t need = 3 * (size_t)p.size * (size_t)p.size;
    if (out_floats < need)
        return fc__fail(err, FC_ERR_BUFFER_TOO_SMALL, "out holds %zu floats; size %d needs %zu",
                        out_floats, p.size, need);
    limits->max_pixels = p.max_pixels;
    limits->max_bytes = p.max_bytes;
    fc__transform_init(t, p.size, p.order, p.mean, p.std);
    return FC_OK;
}

fc_status fc_preprocess_memory(const void *data, size_t size, const fc_preprocess_params *params,
                               float *out, size_t out_floats, fc_error *err)
{
    fc__limits limits;
    fc__transform t;
    fc_status st = begin(params, out, out_floats, &limits, &t, err);
    return st != FC_OK ? st : fc__preprocess_memory(data, size, &limits, &t, out, err);
}

fc_status fc_preprocess_file(const char *path, const fc_preprocess_params *params, float *out,
                             size_t out_floats, fc_error *err)
{
    fc__limits limits;
    fc__transform t;
    fc_status st = begin(params, out, out_floats, &limits, &t, err);
    return st != FC_OK ? st : fc__preprocess_file(path, &limits, &t, out, err);
}

fc_status fc_preprocess_pixels(const uint8_t *pixels, int width, int height, size_t stride,
                               fc_pixel_format format, const fc_preprocess_params *params,
                               float *out, size_t out_floats, fc_error *err)
{
    fc__limits limits;
    fc__transform t;
    fc_status st = begin(params, out, out_floats, &limits, &t, err);
    return st != FC_OK ? st
                       : fc__preprocess_pixels(pixels, width, height, stride, format, &limits, &t,
                                               out, err);
}
