#include "common/params.h"

#include <string.h>

#include "common/error.h"

fc_status fc__params_init(void *params, size_t struct_size, const void *defaults,
                          size_t full_size, size_t v1_size)
{
    if (params == NULL || struct_size < v1_size) return FC_ERR_INVALID_ARGUMENT;
    size_t n = struct_size < full_size ? struct_size : full_size;
    memcpy(params, defaults, n);
    memcpy(params, &n, sizeof n); /* struct_size: what the caller's struct holds */
    return FC_OK;
}

fc_status fc__params_read(const void *in, void *out, const void *defaults, size_t full_size,
                          size_t v1_size, const char *init_name, fc_error *err)
{
    memcpy(out, defaults, full_size);
    if (in != NULL) {
        size_t given;
        memcpy(&given, in, sizeof given);
        if (given < v1_size)
            return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                            "params.struct_size is %zu: initialise params with %s(&p, sizeof p)",
                            given, init_name);
        memcpy(out, in, given < full_size ? given : full_size);
    }
    memcpy(out, &full_size, sizeof full_size);
    return FC_OK;
}
