// Running the image and text towers: inputs onto the model's device, the
// TorchScript method, and the output checked and brought back as float32.
#include "model/model.hpp"

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

at::Tensor run(const torch::jit::Module &module, const char *method, const at::Tensor &input,
               int dim, bool normalize)
{
    // As the Python reference runs under torch.no_grad(): no autograd graph.
    torch::NoGradGuard no_grad;
    c10::IValue out;
    try {
        // get_method only reads the module; running a method from several
        // threads at once is safe (each run has its own interpreter frame).
        out = module.get_method(method)({input});
    } catch (const c10::Error &e) {
        throw failure(method, e.what_without_backtrace());
    } catch (const std::bad_alloc &) {
        throw;
    } catch (const std::exception &e) {
        // The TorchScript interpreter rethrows an operator's error as a
        // std::runtime_error carrying the script's traceback.
        throw failure(method, e.what());
    }
    if (!out.isTensor())
        throw Failure{FC_ERR_MODEL, std::string(method) + " returned " +
                                        out.tagKind() + ", not a tensor"};
    at::Tensor t = out.toTensor();
    int64_t rows = input.size(0);
    if (t.dim() != 2 || t.size(0) != rows || t.size(1) < 1 || (dim > 0 && t.size(1) != dim) ||
        !t.is_floating_point())
        throw Failure{FC_ERR_MODEL,
                      std::string(method) + " returned a " + std::string(c10::toString(t.scalar_type())) +
                          " tensor of shape " + shape_text(t) + "; expected floats of shape [" +
                          std::to_string(rows) + ", " + (dim > 0 ? std::to_string(dim) : "dim") + "]"};
    t = t.to(c10::kCPU).to(c10::kFloat).contiguous();
    // The reference's x / x.norm(dim=-1, keepdim=True), in float32.
    if (normalize)
        t = t / t.norm(2, {-1}, /*keepdim=*/true);
    return t;
}

} // namespace

at::Tensor Towers::encode_image(const at::Tensor &pixels, int dim, bool normalize) const
{
    return run(module, "encode_image", pixels.to(device, image_dtype), dim, normalize);
}

at::Tensor Towers::encode_text(const at::Tensor &tokens, int dim, bool normalize) const
{
    return run(module, "encode_text", tokens.to(device), dim, normalize);
}

} // namespace fc
