/* What happens to an embedding row between the backend and the caller. */
#ifndef FC_PIPELINE_OUTPUT_H
#define FC_PIPELINE_OUTPUT_H

#include <stddef.h>

/* Divides `row` by its L2 norm, in float32 as the reference's
 * x / x.norm(dim=-1, keepdim=True) does; the norm itself is summed in
 * double, so it is the float nearest the exact norm (torch sums in float,
 * in an order that depends on the CPU: the two differ by a rounding at
 * most, see docs/models.md). A zero row becomes NaN, as in torch. */
void fc__l2_normalize(float *row, size_t dim);

#endif
