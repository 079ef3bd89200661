/* Writing float32 arrays as raw little-endian bytes or as NumPy .npy. */
#ifndef FC_CLI_NPY_H
#define FC_CLI_NPY_H

#include <stddef.h>
#include <stdio.h>

/* Writes count floats little-endian. Returns 0 on success. */
int fc_cli_write_f32le(FILE *f, const float *data, size_t count);

/* Writes the header of a C-order float32 .npy file of the given shape;
 * the data follows as fc_cli_write_f32le writes it. Returns 0 on success. */
int fc_cli_write_npy_header(FILE *f, const size_t *shape, int ndim);

/* Writes a C-order float32 .npy file of the given shape. Returns 0 on
 * success. */
int fc_cli_write_npy(FILE *f, const float *data, const size_t *shape,
                     int ndim);

#endif
