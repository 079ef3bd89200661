#include "tokenizer/pretokenize.h"

#include <utf8proc.h>

#include "tokenizer/clean.h"

enum { CLASS_OTHER, CLASS_LETTER, CLASS_NUMBER, CLASS_SPACE };

/* The class of an ASCII character, as a constant expression so that the
 * table below is built from it: [a-zA-Z] letters, [0-9] numbers, regex's
 * ASCII \s (space, \t \n \v \f \r). */
#define ASCII_CLASS(c)                                                           \
    ((((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z') ? CLASS_LETTER                 \
     : ((c) >= '0' && (c) <= '9')                 ? CLASS_NUMBER                 \
     : ((c) == ' ' || ((c) >= 0x09 && (c) <= 0x0D)) ? CLASS_SPACE : CLASS_OTHER)
#define ROW8(c)                                                                  \
    ASCII_CLASS(c), ASCII_CLASS(c + 1), ASCII_CLASS(c + 2), ASCII_CLASS(c + 3), \
    ASCII_CLASS(c + 4), ASCII_CLASS(c + 5), ASCII_CLASS(c + 6), ASCII_CLASS(c + 7)

/* One load per ASCII character instead of a chain of comparisons. */
static const uint8_t ascii_class[128] = {
    ROW8(0x00), ROW8(0x08), ROW8(0x10), ROW8(0x18), ROW8(0x20), ROW8(0x28),
    ROW8(0x30), ROW8(0x38), ROW8(0x40), ROW8(0x48), ROW8(0x50), ROW8(0x58),
    ROW8(0x60), ROW8(0x68), ROW8(0x70), ROW8(0x78),
};

static int char_class(uint32_t c)
{
    if (c < 0x80) return ascii_class[c];
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
