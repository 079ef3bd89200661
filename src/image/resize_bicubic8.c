/* Pillow's 8-bit bicubic resize, restricted to the crop: modes L, LA, RGB,
 * RGBA and CMYK in CLIP's order, and every mode in the RGB-first order.
 *
 * The passes read the source in place when its samples are what Pillow
 * resizes (L, RGB, CMYK). Otherwise the region the crop's windows touch is
 * first transformed as Pillow would transform the whole image before
 * resizing: LA and RGBA premultiplied by alpha, any mode converted to RGB
 * for the RGB-first order. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "image/crop_plan.h"
#include "image/premultiply.h"
#include "image/resize.h"
#include "image/to_rgb.h"
#include "resample/resample.h"

typedef enum gather_kind {
    GATHER_NONE,        /* read the source in place                     */
    GATHER_PREMULTIPLY, /* LA/RGBA -> La/RGBa, as Pillow's resize does  */
    GATHER_TO_RGB       /* any mode -> RGB (RGB-first order)            */
} gather_kind;

typedef struct working_form {
    gather_kind gather;
    int channels;
    fc__mode mode; /* mode of the resized crop */
} working_form;

static working_form working_form_for(const fc__image *img, fc_order order)
{
    working_form own = {GATHER_NONE, (int)fc__mode_bytes_per_pixel(img->mode),
                        img->mode};
    working_form to_rgb = {GATHER_TO_RGB, 3, FC__MODE_RGB};
    switch (img->mode) {
    case FC__MODE_L:
    case FC__MODE_RGB: return own;
    case FC__MODE_CMYK: return order == FC_ORDER_PIL ? own : to_rgb;
    case FC__MODE_LA:
    case FC__MODE_RGBA:
        if (order == FC_ORDER_RGB_FIRST) return to_rgb;
        own.gather = GATHER_PREMULTIPLY;
        return own;
    default: return to_rgb; /* RGB-first for 1, P, I;16, I and F */
    }
}

/* The region [x0, x0 + w) x [y0, y0 + h) in the working form, packed. */
static void gather(const fc__image *img, const working_form *f, int x0, int y0,
                   int w, int h, uint8_t *out)
{
    size_t bpp = fc__mode_bytes_per_pixel(img->mode);
    size_t row = (size_t)w * (size_t)f->channels;
    for (int y = 0; y < h; y++) {
        const uint8_t *in = img->pixels + (size_t)(y0 + y) * img->stride + (size_t)x0 * bpp;
        uint8_t *o = out + (size_t)y * row;
        if (f->gather == GATHER_TO_RGB)
            fc__row_to_rgb(img, in, w, o);
        else if (f->channels == 4)
            fc__premultiply_rgba(in, w, o);
        else
            fc__premultiply_la(in, w, o);
    }
}

fc_status fc__resize_bicubic8(const fc__image *img, const fc__geometry *g,
                              fc_order order, fc__image *crop, fc_error *err)
{
    int n = g->n;
    working_form f = working_form_for(img, order);
    fc__crop_plan plan;
    uint8_t *region = NULL, *mid = NULL, *scratch = NULL;
    fc_status st = fc__crop_plan_make(img, g, &plan, err);
    if (st != FC_OK) goto done;
    const fc__windows *wx = &plan.wx, *wy = &plan.wy;
    int x0 = plan.x0, y0 = plan.y0, rw = plan.w, rh = plan.h, c = f.channels;
    int h_first = fc__horizontal_first(g);
    size_t pixel = (size_t)c;
    size_t mid_stride = (h_first ? (size_t)n : (size_t)rw) * pixel;
    size_t mid_rows = h_first ? (size_t)rh : (size_t)n;
    mid = malloc(mid_stride * mid_rows);
    scratch = malloc(((size_t)rw + (size_t)n) * pixel * 16);
    if (f.gather != GATHER_NONE) region = malloc((size_t)rw * (size_t)rh * pixel);
    if (mid == NULL || scratch == NULL || (f.gather != GATHER_NONE && region == NULL)) {
        st = fc__fail(err, FC_ERR_OUT_OF_MEMORY, "resize: out of memory");
        goto done;
    }
    st = fc__crop_alloc(crop, img, n, f.mode, err);
    if (st != FC_OK) goto done;
    crop->premultiplied = f.gather == GATHER_PREMULTIPLY;
    if (f.gather == GATHER_TO_RGB) crop->swap_rb = 0; /* already applied */

    const uint8_t *src;
    size_t src_stride;
    if (f.gather == GATHER_NONE) {
        src = img->pixels + (size_t)y0 * img->stride + (size_t)x0 * pixel;
        src_stride = img->stride;
    } else {
        gather(img, &f, x0, y0, rw, rh, region);
        src = region;
        src_stride = (size_t)rw * pixel;
    }
    uint8_t *dst = fc__image_row(crop, 0);
    if (h_first) {
        fc__resample_h8(src, src_stride, c, rh, rw, wx, mid, mid_stride, scratch);
        fc__resample_v8(mid, mid_stride, c, n, wy, dst, crop->stride);
    } else {
        fc__resample_v8(src, src_stride, c, rw, wy, mid, mid_stride);
        fc__resample_h8(mid, mid_stride, c, n, rw, wx, dst, crop->stride, scratch);
    }
done:
    free(region);
    free(mid);
    free(scratch);
    fc__crop_plan_free(&plan);
    return st;
}
