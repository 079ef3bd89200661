// Where a model runs: the device the C layer named, checked against this
// LibTorch and this machine.
#include <torch/cuda.h>

#include "backend/torchscript/torchscript.hpp"

namespace fc {

c10::ScalarType Placement::convert_to() const
{
    switch (precision) {
    case FC__PRECISION_FLOAT32:
    case FC__PRECISION_TF32: return c10::kFloat;
    case FC__PRECISION_BFLOAT16: return c10::kBFloat16;
    default: return c10::ScalarType::Undefined;
    }
}

Placement place(const fc__backend_options &options)
{
    Placement where;
    where.precision = options.precision;
    const std::string name = options.device ? options.device : "cpu";
    try {
        where.device = c10::Device(name);
    } catch (const c10::Error &) {
        throw Failure{FC_ERR_INVALID_ARGUMENT, "device \"" + name + "\": use \"cpu\", \"cuda\" or \"cuda:N\""};
    }
    if (where.device.is_cpu())
        return where;
    if (!where.device.is_cuda())
        throw Failure{FC_ERR_INVALID_ARGUMENT, "device \"" + name + "\": only cpu and cuda are supported"};
    int64_t index = where.device.has_index() ? where.device.index() : 0;
    size_t count = torch::cuda::is_available() ? torch::cuda::device_count() : 0;
    if (count == 0)
        throw Failure{FC_ERR_DEVICE, name + ": no CUDA GPU is available to LibTorch on this machine"};
    if (index < 0 || static_cast<size_t>(index) >= count)
        throw Failure{FC_ERR_DEVICE, name + ": this machine has " + std::to_string(count) + " CUDA GPU(s)"};
    where.device = c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
    return where;
}

} // namespace fc
