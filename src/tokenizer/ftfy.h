/* The part of ftfy 6.3.1's fix_text (default settings) that this library
 * reproduces; docs/tokenizer.md lists what is left out. */
#ifndef FC_TEXT_FTFY_H
#define FC_TEXT_FTFY_H

#include "tokenizer/u32buf.h"

/* Replaces the contents of `text` with ftfy.fix_text(text); 0, or -1 when
 * out of memory. It runs every fixer: callers skip it for inert text
 * (ftfy_inert.h), which it would return unchanged. */
int fc__ftfy_fix_text(fc__u32buf *text);

#endif
