/* ToTensor + Normalize: packed RGB bytes -> CHW float32 (normalize.c). */
#ifndef FC_IMAGE_NORMALIZE_H
#define FC_IMAGE_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

/* The float32 table of ToTensor + Normalize: lut[c][v] is
 * ((float)v / 255 - mean[c]) / std[c], each step rounded to float as torch
 * rounds it on the CPU (a true division, not a multiply by a reciprocal). */
void fc__normalize_table(const float mean[3], const float std[3],
                         float lut[3][256]);

/* Writes n x n packed RGB pixels, rows `stride` bytes apart, as CHW floats
 * through the table. */
void fc__normalize_rows(const uint8_t *rgb, size_t stride, int n,
                        const float lut[3][256], float *out);

/* The same for rows of n * 3 bytes, one after the other. */
void fc__normalize(const uint8_t *rgb, int n, const float lut[3][256],
                   float *out);

#endif
