/* The BPE of whole words, computed once when a tokenizer is made: every
 * vocabulary symbol that ends a word ("photo</w>", "café</w>", ".</w>")
 * is a piece the split commonly yields, and a hash lookup of its bytes
 * replaces the merge loop. Immutable once built, so threads share it
 * without locks. */
#ifndef FC_TEXT_WORDCACHE_H
#define FC_TEXT_WORDCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "fastclip.h"
#include "tokenizer/bpe.h"

typedef struct fc__wordcache fc__wordcache;

/* Runs fc__bpe_word on the bytes of every word-ending symbol of `bpe` and
 * keeps the results. */
fc_status fc__wordcache_build(const fc__bpe *bpe, fc__wordcache **out, fc_error *err);
void fc__wordcache_free(fc__wordcache *cache);

/* The BPE of the piece bytes[0..m) if it is cached: points *ids at its ids
 * (owned by the cache) and returns their number; 0 when it is not. */
size_t fc__wordcache_find(const fc__wordcache *cache, const uint8_t *bytes, size_t m,
                          const int32_t **ids);

/* The number of words cached (for tests). */
size_t fc__wordcache_size(const fc__wordcache *cache);

#endif
