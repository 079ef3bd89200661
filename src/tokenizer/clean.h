/* CLIP's text normalisation before the split: basic_clean (ftfy.fix_text,
 * html.unescape twice, strip), whitespace_clean and str.lower. */
#ifndef FC_TEXT_CLEAN_H
#define FC_TEXT_CLEAN_H

#include "tokenizer/u32buf.h"

/* Cleans `text` in place; 0, or -1 when out of memory. */
int fc__clip_clean(fc__u32buf *text);

/* 1 if `c` is in the regex module's \s. */
int fc__is_regex_space(uint32_t c);

#endif
