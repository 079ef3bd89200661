/* Resize + CenterCrop, one file per kind of Pillow resize. Each computes
 * only the n x n crop of the resized image (see crop_plan.c for why that is
 * exact) and returns it as an image of its own. */
#ifndef FC_IMAGE_RESIZE_H
#define FC_IMAGE_RESIZE_H

#include "fastclip.h"
#include "image/geometry.h"
#include "decode/image.h"

/* Modes 1 and P: nearest neighbour (resize_nearest.c). */
fc_status fc__resize_nearest(const fc__image *img, const fc__geometry *g,
                             fc__image *crop, fc_error *err);

/* 8-bit modes, and every mode in the RGB-first order: fixed-point bicubic,
 * premultiplied for LA and RGBA in CLIP's order (resize_bicubic8.c). */
fc_status fc__resize_bicubic8(const fc__image *img, const fc__geometry *g,
                              fc_order order, fc__image *crop, fc_error *err);

/* I;16, I and F: bicubic with double sums (resize_wide.c). */
fc_status fc__resize_wide(const fc__image *img, const fc__geometry *g,
                          fc__image *crop, fc_error *err);

#endif
