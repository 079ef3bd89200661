/* Pillow's nearest-neighbour scaling (used for modes 1 and P whatever
 * filter is asked for). */
#include "resample/resample.h"

void fc__nearest_indices(int in_size, int64_t out_size, int64_t first,
                         int count, int *index)
{
    /* Pillow: a = (double)((float)in - (float)0) / out; position starts at
     * a / 2 and advances by repeated addition. Multiplying instead picks a
     * different source sample for some sizes, so we add too, skipping
     * nothing: the accumulation up to `first` must happen the same way. */
    double a = (double)((float)in_size - 0.0f) / (double)out_size;
    double pos = 0.0 + a * 0.5;
    for (int64_t x = 0; x < first; x++) pos += a;
    for (int i = 0; i < count; i++) {
        int src = pos < 0.0 ? -1 : (int)pos;
        index[i] = (src >= 0 && src < in_size) ? src : -1;
        pos += a;
    }
}
