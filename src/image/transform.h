/* CLIP's transform on a decoded image, in three stages that mirror the
 * reference: Resize + CenterCrop (fused: only the crop's pixels are
 * computed), convert("RGB"), and ToTensor + Normalize. */
#ifndef FC_IMAGE_TRANSFORM_H
#define FC_IMAGE_TRANSFORM_H

#include "fastclip.h"
#include "decode/image.h"

/* What a transform needs: the side n, the order, and the table of
 * ToTensor + Normalize for the mean and std. Made once per call (or per
 * batch) with fc__transform_init, then only read. */
typedef struct fc__transform {
    int n;
    fc_order order;
    float lut[3][256]; /* from fc__normalize_table */
} fc__transform;

/* CLIP's Normalize: the mean and std of its training images, R G B. */
extern const float fc__clip_mean[3], fc__clip_std[3];

void fc__transform_init(fc__transform *t, int n, fc_order order, const float mean[3],
                        const float std[3]);

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
