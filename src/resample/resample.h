/* Pillow's separable resampling passes over packed sample buffers.
 *
 * Buffers are packed: `channels` samples per pixel, rows `stride` bytes
 * apart. A pass reads the windows of fc__windows (already shifted so that
 * their starts index the buffer it is given) and writes one packed row per
 * output row, rounding after each pass exactly as Pillow does. */
#ifndef FC_IMAGE_RESAMPLE_H
#define FC_IMAGE_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "resample/windows.h"

/* 8-bit samples, 22-bit fixed-point weights, clamped to 0..255.
 *
 * Vertical: output row i combines source rows w->start[i] ... over `cols`
 * pixels of `channels` interleaved samples.
 *
 * Horizontal: `rows` rows of `width` pixels in, rows of w->count pixels
 * out. `scratch` must hold (width + w->count) * channels * 16 bytes. */
void fc__resample_v8(const uint8_t *restrict src, size_t src_stride,
                     int channels, int cols, const fc__windows *w,
                     uint8_t *restrict dst, size_t dst_stride);
void fc__resample_h8(const uint8_t *src, size_t src_stride, int channels,
                     int rows, int width, const fc__windows *w, uint8_t *dst,
                     size_t dst_stride, uint8_t *scratch);

/* The horizontal pass without transposes, for CPUs with AVX-512 VNNI and
 * VBMI. Returns 0, having written nothing, where it does not apply (other
 * CPUs, windows too wide, weights out of range, out of memory); the caller
 * then uses fc__resample_h8's general path. */
int fc__resample_h8_vnni(const uint8_t *src, size_t src_stride, int channels,
                         int rows, int width, const fc__windows *w,
                         uint8_t *dst, size_t dst_stride);

/* Single-channel wide samples (Pillow modes I;16, I and F): double weights,
 * sums in double, stored after each pass in the mode's own type. */
typedef enum fc__wide_type {
    FC__WIDE_U16, /* I;16: round half away from zero, clamp to 0..65535 */
    FC__WIDE_I32, /* I: round half away from zero                        */
    FC__WIDE_F32  /* F: cast to float                                    */
} fc__wide_type;

void fc__resample_h_wide(const uint8_t *src, size_t src_stride,
                         fc__wide_type type, int rows, const fc__windows *w,
                         uint8_t *dst, size_t dst_stride);
void fc__resample_v_wide(const uint8_t *src, size_t src_stride,
                         fc__wide_type type, int cols, const fc__windows *w,
                         uint8_t *dst, size_t dst_stride, double *acc);

/* Bytes per sample of a wide type. */
size_t fc__wide_size(fc__wide_type type);

/* Pillow's nearest-neighbour source index for output samples
 * [first, first + count) of an axis resized from in_size to out_size
 * (ImagingScaleAffine: positions accumulated by repeated addition, which
 * rounds differently from multiplying). An index of -1 means "outside the
 * source"; Pillow fills such samples with 0. */
void fc__nearest_indices(int in_size, int64_t out_size, int64_t first,
                         int count, int *index);

#endif
