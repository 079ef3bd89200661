/* Parameter checks and image sources of the LibTorch backend, in C so that
 * caller-supplied enum values are checked as plain ints (in C++, merely
 * reading an out-of-range enum is undefined behaviour). Compiled into
 * libfastclip_torch.so; the public functions it calls come from
 * libfastclip.so. */
#include <string.h>

#include "common/error.h"
#include "model/backend.h"
#include "model/checks.h"


fc_status fc__resolve_model_params(const fc_model_params *in, fc_model_params *p, fc_error *err)
{
    fc_model_params_init(p, sizeof *p);
    if (in == NULL) return FC_OK;
    if (in->struct_size < FC__MODEL_PARAMS_V1_SIZE)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.struct_size is %zu: initialise params with "
                        "fc_model_params_init(&p, sizeof p)", in->struct_size);
    memcpy(p, in, in->struct_size < sizeof *p ? in->struct_size : sizeof *p);
    p->struct_size = sizeof *p;
    if (p->warmup < 0 || p->warmup > 1000)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "params.warmup is %d; it must be 0 to 1000",
                        p->warmup);
    if (p->n_threads < 0 || p->n_threads > 4096)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.n_threads is %d; it must be 0 to 4096", p->n_threads);
    if (p->image_size < 0 || p->image_size > FC_MAX_SIZE)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.image_size is %d; it must be 0 (from the model) to %d",
                        p->image_size, FC_MAX_SIZE);
    if (p->context_length < 0 || p->context_length == 1 || p->context_length > 1000000)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.context_length is %d; it must be 0 (from the model) or 2 to "
                        "1000000", p->context_length);
    if (p->kernels != FC_KERNELS_FAST && p->kernels != FC_KERNELS_REFERENCE)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.kernels is %d; use FC_KERNELS_FAST or FC_KERNELS_REFERENCE",
                        (int)p->kernels);
    return FC_OK;
}

fc_status fc__resolve_encode_params(const fc_encode_params *in, fc_encode_params *p, fc_error *err)
{
    fc_encode_params_init(p, sizeof *p);
    if (in == NULL) return FC_OK;
    if (in->struct_size < FC__ENCODE_PARAMS_V1_SIZE)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.struct_size is %zu: initialise params with "
                        "fc_encode_params_init(&p, sizeof p)", in->struct_size);
    memcpy(p, in, in->struct_size < sizeof *p ? in->struct_size : sizeof *p);
    p->struct_size = sizeof *p;
    if (p->normalize != 0 && p->normalize != 1)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "params.normalize is %d; use 0 or 1",
                        p->normalize);
    if (p->order != FC_ORDER_PIL && p->order != FC_ORDER_RGB_FIRST)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.order is %d; use FC_ORDER_PIL or FC_ORDER_RGB_FIRST", (int)p->order);
    if (p->truncation != FC_TRUNCATE && p->truncation != FC_NO_TRUNCATE)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.truncation is %d; use FC_TRUNCATE or FC_NO_TRUNCATE",
                        (int)p->truncation);
    if (p->max_pixels == 0 || p->max_bytes == 0)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.max_pixels and params.max_bytes must be > 0");
    return FC_OK;
}

fc_status fc__preprocess_image(const fc_image *image, const fc_preprocess_params *pp,
                               float *out, size_t out_floats, fc_error *err)
{
    switch (image->kind) {
    case FC_IMAGE_FILE:
        return fc_preprocess_file(image->path, pp, out, out_floats, err);
    case FC_IMAGE_MEMORY:
        return fc_preprocess_memory(image->data, image->size, pp, out, out_floats, err);
    case FC_IMAGE_PIXELS:
        return fc_preprocess_pixels(image->pixels, image->width, image->height, image->stride,
                                    image->format, pp, out, out_floats, err);
    }
    return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                    "kind is %d; make images with fc_image_file, fc_image_memory or "
                    "fc_image_pixels", (int)image->kind);
}
