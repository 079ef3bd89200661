/* Modes 1 and P: Pillow resizes them with nearest neighbour whatever filter
 * is asked for, so palette indices are never blended. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "image/crop_plan.h"
#include "image/resize.h"
#include "resample/resample.h"

fc_status fc__resize_nearest(const fc__image *img, const fc__geometry *g,
                             fc__image *crop, fc_error *err)
{
    int n = g->n;
    int *xs = malloc((size_t)n * sizeof *xs), *ys = malloc((size_t)n * sizeof *ys);
    fc_status st;
    if (xs == NULL || ys == NULL) {
        st = fc__fail(err, FC_ERR_OUT_OF_MEMORY, "resize: out of memory");
        goto done;
    }
    st = fc__crop_alloc(crop, img, n, img->mode, err);
    if (st != FC_OK) goto done;
    fc__nearest_indices(img->width, g->out_w, g->left, n, xs);
    fc__nearest_indices(img->height, g->out_h, g->top, n, ys);
    for (int y = 0; y < n; y++) {
        uint8_t *out = fc__image_row(crop, y);
        if (ys[y] < 0) { /* outside the source: Pillow fills with 0 */
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
