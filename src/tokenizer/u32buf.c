#include "tokenizer/u32buf.h"

#include <stdlib.h>
#include <string.h>

int fc__u32_reserve(fc__u32buf *b, size_t need)
{
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2 / sizeof(uint32_t)) return -1;
        cap *= 2;
    }
    uint32_t *v = realloc(b->v, cap * sizeof *v);
    if (v == NULL) return -1;
    b->v = v;
    b->cap = cap;
    return 0;
}

int fc__u32_append(fc__u32buf *b, const uint32_t *cps, size_t n)
{
    if (n == 0) return 0;
    if (fc__u32_reserve(b, b->n + n) != 0) return -1;
    memcpy(b->v + b->n, cps, n * sizeof *cps);
    b->n += n;
    return 0;
}

void fc__u32_swap(fc__u32buf *a, fc__u32buf *b)
{
    fc__u32buf t = *a;
    *a = *b;
    *b = t;
}

void fc__u32_free(fc__u32buf *b)
{
    free(b->v);
    b->v = NULL;
    b->n = b->cap = 0;
}

int fc__u32_equal(const fc__u32buf *a, const fc__u32buf *b)
{
    return a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof *a->v) == 0);
}
