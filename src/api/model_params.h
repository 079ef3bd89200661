/* Internal: parameter checks and image sources for the model API, in C so
 * that caller-supplied enum values are checked as plain ints (in C++,
 * merely reading an out-of-range enum is undefined behaviour). */
#ifndef FC_API_MODEL_PARAMS_H
#define FC_API_MODEL_PARAMS_H

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
