#include "resample/transpose.h"

#if defined(__SSE2__)
#include <emmintrin.h>

/* A 16 x 16 byte block by the classic SSE2 network: interleave 8-, 16-,
 * 32- and then 64-bit units of ever wider groups of rows. */
static void block16(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds)
{
    __m128i a[16], t[16], s[16], q[8][2];
    for (int i = 0; i < 16; i++)
        a[i] = _mm_loadu_si128((const __m128i *)(const void *)(src + (size_t)i * ss));
    /* t[k]: columns 0-7 of rows 2k, 2k+1 as byte pairs; t[k+8]: columns 8-15. */
    for (int k = 0; k < 8; k++) {
        t[k] = _mm_unpacklo_epi8(a[2 * k], a[2 * k + 1]);
        t[k + 8] = _mm_unpackhi_epi8(a[2 * k], a[2 * k + 1]);
    }
    /* s[8h + 2r + c]: columns 8h + 4c .. +3 of rows 4r .. 4r+3. */
    for (int h = 0; h < 2; h++)
        for (int r = 0; r < 4; r++) {
            s[8 * h + 2 * r] = _mm_unpacklo_epi16(t[8 * h + 2 * r], t[8 * h + 2 * r + 1]);
            s[8 * h + 2 * r + 1] = _mm_unpackhi_epi16(t[8 * h + 2 * r], t[8 * h + 2 * r + 1]);
        }
    /* q[p][o]: columns 2p, 2p+1 of rows 8o .. 8o+7. */
    for (int h = 0; h < 2; h++)
        for (int c = 0; c < 2; c++)
            for (int o = 0; o < 2; o++) {
                __m128i x = s[8 * h + 4 * o + c], y = s[8 * h + 4 * o + 2 + c];
                q[4 * h + 2 * c][o] = _mm_unpacklo_epi32(x, y);
                q[4 * h + 2 * c + 1][o] = _mm_unpackhi_epi32(x, y);
            }
    for (int p = 0; p < 8; p++) {
        _mm_storeu_si128((__m128i *)(void *)(dst + (size_t)(2 * p) * ds),
                         _mm_unpacklo_epi64(q[p][0], q[p][1]));
        _mm_storeu_si128((__m128i *)(void *)(dst + (size_t)(2 * p + 1) * ds),
                         _mm_unpackhi_epi64(q[p][0], q[p][1]));
    }
}
#endif

static void scalar_block(const uint8_t *src, size_t ss, int w, int h,
                         uint8_t *dst, size_t ds)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) dst[(size_t)x * ds + (size_t)y] = src[(size_t)y * ss + (size_t)x];
}

void fc__transpose8(const uint8_t *src, size_t src_stride, int width,
                    int height, uint8_t *dst, size_t dst_stride)
{
    for (int y0 = 0; y0 < height; y0 += 16) {
        int h = height - y0 < 16 ? height - y0 : 16;
        for (int x0 = 0; x0 < width; x0 += 16) {
            int w = width - x0 < 16 ? width - x0 : 16;
            const uint8_t *s = src + (size_t)y0 * src_stride + (size_t)x0;
            uint8_t *d = dst + (size_t)x0 * dst_stride + (size_t)y0;
#if defined(__SSE2__)
            if (w == 16 && h == 16) {
                block16(s, src_stride, d, dst_stride);
                continue;
            }
#endif
            scalar_block(s, src_stride, w, h, d, dst_stride);
        }
    }
}
