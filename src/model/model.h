/* What a loaded fc_model holds. Only src/model/ reads it, except tests and
 * benchmarks linked with the library's objects. */
#ifndef FC_MODEL_MODEL_H
#define FC_MODEL_MODEL_H

#include <stdint.h>

#include "backend/backend.h"
#include "fastclip.h"
#include "pipeline/pipeline.h"

#define FC__MODEL_MAGIC 0x46434d4cu /* "FCML": a model fc_load made */

struct fc_model {
    uint32_t magic;
    const fc__backend *backend;
    void *handle;               /* the backend's model */
    fc__backend_info info;
    fc_precision precision;     /* the one chosen, never FC_PRECISION_AUTO */
    fc_tokenizer *tokenizer;
    fc__pipeline pipeline;
};

/* fc_load with a given backend instead of the one the file's bytes pick:
 * for tests of the C layer against a backend of their own. */
fc_status fc__load_with(const fc__backend *backend, const char *path, const char *mode,
                        const fc_model_params *params, fc_model **out, fc_error *err);

/* The model's pipeline, for its counters (benchmarks). */
const fc__pipeline *fc__model_pipeline(const fc_model *model);

#endif
