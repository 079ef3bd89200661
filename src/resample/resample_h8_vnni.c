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
 * since every row uses the same windows, and with vector code, since for a
 * 224 x 224 crop that setup is a measurable part of the call. The number
 * of quads per lane is that of the widest window present, not of the
 * windows' row length (ksize): a downscale by 1.9 has rows of 9 weights
 * but windows of at most 8 taps, two quads instead of three. */
#include "resample/resample.h"

#include <stdint.h>
#include <stdlib.h>

#include "common/cpu.h"

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

/* Greedy grouping, in one pass over the output bytes: up to 16 consecutive
 * output bytes whose taps all fit one window. g must have room for one
 * group per output byte (the most there can be). Returns the number of
 * groups, or 0 if some single lane's taps do not fit a window. Output byte
 * (i, c), channel c of output sample i, reads source bytes
 * start[i] * channels + c + t * channels for its taps t. */
static size_t make_groups(const fc__windows *w, int channels, group *g)
{
    size_t ch = (size_t)channels, n = 0;
    int i = 0, c = 0;
    while (i < w->count) {
        size_t out = (size_t)i * ch + (size_t)c, lo = SIZE_MAX, hi = 0;
        int lanes = 0;
        while (lanes < LANES && i < w->count) {
            int taps = w->taps[i] > 0 ? w->taps[i] : 1;
            size_t l = (size_t)w->start[i] * ch + (size_t)c;
            size_t h = l + (size_t)(taps - 1) * ch + 1;
            size_t nlo = l < lo ? l : lo, nhi = h > hi ? h : hi;
            if (nhi - nlo > WINDOW) {
                if (lanes == 0) return 0;
                break;
            }
            lo = nlo;
            hi = nhi;
            lanes++;
            if (++c == channels) {
                c = 0;
                i++;
            }
        }
        g[n++] = (group){lo, out, lanes};
    }
    return n;
}

#define FC_TARGET_VNNI \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi")))

/* Groups g[0..ng) over rows [r0, r1). Q, the number of quads (taps / 4
 * rounded up), is a constant in each specialisation below, so that a
 * group's index and digit vectors stay in registers across the rows.
 * `tables` holds each group's Q * 256 bytes (see group_tables). */
FC_TARGET_VNNI static inline __attribute__((always_inline)) void
run_groups_q(const uint8_t *src, size_t src_stride, size_t row_bytes, int r0,
             int r1, const group *g, size_t ng, const int Q, const uint8_t *tables,
             uint8_t *dst, size_t dst_stride)
{
    const __m512i zero = _mm512_setzero_si512();
    const __m512i bias = _mm512_set1_epi32((int32_t)1 << (FC__PRECISION_BITS - 1));
    for (size_t k = 0; k < ng; k++) {
        const group *gr = &g[k];
        const uint8_t *ix = tables + k * (size_t)Q * 256;
        const uint8_t *dg = ix + (size_t)Q * 64;
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
        const group *g, size_t ng, const uint8_t *tables, uint8_t *dst,             \
        size_t dst_stride)                                                          \
    {                                                                               \
        run_groups_q(src, src_stride, row_bytes, r0, r1, g, ng, n, tables, dst,     \
                     dst_stride);                                                   \
    }
RUN_Q(1)
RUN_Q(2)
RUN_Q(3)
RUN_Q(4)
RUN_Q(5)
RUN_Q(6)

typedef void run_fn(const uint8_t *, size_t, size_t, int, int, const group *,
                    size_t, const uint8_t *, uint8_t *, size_t);

/* The balanced base-256 digits of sixteen weights (fc__weight_digits,
 * vectorised). The subtractions leave multiples of 256, so the arithmetic
 * shifts divide exactly. Returns the lanes whose weight three such digits
 * can write. */
FC_TARGET_VNNI static inline __mmask16 digits16(__m512i w, __m512i *d0, __m512i *d1,
                                                __m512i *d2)
{
    const __m512i k128 = _mm512_set1_epi32(128), k255 = _mm512_set1_epi32(255);
    __mmask16 ok = _mm512_cmpge_epi32_mask(w, _mm512_set1_epi32(-128 * 65793)) &
                   _mm512_cmple_epi32_mask(w, _mm512_set1_epi32(127 * 65793));
    *d0 = _mm512_sub_epi32(_mm512_and_si512(_mm512_add_epi32(w, k128), k255), k128);
    w = _mm512_srai_epi32(_mm512_sub_epi32(w, *d0), 8);
    *d1 = _mm512_sub_epi32(_mm512_and_si512(_mm512_add_epi32(w, k128), k255), k128);
    *d2 = _mm512_srai_epi32(_mm512_sub_epi32(w, *d1), 8);
    return ok;
}

/* Digit planes: bytes [i * stride4, (i + 1) * stride4) of plane d hold
 * digit d of window i's weights, 0 past its taps (so whole quads can be
 * read). The digits are split once per window, not once per channel lane.
 * Returns 0 if a weight is out of the digits' range. */
FC_TARGET_VNNI static int split_digits(const fc__windows *w, size_t stride4,
                                       int8_t *planes, size_t plane)
{
    for (int i = 0; i < w->count; i++) {
        const int32_t *f = w->fixed + (size_t)i * (size_t)w->ksize;
        int8_t *o = planes + (size_t)i * stride4;
        for (int t = 0; t < (int)stride4; t += 16) {
            int left = w->taps[i] - t, keep = (int)stride4 - t;
            __mmask16 m = left >= 16 ? (__mmask16)0xFFFF
                          : left <= 0 ? 0 : (__mmask16)((1u << left) - 1);
            __mmask16 sm = keep >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << keep) - 1);
            __m512i d0, d1, d2;
            if (digits16(_mm512_maskz_loadu_epi32(m, f + t), &d0, &d1, &d2) != 0xFFFF)
                return 0;
            _mm512_mask_cvtepi32_storeu_epi8(o + t, sm, d0);
            _mm512_mask_cvtepi32_storeu_epi8(o + plane + t, sm, d1);
            _mm512_mask_cvtepi32_storeu_epi8(o + 2 * plane + t, sm, d2);
        }
    }
    return 1;
}

/* One group's vectors: `quads` index vectors, then `quads` triples of
 * digit vectors. Lane j's taps 4q..4q+3 are bytes 4j..4j+3 of vector q:
 * the indices are the lane's first byte (relative to the group's window)
 * plus (4q + b) * channels, the digits a dword gathered from the planes.
 * Indices past a lane's taps only need to stay inside the window registers
 * (VPERMT2B reads the low 7 bits; the byte adds wrap), since their digits
 * are 0. Lanes past the group's end are computed but never stored. */
FC_TARGET_VNNI static void group_tables(const fc__windows *w, int channels, int quads,
                                        const group *gr, const int8_t *planes,
                                        size_t plane, uint8_t *ix, int8_t *dg)
{
    _Alignas(64) int32_t rel[LANES], win[LANES];
    size_t ch = (size_t)channels, i = gr->out / ch, c = gr->out % ch;
    for (int j = 0; j < LANES; j++) {
        rel[j] = win[j] = 0;
        if (j >= gr->lanes) continue;
        rel[j] = (int32_t)((size_t)w->start[i] * ch + c - gr->base);
        win[j] = (int32_t)i * quads; /* the caller checked count * quads fits */
        if (++c == ch) {
            c = 0;
            i++;
        }
    }
    /* Each lane's first index in all four bytes of its dword. */
    __m512i first = _mm512_mullo_epi32(_mm512_load_si512(rel), _mm512_set1_epi32(0x01010101));
    __m512i at = _mm512_load_si512(win);
    for (int q = 0; q < quads; q++) {
        uint32_t step = 0;
        for (int b = 0; b < 4; b++)
            step |= (uint32_t)(((4 * q + b) * channels) & 255) << (8 * b);
        _mm512_storeu_si512(ix + (size_t)q * 64,
                            _mm512_add_epi8(first, _mm512_set1_epi32((int32_t)step)));
        __m512i dword = _mm512_add_epi32(at, _mm512_set1_epi32(q));
        for (int d = 0; d < 3; d++)
            _mm512_storeu_si512(dg + (size_t)q * 192 + (size_t)d * 64,
                                _mm512_i32gather_epi32(dword, planes + (size_t)d * plane, 4));
    }
}

int fc__resample_h8_vnni(const uint8_t *src, size_t src_stride, int channels,
                         int rows, int width, const fc__windows *w,
                         uint8_t *dst, size_t dst_stride)
{
    if (!fc__cpu_has_avx512_vnni_vbmi() || w->count <= 0 || rows <= 0) return 0;
    /* Quads for the widest window actually present: a 2x downscale has
     * windows of at most 8 taps in rows of ksize 9, which would otherwise
     * cost a third quad of zeros on every row. */
    int maxtaps = 1;
    for (int i = 0; i < w->count; i++)
        if (w->taps[i] > maxtaps) maxtaps = w->taps[i];
    int quads = (maxtaps + 3) / 4;
    if (quads > MAX_Q || (size_t)w->count > (size_t)INT32_MAX / MAX_Q) return 0;
    run_fn *const run[MAX_Q] = {run_groups_1, run_groups_2, run_groups_3,
                                run_groups_4, run_groups_5, run_groups_6};
    size_t total = (size_t)w->count * (size_t)channels;
    size_t stride4 = (size_t)quads * 4, plane = (size_t)w->count * stride4;
    group *g = malloc(total * sizeof *g);
    int8_t *planes = malloc(plane * 3);
    uint8_t *tables = NULL;
    size_t ng = g != NULL ? make_groups(w, channels, g) : 0;
    int ok = ng > 0 && planes != NULL && split_digits(w, stride4, planes, plane);
    if (ok) {
        /* Per group: quads * 64 index bytes, then quads * 192 digit bytes. */
        tables = malloc(ng * (size_t)quads * 256);
        ok = tables != NULL;
    }
    if (ok) {
        for (size_t k = 0; k < ng; k++) {
            uint8_t *t = tables + k * (size_t)quads * 256;
            group_tables(w, channels, quads, &g[k], planes, plane, t,
                         (int8_t *)(t + (size_t)quads * 64));
        }
        /* Blocks of rows small enough to stay in the L1 cache while every
         * group passes over them. */
        size_t row_bytes = (size_t)width * (size_t)channels;
        int block = row_bytes * 16 <= 32768 ? 16 : 8;
        for (int r0 = 0; r0 < rows; r0 += block) {
            int r1 = rows - r0 < block ? rows : r0 + block;
            run[quads - 1](src, src_stride, row_bytes, r0, r1, g, ng, tables, dst,
                           dst_stride);
        }
    }
    free(g);
    free(planes);
    free(tables);
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
