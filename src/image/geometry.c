#include "image/geometry.h"

#include <limits.h>

#include "common/error.h"

int64_t fc__round_half_even_half(int64_t d)
{
    if (d % 2 == 0) return d / 2;
    int64_t k = (d - 1) / 2; /* d / 2 == k + 0.5: round to the even one */
    return k + (k & 1);
}

fc_status fc__geometry_plan(int width, int height, int n, fc__geometry *g,
                            fc_error *err)
{
    g->in_w = width;
    g->in_h = height;
    g->n = n;
    /* torchvision: int(n * long / short). Python's true division of two
     * integers is correctly rounded, and for any image a 64-bit integer
     * floor division gives the same integer (the quotient is never within
     * 2^-53 of the next integer without being one). */
    if (width <= height) {
        g->out_w = n;
        g->out_h = (int64_t)n * height / width;
    } else {
        g->out_h = n;
        g->out_w = (int64_t)n * width / height;
    }
    if (g->out_w > INT_MAX || g->out_h > INT_MAX)
        return fc__fail(err, FC_ERR_TOO_LARGE,
                        "resizing %dx%d to short side %d gives %lldx%lld, "
                        "too large for Pillow",
                        width, height, n, (long long)g->out_w,
                        (long long)g->out_h);
    g->resize = !(g->out_w == width && g->out_h == height);
    g->left = fc__round_half_even_half(g->out_w - n);
    g->top = fc__round_half_even_half(g->out_h - n);
    return FC_OK;
}
