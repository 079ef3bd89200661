/* The public face of encoding: fc_encode_image(s) and fc_encode_text(s),
 * and their forms for inputs the caller prepared (fc_encode_image_tensors,
 * fc_encode_token_ids). Checks the call's arguments and the room in `out`,
 * then hands the batch to the model's pipeline (src/pipeline/). */
#include <string.h>

#include "common/error.h"
#include "model/model.h"
#include "model/params.h"

/* Checks shared by the encode calls: the model, the items, the output room. */
static fc_status begin(fc_model *model, const void *items, size_t n, const float *out,
                       size_t out_floats, const char *what, const fc_encode_params *params,
                       fc__encode_options *o, fc_error *err)
{
    fc__clear(err);
    if (model == NULL || model->magic != FC__MODEL_MAGIC)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "model is NULL or not a loaded fc_model");
    if (n > 0 && items == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "%s is NULL", what);
    if (n > 0 && out == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "out is NULL");
    size_t dim = (size_t)model->info.dim;
    if (n > out_floats / dim)
        return fc__fail(err, FC_ERR_BUFFER_TOO_SMALL, "out holds %zu floats; %zu rows of %zu need %zu",
                        out_floats, n, dim, n <= SIZE_MAX / dim ? n * dim : SIZE_MAX);
    return fc__encode_options_read(params, o, err);
}

fc_status fc_encode_images(fc_model *model, const fc_image *images, size_t n,
                           const fc_encode_params *params, float *out, size_t out_floats,
                           fc_status *statuses, fc_error *err)
{
    fc__encode_options o;
    fc_status st = begin(model, images, n, out, out_floats, "images", params, &o, err);
    if (st != FC_OK) return st;
    return fc__pipeline_images(&model->pipeline, images, n, &o, out, statuses, 1, err);
}

fc_status fc_encode_image(fc_model *model, const fc_image *image, const fc_encode_params *params,
                          float *out, size_t out_floats, fc_error *err)
{
    fc__encode_options o;
    fc_status st = begin(model, image, 1, out, out_floats, "image", params, &o, err);
    if (st != FC_OK) return st;
    return fc__pipeline_images(&model->pipeline, image, 1, &o, out, NULL, 0, err);
}

fc_status fc_encode_texts(fc_model *model, const char *const *texts, size_t n,
                          const fc_encode_params *params, float *out, size_t out_floats,
                          fc_status *statuses, fc_error *err)
{
    fc__encode_options o;
    fc_status st = begin(model, texts, n, out, out_floats, "texts", params, &o, err);
    if (st != FC_OK) return st;
    return fc__pipeline_texts(&model->pipeline, texts, n, &o, out, statuses, 1, err);
}

fc_status fc_encode_text(fc_model *model, const char *text, const fc_encode_params *params,
                         float *out, size_t out_floats, fc_error *err)
{
    fc__clear(err);
    if (text == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "text is NULL");
    fc__encode_options o;
    fc_status st = begin(model, &text, 1, out, out_floats, "text", params, &o, err);
    if (st != FC_OK) return st;
    return fc__pipeline_texts(&model->pipeline, &text, 1, &o, out, NULL, 0, err);
}

fc_status fc_encode_image_tensors(fc_model *model, const float *pixels, size_t n,
                                  const fc_encode_params *params, float *out, size_t out_floats,
                                  fc_error *err)
{
    fc__encode_options o;
    fc_status st = begin(model, pixels, n, out, out_floats, "pixels", params, &o, err);
    if (st != FC_OK) return st;
    return fc__pipeline_prepared(&model->pipeline, 0, pixels, n, o.normalize, out, err);
}

fc_status fc_encode_token_ids(fc_model *model, const int32_t *ids, size_t n,
                              const fc_encode_params *params, float *out, size_t out_floats,
                              fc_error *err)
{
    fc__encode_options o;
    fc_status st = begin(model, ids, n, out, out_floats, "ids", params, &o, err);
    if (st != FC_OK) return st;
    /* An id past the embedding table fails the model on the CPU, and on a
     * GPU a device-side assert would end the process's CUDA context: so
     * every id is checked before anything runs. */
    const size_t context = (size_t)model->info.context_length;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < context; j++) {
            int32_t id = ids[i * context + j];
            if (id < 0 || id >= FC_VOCAB_SIZE)
                return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                                "ids[%zu][%zu] is %ld; token ids run 0 to %d", i, j, (long)id,
                                FC_VOCAB_SIZE - 1);
        }
    return fc__pipeline_prepared(&model->pipeline, 1, ids, n, o.normalize, out, err);
}
