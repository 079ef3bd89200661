/* Resize + CenterCrop, one file per kind of Pillow resize. Each computes
 * only the n x n crop of the resized image (see pipeline.c for why that is
 * exact) and returns it as an image of its own. */
#ifndef FC_IMAGE_RESIZE_H
#define FC_IMAGE_RESIZE_H

#include "fastclip.h"
#include "image/geometry.h"
#include "image/image.h"
#include "image/windows.h"

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

/* Shared helpers (pipeline.c). */

/* An n x n image of `mode` carrying `like`'s palette and channel order. */
fc_status fc__crop_alloc(fc__image *crop, const fc__image *like, int n,
                         fc__mode mode, fc_error *err);

/* The crop's resampling windows on both axes, shifted so that they index
 * the source region they touch, and that region: x0, y0, w, h. */
typedef struct fc__crop_plan {
    fc__windows wx, wy;
    int x0, y0, w, h;
} fc__crop_plan;

/* Bicubic windows where an axis changes size, identity windows where Pillow
 * would skip that pass. Free with fc__crop_plan_free, also after failure. */
fc_status fc__crop_plan_make(const fc__image *img, const fc__geometry *g,
                             fc__crop_plan *plan, fc_error *err);
void fc__crop_plan_free(fc__crop_plan *plan);

/* Pillow 13's pass order: 1 when the horizontal pass runs first. */
int fc__horizontal_first(const fc__geometry *g);

#endif
