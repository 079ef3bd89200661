/* The LibTorch backend's parameter checks and image sources (checks.c). */
#ifndef FC_MODEL_CHECKS_H
#define FC_MODEL_CHECKS_H

#include "fastclip.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Copies the caller's params (NULL: defaults) into a full struct, checking
 * every field; FC_ERR_INVALID_ARGUMENT with a message otherwise. */
fc_status fc__resolve_model_params(const fc_model_params *in, fc_model_params *out,
                                   fc_error *err);
fc_status fc__resolve_encode_params(const fc_encode_params *in, fc_encode_params *out,
                                    fc_error *err);

/* Preprocesses one fc_image of any kind with `pp`. */
fc_status fc__preprocess_image(const fc_image *image, const fc_preprocess_params *pp,
                               float *out, size_t out_floats, fc_error *err);

#ifdef __cplusplus
}
#endif

#endif
