/* GIF, first frame only, decoded as Pillow 13's GifImagePlugin and its C
 * decoder (GifDecode.c) do.
 *
 * Mode: P with the frame's palette (the local one if present, else the
 * global one), or L when that palette is missing or is the identity grey
 * ramp (entry i is (i, i, i)), since Pillow then drops it. Indices are kept
 * as they are; palette entries past the file's palette are black.
 *
 * Geometry: the image is the logical screen, grown to hold the first frame
 * if the frame reaches past it. Pixels outside the frame are 0, or the
 * transparent index when the frame's graphic control extension sets one.
 *
 * The LZW decoder is our own rather than giflib's, because exactness covers
 * malformed streams too: Pillow rejects codes past the next table entry and
 * a first code above the clear code, ignores an end code while the file has
 * more data (it feeds its decoder 64 KiB at a time, and only runs out of data
 * at the end of the file), and reads code sizes up to 12 bits; giflib
 * decodes some of these streams to different pixels and rejects others that
 * Pillow decodes. */
#include "decode/decode.h"

#include <string.h>

#include "common/error.h"

#define GIF_TABLE 4096          /* LZW table entries (12-bit codes)      */
#define GIF_MAX_CODE_BITS 12    /* Pillow's limit on the minimum code size */
#define PIL_READ_CHUNK 65536    /* ImageFile.MAXBLOCK: Pillow's read size */

typedef struct gif_frame {
    int width;  /* the image: logical screen, grown to hold the frame */
    int height;
    unsigned x0, y0, x1, y1; /* the frame */
    int interlaced;
    int code_bits;           /* LZW minimum code size */
    int transparency;        /* -1: none */
    int local_table;         /* the frame has its own colour table */
    const uint8_t *palette;  /* NULL: mode L */
    size_t palette_bytes;
    size_t data_pos;         /* first LZW sub-block */
} gif_frame;

typedef struct gif_reader {
    const uint8_t *data;
    size_t size;
    size_t pos;
} gif_reader;

static unsigned u16le(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* ---- container ------------------------------------------------------------ */

/* Pillow's _is_palette_needed: false for the identity grey ramp. */
static int palette_needed(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i += 3) {
        if (i + 3 > len) return 1;
        if (p[i] != i / 3 || p[i + 1] != p[i] || p[i + 2] != p[i])
            return 1;
    }
    return 0;
}

/* A colour table of 2^bits entries; Pillow takes what the file holds. */
static const uint8_t *read_table(gif_reader *r, unsigned flags, size_t *len)
{
    size_t want = (size_t)3 << ((flags & 7) + 1);
    size_t have = r->size - r->pos;
    *len = want < have ? want : have;
    const uint8_t *table = r->data + r->pos;
    r->pos += *len;
    return table;
}

/* Pillow's data(): the next sub-block, or NULL at a terminator or at the
 * end of the file; a sub-block cut by the end of the file comes back short. */
static const uint8_t *sub_block(gif_reader *r, size_t *len)
{
    if (r->pos >= r->size || r->data[r->pos] == 0) {
        if (r->pos < r->size) r->pos++;
        return NULL;
    }
    size_t want = r->data[r->pos++], have = r->size - r->pos;
    *len = want < have ? want : have;
    const uint8_t *block = r->data + r->pos;
    r->pos += *len;
    return block;
}

/* An extension, skipped the way Pillow skips it. Only the graphic control
 * extension matters: its transparent index fills the background, and
 * Pillow fails on one too short for the fields it reads. After the first
 * sub-block (and, in a NETSCAPE2.0 block, the second) Pillow reads
 * sub-blocks until a terminator, even when what it has just read was the
 * terminator; comments alone stop at their terminator. */
static fc_status read_extension(gif_reader *r, gif_frame *f, fc_error *err)
{
    if (r->pos >= r->size)
        return fc__fail(err, FC_ERR_TRUNCATED, "gif: file ends in an extension");
    unsigned label = r->data[r->pos++];
    size_t len = 0;
    const uint8_t *block = sub_block(r, &len);
    if (label == 0xFE) {
        while (block != NULL && len > 0) block = sub_block(r, &len);
        return FC_OK;
    }
    if (label == 0xF9 && block != NULL) {
        if ((len > 0 && (block[0] & 1)) ? len < 4 : len < 3)
            return fc__fail(err, FC_ERR_CORRUPT, "gif: graphic control extension too short");
        if (block[0] & 1) f->transparency = block[3];
    }
    if (label == 0xFF && block != NULL && len >= 11 && memcmp(block, "NETSCAPE2.0", 11) == 0)
        (void)sub_block(r, &len);
    while (sub_block(r, &len) != NULL && len > 0) {
    }
    return FC_OK;
}

/* The image descriptor, the local colour table and the LZW code size. */
static fc_status read_descriptor(gif_reader *r, gif_frame *f, fc_error *err)
{
    if (r->size - r->pos < 9)
        return fc__fail(err, FC_ERR_TRUNCATED, "gif: file ends in an image descriptor");
    const uint8_t *d = r->data + r->pos;
    r->pos += 9;
    f->x0 = u16le(d);
    f->y0 = u16le(d + 2);
    f->x1 = f->x0 + u16le(d + 4);
    f->y1 = f->y0 + u16le(d + 6);
    f->interlaced = (d[8] & 0x40) != 0;
    if (d[8] & 0x80) {
        size_t len;
        f->local_table = 1;
        const uint8_t *table = read_table(r, d[8], &len);
        /* A local grey ramp means mode L, even with a global palette. */
        f->palette = palette_needed(table, len) ? table : NULL;
        f->palette_bytes = f->palette != NULL ? len : 0;
    }
    if (r->pos >= r->size)
        return fc__fail(err, FC_ERR_TRUNCATED, "gif: file ends before the image data");
    f->code_bits = r->data[r->pos++];
    f->data_pos = r->pos;
    return FC_OK;
}

/* Walks the blocks up to the first image. Like Pillow, skips bytes that
 * start no block. */
static fc_status find_first_frame(gif_reader *r, gif_frame *f, fc_error *err)
{
    for (;;) {
        if (r->pos >= r->size)
            return fc__fail(err, FC_ERR_TRUNCATED, "gif: file ends before the first image");
        uint8_t c = r->data[r->pos++];
        if (c == ';')
            return fc__fail(err, FC_ERR_CORRUPT, "gif: no image in the file");
        if (c == ',') return read_descriptor(r, f, err);
        if (c == '!') {
            fc_status st = read_extension(r, f, err);
            if (st != FC_OK) return st;
        }
    }
}

static fc_status parse(const uint8_t *data, size_t size, gif_frame *f,
                       fc_error *err)
{
    gif_reader r = {data, size, 13};
    memset(f, 0, sizeof *f);
    f->transparency = -1;
    if (size < 13)
        return fc__fail(err, FC_ERR_TRUNCATED, "gif: file ends in the header");
    const uint8_t *global = NULL;
    size_t global_len = 0;
    if (data[10] & 0x80) {
        global = read_table(&r, data[10], &global_len);
        if (!palette_needed(global, global_len)) global = NULL;
    }
    fc_status st = find_first_frame(&r, f, err);
    if (st != FC_OK) return st;
    if (!f->local_table) {
        f->palette = global;
        f->palette_bytes = global != NULL ? global_len : 0;
    }
    /* Pillow grows the image to hold a frame that reaches past the screen. */
    unsigned w = u16le(data + 6), h = u16le(data + 8);
    f->width = (int)(f->x1 > w ? f->x1 : w);
    f->height = (int)(f->y1 > h ? f->y1 : h);
    return FC_OK;
}

/* ---- LZW, as Pillow's GifDecode.c ------------------------------------------ */

typedef struct lzw_input {
    const uint8_t *data;
    size_t size;
    size_t pos;
    size_t fed;        /* how far Pillow has read the file so far */
    size_t block_left; /* bytes left in the current sub-block     */
    uint32_t bits;
    int bit_count;
} lzw_input;

/* Pillow hands its decoder the file in 64 KiB pieces and gives up when a
 * read returns nothing. Returns 0 when the file is exhausted. */
static int feed_more(lzw_input *in)
{
    if (in->fed == in->size) return 0;
    in->fed = in->size - in->fed > PIL_READ_CHUNK ? in->fed + PIL_READ_CHUNK
                                                  : in->size;
    return 1;
}

/* Next code of `code_size` bits. Pillow starts a sub-block only once all of
 * it has been read, and treats a zero-length sub-block as just that: the
 * code stream goes on past it. Returns 0 at the end of the file. */
static int read_code(lzw_input *in, int code_size, int *code)
{
    while (in->bit_count < code_size) {
        if (in->block_left > 0) {
            in->bits |= (uint32_t)in->data[in->pos++] << in->bit_count;
            in->bit_count += 8;
            in->block_left--;
            continue;
        }
        while (in->pos >= in->fed || in->fed - in->pos < 1u + in->data[in->pos])
            if (!feed_more(in)) return 0;
        in->block_left = in->data[in->pos++];
    }
    *code = (int)(in->bits & ((1u << code_size) - 1));
    in->bits >>= code_size;
    in->bit_count -= code_size;
    return 1;
}

/* Where decoded pixels go: the frame's rectangle, row by row or in the four
 * interlace passes (Pillow's NEWLINE). */
typedef struct lzw_output {
    fc__image *img;
    int x0, y0, width, height;
    int x, y;
    int step;
    int pass; /* interlace pass still to start after this one; 0: none */
} lzw_output;

/* Stores one pixel; returns 1 once the frame is complete. */
static int put_pixel(lzw_output *o, uint8_t v)
{
    fc__image_row(o->img, o->y0 + o->y)[o->x0 + o->x] = v;
    if (++o->x < o->width) return 0;
    o->x = 0;
    o->y += o->step;
    while (o->y >= o->height) {
        switch (o->pass) {
        case 1: o->y = 4; o->pass = 2; break;
        case 2: o->y = 2; o->step = 4; o->pass = 3; break;
        case 3: o->y = 1; o->step = 2; o->pass = 0; break;
        default: return 1;
        }
    }
    return 0;
}

typedef struct lzw_table {
    int clear, end, next;
    int code_size;
    int first;     /* the next code is the first after a clear code */
    int last_code;
    uint8_t last_first_byte;
    uint16_t link[GIF_TABLE];
    uint8_t suffix[GIF_TABLE];
    uint8_t stack[GIF_TABLE];
} lzw_table;

static void lzw_reset(lzw_table *t, int code_bits)
{
    t->next = t->clear + 2;
    t->code_size = code_bits + 1;
    t->first = 1;
}

/* Expands code c (not clear, not end) onto t->stack, last byte first, and
 * grows the table. Returns the stack depth, or -1 for a broken stream. */
static int lzw_expand(lzw_table *t, int c)
{
    int this_code = c, n = 0;
    if (c > t->next) return -1;
    if (c == t->next) { /* the code being defined: last string + its first byte */
        t->stack[n++] = t->last_first_byte;
        c = t->last_code;
    }
    while (c >= t->clear) {
        if (n >= GIF_TABLE || c >= GIF_TABLE) return -1;
        t->stack[n++] = t->suffix[c];
        c = t->link[c];
    }
    t->last_first_byte = (uint8_t)c;
    if (t->next < GIF_TABLE) {
        t->suffix[t->next] = (uint8_t)c;
        t->link[t->next] = (uint16_t)t->last_code;
        if (t->next == (1 << t->code_size) - 1 && t->code_size < GIF_MAX_CODE_BITS)
            t->code_size++;
        t->next++;
    }
    t->last_code = this_code;
    return n;
}

/* Decodes one code's pixels. Returns 1 when the frame is complete, 0 to go
 * on, -1 for a broken stream. */
static int lzw_step(lzw_table *t, lzw_output *o, int c)
{
    if (t->first) {
        if (c > t->clear) return -1;
        t->last_code = c;
        t->last_first_byte = (uint8_t)c;
        t->first = 0;
        return put_pixel(o, (uint8_t)c);
    }
    int n = lzw_expand(t, c);
    if (n < 0) return -1;
    if (put_pixel(o, t->last_first_byte)) return 1;
    while (n > 0)
        if (put_pixel(o, t->stack[--n])) return 1;
    return 0;
}

static fc_status decode_lzw(const uint8_t *data, size_t size, const gif_frame *f,
                            fc__image *img, fc_error *err)
{
    lzw_table t;
    lzw_input in = {data, size, f->data_pos, 0, 0, 0, 0};
    lzw_output o = {img, (int)f->x0, (int)f->y0, (int)(f->x1 - f->x0),
                    (int)(f->y1 - f->y0), 0, 0, f->interlaced ? 8 : 1,
                    f->interlaced ? 1 : 0};
    if (f->code_bits > GIF_MAX_CODE_BITS)
        return fc__fail(err, FC_ERR_CORRUPT, "gif: LZW code size %d over 12", f->code_bits);
    memset(&t, 0, sizeof t);
    in.fed = f->data_pos;
    feed_more(&in);
    t.clear = 1 << f->code_bits;
    t.end = t.clear + 1;
    lzw_reset(&t, f->code_bits);
    for (;;) {
        int c, done;
        if (!read_code(&in, t.code_size, &c))
            return fc__fail(err, FC_ERR_TRUNCATED, "gif: image data is truncated");
        if (c == t.clear) {
            lzw_reset(&t, f->code_bits);
            continue;
        }
        /* Pillow stops at an end code and resumes with its next read: the
         * end code only ends the data at the end of the file. */
        if (c == t.end) {
            if (!feed_more(&in))
                return fc__fail(err, FC_ERR_TRUNCATED,
                                "gif: image data ends before the frame is full");
            continue;
        }
        if ((done = lzw_step(&t, &o, c)) < 0)
            return fc__fail(err, FC_ERR_CORRUPT, "gif: broken LZW data");
        if (done) return FC_OK;
    }
}

/* ---- entry point ------------------------------------------------------------ */

fc_status fc__decode_gif(const uint8_t *data, size_t size,
                         const fc__decode_limits *limits, fc__image *img,
                         fc_error *err)
{
    gif_frame f;
    memset(img, 0, sizeof *img);
    fc_status st = parse(data, size, &f, err);
    if (st != FC_OK) return st;
    if (f.x1 <= f.x0 || f.y1 <= f.y0)
        return fc__fail(err, FC_ERR_CORRUPT, "gif: the first frame is empty");
    fc__mode mode = f.palette != NULL ? FC__MODE_P : FC__MODE_L;
    st = fc__image_alloc(img, f.width, f.height, mode, limits->max_pixels, "gif", err);
    if (st != FC_OK) return st;
    size_t entries = f.palette_bytes / 3 < 256 ? f.palette_bytes / 3 : 256;
    if (f.palette != NULL) memcpy(img->palette, f.palette, entries * 3);
    memset(img->owned, f.transparency >= 0 ? f.transparency : 0,
           (size_t)f.width * (size_t)f.height);
    st = decode_lzw(data, size, &f, img, err);
    if (st != FC_OK) fc__image_free(img);
    return st;
}
