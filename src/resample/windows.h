/* Pillow's resampling windows for one axis: for each output sample, the
 * first source sample it reads, how many it reads, and their weights.
 * Only the outputs inside the centre crop are ever computed, since every
 * output sample depends on its own window alone. */
#ifndef FC_IMAGE_WINDOWS_H
#define FC_IMAGE_WINDOWS_H

#include <stdint.h>

#include "fastclip.h"

/* Pillow's 8-bit fixed point: 22 fractional bits. */
#define FC__PRECISION_BITS 22

typedef struct fc__windows {
    int count;        /* number of output samples described               */
    int ksize;        /* row length of `weights` and `fixed`               */
    int *start;       /* first source sample of each window               */
    int *taps;        /* number of source samples of each window          */
    double *weights;  /* count x ksize normalised weights                  */
    int32_t *fixed;   /* the same, rounded to FC__PRECISION_BITS            */
} fc__windows;

/* Bicubic windows for output samples [first, first + count) of a resize of
 * an axis of `in_size` samples to `out_size`, exactly as Pillow's
 * precompute_coeffs computes them (box = the whole axis). Fails with
 * FC_ERR_TOO_LARGE where Pillow's own size check fails, and with
 * FC_ERR_OUT_OF_MEMORY. */
fc_status fc__windows_bicubic(fc__windows *w, int in_size, int64_t out_size,
                              int64_t first, int count, fc_error *err);

/* Windows that copy samples [first, first + count) unchanged: what Pillow
 * does when an axis keeps its size (it skips that pass). */
fc_status fc__windows_identity(fc__windows *w, int64_t first, int count,
                               fc_error *err);

/* Smallest start and largest end (start + taps) over all windows. */
void fc__windows_span(const fc__windows *w, int *begin, int *end);

/* Subtracts `offset` from every start (windows over a sub-range). */
void fc__windows_shift(fc__windows *w, int offset);

void fc__windows_free(fc__windows *w);

/* A fixed-point weight as three balanced base-256 digits, each -128..127:
 * w = d[2] * 65536 + d[1] * 256 + d[0]. The VNNI kernels multiply bytes by
 * these digits (VPDPBUSD takes signed bytes). Returns 0, leaving d alone,
 * for a weight outside what three such digits can write. */
static inline int fc__weight_digits(int32_t w, int8_t d[3])
{
    if (w < -128 * 65793 || w > 127 * 65793) return 0;
    int32_t d0 = ((w + 128) & 255) - 128;
    w = (w - d0) / 256; /* exact */
    int32_t d1 = ((w + 128) & 255) - 128;
    d[0] = (int8_t)d0;
    d[1] = (int8_t)d1;
    d[2] = (int8_t)((w - d1) / 256);
    return 1;
}

#endif
