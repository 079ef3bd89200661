/* Which characters ftfy.c's fixers can touch, fixer by fixer; everything
 * else is inert. tests/unit/test_tokenizer.c runs the full fixer chain over
 * every inert code point to hold this list to ftfy.c.
 *
 * - unescape_html: only '&' starts a reference.
 * - fix_encoding (whole text and decode_inconsistent_utf8): text can only
 *   decode as UTF-8 to something else if, re-encoded to Latin-1 or sloppy
 *   Windows-1252, it holds a continuation byte 0x80-0xBF: a lead byte
 *   (0xC0 and up) alone is invalid UTF-8, and ASCII decodes to itself. The
 *   characters giving such bytes are U+0080-U+00BF and the Windows-1252
 *   characters at 0x80-0x9F (Œ, š, €, ’ ...).
 * - fix_c1_controls: U+0080-U+009F, inside the range above.
 * - fix_latin_ligatures: U+0132-U+0149, U+01C4-U+01F3, U+FB00-U+FB06.
 * - fix_character_width: U+3000, U+FF01-U+FFEF.
 * - uncurl_quotes: U+02BC, U+2018-U+201F.
 * - fix_line_breaks, remove_terminal_escapes, remove_control_chars: C0
 *   controls but '\t' and '\n', U+007F, U+0085, U+2028, U+2029,
 *   U+206A-U+206F, U+FEFF, U+FFF9-U+FFFC.
 * - NFC: only the characters ftfy.c's nfc() already skips are known to be
 *   their own NFC with any neighbour: below U+0300, CJK ideographs U+4E00-
 *   U+9FFF, kana U+3041-U+30FF but the voicing marks U+3099/U+309A, and the
 *   emoji blocks U+1F300-U+1FAFF. Everything else from U+0300 up is left
 *   to the fixers, which also covers the ranges above U+0300 in this list. */
#include "tokenizer/ftfy_inert.h"

#include "tokenizer/tables.h"

/* A Windows-1252 character of bytes 0x80-0x9F (the table's entries for the
 * five undefined bytes are U+0081 ... themselves, below U+00C0). */
static int cp1252_c1_char(uint32_t c)
{
    for (int b = 0; b < 32; b++)
        if (fc__sloppy_cp1252_c1[b] == c) return 1;
    return 0;
}

int fc__ftfy_inert(uint32_t c)
{
    if (c < 0x80) return c >= 0x20 ? c != '&' && c != 0x7F : c == '\t' || c == '\n';
    if (c < 0xC0) return 0;
    if (c < 0x300) {
        if ((c >= 0x132 && c <= 0x149) || (c >= 0x1C4 && c <= 0x1F3) || c == 0x2BC) return 0;
        /* the Windows-1252 letters and accents (Œ, Š, ƒ, ˆ ...) lie in
         * U+0152-U+02DC; skip the search for the common Latin-1 letters */
        return c < 0x152 || c > 0x2DC || !cp1252_c1_char(c);
    }
    return (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0x3041 && c <= 0x30FF && c != 0x3099 && c != 0x309A) ||
           (c >= 0x1F300 && c <= 0x1FAFF);
}

int fc__ftfy_inert_text(const uint32_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t c = v[i];
        if (c >= 0x20 && c < 0x7F && c != '&') continue; /* printable ASCII: the bulk */
        if (!fc__ftfy_inert(c)) return 0;
    }
    return 1;
}
