/* The merges file built into the library: bpe_simple_vocab_16e6.txt.gz from
 * the openai-clip 1.0.1 package, its SHA-256 checked by the Makefile and its
 * bytes included by the generated $(BUILD)/gen/bpe_data.S. */
#ifndef FC_TEXT_BPE_DATA_H
#define FC_TEXT_BPE_DATA_H

extern const unsigned char fc__bpe_gz[];
extern const unsigned char fc__bpe_gz_end[];

#endif
