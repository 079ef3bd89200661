#include "pipeline/output.h"

#include <math.h>

void fc__l2_normalize(float *row, size_t dim)
{
    double sum = 0.0;
    for (size_t k = 0; k < dim; k++) sum += (double)row[k] * (double)row[k];
    float norm = (float)sqrt(sum);
    for (size_t k = 0; k < dim; k++) row[k] = row[k] / norm;
}
