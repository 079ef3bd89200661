// The model wrapper's internals: what a loaded fc_model holds, and the
// C++ functions behind the C API in api.cpp. Only src/model/ includes this.
#ifndef FC_MODEL_MODEL_HPP
#define FC_MODEL_MODEL_HPP

#include <string>

#include <torch/script.h>

#include "fastclip.h"

namespace fc {

// A model error that carries its status; api.cpp turns it into fc_error.
struct Failure {
    fc_status status;
    std::string message;
};

// Where and how a model runs, from fc_load's mode and params.
struct Placement {
    c10::Device device = c10::Device(c10::kCPU);
    bool float32 = true; // "load:cpu": weights and graph casts made float32
};

// Reads the archive at `path` for `placement`: the archive's device
// constants are pointed at the target device, and for float32 its casts to
// float16 become casts to float32 and its floating weights float32, as
// OpenAI's clip.load(jit=True) does (archive.cpp). Throws Failure or c10::Error.
torch::jit::Module load_archive(const std::string &path, const Placement &placement);

// Rewrites the linear layers of every method to run oneDNN's kernel when
// their input is float32 (onednn_linear.cpp); returns how many it
// rewrote, 0 when this LibTorch has no such kernel. For a model on the CPU.
int use_onednn_linear(torch::jit::Module &module);

// What fc_load learns about a model from its attributes and parameters.
struct Shape {
    int image_size = 0;     // n of the 3 x n x n input
    int context_length = 0; // tokens per text
    int dim = 0;            // embedding width; 0 when only a run can tell
    c10::ScalarType image_dtype = c10::kFloat;
};

// Reads image size, context length, embedding width and input dtype
// (metadata.cpp); `params` values > 0 override what the model says.
// Throws Failure when something needed is missing or contradictory.
Shape read_shape(const torch::jit::Module &module, const fc_model_params &params);

// The two towers (towers.cpp). Each takes a batch on the CPU, runs the
// method on the model's device and returns float32 [N, dim] on the CPU,
// L2-normalised rows when `normalize`. Throws Failure(FC_ERR_MODEL) when the
// method fails or returns anything but an [N, dim] tensor (dim 0: any).
struct Towers {
    torch::jit::Module module;
    c10::Device device = c10::Device(c10::kCPU);
    c10::ScalarType image_dtype = c10::kFloat;

    at::Tensor encode_image(const at::Tensor &pixels, int dim, bool normalize) const;
    at::Tensor encode_text(const at::Tensor &tokens, int dim, bool normalize) const;
};

} // namespace fc

#endif
