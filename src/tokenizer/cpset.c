#include "tokenizer/cpset.h"

int fc__cp_in_set(const uint32_t *set, size_t n, uint32_t c)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (set[mid] == c) return 1;
        if (set[mid] < c) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}
