/* The 8-bit passes of Pillow's bicubic resize (modes L, LA, RGB, RGBA,
 * CMYK): integer sums with a rounding bias of one half, arithmetic shift,
 * then clamping to a byte. The clamp after the first pass matters: the
 * second pass reads the clamped bytes, as Pillow's does.
 *
 * Integer sums do not depend on the order of addition, so both passes are
 * organised for the vector unit rather than in Pillow's loop order: the
 * vertical pass adds whole source rows, each times one weight; the
 * horizontal pass transposes strips of 16 rows so that it becomes the same
 * kind of loop. Where the CPU has AVX-512 VNNI and VBMI, the horizontal pass
 * is done without transposing instead (resample_h8_vnni.c). */
#include "resample/resample.h"

#include <string.h>

#include "common/cpu.h"
#include "resample/transpose.h"

#define BIAS ((int32_t)1 << (FC__PRECISION_BITS - 1))

static inline uint8_t clamp8(int32_t acc)
{
    int32_t v = acc >> FC__PRECISION_BITS; /* arithmetic: rounds down */
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* The kernel of both passes: sums of bytes times one weight per source
 * row (or, transposed, per source column). Portable loops first; AVX2 and
 * AVX-512 versions of each, chosen at run time, follow. */

static void v8_portable(const uint8_t *restrict first, size_t stride,
                        const int32_t *k, int taps, size_t samples,
                        uint8_t *restrict out)
{
    for (size_t s = 0; s < samples; s++) {
        int32_t acc = BIAS;
        for (int t = 0; t < taps; t++) acc += (int32_t)first[(size_t)t * stride + s] * k[t];
        out[s] = clamp8(acc);
    }
}

#if FC_HAVE_AVX2_KERNELS
#include <immintrin.h>

/* clamp8 of sixteen sums: the arithmetic shift, then the saturating packs
 * clamp to 0..255 (the shifted values lie well inside int16). */
FC_TARGET_AVX2 static inline __m128i
pack16_avx2(__m256i a0, __m256i a1)
{
    a0 = _mm256_srai_epi32(a0, FC__PRECISION_BITS);
    a1 = _mm256_srai_epi32(a1, FC__PRECISION_BITS);
    __m128i p = _mm_packs_epi32(_mm256_castsi256_si128(a0), _mm256_extracti128_si256(a0, 1));
    __m128i q = _mm_packs_epi32(_mm256_castsi256_si128(a1), _mm256_extracti128_si256(a1, 1));
    return _mm_packus_epi16(p, q);
}

/* Sixteen bytes times a weight, added to two vectors of eight sums. */
FC_TARGET_AVX2 static inline void
madd16_avx2(__m256i *a0, __m256i *a1, const uint8_t *p, __m256i k)
{
    __m128i px = _mm_loadu_si128((const __m128i *)(const void *)p);
    *a0 = _mm256_add_epi32(*a0, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(px), k));
    *a1 = _mm256_add_epi32(*a1, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(px, 8)), k));
}

FC_TARGET_AVX2 static size_t
v8_avx2(const uint8_t *first, size_t stride, const int32_t *k, int taps,
        size_t samples, uint8_t *out)
{
    size_t s = 0;
    for (; s + 32 <= samples; s += 32) {
        __m256i a0 = _mm256_set1_epi32(BIAS), a1 = a0, a2 = a0, a3 = a0;
        for (int t = 0; t < taps; t++) {
            const uint8_t *in = first + (size_t)t * stride + s;
            __m256i kk = _mm256_set1_epi32(k[t]);
            madd16_avx2(&a0, &a1, in, kk);
            madd16_avx2(&a2, &a3, in + 16, kk);
        }
        _mm_storeu_si128((__m128i *)(void *)(out + s), pack16_avx2(a0, a1));
        _mm_storeu_si128((__m128i *)(void *)(out + s + 16), pack16_avx2(a2, a3));
    }
    return s;
}

FC_TARGET_AVX2 static void
strip16_avx2(const uint8_t *t, int channels, const fc__windows *w, uint8_t *u)
{
    size_t step = (size_t)channels * 16;
    for (int i = 0; i < w->count; i++) {
        const int32_t *k = w->fixed + (size_t)i * (size_t)w->ksize;
        for (int c = 0; c < channels; c++) {
            const uint8_t *first = t + (size_t)w->start[i] * step + (size_t)c * 16;
            __m256i a0 = _mm256_set1_epi32(BIAS), a1 = a0;
            for (int tap = 0; tap < w->taps[i]; tap++)
                madd16_avx2(&a0, &a1, first + (size_t)tap * step, _mm256_set1_epi32(k[tap]));
            _mm_storeu_si128((__m128i *)(void *)(u + ((size_t)i * (size_t)channels + (size_t)c) * 16),
                             pack16_avx2(a0, a1));
        }
    }
}

/* AVX-512: sixteen sums per register. Clamping: shift, raise negatives to
 * 0, then the unsigned-saturating narrow caps at 255. */
FC_TARGET_AVX512 static inline __m128i narrow16_avx512(__m512i a)
{
    a = _mm512_max_epi32(_mm512_srai_epi32(a, FC__PRECISION_BITS), _mm512_setzero_si512());
    return _mm512_cvtusepi32_epi8(a);
}

FC_TARGET_AVX512 static inline __m512i madd16_avx512(__m512i a, const uint8_t *p, __m512i k)
{
    __m512i px = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(const void *)p));
    return _mm512_add_epi32(a, _mm512_mullo_epi32(px, k));
}

FC_TARGET_AVX512 static size_t
v8_avx512(const uint8_t *first, size_t stride, const int32_t *k, int taps,
          size_t samples, uint8_t *out)
{
    size_t s = 0;
    for (; s + 64 <= samples; s += 64) {
        __m512i a0 = _mm512_set1_epi32(BIAS), a1 = a0, a2 = a0, a3 = a0;
        for (int t = 0; t < taps; t++) {
            const uint8_t *in = first + (size_t)t * stride + s;
            __m512i kk = _mm512_set1_epi32(k[t]);
            a0 = madd16_avx512(a0, in, kk);
            a1 = madd16_avx512(a1, in + 16, kk);
            a2 = madd16_avx512(a2, in + 32, kk);
            a3 = madd16_avx512(a3, in + 48, kk);
        }
        _mm_storeu_si128((__m128i *)(void *)(out + s), narrow16_avx512(a0));
        _mm_storeu_si128((__m128i *)(void *)(out + s + 16), narrow16_avx512(a1));
        _mm_storeu_si128((__m128i *)(void *)(out + s + 32), narrow16_avx512(a2));
        _mm_storeu_si128((__m128i *)(void *)(out + s + 48), narrow16_avx512(a3));
    }
    for (; s + 16 <= samples; s += 16) {
        __m512i a = _mm512_set1_epi32(BIAS);
        for (int t = 0; t < taps; t++)
            a = madd16_avx512(a, first + (size_t)t * stride + s, _mm512_set1_epi32(k[t]));
        _mm_storeu_si128((__m128i *)(void *)(out + s), narrow16_avx512(a));
    }
    return s;
}

FC_TARGET_AVX512 static void
strip16_avx512(const uint8_t *t, int channels, const fc__windows *w, uint8_t *u)
{
    size_t step = (size_t)channels * 16;
    for (int i = 0; i < w->count; i++) {
        const int32_t *k = w->fixed + (size_t)i * (size_t)w->ksize;
        for (int c = 0; c < channels; c++) {
            const uint8_t *first = t + (size_t)w->start[i] * step + (size_t)c * 16;
            __m512i a = _mm512_set1_epi32(BIAS);
            for (int tap = 0; tap < w->taps[i]; tap++)
                a = madd16_avx512(a, first + (size_t)tap * step, _mm512_set1_epi32(k[tap]));
            _mm_storeu_si128((__m128i *)(void *)(u + ((size_t)i * (size_t)channels + (size_t)c) * 16),
                             narrow16_avx512(a));
        }
    }
}

/* AVX-512 VNNI: the vertical pass four source rows at a time. The bytes of
 * four rows are interleaved so that each int32 lane holds one sample of
 * each, and VPDPBUSD multiplies them by the four weights' base-256 digits
 * (three balanced digits per weight, as in resample_h8_vnni.c, whose
 * header gives the exactness argument: the digit sums are exact, and
 * recombining them with wrapping adds gives Pillow's int32 accumulator).
 * Missing taps of the last quad get weight 0 on a readable row. The
 * interleave works within 128-bit lanes; the saturating packs at the end
 * undo it, so the bytes come out in order. */
#define V8_VNNI_MAX_Q 16
#define FC_TARGET_V8_VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))

FC_TARGET_V8_VNNI static inline __m512i
v8_vnni_narrow(__m512i s0, __m512i s1, __m512i s2)
{
    __m512i acc = _mm512_add_epi32(s0, _mm512_slli_epi32(s1, 8));
    acc = _mm512_add_epi32(acc, _mm512_slli_epi32(s2, 16));
    return _mm512_srai_epi32(acc, FC__PRECISION_BITS);
}

FC_TARGET_V8_VNNI static size_t
v8_vnni(const uint8_t *first, size_t stride, const int32_t *k, int taps,
        size_t samples, uint8_t *out)
{
    int quads = (taps + 3) / 4;
    if (taps <= 0 || quads > V8_VNNI_MAX_Q) return 0;
    __m512i d0[V8_VNNI_MAX_Q], d1[V8_VNNI_MAX_Q], d2[V8_VNNI_MAX_Q];
    const uint8_t *row[4 * V8_VNNI_MAX_Q];
    for (int q = 0; q < quads; q++) {
        uint32_t p0 = 0, p1 = 0, p2 = 0;
        for (int j = 0; j < 4; j++) {
            int t = 4 * q + j;
            int8_t e[3];
            if (!fc__weight_digits(t < taps ? k[t] : 0, e)) return 0;
            p0 |= (uint32_t)(uint8_t)e[0] << (8 * j);
            p1 |= (uint32_t)(uint8_t)e[1] << (8 * j);
            p2 |= (uint32_t)(uint8_t)e[2] << (8 * j);
            row[t] = first + (t < taps ? (size_t)t * stride : 0);
        }
        d0[q] = _mm512_set1_epi32((int32_t)p0);
        d1[q] = _mm512_set1_epi32((int32_t)p1);
        d2[q] = _mm512_set1_epi32((int32_t)p2);
    }
    const __m512i bias = _mm512_set1_epi32(BIAS), zero = _mm512_setzero_si512();
    for (size_t s = 0; s < samples; s += 64) {
        size_t left = samples - s;
        __mmask64 m = left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1);
        __m512i a[4] = {bias, bias, bias, bias}, b[4] = {zero, zero, zero, zero},
                c[4] = {zero, zero, zero, zero};
        for (int q = 0; q < quads; q++) {
            __m512i x0 = _mm512_maskz_loadu_epi8(m, row[4 * q] + s);
            __m512i x1 = _mm512_maskz_loadu_epi8(m, row[4 * q + 1] + s);
            __m512i x2 = _mm512_maskz_loadu_epi8(m, row[4 * q + 2] + s);
            __m512i x3 = _mm512_maskz_loadu_epi8(m, row[4 * q + 3] + s);
            __m512i lo01 = _mm512_unpacklo_epi8(x0, x1), hi01 = _mm512_unpackhi_epi8(x0, x1);
            __m512i lo23 = _mm512_unpacklo_epi8(x2, x3), hi23 = _mm512_unpackhi_epi8(x2, x3);
            __m512i f[4] = {_mm512_unpacklo_epi16(lo01, lo23), _mm512_unpackhi_epi16(lo01, lo23),
                            _mm512_unpacklo_epi16(hi01, hi23), _mm512_unpackhi_epi16(hi01, hi23)};
            for (int j = 0; j < 4; j++) {
                a[j] = _mm512_dpbusd_epi32(a[j], f[j], d0[q]);
                b[j] = _mm512_dpbusd_epi32(b[j], f[j], d1[q]);
                c[j] = _mm512_dpbusd_epi32(c[j], f[j], d2[q]);
            }
        }
        __m512i r0 = v8_vnni_narrow(a[0], b[0], c[0]), r1 = v8_vnni_narrow(a[1], b[1], c[1]);
        __m512i r2 = v8_vnni_narrow(a[2], b[2], c[2]), r3 = v8_vnni_narrow(a[3], b[3], c[3]);
        /* The shifted sums lie inside int16; packus clamps to 0..255. */
        __m512i o = _mm512_packus_epi16(_mm512_packs_epi32(r0, r1), _mm512_packs_epi32(r2, r3));
        _mm512_mask_storeu_epi8(out + s, m, o);
    }
    return samples;
}
#endif

void fc__resample_v8(const uint8_t *restrict src, size_t src_stride,
                     int channels, int cols, const fc__windows *w,
                     uint8_t *restrict dst, size_t dst_stride)
{
    size_t samples = (size_t)cols * (size_t)channels;
#if FC_HAVE_AVX2_KERNELS
    int avx512 = fc__cpu_has_avx512(), avx2 = fc__cpu_has_avx2();
    int vnni = fc__cpu_has_avx512_vnni();
#endif
    for (int i = 0; i < w->count; i++) {
        const int32_t *k = w->fixed + (size_t)i * (size_t)w->ksize;
        const uint8_t *first = src + (size_t)w->start[i] * src_stride;
        uint8_t *out = dst + (size_t)i * dst_stride;
        size_t done = 0;
#if FC_HAVE_AVX2_KERNELS
        if (vnni) done = v8_vnni(first, src_stride, k, w->taps[i], samples, out);
        if (done == samples) continue;
        if (avx512) done = v8_avx512(first, src_stride, k, w->taps[i], samples, out);
        else if (avx2) done = v8_avx2(first, src_stride, k, w->taps[i], samples, out);
#endif
        v8_portable(first + done, src_stride, k, w->taps[i], samples - done, out + done);
    }
}

/* One strip of 16 rows, transposed: t holds one 16-byte column per source
 * sample (width * channels of them); u receives w->count * channels. */
static void strip16(const uint8_t *restrict t, int channels,
                    const fc__windows *w, uint8_t *restrict u)
{
#if FC_HAVE_AVX2_KERNELS
    if (fc__cpu_has_avx512()) {
        strip16_avx512(t, channels, w, u);
        return;
    }
    if (fc__cpu_has_avx2()) {
        strip16_avx2(t, channels, w, u);
        return;
    }
#endif
    size_t step = (size_t)channels * 16;
    for (int i = 0; i < w->count; i++)
        for (int c = 0; c < channels; c++)
            v8_portable(t + (size_t)w->start[i] * step + (size_t)c * 16, step,
                        w->fixed + (size_t)i * (size_t)w->ksize, w->taps[i], 16,
                        u + ((size_t)i * (size_t)channels + (size_t)c) * 16);
}

void fc__resample_h8(const uint8_t *src, size_t src_stride, int channels,
                     int rows, int width, const fc__windows *w, uint8_t *dst,
                     size_t dst_stride, uint8_t *scratch)
{
    size_t in_bytes = (size_t)width * (size_t)channels;
    size_t out_bytes = (size_t)w->count * (size_t)channels;
    uint8_t *t = scratch, *u = scratch + in_bytes * 16;
    if (fc__resample_h8_vnni(src, src_stride, channels, rows, width, w, dst, dst_stride))
        return;
    /* A last strip of fewer than 16 rows computes lanes nobody reads; make
     * them defined values all the same. */
    memset(t, 0, in_bytes * 16);
    for (int r0 = 0; r0 < rows; r0 += 16) {
        int h = rows - r0 < 16 ? rows - r0 : 16;
        fc__transpose8(src + (size_t)r0 * src_stride, src_stride, (int)in_bytes, h, t, 16);
        strip16(t, channels, w, u);
        fc__transpose8(u, 16, h, (int)out_bytes, dst + (size_t)r0 * dst_stride, dst_stride);
    }
}
