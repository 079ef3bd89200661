/* The 8-bit passes of Pillow's bicubic resize (modes L, LA, RGB, RGBA,
 * CMYK): integer sums with a rounding bias of one half, arithmetic shift,
 * then clamping to a byte. The clamp after the first pass matters: the
 * second pass reads the clamped bytes, as Pillow's does. */
#include "image/resample.h"

#include <string.h>

static inline uint8_t clamp8(int32_t acc)
{
    int32_t v = acc >> FC__PRECISION_BITS; /* arithmetic: rounds down */
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

#define BIAS ((int32_t)1 << (FC__PRECISION_BITS - 1))

/* One function per channel count so that the compiler unrolls the inner
 * channel loop. */
#define DEFINE_HPASS(NAME, CH)                                                \
    static void NAME(const uint8_t *src, size_t src_stride, int rows,         \
                     const fc__windows *w, uint8_t *dst, size_t dst_stride)   \
    {                                                                         \
        for (int r = 0; r < rows; r++) {                                      \
            const uint8_t *in = src + (size_t)r * src_stride;                 \
            uint8_t *out = dst + (size_t)r * dst_stride;                      \
            for (int i = 0; i < w->count; i++) {                              \
                const int32_t *k = w->fixed + (size_t)i * (size_t)w->ksize;   \
                const uint8_t *p = in + (size_t)w->start[i] * (CH);           \
                int32_t acc[CH];                                              \
                for (int c = 0; c < (CH); c++) acc[c] = BIAS;                 \
                for (int t = 0; t < w->taps[i]; t++)                          \
                    for (int c = 0; c < (CH); c++)                            \
                        acc[c] += (int32_t)p[t * (CH) + c] * k[t];            \
                for (int c = 0; c < (CH); c++)                                \
                    out[i * (CH) + c] = clamp8(acc[c]);                       \
            }                                                                 \
        }                                                                     \
    }

DEFINE_HPASS(hpass1, 1)
DEFINE_HPASS(hpass2, 2)
DEFINE_HPASS(hpass3, 3)
DEFINE_HPASS(hpass4, 4)

void fc__resample_h8(const uint8_t *src, size_t src_stride, int channels,
                     int rows, const fc__windows *w, uint8_t *dst,
                     size_t dst_stride)
{
    switch (channels) {
    case 1: hpass1(src, src_stride, rows, w, dst, dst_stride); break;
    case 2: hpass2(src, src_stride, rows, w, dst, dst_stride); break;
    case 3: hpass3(src, src_stride, rows, w, dst, dst_stride); break;
    default: hpass4(src, src_stride, rows, w, dst, dst_stride); break;
    }
}

/* Row at a time: each source row is multiplied by its weight and added to
 * the accumulators, so memory is read sequentially. Integer sums do not
 * depend on the order of addition. */
void fc__resample_v8(const uint8_t *src, size_t src_stride, int channels,
                     int cols, const fc__windows *w, uint8_t *dst,
                     size_t dst_stride, int32_t *acc)
{
    size_t samples = (size_t)cols * (size_t)channels;
    for (int i = 0; i < w->count; i++) {
        const int32_t *k = w->fixed + (size_t)i * (size_t)w->ksize;
        for (size_t s = 0; s < samples; s++) acc[s] = BIAS;
        for (int t = 0; t < w->taps[i]; t++) {
            const uint8_t *in = src + (size_t)(w->start[i] + t) * src_stride;
            int32_t kt = k[t];
            for (size_t s = 0; s < samples; s++) acc[s] += (int32_t)in[s] * kt;
        }
        uint8_t *out = dst + (size_t)i * dst_stride;
        for (size_t s = 0; s < samples; s++) out[s] = clamp8(acc[s]);
    }
}
