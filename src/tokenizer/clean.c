#include "tokenizer/clean.h"

#include <utf8proc.h>

#include "tokenizer/cpset.h"
#include "tokenizer/ftfy.h"
#include "tokenizer/ftfy_inert.h"
#include "tokenizer/html.h"
#include "tokenizer/tables.h"

int fc__is_regex_space(uint32_t c)
{
    if (c == ' ') return 1;
    if (c < 0x09 || (c > 0x0D && c < 0x85)) return 0;
    return fc__cp_in_set(fc__regex_space, fc__regex_space_count, c);
}

static int is_py_space(uint32_t c)
{
    if (c == ' ') return 1;
    if (c < 0x09 || (c > 0x1F && c < 0x85)) return 0;
    return fc__cp_in_set(fc__py_space, fc__py_space_count, c);
}

/* str.strip(): drops str.isspace characters at both ends. */
static void strip(fc__u32buf *t)
{
    size_t a = 0, b = t->n;
    while (a < b && is_py_space(t->v[a])) a++;
    while (b > a && is_py_space(t->v[b - 1])) b--;
    if (a > 0)
        for (size_t i = a; i < b; i++) t->v[i - a] = t->v[i];
    t->n = b - a;
}

/* re.sub(r'\s+', ' ', text) with the regex module's \s. */
static void collapse_spaces(fc__u32buf *t)
{
    size_t o = 0;
    int in_run = 0;
    for (size_t i = 0; i < t->n; i++) {
        uint32_t c = t->v[i];
        if (c > ' ' && c < 0x80) { /* most characters: not a space */
            t->v[o++] = c;
            in_run = 0;
            continue;
        }
        int space = fc__is_regex_space(c);
        if (!(space && in_run)) t->v[o++] = space ? ' ' : c;
        in_run = space;
    }
    t->n = o;
}

/* Unicode's Cased and Case_Ignorable, as far as Python's final-sigma rule
 * needs them. */
static int is_cased(uint32_t c)
{
    return utf8proc_islower((utf8proc_int32_t)c) || utf8proc_isupper((utf8proc_int32_t)c) ||
           utf8proc_category((utf8proc_int32_t)c) == UTF8PROC_CATEGORY_LT;
}

static int is_case_ignorable(uint32_t c)
{
    switch (utf8proc_category((utf8proc_int32_t)c)) {
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_SK:
        return 1;
    default:
        break;
    }
    return c == '\'' || c == '.' || c == ':' || c == '^' || c == '`' || c == 0xB7 ||
           c == 0x387 || c == 0x55F || c == 0x5F4 || c == 0x2018 || c == 0x2019 ||
           c == 0x2024 || c == 0x2027 || c == 0xFE13 || c == 0xFE52 || c == 0xFE55 ||
           c == 0xFF07 || c == 0xFF0E || c == 0xFF1A;
}

/* Python's str.lower for capital sigma: final form at the end of a word. */
static uint32_t lower_sigma(const uint32_t *v, size_t n, size_t i)
{
    size_t j = i;
    while (j > 0 && is_case_ignorable(v[j - 1])) j--;
    if (j == 0 || !is_cased(v[j - 1])) return 0x3C3;
    j = i + 1;
    while (j < n && is_case_ignorable(v[j])) j++;
    return (j == n || !is_cased(v[j])) ? 0x3C2 : 0x3C3;
}

/* str.lower: the simple mappings, plus U+0130 (two code points) and final
 * sigma, the special cases Python applies. */
static int lower(fc__u32buf *t, fc__u32buf *out)
{
    size_t i = 0;
    for (; i < t->n && t->v[i] < 0x80; i++)
        if (t->v[i] >= 'A' && t->v[i] <= 'Z') t->v[i] += 32;
    if (i == t->n) return 0; /* ASCII: lowered in place */
    size_t special = i;
    while (special < t->n && t->v[special] != 0x130 && t->v[special] != 0x3A3) special++;
    if (special == t->n) { /* one code point each, no context: in place too */
        for (; i < t->n; i++) {
            uint32_t c = t->v[i];
            if (c < 0x80) t->v[i] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
            else t->v[i] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
        }
        return 0;
    }
    out->n = 0;
    for (i = 0; i < t->n; i++) {
        uint32_t c = t->v[i], l;
        if (c < 0x80) l = (c >= 'A' && c <= 'Z') ? c + 32 : c;
        else if (c == 0x130) {
            if (fc__u32_push(out, 'i') != 0) return -1;
            l = 0x307;
        } else if (c == 0x3A3) l = lower_sigma(t->v, t->n, i);
        else l = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
        if (fc__u32_push(out, l) != 0) return -1;
    }
    fc__u32_swap(t, out);
    return 0;
}

/* ftfy.fix_text, then html.unescape twice (Python's own, not ftfy's). */
static int fix_and_unescape(fc__u32buf *text, fc__u32buf *tmp)
{
    if (fc__ftfy_fix_text(text) != 0) return -1;
    for (int round = 0; round < 2; round++) {
        size_t amp = 0;
        while (amp < text->n && text->v[amp] != '&') amp++;
        if (amp == text->n) break;
        tmp->n = 0;
        if (fc__html_unescape(text->v, text->n, tmp) != 0) return -1;
        fc__u32_swap(text, tmp);
    }
    return 0;
}

int fc__clip_clean(fc__u32buf *text)
{
    fc__u32buf tmp = {0};
    int rc = -1;
    /* Inert text (ftfy_inert.h) is its own ftfy.fix_text and holds no '&'
     * for html.unescape: most captions skip both. */
    if (!fc__ftfy_inert_text(text->v, text->n) && fix_and_unescape(text, &tmp) != 0)
        goto done;
    strip(text);
    collapse_spaces(text);
    strip(text);
    rc = lower(text, &tmp);
done:
    fc__u32_free(&tmp);
    return rc;
}
