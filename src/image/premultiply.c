#include "image/premultiply.h"

#include "common/cpu.h"

static void rgba_portable(const uint8_t *in, int count, uint8_t *out)
{
    for (int x = 0; x < count; x++, in += 4, out += 4) {
        unsigned a = in[3];
        out[0] = (uint8_t)fc__muldiv255(in[0], a);
        out[1] = (uint8_t)fc__muldiv255(in[1], a);
        out[2] = (uint8_t)fc__muldiv255(in[2], a);
        out[3] = (uint8_t)a;
    }
}

static void la_portable(const uint8_t *in, int count, uint8_t *out)
{
    for (int x = 0; x < count; x++, in += 2, out += 2) {
        out[0] = (uint8_t)fc__muldiv255(in[0], in[1]);
        out[1] = in[1];
    }
}

#if FC_HAVE_AVX2_KERNELS
#include <immintrin.h>

/* 32 bytes at a time: widen to 16-bit lanes, copy each pixel's alpha into
 * its colour lanes, MULDIV255, put the original alpha back, narrow. */
FC_TARGET_AVX2 static int premultiply_avx2(const uint8_t *in, int bytes,
                                           uint8_t *out, int alpha_shuffle,
                                           int alpha_lanes)
{
    int done = 0;
    const __m256i bias = _mm256_set1_epi16(128);
    for (; done + 32 <= bytes; done += 32) {
        __m256i raw = _mm256_loadu_si256((const __m256i *)(const void *)(in + done));
        __m256i v[2] = {_mm256_cvtepu8_epi16(_mm256_castsi256_si128(raw)),
                        _mm256_cvtepu8_epi16(_mm256_extracti128_si256(raw, 1))};
        for (int h = 0; h < 2; h++) {
            __m256i a;
            if (alpha_shuffle == 4) /* RGBA: lane 3 of each group of 4 */
                a = _mm256_shufflehi_epi16(_mm256_shufflelo_epi16(v[h], 0xFF), 0xFF);
            else /* LA: lane 1 of each pair */
                a = _mm256_shufflehi_epi16(_mm256_shufflelo_epi16(v[h], 0xF5), 0xF5);
            __m256i t = _mm256_add_epi16(_mm256_mullo_epi16(v[h], a), bias);
            t = _mm256_srli_epi16(_mm256_add_epi16(_mm256_srli_epi16(t, 8), t), 8);
            v[h] = alpha_lanes == 0x88 ? _mm256_blend_epi16(t, v[h], 0x88)
                                       : _mm256_blend_epi16(t, v[h], 0xAA);
        }
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(v[0], v[1]), 0xD8);
        _mm256_storeu_si256((__m256i *)(void *)(out + done), packed);
    }
    return done;
}
#endif

void fc__premultiply_rgba(const uint8_t *in, int count, uint8_t *out)
{
    int done = 0;
#if FC_HAVE_AVX2_KERNELS
    if (fc__cpu_has_avx2()) done = premultiply_avx2(in, count * 4, out, 4, 0x88) / 4;
#endif
    rgba_portable(in + 4 * done, count - done, out + 4 * done);
}

void fc__premultiply_la(const uint8_t *in, int count, uint8_t *out)
{
    int done = 0;
#if FC_HAVE_AVX2_KERNELS
    if (fc__cpu_has_avx2()) done = premultiply_avx2(in, count * 2, out, 2, 0xAA) / 2;
#endif
    la_portable(in + 2 * done, count - done, out + 2 * done);
}
