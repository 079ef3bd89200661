/* The plan of a crop-only resize (crop_plan.c): what the resize kinds of
 * resize_*.c share. */
#ifndef FC_IMAGE_CROP_PLAN_H
#define FC_IMAGE_CROP_PLAN_H

#include "fastclip.h"
#include "image/geometry.h"
#include "decode/image.h"
#include "resample/windows.h"

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
