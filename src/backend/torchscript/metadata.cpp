// What a CLIP archive says about its inputs and outputs.
//
// OpenAI's archives carry `input_resolution`, `context_length` and
// `vocab_size` as integer tensors on the root module (clip.load reads
// model.input_resolution.item()). Scripted exports of OpenAI's code keep
// them as plain ints, with input_resolution on `visual`; open_clip keeps
// `visual.image_size`. Missing values are taken from the parameters where a
// CLIP's shapes give them away, and otherwise must come from the caller
// (fc_model_params.image_size and context_length).
#include "backend/torchscript/torchscript.hpp"

namespace fc {
namespace {

// CLIP's BPE vocabulary: 256 bytes, 256 bytes + "</w>", 48894 merges, and
// the start and end tokens. A model with another vocabulary cannot take
// our token ids.
constexpr int64_t kClipVocabulary = 49408;

// An int-like attribute: an int, a one-element integer tensor, or a tuple
// of equal ints (open_clip's (n, n) image_size). 0 when absent or not int.
int64_t int_attribute(const torch::jit::Module &module, const std::string &name)
{
    if (!module.hasattr(name))
        return 0;
    c10::IValue v = module.attr(name);
    if (v.isInt())
        return v.toInt();
    if (v.isTensor()) {
        at::Tensor t = v.toTensor();
        if (t.numel() == 1 && !t.is_floating_point() && !t.is_complex())
            return t.item<int64_t>();
        return 0;
    }
    if (v.isTuple()) {
        const auto &items = v.toTupleRef().elements();
        if (!items.empty() && items[0].isInt()) {
            for (const c10::IValue &item : items)
                if (!item.isInt() || item.toInt() != items[0].toInt())
                    return 0;
            return items[0].toInt();
        }
    }
    return 0;
}

// The submodule `name` of `module`, if there is one.
c10::optional<torch::jit::Module> child(const torch::jit::Module &module, const std::string &name)
{
    for (const auto &item : module.named_children())
        if (item.name == name)
            return item.value;
    return c10::nullopt;
}

// A parameter or buffer by its dotted name ("visual.proj"); undefined if none.
at::Tensor named_tensor(const torch::jit::Module &module, const std::string &name)
{
    for (const auto &item : module.named_parameters(/*recurse=*/true))
        if (item.name == name)
            return item.value;
    for (const auto &item : module.named_buffers(/*recurse=*/true))
        if (item.name == name)
            return item.value;
    return at::Tensor();
}

std::string text(int64_t v) { return std::to_string(v); }

} // namespace

Shape read_shape(const torch::jit::Module &module, int given_image_size, int given_context_length)
{
    Shape shape;
    c10::optional<torch::jit::Module> visual = child(module, "visual");

    int64_t image_size = given_image_size;
    if (image_size <= 0)
        image_size = int_attribute(module, "input_resolution");
    if (image_size <= 0 && visual)
        image_size = int_attribute(*visual, "input_resolution");
    if (image_size <= 0 && visual)
        image_size = int_attribute(*visual, "image_size");
    if (image_size <= 0)
        throw Failure{FC_ERR_MODEL, "cannot tell the model's image size: it has no "
                                    "input_resolution; set fc_model_params.image_size"};
    if (image_size > FC_MAX_SIZE)
        throw Failure{FC_ERR_MODEL, "model image size " + text(image_size) +
                                        " is over the largest supported, " + text(FC_MAX_SIZE)};

    // CLIP's text tower adds one positional embedding per token: its rows
    // are the context length when nothing else says, and must agree with
    // a context length the caller gives.
    at::Tensor positions = named_tensor(module, "positional_embedding");
    int64_t position_rows = positions.defined() && positions.dim() == 2 ? positions.size(0) : 0;
    int64_t context = given_context_length;
    if (context <= 0)
        context = int_attribute(module, "context_length");
    if (context <= 0)
        context = position_rows;
    if (context <= 0)
        throw Failure{FC_ERR_MODEL, "cannot tell the model's context length; set "
                                    "fc_model_params.context_length"};
    if (context < 2 || context > 1000000)
        throw Failure{FC_ERR_MODEL, "model context length " + text(context) + " is not usable"};
    if (given_context_length > 0 && position_rows > 0 && position_rows != context)
        throw Failure{FC_ERR_INVALID_ARGUMENT,
                      "params.context_length is " + text(context) + " but the model's text tower takes " +
                          text(position_rows) + " tokens (its positional_embedding)"};

    int64_t vocabulary = int_attribute(module, "vocab_size");
    if (vocabulary <= 0) {
        at::Tensor embedding = named_tensor(module, "token_embedding.weight");
        if (embedding.defined() && embedding.dim() == 2)
            vocabulary = embedding.size(0);
    }
    if (vocabulary > 0 && vocabulary != kClipVocabulary)
        throw Failure{FC_ERR_MODEL, "the model's vocabulary has " + text(vocabulary) +
                                        " tokens; CLIP's BPE tokenizer has " +
                                        text(kClipVocabulary)};

    // The embedding width, from the text projection (width x dim) when the
    // model is OpenAI's or open_clip's; otherwise fc_load finds it by a run.
    for (const char *name : {"text_projection", "visual.proj"}) {
        at::Tensor projection = named_tensor(module, name);
        if (projection.defined() && projection.dim() == 2) {
            shape.dim = static_cast<int>(projection.size(1));
            break;
        }
    }

    // Images go in as the dtype of the image tower's first convolution (every
    // CLIP image tower starts with one): float32 after "load:cpu", the
    // archive's own for "load:cuda". OpenAI's archives cast inside anyway.
    shape.image_dtype = c10::kFloat;
    if (visual) {
        for (const auto &item : visual->named_parameters(/*recurse=*/true)) {
            if (item.value.dim() == 4 && item.value.is_floating_point()) {
                shape.image_dtype = item.value.scalar_type();
                break;
            }
        }
    }

    shape.image_size = static_cast<int>(image_size);
    shape.context_length = static_cast<int>(context);
    return shape;
}

} // namespace fc
