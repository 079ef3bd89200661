#include "tokenizer/bpe.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/error.h"

#define PAIR_BITS 17 /* 131072 slots for 48894 merges */
#define PAIR_SLOTS (1u << PAIR_BITS)
#define EMPTY_KEY UINT64_MAX

struct fc__bpe {
    uint8_t byte_id[256];    /* byte -> id of its symbol (add 256 for </w>) */
    uint8_t id_byte[256];    /* the inverse: symbol id (mod 256) -> byte */
    int32_t merge_pair[FC__BPE_MERGES][2]; /* rank -> the ids it joins */
    uint64_t keys[PAIR_SLOTS]; /* (left id << 32) | right id */
    int32_t ranks[PAIR_SLOTS];
};

/* bytes_to_unicode(): the printable bytes keep their code point, the other
 * 68 get 256, 257, ... in byte order; ids follow that list's order. */
static int printable(unsigned b)
{
    return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
}

static uint32_t pair_slot(uint64_t key)
{
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - PAIR_BITS));
}

static int32_t pair_rank(const fc__bpe *bpe, int32_t a, int32_t b)
{
    uint64_t key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    for (uint32_t s = pair_slot(key);; s = (s + 1) & (PAIR_SLOTS - 1)) {
        if (bpe->keys[s] == key) return bpe->ranks[s];
        if (bpe->keys[s] == EMPTY_KEY) return INT32_MAX;
    }
}

size_t fc__bpe_word(const fc__bpe *bpe, const uint8_t *bytes, size_t m, int32_t *ids,
                    int32_t *ranks)
{
    for (size_t i = 0; i < m; i++) ids[i] = bpe->byte_id[bytes[i]];
    ids[m - 1] += 256;
    size_t n = m;
    /* ranks[i]: the rank of the pair (ids[i], ids[i+1]) */
    for (size_t i = 0; i + 1 < n; i++) ranks[i] = pair_rank(bpe, ids[i], ids[i + 1]);
    while (n > 1) {
        int32_t best = INT32_MAX;
        size_t at = 0;
        for (size_t i = 0; i + 1 < n; i++)
            if (ranks[i] < best) {
                best = ranks[i];
                at = i;
            }
        if (best == INT32_MAX) break;
        /* merge every occurrence of the best pair, left to right. A pair of
         * two copied symbols was a pair before (only a merge skips one), so
         * it keeps its rank; pairs with the new symbol are looked up. */
        int32_t first = ids[at], second = ids[at + 1], merged = 512 + best;
        size_t o = 0;
        for (size_t i = 0; i < n; o++) {
            if (i + 1 < n && ids[i] == first && ids[i + 1] == second) {
                ids[o] = merged;
                i += 2;
            } else {
                ranks[o] = ranks[i]; /* o <= i: a forward copy in place */
                ids[o] = ids[i++];
            }
        }
        n = o;
        for (size_t i = 0; i + 1 < n; i++)
            if (ids[i] == merged || ids[i + 1] == merged)
                ranks[i] = pair_rank(bpe, ids[i], ids[i + 1]);
    }
    return n;
}

void fc__bpe_merge_pair(const fc__bpe *bpe, int32_t rank, int32_t *left, int32_t *right)
{
    *left = bpe->merge_pair[rank][0];
    *right = bpe->merge_pair[rank][1];
}

uint8_t fc__bpe_symbol_byte(const fc__bpe *bpe, int32_t id)
{
    return bpe->id_byte[id & 255];
}

/* ---- loading ------------------------------------------------------------ */

/* Symbol strings (as the merges file spells them) -> ids, while loading. */
typedef struct strmap {
    const char **str;
    uint32_t *len;
    int32_t *id;
    size_t slots;
} strmap;

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return h;
}

static int32_t *strmap_slot(strmap *m, const char *s, size_t n)
{
    for (size_t k = hash_bytes(s, n) & (m->slots - 1);; k = (k + 1) & (m->slots - 1)) {
        if (m->str[k] == NULL) {
            m->str[k] = s;
            m->len[k] = (uint32_t)n;
            m->id[k] = -1;
            return &m->id[k];
        }
        if (m->len[k] == n && memcmp(m->str[k], s, n) == 0) return &m->id[k];
    }
}

static fc_status gunzip(const uint8_t *gz, size_t size, char **out, size_t *out_len,
                        fc_error *err)
{
    if (size > UINT_MAX)
        return fc__fail(err, FC_ERR_TOO_LARGE, "the BPE merges file is over 4 GiB");
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "cannot start zlib");
    zs.next_in = (Bytef *)(uintptr_t)gz;
    zs.avail_in = (uInt)size;
    size_t cap = 1 << 20, len = 0;
    char *buf = NULL;
    int zr = Z_OK;
    do {
        if (buf == NULL || len == cap) {
            size_t want = buf == NULL ? cap : cap * 2;
            char *bigger = want <= ((size_t)256 << 20) ? realloc(buf, want) : NULL;
            if (bigger == NULL) {
                free(buf);
                inflateEnd(&zs);
                return fc__fail(err, FC_ERR_OUT_OF_MEMORY,
                                "out of memory decompressing the BPE merges");
            }
            buf = bigger;
            cap = want;
        }
        zs.next_out = (Bytef *)(buf + len);
        zs.avail_out = (uInt)(cap - len);
        zr = inflate(&zs, Z_NO_FLUSH);
        len = cap - zs.avail_out;
    } while (zr == Z_OK);
    inflateEnd(&zs);
    if (zr != Z_STREAM_END) {
        free(buf);
        return fc__fail(err, FC_ERR_CORRUPT, "the BPE merges are not a valid gzip stream");
    }
    *out = buf;
    *out_len = len;
    return FC_OK;
}

/* The UTF-8 spelling of byte b's symbol (bytes_to_unicode()[b]). */
static size_t byte_symbol(unsigned b, unsigned n_before, char *out)
{
    unsigned cp = printable(b) ? b : 256 + n_before;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
}

static fc_status build(fc__bpe *bpe, const char *text, size_t len, fc_error *err)
{
    /* arena for the 512 byte symbols and the merged strings */
    size_t arena_cap = 512 * 6 + len + 16;
    char *arena = malloc(arena_cap);
    strmap m = {NULL, NULL, NULL, 1u << 17};
    m.str = calloc(m.slots, sizeof *m.str);
    m.len = calloc(m.slots, sizeof *m.len);
    m.id = calloc(m.slots, sizeof *m.id);
    fc_status st = FC_OK;
    if (arena == NULL || m.str == NULL || m.len == NULL || m.id == NULL) {
        st = fc__fail(err, FC_ERR_OUT_OF_MEMORY, "out of memory building the BPE tables");
        goto done;
    }
    size_t used = 0;
    unsigned extra = 0;
    int32_t id = 0;
    /* ids 0-255: bytes in bytes_to_unicode's order; 256-511 the same + </w> */
    for (int eow = 0; eow < 2; eow++) {
        extra = 0;
        for (int pass = 0; pass < 2; pass++)
            for (unsigned b = 0; b < 256; b++) {
                if (printable(b) != (pass == 0)) continue;
                char *s = arena + used;
                size_t n = byte_symbol(b, extra, s);
                if (!printable(b)) extra++;
                if (eow) {
                    memcpy(s + n, "</w>", 4);
                    n += 4;
                }
                used += n;
                *strmap_slot(&m, s, n) = id;
                if (!eow) {
                    bpe->byte_id[b] = (uint8_t)id;
                    bpe->id_byte[id] = (uint8_t)b;
                }
                id++;
            }
    }
    /* lines 1 .. 48894 of the file: "left right" */
    const char *p = memchr(text, '\n', len), *end = text + len;
    for (int32_t rank = 0; rank < FC__BPE_MERGES; rank++) {
        if (p == NULL || p + 1 >= end) {
            st = fc__fail(err, FC_ERR_CORRUPT, "the BPE merges file has only %d merges; "
                          "CLIP's has %d", (int)rank, FC__BPE_MERGES);
            goto done;
        }
        const char *line = p + 1;
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (eol == NULL) eol = end;
        const char *sp = memchr(line, ' ', (size_t)(eol - line));
        if (sp == NULL || sp == line || sp + 1 >= eol || memchr(sp + 1, ' ', (size_t)(eol - sp - 1))) {
            st = fc__fail(err, FC_ERR_CORRUPT, "line %d of the BPE merges file is not "
                          "two symbols separated by a space", (int)rank + 2);
            goto done;
        }
        size_t la = (size_t)(sp - line), lb = (size_t)(eol - sp - 1);
        int32_t a = *strmap_slot(&m, line, la), b = *strmap_slot(&m, sp + 1, lb);
        if (a < 0 || b < 0) {
            st = fc__fail(err, FC_ERR_CORRUPT, "line %d of the BPE merges file names a "
                          "symbol no earlier line makes", (int)rank + 2);
            goto done;
        }
        char *s = arena + used;
        memcpy(s, line, la);
        memcpy(s + la, sp + 1, lb);
        used += la + lb;
        *strmap_slot(&m, s, la + lb) = 512 + rank; /* a later duplicate wins, as in Python */
        bpe->merge_pair[rank][0] = a;
        bpe->merge_pair[rank][1] = b;
        uint64_t key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
        uint32_t slot = pair_slot(key);
        while (bpe->keys[slot] != EMPTY_KEY && bpe->keys[slot] != key)
            slot = (slot + 1) & (PAIR_SLOTS - 1);
        if (bpe->keys[slot] == EMPTY_KEY) { /* Python keeps the last rank */
            bpe->keys[slot] = key;
        }
        bpe->ranks[slot] = rank;
        p = eol < end ? eol : NULL;
    }
done:
    free(arena);
    free(m.str);
    free(m.len);
    free(m.id);
    return st;
}

fc_status fc__bpe_load_gz(const uint8_t *gz, size_t size, fc__bpe **out, fc_error *err)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    fc_status st = gunzip(gz, size, &text, &len, err);
    if (st != FC_OK) return st;
    fc__bpe *bpe = malloc(sizeof *bpe);
    if (bpe == NULL) {
        free(text);
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "out of memory for the BPE tables");
    }
    memset(bpe->keys, 0xFF, sizeof bpe->keys);
    st = build(bpe, text, len, err);
    free(text);
    if (st != FC_OK) {
        free(bpe);
        return st;
    }
    *out = bpe;
    return FC_OK;
}

void fc__bpe_free(fc__bpe *bpe)
{
    free(bpe);
}
