/* The passes Pillow runs for its wide single-channel modes I;16, I and F:
 * weights stay doubles, each output is a sequential double sum in window
 * order, and the result is stored in the mode's own type after each pass.
 * Sequential order matters here (floating-point addition does not
 * reassociate), and so does the absence of fused multiply-add. */
#include "resample/resample.h"

#include <math.h>
#include <string.h>

size_t fc__wide_size(fc__wide_type type)
{
    return type == FC__WIDE_U16 ? 2 : 4;
}

static inline double load(const uint8_t *p, fc__wide_type type)
{
    switch (type) {
    case FC__WIDE_U16: {
        uint16_t v;
        memcpy(&v, p, sizeof v);
        return (double)v;
    }
    case FC__WIDE_I32: {
        int32_t v;
        memcpy(&v, p, sizeof v);
        return (double)v;
    }
    default: {
        float v;
        memcpy(&v, p, sizeof v);
        return (double)v;
    }
    }
}

/* Pillow's ROUND_UP: round half away from zero, then C's (int) cast. Out
 * of int range, x86's conversion yields INT_MIN; we produce the same value
 * without relying on undefined behaviour. */
static inline int32_t round_up(double v)
{
    double r = v >= 0.0 ? v + 0.5 : v - 0.5;
    if (!(r > -2147483649.0 && r < 2147483648.0)) return INT32_MIN;
    return (int32_t)r;
}

static inline void store(uint8_t *p, fc__wide_type type, double v)
{
    switch (type) {
    case FC__WIDE_U16: {
        int32_t i = round_up(v);
        uint16_t s = (uint16_t)(i < 0 ? 0 : i > 65535 ? 65535 : i);
        memcpy(p, &s, sizeof s);
        break;
    }
    case FC__WIDE_I32: {
        int32_t i = round_up(v);
        memcpy(p, &i, sizeof i);
        break;
    }
    default: {
        float f = (float)v;
        memcpy(p, &f, sizeof f);
        break;
    }
    }
}

void fc__resample_h_wide(const uint8_t *src, size_t src_stride,
                         fc__wide_type type, int rows, const fc__windows *w,
                         uint8_t *dst, size_t dst_stride)
{
    size_t sz = fc__wide_size(type);
    for (int r = 0; r < rows; r++) {
        const uint8_t *in = src + (size_t)r * src_stride;
        uint8_t *out = dst + (size_t)r * dst_stride;
        for (int i = 0; i < w->count; i++) {
            const double *k = w->weights + (size_t)i * (size_t)w->ksize;
            double ss = 0.0;
            for (int t = 0; t < w->taps[i]; t++)
                ss += load(in + (size_t)(w->start[i] + t) * sz, type) * k[t];
            store(out + (size_t)i * sz, type, ss);
        }
    }
}

void fc__resample_v_wide(const uint8_t *src, size_t src_stride,
                         fc__wide_type type, int cols, const fc__windows *w,
                         uint8_t *dst, size_t dst_stride, double *acc)
{
    size_t sz = fc__wide_size(type);
    for (int i = 0; i < w->count; i++) {
        const double *k = w->weights + (size_t)i * (size_t)w->ksize;
        for (int x = 0; x < cols; x++) acc[x] = 0.0;
        /* Row at a time; each accumulator still adds its terms in window
         * order, so the sums equal Pillow's column-at-a-time ones. */
        for (int t = 0; t < w->taps[i]; t++) {
            const uint8_t *in = src + (size_t)(w->start[i] + t) * src_stride;
            for (int x = 0; x < cols; x++)
                acc[x] += load(in + (size_t)x * sz, type) * k[t];
        }
        uint8_t *out = dst + (size_t)i * dst_stride;
        for (int x = 0; x < cols; x++) store(out + (size_t)x * sz, type, acc[x]);
    }
}
