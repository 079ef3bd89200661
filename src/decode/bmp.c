/* Windows and OS/2 bitmaps, decoded as Pillow 13's BmpImagePlugin does.
 *
 * Modes: 1/4/8-bit files are P, except that a palette equal to Pillow's
 * grey ramp makes them "1" (up to 2 colours: black, white) or L (entry i is
 * (i, i, i)). 16 and 24-bit files are RGB; 32-bit files are RGB (the
 * fourth byte ignored) unless BI_BITFIELDS masks include alpha or are all
 * zero, which makes them RGBA. Only Pillow's bit-field layouts are read:
 * 5-5-5 and 5-6-5 at 16 bits, BGR at 24, eight byte orders at 32.
 * RLE8/RLE4 follow Pillow's Python RLE decoder, quirks included (runs
 * clipped at the row end, absolute runs that spill into the next row, word
 * alignment measured from the start of the file, and an error when the
 * data ends before the image is full).
 *
 * stb_image is not used: it expands palettes (losing mode P/1/L), decodes
 * truncated files without complaint, and lacks RLE. */
#include "decode/decode.h"

#include <limits.h>
#include <string.h>

#include "common/error.h"

enum {
    BMP_RAW = 0,
    BMP_RLE8 = 1,
    BMP_RLE4 = 2,
    BMP_BITFIELDS = 3,
    BMP_MAX_COLORS = 65536
};

/* How Pillow's raw unpacker for the chosen rawmode reads one row. */
typedef enum bmp_unpack {
    UNPACK_BIT,     /* "1": one bit per pixel, set -> 255                   */
    UNPACK_INDEX1,  /* "P;1": one bit per pixel, as an index                 */
    UNPACK_INDEX4,  /* "P;4": high nibble first                              */
    UNPACK_BYTE,    /* "P" or "L": one byte per pixel                        */
    UNPACK_555,     /* "BGR;15": 16-bit little-endian x1r5g5b5               */
    UNPACK_565,     /* "BGR;16": 16-bit little-endian r5g6b5                 */
    UNPACK_CHANNELS /* 3 or 4 bytes per pixel, channels at byte positions    */
} bmp_unpack;

typedef struct bmp_info {
    uint64_t offset;      /* bfOffBits, after Pillow's palette adjustment  */
    uint32_t header_size;
    uint64_t width;
    uint64_t height;
    int top_down;
    unsigned bits;
    uint32_t compression;
    uint64_t colors;
    unsigned padding;     /* bytes per palette entry: 3 (OS/2 v1) or 4      */
    uint32_t mask[4];     /* BI_BITFIELDS red, green, blue, alpha            */
    size_t pos;           /* where Pillow's file pointer stands              */
    /* The decision, made as Pillow makes it: */
    fc__mode mode;
    bmp_unpack unpack;
    unsigned unpack_bits; /* bits per pixel the unpacker consumes            */
    int8_t channel[4];    /* UNPACK_CHANNELS: byte of R, G, B, A (-1: none)  */
} bmp_info;

static uint32_t u16le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static size_t bytes_after(size_t size, uint64_t pos)
{
    return pos < size ? size - (size_t)pos : 0;
}

/* ---- headers ------------------------------------------------------------- */

static void parse_core_header(const uint8_t *h, bmp_info *bi)
{
    bi->width = u16le(h);
    bi->height = u16le(h + 2);
    bi->bits = u16le(h + 6);
    bi->compression = BMP_RAW;
    bi->padding = 3;
}

/* BITMAPINFOHEADER and its successors (and OS/2 2.x, read the same way). A
 * height whose top byte is 0xFF is a top-down image, as in Pillow; other
 * "negative" heights read as huge positive ones. */
static fc_status parse_info_header(const uint8_t *data, size_t size,
                                   const uint8_t *h, bmp_info *bi,
                                   fc_error *err)
{
    uint32_t raw_height = u32le(h + 4);
    bi->top_down = h[7] == 0xFF;
    bi->width = u32le(h);
    bi->height = bi->top_down ? 0x100000000ull - raw_height : raw_height;
    bi->bits = u16le(h + 10);
    bi->compression = u32le(h + 12);
    bi->colors = u32le(h + 28);
    bi->padding = 4;
    if (bi->compression != BMP_BITFIELDS) return FC_OK;
    size_t len = bi->header_size - 4;
    if (len >= 48) {
        for (int i = 0; i < 3; i++) bi->mask[i] = u32le(h + 36 + 4 * i);
        bi->mask[3] = len >= 52 ? u32le(h + 48) : 0;
        return FC_OK;
    }
    /* A 40-byte header keeps its three masks right after it. */
    if (bytes_after(size, bi->pos) < 12)
        return fc__fail(err, FC_ERR_TRUNCATED, "bmp: file ends in the colour masks");
    for (int i = 0; i < 3; i++) bi->mask[i] = u32le(data + bi->pos + 4 * i);
    bi->mask[3] = 0;
    bi->pos += 12;
    return FC_OK;
}

static fc_status parse_headers(const uint8_t *data, size_t size, bmp_info *bi,
                               fc_error *err)
{
    memset(bi, 0, sizeof *bi);
    if (size < 18)
        return fc__fail(err, FC_ERR_TRUNCATED, "bmp: file ends in the header");
    bi->offset = u32le(data + 10);
    bi->header_size = u32le(data + 14);
    /* Pillow reads the whole declared header before looking at its size. */
    size_t rest = bi->header_size > 4 ? bi->header_size - 4 : 0;
    if (rest > size - 18)
        return fc__fail(err, FC_ERR_TRUNCATED, "bmp: file ends in the header");
    bi->pos = 18 + rest;
    const uint8_t *h = data + 18;
    switch (bi->header_size) {
    case 12: parse_core_header(h, bi); break;
    case 40: case 52: case 56: case 64: case 108: case 124:
        return parse_info_header(data, size, h, bi, err);
    default:
        return fc__fail(err, FC_ERR_UNSUPPORTED,
                        "bmp: unsupported header size %u", bi->header_size);
    }
    return FC_OK;
}

/* ---- the mode and the unpacker ------------------------------------------- */

static void set_format(bmp_info *bi, fc__mode mode, bmp_unpack unpack,
                       unsigned unpack_bits)
{
    bi->mode = mode;
    bi->unpack = unpack;
    bi->unpack_bits = unpack_bits;
}

/* Pillow's default rawmode per bit depth (BIT2MODE). */
static fc_status default_format(bmp_info *bi, fc_error *err)
{
    static const int8_t bgr[4] = {2, 1, 0, -1};
    memcpy(bi->channel, bgr, sizeof bgr);
    switch (bi->bits) {
    case 1: set_format(bi, FC__MODE_P, UNPACK_INDEX1, 1); break;
    case 4: set_format(bi, FC__MODE_P, UNPACK_INDEX4, 4); break;
    case 8: set_format(bi, FC__MODE_P, UNPACK_BYTE, 8); break;
    case 16: set_format(bi, FC__MODE_RGB, UNPACK_555, 16); break;
    case 24: set_format(bi, FC__MODE_RGB, UNPACK_CHANNELS, 24); break;
    case 32: set_format(bi, FC__MODE_RGB, UNPACK_CHANNELS, 32); break;
    default:
        return fc__fail(err, FC_ERR_UNSUPPORTED,
                        "bmp: unsupported bit depth %u", bi->bits);
    }
    return FC_OK;
}

/* Byte position of a one-byte mask inside a little-endian 32-bit word. */
static int8_t mask_byte(uint32_t mask)
{
    for (int8_t i = 0; i < 4; i++)
        if (mask == 0xFFu << (8 * i)) return i;
    return -1;
}

/* The 32-bit masks Pillow accepts. All are byte aligned, so each is a byte
 * order; an all-zero set means BGRA. */
static int accepted_mask32(const uint32_t m[4])
{
    static const uint32_t ok[8][4] = {
        {0xFF0000, 0xFF00, 0xFF, 0},          {0xFF000000, 0xFF0000, 0xFF00, 0},
        {0xFF000000, 0xFF00, 0xFF, 0},        {0xFF000000, 0xFF0000, 0xFF00, 0xFF},
        {0xFF, 0xFF00, 0xFF0000, 0xFF000000}, {0xFF0000, 0xFF00, 0xFF, 0xFF000000},
        {0xFF000000, 0xFF00, 0xFF, 0xFF0000}, {0, 0, 0, 0}};
    for (int i = 0; i < 8; i++)
        if (memcmp(m, ok[i], sizeof ok[i]) == 0) return 1;
    return 0;
}

static fc_status bitfields_format(bmp_info *bi, fc_error *err)
{
    const uint32_t *m = bi->mask;
    if (bi->bits == 32 && accepted_mask32(m)) {
        for (int i = 0; i < 4; i++) bi->channel[i] = mask_byte(m[i]);
        bi->mode = m[3] != 0 ? FC__MODE_RGBA : FC__MODE_RGB;
        return FC_OK;
    }
    if (bi->bits == 24 && m[0] == 0xFF0000 && m[1] == 0xFF00 && m[2] == 0xFF)
        return FC_OK;
    if (bi->bits == 16 && m[0] == 0xF800 && m[1] == 0x7E0 && m[2] == 0x1F) {
        bi->unpack = UNPACK_565;
        return FC_OK;
    }
    if (bi->bits == 16 && m[0] == 0x7C00 && m[1] == 0x3E0 && m[2] == 0x1F)
        return FC_OK;
    return fc__fail(err, FC_ERR_UNSUPPORTED, "bmp: unsupported bitfields layout");
}

static fc_status choose_format(bmp_info *bi, fc_error *err)
{
    fc_status st = default_format(bi, err);
    if (st != FC_OK) return st;
    switch (bi->compression) {
    case BMP_RAW:
    case BMP_RLE8:
    case BMP_RLE4: return FC_OK;
    case BMP_BITFIELDS:
        if (bi->bits == 32 && bi->mask[0] == 0 && bi->mask[1] == 0 &&
            bi->mask[2] == 0 && bi->mask[3] == 0) {
            static const int8_t bgra[4] = {2, 1, 0, 3};
            memcpy(bi->channel, bgra, sizeof bgra);
            bi->mode = FC__MODE_RGBA;
            return FC_OK;
        }
        return bitfields_format(bi, err);
    default:
        return fc__fail(err, FC_ERR_UNSUPPORTED,
                        "bmp: unsupported compression %u", bi->compression);
    }
}

/* ---- the palette -------------------------------------------------------- */

/* Pillow drops the palette when entry i is (i, i, i) for every i (for two
 * colours: black then white), comparing only the bytes the file holds. */
static int grey_palette(const uint8_t *pal, size_t len, const bmp_info *bi)
{
    for (uint64_t i = 0; i < bi->colors; i++) {
        uint8_t v = bi->colors == 2 ? (i ? 255 : 0) : (uint8_t)i;
        uint64_t at = i * bi->padding;
        if (at + 3 > len || pal[at] != v || pal[at + 1] != v || pal[at + 2] != v)
            return 0;
    }
    return 1;
}

static fc_status read_palette(const uint8_t *data, size_t size, bmp_info *bi,
                              uint8_t palette[768], fc_error *err)
{
    if (bi->colors == 0 || bi->colors > BMP_MAX_COLORS)
        return fc__fail(err, FC_ERR_UNSUPPORTED,
                        "bmp: unsupported palette size %llu",
                        (unsigned long long)bi->colors);
    size_t len = bytes_after(size, bi->pos);
    if (len > bi->padding * bi->colors) len = bi->padding * bi->colors;
    const uint8_t *pal = data + bi->pos;
    bi->pos += len;
    if (grey_palette(pal, len, bi)) {
        if (bi->colors <= 2)
            set_format(bi, FC__MODE_1, UNPACK_BIT, 1);
        else
            set_format(bi, FC__MODE_L, UNPACK_BYTE, 8);
        return FC_OK;
    }
    size_t entries = len / bi->padding;
    if (entries > 256)
        return fc__fail(err, FC_ERR_CORRUPT,
                        "bmp: palette of %zu colours, over 256", entries);
    for (size_t i = 0; i < entries; i++) {
        const uint8_t *bgr = pal + i * bi->padding;
        palette[3 * i] = bgr[2];
        palette[3 * i + 1] = bgr[1];
        palette[3 * i + 2] = bgr[0];
    }
    return FC_OK;
}

/* ---- uncompressed pixels ---------------------------------------------------- */

static uint8_t scale5(uint32_t v) { return (uint8_t)((v & 31) * 255 / 31); }
static uint8_t scale6(uint32_t v) { return (uint8_t)((v & 63) * 255 / 63); }

static void unpack_16(const bmp_info *bi, const uint8_t *in, uint8_t *out,
                      int width)
{
    for (int x = 0; x < width; x++, in += 2, out += 3) {
        uint32_t p = u16le(in);
        if (bi->unpack == UNPACK_565) {
            out[0] = scale5(p >> 11);
            out[1] = scale6(p >> 5);
        } else {
            out[0] = scale5(p >> 10);
            out[1] = scale5(p >> 5);
        }
        out[2] = scale5(p);
    }
}

static void unpack_channels(const bmp_info *bi, const uint8_t *in,
                            uint8_t *out, int width)
{
    size_t in_px = bi->unpack_bits / 8, out_px = bi->mode == FC__MODE_RGBA ? 4 : 3;
    for (int x = 0; x < width; x++, in += in_px, out += out_px)
        for (size_t c = 0; c < out_px; c++) out[c] = in[bi->channel[c]];
}

static void unpack_row(const bmp_info *bi, const uint8_t *in, uint8_t *out,
                       int width)
{
    switch (bi->unpack) {
    case UNPACK_BIT:
        for (int x = 0; x < width; x++)
            out[x] = (in[x >> 3] >> (7 - (x & 7)) & 1) ? 255 : 0;
        break;
    case UNPACK_INDEX1:
        for (int x = 0; x < width; x++) out[x] = in[x >> 3] >> (7 - (x & 7)) & 1;
        break;
    case UNPACK_INDEX4:
        for (int x = 0; x < width; x++)
            out[x] = (x & 1) ? in[x >> 1] & 15 : in[x >> 1] >> 4;
        break;
    case UNPACK_BYTE: memcpy(out, in, (size_t)width); break;
    case UNPACK_555:
    case UNPACK_565: unpack_16(bi, in, out, width); break;
    case UNPACK_CHANNELS: unpack_channels(bi, in, out, width); break;
    }
}

/* Pillow's raw decoder: rows of the unpacker's size, `stride` bytes apart
 * (the file's 4-byte aligned rows, measured with the file's bit depth even
 * when Pillow picked an unpacker of another depth); the last row's padding
 * may be missing. */
static fc_status decode_raw(const uint8_t *data, size_t size, uint64_t start,
                            const bmp_info *bi, fc__image *img, fc_error *err)
{
    uint64_t w = (uint64_t)img->width, h = (uint64_t)img->height;
    uint64_t row_bytes = (w * bi->unpack_bits + 7) / 8;
    uint64_t stride = ((w * bi->bits + 31) >> 3) & ~(uint64_t)3;
    if (stride < row_bytes)
        return fc__fail(err, FC_ERR_CORRUPT,
                        "bmp: rows too short for the pixel format");
    if ((h - 1) * stride + row_bytes > bytes_after(size, start))
        return fc__fail(err, FC_ERR_TRUNCATED, "bmp: image data is truncated");
    for (uint64_t r = 0; r < h; r++) {
        int y = bi->top_down ? (int)r : (int)(h - 1 - r);
        unpack_row(bi, data + start + r * stride, fc__image_row(img, y), img->width);
    }
    return FC_OK;
}

/* ---- RLE8 / RLE4 -------------------------------------------------------------- */

/* Pillow's BmpRleDecoder state: `out` is the image in file row order, `x`
 * the column as the decoder counts it (it can run past the row). */
typedef struct rle_state {
    const uint8_t *data;
    size_t size;
    uint64_t pos;
    uint8_t *out;
    size_t len;
    size_t total;
    size_t width;
    size_t x;
    int rle4;
    int eof; /* the data ran out before the image was full */
} rle_state;

static void rle_encoded(rle_state *s, size_t n, uint8_t value)
{
    if (s->x + n > s->width) n = s->x < s->width ? s->width - s->x : 0;
    for (size_t i = 0; i < n; i++)
        s->out[s->len++] = !s->rle4 ? value : (i & 1) ? value & 15 : value >> 4;
    s->x += n;
}

/* Absolute run. Returns 0 when the decoder stops (data ended, image full). */
static int rle_absolute(rle_state *s, size_t n)
{
    size_t count = s->total - s->len < n ? s->total - s->len : n;
    size_t want = s->rle4 ? (count + 1) / 2 : count;
    size_t got = bytes_after(s->size, s->pos);
    if (got > want) got = want;
    const uint8_t *in = s->data + s->pos;
    for (size_t i = 0; i < got; i++) {
        if (!s->rle4) {
            s->out[s->len++] = in[i];
            continue;
        }
        s->out[s->len++] = in[i] >> 4;
        if (i * 2 + 1 < count) s->out[s->len++] = in[i] & 15;
    }
    s->pos += got;
    if (got < want) s->eof = 1;
    if (got < want || s->len == s->total) return 0;
    s->x += n;
    if (s->pos % 2 != 0) s->pos++; /* Pillow aligns on the file position */
    return 1;
}

static void rle_zeros(rle_state *s, size_t n)
{
    memset(s->out + s->len, 0, n);
    s->len += n;
}

/* One escape (a zero count byte). Returns 0 when the decoder stops. */
static int rle_escape(rle_state *s, uint8_t code)
{
    if (code == 0) { /* end of line */
        rle_zeros(s, (s->width - s->len % s->width) % s->width);
        s->x = 0;
        return 1;
    }
    if (code == 1) return 0; /* end of bitmap */
    if (code == 2) {         /* delta */
        if (bytes_after(s->size, s->pos) < 2) {
            s->eof = 1;
            return 0;
        }
        uint64_t skip = s->data[s->pos] + (uint64_t)s->data[s->pos + 1] * s->width;
        s->pos += 2;
        rle_zeros(s, skip < s->total - s->len ? (size_t)skip : s->total - s->len);
        s->x = s->len % s->width;
        return 1;
    }
    return rle_absolute(s, code);
}

static fc_status decode_rle(const uint8_t *data, size_t size, uint64_t start,
                            const bmp_info *bi, fc__image *img, fc_error *err)
{
    if (bi->mode != FC__MODE_P && bi->mode != FC__MODE_L && bi->mode != FC__MODE_1)
        return fc__fail(err, FC_ERR_UNSUPPORTED,
                        "bmp: RLE compression with %u bits per pixel", bi->bits);
    rle_state s = {data, size, start, (uint8_t *)img->owned, 0,
                   (size_t)img->width * (size_t)img->height, (size_t)img->width,
                   0, bi->compression == BMP_RLE4, 0};
    while (s.len < s.total) {
        if (bytes_after(size, s.pos) < 2) {
            s.eof = 1;
            break;
        }
        uint8_t count = data[s.pos], value = data[s.pos + 1];
        s.pos += 2;
        if (count != 0)
            rle_encoded(&s, count, value);
        else if (!rle_escape(&s, value))
            break;
    }
    if (s.len < s.total)
        return fc__fail(err, s.eof ? FC_ERR_TRUNCATED : FC_ERR_CORRUPT,
                        "bmp: RLE data ends before the image is complete");
    return FC_OK;
}

/* The RLE output is in file row order: flip it for bottom-up files, and
 * map mode "1" bytes as Pillow's "L" unpacker for that mode does. */
static void flip_rows(fc__image *img)
{
    size_t w = (size_t)img->width;
    for (int top = 0, bottom = img->height - 1; top < bottom; top++, bottom--) {
        uint8_t *a = fc__image_row(img, top), *b = fc__image_row(img, bottom);
        for (size_t x = 0; x < w; x++) {
            uint8_t t = a[x];
            a[x] = b[x];
            b[x] = t;
        }
    }
}

static void finish_rle(const bmp_info *bi, fc__image *img)
{
    size_t w = (size_t)img->width;
    if (!bi->top_down) flip_rows(img);
    if (bi->mode == FC__MODE_1) {
        uint8_t *p = (uint8_t *)img->owned;
        for (size_t i = 0; i < w * (size_t)img->height; i++) p[i] = p[i] ? 255 : 0;
    }
}

/* ---- entry point ----------------------------------------------------------- */

static fc_status allocate(const bmp_info *bi, const fc__decode_limits *limits,
                          fc__image *img, fc_error *err)
{
    if (bi->width == 0 || bi->height == 0)
        return fc__fail(err, FC_ERR_CORRUPT, "bmp: invalid image size %llux%llu",
                        (unsigned long long)bi->width,
                        (unsigned long long)bi->height);
    if (bi->width > INT_MAX || bi->height > INT_MAX)
        return fc__fail(err, FC_ERR_TOO_LARGE,
                        "bmp: image is %llux%llu, over the pixel limit",
                        (unsigned long long)bi->width,
                        (unsigned long long)bi->height);
    return fc__image_alloc(img, (int)bi->width, (int)bi->height, bi->mode,
                           limits->max_pixels, "bmp", err);
}

/* Header, mode and palette, in Pillow's order (which decides which error a
 * doubly broken file gets). Fills `palette` for mode P. */
static fc_status parse_all(const uint8_t *data, size_t size, bmp_info *bi,
                           uint8_t palette[768], fc_error *err)
{
    fc_status st = parse_headers(data, size, bi, err);
    if (st != FC_OK) return st;
    if (bi->colors == 0 && bi->bits <= 32) bi->colors = 1ull << bi->bits;
    /* A pixel offset pointing right after the header means "after the
     * palette" to Pillow. */
    if (bi->offset == 14ull + bi->header_size && bi->bits <= 8)
        bi->offset += bi->padding * bi->colors;
    if ((st = choose_format(bi, err)) != FC_OK) return st;
    if (bi->mode == FC__MODE_P) return read_palette(data, size, bi, palette, err);
    return FC_OK;
}

fc_status fc__decode_bmp(const uint8_t *data, size_t size,
                         const fc__decode_limits *limits, fc__image *img,
                         fc_error *err)
{
    bmp_info bi;
    uint8_t palette[768] = {0};
    memset(img, 0, sizeof *img);
    if (size < 2 || data[0] != 'B' || data[1] != 'M')
        return fc__fail(err, FC_ERR_UNKNOWN_FORMAT, "bmp: not a BMP file");
    fc_status st = parse_all(data, size, &bi, palette, err);
    if (st == FC_OK) st = allocate(&bi, limits, img, err);
    if (st != FC_OK) return st;
    if (bi.mode == FC__MODE_P) memcpy(img->palette, palette, sizeof palette);
    uint64_t start = bi.offset != 0 ? bi.offset : bi.pos;
    if (bi.compression == BMP_RLE8 || bi.compression == BMP_RLE4) {
        st = decode_rle(data, size, start, &bi, img, err);
        if (st == FC_OK) finish_rle(&bi, img);
    } else {
        st = decode_raw(data, size, start, &bi, img, err);
    }
    if (st != FC_OK) fc__image_free(img);
    return st;
}
