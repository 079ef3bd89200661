/* Pillow's LA -> La and RGBA -> RGBa conversions: colour times alpha / 255,
 * rounded as Pillow's MULDIV255 rounds, alpha unchanged. Its resize works
 * on premultiplied colour. */
#ifndef FC_IMAGE_PREMULTIPLY_H
#define FC_IMAGE_PREMULTIPLY_H

#include <stdint.h>

/* Pillow's MULDIV255: c * a / 255 rounded, without a division:
 * (t + (t >> 8)) >> 8 with t = c * a + 128. Every intermediate fits in 16
 * bits (at most 65407), which is what lets the AVX2 premultiply work on
 * 16-bit lanes. Also used by convert("RGB") from CMYK. */
static inline unsigned fc__muldiv255(unsigned c, unsigned a)
{
    unsigned t = c * a + 128;
    return ((t >> 8) + t) >> 8;
}

void fc__premultiply_rgba(const uint8_t *in, int count, uint8_t *out);
void fc__premultiply_la(const uint8_t *in, int count, uint8_t *out);

#endif
