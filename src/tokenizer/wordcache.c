#include "tokenizer/wordcache.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* Longer symbols are rare as words and a merges file given at run time could
 * make symbols of any length (each merge may double one), so they are not
 * cached; their pieces still go through the merge loop. */
#define MAX_WORD 64
#define SYMBOLS (512 + FC__BPE_MERGES)

typedef struct slot {
    uint32_t tag;    /* the key's hash with bit 0 set; 0: an empty slot */
    uint32_t key_at; /* the key's bytes: keys + key_at */
    int32_t id;      /* n_ids == 1: the id; else its ids: ids + id */
    uint8_t key_len, n_ids;
} slot;

struct fc__wordcache {
    slot *slots;
    uint32_t mask; /* slots - 1, a power of two less one */
    size_t count;
    uint8_t *keys;
    int32_t *ids;
};

static uint64_t hash(const uint8_t *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

/* The slot holding the key, or the empty slot where it belongs. */
static slot *probe(const fc__wordcache *c, const uint8_t *bytes, size_t m, uint64_t h)
{
    uint32_t tag = (uint32_t)(h >> 32) | 1u;
    for (uint32_t i = (uint32_t)h & c->mask;; i = (i + 1) & c->mask) {
        slot *s = &c->slots[i];
        if (s->tag == 0) return s;
        if (s->tag == tag && s->key_len == m && memcmp(c->keys + s->key_at, bytes, m) == 0)
            return s;
    }
}

size_t fc__wordcache_find(const fc__wordcache *cache, const uint8_t *bytes, size_t m,
                          const int32_t **ids)
{
    if (m > MAX_WORD) return 0;
    const slot *s = probe(cache, bytes, m, hash(bytes, m));
    if (s->tag == 0) return 0;
    *ids = s->n_ids == 1 ? &s->id : cache->ids + s->id;
    return s->n_ids;
}

size_t fc__wordcache_size(const fc__wordcache *cache)
{
    return cache->count;
}

void fc__wordcache_free(fc__wordcache *cache)
{
    if (cache == NULL) return;
    free(cache->slots);
    free(cache->keys);
    free(cache->ids);
    free(cache);
}

/* ---- building -------------------------------------------------------------- */

/* Every symbol's byte length (capped at MAX_WORD + 1) and whether it ends a
 * word, from the merges in rank order. */
typedef struct symbols {
    uint8_t len[SYMBOLS];
    uint8_t ends_word[SYMBOLS];
} symbols;

static void measure(const fc__bpe *bpe, symbols *sy)
{
    for (int32_t id = 0; id < 512; id++) {
        sy->len[id] = 1;
        sy->ends_word[id] = id >= 256;
    }
    for (int32_t r = 0; r < FC__BPE_MERGES; r++) {
        int32_t a, b;
        fc__bpe_merge_pair(bpe, r, &a, &b);
        unsigned len = (unsigned)sy->len[a] + sy->len[b];
        sy->len[512 + r] = (uint8_t)(len > MAX_WORD ? MAX_WORD + 1 : len);
        sy->ends_word[512 + r] = sy->ends_word[b];
    }
}

/* Writes the bytes of a symbol of at most MAX_WORD bytes; returns the end.
 * Its parts are earlier symbols and shorter, so the recursion is at most
 * MAX_WORD deep. */
static uint8_t *spell(const fc__bpe *bpe, int32_t id, uint8_t *out)
{
    if (id < 512) {
        *out = fc__bpe_symbol_byte(bpe, id);
        return out + 1;
    }
    int32_t a, b;
    fc__bpe_merge_pair(bpe, id - 512, &a, &b);
    return spell(bpe, b, spell(bpe, a, out));
}

fc_status fc__wordcache_build(const fc__bpe *bpe, fc__wordcache **out, fc_error *err)
{
    *out = NULL;
    symbols *sy = malloc(sizeof *sy);
    fc__wordcache *c = calloc(1, sizeof *c);
    if (sy == NULL || c == NULL) goto oom;
    measure(bpe, sy);
    size_t words = 0, key_bytes = 0;
    for (int32_t id = 0; id < SYMBOLS; id++)
        if (sy->ends_word[id] && sy->len[id] <= MAX_WORD) {
            words++;
            key_bytes += sy->len[id];
        }
    size_t slots = 1024;
    while (slots < words + words / 2) slots *= 2; /* at most two thirds full */
    c->slots = calloc(slots, sizeof *c->slots);
    c->mask = (uint32_t)(slots - 1);
    c->keys = malloc(key_bytes);
    /* a word's BPE has at most as many ids as the word has bytes */
    c->ids = malloc((key_bytes ? key_bytes : 1) * sizeof *c->ids);
    if (c->slots == NULL || c->keys == NULL || c->ids == NULL) goto oom;
    size_t keys_used = 0, ids_used = 0;
    int32_t ranks[MAX_WORD];
    for (int32_t id = 0; id < SYMBOLS; id++) {
        if (!sy->ends_word[id] || sy->len[id] > MAX_WORD) continue;
        uint8_t *key = c->keys + keys_used;
        size_t m = (size_t)(spell(bpe, id, key) - key);
        uint64_t h = hash(key, m);
        slot *s = probe(c, key, m, h);
        if (s->tag != 0) continue; /* two merges spelling one word */
        int32_t *ids = c->ids + ids_used;
        size_t n = fc__bpe_word(bpe, key, m, ids, ranks);
        s->tag = (uint32_t)(h >> 32) | 1u;
        s->key_at = (uint32_t)keys_used;
        s->key_len = (uint8_t)m;
        s->n_ids = (uint8_t)n;
        if (n == 1) {
            s->id = ids[0];
        } else {
            s->id = (int32_t)ids_used;
            ids_used += n;
        }
        keys_used += m;
        c->count++;
    }
    /* the ids of words of several tokens are few: give back the rest */
    int32_t *fit = realloc(c->ids, (ids_used ? ids_used : 1) * sizeof *c->ids);
    if (fit != NULL) c->ids = fit;
    free(sy);
    *out = c;
    return FC_OK;
oom:
    free(sy);
    fc__wordcache_free(c);
    return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "out of memory building the word cache");
}
