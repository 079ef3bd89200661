// The TorchScript backend's internals: what its files share. Only
// src/backend/torchscript/ includes this.
#ifndef FC_BACKEND_TORCHSCRIPT_HPP
#define FC_BACKEND_TORCHSCRIPT_HPP

#include <memory>
#include <string>
#include <vector>

#include <torch/script.h>

#include "backend/backend.h"
#include "backend/torchscript/buckets.hpp"

namespace fc {

// A failure that carries its status; entry.cpp turns it into fc_error.
struct Failure {
    fc_status status;
    std::string message;
};

// Where and how a model runs (placement.cpp, from the backend options).
struct Placement {
    c10::Device device = c10::Device(c10::kCPU);
    fc__precision precision = FC__PRECISION_FLOAT32;
    // The float type the archive's float16 casts and floating weights are
    // made: Float for FLOAT32 and TF32, BFloat16, or Undefined to keep them.
    c10::ScalarType convert_to() const;
};

// Checks the device the C layer named against this LibTorch and machine:
// FC_ERR_DEVICE when it has no such GPU. Throws Failure.
Placement place(const fc__backend_options &options);

// Reads the archive at `path` for `placement`: the archive's "cuda" device
// constants are pointed at the target device, and for float32 its casts to
// float16 become casts to float32 and its floating weights float32, as
// OpenAI's clip.load(jit=True) does (for bfloat16 likewise, to bfloat16)
// (archive.cpp). Throws Failure or c10::Error.
torch::jit::Module load_archive(const std::string &path, const Placement &placement);

// Rewrites the linear layers of every method to run oneDNN's kernel when
// their input is float32 (onednn_linear.cpp); returns how many it
// rewrote, 0 when this LibTorch has no such kernel. For a model on the CPU.
int use_onednn_linear(torch::jit::Module &module);

// What a model says about its inputs and outputs (metadata.cpp).
struct Shape {
    int image_size = 0;     // n of the 3 x n x n input
    int context_length = 0; // tokens per text
    int dim = 0;            // embedding width; 0 when only a run can tell
    c10::ScalarType image_dtype = c10::kFloat;
};

// Reads image size, context length, embedding width and input dtype;
// `image_size` and `context_length` > 0 override what the model says.
// Throws Failure when something needed is missing or contradictory.
Shape read_shape(const torch::jit::Module &module, int image_size, int context_length);

// Runs `method` on `input` on the model's device (towers.cpp) and returns
// its output as it comes, after checking that it is a floating [rows, dim]
// tensor (dim 0: any width). Throws Failure: FC_ERR_MODEL, or
// FC_ERR_OUT_OF_MEMORY when the method ran out of memory.
at::Tensor call_tower(const torch::jit::Module &module, const char *method, const at::Tensor &input, int dim);

// The two towers (towers.cpp). Each takes a batch in host memory, runs the
// method on the model's device and writes float32 [n, shape.dim] rows to
// `out`. Throws Failure(FC_ERR_MODEL) when the method fails or returns
// anything but an [n, dim] tensor.
struct Towers {
    torch::jit::Module module;
    c10::Device device = c10::Device(c10::kCPU);
    c10::ScalarType image_dtype = c10::kFloat;
    Shape shape;

    void encode_image(const float *pixels, size_t n, float *out) const;
    void encode_text(const int32_t *ids, size_t n, float *out) const;
    // For a model whose width only a run can tell: runs both towers once
    // at batch 1 and returns the width they agree on.
    int probe_dim() const;
};

// The GPU path (cuda_runner.cpp; cuda_none.cpp in a build whose LibTorch
// has no CUDA): the towers run on per-call CUDA streams, from page-locked
// staging memory, replaying CUDA graphs captured per batch-size bucket.
class CudaRunner;
struct CudaRunnerFree {
    void operator()(CudaRunner *r) const noexcept;
};
using CudaRunnerPtr = std::unique_ptr<CudaRunner, CudaRunnerFree>;

// For towers on a CUDA device. Applies the precision's TF32 setting, which
// is process-wide: Failure(FC_ERR_INVALID_ARGUMENT) when it contradicts a
// live model's. `towers` must outlive the runner.
CudaRunnerPtr make_cuda_runner(const Towers &towers, const Placement &placement, const fc__backend_options &options);
// As Towers::encode_image and encode_text.
void cuda_encode_image(CudaRunner &runner, const float *pixels, size_t n, float *out);
void cuda_encode_text(CudaRunner &runner, const int32_t *ids, size_t n, float *out);
void *cuda_host_alloc(CudaRunner &runner, size_t bytes);
void cuda_host_free(CudaRunner &runner, void *p);
// Whether calls replay graphs; `why` says which, and why not.
bool cuda_graphs(CudaRunner &runner, std::string &why);
// Hands the caching allocator's unused GPU memory back to the driver (after
// a model is freed). A no-op without CUDA.
void cuda_release_cached_memory() noexcept;

} // namespace fc

#endif
