/* The model API of a libfastclip built without LibTorch (make LIBTORCH=):
 * preprocessing and the tokenizer work, and every model call says plainly
 * why it cannot. Built instead of the .cpp files of this folder. */
#include "common/error.h"

static fc_status no_libtorch(fc_error *err)
{
    return fc__fail(err, FC_ERR_UNSUPPORTED,
                    "this libfastclip was built without LibTorch, so it cannot "
                    "load models; rebuild with make LIBTORCH=<dir>");
}

fc_status fc_load(const char *path, const char *mode, const fc_model_params *params,
                  fc_model **out, fc_error *err)
{
    (void)path, (void)mode, (void)params;
    fc__clear(err);
    if (out == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    return no_libtorch(err);
}

void fc_free(fc_model *model) { (void)model; }
int fc_model_dim(const fc_model *model) { (void)model; return 0; }
int fc_model_image_size(const fc_model *model) { (void)model; return 0; }
int fc_model_context_length(const fc_model *model) { (void)model; return 0; }

fc_status fc_encode_image(fc_model *model, const fc_image *image, const fc_encode_params *params,
                          float *out, size_t out_floats, fc_error *err)
{
    (void)model, (void)image, (void)params, (void)out, (void)out_floats;
    return no_libtorch(err);
}

fc_status fc_encode_images(fc_model *model, const fc_image *images, size_t n,
                           const fc_encode_params *params, float *out, size_t out_floats,
                           fc_status *statuses, fc_error *err)
{
    (void)model, (void)images, (void)n, (void)params, (void)out, (void)out_floats, (void)statuses;
    return no_libtorch(err);
}

fc_status fc_encode_text(fc_model *model, const char *text, const fc_encode_params *params,
                         float *out, size_t out_floats, fc_error *err)
{
    (void)model, (void)text, (void)params, (void)out, (void)out_floats;
    return no_libtorch(err);
}

fc_status fc_encode_texts(fc_model *model, const char *const *texts, size_t n,
                          const fc_encode_params *params, float *out, size_t out_floats,
                          fc_status *statuses, fc_error *err)
{
    (void)model, (void)texts, (void)n, (void)params, (void)out, (void)out_floats, (void)statuses;
    return no_libtorch(err);
}
