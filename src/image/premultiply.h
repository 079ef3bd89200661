/* Pillow's LA -> La and RGBA -> RGBa conversions: colour times alpha / 255,
 * rounded as Pillow's MULDIV255 rounds, alpha unchanged. Its resize works
 * on premultiplied colour. */
#ifndef FC_IMAGE_PREMULTIPLY_H
#define FC_IMAGE_PREMULTIPLY_H

#include <stdint.h>

void fc__premultiply_rgba(const uint8_t *in, int count, uint8_t *out);
void fc__premultiply_la(const uint8_t *in, int count, uint8_t *out);

#endif
