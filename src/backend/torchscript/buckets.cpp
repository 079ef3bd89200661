// Batch-size buckets for CUDA graphs: a graph replays one shape, so a batch
// is padded up to the nearest captured size. Powers of two and their
// halfway points keep the padding to at most a third of the bucket with few
// graphs: 12 up to 64.
#include "backend/torchscript/buckets.hpp"

namespace fc {

std::vector<int> bucket_sizes(int max_batch)
{
    std::vector<int> sizes;
    for (int p = 1; p < max_batch; p *= 2) {
        sizes.push_back(p);
        int half = p + p / 2;
        if (p >= 2 && half < max_batch)
            sizes.push_back(half);
        if (p > max_batch / 2)
            break;
    }
    if (max_batch >= 1)
        sizes.push_back(max_batch);
    return sizes;
}

int bucket_for(const std::vector<int> &buckets, size_t n)
{
    for (int b : buckets)
        if (static_cast<size_t>(b) >= n)
            return b;
    return 0;
}

} // namespace fc
