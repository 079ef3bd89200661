/* CLIP's transform on a decoded image: Resize + CenterCrop, convert("RGB"),
 * ToTensor + Normalize. Which resize runs is chosen here; the resizes
 * themselves (resize_*.c) compute only the crop (crop_plan.c says why that
 * is exact). */
#include "image/transform.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "image/normalize.h"
#include "image/resize.h"
#include "image/to_rgb.h"

const float fc__clip_mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
const float fc__clip_std[3] = {0.26862954f, 0.26130258f, 0.27577711f};

void fc__transform_init(fc__transform *t, int n, fc_order order, const float mean[3],
                        const float std[3])
{
    t->n = n;
    t->order = order;
    fc__normalize_table(mean, std, t->lut);
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
