/* Bicubic coefficients, bit-identical to Pillow's Resample.c. The double
 * arithmetic below must stay in this order and must not be contracted into
 * fused multiply-adds (the Makefile passes -ffp-contract=off, which covers
 * the AVX-512 intrinsics below as well). */
#include "resample/windows.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/cpu.h"

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

#if FC_HAVE_AVX2_KERNELS
#include <immintrin.h>

/* The windows with AVX-512, eight windows at a time, one per lane. Every
 * lane performs the scalar code's IEEE operations in the scalar code's
 * order, so the doubles are the same bits: the weights' sum is still a
 * sequential sum in tap order (one vector add per tap, lanes past their
 * window's taps left unchanged), and a vector division is as correctly
 * rounded as a scalar one. What changes is the cost: no branches in
 * bicubic() and to_fixed(), eight divisions per instruction. Windows wider
 * than VEC_MAX_TAPS (downscales by more than about 7x) take the scalar
 * path. */
#define VEC_MAX_TAPS 32

FC_TARGET_AVX512 static inline __m512d bicubic_avx512(__m512d x)
{
    /* |x|: Pillow negates negative x; for the polynomials the two differ
     * at most in the sign of zero intermediates, which "+ 1" absorbs. */
    x = _mm512_abs_pd(x);
    const __m512d one = _mm512_set1_pd(1.0);
    __m512d near = _mm512_mul_pd(_mm512_set1_pd(1.5), x); /* (a + 2) * x */
    near = _mm512_sub_pd(near, _mm512_set1_pd(2.5));      /* - (a + 3)   */
    near = _mm512_add_pd(_mm512_mul_pd(_mm512_mul_pd(near, x), x), one);
    __m512d far = _mm512_sub_pd(x, _mm512_set1_pd(5.0));
    far = _mm512_add_pd(_mm512_mul_pd(far, x), _mm512_set1_pd(8.0));
    far = _mm512_sub_pd(_mm512_mul_pd(far, x), _mm512_set1_pd(4.0));
    far = _mm512_mul_pd(far, _mm512_set1_pd(-0.5)); /* * a */
    __mmask8 lt1 = _mm512_cmp_pd_mask(x, one, _CMP_LT_OQ);
    __mmask8 lt2 = _mm512_cmp_pd_mask(x, _mm512_set1_pd(2.0), _CMP_LT_OQ);
    return _mm512_mask_blend_pd(lt1, _mm512_maskz_mov_pd(lt2, far), near);
}

/* r[j] holds tap j of eight windows; afterwards r[l] holds the eight taps
 * of window l. */
FC_TARGET_AVX512 static inline void transpose8_pd(__m512d r[8])
{
    __m512d t[8], u[8];
    for (int k = 0; k < 4; k++) {
        t[2 * k] = _mm512_unpacklo_pd(r[2 * k], r[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_pd(r[2 * k], r[2 * k + 1]);
    }
    for (int h = 0; h < 2; h++) /* rows 0-3, then 4-7 */
        for (int k = 0; k < 2; k++) {
            u[4 * h + 2 * k] = _mm512_shuffle_f64x2(t[4 * h + k], t[4 * h + k + 2], 0x88);
            u[4 * h + 2 * k + 1] = _mm512_shuffle_f64x2(t[4 * h + k], t[4 * h + k + 2], 0xDD);
        }
    /* u[0..3] hold columns (0,4), (2,6), (1,5), (3,7) of rows 0-3. */
    static const int col[4] = {0, 2, 1, 3};
    for (int k = 0; k < 4; k++) {
        r[col[k]] = _mm512_shuffle_f64x2(u[k], u[k + 4], 0x88);
        r[col[k] + 4] = _mm512_shuffle_f64x2(u[k], u[k + 4], 0xDD);
    }
}

/* Windows i0 .. i0 + lanes - 1 (lanes <= 8), whose center, xmin and taps
 * the caller computed (taps 0 in unused lanes). */
FC_TARGET_AVX512 static void windows8_avx512(fc__windows *w, int i0, int lanes,
                                             const double center[8],
                                             const int32_t xmin[8],
                                             const int32_t taps[8],
                                             double inv_filterscale)
{
    __m512d v[VEC_MAX_TAPS];
    const __m512d c = _mm512_loadu_pd(center), half = _mm512_set1_pd(0.5);
    const __m512d ss = _mm512_set1_pd(inv_filterscale), zero = _mm512_setzero_pd();
    const __m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)xmin);
    const __m512i t = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(const void *)taps));
    int most = 0;
    for (int l = 0; l < lanes; l++) most = taps[l] > most ? taps[l] : most;
    __m512d ww = zero;
    for (int j = 0; j < most; j++) {
        __mmask8 valid = (__mmask8)_mm512_cmpgt_epi32_mask(t, _mm512_set1_epi32(j));
        /* (x + xmin - center + 0.5) * ss, with x + xmin an int. */
        __m512d x = _mm512_cvtepi32_pd(_mm256_add_epi32(x0, _mm256_set1_epi32(j)));
        x = _mm512_mul_pd(_mm512_add_pd(_mm512_sub_pd(x, c), half), ss);
        v[j] = _mm512_maskz_mov_pd(valid, bicubic_avx512(x));
        ww = _mm512_mask_add_pd(ww, valid, ww, v[j]);
    }
    __mmask8 divide = _mm512_cmp_pd_mask(ww, zero, _CMP_NEQ_UQ);
    const __m512d scale = _mm512_set1_pd((double)(1 << FC__PRECISION_BITS));
    for (int j0 = 0; j0 < most; j0 += 8) {
        __m512d r[8];
        for (int j = 0; j < 8; j++)
            r[j] = j0 + j < most ? _mm512_mask_div_pd(v[j0 + j], divide, v[j0 + j], ww) : zero;
        transpose8_pd(r);
        for (int l = 0; l < lanes; l++) {
            int left = taps[l] - j0;
            if (left <= 0) continue;
            __mmask8 m = (__mmask8)(left >= 8 ? 0xFF : (1u << left) - 1);
            size_t at = (size_t)(i0 + l) * (size_t)w->ksize + (size_t)j0;
            _mm512_mask_storeu_pd(w->weights + at, m, r[l]);
            /* to_fixed(): scaled -/+ 0.5 by the sign, truncated. */
            __m512d scaled = _mm512_mul_pd(r[l], scale);
            __mmask8 neg = _mm512_cmp_pd_mask(r[l], zero, _CMP_LT_OQ);
            __m512d rounded = _mm512_mask_blend_pd(neg, _mm512_add_pd(scaled, half),
                                                   _mm512_sub_pd(scaled, half));
            _mm512_mask_storeu_epi32(w->fixed + at, (__mmask16)m,
                                     _mm512_castsi256_si512(_mm512_cvttpd_epi32(rounded)));
        }
    }
}
#endif

/* Output sample xx's window: its center (returned), first source sample
 * and number of taps, as Pillow's precompute_coeffs places them. */
static inline double place(int64_t xx, float in0, double scale, double support,
                           int in_size, int *xmin, int *taps)
{
    double center = in0 + ((double)xx + 0.5) * scale;
    int lo = (int)(center - support + 0.5);
    if (lo < 0) lo = 0;
    int hi = (int)(center + support + 0.5);
    if (hi > in_size) hi = in_size;
    *xmin = lo;
    *taps = hi - lo;
    return center;
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
#if FC_HAVE_AVX2_KERNELS
    if (ksize <= VEC_MAX_TAPS && fc__cpu_has_avx512()) {
        for (int i0 = 0; i0 < count; i0 += 8) {
            int lanes = count - i0 < 8 ? count - i0 : 8;
            double centers[8] = {0};
            int32_t xmins[8] = {0}, taps[8] = {0};
            for (int l = 0; l < lanes; l++) {
                int xmin, n;
                centers[l] = place(first + i0 + l, in0, scale, support, in_size, &xmin, &n);
                w->start[i0 + l] = xmins[l] = xmin;
                w->taps[i0 + l] = n;
                taps[l] = n > 0 ? n : 0;
            }
            windows8_avx512(w, i0, lanes, centers, xmins, taps, inv_filterscale);
        }
        return FC_OK;
    }
#endif
    for (int i = 0; i < count; i++) {
        int xmin, taps;
        double center = place(first + i, in0, scale, support, in_size, &xmin, &taps);
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
