// Batch-size buckets for CUDA graphs (buckets.cpp). Plain C++, so that its
// unit test needs no LibTorch.
#ifndef FC_BACKEND_TORCHSCRIPT_BUCKETS_HPP
#define FC_BACKEND_TORCHSCRIPT_BUCKETS_HPP

#include <cstddef>
#include <vector>

namespace fc {

// 1, 2, 3, 4, 6, 8, 12, 16, 24, ... (powers of two and their halfway
// points) up to and including max_batch; empty when max_batch < 1.
std::vector<int> bucket_sizes(int max_batch);

// The smallest bucket that holds n, or 0 when n is larger than all.
int bucket_for(const std::vector<int> &buckets, size_t n);

} // namespace fc

#endif
