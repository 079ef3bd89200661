/* The C parts of the model API that need no LibTorch: parameter defaults
 * and the fc_image constructors. They work in every build, so that a
 * program can fill its structs before learning whether models load. */
#include <string.h>

#include "model/backend.h"


fc_status fc_model_params_init(fc_model_params *params, size_t struct_size)
{
    if (params == NULL || struct_size < FC__MODEL_PARAMS_V1_SIZE)
        return FC_ERR_INVALID_ARGUMENT;
    /* Only the part the caller's struct has (see fc_preprocess_params_init). */
    fc_model_params p;
    memset(&p, 0, sizeof p);
    p.struct_size = struct_size < sizeof p ? struct_size : sizeof p;
    p.device = NULL;
    p.warmup = 2;
    p.n_threads = 0;
    p.image_size = 0;
    p.context_length = 0;
    p.bpe_path = NULL;
    p.kernels = FC_KERNELS_FAST;
    memcpy(params, &p, p.struct_size);
    return FC_OK;
}

fc_status fc_encode_params_init(fc_encode_params *params, size_t struct_size)
{
    if (params == NULL || struct_size < FC__ENCODE_PARAMS_V1_SIZE)
        return FC_ERR_INVALID_ARGUMENT;
    fc_encode_params p;
    memset(&p, 0, sizeof p);
    p.struct_size = struct_size < sizeof p ? struct_size : sizeof p;
    p.normalize = 0;
    p.order = FC_ORDER_PIL;
    p.truncation = FC_TRUNCATE;
    p.max_pixels = FC_DEFAULT_MAX_PIXELS;
    p.max_bytes = FC_DEFAULT_MAX_BYTES;
    memcpy(params, &p, p.struct_size);
    return FC_OK;
}

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

fc_image fc_image_pixels(const uint8_t *pixels, int width, int height,
                         size_t stride, fc_pixel_format format)
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
