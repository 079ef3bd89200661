/* Pillow's convert("RGB") for every mode we decode. */
#ifndef FC_IMAGE_TO_RGB_H
#define FC_IMAGE_TO_RGB_H

#include <stdint.h>

#include "decode/image.h"

/* Converts `count` pixels of `img`'s mode starting at `row` (a pointer into
 * img's rows) to packed RGB bytes, as Pillow's convert("RGB") would,
 * including unpremultiplying La/RGBa and honouring swap_rb. */
void fc__row_to_rgb(const fc__image *img, const uint8_t *row, int count,
                    uint8_t *rgb);

#endif
