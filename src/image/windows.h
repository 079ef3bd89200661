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

#endif
