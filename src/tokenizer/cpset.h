/* Membership in the sorted code point sets of tables.c. */
#ifndef FC_TEXT_CPSET_H
#define FC_TEXT_CPSET_H

#include <stddef.h>
#include <stdint.h>

/* 1 when `c` is one of the `n` ascending values of `set`, by bisection. */
int fc__cp_in_set(const uint32_t *set, size_t n, uint32_t c);

#endif
