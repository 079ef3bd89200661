/* The seam between libfastclip.so and its LibTorch backend.
 *
 * LibTorch is large (a CUDA build maps gigabytes and takes most of a second
 * to load), so libfastclip.so does not link it: programs that only
 * preprocess or tokenize never load it. The model API's entry points
 * (src/api/model.c) dlopen libfastclip_torch.so.<version> from the folder
 * libfastclip.so was loaded from, on the first fc_load, and call through
 * this table. The backend (the C++ files of src/model/) exports nothing
 * else. */
#ifndef FC_MODEL_BACKEND_H
#define FC_MODEL_BACKEND_H

#include "fastclip.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fields every version of the params structs has: a caller's struct_size
 * must be at least this. */
#define FC__MODEL_PARAMS_V1_SIZE (offsetof(fc_model_params, bpe_path) + sizeof(const char *))
#define FC__ENCODE_PARAMS_V1_SIZE (offsetof(fc_encode_params, max_bytes) + sizeof(uint64_t))

/* Bumped whenever the table changes; the front refuses any other. */
#define FC__BACKEND_ABI 1

typedef struct fc__backend {
    int abi;
    fc_status (*load)(const char *path, const char *mode, const fc_model_params *params,
                      fc_model **out, fc_error *err);
    void (*free_model)(fc_model *model);
    int (*dim)(const fc_model *model);
    int (*image_size)(const fc_model *model);
    int (*context_length)(const fc_model *model);
    /* `is_batch` 0 for the single-item calls, whose messages need no index. */
    fc_status (*encode_images)(fc_model *model, const fc_image *images, size_t n,
                               const fc_encode_params *params, float *out, size_t out_floats,
                               fc_status *statuses, int is_batch, fc_error *err);
    fc_status (*encode_texts)(fc_model *model, const char *const *texts, size_t n,
                              const fc_encode_params *params, float *out, size_t out_floats,
                              fc_status *statuses, int is_batch, fc_error *err);
} fc__backend;

/* The backend library's one exported function. */
#define FC__BACKEND_SYMBOL "fc__torch_backend"
typedef const fc__backend *(*fc__backend_entry)(void);

#ifdef __cplusplus
}
#endif

#endif
