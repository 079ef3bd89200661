#include "tokenizer/utf8.h"

#include <string.h>

#include "common/error.h"

/* Decodes one sequence at s[0..n); returns its length, or 0 if invalid
 * (*why says how). */
static size_t decode_one(const uint8_t *s, size_t n, uint32_t *cp, const char **why)
{
    uint8_t b = s[0];
    size_t len;
    uint32_t v, min;
    if (b < 0x80) { *cp = b; return 1; }
    if (b < 0xC0) { *why = "a continuation byte where a character should start"; return 0; }
    if (b < 0xE0) { len = 2; v = b & 0x1Fu; min = 0x80; }
    else if (b < 0xF0) { len = 3; v = b & 0x0Fu; min = 0x800; }
    else if (b < 0xF8) { len = 4; v = b & 0x07u; min = 0x10000; }
    else { *why = "a byte that never occurs in UTF-8"; return 0; }
    for (size_t i = 1; i < len; i++) {
        if (i >= n || (s[i] & 0xC0) != 0x80) {
            *why = "a truncated multi-byte sequence";
            return 0;
        }
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min) { *why = "an overlong encoding"; return 0; }
    if (v >= 0xD800 && v <= 0xDFFF) { *why = "an encoded surrogate (U+D800-U+DFFF)"; return 0; }
    if (v > 0x10FFFF) { *why = "a value over U+10FFFF"; return 0; }
    *cp = v;
    return len;
}

fc_status fc__utf8_decode(const char *text, fc__u32buf *out, fc_error *err)
{
    const uint8_t *s = (const uint8_t *)text;
    size_t n = strlen(text);
    if (n == 0) return FC_OK;
    /* never more code points than bytes: one allocation, and no room check
     * per character */
    if (fc__u32_reserve(out, out->n + n) != 0)
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "out of memory decoding text");
    uint32_t *o = out->v + out->n;
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x80) { /* most text: no call, no checks */
            *o++ = s[i++];
            continue;
        }
        const char *why = "";
        size_t len = decode_one(s + i, n - i, o, &why);
        if (len == 0)
            return fc__fail(err, FC_ERR_INVALID_UTF8,
                            "text is not valid UTF-8: %s at byte %zu (0x%02X)",
                            why, i, s[i]);
        o++;
        i += len;
    }
    out->n = (size_t)(o - out->v);
    return FC_OK;
}

int fc__utf8_decode_bytes(const uint8_t *s, size_t n, fc__u32buf *out, int *oom)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        const char *why;
        size_t len = decode_one(s + i, n - i, &cp, &why);
        if (len == 0) return -1;
        if (fc__u32_push(out, cp) != 0) {
            *oom = 1;
            return -1;
        }
        i += len;
    }
    return 0;
}

size_t fc__utf8_encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}
