/* Truevision TGA, decoded as Pillow 13's TgaImagePlugin does.
 *
 * TGA has no signature. Pillow accepts a header when the colour map type is
 * 0 or 1, both sizes are non-zero, the depth is 1, 8, 16, 24 or 32 and the
 * image type is 1, 2, 3, 9, 10 or 11; anything else is "not a TGA file",
 * for which we return FC_ERR_UNKNOWN_FORMAT so that the caller can report
 * unrecognised data.
 *
 * Modes: grey types are L ("1" at depth 1, LA at depth 16); colour-mapped
 * types are P (L without a colour map, which Pillow then fails to load);
 * true colour is RGB at depth 24 and RGBA otherwise. 16-bit true colour is
 * Pillow's "BGRA;15Z": 5-bit channels scaled by 255/31, and alpha 255 when
 * the top bit is clear, 0 when it is set; a TGA 2.0 footer whose extension
 * area says "no alpha" sets alpha to 255, as Pillow does for every RGBA TGA.
 * RLE packets follow Pillow's decoder: literal packets may run on into the
 * next row, repeat packets may not (Pillow reports an overrun).
 *
 * stb_image is not used: it expands colour maps (losing mode P), decodes
 * truncated files without complaint and treats 16-bit alpha differently. */
#include "decode/decode.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define TGA_HEADER 18
#define TGA_FOOTER 26 /* TGA 2.0 footer: extension offset, developer offset, signature */

typedef enum tga_unpack {
    UNPACK_BYTES, /* P, L, LA: bytes copied as they are              */
    UNPACK_BIT,   /* "1": one bit per pixel, set -> 255              */
    UNPACK_BGR,   /* 24-bit BGR                                     */
    UNPACK_BGRA,  /* 32-bit BGRA                                    */
    UNPACK_15Z    /* 16-bit x1r5g5b5, alpha from the inverted top bit */
} tga_unpack;

typedef struct tga_info {
    int width;
    int height;
    unsigned id_length;
    unsigned map_type;
    unsigned image_type;
    unsigned depth;
    int top_down;
    int flip_horizontally;
    fc__mode mode;
    tga_unpack unpack;
    unsigned unpack_bits;
    size_t palette_entries; /* entries Pillow would put; 0 without a map */
    size_t pos;             /* start of the pixel data                   */
} tga_info;

static unsigned u16le(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

static uint8_t scale5(unsigned v) { return (uint8_t)((v & 31) * 255 / 31); }

/* ---- header ---------------------------------------------------------------- */

/* Pillow's identification checks; failing them means "not a TGA". */
static int plausible(const uint8_t *h, size_t size)
{
    if (size < TGA_HEADER) return 0;
    unsigned depth = h[16], type = h[2];
    if (h[1] > 1 || u16le(h + 12) == 0 || u16le(h + 14) == 0) return 0;
    if (depth != 1 && depth != 8 && depth != 16 && depth != 24 && depth != 32)
        return 0;
    return type == 1 || type == 2 || type == 3 || type == 9 || type == 10 ||
           type == 11;
}

static fc__mode pillow_mode(const tga_info *ti)
{
    switch (ti->image_type & 7) {
    case 3:
        return ti->depth == 1 ? FC__MODE_1
               : ti->depth == 16 ? FC__MODE_LA : FC__MODE_L;
    case 1: return ti->map_type ? FC__MODE_P : FC__MODE_L;
    default: return ti->depth == 24 ? FC__MODE_RGB : FC__MODE_RGBA;
    }
}

static void set_unpack(tga_info *ti, tga_unpack unpack, unsigned bits)
{
    ti->unpack = unpack;
    ti->unpack_bits = bits;
}

/* Pillow's MODES table (image type without RLE bit, depth) -> rawmode.
 * Combinations it lacks, or whose rawmode does not fit the mode (a
 * colour-mapped type without a map), cannot be loaded. */
static fc_status choose_unpack(tga_info *ti, fc_error *err)
{
    unsigned type = ti->image_type & 7, d = ti->depth;
    if (type == 1 && d == 8 && ti->mode == FC__MODE_P) set_unpack(ti, UNPACK_BYTES, 8);
    else if (type == 3 && d == 1) set_unpack(ti, UNPACK_BIT, 1);
    else if (type == 3 && (d == 8 || d == 16)) set_unpack(ti, UNPACK_BYTES, d);
    else if (type == 2 && d == 16) set_unpack(ti, UNPACK_15Z, 16);
    else if (type == 2 && d == 24) set_unpack(ti, UNPACK_BGR, 24);
    else if (type == 2 && d == 32) set_unpack(ti, UNPACK_BGRA, 32);
    else
        return fc__fail(err, FC_ERR_UNSUPPORTED,
                        "tga: image type %u with depth %u (and colour map type "
                        "%u) is not supported",
                        ti->image_type, d, ti->map_type);
    return FC_OK;
}

static void palette_entry(unsigned map_depth, const uint8_t *in, uint8_t *rgb)
{
    if (map_depth == 16) {
        unsigned p = u16le(in);
        rgb[0] = scale5(p >> 10);
        rgb[1] = scale5(p >> 5);
        rgb[2] = scale5(p);
    } else { /* BGR or BGRA */
        rgb[0] = in[2];
        rgb[1] = in[1];
        rgb[2] = in[0];
    }
}

/* Pillow builds the palette from `first` black entries followed by the
 * entries the file holds (as many as it has, if it ends early). */
static fc_status read_palette(const uint8_t *data, size_t size, tga_info *ti,
                              uint8_t palette[768], fc_error *err)
{
    const uint8_t *h = data;
    unsigned first = u16le(h + 3), count = u16le(h + 5), map_depth = h[7];
    if (map_depth == 15)
        return fc__fail(err, FC_ERR_UNSUPPORTED, "tga: 15-bit colour maps are not supported");
    if (map_depth != 16 && map_depth != 24 && map_depth != 32)
        return fc__fail(err, FC_ERR_UNKNOWN_FORMAT, "tga: unknown colour map depth");
    size_t entry = map_depth / 8;
    size_t bytes = min_size((size_t)count * entry, size - ti->pos);
    const uint8_t *in = data + ti->pos;
    ti->pos += bytes;
    ti->palette_entries = first + bytes / entry;
    for (size_t i = first; i < ti->palette_entries && i < 256; i++)
        palette_entry(map_depth, in + (i - first) * entry, palette + 3 * i);
    return FC_OK;
}

/* Pillow hands every image with a colour map its palette when loading, which
 * fails for "1", RGB and RGBA images and for more than 256 entries. */
static fc_status check_palette(const tga_info *ti, fc_error *err)
{
    if (ti->map_type == 0) return FC_OK;
    if (ti->mode != FC__MODE_P && ti->mode != FC__MODE_L && ti->mode != FC__MODE_LA)
        return fc__fail(err, FC_ERR_UNSUPPORTED,
                        "tga: %s image with a colour map is not supported",
                        fc__mode_name(ti->mode));
    if (ti->palette_entries > 256)
        return fc__fail(err, FC_ERR_CORRUPT, "tga: colour map of %zu entries, over 256",
                        ti->palette_entries);
    return FC_OK;
}

static fc_status parse_header(const uint8_t *data, size_t size, tga_info *ti,
                              uint8_t palette[768], fc_error *err)
{
    memset(ti, 0, sizeof *ti);
    if (!plausible(data, size))
        return fc__fail(err, FC_ERR_UNKNOWN_FORMAT, "tga: not a TGA file");
    ti->id_length = data[0];
    ti->map_type = data[1];
    ti->image_type = data[2];
    ti->width = (int)u16le(data + 12);
    ti->height = (int)u16le(data + 14);
    ti->depth = data[16];
    ti->top_down = (data[17] & 0x20) != 0;
    ti->flip_horizontally = (data[17] & 0x10) != 0;
    ti->mode = pillow_mode(ti);
    ti->pos = TGA_HEADER + min_size(ti->id_length, size - TGA_HEADER);
    fc_status st = FC_OK;
    if (ti->map_type) st = read_palette(data, size, ti, palette, err);
    if (st == FC_OK) st = choose_unpack(ti, err);
    if (st == FC_OK) st = check_palette(ti, err);
    return st;
}

/* ---- pixels ------------------------------------------------------------------ */

static void unpack_row(const tga_info *ti, const uint8_t *in, uint8_t *out,
                       int width)
{
    size_t w = (size_t)width;
    switch (ti->unpack) {
    case UNPACK_BYTES: memcpy(out, in, w * ti->unpack_bits / 8); break;
    case UNPACK_BIT:
        for (size_t x = 0; x < w; x++)
            out[x] = (in[x >> 3] >> (7 - (x & 7)) & 1) ? 255 : 0;
        break;
    case UNPACK_BGR:
    case UNPACK_BGRA: {
        size_t n = ti->unpack_bits / 8;
        for (size_t x = 0; x < w; x++, in += n, out += n) {
            out[0] = in[2];
            out[1] = in[1];
            out[2] = in[0];
            if (n == 4) out[3] = in[3];
        }
        break;
    }
    case UNPACK_15Z:
        for (size_t x = 0; x < w; x++, in += 2, out += 4) {
            unsigned p = u16le(in);
            out[0] = scale5(p >> 10);
            out[1] = scale5(p >> 5);
            out[2] = scale5(p);
            out[3] = (p & 0x8000) ? 0 : 255;
        }
        break;
    }
}

static size_t row_bytes(const tga_info *ti)
{
    return ((size_t)ti->width * ti->unpack_bits + 7) / 8;
}

/* File row `r` (in file order) goes to this image row. */
static uint8_t *dest_row(const tga_info *ti, fc__image *img, int r)
{
    return fc__image_row(img, ti->top_down ? r : img->height - 1 - r);
}

static fc_status decode_raw(const uint8_t *data, size_t size, const tga_info *ti,
                            fc__image *img, fc_error *err)
{
    size_t rb = row_bytes(ti);
    if ((uint64_t)rb * (uint64_t)ti->height > size - ti->pos)
        return fc__fail(err, FC_ERR_TRUNCATED, "tga: image data is truncated");
    for (int r = 0; r < ti->height; r++)
        unpack_row(ti, data + ti->pos + (size_t)r * rb, dest_row(ti, img, r),
                   ti->width);
    return FC_OK;
}

/* Pillow's TGA RLE decoder works on one row buffer of `bytes` bytes. */
typedef struct rle_state {
    const uint8_t *data;
    size_t size;
    size_t pos;
    uint8_t *row;
    size_t bytes; /* bytes per row                          */
    size_t x;     /* bytes of the current row filled so far */
    int rows;     /* rows completed                         */
} rle_state;

/* Adds n bytes to the current row; returns 1 once the image is complete. */
static int rle_advance(rle_state *s, const tga_info *ti, fc__image *img, size_t n)
{
    s->x += n;
    if (s->x < s->bytes) return 0;
    unpack_row(ti, s->row, dest_row(ti, img, s->rows), ti->width);
    s->x = 0;
    return ++s->rows == ti->height;
}

/* A literal packet of n bytes: what does not fit the row runs on into the
 * following rows. Returns 1 once the image is complete. */
static int rle_literal(rle_state *s, const tga_info *ti, fc__image *img, size_t n)
{
    const uint8_t *in = s->data + s->pos + 1;
    s->pos += 1 + n;
    for (;;) {
        size_t k = min_size(n, s->bytes - s->x);
        memcpy(s->row + s->x, in, k);
        in += k;
        n -= k;
        if (rle_advance(s, ti, img, k)) return 1;
        if (n == 0) return 0;
    }
}

static fc_status decode_rle(const uint8_t *data, size_t size, const tga_info *ti,
                            fc__image *img, fc_error *err)
{
    size_t depth = ti->depth / 8; /* 0 at depth 1: no packet makes progress */
    rle_state s = {data, size, ti->pos, malloc(row_bytes(ti)), row_bytes(ti), 0, 0};
    if (s.row == NULL)
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "tga: out of memory");
    fc_status st = FC_OK;
    for (int done = 0; !done;) {
        if (s.pos >= size) {
            st = fc__fail(err, FC_ERR_TRUNCATED, "tga: image data is truncated");
            break;
        }
        uint8_t head = data[s.pos];
        size_t n = depth * ((head & 0x7Fu) + 1);
        if (size - s.pos < 1 + ((head & 0x80) ? depth : n)) {
            st = fc__fail(err, FC_ERR_TRUNCATED, "tga: image data is truncated");
            break;
        }
        if (!(head & 0x80)) {
            done = rle_literal(&s, ti, img, n);
            continue;
        }
        if (s.x + n > s.bytes) {
            st = fc__fail(err, FC_ERR_CORRUPT, "tga: RLE run crosses a row end");
            break;
        }
        for (size_t i = 0; i < n; i += depth) memcpy(s.row + s.x + i, data + s.pos + 1, depth);
        s.pos += 1 + depth;
        done = rle_advance(&s, ti, img, n);
    }
    free(s.row);
    return st;
}

/* ---- after decoding ---------------------------------------------------------- */

/* Pillow reads the 26-byte TGA 2.0 footer of every RGBA image; an extension
 * area whose attributes type (byte 494) is 0 means "no alpha". In a file
 * shorter than a footer, Pillow's seek to 26 bytes before the end fails for
 * a file on disk but stops at the start of an in-memory file; we decode
 * memory, so we do the latter. */
static void apply_footer(const uint8_t *data, size_t size, fc__image *img)
{
    static const char signature[18] = "TRUEVISION-XFILE.";
    const uint8_t *f = data + (size > TGA_FOOTER ? size - TGA_FOOTER : 0);
    if (size < sizeof signature ||
        memcmp(data + size - sizeof signature, signature, sizeof signature) != 0)
        return;
    uint64_t ext = (uint64_t)f[0] | (uint64_t)f[1] << 8 | (uint64_t)f[2] << 16 |
                   (uint64_t)f[3] << 24;
    if (ext == 0 || ext + 494 >= size || data[ext + 494] != 0) return;
    size_t n = (size_t)img->width * (size_t)img->height;
    uint8_t *p = (uint8_t *)img->owned;
    for (size_t i = 0; i < n; i++) p[4 * i + 3] = 255;
}

static void flip_horizontally(fc__image *img)
{
    size_t bpp = fc__mode_bytes_per_pixel(img->mode);
    for (int y = 0; y < img->height; y++) {
        uint8_t *row = fc__image_row(img, y);
        for (size_t l = 0, r = (size_t)img->width - 1; l < r; l++, r--)
            for (size_t c = 0; c < bpp; c++) {
                uint8_t t = row[l * bpp + c];
                row[l * bpp + c] = row[r * bpp + c];
                row[r * bpp + c] = t;
            }
    }
}

fc_status fc__decode_tga(const uint8_t *data, size_t size,
                         const fc__decode_limits *limits, fc__image *img,
                         fc_error *err)
{
    tga_info ti;
    uint8_t palette[768] = {0};
    memset(img, 0, sizeof *img);
    fc_status st = parse_header(data, size, &ti, palette, err);
    if (st == FC_OK)
        st = fc__image_alloc(img, ti.width, ti.height, ti.mode,
                             limits->max_pixels, "tga", err);
    if (st != FC_OK) return st;
    if (ti.mode == FC__MODE_P) memcpy(img->palette, palette, sizeof palette);
    st = (ti.image_type & 8) ? decode_rle(data, size, &ti, img, err)
                             : decode_raw(data, size, &ti, img, err);
    if (st == FC_OK && ti.mode == FC__MODE_RGBA) apply_footer(data, size, img);
    if (st == FC_OK && ti.flip_horizontally) flip_horizontally(img);
    if (st != FC_OK) fc__image_free(img);
    return st;
}
