// Reading a TorchScript CLIP archive and making it runnable where asked.
//
// OpenAI's released archives were traced on a GPU in float16. Their graphs
// hold Device constants for "cuda:0" (where intermediate tensors such as
// the class token's zeros are made) and aten::to casts to float16 (dtype 5).
// OpenAI's clip.load(name, device, jit=True) rewrites both in place before
// running them: every "cuda..." Device constant becomes the target device,
// and on the CPU every float16 constant fed to aten::to as its dtype becomes
// float32, after which model.float() converts the floating weights. We do
// exactly the same, so that our results are Python's results.
#include <cerrno>
#include <cstring>
#include <functional>

#include <sys/stat.h>

#include "backend/torchscript/torchscript.hpp"

namespace fc {
namespace {

using torch::jit::Block;
using torch::jit::Graph;
using torch::jit::Node;

constexpr int64_t kHalf = static_cast<int64_t>(c10::ScalarType::Half);   // 5

void for_each_node(Block *block, const std::function<void(Node *)> &visit)
{
    for (Node *node : block->nodes()) {
        visit(node);
        for (Block *inner : node->blocks())
            for_each_node(inner, visit);
    }
}

bool is_device_constant(const Node *node)
{
    return node->kind() == c10::prim::Constant &&
           node->hasAttribute(c10::attr::value) &&
           node->kindOf(c10::attr::value) == torch::jit::AttributeKind::s &&
           node->output()->type()->kind() == c10::TypeKind::DeviceObjType;
}

// As clip.load: "cuda..." constants point at the target, and nothing else
// changes. A "cpu" constant (an export traced on the CPU) stays on the CPU,
// so such an archive fails on a GPU here as it does in clip.load; scripted
// exports, and archives traced on a GPU, run anywhere (docs/models.md).
void patch_devices(Graph &graph, const c10::Device &target)
{
    const std::string name = target.str();
    for_each_node(graph.block(), [&](Node *node) {
        if (is_device_constant(node) && node->s(c10::attr::value).rfind("cuda", 0) == 0)
            node->s_(c10::attr::value, name);
    });
}

// As clip.load's patch_float: the dtype of aten::to is its second or third
// input; an int constant 5 there (shared or not) becomes `to` (6 for
// float32, as clip.load; 15 for bfloat16), in place.
void patch_half_casts(Graph &graph, int64_t to)
{
    for_each_node(graph.block(), [&](Node *node) {
        if (node->kind() != c10::aten::to)
            return;
        for (size_t i : {1, 2}) {
            if (i >= node->inputs().size())
                continue;
            Node *constant = node->inputs()[i]->node();
            if (constant->kind() == c10::prim::Constant &&
                constant->hasAttribute(c10::attr::value) &&
                constant->kindOf(c10::attr::value) == torch::jit::AttributeKind::i &&
                constant->i(c10::attr::value) == kHalf)
                constant->i_(c10::attr::value, to);
        }
    });
}

void patch_graphs(torch::jit::Module &module, const Placement &placement)
{
    // Every method of every submodule: a superset of clip.load's forward,
    // forward1, encode_image and encode_text, so scripted archives whose
    // helpers live in other methods are covered too.
    for (const torch::jit::Module &sub : module.modules()) {
        for (const torch::jit::Method &method : sub.get_methods()) {
            std::shared_ptr<Graph> graph = method.graph();
            patch_devices(*graph, placement.device);
            if (placement.convert_to() != c10::ScalarType::Undefined)
                patch_half_casts(*graph, static_cast<int64_t>(placement.convert_to()));
        }
    }
}

// For float32, model.float(): every floating parameter and buffer (an
// integer buffer such as input_resolution stays as it is). For bfloat16,
// the float16 ones only: the archive's own choice of what runs in half
// precision (OpenAI's keep LayerNorm and embeddings float32). Returns how
// many tensors changed.
int convert_weights(torch::jit::Module &module, c10::ScalarType to)
{
    int changed = 0;
    auto convert = [&](at::Tensor t) {
        bool wanted = to == c10::kBFloat16 ? t.scalar_type() == c10::kHalf
                                           : t.is_floating_point() && t.scalar_type() != to;
        if (wanted) {
            t.set_data(t.to(to));
            changed++;
        }
    };
    for (at::Tensor t : module.parameters(/*recurse=*/true))
        convert(t);
    for (at::Tensor t : module.buffers(/*recurse=*/true))
        convert(t);
    return changed;
}

// Why torch::jit::load refused a file, in a few words: LibTorch's own
// messages run long and suggest a corrupted checkpoint, which misleads
// when the file was never an archive at all.
std::string why_not_torchscript(const std::string &message)
{
    if (message.find("not a ZIP archive") != std::string::npos ||
        message.find("failed reading zip archive") != std::string::npos)
        return " is not a TorchScript archive (not a zip file)";
    if (message.find("constants.pkl") != std::string::npos ||
        message.find("code/") != std::string::npos)
        return " is a zip file without TorchScript code (a state dict saved with "
               "torch.save? export the model with torch.jit.script or torch.jit.trace, "
               "see docs/models.md)";
    std::string first = message.substr(0, message.find('\n'));
    first = first.substr(0, first.find(". "));
    return " is not a TorchScript archive LibTorch can read: " + first;
}

} // namespace

torch::jit::Module load_archive(const std::string &path, const Placement &placement)
{
    // The C layer has checked that `path` is a regular file it can read;
    // stat again (it never blocks) in case it went away since.
    struct stat sb;
    if (stat(path.c_str(), &sb) != 0)
        throw Failure{FC_ERR_IO, "cannot open " + path + ": " + std::strerror(errno)};
    if (!S_ISREG(sb.st_mode))
        throw Failure{FC_ERR_IO, path + " is not a regular file"};

    // Read on the CPU, then the weights moved: clip.load reads straight
    // onto its device (map_location), which puts the archive's tensor
    // constants on the GPU too. Traced graphs compute sizes from them
    // (head_dim = embed_dim // num_heads, then int()), and on the GPU every
    // such int() waits for the device: slower, and no CUDA graph can be
    // captured around it. The values are the same either way.
    const c10::ScalarType to = placement.convert_to();
    const bool convert = to != c10::ScalarType::Undefined;
    torch::jit::Module module;
    try {
        module = torch::jit::load(path, c10::Device(c10::kCPU));
    } catch (const c10::Error &e) {
        throw Failure{FC_ERR_MODEL, path + why_not_torchscript(e.what_without_backtrace())};
    }
    module.eval();

    for (const char *name : {"encode_image", "encode_text"})
        if (!module.find_method(name))
            throw Failure{FC_ERR_MODEL, path + " has no " + name +
                                            " method: not a CLIP model"};

    patch_graphs(module, placement);
    if (convert && convert_weights(module, to) == 0 && to == c10::kBFloat16)
        throw Failure{FC_ERR_INVALID_ARGUMENT,
                      path + " has no float16 weights: bfloat16 runs an archive's float16 "
                             "weights and casts in bfloat16 (OpenAI's archives); use float32"};
    if (!placement.device.is_cpu())
        module.to(placement.device);
    return module;
}

} // namespace fc
