/* JPEG decoder: libjpeg-turbo, driven the way Pillow drives it.
 *
 * Pillow opens a JPEG in two steps, and we mirror both:
 *
 *  1. JpegImagePlugin._open walks the markers in Python up to the first SOS.
 *     It takes the size and mode from SOF and refuses some files that
 *     libjpeg itself would accept (12-bit samples, 2 components, a short
 *     JFIF/Adobe segment, a short DQT, marker 0xFF01...). pil_open_walk()
 *     repeats that walk.
 *  2. JpegDecode.c runs libjpeg with a suspending source over the file,
 *     which it receives in reads of 64 KiB, keeping libjpeg's colour-space
 *     guess and setting only out_color_space. Running out of data before
 *     the last scanline is an error ("image file is truncated"); running
 *     out while finishing (reading up to EOI) is not. jpeg_input below
 *     gives libjpeg the data in the same pieces, so that libjpeg sees
 *     exactly what it sees under Pillow.
 *
 * Decoder settings are libjpeg's defaults (ISLOW DCT, fancy upsampling,
 * block smoothing): any other choice changes pixels. */
#include "decode/decode.h"

#include <limits.h>
#include <setjmp.h>
#include <stdio.h> /* jpeglib.h uses FILE and size_t without including them */
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "common/error.h"

enum {
    /* Pillow's ImageFile.load reads the file in pieces of this size
     * (ImageFile.MAXBLOCK) and hands each to the decoder. */
    PILLOW_READ_BLOCK = 65536,
    /* Rows asked of jpeg_read_scanlines per call. */
    ROWS_PER_CALL = 16,
    /* A progressive file can repeat tiny scans that each walk every block
     * of the image: a 100 KB file claiming 12000x12000 with 1000 empty
     * scans costs over ten seconds of CPU. Encoders write about ten scans
     * (libjpeg's and mozjpeg's scripts at most a few dozen); we refuse
     * more than this, where Pillow would keep going. */
    MAX_SCANS = 100
};

/* ---- step 1: Pillow's Python marker walk -------------------------------- */

/* What JpegImagePlugin._open learned, from the last SOF before SOS. */
typedef struct pil_jpeg {
    int width;
    int height;
    int layers;
} pil_jpeg;

/* The file as Python's fp.read() sees it. */
typedef struct byte_reader {
    const uint8_t *data;
    size_t size;
    size_t pos;
} byte_reader;

/* State of the walk that spans several markers: the ICC_PROFILE APP2
 * segments Pillow collects and inspects at the next SOF. */
typedef struct pil_walk {
    pil_jpeg hdr;
    int have_sof;
    size_t icc_count;
    const uint8_t *icc_min; /* the segment that sorts first */
    size_t icc_min_len;
} pil_walk;

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static int starts_with(const uint8_t *s, size_t len, const char *prefix,
                       size_t plen)
{
    return len >= plen && memcmp(s, prefix, plen) == 0;
}

/* A marker segment as Pillow reads it: a 2-byte length, then length - 2
 * bytes (none when the length is below 3; Python reads b"" then). */
static fc_status read_segment(byte_reader *r, const uint8_t **s, size_t *len,
                              fc_error *err)
{
    if (r->size - r->pos < 2)
        return fc__fail(err, FC_ERR_TRUNCATED,
                        "jpeg: truncated: file ends inside a marker segment");
    unsigned n = be16(r->data + r->pos);
    r->pos += 2;
    *s = r->data + r->pos;
    *len = n > 2 ? n - 2 : 0;
    if (r->size - r->pos < *len)
        return fc__fail(err, FC_ERR_TRUNCATED,
                        "jpeg: truncated: file ends inside a marker segment");
    r->pos += *len;
    return FC_OK;
}

/* Photoshop "8BIM" resources: Pillow tolerates running off the end of
 * the segment everywhere except when reading a resource name length. */
static int photoshop_ok(const uint8_t *s, size_t len)
{
    uint64_t off = 14;
    while (off + 4 <= len && memcmp(s + off, "8BIM", 4) == 0) {
        off += 4;
        if (off + 2 > len) return 1; /* struct.error, caught */
        unsigned code = be16(s + off);
        off += 2;
        if (off >= len) return 0;    /* IndexError, not caught */
        off += 1 + (uint64_t)s[off];
        off += off & 1;
        if (off + 4 > len) return 1;
        uint64_t size = (uint64_t)s[off] << 24 | (uint64_t)s[off + 1] << 16 |
                        (uint64_t)s[off + 2] << 8 | s[off + 3];
        off += 4;
        /* A ResolutionInfo block shorter than 14 bytes: struct.error,
         * caught, which ends the loop. */
        uint64_t avail = off < len ? len - off : 0;
        if (code == 0x03ED && (size < avail ? size : avail) < 14) return 1;
        off += size;
        off += off & 1;
    }
    return 1;
}

/* APPn: Pillow parses a few well-known segments and fails on some short
 * ones where libjpeg just ignores them. */
static fc_status pil_app(pil_walk *w, unsigned marker, const uint8_t *s,
                         size_t len, fc_error *err)
{
    if (marker == 0xE0 && starts_with(s, len, "JFIF", 4) && len < 7)
        return fc__fail(err, FC_ERR_CORRUPT,
                        "jpeg: corrupt: JFIF segment too short");
    if (marker == 0xEE && starts_with(s, len, "Adobe", 5) && len < 7)
        return fc__fail(err, FC_ERR_CORRUPT,
                        "jpeg: corrupt: Adobe segment too short");
    if (marker == 0xED && starts_with(s, len, "Photoshop 3.0\0", 14) &&
        !photoshop_ok(s, len))
        return fc__fail(err, FC_ERR_CORRUPT,
                        "jpeg: corrupt: Photoshop resource block ends early");
    if (marker == 0xE2 && starts_with(s, len, "ICC_PROFILE\0", 12)) {
        /* Pillow sorts the fragments as byte strings and, at SOF, reads
         * byte 13 of the first one. */
        size_t common = len < w->icc_min_len ? len : w->icc_min_len;
        int c = w->icc_count ? memcmp(s, w->icc_min, common) : -1;
        if (c < 0 || (c == 0 && len < w->icc_min_len)) {
            w->icc_min = s;
            w->icc_min_len = len;
        }
        w->icc_count++;
    }
    return FC_OK;
}

static fc_status bad_sof(fc_error *err)
{
    return fc__fail(err, FC_ERR_CORRUPT,
                    "jpeg: corrupt: frame header (SOF) too short");
}

/* SOF (and DHP, which Pillow parses with the same handler). */
static fc_status pil_sof(pil_walk *w, const uint8_t *s, size_t len,
                         fc_error *err)
{
    /* Pillow reads the fields in this order and stops at the first
     * one that is missing or unsupported. */
    if (len < 5) return bad_sof(err);
    w->hdr.height = (int)be16(s + 1);
    w->hdr.width = (int)be16(s + 3);
    if (s[0] != 8)
        return fc__fail(err, FC_ERR_UNSUPPORTED,
                        "jpeg: unsupported: %d-bit samples (Pillow opens only "
                        "8-bit JPEGs)", s[0]);
    if (len < 6) return bad_sof(err);
    w->hdr.layers = s[5];
    if (s[5] != 1 && s[5] != 3 && s[5] != 4)
        return fc__fail(err, FC_ERR_UNSUPPORTED,
                        "jpeg: unsupported: %d components (Pillow opens only "
                        "1, 3 or 4)", s[5]);
    if (w->icc_count != 0 && w->icc_min_len < 14)
        return fc__fail(err, FC_ERR_CORRUPT,
                        "jpeg: corrupt: ICC profile segment too short");
    w->icc_count = 0;
    if ((len - 6) % 3 != 0)
        return fc__fail(err, FC_ERR_CORRUPT,
                        "jpeg: corrupt: frame header (SOF) ends inside a "
                        "component");
    w->have_sof = 1;
    return FC_OK;
}

/* DQT: Pillow checks every table is complete; libjpeg pads short ones. */
static fc_status pil_dqt(const uint8_t *s, size_t len, fc_error *err)
{
    while (len > 0) {
        size_t need = 1 + (s[0] >> 4 == 0 ? 64 : 128);
        if (len < need)
            return fc__fail(err, FC_ERR_CORRUPT,
                            "jpeg: corrupt: bad quantization table (DQT)");
        s += need;
        len -= need;
    }
    return FC_OK;
}

/* One marker 0xFFC0..0xFFFE: what Pillow's MARKER table does with it. */
static fc_status pil_marker(pil_walk *w, byte_reader *r, unsigned m,
                            fc_error *err)
{
    int has_segment = !(m == 0xC8 || (m >= 0xD0 && m <= 0xD9) ||
                        (m >= 0xF0 && m <= 0xFD));
    if (!has_segment) return FC_OK;
    const uint8_t *s = NULL;
    size_t len = 0;
    fc_status st = read_segment(r, &s, &len, err);
    if (st != FC_OK) return st;
    if ((m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) ||
        m == 0xDE)
        return pil_sof(w, s, len, err);
    if (m == 0xDB) return pil_dqt(s, len, err);
    if (m >= 0xE0 && m <= 0xEF) return pil_app(w, m, s, len, err);
    return FC_OK; /* DHT, DAC, SOS, DNL, DRI, EXP, COM: skipped */
}

/* JpegImagePlugin._open up to SOS, plus Image.open's checks. */
static fc_status pil_open_walk(const uint8_t *data, size_t size,
                               pil_jpeg *hdr, fc_error *err)
{
    pil_walk w;
    memset(&w, 0, sizeof w);
    byte_reader r = {data, size, 3}; /* after FF D8 FF */
    int at_ff = 1;                   /* the last byte read was 0xFF */
    for (;;) {
        if (r.pos >= r.size) break;
        unsigned b = data[r.pos++];
        if (!at_ff) { /* skipping junk up to the next 0xFF */
            at_ff = b == 0xFF;
            continue;
        }
        if (b == 0xFF) continue; /* fill byte: still at a marker start */
        at_ff = 0;
        if (b == 0x00) continue; /* stuffed byte */
        if (b < 0xC0)
            return fc__fail(err, FC_ERR_CORRUPT,
                            "jpeg: corrupt: invalid marker 0xFF%02X", b);
        fc_status st = pil_marker(&w, &r, b, err);
        if (st != FC_OK) return st;
        if (b == 0xDA) {
            if (!w.have_sof || w.hdr.width == 0 || w.hdr.height == 0)
                return fc__fail(err, FC_ERR_CORRUPT,
                                "jpeg: corrupt: no frame header (SOF) with a "
                                "non-zero size before the image data");
            *hdr = w.hdr;
            return FC_OK;
        }
    }
    return fc__fail(err, FC_ERR_TRUNCATED,
                    "jpeg: truncated: file ends before the image data (SOS)");
}

/* ---- step 2: libjpeg -------------------------------------------------------- */

/* The source manager: Pillow's suspending source, fed the way
 * ImageFile.load feeds it. All data is in memory, but libjpeg sees only
 * what Pillow would have read so far (whole 64 KiB blocks from the start
 * of the file). Asking for more always suspends (returns FALSE); the
 * caller then appends the next block and repeats the call (input_more),
 * or, at the end of the file, reports it truncated. This matters beyond
 * the obvious: libjpeg's arithmetic decoder cannot suspend and fails
 * when its data crosses a block boundary, and while finishing (reading
 * after the last scanline) Pillow never reads another block. */
typedef struct jpeg_input {
    struct jpeg_source_mgr pub; /* first: libjpeg casts cinfo->src to this */
    const uint8_t *data;
    size_t size;
    size_t window_end; /* how far Pillow would have read */
    size_t skip_to;    /* a skip past window_end, still to be done */
    int skipping;
} jpeg_input;

static void input_init(j_decompress_ptr cinfo)
{
    (void)cinfo;
}

static void input_term(j_decompress_ptr cinfo)
{
    (void)cinfo;
}

static boolean input_fill(j_decompress_ptr cinfo)
{
    (void)cinfo;
    return FALSE;
}

static void input_skip(j_decompress_ptr cinfo, long num_bytes)
{
    jpeg_input *in = (jpeg_input *)cinfo->src;
    if (num_bytes <= 0) return;
    if ((size_t)num_bytes <= in->pub.bytes_in_buffer) {
        in->pub.next_input_byte += num_bytes;
        in->pub.bytes_in_buffer -= (size_t)num_bytes;
        return;
    }
    /* As Pillow: consume the window, finish the skip in later blocks. */
    in->skip_to = (size_t)(in->pub.next_input_byte - in->data) +
                  (size_t)num_bytes;
    in->skipping = 1;
    in->pub.next_input_byte = in->data + in->window_end;
    in->pub.bytes_in_buffer = 0;
}

/* Pillow's next read: one more block after what libjpeg has not yet
 * consumed. Returns 0 at the end of the file. */
static int input_more(jpeg_input *in)
{
    for (;;) {
        if (in->window_end >= in->size) return 0;
        size_t room = in->size - in->window_end;
        in->window_end += room < PILLOW_READ_BLOCK ? room : PILLOW_READ_BLOCK;
        if (in->skipping && in->skip_to > in->window_end) {
            in->pub.next_input_byte = in->data + in->window_end;
            continue; /* the whole block is skipped */
        }
        if (in->skipping) in->pub.next_input_byte = in->data + in->skip_to;
        in->skipping = 0;
        in->pub.bytes_in_buffer =
            in->window_end - (size_t)(in->pub.next_input_byte - in->data);
        return 1;
    }
}

static void input_setup(jpeg_input *in, const uint8_t *data, size_t size)
{
    in->data = data;
    in->size = size;
    in->window_end = 0;
    in->skipping = 0;
    in->pub.init_source = input_init;
    in->pub.fill_input_buffer = input_fill;
    in->pub.skip_input_data = input_skip;
    in->pub.resync_to_restart = jpeg_resync_to_restart;
    in->pub.term_source = input_term;
    in->pub.next_input_byte = data;
    in->pub.bytes_in_buffer = 0;
    (void)input_more(in); /* the first read */
}

/* Everything one decode needs, reachable from libjpeg's callbacks through
 * cinfo->client_data. */
typedef struct jpeg_job {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr errmgr;
    struct jpeg_progress_mgr progress;
    jpeg_input input;
    jmp_buf escape;
    fc_status status; /* set when we abort for a reason of our own */
    char message[JMSG_LENGTH_MAX];
} jpeg_job;

static void on_error_exit(j_common_ptr cinfo)
{
    jpeg_job *job = cinfo->client_data;
    (*cinfo->err->format_message)(cinfo, job->message);
    longjmp(job->escape, 1);
}

/* Warnings (corrupt data that libjpeg recovers from) are not errors for
 * Pillow either; only their printing is switched off. */
static void on_output_message(j_common_ptr cinfo)
{
    (void)cinfo;
}

static void on_progress(j_common_ptr cinfo)
{
    if (!cinfo->is_decompressor) return;
    jpeg_job *job = cinfo->client_data;
    if (job->cinfo.input_scan_number > MAX_SCANS) {
        job->status = FC_ERR_UNSUPPORTED;
        snprintf(job->message, sizeof job->message,
                 "more than %d progressive scans", MAX_SCANS);
        longjmp(job->escape, 1);
    }
}

static fc_status status_for_code(int code)
{
    switch (code) {
    case JERR_BAD_PRECISION:
    case JERR_SOF_UNSUPPORTED:
    case JERR_NOT_COMPILED:
    case JERR_ARITH_NOTIMPL:
    case JERR_COMPONENT_COUNT: return FC_ERR_UNSUPPORTED;
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW:
    case JERR_NO_BACKING_STORE: return FC_ERR_TOO_LARGE;
    case JERR_OUT_OF_MEMORY: return FC_ERR_OUT_OF_MEMORY;
    default: return FC_ERR_CORRUPT;
    }
}

static fc_status report_abort(const jpeg_job *job, fc_error *err)
{
    fc_status st = job->status != FC_OK ? job->status
                                        : status_for_code(job->errmgr.msg_code);
    const char *what = st == FC_ERR_CORRUPT       ? "corrupt"
                       : st == FC_ERR_UNSUPPORTED ? "unsupported"
                       : st == FC_ERR_TOO_LARGE   ? "too large"
                                                  : "error";
    return fc__fail(err, st, "jpeg: %s: %s", what, job->message);
}

/* The most memory libjpeg may use: the whole-image coefficient buffer of a
 * multi-scan file (128 bytes per 8x8 block per component, padded to whole
 * MCUs) plus room for row buffers. The pixel limit bounds this already;
 * the cap makes libjpeg fail rather than allocate more if a header field
 * makes it ask for more than the image size explains. */
static long memory_bound(j_decompress_ptr c)
{
    uint64_t w = (uint64_t)c->image_width + 64;
    uint64_t h = (uint64_t)c->image_height + 64;
    uint64_t bytes = (uint64_t)c->num_components * 2 * w * h + (64u << 20);
    return bytes > (uint64_t)LONG_MAX ? LONG_MAX : (long)bytes;
}

static fc_status truncated(fc_error *err)
{
    return fc__fail(err, FC_ERR_TRUNCATED,
                    "jpeg: truncated: image data ends early");
}

static fc_status read_rows(j_decompress_ptr c, jpeg_input *in, fc__image *img,
                           fc_error *err)
{
    JSAMPROW rows[ROWS_PER_CALL];
    while (c->output_scanline < c->output_height) {
        JDIMENSION first = c->output_scanline;
        JDIMENSION want = c->output_height - first;
        if (want > ROWS_PER_CALL) want = ROWS_PER_CALL;
        for (JDIMENSION i = 0; i < want; i++)
            rows[i] = fc__image_row(img, (int)(first + i));
        if (jpeg_read_scanlines(c, rows, want) == 0 && !input_more(in))
            return truncated(err);
    }
    return FC_OK;
}

/* Pillow's "CMYK;I" unpacker: Adobe writes inverted CMYK, and Pillow
 * assumes every 4-component JPEG does. */
static void invert_samples(fc__image *img)
{
    for (int y = 0; y < img->height; y++) {
        uint8_t *p = fc__image_row(img, y);
        for (size_t i = 0; i < img->stride; i++) p[i] = (uint8_t)(255 - p[i]);
    }
}

/* libjpeg from header to EOI; errors longjmp out through on_error_exit. */
static fc_status decode_steps(jpeg_job *job, const uint8_t *data, size_t size,
                              const pil_jpeg *hdr, fc__image *img,
                              fc_error *err)
{
    j_decompress_ptr c = &job->cinfo;
    input_setup(&job->input, data, size);
    c->src = &job->input.pub;
    job->progress.progress_monitor = on_progress;
    c->progress = &job->progress;

    /* As Pillow: tables-only datastreams before the image are allowed. */
    for (;;) {
        int r = jpeg_read_header(c, FALSE);
        if (r == JPEG_HEADER_OK) break;
        if (r == JPEG_SUSPENDED && !input_more(&job->input))
            return fc__fail(err, FC_ERR_TRUNCATED,
                            "jpeg: truncated: file ends inside the header");
    }
    if ((int)c->image_width != hdr->width ||
        (int)c->image_height != hdr->height ||
        c->num_components != hdr->layers)
        return fc__fail(err, FC_ERR_CORRUPT,
                        "jpeg: corrupt: conflicting frame headers (SOF)");

    c->out_color_space = hdr->layers == 1   ? JCS_GRAYSCALE
                         : hdr->layers == 3 ? JCS_RGB
                                            : JCS_CMYK;
    c->mem->max_memory_to_use = memory_bound(c);
    while (!jpeg_start_decompress(c))
        if (!input_more(&job->input)) return truncated(err);
    fc_status st = read_rows(c, &job->input, img, err);
    if (st != FC_OK) return st;
    /* Up to EOI with the data at hand; suspending here is fine (Pillow
     * stops there too), errors are not. */
    (void)jpeg_finish_decompress(c);
    if (hdr->layers == 4) invert_samples(img);
    return FC_OK;
}

static fc_status run_libjpeg(jpeg_job *job, const uint8_t *data, size_t size,
                             const pil_jpeg *hdr, fc__image *img,
                             fc_error *err)
{
    job->cinfo.err = jpeg_std_error(&job->errmgr);
    job->errmgr.error_exit = on_error_exit;
    job->errmgr.output_message = on_output_message;
    job->cinfo.client_data = job;
    job->status = FC_OK;
    if (setjmp(job->escape)) {
        jpeg_destroy_decompress(&job->cinfo);
        return report_abort(job, err);
    }
    jpeg_create_decompress(&job->cinfo);
    fc_status st = decode_steps(job, data, size, hdr, img, err);
    jpeg_destroy_decompress(&job->cinfo);
    return st;
}

fc_status fc__decode_jpeg(const uint8_t *data, size_t size,
                          const fc__decode_limits *limits, fc__image *img,
                          fc_error *err)
{
    memset(img, 0, sizeof *img);
    pil_jpeg hdr;
    fc_status st = pil_open_walk(data, size, &hdr, err);
    if (st != FC_OK) return st;
    fc__mode mode = hdr.layers == 1   ? FC__MODE_L
                    : hdr.layers == 3 ? FC__MODE_RGB
                                      : FC__MODE_CMYK;
    /* The pixel limit, before libjpeg allocates anything. */
    st = fc__image_alloc(img, hdr.width, hdr.height, mode, limits->max_pixels,
                         "jpeg", err);
    if (st != FC_OK) return st;
    jpeg_job job;
    memset(&job, 0, sizeof job);
    st = run_libjpeg(&job, data, size, &hdr, img, err);
    if (st != FC_OK) fc__image_free(img);
    return st;
}
