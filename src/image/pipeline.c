/* CLIP's transform on a decoded image: Resize + CenterCrop, convert("RGB"),
 * ToTensor + Normalize.
 *
 * Only the n x n pixels of the crop are ever computed. Each output pixel of
 * Pillow's two-pass resize depends only on its own window of source pixels
 * (and on first-pass samples that are themselves computed and rounded per
 * pixel), so restricting both passes to the crop's windows gives the same
 * bytes as resizing the whole image and cropping afterwards. */
#include "image/pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "image/resize.h"
#include "image/to_rgb.h"

fc_status fc__crop_alloc(fc__image *crop, const fc__image *like, int n,
                         fc__mode mode, fc_error *err)
{
    fc_status st = fc__image_alloc(crop, n, n, mode, (uint64_t)n * (uint64_t)n,
                                   "resize", err);
    if (st != FC_OK) return st;
    crop->swap_rb = like->swap_rb;
    memcpy(crop->palette, like->palette, sizeof crop->palette);
    return FC_OK;
}

static fc_status axis_windows(fc__windows *w, int in_size, int64_t out_size,
                              int64_t first, int n, fc_error *err)
{
    if (out_size == in_size) return fc__windows_identity(w, first, n, err);
    return fc__windows_bicubic(w, in_size, out_size, first, n, err);
}

fc_status fc__crop_plan_make(const fc__image *img, const fc__geometry *g,
                             fc__crop_plan *plan, fc_error *err)
{
    memset(plan, 0, sizeof *plan);
    fc_status st = axis_windows(&plan->wx, img->width, g->out_w, g->left, g->n, err);
    if (st == FC_OK)
        st = axis_windows(&plan->wy, img->height, g->out_h, g->top, g->n, err);
    if (st != FC_OK) return st;
    int x1, y1;
    fc__windows_span(&plan->wx, &plan->x0, &x1);
    fc__windows_span(&plan->wy, &plan->y0, &y1);
    fc__windows_shift(&plan->wx, plan->x0);
    fc__windows_shift(&plan->wy, plan->y0);
    plan->w = x1 - plan->x0;
    plan->h = y1 - plan->y0;
    return FC_OK;
}

void fc__crop_plan_free(fc__crop_plan *plan)
{
    fc__windows_free(&plan->wx);
    fc__windows_free(&plan->wy);
}

/* Pillow 13 runs the vertical pass first when the height shrinks by more
 * than twice as many pixels as the width; earlier Pillows always ran the
 * horizontal pass first. The rounding between passes makes the order
 * visible in the result. */
int fc__horizontal_first(const fc__geometry *g)
{
    int64_t dh = g->in_h - g->out_h, dw = g->in_w - g->out_w;
    return !(dh > 0 && dh > dw * 2);
}

/* torchvision passes the image through: the crop is a window of it. */
static void borrow_crop(const fc__image *img, const fc__geometry *g,
                        fc__image *crop)
{
    *crop = *img;
    crop->owned = NULL;
    crop->width = crop->height = g->n;
    crop->pixels = img->pixels + (size_t)g->top * img->stride +
                   (size_t)g->left * fc__mode_bytes_per_pixel(img->mode);
}

static int is_wide(fc__mode mode)
{
    return mode == FC__MODE_I16 || mode == FC__MODE_I32 || mode == FC__MODE_F32;
}

fc_status fc__resize_crop(const fc__image *img, int n, fc_order order,
                          fc__image *crop, fc_error *err)
{
    fc__geometry g;
    memset(crop, 0, sizeof *crop);
    fc_status st = fc__geometry_plan(img->width, img->height, n, &g, err);
    if (st != FC_OK) return st;
    /* Converting to RGB first and then cropping equals cropping and then
     * converting, pixel by pixel, so both orders share the pass-through. */
    if (!g.resize) {
        borrow_crop(img, &g, crop);
        return FC_OK;
    }
    if (order == FC_ORDER_PIL) {
        if (img->mode == FC__MODE_1 || img->mode == FC__MODE_P)
            return fc__resize_nearest(img, &g, crop, err);
        if (is_wide(img->mode)) return fc__resize_wide(img, &g, crop, err);
    }
    return fc__resize_bicubic8(img, &g, order, crop, err);
}

void fc__crop_to_rgb(const fc__image *crop, uint8_t *rgb)
{
    size_t row = (size_t)crop->width * 3;
    for (int y = 0; y < crop->height; y++)
        fc__row_to_rgb(crop, crop->pixels + (size_t)y * crop->stride,
                       crop->width, rgb + (size_t)y * row);
}

fc_status fc__transform_image(const fc__image *img, const fc__transform *t,
                              float *out, fc_error *err)
{
    fc__image crop;
    fc_status st = fc__resize_crop(img, t->n, t->order, &crop, err);
    if (st != FC_OK) return st;
    /* RGB crops are normalized straight from their rows. */
    if (crop.mode == FC__MODE_RGB && !crop.swap_rb) {
        fc__normalize_rows(crop.pixels, crop.stride, t->n, t->lut, out);
        fc__image_free(&crop);
        return FC_OK;
    }
    uint8_t *rgb = malloc((size_t)t->n * (size_t)t->n * 3);
    if (rgb == NULL) {
        fc__image_free(&crop);
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "convert: out of memory");
    }
    fc__crop_to_rgb(&crop, rgb);
    fc__normalize(rgb, t->n, t->lut, out);
    free(rgb);
    fc__image_free(&crop);
    return FC_OK;
}
