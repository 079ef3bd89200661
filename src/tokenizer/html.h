/* HTML character references: Python's html.unescape, and ftfy's more
 * cautious unescape_html (only complete references ending in ';', plus
 * upper-cased names such as &EACUTE;). */
#ifndef FC_TEXT_HTML_H
#define FC_TEXT_HTML_H

#include "tokenizer/u32buf.h"

/* Both append the unescaped form of in[0..n) to `out`; 0, or -1 when out of
 * memory. */
int fc__html_unescape(const uint32_t *in, size_t n, fc__u32buf *out);
int fc__ftfy_unescape_html(const uint32_t *in, size_t n, fc__u32buf *out);

#endif
