/* The decoded image as Pillow would hold it: its size, its Pillow mode and
 * its samples. Decoders produce one; the preprocessing pipeline reads one.
 * Keeping Pillow's mode (rather than always expanding to RGB) is what makes
 * exactness possible: Pillow resizes each mode differently. */
#ifndef FC_DECODE_IMAGE_H
#define FC_DECODE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "fastclip.h"

typedef enum fc__mode {
    FC__MODE_1,    /* 1 byte per pixel holding 0 or 255 (Pillow's "1")     */
    FC__MODE_L,    /* 1 byte per pixel, grey                                */
    FC__MODE_P,    /* 1 byte per pixel, index into `palette`                */
    FC__MODE_LA,   /* 2 bytes per pixel: grey, alpha                        */
    FC__MODE_RGB,  /* 3 bytes per pixel                                     */
    FC__MODE_RGBA, /* 4 bytes per pixel, straight (not premultiplied) alpha */
    FC__MODE_CMYK, /* 4 bytes per pixel, as Pillow stores CMYK              */
    FC__MODE_I16,  /* uint16_t per pixel, native byte order (Pillow "I;16") */
    FC__MODE_I32,  /* int32_t per pixel (Pillow "I")                        */
    FC__MODE_F32   /* float per pixel (Pillow "F")                          */
} fc__mode;

typedef struct fc__image {
    int width;
    int height;
    fc__mode mode;
    /* Reverse the first three channels when reading RGB/RGBA pixels. Only
     * caller-held BGR/BGRA pixels set it; resampling is per channel, so the
     * swap is applied once, at conversion to RGB. */
    int swap_rb;
    /* LA/RGBA only: colour samples are premultiplied by alpha (Pillow's
     * internal La/RGBa modes, which its resize works in). */
    int premultiplied;
    const uint8_t *pixels; /* first row                                    */
    size_t stride;         /* bytes from one row to the next              */
    /* Mode P only: 256 RGB entries. Entries past the file's palette are
     * black, as in Pillow >= 10.1. */
    uint8_t palette[256 * 3];
    void *owned; /* what fc__image_free releases (NULL when borrowed) */
} fc__image;

/* Bytes one pixel of `mode` occupies. */
size_t fc__mode_bytes_per_pixel(fc__mode mode);

/* A short name for messages and tests: "1", "L", "P", "LA", "RGB", ... */
const char *fc__mode_name(fc__mode mode);

/* Sets up `img` as a width x height image of `mode` with freshly allocated,
 * contiguous, uninitialised rows (the palette is zeroed). Checks the size
 * first: zero or negative sizes are FC_ERR_CORRUPT, more than `max_pixels`
 * pixels is FC_ERR_TOO_LARGE. Decoders call this right after parsing the
 * header, before any other large allocation. */
fc_status fc__image_alloc(fc__image *img, int width, int height,
                          fc__mode mode, uint64_t max_pixels,
                          const char *format, fc_error *err);

/* Mutable first row of an image set up by fc__image_alloc. */
uint8_t *fc__image_row(fc__image *img, int y);

/* Releases what the image owns and resets it; safe on a zeroed struct. */
void fc__image_free(fc__image *img);

#endif
