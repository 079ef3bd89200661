/* I;16, I and F: single-channel samples resized with double sums. These
 * modes are rare (16-bit grey PNG, PNM with maxval > 255), so this path is
 * kept simple: both passes run directly, without transposition. */
#include <stdlib.h>

#include "common/error.h"
#include "image/crop_plan.h"
#include "image/resize.h"
#include "resample/resample.h"

static fc__wide_type wide_type(fc__mode mode)
{
    return mode == FC__MODE_I16 ? FC__WIDE_U16
         : mode == FC__MODE_I32 ? FC__WIDE_I32 : FC__WIDE_F32;
}

fc_status fc__resize_wide(const fc__image *img, const fc__geometry *g,
                          fc__image *crop, fc_error *err)
{
    int n = g->n;
    fc__wide_type type = wide_type(img->mode);
    size_t sz = fc__wide_size(type);
    fc__crop_plan plan;
    uint8_t *mid = NULL;
    double *acc = NULL;
    fc_status st = fc__crop_plan_make(img, g, &plan, err);
    if (st != FC_OK) goto done;
    const fc__windows *wx = &plan.wx, *wy = &plan.wy;
    const uint8_t *src = img->pixels + (size_t)plan.y0 * img->stride + (size_t)plan.x0 * sz;
    int region_w = plan.w, region_h = plan.h;
    int h_first = fc__horizontal_first(g);
    int mid_w = h_first ? n : region_w, mid_h = h_first ? region_h : n;
    size_t mid_stride = (size_t)mid_w * sz;
    mid = malloc(mid_stride * (size_t)mid_h);
    acc = malloc((size_t)(region_w > n ? region_w : n) * sizeof *acc);
    if (mid == NULL || acc == NULL) {
        st = fc__fail(err, FC_ERR_OUT_OF_MEMORY, "resize: out of memory");
        goto done;
    }
    st = fc__crop_alloc(crop, img, n, img->mode, err);
    if (st != FC_OK) goto done;
    uint8_t *dst = fc__image_row(crop, 0);
    if (h_first) {
        fc__resample_h_wide(src, img->stride, type, region_h, wx, mid, mid_stride);
        fc__resample_v_wide(mid, mid_stride, type, n, wy, dst, crop->stride, acc);
    } else {
        fc__resample_v_wide(src, img->stride, type, region_w, wy, mid, mid_stride, acc);
        fc__resample_h_wide(mid, mid_stride, type, n, wx, dst, crop->stride);
    }
done:
    free(mid);
    free(acc);
    fc__crop_plan_free(&plan);
    return st;
}
