#include "cli/npy.h"

#include <stdint.h>
#include <string.h>

int fc_cli_write_f32le(FILE *f, const float *data, size_t count)
{
    const uint16_t probe = 1;
    int little = *(const uint8_t *)&probe == 1;
    if (little) return fwrite(data, sizeof *data, count, f) == count ? 0 : -1;
    for (size_t i = 0; i < count; i++) {
        uint8_t b[4];
        memcpy(b, &data[i], 4);
        uint8_t s[4] = {b[3], b[2], b[1], b[0]};
        if (fwrite(s, 1, 4, f) != 4) return -1;
    }
    return 0;
}

/* Format 1.0: magic, version, little-endian header length, then a Python
 * dict literal padded with spaces so that the data starts at a multiple
 * of 64 bytes. */
int fc_cli_write_npy_header(FILE *f, const size_t *shape, int ndim)
{
    char dict[256], dims[160] = "";
    size_t used = 0;
    for (int i = 0; i < ndim; i++)
        used += (size_t)snprintf(dims + used, sizeof dims - used, "%zu%s",
                                 shape[i], ndim == 1 ? "," : (i + 1 < ndim ? ", " : ""));
    int len = snprintf(dict, sizeof dict,
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }",
                       dims);
    if (len < 0 || (size_t)len >= sizeof dict - 64) return -1;
    size_t header = 10 + (size_t)len + 1;
    size_t padded = (header + 63) / 64 * 64;
    size_t dict_len = padded - 10;
    memset(dict + len, ' ', dict_len - 1 - (size_t)len);
    dict[dict_len - 1] = '\n';
    uint8_t pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                       (uint8_t)(dict_len & 0xff), (uint8_t)(dict_len >> 8)};
    if (fwrite(pre, 1, sizeof pre, f) != sizeof pre) return -1;
    return fwrite(dict, 1, dict_len, f) == dict_len ? 0 : -1;
}

int fc_cli_write_npy(FILE *f, const float *data, const size_t *shape, int ndim)
{
    if (fc_cli_write_npy_header(f, shape, ndim) != 0) return -1;
    size_t count = 1;
    for (int i = 0; i < ndim; i++) count *= shape[i];
    return fc_cli_write_f32le(f, data, count);
}
