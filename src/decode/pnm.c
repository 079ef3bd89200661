/* PBM, PGM and PPM (P1 to P6), decoded as Pillow 13's PpmImagePlugin does.
 *
 * Modes: P1/P4 -> "1"; P2/P5 -> "L", or "I" when maxval > 255; P3/P6 -> RGB.
 * Samples are rescaled as Pillow rescales them: round(v / maxval * out_max)
 * with Python's round (half to even), out_max 255 for L/RGB and 65535 for I,
 * except two raw layouts Pillow copies as they are (maxval 255, and P5 with
 * maxval 65535, whose big-endian samples become I unscaled).
 *
 * The plain (ASCII) variants follow Pillow's PpmPlainDecoder closely,
 * including its reading in 1 MiB blocks: which trailing bytes it checks, and
 * how comments and split tokens are handled, depend on the block borders,
 * so we read the same blocks. stb_image is not used: it neither rescales
 * maxval like Pillow nor reads the plain variants. */
#include "decode/decode.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* Pillow's ImageFile.SAFEBLOCK: the plain decoder reads this much at once. */
#define PNM_BLOCK ((size_t)1 << 20)
/* Pillow rejects header and data tokens longer than this. */
#define PNM_MAX_TOKEN 10

typedef struct pnm_reader {
    const uint8_t *data;
    size_t size;
    size_t pos;
} pnm_reader;

typedef struct pnm_header {
    int kind;          /* the digit of the magic number, 1 to 6 */
    int64_t width;
    int64_t height;
    int64_t maxval;    /* 1 for P1/P4 */
    fc__mode mode;
    int bands;
} pnm_header;

/* Pillow's b_whitespace, which is also what bytes.split() splits on. */
static int is_space(uint8_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Python's int() on a token without whitespace: an optional sign, then
 * decimal digits, with single underscores allowed between digits. Tokens
 * are at most 10 characters, so the value fits. Returns 0 when invalid. */
static int parse_int(const uint8_t *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int negative = 0;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        negative = s[0] == '-';
        i = 1;
    }
    if (i == n) return 0;
    int64_t v = 0;
    for (; i < n; i++) {
        if (is_digit(s[i]))
            v = v * 10 + (s[i] - '0');
        else if (s[i] != '_' || i == 0 || !is_digit(s[i - 1]) || i + 1 == n ||
                 !is_digit(s[i + 1]))
            return 0;
    }
    *out = negative ? -v : v;
    return 1;
}

/* ---- header ------------------------------------------------------------ */

/* Pillow reads up to 6 bytes, stopping after the first whitespace. */
static int read_magic(pnm_reader *r)
{
    uint8_t magic[6];
    size_t n = 0;
    while (n < sizeof magic && r->pos < r->size) {
        uint8_t c = r->data[r->pos++];
        if (is_space(c)) break;
        magic[n++] = c;
    }
    if (n != 2 || magic[0] != 'P' || magic[1] < '1' || magic[1] > '6')
        return 0;
    return magic[1] - '0';
}

/* One header token, as Pillow's _read_token: leading whitespace skipped,
 * one whitespace byte ends it (and is consumed), and a '#' comment up to CR
 * or LF is dropped without ending the token ("1#x\n2" reads as 12). */
static fc_status read_token(pnm_reader *r, int64_t *value, fc_error *err)
{
    uint8_t tok[PNM_MAX_TOKEN + 1];
    size_t n = 0;
    while (n <= PNM_MAX_TOKEN && r->pos < r->size) {
        uint8_t c = r->data[r->pos++];
        if (is_space(c)) {
            if (n == 0) continue;
            break;
        }
        if (c == '#') {
            while (r->pos < r->size) {
                uint8_t e = r->data[r->pos++];
                if (e == '\r' || e == '\n') break;
            }
            continue;
        }
        tok[n++] = c;
    }
    if (n == 0)
        return fc__fail(err, FC_ERR_TRUNCATED, "pnm: file ends inside the header");
    if (n > PNM_MAX_TOKEN)
        return fc__fail(err, FC_ERR_CORRUPT, "pnm: header token too long");
    if (!parse_int(tok, n, value))
        return fc__fail(err, FC_ERR_CORRUPT, "pnm: invalid number in header");
    return FC_OK;
}

static fc_status read_header(pnm_reader *r, pnm_header *h, fc_error *err)
{
    h->kind = read_magic(r);
    if (h->kind == 0)
        return fc__fail(err, FC_ERR_UNKNOWN_FORMAT, "pnm: not a PBM/PGM/PPM file");
    fc_status st = read_token(r, &h->width, err);
    if (st == FC_OK) st = read_token(r, &h->height, err);
    if (st != FC_OK) return st;
    h->maxval = 1;
    if (h->kind != 1 && h->kind != 4) {
        if ((st = read_token(r, &h->maxval, err)) != FC_OK) return st;
        if (h->maxval <= 0 || h->maxval >= 65536)
            return fc__fail(err, FC_ERR_CORRUPT,
                            "pnm: maxval must be greater than 0 and less than "
                            "65536");
    }
    int grey = h->kind == 2 || h->kind == 5;
    h->bands = (h->kind == 3 || h->kind == 6) ? 3 : 1;
    if (h->kind == 1 || h->kind == 4)
        h->mode = FC__MODE_1;
    else if (grey)
        h->mode = h->maxval > 255 ? FC__MODE_I32 : FC__MODE_L;
    else
        h->mode = FC__MODE_RGB;
    return FC_OK;
}

/* Sizes Pillow refuses ("not identified") are corrupt; sizes our int-based
 * image cannot hold are over any pixel limit anyway. */
static fc_status allocate(const pnm_header *h, const fc__decode_limits *limits,
                          fc__image *img, fc_error *err)
{
    if (h->width <= 0 || h->height <= 0)
        return fc__fail(err, FC_ERR_CORRUPT, "pnm: invalid image size %lldx%lld",
                        (long long)h->width, (long long)h->height);
    if (h->width > INT_MAX || h->height > INT_MAX)
        return fc__fail(err, FC_ERR_TOO_LARGE,
                        "pnm: image is %lldx%lld, over the pixel limit",
                        (long long)h->width, (long long)h->height);
    return fc__image_alloc(img, (int)h->width, (int)h->height, h->mode,
                           limits->max_pixels, "pnm", err);
}

/* ---- sample scaling and output ------------------------------------------ */

/* Pillow: round(value / maxval * out_max) in doubles; rint rounds half to
 * even like Python's round. */
static int32_t scale(int64_t value, int64_t maxval, int32_t out_max)
{
    double v = rint((double)value / (double)maxval * (double)out_max);
    return v > out_max ? out_max : (int32_t)v;
}

static void put_sample(fc__image *img, size_t index, int32_t v)
{
    uint8_t *base = (uint8_t *)img->owned;
    if (img->mode == FC__MODE_I32)
        memcpy(base + index * sizeof v, &v, sizeof v);
    else
        base[index] = (uint8_t)v;
}

/* ---- binary variants (P4, P5, P6) ---------------------------------------- */

static fc_status need_bytes(const pnm_reader *r, uint64_t n, fc_error *err)
{
    if (n > r->size - r->pos)
        return fc__fail(err, FC_ERR_TRUNCATED, "pnm: image data is truncated");
    return FC_OK;
}

/* P4: rows of whole bytes, most significant bit first, 1 is black. */
static fc_status decode_p4(pnm_reader *r, fc__image *img, fc_error *err)
{
    size_t row_bytes = ((size_t)img->width + 7) / 8;
    fc_status st = need_bytes(r, (uint64_t)row_bytes * (uint64_t)img->height, err);
    if (st != FC_OK) return st;
    for (int y = 0; y < img->height; y++) {
        const uint8_t *in = r->data + r->pos + (size_t)y * row_bytes;
        uint8_t *out = fc__image_row(img, y);
        for (int x = 0; x < img->width; x++)
            out[x] = (in[x >> 3] & (0x80 >> (x & 7))) ? 0 : 255;
    }
    return FC_OK;
}

static fc_status decode_binary(pnm_reader *r, const pnm_header *h,
                               fc__image *img, fc_error *err)
{
    if (h->kind == 4) return decode_p4(r, img, err);
    size_t samples = (size_t)img->width * (size_t)img->height * (size_t)h->bands;
    size_t in_bytes = h->maxval < 256 ? 1 : 2;
    fc_status st = need_bytes(r, (uint64_t)samples * in_bytes, err);
    if (st != FC_OK) return st;
    const uint8_t *in = r->data + r->pos;
    if (h->maxval == 255) {
        memcpy(img->owned, in, samples);
        return FC_OK;
    }
    /* P5 with maxval 65535 is Pillow's raw "I;16B": copied, not rescaled. */
    int raw16 = h->maxval == 65535 && h->kind == 5;
    int32_t out_max = h->mode == FC__MODE_I32 ? 65535 : 255;
    for (size_t i = 0; i < samples; i++) {
        int64_t v = in_bytes == 1 ? in[i] : (in[2 * i] << 8 | in[2 * i + 1]);
        put_sample(img, i, raw16 ? (int32_t)v : scale(v, h->maxval, out_max));
    }
    return FC_OK;
}

/* ---- plain variants (P1, P2, P3) ------------------------------------------ */

typedef struct plain_state {
    pnm_reader *r;
    int comment_spans; /* a comment was still open at the end of a block */
    uint8_t *work;     /* one block after comment removal, plus a split token */
} plain_state;

static size_t read_block(pnm_reader *r, const uint8_t **block)
{
    size_t n = r->size - r->pos < PNM_BLOCK ? r->size - r->pos : PNM_BLOCK;
    *block = r->data + r->pos;
    r->pos += n;
    return n;
}

static ptrdiff_t find_byte(const uint8_t *b, size_t n, size_t start, uint8_t c)
{
    const uint8_t *hit = start < n ? memchr(b + start, c, n - start) : NULL;
    return hit != NULL ? hit - b : -1;
}

/* Pillow's _find_comment_end, including its quirk: it means "the first CR
 * or LF", but when one of them is at index 0 it takes the later one. */
static ptrdiff_t comment_end(const uint8_t *b, size_t n, size_t start)
{
    ptrdiff_t a = find_byte(b, n, start, '\n');
    ptrdiff_t c = find_byte(b, n, start, '\r');
    if ((long long)a * (long long)c > 0) return a < c ? a : c;
    return a > c ? a : c;
}

/* Pillow's _ignore_comments: finishes a comment left open by the previous
 * block (reading on if it spans whole blocks), then removes every
 * "#...EOL" from the block. Writes the result to `out`, returns its size. */
static size_t strip_comments(plain_state *s, const uint8_t *b, size_t n,
                             uint8_t *out)
{
    if (s->comment_spans) {
        while (n > 0) {
            ptrdiff_t end = comment_end(b, n, 0);
            if (end >= 0) {
                b += end + 1;
                n -= (size_t)end + 1;
                break;
            }
            n = read_block(s->r, &b);
        }
    }
    s->comment_spans = 0;
    size_t len = 0, i = 0;
    for (;;) {
        ptrdiff_t hash = find_byte(b, n, i, '#');
        size_t keep_end = hash < 0 ? n : (size_t)hash;
        memcpy(out + len, b + i, keep_end - i);
        len += keep_end - i;
        if (hash < 0) break;
        ptrdiff_t end = comment_end(b, n, (size_t)hash);
        if (end < 0) {
            s->comment_spans = 1;
            break;
        }
        i = (size_t)end + 1;
    }
    return len;
}

/* P1: every non-whitespace byte must be '0' or '1', even past the last
 * pixel within the same block (Pillow checks the block before using it). */
static fc_status decode_p1(plain_state *s, fc__image *img, fc_error *err)
{
    size_t total = (size_t)img->width * (size_t)img->height, count = 0;
    uint8_t *out = img->owned;
    while (count != total) {
        const uint8_t *block;
        size_t n = read_block(s->r, &block);
        if (n == 0) break;
        n = strip_comments(s, block, n, s->work);
        for (size_t i = 0; i < n; i++) {
            uint8_t c = s->work[i];
            if (is_space(c)) continue;
            if (c != '0' && c != '1')
                return fc__fail(err, FC_ERR_CORRUPT,
                                "pnm: invalid byte 0x%02x in P1 data", c);
            if (count < total) out[count++] = c == '1' ? 0 : 255;
        }
    }
    if (count != total)
        return fc__fail(err, FC_ERR_TRUNCATED, "pnm: not enough image data");
    return FC_OK;
}

/* One P2/P3 sample token: checked and rescaled as Pillow does. */
static fc_status plain_sample(const uint8_t *tok, size_t n, const pnm_header *h,
                              int32_t *out, fc_error *err)
{
    int64_t v;
    if (n > PNM_MAX_TOKEN)
        return fc__fail(err, FC_ERR_CORRUPT, "pnm: token too long in data");
    if (!parse_int(tok, n, &v))
        return fc__fail(err, FC_ERR_CORRUPT, "pnm: invalid number in data");
    if (v < 0 || v > h->maxval)
        return fc__fail(err, FC_ERR_CORRUPT,
                        "pnm: sample %lld outside 0..%lld", (long long)v,
                        (long long)h->maxval);
    *out = scale(v, h->maxval, h->mode == FC__MODE_I32 ? 65535 : 255);
    return FC_OK;
}

/* Converts the tokens in work[0, n) until the image is full. */
static fc_status plain_tokens(plain_state *s, size_t n, const pnm_header *h,
                              fc__image *img, size_t *count, size_t total,
                              fc_error *err)
{
    size_t i = 0;
    while (*count < total) {
        while (i < n && is_space(s->work[i])) i++;
        if (i == n) break;
        size_t start = i;
        while (i < n && !is_space(s->work[i])) i++;
        int32_t v = 0;
        fc_status st = plain_sample(s->work + start, i - start, h, &v, err);
        if (st != FC_OK) return st;
        put_sample(img, (*count)++, v);
    }
    return FC_OK;
}

/* P2/P3: whitespace-separated decimal tokens. A token cut by a block border
 * is carried to the next block (Pillow's half_token), and at the end of the
 * file a pending token is flushed by a pretend block of one space. */
static fc_status decode_p23(plain_state *s, const pnm_header *h, fc__image *img,
                            fc_error *err)
{
    size_t total = (size_t)img->width * (size_t)img->height * (size_t)h->bands;
    size_t count = 0, half = 0;
    while (count != total) {
        const uint8_t *block;
        size_t n = read_block(s->r, &block);
        if (n == 0) {
            if (half == 0) break;
            block = (const uint8_t *)" ";
            n = 1;
        }
        /* work[0, half) still holds the carried token. */
        n = half + strip_comments(s, block, n, s->work + half);
        half = 0;
        if (n > 0 && !is_space(s->work[n - 1])) {
            size_t start = n;
            while (start > 0 && !is_space(s->work[start - 1])) start--;
            half = n - start;
            if (half > PNM_MAX_TOKEN)
                return fc__fail(err, FC_ERR_CORRUPT, "pnm: token too long in data");
            n = start;
        }
        fc_status st = plain_tokens(s, n, h, img, &count, total, err);
        if (st != FC_OK) return st;
        memmove(s->work, s->work + n, half);
    }
    if (count != total)
        return fc__fail(err, FC_ERR_TRUNCATED, "pnm: not enough image data");
    return FC_OK;
}

static fc_status decode_plain(pnm_reader *r, const pnm_header *h,
                              fc__image *img, fc_error *err)
{
    plain_state s = {r, 0, malloc(PNM_BLOCK + PNM_MAX_TOKEN + 1)};
    if (s.work == NULL)
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "pnm: out of memory");
    fc_status st = h->kind == 1 ? decode_p1(&s, img, err)
                                : decode_p23(&s, h, img, err);
    free(s.work);
    return st;
}

fc_status fc__decode_pnm(const uint8_t *data, size_t size,
                         const fc__decode_limits *limits, fc__image *img,
                         fc_error *err)
{
    pnm_reader r = {data, size, 0};
    pnm_header h;
    memset(img, 0, sizeof *img);
    fc_status st = read_header(&r, &h, err);
    if (st == FC_OK) st = allocate(&h, limits, img, err);
    if (st != FC_OK) return st;
    st = h.kind <= 3 ? decode_plain(&r, &h, img, err)
                     : decode_binary(&r, &h, img, err);
    if (st != FC_OK) fc__image_free(img);
    return st;
}
