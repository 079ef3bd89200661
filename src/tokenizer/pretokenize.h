/* CLIP's split pattern (regex module, IGNORECASE):
 *   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
 * applied with findall to cleaned, lower-cased text. */
#ifndef FC_TEXT_PRETOKENIZE_H
#define FC_TEXT_PRETOKENIZE_H

#include <stddef.h>
#include <stdint.h>

typedef enum fc__piece_kind {
    FC__PIECE_TEXT = 0,
    FC__PIECE_START = 1, /* the literal <|startoftext|> */
    FC__PIECE_END = 2    /* the literal <|endoftext|> */
} fc__piece_kind;

/* Finds the next match at or after *pos in v[0..n); returns 1 and sets
 * [*start, *end) and *kind, or 0 at the end. *pos moves past the match. */
int fc__next_piece(const uint32_t *v, size_t n, size_t *pos, size_t *start,
                   size_t *end, fc__piece_kind *kind);

#endif
