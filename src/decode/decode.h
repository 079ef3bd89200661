/* Decoders: encoded bytes in memory -> fc__image in Pillow's mode.
 *
 * Each decoder reads the header, calls fc__image_alloc (which enforces the
 * pixel limit before allocating), then decodes. On failure it frees what it
 * allocated, leaves `img` zeroed, and returns a status with a message that
 * starts with the format name ("png: ..."). No decoder prints, aborts or
 * keeps global state. */
#ifndef FC_DECODE_DECODE_H
#define FC_DECODE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "decode/image.h"

typedef struct fc__decode_limits {
    uint64_t max_pixels;
} fc__decode_limits;

/* Picks the decoder from the first bytes (never from a file name) and runs
 * it. Unrecognised data gives FC_ERR_UNKNOWN_FORMAT. */
fc_status fc__decode(const uint8_t *data, size_t size,
                     const fc__decode_limits *limits, fc__image *img,
                     fc_error *err);

typedef fc_status (*fc__decoder)(const uint8_t *data, size_t size,
                                 const fc__decode_limits *limits,
                                 fc__image *img, fc_error *err);

fc_status fc__decode_jpeg(const uint8_t *data, size_t size,
                          const fc__decode_limits *limits, fc__image *img,
                          fc_error *err);
fc_status fc__decode_png(const uint8_t *data, size_t size,
                         const fc__decode_limits *limits, fc__image *img,
                         fc_error *err);
fc_status fc__decode_gif(const uint8_t *data, size_t size,
                         const fc__decode_limits *limits, fc__image *img,
                         fc_error *err);
fc_status fc__decode_bmp(const uint8_t *data, size_t size,
                         const fc__decode_limits *limits, fc__image *img,
                         fc_error *err);
fc_status fc__decode_pnm(const uint8_t *data, size_t size,
                         const fc__decode_limits *limits, fc__image *img,
                         fc_error *err);
fc_status fc__decode_tga(const uint8_t *data, size_t size,
                         const fc__decode_limits *limits, fc__image *img,
                         fc_error *err);

#endif
