/* Preprocessing one image from any of its sources (a file, encoded bytes,
 * caller-held pixels): the decode, the limits, the transform. Both the
 * public fc_preprocess_* functions (preprocess.c) and the batch pipeline
 * (src/pipeline/) come through here. Every function writes 3 * t->n * t->n
 * floats to `out`, which the caller has sized. */
#ifndef FC_IMAGE_SOURCE_H
#define FC_IMAGE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "fastclip.h"
#include "image/transform.h"

/* The input limits of fc_preprocess_params and fc_encode_params. */
typedef struct fc__limits {
    uint64_t max_pixels;
    uint64_t max_bytes;
} fc__limits;

fc_status fc__preprocess_memory(const void *data, size_t size, const fc__limits *limits,
                                const fc__transform *t, float *out, fc_error *err);

/* Messages start with the path, so that a batch log says which file. */
fc_status fc__preprocess_file(const char *path, const fc__limits *limits,
                              const fc__transform *t, float *out, fc_error *err);

fc_status fc__preprocess_pixels(const uint8_t *pixels, int width, int height, size_t stride,
                                fc_pixel_format format, const fc__limits *limits,
                                const fc__transform *t, float *out, fc_error *err);

/* An fc_image of any kind; FC_ERR_INVALID_ARGUMENT for an unknown kind. */
fc_status fc__preprocess_image(const fc_image *image, const fc__limits *limits,
                               const fc__transform *t, float *out, fc_error *err);

#endif
