/* UTF-8: strict validation and decoding of caller text, and encoding. */
#ifndef FC_TEXT_UTF8_H
#define FC_TEXT_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "fastclip.h"
#include "tokenizer/u32buf.h"

/* Decodes NUL-terminated `text` into code points appended to `out`.
 * Rejects overlong forms, surrogates, values over U+10FFFF, stray
 * continuation bytes and truncated sequences with FC_ERR_INVALID_UTF8 and
 * a message giving the byte offset. */
fc_status fc__utf8_decode(const char *text, fc__u32buf *out, fc_error *err);

/* Decodes `n` bytes as strict UTF-8 into `out`; returns 0, or -1 if they are
 * not valid UTF-8 (or memory ran out: then *oom is set). */
int fc__utf8_decode_bytes(const uint8_t *s, size_t n, fc__u32buf *out, int *oom);

/* Writes the UTF-8 form of `cp` (a valid scalar value) to `out` (4 bytes of
 * room); returns the number of bytes. */
size_t fc__utf8_encode(uint32_t cp, uint8_t *out);

#endif
