/* The model API's parameters, read and checked (params.c). */
#ifndef FC_MODEL_PARAMS_H
#define FC_MODEL_PARAMS_H

#include "backend/backend.h"
#include "fastclip.h"
#include "pipeline/pipeline.h"

/* The caller's fc_model_params (NULL: defaults), every field checked. */
fc_status fc__model_params_read(const fc_model_params *in, fc_model_params *out, fc_error *err);

/* fc_load's mode, params.device and params.precision as a backend's
 * device and precision: "cpu" or "cuda:N" written to `device` (at least 32
 * bytes), and the public precision chosen (never FC_PRECISION_AUTO). */
fc_status fc__placement(const char *mode, const char *device_param, fc_precision wanted,
                        char *device, fc__precision *precision, fc_precision *chosen,
                        fc_error *err);

/* The caller's fc_encode_params (NULL: defaults), checked, as options. */
fc_status fc__encode_options_read(const fc_encode_params *in, fc__encode_options *out,
                                  fc_error *err);

#endif
