/* Characters that no fixer of our ftfy subset can change, whatever their
 * neighbours: text made only of them is its own fix_text, so the tokenizer
 * skips ftfy for it (most captions: ASCII, Latin-1 letters, CJK, emoji). */
#ifndef FC_TEXT_FTFY_INERT_H
#define FC_TEXT_FTFY_INERT_H

#include <stddef.h>
#include <stdint.h>

/* 1 if `c` is inert (see ftfy_inert.c for why each excluded range is). */
int fc__ftfy_inert(uint32_t c);

/* 1 if every code point of v[0..n) is inert. */
int fc__ftfy_inert_text(const uint32_t *v, size_t n);

#endif
