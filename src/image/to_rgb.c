/* Pillow's convert("RGB"): one row of any decoded mode to packed RGB bytes. */
#include "image/to_rgb.h"

#include <string.h>

#include "image/premultiply.h"

static inline uint8_t unpremultiply(uint8_t c, uint8_t a)
{
    if (a == 255 || a == 0) return c;
    unsigned v = 255u * c / a;
    return (uint8_t)(v > 255 ? 255 : v);
}

static inline uint8_t clamp_i32(int32_t v)
{
    return (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : v);
}

/* Pillow converts F to RGB through L (f2l): clamp, then truncate. NaN
 * compares false both ways; Pillow's cast of it is undefined, x86 gives 0. */
static inline uint8_t f32_to_byte(float v)
{
    if (v <= 0.0f) return 0;
    if (v >= 255.0f) return 255;
    if (v != v) return 0;
    return (uint8_t)v;
}

static inline void put3(uint8_t *o, uint8_t r, uint8_t g, uint8_t b)
{
    o[0] = r;
    o[1] = g;
    o[2] = b;
}

/* One loop per mode, so that the common ones (RGB, L) run as plain copies. */
void fc__row_to_rgb(const fc__image *img, const uint8_t *in, int count,
                    uint8_t *o)
{
    int r = img->swap_rb ? 2 : 0, b = img->swap_rb ? 0 : 2;
    switch (img->mode) {
    case FC__MODE_RGB:
        if (!img->swap_rb) {
            memcpy(o, in, (size_t)count * 3);
            return;
        }
        for (int x = 0; x < count; x++, o += 3, in += 3) put3(o, in[r], in[1], in[b]);
        return;
    case FC__MODE_L:
        for (int x = 0; x < count; x++, o += 3) put3(o, in[x], in[x], in[x]);
        return;
    case FC__MODE_1:
        for (int x = 0; x < count; x++, o += 3) {
            uint8_t v = in[x] ? 255 : 0;
            put3(o, v, v, v);
        }
        return;
    case FC__MODE_P:
        for (int x = 0; x < count; x++, o += 3) {
            const uint8_t *e = img->palette + 3 * in[x];
            put3(o, e[0], e[1], e[2]);
        }
        return;
    case FC__MODE_LA:
        for (int x = 0; x < count; x++, o += 3, in += 2) {
            uint8_t v = img->premultiplied ? unpremultiply(in[0], in[1]) : in[0];
            put3(o, v, v, v);
        }
        return;
    case FC__MODE_RGBA:
        for (int x = 0; x < count; x++, o += 3, in += 4) {
            if (img->premultiplied)
                put3(o, unpremultiply(in[r], in[3]), unpremultiply(in[1], in[3]),
                     unpremultiply(in[b], in[3]));
            else
                put3(o, in[r], in[1], in[b]);
        }
        return;
    case FC__MODE_CMYK:
        for (int x = 0; x < count; x++, o += 3, in += 4) {
            int nk = 255 - in[3];
            for (int i = 0; i < 3; i++)
                o[i] = clamp_i32(nk - (int)fc__muldiv255(in[i], (unsigned)nk));
        }
        return;
    case FC__MODE_I16:
        for (int x = 0; x < count; x++, o += 3) {
            uint16_t v;
            memcpy(&v, in + 2 * x, sizeof v);
            uint8_t g = (uint8_t)(v > 255 ? 255 : v);
            put3(o, g, g, g);
        }
        return;
    case FC__MODE_I32:
        for (int x = 0; x < count; x++, o += 3) {
            int32_t v;
            memcpy(&v, in + 4 * x, sizeof v);
            uint8_t g = clamp_i32(v);
            put3(o, g, g, g);
        }
        return;
    case FC__MODE_F32:
        for (int x = 0; x < count; x++, o += 3) {
            float v;
            memcpy(&v, in + 4 * x, sizeof v);
            uint8_t g = f32_to_byte(v);
            put3(o, g, g, g);
        }
        return;
    }
}
