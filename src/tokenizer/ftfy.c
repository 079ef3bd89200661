/* ftfy.fix_text with its default TextFixerConfig: the text is fixed line by
 * line ("segments" ending in '\n'); each segment goes through the fixers in
 * ftfy's order until a whole round changes nothing. */
#include "tokenizer/ftfy.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tokenizer/html.h"
#include "tokenizer/tables.h"
#include "tokenizer/utf8.h"

/* ftfy's TextFixerConfig.max_decode_length */
#define MAX_SEGMENT 1000000

typedef struct work {
    fc__u32buf cur, tmp;
} work;

static int all_ascii(const fc__u32buf *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i] >= 0x80) return 0;
    return 1;
}

/* Text -> bytes in Latin-1 (cp1252 = 0) or ftfy's sloppy Windows-1252
 * (cp1252 = 1); -1 if a character has no byte there. */
static int encode_single_byte(const fc__u32buf *t, int cp1252, uint8_t *out)
{
    for (size_t i = 0; i < t->n; i++) {
        uint32_t c = t->v[i];
        if (c < 0x80 || (c >= 0xA0 && c <= 0xFF) || (!cp1252 && c <= 0xFF)) {
            out[i] = (uint8_t)c;
            continue;
        }
        if (!cp1252) return -1;
        int found = -1;
        for (int b = 0; b < 32; b++)
            if (fc__sloppy_cp1252_c1[b] == c) found = b;
        if (found < 0) return -1;
        out[i] = (uint8_t)(0x80 + found);
    }
    return 0;
}

/* The byte a character stands for in Latin-1 or sloppy Windows-1252, or -1. */
static int mojibake_byte(uint32_t c)
{
    if (c >= 0x80 && c <= 0xFF) return (int)c;
    for (int b = 0; b < 32; b++)
        if (fc__sloppy_cp1252_c1[b] == c) return 0x80 + b;
    return -1;
}

/* decode_inconsistent_utf8: mojibake inside text that as a whole is in no
 * single-byte encoding (say "cafÃ©" in a Greek sentence). ftfy finds such
 * runs with a table of likely characters from several code pages and checks
 * them with its badness heuristic; we fix the sequences whose Latin-1 /
 * Windows-1252 bytes form complete UTF-8 characters and start with the
 * commonest mojibake leads: Â Ã (Latin-1 letters and symbols), Ð Ñ
 * (Cyrillic), â (punctuation such as â€™) and ã-é (CJK, as in æ—¥æœ¬). */
static int fix_embedded_utf8(work *w, int *oom)
{
    const uint32_t *v = w->cur.v;
    size_t n = w->cur.n;
    int changed = 0;
    w->tmp.n = 0;
    for (size_t i = 0; i < n;) {
        int lead = mojibake_byte(v[i]);
        size_t len = (lead == 0xC2 || lead == 0xC3 || lead == 0xD0 || lead == 0xD1) ? 2
                   : (lead == 0xE2 || (lead >= 0xE3 && lead <= 0xE9)) ? 3 : 0;
        uint8_t seq[4];
        size_t k = 0;
        if (len != 0 && i + len <= n) {
            for (k = 0; k < len; k++) {
                int b = mojibake_byte(v[i + k]);
                if (b < 0 || (k > 0 && (b & 0xC0) != 0x80)) break;
                seq[k] = (uint8_t)b;
            }
        }
        size_t before = w->tmp.n;
        if (len != 0 && k == len && fc__utf8_decode_bytes(seq, len, &w->tmp, oom) == 0) {
            changed = 1;
            i += len;
            continue;
        }
        if (*oom) return 0;
        w->tmp.n = before;
        if (fc__u32_push(&w->tmp, v[i]) != 0) {
            *oom = 1;
            return 0;
        }
        i++;
    }
    if (changed) fc__u32_swap(&w->cur, &w->tmp);
    return changed;
}

/* One step of fix_encoding: UTF-8 that was decoded as Latin-1 or
 * Windows-1252 ("cafÃ©"). ftfy first asks its badness heuristic whether the
 * text looks like mojibake; we take "re-encodes to valid UTF-8 with at least
 * one multi-byte character" as the sign instead. Returns 1 if it changed. */
static int fix_encoding_step(work *w, int *oom)
{
    if (w->cur.n == 0 || all_ascii(&w->cur)) return 0;
    uint8_t *bytes = malloc(w->cur.n);
    if (bytes == NULL) {
        *oom = 1;
        return 0;
    }
    int changed = 0;
    for (int cp1252 = 0; cp1252 <= 1 && !changed; cp1252++) {
        if (encode_single_byte(&w->cur, cp1252, bytes) != 0) continue;
        w->tmp.n = 0;
        if (fc__utf8_decode_bytes(bytes, w->cur.n, &w->tmp, oom) == 0) {
            fc__u32_swap(&w->cur, &w->tmp);
            changed = 1;
        } else if (*oom) {
            break;
        } else if (!cp1252) {
            /* ftfy goes on to the next encoding */
        }
    }
    free(bytes);
    if (!changed && !*oom) changed = fix_embedded_utf8(w, oom);
    return changed;
}

static int is_control(uint32_t c)
{
    return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F ||
           (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

static const uint32_t *ligature(uint32_t c)
{
    /* the table's characters: U+0132-0149, U+01C4-01F3, U+FB00-FB06 */
    if (c < 0x132 || (c > 0x1F3 && c < 0xFB00) || c > 0xFB06) return NULL;
    for (size_t i = 0; i < fc__ftfy_ligature_count; i++)
        if (fc__ftfy_ligatures[i].from == c) return fc__ftfy_ligatures[i].to;
    return NULL;
}

static const uint32_t *width(uint32_t c)
{
    if (c != 0x3000 && (c < 0xFF01 || c >= 0xFFF0)) return NULL;
    size_t lo = 0, hi = fc__ftfy_width_map_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (fc__ftfy_width_map[mid].from == c) return fc__ftfy_width_map[mid].to;
        if (fc__ftfy_width_map[mid].from < c) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* uncurl_quotes on one character, then appended. */
static int push_uncurled(fc__u32buf *b, uint32_t d)
{
    if (d == 0x2BC || (d >= 0x2018 && d <= 0x201B)) d = '\'';
    else if (d >= 0x201C && d <= 0x201F) d = '"';
    return fc__u32_push(b, d);
}

/* fix_c1_controls, fix_latin_ligatures, fix_character_width, uncurl_quotes:
 * each maps one character to a few, and they never feed each other, so one
 * pass does all four in order. */
static int map_chars(work *w)
{
    w->tmp.n = 0;
    for (size_t i = 0; i < w->cur.n; i++) {
        uint32_t c = w->cur.v[i];
        if (c >= 0x80 && c <= 0x9F) c = fc__sloppy_cp1252_c1[c - 0x80];
        /* a ligature's letters are never wide or C1 (but 'ŉ' gives U+02BC,
         * which uncurl_quotes then straightens) */
        const uint32_t *m = ligature(c);
        int max = 3;
        if (m == NULL) {
            m = width(c);
            max = 2;
        }
        if (m == NULL) {
            if (push_uncurled(&w->tmp, c) != 0) return -1;
            continue;
        }
        for (int k = 0; k < max && m[k] != 0; k++)
            if (push_uncurled(&w->tmp, m[k]) != 0) return -1;
    }
    fc__u32_swap(&w->cur, &w->tmp);
    return 0;
}

/* fix_line_breaks, remove_terminal_escapes, remove_control_chars. */
static int line_breaks_and_controls(work *w)
{
    fc__u32buf *in = &w->cur;
    size_t at = 0;
    for (; at < in->n; at++) {
        uint32_t c = in->v[at];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F || c == 0x85 ||
            c == 0x2028 || c == 0x2029 || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF ||
            (c >= 0xFFF9 && c <= 0xFFFC))
            break;
    }
    if (at == in->n) return 0; /* nothing for these three to do */
    w->tmp.n = 0;
    /* line breaks first, over the whole text */
    for (size_t i = 0; i < in->n; i++) {
        uint32_t c = in->v[i];
        if (c == '\r' && i + 1 < in->n && in->v[i + 1] == '\n') continue;
        if (c == '\r' || c == 0x2028 || c == 0x2029 || c == 0x85) c = '\n';
        if (fc__u32_push(&w->tmp, c) != 0) return -1;
    }
    fc__u32_swap(&w->cur, &w->tmp);
    /* ESC [ (digit|;)* letter */
    w->tmp.n = 0;
    for (size_t i = 0; i < in->n; i++) {
        if (in->v[i] == 0x1B && i + 1 < in->n && in->v[i + 1] == '[') {
            size_t k = i + 2;
            while (k < in->n && ((in->v[k] >= '0' && in->v[k] <= '9') || in->v[k] == ';')) k++;
            if (k < in->n && in->v[k] < 0x80 &&
                ((in->v[k] | 0x20) >= 'a' && (in->v[k] | 0x20) <= 'z')) {
                i = k;
                continue;
            }
        }
        if (fc__u32_push(&w->tmp, in->v[i]) != 0) return -1;
    }
    fc__u32_swap(&w->cur, &w->tmp);
    w->tmp.n = 0;
    for (size_t i = 0; i < in->n; i++)
        if (!is_control(in->v[i]) && fc__u32_push(&w->tmp, in->v[i]) != 0) return -1;
    fc__u32_swap(&w->cur, &w->tmp);
    return 0;
}

/* Characters that are their own NFC and never compose with a neighbour:
 * everything below U+0300, CJK ideographs, kana other than the two voicing
 * marks, and the emoji blocks. Text made only of them is already NFC. */
static int nfc_inert(uint32_t c)
{
    return c < 0x300 || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0x3041 && c <= 0x30FF && c != 0x3099 && c != 0x309A) ||
           (c >= 0x1F300 && c <= 0x1FAFF);
}

static int nfc(work *w)
{
    size_t k = 0;
    while (k < w->cur.n && nfc_inert(w->cur.v[k])) k++;
    if (k == w->cur.n) return 0;
    size_t len = 0;
    for (size_t i = 0; i < w->cur.n; i++) len += w->cur.v[i] < 0x80 ? 1 : 4;
    uint8_t *s = malloc(len + 1);
    if (s == NULL) return -1;
    len = 0;
    for (size_t i = 0; i < w->cur.n; i++) len += fc__utf8_encode(w->cur.v[i], s + len);
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t got = utf8proc_map(s, (utf8proc_ssize_t)len, &dst,
                                        UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    free(s);
    if (got < 0) return -1;
    int oom = 0;
    w->tmp.n = 0;
    int bad = fc__utf8_decode_bytes(dst, (size_t)got, &w->tmp, &oom);
    free(dst);
    if (bad) return -1;
    fc__u32_swap(&w->cur, &w->tmp);
    return 0;
}

static int contains(const uint32_t *v, size_t n, uint32_t c)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == c) return 1;
    return 0;
}

/* fix_and_explain for one segment, left in w->cur. */
static int fix_segment(work *w, int unescape, fc__u32buf *orig)
{
    for (;;) {
        orig->n = 0;
        if (fc__u32_append(orig, w->cur.v, w->cur.n) != 0) return -1;
        if (unescape && contains(w->cur.v, w->cur.n, '&')) {
            w->tmp.n = 0;
            if (fc__ftfy_unescape_html(w->cur.v, w->cur.n, &w->tmp) != 0) return -1;
            fc__u32_swap(&w->cur, &w->tmp);
        }
        int oom = 0;
        while (fix_encoding_step(w, &oom)) {}
        if (oom) return -1;
        if (map_chars(w) != 0 || line_breaks_and_controls(w) != 0 || nfc(w) != 0)
            return -1;
        if (fc__u32_equal(&w->cur, orig)) return 0;
    }
}

int fc__ftfy_fix_text(fc__u32buf *text)
{
    work w = {{0}, {0}};
    fc__u32buf orig = {0}, out = {0};
    int unescape = 1, rc = 0;
    for (size_t pos = 0; pos < text->n && rc == 0;) {
        size_t end = pos;
        while (end < text->n && text->v[end] != '\n') end++;
        end = end < text->n ? end + 1 : end;
        if (end - pos > MAX_SEGMENT) end = pos + MAX_SEGMENT;
        if (contains(text->v + pos, end - pos, '<')) unescape = 0;
        w.cur.n = 0;
        rc = fc__u32_append(&w.cur, text->v + pos, end - pos);
        if (rc == 0) rc = fix_segment(&w, unescape, &orig);
        if (rc == 0) rc = fc__u32_append(&out, w.cur.v, w.cur.n);
        pos = end;
    }
    if (rc == 0) fc__u32_swap(text, &out);
    fc__u32_free(&out);
    fc__u32_free(&orig);
    fc__u32_free(&w.cur);
    fc__u32_free(&w.tmp);
    return rc;
}
