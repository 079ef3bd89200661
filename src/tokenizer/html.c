#include "tokenizer/html.h"

#include <stdlib.h>
#include <string.h>

#include "tokenizer/cpset.h"
#include "tokenizer/tables.h"

static int cmp_entity(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const fc__entity *)elem)->name);
}

static const fc__entity *find(const fc__entity *table, size_t count, const char *name)
{
    return bsearch(name, table, count, sizeof *table, cmp_entity);
}

static int push_entity(fc__u32buf *out, const fc__entity *e)
{
    for (int i = 0; i < 3 && e->cp[i] != 0; i++)
        if (fc__u32_push(out, e->cp[i]) != 0) return -1;
    return 0;
}

static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }
static int is_hex(uint32_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static int is_alnum(uint32_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_invalid_codepoint(uint32_t v)
{
    return fc__cp_in_set(fc__html_invalid_codepoints, fc__html_invalid_codepoint_count, v);
}

/* html.unescape's _replace_charref for a numeric reference of value v
 * (saturated: anything over U+10FFFF is just "too big"). */
static int push_numeric(fc__u32buf *out, uint32_t v)
{
    if (v == 0) return fc__u32_push(out, 0xFFFD);
    if (v == 0x0D) return fc__u32_push(out, 0x0D);
    if (v >= 0x80 && v <= 0x9F) return fc__u32_push(out, fc__sloppy_cp1252_c1[v - 0x80]);
    if ((v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) return fc__u32_push(out, 0xFFFD);
    if (is_invalid_codepoint(v)) return 0;
    return fc__u32_push(out, v);
}

/* Tries a reference at in[i] == '&'; returns the number of code points
 * consumed (0: no reference here, the '&' is literal) or -1 when out of
 * memory. */
static long unescape_at(const uint32_t *in, size_t n, size_t i, fc__u32buf *out)
{
    size_t j = i + 1;
    if (j < n && in[j] == '#') {
        int hex = j + 1 < n && (in[j + 1] == 'x' || in[j + 1] == 'X');
        size_t k = j + 1 + (size_t)hex, start = k;
        uint32_t v = 0;
        while (k < n && (hex ? is_hex(in[k]) : is_digit(in[k]))) {
            uint32_t d = is_digit(in[k]) ? in[k] - '0' : (in[k] | 0x20) - 'a' + 10;
            v = v > 0x10FFFF ? v : v * (hex ? 16u : 10u) + d;
            k++;
        }
        if (k == start) {
            if (hex) return 0; /* "&#x" without digits: nothing matches */
            return 0;
        }
        if (k < n && in[k] == ';') k++;
        if (push_numeric(out, v) != 0) return -1;
        return (long)(k - i);
    }
    /* [^\t\n\f <&#;]{1,32};? */
    char name[40];
    size_t k = j, len = 0;
    while (k < n && len < 32) {
        uint32_t c = in[k];
        if (c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' ||
            c == '&' || c == '#' || c == ';')
            break;
        name[len++] = c < 0x80 ? (char)c : '\x01';
        k++;
    }
    if (len == 0) return 0;
    if (k < n && in[k] == ';') {
        name[len++] = ';';
        k++;
    }
    name[len] = '\0';
    const fc__entity *e = find(fc__html5_entities, fc__html5_entity_count, name);
    if (e != NULL) {
        if (push_entity(out, e) != 0) return -1;
        return (long)(k - i);
    }
    for (size_t x = len - 1; x > 1; x--) {
        char saved = name[x];
        name[x] = '\0';
        e = find(fc__html5_entities, fc__html5_entity_count, name);
        name[x] = saved;
        if (e != NULL) {
            if (push_entity(out, e) != 0) return -1;
            /* the rest of the match is kept as it is, not rescanned */
            if (fc__u32_append(out, in + j + x, (k - j) - x) != 0) return -1;
            return (long)(k - i);
        }
    }
    /* '&' + s unchanged; the match is consumed */
    if (fc__u32_append(out, in + i, k - i) != 0) return -1;
    return (long)(k - i);
}

int fc__html_unescape(const uint32_t *in, size_t n, fc__u32buf *out)
{
    for (size_t i = 0; i < n;) {
        if (in[i] == '&') {
            long used = unescape_at(in, n, i, out);
            if (used < 0) return -1;
            if (used > 0) {
                i += (size_t)used;
                continue;
            }
        }
        if (fc__u32_push(out, in[i]) != 0) return -1;
        i++;
    }
    return 0;
}

/* ftfy: &#?[0-9A-Za-z]{1,24}; ; returns the match length or 0. */
static size_t ftfy_match(const uint32_t *in, size_t n, size_t i)
{
    size_t j = i + 1;
    for (int hash = 1; hash >= 0; hash--) {
        size_t k = j;
        if (hash) {
            if (k >= n || in[k] != '#') continue;
            k++;
        }
        size_t start = k;
        while (k < n && k - start < 24 && is_alnum(in[k])) k++;
        /* {1,24} then ';': backtracking cannot help, a shorter run is
         * followed by an alphanumeric, not ';' */
        if (k > start && k < n && in[k] == ';') return k + 1 - i;
    }
    return 0;
}

int fc__ftfy_unescape_html(const uint32_t *in, size_t n, fc__u32buf *out)
{
    for (size_t i = 0; i < n;) {
        size_t m = in[i] == '&' ? ftfy_match(in, n, i) : 0;
        if (m == 0) {
            if (fc__u32_push(out, in[i]) != 0) return -1;
            i++;
            continue;
        }
        if (in[i + 1] == '#') {
            /* html.unescape of the match, unless that leaves a ';' */
            fc__u32buf tmp = {0};
            int bad = fc__html_unescape(in + i, m, &tmp);
            int has_semi = 0;
            for (size_t t = 0; !bad && t < tmp.n; t++) has_semi |= tmp.v[t] == ';';
            if (!bad) bad = has_semi ? fc__u32_append(out, in + i, m)
                                     : fc__u32_append(out, tmp.v, tmp.n);
            fc__u32_free(&tmp);
            if (bad) return -1;
        } else {
            char name[32];
            size_t len = m - 2; /* without '&' and ';' */
            for (size_t t = 0; t < len; t++) name[t] = (char)in[i + 1 + t];
            name[len] = ';';
            name[len + 1] = '\0';
            const fc__entity *e = find(fc__html5_entities, fc__html5_entity_count, name);
            if (e == NULL) {
                name[len] = '\0';
                e = find(fc__ftfy_upper_entities, fc__ftfy_upper_entity_count, name);
            }
            if (e != NULL ? push_entity(out, e) : fc__u32_append(out, in + i, m)) return -1;
        }
        i += m;
    }
    return 0;
}
