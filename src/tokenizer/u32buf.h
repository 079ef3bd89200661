/* A growable array of code points: the working form of text while it is
 * cleaned. */
#ifndef FC_TEXT_U32BUF_H
#define FC_TEXT_U32BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct fc__u32buf {
    uint32_t *v;
    size_t n, cap;
} fc__u32buf;

/* Makes room for `need` code points in all; 0, or -1 when out of memory. */
int fc__u32_reserve(fc__u32buf *b, size_t need);

/* Appends one code point; returns 0, or -1 when out of memory. */
static inline int fc__u32_push(fc__u32buf *b, uint32_t cp)
{
    if (b->n == b->cap && fc__u32_reserve(b, b->n + 1) != 0) return -1;
    b->v[b->n++] = cp;
    return 0;
}
/* Appends `n` code points; 0 or -1. */
int fc__u32_append(fc__u32buf *b, const uint32_t *cps, size_t n);
/* Swaps the contents of two buffers. */
void fc__u32_swap(fc__u32buf *a, fc__u32buf *b);
void fc__u32_free(fc__u32buf *b);
/* 1 when both hold the same code points. */
int fc__u32_equal(const fc__u32buf *a, const fc__u32buf *b);

#endif
