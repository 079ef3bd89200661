/* The 8-bit horizontal pass on CPUs with AVX-512 VNNI and VBMI, without
 * transposing: each vector lane computes one output byte of the packed
 * (interleaved) output row directly.
 *
 * VPDPBUSD adds four products of unsigned bytes by signed bytes into each
 * int32 lane. Pillow's weights have 22 fractional bits, so each weight c is
 * written in balanced base-256 digits, c = d2 * 65536 + d1 * 256 + d0 with
 * every digit in -128..127, and
 *
 *     sum(src * c) = 65536 * S2 + 256 * S1 + S0,   S_i = sum(src * d_i).
 *
 * Each S_i is exact (|S_i| <= 255 * 128 * taps, far inside int32). The
 * combination is done in wrapping (modulo 2^32) vector arithmetic, so its
 * result is the true sum modulo 2^32; the true sum plus the rounding bias
 * is Pillow's own int32 accumulator, which lies inside int32, so the two
 * are the same integer whatever the intermediate values. The arithmetic
 * shift and clamp then match Pillow's exactly.
 *
 * The bytes of each lane's taps are gathered with VPERMT2B from a 128-byte
 * window of the source row. Output lanes are grouped greedily, up to 16
 * consecutive output bytes whose taps all fit one window; the gather
 * indices and digit vectors of each group are computed once per call,
 * since every row uses the same windows. */
#include "image/resample.h"

#include <stdlib.h>
#include <string.h>

#include "image/cpu.h"

#if FC_HAVE_AVX2_KERNELS
#include <immintrin.h>

#define WINDOW 128 /* bytes reachable by one VPERMT2B */
#define LANES 16
#define MAX_Q 6 /* up to 24 taps: downscaling by up to about 5.5 */

typedef struct group {
    size_t base;  /* first source byte of the window, within the row */
    size_t out;   /* first output byte                                 */
    int lanes;    /* output bytes computed, 1..16                      */
} group;

/* Source byte range [lo, hi) of output byte o. */
static void lane_span(const fc__windows *w, int channels, size_t o,
                      size_t *lo, size_t *hi)
{
    size_t i = o / (size_t)channels, c = o % (size_t)channels;
    size_t s = (size_t)w->start[i];
    int taps = w->taps[i] > 0 ? w->taps[i] : 1;
    *lo = s * (size_t)channels + c;
    *hi = (s + (size_t)taps - 1) * (size_t)channels + c + 1;
}

/* Greedy grouping; returns the number of groups, filling g if not NULL,
 * or 0 if some single lane's taps do not fit a window. */
static size_t make_groups(const fc__windows *w, int channels, group *g)
{
    size_t total = (size_t)w->count * (size_t)channels, n = 0;
    for (size_t o = 0; o < total;) {
        size_t lo, hi, l, h;
        lane_span(w, channels, o, &lo, &hi);
        if (hi - lo > WINDOW) return 0;
        int lanes = 1;
        while (lanes < LANES && o + (size_t)lanes < total) {
            lane_span(w, channels, o + (size_t)lanes, &l, &h);
            size_t nlo = l < lo ? l : lo, nhi = h > hi ? h : hi;
            if (nhi - nlo > WINDOW) break;
            lo = nlo;
            hi = nhi;
            lanes++;
        }
        if (g != NULL) g[n] = (group){lo, o, lanes};
        n++;
        o += (size_t)lanes;
    }
    return n;
}

#define FC_TARGET_VNNI \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi")))

/* Groups g[0..ng) over rows [r0, r1). Q, the number of quads (taps / 4
 * rounded up), is a constant in each specialisation below, so that a
 * group's index and digit vectors stay in registers across the rows. */
FC_TARGET_VNNI static inline __attribute__((always_inline)) void
run_groups_q(const uint8_t *src, size_t src_stride, size_t row_bytes, int r0,
             int r1, const group *g, size_t ng, const int Q, const uint8_t *idx,
             const int8_t *dig, uint8_t *dst, size_t dst_stride)
{
    const __m512i zero = _mm512_setzero_si512();
    const __m512i bias = _mm512_set1_epi32((int32_t)1 << (FC__PRECISION_BITS - 1));
    for (size_t k = 0; k < ng; k++) {
        const group *gr = &g[k];
        const uint8_t *ix = idx + k * (size_t)Q * 64;
        const int8_t *dg = dig + k * (size_t)Q * 3 * 64;
        __m512i iv[MAX_Q], d0[MAX_Q], d1[MAX_Q], d2[MAX_Q];
        for (int q = 0; q < Q; q++) {
            iv[q] = _mm512_loadu_si512((const void *)(ix + (size_t)q * 64));
            d0[q] = _mm512_loadu_si512((const void *)(dg + (size_t)q * 192));
            d1[q] = _mm512_loadu_si512((const void *)(dg + (size_t)q * 192 + 64));
            d2[q] = _mm512_loadu_si512((const void *)(dg + (size_t)q * 192 + 128));
        }
        size_t avail = row_bytes - gr->base; /* bytes of the row from base on */
        /* Loads never reach past the row: masked where it ends. */
        __mmask64 m0 = avail >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << avail) - 1);
        __mmask64 m1 = avail >= 128  ? ~(__mmask64)0
                       : avail <= 64 ? 0
                                     : (((__mmask64)1 << (avail - 64)) - 1);
        __mmask16 store = (__mmask16)((1u << gr->lanes) - 1);
        const uint8_t *p = src + (size_t)r0 * src_stride + gr->base;
        uint8_t *o = dst + (size_t)r0 * dst_stride + gr->out;
        for (int r = r0; r < r1; r++, p += src_stride, o += dst_stride) {
            __m512i lo = _mm512_maskz_loadu_epi8(m0, p);
            __m512i hi = m1 ? _mm512_maskz_loadu_epi8(m1, p + 64) : zero;
            __m512i s0 = bias, s1 = zero, s2 = zero;
            for (int q = 0; q < Q; q++) {
                __m512i b = _mm512_permutex2var_epi8(lo, iv[q], hi);
                s0 = _mm512_dpbusd_epi32(s0, b, d0[q]);
                s1 = _mm512_dpbusd_epi32(s1, b, d1[q]);
                s2 = _mm512_dpbusd_epi32(s2, b, d2[q]);
            }
            /* Wrapping adds: exact modulo 2^32, see the top of the file. */
            __m512i acc = _mm512_add_epi32(s0, _mm512_slli_epi32(s1, 8));
            acc = _mm512_add_epi32(acc, _mm512_slli_epi32(s2, 16));
            acc = _mm512_max_epi32(_mm512_srai_epi32(acc, FC__PRECISION_BITS), zero);
            __m128i out = _mm512_cvtusepi32_epi8(acc); /* caps at 255 */
            if (gr->lanes == LANES)
                _mm_storeu_si128((__m128i *)(void *)o, out);
            else
                _mm_mask_storeu_epi8(o, store, out);
        }
    }
}

#define RUN_Q(n)                                                                    \
    FC_TARGET_VNNI static void run_groups_##n(                                      \
        const uint8_t *src, size_t src_stride, size_t row_bytes, int r0, int r1,    \
        const group *g, size_t ng, const uint8_t *idx, const int8_t *dig,           \
        uint8_t *dst, size_t dst_stride)                                            \
    {                                                                               \
        run_groups_q(src, src_stride, row_bytes, r0, r1, g, ng, n, idx, dig, dst,   \
                     dst_stride);                                                   \
    }
RUN_Q(1)
RUN_Q(2)
RUN_Q(3)
RUN_Q(4)
RUN_Q(5)
RUN_Q(6)

typedef void run_fn(const uint8_t *, size_t, size_t, int, int, const group *,
                    size_t, const uint8_t *, const int8_t *, uint8_t *, size_t);

int fc__resample_h8_vnni(const uint8_t *src, size_t src_stride, int channels,
                         int rows, int width, const fc__windows *w,
                         uint8_t *dst, size_t dst_stride)
{
    if (!fc__cpu_has_avx512_vnni_vbmi() || w->count <= 0 || rows <= 0) return 0;
    size_t ng = make_groups(w, channels, NULL);
    if (ng == 0) return 0;
    int quads = (w->ksize + 3) / 4;
    if (quads < 1) quads = 1;
    if (quads > MAX_Q) return 0;
    run_fn *const run[MAX_Q] = {run_groups_1, run_groups_2, run_groups_3,
                                run_groups_4, run_groups_5, run_groups_6};
    /* The digits of every window's weights, split once per window rather
     * than once per channel lane, one plane per digit, each window's row
     * padded to whole quads (the padding, like weights past a window's
     * taps, is 0). */
    size_t stride4 = (size_t)quads * 4, plane = (size_t)w->count * stride4;
    group *g = malloc(ng * sizeof *g);
    uint8_t *idx = calloc(ng * (size_t)quads, 64);
    int8_t *dig = calloc(ng * (size_t)quads * 3, 64);
    int8_t *split = calloc(plane * 3, 1);
    int ok = g != NULL && idx != NULL && dig != NULL && split != NULL;
    for (int i = 0; ok && i < w->count; i++)
        for (int t = 0; t < w->ksize; t++) {
            int8_t d[3];
            if (!fc__weight_digits(w->fixed[(size_t)i * (size_t)w->ksize + (size_t)t], d)) {
                ok = 0;
                break;
            }
            size_t at = (size_t)i * stride4 + (size_t)t;
            split[at] = d[0];
            split[plane + at] = d[1];
            split[2 * plane + at] = d[2];
        }
    if (ok) make_groups(w, channels, g);
    /* Per group: `quads` index vectors, then `quads` triples of digit
     * vectors; lane j's taps 4q..4q+3 are bytes 4j..4j+3 of vector q,
     * written four at a time. Unused quads stay 0: index 0 (a byte of the
     * window) times 0. Indices past a window's taps only need to stay inside
     * the window registers (VPERMT2B reads the low 7 bits); their digits
     * are 0. */
    for (size_t k = 0; ok && k < ng; k++) {
        uint8_t *ix = idx + k * (size_t)quads * 64;
        int8_t *dg = dig + k * (size_t)quads * 3 * 64;
        size_t i = g[k].out / (size_t)channels, c = g[k].out % (size_t)channels;
        for (int j = 0; j < g[k].lanes; j++) {
            size_t first = (size_t)w->start[i] * (size_t)channels + c - g[k].base;
            const int8_t *sw = split + i * stride4;
            int lane_quads = (w->taps[i] + 3) / 4;
            for (int q = 0; q < lane_quads; q++) {
                uint8_t four[4];
                for (int b = 0; b < 4; b++)
                    four[b] = (uint8_t)(first + (size_t)(4 * q + b) * (size_t)channels);
                size_t at = (size_t)q * 64 + (size_t)j * 4;
                memcpy(ix + at, four, 4);
                int8_t *d = dg + (size_t)q * 192 + (size_t)j * 4;
                memcpy(d, sw + 4 * q, 4);
                memcpy(d + 64, sw + plane + 4 * q, 4);
                memcpy(d + 128, sw + 2 * plane + 4 * q, 4);
            }
            if (++c == (size_t)channels) {
                c = 0;
                i++;
            }
        }
    }
    if (ok) {
        /* Blocks of rows small enough to stay in the L1 cache while every
         * group passes over them. */
        size_t row_bytes = (size_t)width * (size_t)channels;
        int block = row_bytes * 16 <= 32768 ? 16 : 8;
        for (int r0 = 0; r0 < rows; r0 += block) {
            int r1 = rows - r0 < block ? rows : r0 + block;
            run[quads - 1](src, src_stride, row_bytes, r0, r1, g, ng, idx, dig, dst,
                           dst_stride);
        }
    }
    free(g);
    free(idx);
    free(dig);
    free(split);
    return ok;
}
#else
int fc__resample_h8_vnni(const uint8_t *src, size_t src_stride, int channels,
                         int rows, int width, const fc__windows *w,
                         uint8_t *dst, size_t dst_stride)
{
    (void)src, (void)src_stride, (void)channels, (void)rows, (void)width;
    (void)w, (void)dst, (void)dst_stride;
    return 0;
}
#endif
