/* PNG decoder: libpng for the pixels, Pillow's rules for everything else.
 *
 * Pillow does not use libpng. PngImagePlugin walks the chunks in Python
 * and inflates the image data with its own decoder, so to match
 * Image.open(f).load() we follow its steps:
 *
 *  1. _open: chunks up to the first IDAT, each CRC-checked, with Pillow's
 *     checks on the few chunks it parses (pil_open_walk).
 *  2. load: the image data, as load_read collects it from consecutive
 *     IDAT (or fdAT/DDAT) chunks without checking their CRCs. libpng's
 *     push reader inflates and unfilters it with no transformations, and
 *     we convert each raw row to Pillow's mode (store_row). The image is
 *     done when its last row is; the rest of the stream (Adler-32, extra
 *     data) is never looked at.
 *  3. load_end: the chunks after the image up to IEND, where Pillow fails
 *     on a chunk cut short and on the same malformed chunks as in step 1
 *     (pil_after_image).
 *
 * libpng never sees the file's own chunks: it gets an IHDR rebuilt from
 * what Pillow read, a black palette for palette images (we take PLTE as
 * Pillow does) and the image data in IDAT chunks of our making. Its
 * stricter chunk rules (names, lengths, CRCs, order, APNG) thus cannot
 * reject a file Pillow opens. */
#include "decode/decode.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <png.h>

#include "common/error.h"

/* ---- bytes and chunks ------------------------------------------------------ */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static int type_is(const uint8_t *type, const char *name)
{
    return memcmp(type, name, 4) == 0;
}

/* Pillow's is_cid: four of [A-Za-z0-9_] (libpng is stricter). */
static int valid_chunk_type(const uint8_t *t)
{
    for (int i = 0; i < 4; i++) {
        uint8_t c = t[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '_';
        if (!ok) return 0;
    }
    return 1;
}

/* CRC-32 as PNG (and zlib) define it, four bits at a time. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    static const uint32_t nibble[16] = {
        0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4,
        0x4DB26158, 0x5005713C, 0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C,
        0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C};
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ nibble[crc & 15];
        crc = (crc >> 4) ^ nibble[crc & 15];
    }
    return ~crc;
}

/* ---- Pillow's view of the chunks ------------------------------------------ */

/* What Pillow's PngStream has learned so far. */
typedef struct pil_png {
    int have_ihdr;
    uint32_t width, height;
    int depth, color_type, interlaced;
    int mode_known; /* the last IHDR had a valid depth/colour type */
    fc__mode mode;
    /* The last PLTE seen while the mode was P. */
    const uint8_t *palette;
    uint32_t palette_len;
    int have_palette;
    /* APNG (acTL / fcTL / fdAT) */
    int have_frames;
    uint32_t n_frames;
    int have_seq;
    uint32_t seq;
    int have_bbox;
    uint64_t bbox[4];
    size_t first_idat; /* offset of the first image data chunk */
} pil_png;

static int pillow_mode(int depth, int color_type, fc__mode *mode)
{
    switch (color_type << 8 | depth) {
    case 0x001: *mode = FC__MODE_1; return 1;
    case 0x002:
    case 0x004:
    case 0x008: *mode = FC__MODE_L; return 1;
    case 0x010: *mode = FC__MODE_I16; return 1;
    case 0x208:
    case 0x210: *mode = FC__MODE_RGB; return 1;
    case 0x301:
    case 0x302:
    case 0x304:
    case 0x308: *mode = FC__MODE_P; return 1;
    case 0x408: *mode = FC__MODE_LA; return 1;
    case 0x410:
    case 0x608:
    case 0x610: *mode = FC__MODE_RGBA; return 1;
    default: return 0;
    }
}

static fc_status corrupt(fc_error *err, const char *what)
{
    return fc__fail(err, FC_ERR_CORRUPT, "png: corrupt: %s", what);
}

static fc_status pil_ihdr(pil_png *st, const uint8_t *s, uint32_t len,
                          fc_error *err)
{
    if (len < 13) return corrupt(err, "IHDR chunk too short");
    st->have_ihdr = 1;
    st->width = be32(s);
    st->height = be32(s + 4);
    /* An unknown combination keeps the previous mode, as in Pillow. */
    if (pillow_mode(s[8], s[9], &st->mode)) {
        st->mode_known = 1;
        st->depth = s[8];
        st->color_type = s[9];
    }
    if (s[12]) st->interlaced = 1;
    if (s[11]) return corrupt(err, "unknown filter method in IHDR");
    return FC_OK;
}

static fc_status pil_trns(const pil_png *st, uint32_t len, fc_error *err)
{
    if (!st->mode_known || st->mode == FC__MODE_P) return FC_OK;
    uint32_t need = st->mode == FC__MODE_RGB ? 6 : 2;
    int checked = st->mode == FC__MODE_1 || st->mode == FC__MODE_L ||
                  st->mode == FC__MODE_I16 || st->mode == FC__MODE_RGB;
    return checked && len < need ? corrupt(err, "tRNS chunk too short")
                                 : FC_OK;
}

/* iCCP and zTXt: Pillow refuses compression methods other than 0. */
static fc_status pil_iccp(const uint8_t *s, uint32_t len, fc_error *err)
{
    const uint8_t *nul = memchr(s, 0, len);
    size_t at = nul ? (size_t)(nul - s) + 1 : 0;
    if (at >= len) return corrupt(err, "iCCP chunk too short");
    return s[at] != 0 ? corrupt(err, "unknown compression method in iCCP")
                      : FC_OK;
}

static fc_status pil_ztxt(const uint8_t *s, uint32_t len, fc_error *err)
{
    const uint8_t *nul = memchr(s, 0, len);
    if (nul == NULL || nul + 1 >= s + len) return FC_OK;
    return nul[1] != 0 ? corrupt(err, "unknown compression method in zTXt")
                       : FC_OK;
}

static void pil_actl(pil_png *st, const uint8_t *s)
{
    uint32_t n = be32(s);
    if (st->have_frames)
        st->have_frames = 0; /* a second acTL: "Invalid APNG" */
    else if (n != 0 && n <= 0x80000000u) {
        st->have_frames = 1;
        st->n_frames = n;
    }
}

/* The sequence number check shared by fcTL and fdAT. */
static fc_status pil_sequence(pil_png *st, uint32_t seq, int first_may_be_0,
                              fc_error *err)
{
    int ok = st->have_seq ? (int64_t)st->seq == (int64_t)seq - 1
                          : first_may_be_0 && seq == 0;
    if (!ok) return corrupt(err, "APNG frame sequence error");
    st->have_seq = 1;
    st->seq = seq;
    return FC_OK;
}

static fc_status pil_fctl(pil_png *st, const uint8_t *s, fc_error *err)
{
    fc_status rc = pil_sequence(st, be32(s), 1, err);
    if (rc != FC_OK) return rc;
    if (!st->have_ihdr) return corrupt(err, "APNG frame before IHDR");
    uint64_t w = be32(s + 4), h = be32(s + 8);
    uint64_t x = be32(s + 12), y = be32(s + 16);
    if (x + w > st->width || y + h > st->height)
        return corrupt(err, "APNG frame outside the image");
    st->have_bbox = 1;
    st->bbox[0] = x;
    st->bbox[1] = y;
    st->bbox[2] = x + w;
    st->bbox[3] = y + h;
    return FC_OK;
}

/* Minimum lengths of chunks Pillow reads fixed fields from. */
static uint32_t pil_min_length(const uint8_t *type)
{
    static const struct {
        char name[5];
        uint32_t min;
    } table[] = {{"gAMA", 4}, {"cHRM", 32}, {"sRGB", 1},
                 {"pHYs", 9}, {"acTL", 8},  {"fcTL", 26}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (type_is(type, table[i].name)) return table[i].min;
    return 0;
}

/* Pillow's handler for one complete chunk other than IDAT, fdAT and IEND:
 * what it raises on, and what it records. */
static fc_status pil_chunk(pil_png *st, const uint8_t *type, const uint8_t *s,
                           uint32_t len, fc_error *err)
{
    if (len < pil_min_length(type)) {
        char what[40];
        snprintf(what, sizeof what, "%.4s chunk too short", (const char *)type);
        return corrupt(err, what);
    }
    if (type_is(type, "IHDR")) return pil_ihdr(st, s, len, err);
    if (type_is(type, "PLTE") && st->mode_known && st->mode == FC__MODE_P) {
        st->palette = s;
        st->palette_len = len;
        st->have_palette = 1;
    }
    if (type_is(type, "tRNS")) return pil_trns(st, len, err);
    if (type_is(type, "iCCP")) return pil_iccp(s, len, err);
    if (type_is(type, "zTXt")) return pil_ztxt(s, len, err);
    if (type_is(type, "acTL")) pil_actl(st, s);
    if (type_is(type, "fcTL")) return pil_fctl(st, s, err);
    return FC_OK;
}

/* IDAT (or fdAT) reached: Pillow decodes it into the last fcTL's frame
 * rectangle. */
static fc_status pil_idat_found(pil_png *st, size_t pos, fc_error *err)
{
    st->first_idat = pos;
    if (st->have_bbox &&
        (st->bbox[0] != 0 || st->bbox[1] != 0 || st->bbox[2] != st->width ||
         st->bbox[3] != st->height))
        return fc__fail(err, FC_ERR_UNSUPPORTED,
                        "png: unsupported: APNG default image smaller than the "
                        "canvas (malformed APNG)");
    return FC_OK;
}

/* PngImagePlugin._open: chunks up to the first IDAT. */
static fc_status pil_open_walk(const uint8_t *data, size_t size, pil_png *st,
                               fc_error *err)
{
    size_t pos = 8;
    for (;;) {
        if (size - pos < 8)
            return fc__fail(err, FC_ERR_TRUNCATED,
                            "png: truncated: file ends before the image data");
        uint32_t len = be32(data + pos);
        const uint8_t *type = data + pos + 4;
        if (!valid_chunk_type(type)) return corrupt(err, "invalid chunk type");
        if (type_is(type, "IDAT")) return pil_idat_found(st, pos, err);
        if (type_is(type, "IEND")) return corrupt(err, "no image data (IDAT)");
        if (type_is(type, "fdAT")) { /* a malformed APNG: so be it */
            if (len < 4) return corrupt(err, "fdAT chunk too short");
            if (size - pos - 8 < 4)
                return fc__fail(err, FC_ERR_TRUNCATED,
                                "png: truncated: file ends inside an fdAT "
                                "chunk");
            fc_status rc = pil_sequence(st, be32(data + pos + 8), 0, err);
            return rc != FC_OK ? rc : pil_idat_found(st, pos, err);
        }
        if (size - pos - 8 < len)
            return fc__fail(err, FC_ERR_TRUNCATED,
                            "png: truncated: file ends inside the %.4s chunk",
                            (const char *)type);
        const uint8_t *s = data + pos + 8;
        fc_status rc = pil_chunk(st, type, s, len, err);
        if (rc != FC_OK) return rc;
        size_t crc_at = pos + 8 + len;
        if (size - crc_at < 4)
            return fc__fail(err, FC_ERR_TRUNCATED,
                            "png: truncated: file ends inside the %.4s chunk",
                            (const char *)type);
        if (crc32_update(crc32_update(0, type, 4), s, len) != be32(data + crc_at))
            return fc__fail(err, FC_ERR_CORRUPT,
                            "png: corrupt: bad CRC in the %.4s chunk",
                            (const char *)type);
        pos = crc_at + 4;
    }
}

/* Pillow's is_animated, as known when the first frame is loaded. */
static int pil_animated(const pil_png *st)
{
    if (!st->have_frames) return 0;
    /* Without an fcTL before IDAT the default image is an extra frame. */
    return (uint64_t)st->n_frames + (st->have_bbox ? 0 : 1) > 1;
}

/* One chunk after the image, as PngImageFile.load_end treats it. Sets
 * *stop when Pillow stops reading there. */
static fc_status pil_after_chunk(pil_png *st, const uint8_t *data, size_t size,
                                 size_t pos, int *stop, fc_error *err)
{
    uint32_t len = be32(data + pos);
    const uint8_t *type = data + pos + 4;
    size_t avail = size - pos - 8;
    *stop = !valid_chunk_type(type) || type_is(type, "IEND") ||
            (type_is(type, "fcTL") && pil_animated(st));
    if (*stop) return FC_OK;
    if (type_is(type, "fdAT")) {
        if (len < 4) return corrupt(err, "fdAT chunk too short");
        if (avail >= 4) {
            fc_status rc = pil_sequence(st, be32(data + pos + 8), 0, err);
            if (rc != FC_OK) return rc;
        }
    }
    if (avail < len)
        return fc__fail(err, FC_ERR_TRUNCATED,
                        "png: truncated: file ends inside the %.4s chunk after "
                        "the image data",
                        (const char *)type);
    if (type_is(type, "IDAT") || type_is(type, "fdAT")) return FC_OK;
    return pil_chunk(st, type, data + pos + 8, len, err);
}

/* PngImageFile.load_end, from the end of the IDAT chunk's data at `pos`:
 * each chunk's CRC is skipped, not checked. */
static fc_status pil_after_image(pil_png *st, const uint8_t *data, size_t size,
                                 size_t pos, fc_error *err)
{
    for (;;) {
        if (pos >= size || size - pos < 4 + 8) return FC_OK;
        pos += 4;
        int stop = 0;
        fc_status rc = pil_after_chunk(st, data, size, pos, &stop, err);
        if (rc != FC_OK || stop) return rc;
        pos += 8 + (size_t)be32(data + pos);
    }
}

/* ---- pixels ---------------------------------------------------------------------- */

typedef struct png_job {
    const uint8_t *data;
    size_t size;
    pil_png *pil;
    fc__image *img;
    fc_error *err;
    png_structp png;
    png_infop info;
    uint64_t rows_left; /* rows (of all passes) still to come */
    size_t chunk_end;   /* end of the data of the chunk being fed */
    int done;           /* every row stored; `status` is the verdict */
    fc_status status;
    char message[160];
} png_job;

/* Samples below 8 bits, one byte per pixel: 1-bit grey is mode "1"
 * (0/255), 2- and 4-bit grey are scaled by bit replication, palette
 * indices stay as they are. */
static void store_packed(const png_job *job, const uint8_t *src, uint8_t *dst,
                         uint32_t x0, uint32_t dx, uint32_t count)
{
    int depth = job->pil->depth;
    unsigned mask = (1u << depth) - 1;
    unsigned scale = job->pil->color_type == 3 ? 1 : 255 / mask;
    for (uint32_t i = 0; i < count; i++) {
        size_t bit = (size_t)i * (size_t)depth;
        unsigned v = src[bit >> 3] >> (8 - depth - (bit & 7)) & mask;
        dst[x0 + (size_t)i * dx] = (uint8_t)(v * scale);
    }
}

/* 8-bit samples are Pillow's pixels as they are. */
static void store_8(const uint8_t *src, uint8_t *dst, size_t bpp, uint32_t x0,
                    uint32_t dx, uint32_t count)
{
    if (dx == 1) {
        memcpy(dst + x0 * bpp, src, (size_t)count * bpp);
        return;
    }
    for (uint32_t i = 0; i < count; i++)
        memcpy(dst + (x0 + (size_t)i * dx) * bpp, src + i * bpp, bpp);
}

/* 16-bit samples: grey keeps all 16 bits (I;16, native order); colour
 * keeps the high byte; grey+alpha becomes RGBA (Pillow's LA;16B). */
static void store_16(const png_job *job, const uint8_t *src, uint8_t *dst,
                     uint32_t x0, uint32_t dx, uint32_t count)
{
    int ct = job->pil->color_type;
    for (uint32_t i = 0; i < count; i++) {
        size_t x = x0 + (size_t)i * dx;
        if (ct == 0) {
            uint16_t v = (uint16_t)(src[2 * i] << 8 | src[2 * i + 1]);
            memcpy(dst + 2 * x, &v, 2);
        } else if (ct == 2) {
            for (int c = 0; c < 3; c++) dst[3 * x + c] = src[6 * i + 2 * c];
        } else if (ct == 4) {
            uint8_t g = src[4 * i];
            dst[4 * x] = dst[4 * x + 1] = dst[4 * x + 2] = g;
            dst[4 * x + 3] = src[4 * i + 2];
        } else {
            for (int c = 0; c < 4; c++) dst[4 * x + c] = src[8 * i + 2 * c];
        }
    }
}

static void store_row(const png_job *job, const uint8_t *src, uint32_t y,
                      uint32_t x0, uint32_t dx, uint32_t count)
{
    uint8_t *dst = fc__image_row(job->img, (int)y);
    if (job->pil->depth < 8)
        store_packed(job, src, dst, x0, dx, count);
    else if (job->pil->depth == 8)
        store_8(src, dst, fc__mode_bytes_per_pixel(job->img->mode), x0, dx,
                count);
    else
        store_16(job, src, dst, x0, dx, count);
}

/* Rows the push reader delivers: one per row per non-empty Adam7 pass. */
static uint64_t rows_to_come(uint32_t w, uint32_t h, int interlaced)
{
    if (!interlaced) return h;
    uint64_t total = 0;
    for (int p = 0; p < 7; p++)
        if (PNG_PASS_COLS(w, p) != 0) total += PNG_PASS_ROWS(h, p);
    return total;
}

/* ---- libpng ---------------------------------------------------------------------- */

static PNG_NORETURN void on_png_error(png_structp png, png_const_charp msg)
{
    png_job *job = png_get_error_ptr(png);
    snprintf(job->message, sizeof job->message, "%s", msg);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* The last row is stored: Pillow's decoder stops here and load_end reads
 * on from the end of the chunk the data came from. */
static PNG_NORETURN void image_done(png_job *job)
{
    job->done = 1;
    job->status = pil_after_image(job->pil, job->data, job->size,
                                  job->chunk_end, job->err);
    png_longjmp(job->png, 1);
}

static void on_row(png_structp png, png_bytep row, png_uint_32 row_num,
                   int pass)
{
    png_job *job = png_get_progressive_ptr(png);
    const pil_png *st = job->pil;
    if (row == NULL || job->rows_left == 0) return;
    uint32_t y = row_num, x0 = 0, dx = 1, count = st->width;
    if (st->interlaced) {
        y = PNG_ROW_FROM_PASS_ROW(row_num, pass);
        x0 = PNG_PASS_START_COL(pass);
        dx = 1u << PNG_PASS_COL_SHIFT(pass);
        count = PNG_PASS_COLS(st->width, pass);
    }
    if (y >= st->height) png_error(png, "row outside the image");
    store_row(job, row, y, x0, dx, count);
    if (--job->rows_left == 0) image_done(job);
}

static void on_info(png_structp png, png_infop info)
{
    png_job *job = png_get_progressive_ptr(png);
    const pil_png *st = job->pil;
    (void)info;
    job->rows_left = rows_to_come(st->width, st->height, st->interlaced);
    png_start_read_image(png);
}

static void configure(png_structp png)
{
    /* Our pixel limit has been checked; libpng's default 1e6 x 1e6 would
     * refuse images Pillow opens. */
    png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    /* Our IDAT chunks carry no CRC (Pillow checks none there). */
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
    /* Corrupt image data is an error, never a warning. */
    png_set_benign_errors(png, 0);
    /* A 32 KiB window whatever the zlib header says, as Pillow's inflate. */
    png_set_option(png, PNG_MAXIMUM_INFLATE_WINDOW, PNG_OPTION_ON);
}

static fc_status libpng_failure(const png_job *job, fc_error *err)
{
    const char *m = job->message;
    if (strstr(m, "Not enough") != NULL)
        return fc__fail(err, FC_ERR_TRUNCATED,
                        "png: truncated: image data ends early (%s)", m);
    if (strstr(m, "memory") != NULL)
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "png: %s", m);
    /* libpng reports every zlib data error in IDAT as an Adler-32
     * mismatch; say what it is. */
    if (strstr(m, "ADLER32") != NULL || strstr(m, "Decompression") != NULL ||
        strstr(m, "adaptive filter") != NULL)
        return fc__fail(err, FC_ERR_CORRUPT,
                        "png: corrupt: bad compressed image data in IDAT (%s)",
                        m);
    return fc__fail(err, FC_ERR_CORRUPT, "png: corrupt: %s", m);
}

/* Image data for libpng, wrapped in a well-formed IDAT chunk: libpng
 * sees exactly the bytes Pillow's decoder would, whatever the real chunk
 * headers say (lengths past the end of the file, bad CRCs, fdAT). */
static void feed_idat(png_job *job, const uint8_t *p, size_t n)
{
    static const uint8_t crc[4] = {0, 0, 0, 0}; /* not checked */
    while (n > 0) {
        size_t part = n < (1u << 30) ? n : (1u << 30);
        uint8_t head[8] = {(uint8_t)(part >> 24), (uint8_t)(part >> 16),
                           (uint8_t)(part >> 8), (uint8_t)part,
                           'I', 'D', 'A', 'T'};
        png_process_data(job->png, job->info, head, sizeof head);
        png_process_data(job->png, job->info, (png_bytep)p, part);
        png_process_data(job->png, job->info, (png_bytep)crc, sizeof crc);
        p += part;
        n -= part;
    }
}

/* Where PngImageFile.load_read goes after the image data chunk at `pos`
 * (of declared length `len`): the next chunk if it continues the image
 * data (IDAT, DDAT or a valid fdAT), otherwise 0 with *rc set when Pillow
 * would fail reading it, FC_OK when the data just ends. */
static size_t next_data_chunk(png_job *job, size_t pos, uint32_t len,
                              fc_status *rc)
{
    const uint8_t *d = job->data;
    size_t size = job->size;
    *rc = FC_OK;
    if (size - pos - 8 < (size_t)len + 4 + 8) return 0; /* struct.error */
    pos += 12 + (size_t)len;
    const uint8_t *type = d + pos + 4;
    if (!valid_chunk_type(type)) {
        *rc = corrupt(job->err, "invalid chunk type inside the image data");
        return 0;
    }
    if (type_is(type, "IDAT") || type_is(type, "DDAT")) return pos;
    if (!type_is(type, "fdAT")) return 0;
    if (be32(d + pos) < 4)
        *rc = corrupt(job->err, "fdAT chunk too short");
    else if (size - pos - 8 < 4)
        *rc = fc__fail(job->err, FC_ERR_TRUNCATED,
                       "png: truncated: file ends inside an fdAT chunk");
    else
        *rc = pil_sequence(job->pil, be32(d + pos + 8), 0, job->err);
    return *rc == FC_OK ? pos : 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The start of the stream libpng gets: the signature and an IHDR with
 * Pillow's size, mode and interlace flag (Pillow ignores the compression
 * method byte and takes any non-zero interlace byte as Adam7), then for
 * palette images a black PLTE of 256 entries. */
static void feed_header(png_job *job)
{
    const pil_png *st = job->pil;
    static const uint8_t zeros[768];
    uint8_t head[33] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    put32(head + 8, 13);
    memcpy(head + 12, "IHDR", 4);
    put32(head + 16, st->width);
    put32(head + 20, st->height);
    head[24] = (uint8_t)st->depth;
    head[25] = (uint8_t)st->color_type;
    head[28] = (uint8_t)(st->interlaced ? 1 : 0);
    put32(head + 29, crc32_update(0, head + 12, 17));
    png_process_data(job->png, job->info, head, sizeof head);
    if (st->color_type != 3) return;
    uint8_t plte[8] = {0, 0, 3, 0, 'P', 'L', 'T', 'E'}, crc[4];
    put32(crc, crc32_update(crc32_update(0, plte + 4, 4), zeros, 768));
    png_process_data(job->png, job->info, plte, sizeof plte);
    png_process_data(job->png, job->info, (png_bytep)zeros, sizeof zeros);
    png_process_data(job->png, job->info, crc, sizeof crc);
}

/* Feeds libpng; returns only when the data ends before the image does
 * (image_done and errors leave through longjmp). */
static fc_status feed_libpng(png_job *job)
{
    const uint8_t *d = job->data;
    size_t pos = job->pil->first_idat;
    feed_header(job);
    fc_status rc = FC_OK;
    while (pos != 0) {
        uint32_t len = be32(d + pos);
        size_t skip = type_is(d + pos + 4, "fdAT") ? 4 : 0; /* its sequence */
        size_t start = pos + 8 + skip, want = len - skip;
        size_t avail = job->size - start < want ? job->size - start : want;
        job->chunk_end = pos + 8 + (size_t)len;
        feed_idat(job, d + start, avail);
        if (avail < want) break; /* the file ends inside the chunk */
        pos = next_data_chunk(job, pos, len, &rc);
    }
    if (rc != FC_OK) return rc;
    return fc__fail(job->err, FC_ERR_TRUNCATED,
                    "png: truncated: image data ends early (IDAT)");
}

/* Runs the push reader over the whole file. Returns through setjmp both
 * on errors and when the image is complete (image_done). */
static fc_status run_libpng(png_job *job, fc_error *err)
{
    job->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, job, on_png_error,
                                      on_png_warning);
    if (job->png == NULL)
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "png: out of memory");
    job->info = png_create_info_struct(job->png);
    if (job->info == NULL) {
        png_destroy_read_struct(&job->png, NULL, NULL);
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "png: out of memory");
    }
    if (setjmp(png_jmpbuf(job->png))) {
        png_destroy_read_struct(&job->png, &job->info, NULL);
        return job->done ? job->status : libpng_failure(job, err);
    }
    configure(job->png);
    png_set_progressive_read_fn(job->png, job, on_info, on_row, NULL);
    fc_status rc = feed_libpng(job);
    png_destroy_read_struct(&job->png, &job->info, NULL);
    return rc;
}

/* Pillow's palette: every whole entry of PLTE; more than 256 fails when
 * the palette is attached to the loaded image. */
static fc_status set_palette(const pil_png *st, fc__image *img, fc_error *err)
{
    if (!st->have_palette) return FC_OK;
    uint32_t entries = st->palette_len / 3;
    if (entries > 256) return corrupt(err, "PLTE has more than 256 entries");
    memcpy(img->palette, st->palette, (size_t)entries * 3);
    return FC_OK;
}

static fc_status open_image(const uint8_t *data, size_t size,
                            const fc__decode_limits *limits, pil_png *st,
                            fc__image *img, fc_error *err)
{
    if (size < 8 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) != 0)
        return fc__fail(err, FC_ERR_UNKNOWN_FORMAT, "png: not a PNG file");
    fc_status rc = pil_open_walk(data, size, st, err);
    if (rc != FC_OK) return rc;
    if (!st->have_ihdr || !st->mode_known)
        return corrupt(err, "no valid IHDR chunk");
    if (st->width > INT32_MAX || st->height > INT32_MAX) {
        uint64_t pixels = (uint64_t)st->width * (uint64_t)st->height;
        if (pixels > limits->max_pixels)
            return fc__fail(err, FC_ERR_TOO_LARGE,
                            "png: image is %ux%u = %llu pixels, over the limit of %llu",
                            (unsigned)st->width, (unsigned)st->height,
                            (unsigned long long)pixels,
                            (unsigned long long)limits->max_pixels);
        return fc__fail(err, FC_ERR_TOO_LARGE,
                        "png: image is %ux%u pixels; sides over %d are not supported",
                        (unsigned)st->width, (unsigned)st->height, INT32_MAX);
    }
    return fc__image_alloc(img, (int)st->width, (int)st->height, st->mode,
                           limits->max_pixels, "png", err);
}

fc_status fc__decode_png(const uint8_t *data, size_t size,
                         const fc__decode_limits *limits, fc__image *img,
                         fc_error *err)
{
    memset(img, 0, sizeof *img);
    pil_png st;
    memset(&st, 0, sizeof st);
    fc_status rc = open_image(data, size, limits, &st, img, err);
    if (rc != FC_OK) return rc;
    png_job job;
    memset(&job, 0, sizeof job);
    job.data = data;
    job.size = size;
    job.pil = &st;
    job.img = img;
    job.err = err;
    rc = run_libpng(&job, err);
    if (rc == FC_OK) rc = set_palette(&st, img, err);
    if (rc != FC_OK) fc__image_free(img);
    return rc;
}
