/* Benchmark driver: times libfastclip's stages on one image, single
 * threaded, and prints medians and 90th percentiles as JSON for bench.py,
 * which runs the Python reference in the same session.
 *
 *   fc_bench IMAGE [SIZE] [SECONDS_PER_STAGE]
 *
 * Stages: decode (bytes -> decoded image), resize+crop (fused: only the
 * crop's pixels are computed, so there is no separate crop cost), convert
 * (to RGB), normalize (ToTensor + Normalize), transform (the three after
 * decode) and whole (fc_preprocess_memory: bytes -> tensor). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/decode.h"
#include "fastclip.h"
#include "image/transform.h"
#include "image/normalize.h"
#include "image/to_rgb.h"
#include "timing.h"


typedef struct ctx {
    const uint8_t *data;
    size_t size;
    fc__image img, crop;
    uint8_t *rgb;
    float *out;
    fc__transform t;
} ctx;

typedef void (*stage_fn)(ctx *c);

static void st_decode(ctx *c)
{
    fc__decode_limits lim = {FC_DEFAULT_MAX_PIXELS};
    fc__image img;
    if (fc__decode(c->data, c->size, &lim, &img, NULL) == FC_OK) fc__image_free(&img);
}
static void st_resize(ctx *c)
{
    fc__image crop;
    if (fc__resize_crop(&c->img, c->t.n, c->t.order, &crop, NULL) == FC_OK)
        fc__image_free(&crop);
}
static void st_convert(ctx *c) { fc__crop_to_rgb(&c->crop, c->rgb); }
static void st_normalize(ctx *c) { fc__normalize(c->rgb, c->t.n, c->t.lut, c->out); }
static void st_transform(ctx *c) { fc__transform_image(&c->img, &c->t, c->out, NULL); }
static void st_whole(ctx *c)
{
    fc_preprocess_params p;
    fc_preprocess_params_init(&p, sizeof p);
    p.size = c->t.n;
    fc_preprocess_memory(c->data, c->size, &p, c->out, 3 * (size_t)c->t.n * c->t.n, NULL);
}

static void measure(const char *name, stage_fn fn, ctx *c, double budget, int last)
{
    enum { MAX_RUNS = 2000 };
    static double times[MAX_RUNS];
    int runs = 0;
    double start = now();
    fn(c); /* warm-up */
    while (runs < MAX_RUNS && (runs < 15 || now() - start < budget)) {
        double t0 = now();
        fn(c);
        times[runs++] = now() - t0;
    }
    qsort(times, (size_t)runs, sizeof times[0], cmp_double);
    printf("  \"%s\": {\"median_ms\": %.5f, \"p90_ms\": %.5f, \"runs\": %d}%s\n", name,
           times[runs / 2] * 1e3, times[runs * 9 / 10] * 1e3, runs, last ? "" : ",");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s IMAGE [SIZE] [SECONDS]\n", argv[0]);
        return 2;
    }
    ctx c;
    memset(&c, 0, sizeof c);
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) return 2;
    fseek(f, 0, SEEK_END);
    c.size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc(c.size);
    if (data == NULL || fread(data, 1, c.size, f) != c.size) return 2;
    fclose(f);
    c.data = data;
    c.t.n = argc > 2 ? atoi(argv[2]) : 224;
    c.t.order = FC_ORDER_PIL;
    double budget = argc > 3 ? atof(argv[3]) : 1.0;
    fc_preprocess_params p;
    fc_preprocess_params_init(&p, sizeof p);
    fc__normalize_table(p.mean, p.std, c.t.lut);
    fc__decode_limits lim = {FC_DEFAULT_MAX_PIXELS};
    fc_error err;
    if (fc__decode(c.data, c.size, &lim, &c.img, &err) != FC_OK ||
        fc__resize_crop(&c.img, c.t.n, c.t.order, &c.crop, &err) != FC_OK) {
        fprintf(stderr, "fc_bench: %s\n", err.message);
        return 1;
    }
    c.rgb = malloc((size_t)c.t.n * c.t.n * 3);
    c.out = malloc((size_t)c.t.n * c.t.n * 3 * sizeof(float));
    printf("{\n  \"mode\": \"%s\", \"width\": %d, \"height\": %d,\n",
           fc__mode_name(c.img.mode), c.img.width, c.img.height);
    measure("decode", st_decode, &c, budget, 0);
    measure("resize+crop", st_resize, &c, budget, 0);
    measure("convert", st_convert, &c, budget, 0);
    measure("normalize", st_normalize, &c, budget, 0);
    measure("transform", st_transform, &c, budget, 0);
    measure("whole", st_whole, &c, budget, 1);
    printf("}\n");
    fc__image_free(&c.crop);
    fc__image_free(&c.img);
    free(c.rgb);
    free(c.out);
    free(data);
    return 0;
}
