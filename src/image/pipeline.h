/* CLIP's transform on a decoded image, in three stages that mirror the
 * reference: Resize + CenterCrop (fused: only the crop's pixels are
 * computed), convert("RGB"), and ToTensor + Normalize. */
#ifndef FC_IMAGE_PIPELINE_H
#define FC_IMAGE_PIPELINE_H

#include "fastclip.h"
#include "image/image.h"

typedef struct fc__transform {
    int n;
    fc_order order;
    float lut[3][256]; /* from fc__normalize_table */
} fc__transform;

/* Stage 1: Resize(n, BICUBIC) then CenterCrop(n), in the image's own mode
 * (or after conversion to RGB for FC_ORDER_RGB_FIRST). `crop` receives an
 * n x n image; it may borrow `img`'s pixels, so free it before `img`. */
fc_status fc__resize_crop(const fc__image *img, int n, fc_order order,
                          fc__image *crop, fc_error *err);

/* Stage 2: convert("RGB") of the crop into n * n * 3 bytes. */
void fc__crop_to_rgb(const fc__image *crop, uint8_t *rgb);

/* All stages: decoded image -> 3 x n x n floats. */
fc_status fc__transform_image(const fc__image *img, const fc__transform *t,
                              float *out, fc_error *err);

#endif
