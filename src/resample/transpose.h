/* Transposition of 8-bit planes. The horizontal resampling pass runs on
 * transposed data, where it becomes a vertical pass: whole rows multiplied
 * by one weight, which vectorises, instead of a short dot product per
 * output pixel. */
#ifndef FC_IMAGE_TRANSPOSE_H
#define FC_IMAGE_TRANSPOSE_H

#include <stddef.h>
#include <stdint.h>

/* dst[x][y] = src[y][x] for a width x height plane of bytes. */
void fc__transpose8(const uint8_t *src, size_t src_stride, int width,
                    int height, uint8_t *dst, size_t dst_stride);

#endif
