/* Resize + CenterCrop as Pillow and torchvision do them, computing only the
 * n x n pixels of the crop. Each output pixel of Pillow's two-pass resize
 * depends only on its own window of source pixels (and of clamped
 * first-pass bytes), so restricting both passes to the crop's windows
 * gives the same bytes as resizing everything and cropping afterwards. */
#include "image/pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "image/geometry.h"
#include "image/resample.h"
#include "image/to_rgb.h"
#include "image/windows.h"

/* A packed buffer of samples: what a resampling pass reads or writes. */
typedef struct plane {
    const uint8_t *data;
    size_t stride;
} plane;

static fc_status alloc_crop(fc__image *crop, const fc__image *like, int n,
                            fc__mode mode, fc_error *err)
{
    fc_status st = fc__image_alloc(crop, n, n, mode, (uint64_t)n * n, "resize",
                                   err);
    if (st != FC_OK) return st;
    crop->swap_rb = like->swap_rb;
    memcpy(crop->palette, like->palette, sizeof crop->palette);
    return FC_OK;
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

/* Modes 1 and P: Pillow resizes them with nearest neighbour whatever filter
 * is asked for. */
static fc_status nearest_crop(const fc__image *img, const fc__geometry *g,
                              fc__image *crop, fc_error *err)
{
    int n = g->n;
    int *xs = malloc((size_t)n * sizeof *xs), *ys = malloc((size_t)n * sizeof *ys);
    fc_status st = FC_ERR_OUT_OF_MEMORY;
    if (xs == NULL || ys == NULL) {
        st = fc__fail(err, st, "resize: out of memory");
        goto done;
    }
    st = alloc_crop(crop, img, n, img->mode, err);
    if (st != FC_OK) goto done;
    fc__nearest_indices(img->width, g->out_w, g->left, n, xs);
    fc__nearest_indices(img->height, g->out_h, g->top, n, ys);
    for (int y = 0; y < n; y++) {
        uint8_t *out = fc__image_row(crop, y);
        if (ys[y] < 0) {
            memset(out, 0, (size_t)n);
            continue;
        }
        const uint8_t *in = img->pixels + (size_t)ys[y] * img->stride;
        for (int x = 0; x < n; x++) out[x] = xs[x] < 0 ? 0 : in[xs[x]];
    }
done:
    free(xs);
    free(ys);
    return st;
}

/* How the 8-bit resampler sees the source: channel count, the mode of its
 * result, and whether it must first turn each pixel into something else
 * (premultiplied alpha, or RGB for the RGB-first order). */
typedef enum gather_kind {
    GATHER_DIRECT,      /* read the source bytes in place               */
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
    working_form direct = {GATHER_DIRECT,
                           (int)fc__mode_bytes_per_pixel(img->mode), img->mode};
    working_form to_rgb = {GATHER_TO_RGB, 3, FC__MODE_RGB};
    switch (img->mode) {
    case FC__MODE_L:
    case FC__MODE_RGB: return direct;
    case FC__MODE_CMYK: return order == FC_ORDER_PIL ? direct : to_rgb;
    case FC__MODE_LA:
    case FC__MODE_RGBA:
        if (order == FC_ORDER_RGB_FIRST) return to_rgb;
        direct.gather = GATHER_PREMULTIPLY;
        return direct;
    default: return to_rgb; /* RGB-first for 1, P, I;16, I and F */
    }
}

static void premultiply_row(const uint8_t *in, fc__mode mode, int count,
                            uint8_t *out)
{
    if (mode == FC__MODE_LA) {
        for (int x = 0; x < count; x++, in += 2, out += 2) {
            unsigned t = (unsigned)in[0] * in[1] + 128;
            out[0] = (uint8_t)(((t >> 8) + t) >> 8);
            out[1] = in[1];
        }
        return;
    }
    for (int x = 0; x < count; x++, in += 4, out += 4) {
        for (int c = 0; c < 3; c++) {
            unsigned t = (unsigned)in[c] * in[3] + 128;
            out[c] = (uint8_t)(((t >> 8) + t) >> 8);
        }
        out[3] = in[3];
    }
}

/* Returns the source region [x0, x1) x [y0, y1) in the working form, either
 * in place or in `*owned` (which the caller frees). */
static fc_status gather_region(const fc__image *img, const working_form *f,
                               int x0, int x1, int y0, int y1, plane *out,
                               uint8_t **owned, fc_error *err)
{
    size_t bpp = fc__mode_bytes_per_pixel(img->mode);
    const uint8_t *first = img->pixels + (size_t)y0 * img->stride + (size_t)x0 * bpp;
    *owned = NULL;
    if (f->gather == GATHER_DIRECT) {
        *out = (plane){first, img->stride};
        return FC_OK;
    }
    int w = x1 - x0, h = y1 - y0;
    size_t row = (size_t)w * (size_t)f->channels;
    uint8_t *buf = malloc(row * (size_t)h);
    if (buf == NULL)
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "resize: out of memory");
    for (int y = 0; y < h; y++) {
        const uint8_t *in = first + (size_t)y * img->stride;
        if (f->gather == GATHER_PREMULTIPLY)
            premultiply_row(in, img->mode, w, buf + (size_t)y * row);
        else
            fc__row_to_rgb(img, in, w, buf + (size_t)y * row);
    }
    *owned = buf;
    *out = (plane){buf, row};
    return FC_OK;
}

/* The windows of one axis for the crop's samples: bicubic when the axis is
 * resized, identity when Pillow would skip that pass. */
static fc_status axis_windows(fc__windows *w, int in_size, int64_t out_size,
                              int64_t first, int n, fc_error *err)
{
    if (out_size == in_size) return fc__windows_identity(w, first, n, err);
    return fc__windows_bicubic(w, in_size, out_size, first, n, err);
}

/* Pillow 13 runs the vertical pass first when the height shrinks by more
 * than twice as many pixels as the width; earlier Pillows always ran the
 * horizontal pass first. The 8-bit rounding between passes makes the order
 * visible in the result. */
static int horizontal_first(const fc__geometry *g)
{
    int64_t dh = g->in_h - g->out_h, dw = g->in_w - g->out_w;
    return !(dh > 0 && dh > dw * 2);
}

typedef struct passes {
    int wide;            /* 0: 8-bit samples; 1: wide single channel */
    int channels;        /* 8-bit only */
    fc__wide_type type;  /* wide only */
} passes;

static void run_h(const passes *p, plane src, int rows, const fc__windows *w,
                  uint8_t *dst, size_t dst_stride)
{
    if (p->wide)
        fc__resample_h_wide(src.data, src.stride, p->type, rows, w, dst, dst_stride);
    else
        fc__resample_h8(src.data, src.stride, p->channels, rows, w, dst, dst_stride);
}

static void run_v(const passes *p, plane src, int cols, const fc__windows *w,
                  uint8_t *dst, size_t dst_stride, void *acc)
{
    if (p->wide)
        fc__resample_v_wide(src.data, src.stride, p->type, cols, w, dst,
                            dst_stride, acc);
    else
        fc__resample_v8(src.data, src.stride, p->channels, cols, w, dst,
                        dst_stride, acc);
}

/* Both passes over a source region, in Pillow's order, into `crop`. */
static fc_status two_passes(const passes *p, size_t pixel_size, plane src,
                            int region_w, int region_h, fc__windows *wx,
                            fc__windows *wy, int h_first, fc__image *crop,
                            fc_error *err)
{
    int n = crop->width;
    int tmp_w = h_first ? n : region_w, tmp_h = h_first ? region_h : n;
    size_t tmp_stride = (size_t)tmp_w * pixel_size;
    int acc_cols = h_first ? n : region_w;
    size_t acc_size = (size_t)acc_cols * (p->wide ? sizeof(double)
                                                  : (size_t)p->channels * sizeof(int32_t));
    uint8_t *tmp = malloc(tmp_stride * (size_t)tmp_h);
    void *acc = malloc(acc_size);
    if (tmp == NULL || acc == NULL) {
        free(tmp);
        free(acc);
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "resize: out of memory");
    }
    uint8_t *dst = fc__image_row(crop, 0);
    if (h_first) {
        run_h(p, src, region_h, wx, tmp, tmp_stride);
        run_v(p, (plane){tmp, tmp_stride}, n, wy, dst, crop->stride, acc);
    } else {
        run_v(p, src, region_w, wy, tmp, tmp_stride, acc);
        run_h(p, (plane){tmp, tmp_stride}, n, wx, dst, crop->stride);
    }
    free(tmp);
    free(acc);
    return FC_OK;
}

static fc_status bicubic_crop(const fc__image *img, const fc__geometry *g,
                              fc_order order, fc__image *crop, fc_error *err)
{
    int n = g->n;
    int wide = img->mode == FC__MODE_I16 || img->mode == FC__MODE_I32 ||
               img->mode == FC__MODE_F32;
    working_form f = {GATHER_DIRECT, 1, img->mode};
    passes p = {wide, 1, FC__WIDE_U16};
    if (wide && order == FC_ORDER_PIL) {
        p.type = img->mode == FC__MODE_I16 ? FC__WIDE_U16
               : img->mode == FC__MODE_I32 ? FC__WIDE_I32 : FC__WIDE_F32;
    } else {
        f = working_form_for(img, order);
        p = (passes){0, f.channels, FC__WIDE_U16};
    }
    size_t pixel_size = p.wide ? fc__wide_size(p.type) : (size_t)p.channels;

    fc__windows wx = {0}, wy = {0};
    uint8_t *owned = NULL;
    fc_status st = axis_windows(&wx, img->width, g->out_w, g->left, n, err);
    if (st == FC_OK) st = axis_windows(&wy, img->height, g->out_h, g->top, n, err);
    if (st != FC_OK) goto done;

    int x0, x1, y0, y1;
    fc__windows_span(&wx, &x0, &x1);
    fc__windows_span(&wy, &y0, &y1);
    fc__windows_shift(&wx, x0);
    fc__windows_shift(&wy, y0);

    plane src = {NULL, 0};
    st = gather_region(img, &f, x0, x1, y0, y1, &src, &owned, err);
    if (st != FC_OK) goto done;
    st = alloc_crop(crop, img, n, f.mode, err);
    if (st != FC_OK) goto done;
    crop->premultiplied = f.gather == GATHER_PREMULTIPLY;
    /* GATHER_TO_RGB already applied the channel swap. */
    if (f.gather == GATHER_TO_RGB) crop->swap_rb = 0;
    st = two_passes(&p, pixel_size, src, x1 - x0, y1 - y0, &wx, &wy,
                    horizontal_first(g), crop, err);
    if (st != FC_OK) fc__image_free(crop);
done:
    free(owned);
    fc__windows_free(&wx);
    fc__windows_free(&wy);
    return st;
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
    if (order == FC_ORDER_PIL &&
        (img->mode == FC__MODE_1 || img->mode == FC__MODE_P))
        return nearest_crop(img, &g, crop, err);
    return bicubic_crop(img, &g, order, crop, err);
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
