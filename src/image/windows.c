/* Bicubic coefficients, bit-identical to Pillow's Resample.c. The double
 * arithmetic below must stay in this order and must not be contracted into
 * fused multiply-adds (the Makefile passes -ffp-contract=off). */
#include "image/windows.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define BICUBIC_SUPPORT 2.0

/* Keys' cubic convolution with a = -0.5, as Pillow writes it. */
static double bicubic(double x)
{
    const double a = -0.5;
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

static fc_status windows_alloc(fc__windows *w, int count, int ksize,
                               fc_error *err)
{
    memset(w, 0, sizeof *w);
    w->count = count;
    w->ksize = ksize;
    size_t cells = (size_t)count * (size_t)ksize;
    w->start = malloc((size_t)count * sizeof *w->start);
    w->taps = malloc((size_t)count * sizeof *w->taps);
    w->weights = calloc(cells, sizeof *w->weights);
    w->fixed = calloc(cells, sizeof *w->fixed);
    if (!w->start || !w->taps || !w->weights || !w->fixed) {
        fc__windows_free(w);
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY,
                        "cannot allocate resampling coefficients");
    }
    return FC_OK;
}

/* Round half away from zero into 22-bit fixed point. Multiplying by 2^22
 * is exact, so this matches Pillow's normalize_coeffs_8bpc. */
static int32_t to_fixed(double weight)
{
    double scaled = weight * (double)(1 << FC__PRECISION_BITS);
    return (int32_t)(weight < 0 ? scaled - 0.5 : scaled + 0.5);
}

fc_status fc__windows_bicubic(fc__windows *w, int in_size, int64_t out_size,
                              int64_t first, int count, fc_error *err)
{
    /* Pillow receives the box as C floats: (float)in_size may round for
     * sides over 2^24, and the subtraction happens in float. */
    float in0 = 0.0f, in1 = (float)in_size;
    double scale = (double)(in1 - in0) / (double)out_size;
    double filterscale = scale < 1.0 ? 1.0 : scale;
    double support = BICUBIC_SUPPORT * filterscale;
    int ksize = (int)ceil(support) * 2 + 1;
    /* Pillow refuses (MemoryError) when its coefficient buffer for the whole
     * axis would overflow an int; refuse the same inputs. */
    if (out_size > INT_MAX / (ksize * (int)sizeof(double)))
        return fc__fail(err, FC_ERR_TOO_LARGE,
                        "resize to %lld samples needs more coefficients than "
                        "Pillow allows",
                        (long long)out_size);
    fc_status st = windows_alloc(w, count, ksize, err);
    if (st != FC_OK) return st;

    double inv_filterscale = 1.0 / filterscale;
    for (int i = 0; i < count; i++) {
        int64_t xx = first + i;
        double center = in0 + ((double)xx + 0.5) * scale;
        int xmin = (int)(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        int taps = xmax - xmin;
        double *k = w->weights + (size_t)i * (size_t)ksize;
        double ww = 0.0;
        for (int x = 0; x < taps; x++) {
            double v = bicubic((x + xmin - center + 0.5) * inv_filterscale);
            k[x] = v;
            ww += v;
        }
        if (ww != 0.0)
            for (int x = 0; x < taps; x++) k[x] /= ww;
        int32_t *f = w->fixed + (size_t)i * (size_t)ksize;
        for (int x = 0; x < taps; x++) f[x] = to_fixed(k[x]);
        w->start[i] = xmin;
        w->taps[i] = taps;
    }
    return FC_OK;
}

fc_status fc__windows_identity(fc__windows *w, int64_t first, int count,
                               fc_error *err)
{
    fc_status st = windows_alloc(w, count, 1, err);
    if (st != FC_OK) return st;
    for (int i = 0; i < count; i++) {
        w->start[i] = (int)(first + i);
        w->taps[i] = 1;
        w->weights[i] = 1.0;
        w->fixed[i] = (int32_t)1 << FC__PRECISION_BITS;
    }
    return FC_OK;
}

void fc__windows_span(const fc__windows *w, int *begin, int *end)
{
    int b = INT_MAX, e = 0;
    for (int i = 0; i < w->count; i++) {
        if (w->start[i] < b) b = w->start[i];
        if (w->start[i] + w->taps[i] > e) e = w->start[i] + w->taps[i];
    }
    *begin = b;
    *end = e;
}

void fc__windows_shift(fc__windows *w, int offset)
{
    for (int i = 0; i < w->count; i++) w->start[i] -= offset;
}

void fc__windows_free(fc__windows *w)
{
    free(w->start);
    free(w->taps);
    free(w->weights);
    free(w->fixed);
    memset(w, 0, sizeof *w);
}
