// The GPU path in a build whose LibTorch has no CUDA (Debian's libtorch-dev,
// the CPU wheel): placement.cpp finds no GPU there before this is reached,
// so it only says so again.
#include "backend/torchscript/torchscript.hpp"

namespace fc {

class CudaRunner {};

void CudaRunnerFree::operator()(CudaRunner *r) const noexcept { delete r; }

CudaRunnerPtr make_cuda_runner(const Towers &, const Placement &placement, const fc__backend_options &)
{
    throw Failure{FC_ERR_DEVICE, placement.device.str() + ": this libfastclip was built against a LibTorch without CUDA"};
}

void cuda_encode_image(CudaRunner &, const float *, size_t, float *) {}
void cuda_encode_text(CudaRunner &, const int32_t *, size_t, float *) {}
void *cuda_host_alloc(CudaRunner &, size_t) { return nullptr; }
void cuda_host_free(CudaRunner &, void *) {}
bool cuda_graphs(CudaRunner &, std::string &why)
{
    why = "this libfastclip was built without CUDA";
    return false;
}
void cuda_release_cached_memory() noexcept {}

} // namespace fc
