/* The plan of a crop-only resize, shared by the resize kinds (resize_*.c).
 *
 * Only the n x n pixels of the crop are ever computed. Each output pixel of
 * Pillow's two-pass resize depends only on its own window of source pixels
 * (and on first-pass samples that are themselves computed and rounded per
 * pixel), so restricting both passes to the crop's windows gives the same
 * bytes as resizing the whole image and cropping afterwards. */
#include "image/crop_plan.h"

#include <string.h>

#include "common/error.h"

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
