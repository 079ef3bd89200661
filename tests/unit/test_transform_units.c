/* Unit tests of the transform's building blocks against the test vectors
 * of docs/pil-exactness.md (computed there from Pillow itself). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "image/geometry.h"
#include "resample/resample.h"
#include "image/normalize.h"
#include "image/to_rgb.h"
#include "resample/windows.h"

static int fixed_equal(const fc__windows *w, int i, int start, int taps,
                       const int32_t *expect)
{
    if (w->start[i] != start || w->taps[i] != taps) return 0;
    return memcmp(w->fixed + (size_t)i * (size_t)w->ksize, expect,
                  (size_t)taps * sizeof *expect) == 0;
}

static void test_downscale_windows(void)
{
    fc__windows w;
    CHECK(fc__windows_bicubic(&w, 480, 224, 0, 224, NULL) == FC_OK);
    CHECK(w.ksize == 11);
    static const int32_t o0[] = {1785829, 1914588, 699776, -105122, -100768};
    static const int32_t o1[] = {-138588, 324709, 1503283, 1853763,
                                 819504,  -56123, -112245, 0};
    static const int32_t o2[] = {-31331, -145051, 193208, 1362902, 1937305,
                                 1011298, 0,      -129966, -4061};
    static const int32_t o223[] = {-100768, -105122, 699776, 1914588, 1785829};
    CHECK(fixed_equal(&w, 0, 0, 5, o0));
    CHECK(fixed_equal(&w, 1, 0, 8, o1));
    CHECK(fixed_equal(&w, 2, 1, 9, o2));
    CHECK(fixed_equal(&w, 223, 475, 5, o223));
    fc__windows_free(&w);

    /* A sub-range gives the same windows as the full axis. */
    CHECK(fc__windows_bicubic(&w, 480, 224, 222, 2, NULL) == FC_OK);
    CHECK(fixed_equal(&w, 1, 475, 5, o223));
    fc__windows_free(&w);
}

static void test_upscale_windows(void)
{
    fc__windows w;
    CHECK(fc__windows_bicubic(&w, 100, 224, 0, 224, NULL) == FC_OK);
    CHECK(w.ksize == 5);
    static const int32_t o0[] = {4589675, -395371};
    static const int32_t o1[] = {3706484, 535166, -47346};
    static const int32_t o223[] = {-395371, 4589675};
    CHECK(fixed_equal(&w, 0, 0, 2, o0));
    CHECK(fixed_equal(&w, 1, 0, 3, o1));
    CHECK(fixed_equal(&w, 223, 98, 2, o223));
    fc__windows_free(&w);
}

/* Pillow's precompute_coeffs for the bicubic filter, written out as
 * plainly as Resample.c does it (whole-axis box): the reference for
 * fc__windows_bicubic, whose vector path must give the same bits. */
static double ref_bicubic(double x)
{
    const double a = -0.5;
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

static int windows_match_pillow(int in_size, int out_size)
{
    fc__windows w;
    if (fc__windows_bicubic(&w, in_size, out_size, 0, out_size, NULL) != FC_OK) return 0;
    double scale = (double)((float)in_size - 0.0f) / (double)out_size;
    double filterscale = scale < 1.0 ? 1.0 : scale, support = 2.0 * filterscale;
    double ss = 1.0 / filterscale;
    int ok = w.ksize == (int)ceil(support) * 2 + 1;
    double k[128];
    for (int xx = 0; ok && xx < out_size; xx++) {
        double center = ((double)xx + 0.5) * scale, ww = 0.0;
        int xmin = (int)(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;
        ok = w.start[xx] == xmin && w.taps[xx] == xmax && xmax <= 128;
        for (int x = 0; ok && x < xmax; x++) {
            k[x] = ref_bicubic((x + xmin - center + 0.5) * ss);
            ww += k[x];
        }
        for (int x = 0; ok && x < w.ksize; x++) {
            double e = x >= xmax ? 0.0 : ww != 0.0 ? k[x] / ww : k[x];
            double f = e * (1 << FC__PRECISION_BITS);
            int32_t fe = x >= xmax ? 0 : (int32_t)(e < 0 ? f - 0.5 : f + 0.5);
            const double *g = w.weights + (size_t)xx * (size_t)w.ksize + x;
            ok = memcmp(&e, g, sizeof e) == 0 &&
                 w.fixed[(size_t)xx * (size_t)w.ksize + (size_t)x] == fe;
        }
    }
    /* A sub-range (the crop's windows) gives the same rows. */
    fc__windows part;
    int first = out_size / 3;
    if (ok && fc__windows_bicubic(&part, in_size, out_size, first, out_size - first,
                                  NULL) == FC_OK) {
        size_t cells = (size_t)(out_size - first) * (size_t)w.ksize;
        size_t at = (size_t)first * (size_t)w.ksize;
        ok = part.ksize == w.ksize &&
             memcmp(part.start, w.start + first, (size_t)part.count * sizeof *w.start) == 0 &&
             memcmp(part.taps, w.taps + first, (size_t)part.count * sizeof *w.taps) == 0 &&
             memcmp(part.weights, w.weights + at, cells * sizeof *w.weights) == 0 &&
             memcmp(part.fixed, w.fixed + at, cells * sizeof *w.fixed) == 0;
        fc__windows_free(&part);
    } else {
        ok = 0;
    }
    fc__windows_free(&w);
    return ok;
}

static void test_windows_against_pillow(void)
{
    /* CLIP's sizes, upscales, odd ratios, and downscales on both sides of
     * the vector path's limit (rows of at most 32 weights: 1680 -> 224 has
     * 31, 1000 -> 131 has 33). */
    static const int pairs[][2] = {
        {640, 337}, {425, 224}, {2162, 635}, {762, 224}, {100, 224}, {1, 224},
        {3, 224},   {225, 224}, {449, 224},  {1680, 224}, {1000, 131}, {1793, 224},
        {5000, 224}, {224, 223}, {97, 13},   {13, 97}};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
        CHECK(windows_match_pillow(pairs[i][0], pairs[i][1]));
    uint32_t seed = 99;
    int bad = 0;
    for (int trial = 0; trial < 300; trial++) {
        seed = seed * 1664525u + 1013904223u;
        int in = 1 + (int)(seed >> 8) % 3000;
        seed = seed * 1664525u + 1013904223u;
        int out = 1 + (int)(seed >> 8) % 400;
        /* Windows wider than 128 taps are outside this reference's buffer. */
        if ((double)in / out > 30.0) continue;
        bad += !windows_match_pillow(in, out);
    }
    CHECK(bad == 0);
}

static void test_geometry(void)
{
    fc__geometry g;
    CHECK(fc__geometry_plan(640, 480, 224, &g, NULL) == FC_OK);
    CHECK(g.out_w == 298 && g.out_h == 224 && g.left == 37 && g.top == 0 && g.resize);
    CHECK(fc__geometry_plan(480, 640, 224, &g, NULL) == FC_OK);
    CHECK(g.out_w == 224 && g.out_h == 298 && g.top == 37);
    CHECK(fc__geometry_plan(227, 229, 224, &g, NULL) == FC_OK);
    CHECK(g.out_w == 224 && g.out_h == 225 && g.top == 0);
    CHECK(fc__geometry_plan(100, 60, 224, &g, NULL) == FC_OK);
    CHECK(g.out_w == 373 && g.out_h == 224);
    CHECK(fc__geometry_plan(224, 500, 224, &g, NULL) == FC_OK);
    CHECK(!g.resize && g.top == 138);
    CHECK(fc__geometry_plan(224, 224, 224, &g, NULL) == FC_OK);
    CHECK(!g.resize && g.left == 0 && g.top == 0);
    /* Python's round(): halves go to the even neighbour. */
    static const int64_t d[] = {0, 1, 2, 3, 5, 7, 9, 11};
    static const int64_t want[] = {0, 0, 1, 2, 2, 4, 4, 6};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        CHECK(fc__round_half_even_half(d[i]) == want[i]);
    /* A side Pillow cannot allocate is an error, not a silent success. */
    CHECK(fc__geometry_plan(1, 20000000, 224, &g, NULL) == FC_ERR_TOO_LARGE);
}

static void test_nearest(void)
{
    /* Accumulated positions: compare with the straightforward loop. */
    int idx[300], all[700];
    fc__nearest_indices(123, 700, 0, 700, all);
    fc__nearest_indices(123, 700, 400, 300, idx);
    CHECK(memcmp(idx, all + 400, sizeof idx) == 0);
    int monotonic = 1, in_range = 1;
    for (int i = 1; i < 700; i++) monotonic &= all[i] >= all[i - 1];
    for (int i = 0; i < 700; i++) in_range &= all[i] >= 0 && all[i] < 123;
    CHECK(monotonic && in_range);
}

static void test_normalize_table(void)
{
    static const float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
    static const float std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
    float lut[3][256];
    fc__normalize_table(mean, std, lut);
    /* Endpoints from the spec (printed there to 8 significant digits). */
    CHECK(fabsf(lut[0][0] - -1.7922626f) < 1e-6f);
    CHECK(fabsf(lut[0][255] - 1.9303361f) < 1e-6f);
    CHECK(fabsf(lut[1][0] - -1.7520971f) < 1e-6f);
    CHECK(fabsf(lut[2][255] - 2.145897f) < 1e-6f);
    /* A true division by 255, not a multiplication by its reciprocal:
     * the two differ for v = 3 (and 125 other values). */
    volatile float by_div = 3.0f / 255.0f, by_mul = 3.0f * (1.0f / 255.0f);
    float expect = ((float)by_div - mean[0]) / std[0];
    CHECK(lut[0][3] == expect);
    (void)by_mul;
}

static void test_wide_rounding(void)
{
    /* I;16 clamps, I keeps the sign; both round halves away from zero. */
    fc__windows w;
    CHECK(fc__windows_identity(&w, 0, 2, NULL) == FC_OK);
    uint16_t in16[2] = {0, 65535}, out16[2];
    fc__resample_h_wide((const uint8_t *)in16, sizeof in16, FC__WIDE_U16, 1, &w,
                        (uint8_t *)out16, sizeof out16);
    CHECK(out16[0] == 0 && out16[1] == 65535);
    int32_t in32[2] = {-70000, 70000}, out32[2];
    fc__resample_h_wide((const uint8_t *)in32, sizeof in32, FC__WIDE_I32, 1, &w,
                        (uint8_t *)out32, sizeof out32);
    CHECK(out32[0] == -70000 && out32[1] == 70000);
    fc__windows_free(&w);
}

/* The vector lookups (where the CPU has them) give the table's floats bit
 * for bit: every (channel, value) pair, odd sizes, padded rows, and
 * tables from other means and deviations. */
static void test_normalize_lookup(void)
{
    static const int sizes[] = {1, 5, 21, 63, 64, 65, 100, 128, 224, 225};
    uint32_t seed = 12345;
    for (int trial = 0; trial < 4; trial++) {
        float mean[3], std[3], lut[3][256];
        for (int c = 0; c < 3; c++) {
            seed = seed * 1664525u + 1013904223u;
            mean[c] = (float)(seed >> 8) / 16777216.0f;
            seed = seed * 1664525u + 1013904223u;
            std[c] = 0.05f + (float)(seed >> 8) / 16777216.0f;
        }
        if (trial == 0) {
            static const float m0[3] = {0.48145466f, 0.4578275f, 0.40821073f};
            static const float s0[3] = {0.26862954f, 0.26130258f, 0.27577711f};
            memcpy(mean, m0, sizeof mean);
            memcpy(std, s0, sizeof std);
        }
        fc__normalize_table(mean, std, lut);
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
            int n = sizes[si];
            for (int pad = 0; pad < 2; pad++) {
                size_t stride = (size_t)n * 3 + (size_t)pad * 7;
                size_t plane = (size_t)n * (size_t)n;
                uint8_t *rgb = malloc(stride * (size_t)n);
                float *out = malloc(plane * 3 * sizeof *out);
                if (rgb == NULL || out == NULL) {
                    CHECK(0);
                    free(rgb);
                    free(out);
                    return;
                }
                for (size_t i = 0; i < stride * (size_t)n; i++) {
                    seed = seed * 1664525u + 1013904223u;
                    rgb[i] = (uint8_t)(i < 768 ? i : seed >> 24);
                }
                if (pad)
                    fc__normalize_rows(rgb, stride, n, lut, out);
                else
                    fc__normalize(rgb, n, lut, out);
                int bad = 0;
                for (int y = 0; y < n; y++)
                    for (int x = 0; x < n; x++)
                        for (int c = 0; c < 3; c++) {
                            float e = lut[c][rgb[(size_t)y * stride + (size_t)x * 3 + (size_t)c]];
                            float g = out[(size_t)c * plane + (size_t)y * (size_t)n + (size_t)x];
                            bad += memcmp(&e, &g, sizeof e) != 0;
                        }
                CHECK(bad == 0);
                free(rgb);
                free(out);
            }
        }
    }
}

/* The vertical 8-bit pass (whichever kernel the CPU gets) against Pillow's
 * loop: random bytes, random weights as large as the int32 sums allow, 1 to 18 taps, row
 * lengths with vector tails. */
static void test_vertical_pass(void)
{
    enum { ROWS = 24, MAXS = 203, OUT = 18, K = 18 };
    static uint8_t src[ROWS * MAXS], dst[OUT * MAXS];
    int start[OUT], taps[OUT];
    int32_t fixed[OUT * K];
    uint32_t seed = 777;
    for (int i = 0; i < ROWS * MAXS; i++) {
        seed = seed * 1664525u + 1013904223u;
        src[i] = (uint8_t)(seed >> 24);
    }
    for (int i = 0; i < OUT; i++) {
        taps[i] = i + 1;
        start[i] = (i * 5) % (ROWS - taps[i] + 1);
        for (int t = 0; t < K; t++) {
            seed = seed * 1664525u + 1013904223u;
            /* Any sum of taps[i] products stays inside int32, as
             * Pillow's accumulator does; one tap reaches past what
             * three base-256 digits can write. */
            int32_t lim = (int32_t)(2147483647u / (256u * (unsigned)taps[i])) - 1;
            int32_t v = (int32_t)(seed % (2u * (uint32_t)lim + 1u)) - lim;
            fixed[i * K + t] = t < taps[i] ? v / (t % 3 + 1) : 0;
        }
    }
    fc__windows w = {OUT, K, start, taps, NULL, fixed};
    static const int lens[] = {1, 15, 16, 63, 64, 65, 130, MAXS};
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
        int samples = lens[li];
        memset(dst, 0, sizeof dst);
        fc__resample_v8(src, MAXS, 1, samples, &w, dst, MAXS);
        int bad = 0;
        for (int i = 0; i < OUT; i++)
            for (int s = 0; s < samples; s++) {
                int64_t acc = 1 << (FC__PRECISION_BITS - 1);
                for (int t = 0; t < taps[i]; t++)
                    acc += (int64_t)src[(start[i] + t) * MAXS + s] * fixed[i * K + t];
                /* Pillow's accumulator is int32; these sums stay inside it. */
                int64_t v = acc >> FC__PRECISION_BITS;
                uint8_t e = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
                bad += dst[i * MAXS + s] != e;
            }
        CHECK(bad == 0);
    }
}

/* The horizontal 8-bit pass (whichever kernel the CPU gets: transposed
 * strips, or the VNNI gathers with their per-call tables) against Pillow's
 * loop: 1 to 4 channels, 1 to 30 taps (past the VNNI kernels' 24, and
 * windows longer than one 128-byte gather), random starts (windows out of
 * order, groups cut short), random weights as large as the int32 sums
 * allow (some past what three base-256 digits write), row counts and widths
 * with vector tails. */
static void test_horizontal_pass(void)
{
    enum { MAXW = 300, ROWS = 37, OUT = 41, K = 31 };
    static uint8_t src[ROWS * MAXW * 4], dst[ROWS * OUT * 4];
    static uint8_t scratch[(MAXW + OUT) * 4 * 16];
    int start[OUT], taps[OUT];
    static int32_t fixed[OUT * K];
    uint32_t seed = 4242;
    for (size_t i = 0; i < sizeof src; i++) {
        seed = seed * 1664525u + 1013904223u;
        src[i] = (uint8_t)(seed >> 24);
    }
    int bad = 0, cases = 0;
    for (int trial = 0; trial < 48; trial++) {
        int channels = 1 + trial % 4;
        seed = seed * 1664525u + 1013904223u;
        int maxtaps = trial < 30 ? 1 + trial % 10 : 1 + (int)(seed >> 8) % 30;
        seed = seed * 1664525u + 1013904223u;
        int width = maxtaps + (int)(seed >> 8) % (MAXW - maxtaps);
        seed = seed * 1664525u + 1013904223u;
        int count = 1 + (int)(seed >> 8) % OUT, rows = 1 + trial % ROWS;
        int ordered = trial % 3 != 0;
        /* Large weights where the windows are narrow, so that some go past
         * the digits' range; Pillow-sized ones (|w| < 2^23) otherwise. */
        int32_t lim = (int32_t)(2147483647u / (256u * (unsigned)maxtaps)) - 1;
        if (trial % 2 && lim > (1 << 23)) lim = 1 << 23;
        for (int i = 0; i < count; i++) {
            seed = seed * 1664525u + 1013904223u;
            taps[i] = maxtaps - (i % 3 == 1 ? (int)(seed >> 8) % maxtaps : 0);
            seed = seed * 1664525u + 1013904223u;
            int span = width - taps[i] + 1;
            start[i] = ordered ? (int)((int64_t)i * span / count) : (int)(seed >> 8) % span;
            for (int t = 0; t < K; t++) {
                seed = seed * 1664525u + 1013904223u;
                int32_t v = (int32_t)(seed % (2u * (uint32_t)lim + 1u)) - lim;
                fixed[i * K + t] = t < taps[i] ? v : 0;
            }
        }
        fc__windows w = {count, K, start, taps, NULL, fixed};
        size_t ss = (size_t)width * (size_t)channels + (size_t)(trial % 5);
        size_t ds = (size_t)count * (size_t)channels + (size_t)(trial % 7);
        memset(dst, 0xAB, sizeof dst);
        fc__resample_h8(src, ss, channels, rows, width, &w, dst, ds, scratch);
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < count; i++)
                for (int c = 0; c < channels; c++) {
                    int64_t acc = 1 << (FC__PRECISION_BITS - 1);
                    for (int t = 0; t < taps[i]; t++)
                        acc += (int64_t)src[(size_t)r * ss + (size_t)(start[i] + t) * (size_t)channels + (size_t)c] *
                               fixed[i * K + t];
                    int64_t v = acc >> FC__PRECISION_BITS;
                    uint8_t e = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
                    bad += dst[(size_t)r * ds + (size_t)i * (size_t)channels + (size_t)c] != e;
                }
        /* Bytes between rows (the destination's padding) stay untouched. */
        for (int r = 0; r + 1 < rows; r++)
            for (size_t b = (size_t)count * (size_t)channels; b < ds; b++)
                bad += dst[(size_t)r * ds + b] != 0xAB;
        cases++;
    }
    CHECK(cases == 48 && bad == 0);
}

int main(void)
{
    test_downscale_windows();
    test_upscale_windows();
    test_windows_against_pillow();
    test_geometry();
    test_nearest();
    test_normalize_table();
    test_normalize_lookup();
    test_vertical_pass();
    test_horizontal_pass();
    test_wide_rounding();
    return check_summary("transform units");
}
