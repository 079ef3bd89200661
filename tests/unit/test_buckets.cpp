// The CUDA graph buckets of the TorchScript backend (buckets.cpp), which a
// machine without a GPU can check: the sizes, that every batch up to the
// micro-batch has a bucket, the smallest one, and how much padding that
// costs.
#include <cstdio>
#include <vector>

#include "backend/torchscript/buckets.hpp"
#include "check.h"

int main()
{
    using fc::bucket_for;
    using fc::bucket_sizes;
    CHECK((bucket_sizes(64) == std::vector<int>{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64}));
    CHECK((bucket_sizes(1) == std::vector<int>{1}));
    CHECK((bucket_sizes(2) == std::vector<int>{1, 2}));
    CHECK((bucket_sizes(5) == std::vector<int>{1, 2, 3, 4, 5}));
    CHECK((bucket_sizes(50) == std::vector<int>{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 50}));
    CHECK(bucket_sizes(0).empty() && bucket_sizes(-3).empty());
    for (int max : {1, 2, 3, 7, 48, 64, 100, 256, 4096}) {
        std::vector<int> b = bucket_sizes(max);
        bool ascending = true, fits = true, smallest = true, cheap = true;
        for (size_t i = 1; i < b.size(); i++)
            ascending &= b[i] > b[i - 1];
        for (int n = 1; n <= max; n++) {
            int k = bucket_for(b, static_cast<size_t>(n));
            fits &= k >= n && k <= max;
            for (int other : b)
                smallest &= !(other >= n && other < k);
            // Padding: at most a third of the bucket once past 2.
            cheap &= n <= 2 || 3 * (k - n) <= k;
        }
        CHECK(ascending && b.back() == max);
        CHECK(fits && smallest && cheap);
        CHECK(bucket_for(b, static_cast<size_t>(max) + 1) == 0);
        CHECK(b.size() <= 24);
    }
    CHECK(bucket_for({}, 1) == 0);
    return check_summary("buckets");
}
