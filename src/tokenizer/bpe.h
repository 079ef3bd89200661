/* CLIP's byte-level BPE: the merges of bpe_simple_vocab_16e6.txt.gz, the
 * vocabulary built from them as SimpleTokenizer builds it, and the merge
 * loop of SimpleTokenizer.bpe. */
#ifndef FC_TEXT_BPE_H
#define FC_TEXT_BPE_H

#include <stddef.h>
#include <stdint.h>

#include "fastclip.h"

#define FC__BPE_MERGES 48894 /* 49152 - 256 - 2 */
#define FC__SOT_ID 49406
#define FC__EOT_ID 49407

typedef struct fc__bpe fc__bpe;

/* Builds the tables from the gzip-compressed merges file in memory. */
fc_status fc__bpe_load_gz(const uint8_t *gz, size_t size, fc__bpe **out, fc_error *err);
void fc__bpe_free(fc__bpe *bpe);

/* BPE of one piece (its UTF-8 bytes, m >= 1) into ids; `ids` and `ranks`
 * (scratch) hold m values each. Returns the number of ids. */
size_t fc__bpe_word(const fc__bpe *bpe, const uint8_t *bytes, size_t m, int32_t *ids,
                    int32_t *ranks);

/* What the symbols are, for building caches: merge `rank` (0 ..
 * FC__BPE_MERGES - 1) makes symbol 512 + rank from ids *left and *right;
 * symbol id < 512 is one byte (256 and up: the word's last). */
void fc__bpe_merge_pair(const fc__bpe *bpe, int32_t rank, int32_t *left, int32_t *right);
uint8_t fc__bpe_symbol_byte(const fc__bpe *bpe, int32_t id);

#endif
