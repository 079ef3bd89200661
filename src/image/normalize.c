/* ToTensor + Normalize: RGB bytes -> CHW float32, through a per-channel
 * table computed the way torch computes each value. */
#include "image/normalize.h"

#include <limits.h>
#include <string.h>

#include "common/cpu.h"

void fc__normalize_table(const float mean[3], const float std[3],
                         float lut[3][256])
{
    /* volatile keeps each step a separate float operation whatever the
     * compiler's evaluation method: torch rounds after the division by 255,
     * after the subtraction and after the division by std. */
    for (int c = 0; c < 3; c++)
        for (int v = 0; v < 256; v++) {
            volatile float t = (float)v / 255.0f;
            t = t - mean[c];
            t = t / std[c];
            lut[c][v] = t;
        }
}

/* ToTensor + Normalize is a table lookup; the table is the source of
 * truth. With AVX-512 VBMI the lookup is done on bytes: each float of a
 * channel's table is split into its four bytes, giving four 256-byte
 * tables, and VPERMT2B looks 64 pixels up in each at once (two 128-byte
 * halves, chosen by the index's top bit). The bytes of the result are the
 * table's own, so the floats are bit for bit the table's. */
#if FC_HAVE_AVX2_KERNELS
#include <immintrin.h>

#define FC_TARGET_VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))

static int has_vbmi(void)
{
    return fc__cpu_has_avx512_vbmi();
}

/* Pixel p of the 64 looked up at once goes to output float pi(p): the
 * byte/word unpacks that rebuild floats from the four byte tables work
 * within 128-bit lanes, so p = 16L + 4k + e lands in register k, lane L,
 * element e: output float 16k + 4L + e. */
static int block_pos(int p)
{
    int l = p / 16, k = (p / 4) % 4, e = p % 4;
    return 16 * k + 4 * l + e;
}

FC_TARGET_VBMI static void
normalize_vbmi(const uint8_t *src, size_t stride, int rows, int count,
               const float lut[3][256], float *out, size_t plane, size_t ostride)
{
    /* planes[c][j][v]: byte j of lut[c][v]. */
    _Alignas(64) uint8_t planes[3][4][256];
    uint8_t split[64], dlo[3][64], dhi[3][64];
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 4; j++) split[16 * j + i] = (uint8_t)(4 * i + j);
    __m512i sp = _mm512_loadu_si512(split);
    for (int c = 0; c < 3; c++)
        for (int q = 0; q < 16; q++) {
            uint8_t v[64];
            _mm512_storeu_si512(v, _mm512_permutexvar_epi8(sp, _mm512_loadu_si512(&lut[c][16 * q])));
            for (int j = 0; j < 4; j++) memcpy(&planes[c][j][16 * q], v + 16 * j, 16);
        }
    /* Gathering channel c of 64 packed pixels (192 bytes in three
     * registers): bytes below 128 from the first two, the rest from the
     * last two. */
    __mmask64 mhi[3] = {0, 0, 0};
    for (int c = 0; c < 3; c++)
        for (int p = 0; p < 64; p++) {
            int b = 3 * block_pos(p) + c;
            dlo[c][p] = (uint8_t)(b < 128 ? b : 0);
            dhi[c][p] = (uint8_t)(b >= 128 ? b - 64 : 0);
            if (b >= 128) mhi[c] |= (__mmask64)1 << p;
        }
    __m512i dl[3], dh[3];
    for (int c = 0; c < 3; c++) {
        dl[c] = _mm512_loadu_si512(dlo[c]);
        dh[c] = _mm512_loadu_si512(dhi[c]);
    }
    for (int y = 0; y < rows; y++) {
        const uint8_t *in = src + (size_t)y * stride;
        float *o = out + (size_t)y * ostride;
        for (int x = 0; x < count; x += 64) {
            int r = count - x < 64 ? count - x : 64;
            __m512i r0, r1, r2;
            const uint8_t *p = in + (size_t)x * 3;
            if (r == 64) {
                r0 = _mm512_loadu_si512(p);
                r1 = _mm512_loadu_si512(p + 64);
                r2 = _mm512_loadu_si512(p + 128);
            } else {
                int nb = 3 * r;
                __mmask64 m0 = nb >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << nb) - 1);
                __mmask64 m1 = nb >= 128 ? ~(__mmask64)0
                             : nb <= 64 ? 0 : (((__mmask64)1 << (nb - 64)) - 1);
                __mmask64 m2 = nb <= 128 ? 0 : (((__mmask64)1 << (nb - 128)) - 1);
                r0 = _mm512_maskz_loadu_epi8(m0, p);
                r1 = _mm512_maskz_loadu_epi8(m1, p + 64);
                r2 = _mm512_maskz_loadu_epi8(m2, p + 128);
            }
            for (int c = 0; c < 3; c++) {
                __m512i idx = _mm512_mask_blend_epi8(mhi[c], _mm512_permutex2var_epi8(r0, dl[c], r1),
                                                     _mm512_permutex2var_epi8(r1, dh[c], r2));
                __mmask64 top = _mm512_movepi8_mask(idx);
                __m512i b[4];
                for (int j = 0; j < 4; j++) {
                    const uint8_t *t = planes[c][j];
                    __m512i lo = _mm512_permutex2var_epi8(_mm512_load_si512(t), idx,
                                                          _mm512_load_si512(t + 64));
                    __m512i hi = _mm512_permutex2var_epi8(_mm512_load_si512(t + 128), idx,
                                                          _mm512_load_si512(t + 192));
                    b[j] = _mm512_mask_blend_epi8(top, lo, hi);
                }
                __m512i a0 = _mm512_unpacklo_epi8(b[0], b[1]), a1 = _mm512_unpackhi_epi8(b[0], b[1]);
                __m512i c0 = _mm512_unpacklo_epi8(b[2], b[3]), c1 = _mm512_unpackhi_epi8(b[2], b[3]);
                __m512i f[4] = {_mm512_unpacklo_epi16(a0, c0), _mm512_unpackhi_epi16(a0, c0),
                                _mm512_unpacklo_epi16(a1, c1), _mm512_unpackhi_epi16(a1, c1)};
                float *oc = o + (size_t)c * plane + x;
                if (r == 64) {
                    for (int k = 0; k < 4; k++) _mm512_storeu_si512(oc + 16 * k, f[k]);
                } else {
                    for (int k = 0; k < 4 && 16 * k < r; k++) {
                        int left = r - 16 * k;
                        __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
                        _mm512_mask_storeu_epi32(oc + 16 * k, m, f[k]);
                    }
                }
            }
        }
    }
}
#endif

void fc__normalize_rows(const uint8_t *rgb, size_t stride, int n,
                        const float lut[3][256], float *out)
{
    size_t plane = (size_t)n * (size_t)n;
#if FC_HAVE_AVX2_KERNELS
    if (has_vbmi()) {
        /* Packed rows are one long row. */
        if (stride == (size_t)n * 3 && plane <= (size_t)INT_MAX)
            normalize_vbmi(rgb, stride, 1, (int)plane, lut, out, plane, 0);
        else
            normalize_vbmi(rgb, stride, n, n, lut, out, plane, (size_t)n);
        return;
    }
#endif
    for (int y = 0; y < n; y++) {
        const uint8_t *in = rgb + (size_t)y * stride;
        float *r = out + (size_t)y * (size_t)n, *g = r + plane, *b = g + plane;
        for (int x = 0; x < n; x++) {
            r[x] = lut[0][in[3 * x + 0]];
            g[x] = lut[1][in[3 * x + 1]];
            b[x] = lut[2][in[3 * x + 2]];
        }
    }
}

void fc__normalize(const uint8_t *rgb, int n, const float lut[3][256],
                   float *out)
{
    fc__normalize_rows(rgb, (size_t)n * 3, n, lut, out);
}
