#include "text/pretokenize.h"

#include <utf8proc.h>

#include "text/clean.h"

enum { CLASS_OTHER, CLASS_LETTER, CLASS_NUMBER, CLASS_SPACE };

static int char_class(uint32_t c)
{
    if (c < 0x80) {
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return CLASS_LETTER;
        if (c >= '0' && c <= '9') return CLASS_NUMBER;
        if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return CLASS_SPACE;
        return CLASS_OTHER;
    }
    if (fc__is_regex_space(c)) return CLASS_SPACE;
    switch (utf8proc_category((utf8proc_int32_t)c)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
        return CLASS_LETTER;
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return CLASS_NUMBER;
    default:
        return CLASS_OTHER;
    }
}

/* Case-insensitive equality with an ASCII letter of the pattern, as the
 * regex module's IGNORECASE does it on lower-cased text (U+017F LONG S
 * folds to 's'). */
static int ci_eq(uint32_t c, char p)
{
    return c == (uint32_t)p || (p == 's' && c == 0x17F);
}

static size_t match_literal(const uint32_t *v, size_t n, size_t i, const char *lit)
{
    size_t k = 0;
    for (; lit[k] != '\0'; k++)
        if (i + k >= n || !ci_eq(v[i + k], lit[k])) return 0;
    return k;
}

int fc__next_piece(const uint32_t *v, size_t n, size_t *pos, size_t *start,
                   size_t *end, fc__piece_kind *kind)
{
    static const char *const contractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
    size_t i = *pos;
    while (i < n) {
        uint32_t c = v[i];
        size_t len = 0;
        *kind = FC__PIECE_TEXT;
        if (c == '<') {
            if ((len = match_literal(v, n, i, "<|startoftext|>")) != 0) *kind = FC__PIECE_START;
            else if ((len = match_literal(v, n, i, "<|endoftext|>")) != 0) *kind = FC__PIECE_END;
        } else if (c == '\'') {
            for (size_t k = 0; k < 7 && len == 0; k++)
                len = match_literal(v, n, i, contractions[k]);
        }
        if (len == 0) {
            int cls = char_class(c);
            if (cls == CLASS_SPACE) {
                i++;
                continue;
            }
            len = 1;
            if (cls == CLASS_LETTER)
                while (i + len < n && char_class(v[i + len]) == CLASS_LETTER) len++;
            else if (cls == CLASS_OTHER)
                while (i + len < n && char_class(v[i + len]) == CLASS_OTHER) len++;
        }
        *start = i;
        *end = i + len;
        *pos = i + len;
        return 1;
    }
    *pos = n;
    return 0;
}
