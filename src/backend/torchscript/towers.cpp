// Running the image and text towers: host inputs onto the model's device,
// the TorchScript method, and the output checked and brought back as
// float32 rows.
#include <cstring>
#include <vector>

#include <torch/csrc/jit/runtime/graph_executor.h>

#include "backend/torchscript/torchscript.hpp"

namespace fc {
namespace {

std::string shape_text(const at::Tensor &t)
{
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); i++)
        s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

// One line that says why a method failed: LibTorch's messages run to
// tracebacks, whose last "Error: " line names the cause.
Failure failure(const char *method, const std::string &message)
{
    std::string why = message;
    size_t cause = why.rfind("Error: ");
    if (cause != std::string::npos && why.find("Traceback") != std::string::npos)
        why = why.substr(cause + 7);
    why = why.substr(0, why.find('\n'));
    fc_status status = why.find("out of memory") != std::string::npos ? FC_ERR_OUT_OF_MEMORY : FC_ERR_MODEL;
    return Failure{status, std::string(method) + " failed: " + why};
}

} // namespace

at::Tensor call_tower(const torch::jit::Module &module, const char *method, const at::Tensor &input, int dim)
{
    // As the Python reference runs under torch.no_grad(): no autograd graph.
    torch::NoGradGuard no_grad;
    // On a GPU the profiling executor would, after its first runs, fuse
    // the graph for the shapes it saw: the first calls and other batch
    // sizes would then round differently from later ones. Unoptimised, a
    // method runs the same kernels from its first call, at every size (and
    // the setting is per thread: other LibTorch users are not touched). On
    // the CPU the executor fuses nothing, and the reference's bits are
    // those of the optimised graph, so it stays on there.
    torch::jit::GraphOptimizerEnabledGuard optimizer(!input.is_cuda() && torch::jit::getGraphExecutorOptimize());
    c10::IValue result;
    try {
        // get_method only reads the module; running a method from several
        // threads at once is safe (each run has its own interpreter frame).
        result = module.get_method(method)({input});
    } catch (const c10::Error &e) {
        throw failure(method, e.what_without_backtrace());
    } catch (const std::bad_alloc &) {
        throw;
    } catch (const std::exception &e) {
        // The TorchScript interpreter rethrows an operator's error as a
        // std::runtime_error carrying the script's traceback.
        throw failure(method, e.what());
    }
    if (!result.isTensor())
        throw Failure{FC_ERR_MODEL, std::string(method) + " returned " + result.tagKind() + ", not a tensor"};
    at::Tensor t = result.toTensor();
    int64_t rows = input.size(0);
    if (t.dim() != 2 || t.size(0) != rows || t.size(1) < 1 || (dim > 0 && t.size(1) != dim) ||
        !t.is_floating_point())
        throw Failure{FC_ERR_MODEL,
                      std::string(method) + " returned a " + std::string(c10::toString(t.scalar_type())) +
                          " tensor of shape " + shape_text(t) + "; expected floats of shape [" +
                          std::to_string(rows) + ", " + (dim > 0 ? std::to_string(dim) : "dim") + "]"};
    return t;
}

namespace {

// Runs `method` on `input`: its [rows, dim] output as float32 on the CPU.
at::Tensor run(const torch::jit::Module &module, const char *method, const at::Tensor &input, int dim)
{
    return call_tower(module, method, input, dim).to(c10::kCPU).to(c10::kFloat).contiguous();
}

void copy_rows(const at::Tensor &t, float *out)
{
    std::memcpy(out, t.data_ptr<float>(), static_cast<size_t>(t.numel()) * sizeof *out);
}

at::Tensor image_input(const float *pixels, size_t n, const Towers &towers)
{
    const int64_t side = towers.shape.image_size;
    // The buffer is only read: from_blob wraps it without a copy (on the
    // CPU in float32 the method reads it in place).
    at::Tensor x = at::from_blob(const_cast<float *>(pixels), {static_cast<int64_t>(n), 3, side, side},
                                 at::kFloat);
    return x.to(towers.device, towers.image_dtype);
}

at::Tensor text_input(const int32_t *ids, size_t n, const Towers &towers)
{
    at::Tensor x = at::from_blob(const_cast<int32_t *>(ids),
                                 {static_cast<int64_t>(n), static_cast<int64_t>(towers.shape.context_length)},
                                 at::kInt);
    // CLIP's text towers take int64 ids, as clip.tokenize makes them.
    return x.to(towers.device, at::kLong);
}

} // namespace

void Towers::encode_image(const float *pixels, size_t n, float *out) const
{
    copy_rows(run(module, "encode_image", image_input(pixels, n, *this), shape.dim), out);
}

void Towers::encode_text(const int32_t *ids, size_t n, float *out) const
{
    copy_rows(run(module, "encode_text", text_input(ids, n, *this), shape.dim), out);
}

int Towers::probe_dim() const
{
    std::vector<float> image(3 * static_cast<size_t>(shape.image_size) * shape.image_size, 0.0f);
    // A text of no words: CLIP's start and end tokens, then padding.
    std::vector<int32_t> ids(static_cast<size_t>(shape.context_length), 0);
    ids[0] = 49406;
    ids[1] = 49407;
    try {
        at::Tensor a = run(module, "encode_image", image_input(image.data(), 1, *this), 0);
        int dim = static_cast<int>(a.size(1));
        run(module, "encode_text", text_input(ids.data(), 1, *this), dim);
        return dim;
    } catch (const Failure &f) {
        throw Failure{f.status, "first run at load: " + f.message};
    }
}

} // namespace fc
