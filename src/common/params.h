/* The append-only params structs (fc_preprocess_params, fc_model_params,
 * ...): every one starts with `size_t struct_size`, the size of the struct
 * the caller was compiled with. A program built against an older header
 * passes a shorter struct; the library must neither read nor write past
 * its end, and gives the fields it lacks their defaults. These two helpers
 * are that rule, written once. */
#ifndef FC_COMMON_PARAMS_H
#define FC_COMMON_PARAMS_H

#include <stddef.h>

#include "fastclip.h"

/* The *_params_init functions: copies the first `struct_size` bytes of
 * `defaults` (a complete struct of `full_size` bytes) into `params`, with
 * struct_size set to what was written. FC_ERR_INVALID_ARGUMENT when params
 * is NULL or struct_size is below `v1_size`, the first version's size. */
fc_status fc__params_init(void *params, size_t struct_size, const void *defaults,
                          size_t full_size, size_t v1_size);

/* Reading a caller's struct: `out` (a complete struct of `full_size` bytes)
 * gets `defaults`, overlaid with the part of `in` the caller's struct_size
 * covers; in == NULL leaves the defaults. out's struct_size becomes
 * full_size. A struct_size below `v1_size` is FC_ERR_INVALID_ARGUMENT, with
 * a message that names `init_name`, the function that sets it. */
fc_status fc__params_read(const void *in, void *out, const void *defaults, size_t full_size,
                          size_t v1_size, const char *init_name, fc_error *err);

#endif
