// Faster CPU kernels for a float32 model's linear layers.
//
// Nearly all of a CLIP tower's time on the CPU is its linear layers at a
// batch of a few dozen tokens. LibTorch runs aten::linear as an MKL sgemm,
// and MKL picks a slow code path on CPUs that are not Intel's: on the AMD
// EPYC (Zen 4) of our CI machines, oneDNN's matmul (which LibTorch also
// carries, as mkldnn::_linear_pointwise) takes 0.42 times MKL's time for the
// ViT-B/32 shapes. oneDNN sums in another order than MKL, so results move by
// a few float32 roundings (measured: up to 6.2e-6 on a ViT-B/32-shaped
// model, docs/models.md); that is why fc_model_params.kernels lets a caller keep the reference kernels,
// which give Python's bits exactly.
//
// The swap is a graph rewrite done once at load. Each linear layer
//     aten::linear(x, W, b)
//     aten::addmm(b, x, aten::t(W), 1, 1)    (torch <= 1.7 traces, 2-D x)
//     aten::matmul(x, aten::t(W))            (torch <= 1.7 traces, n-D x)
// becomes
//     if x.dtype == float32 (and, for matmul, W.dim() == 2):
//         mkldnn::_linear_pointwise(x, W, b, "none", [], "")
//     else:
//         the original node
// The guard costs a few interpreter steps per layer and keeps every model
// that ran before running (oneDNN refuses float64, for one).
#include <unordered_set>
#include <vector>

#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/csrc/jit/ir/ir.h>

#include "backend/torchscript/torchscript.hpp"

namespace fc {
namespace {

using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

const char *const kOneDnnLinear = "mkldnn::_linear_pointwise";

bool is_int_constant(const Value *v, int64_t want)
{
    const Node *n = v->node();
    return n->kind() == c10::prim::Constant && n->hasAttribute(c10::attr::value) &&
           n->kindOf(c10::attr::value) == torch::jit::AttributeKind::i && n->i(c10::attr::value) == want;
}

// W when `v` is aten::t(W), else nullptr.
Value *transposed_weight(Value *v)
{
    Node *n = v->node();
    return n->kind() == c10::aten::t && n->inputs().size() == 1 ? n->input(0) : nullptr;
}

struct Linear {
    Node *node;
    Value *x, *w, *b;  // b nullptr: no bias
    bool check_weight; // matmul's W may be 1-D, which oneDNN does not take
};

// The linear layer `node` computes, if it is one of the forms above.
bool as_linear(Node *node, Linear *out)
{
    auto inputs = node->inputs();
    if (node->kind() == c10::aten::linear && inputs.size() == 3 && node->outputs().size() == 1) {
        Value *b = inputs[2]->type()->kind() == c10::TypeKind::NoneType ? nullptr : inputs[2];
        *out = {node, inputs[0], inputs[1], b, false};
        return true;
    }
    if (node->kind() == c10::aten::addmm && inputs.size() == 5 && is_int_constant(inputs[3], 1) &&
        is_int_constant(inputs[4], 1)) {
        if (Value *w = transposed_weight(inputs[2])) {
            *out = {node, inputs[1], w, inputs[0], false};
            return true;
        }
    }
    if (node->kind() == c10::aten::matmul && inputs.size() == 2) {
        if (Value *w = transposed_weight(inputs[1])) {
            *out = {node, inputs[0], w, nullptr, true};
            return true;
        }
    }
    return false;
}

void collect(torch::jit::Block *block, std::vector<Linear> &found)
{
    for (Node *node : block->nodes()) {
        Linear l;
        if (as_linear(node, &l))
            found.push_back(l);
        for (torch::jit::Block *inner : node->blocks())
            collect(inner, found);
    }
}

void swap(Graph &graph, const Linear &l)
{
    torch::jit::WithInsertPoint at_node(l.node);
    Value *dtype = graph.insert(c10::prim::dtype, {l.x});
    Value *ok = graph.insert(c10::aten::eq, {dtype, static_cast<int64_t>(c10::ScalarType::Float)});
    if (l.check_weight) {
        Value *dims = graph.insert(c10::aten::dim, {l.w});
        ok = graph.insert(c10::aten::__and__, {ok, graph.insert(c10::aten::eq, {dims, int64_t{2}})});
    }
    // A new output's type is Tensor, which is what the linear layer gives.
    // (Value::setType is not called: under UBSan its inline DynamicType
    // check needs type info LibTorch does not export.)
    Node *branch = graph.insertNode(graph.create(c10::prim::If, {ok}, 1));
    l.node->output()->replaceAllUsesWith(branch->output());

    torch::jit::Block *fast = branch->addBlock();
    {
        torch::jit::WithInsertPoint in_fast(fast);
        Value *bias = l.b ? l.b : graph.insertConstant(c10::IValue());
        Value *scalars = graph.insertNode(graph.createList(c10::OptionalType::create(c10::NumberType::get()), {}))
                             ->output();
        Value *y = graph.insert(c10::Symbol::fromQualString(kOneDnnLinear),
                                {l.x, l.w, bias, std::string("none"), scalars, std::string("")});
        fast->registerOutput(y);
    }
    torch::jit::Block *reference = branch->addBlock();
    l.node->moveBefore(reference->return_node());
    reference->registerOutput(l.node->output());
}

} // namespace

int use_onednn_linear(torch::jit::Module &module)
{
    if (!c10::Dispatcher::singleton().findSchema({kOneDnnLinear, ""}).has_value())
        return 0;
    // Submodules of one type share their methods' graphs: rewrite each once.
    std::unordered_set<const Graph *> done;
    int swapped = 0;
    for (const torch::jit::Module &sub : module.modules()) {
        for (const torch::jit::Method &method : sub.get_methods()) {
            std::shared_ptr<Graph> graph = method.graph();
            if (!done.insert(graph.get()).second)
                continue;
            std::vector<Linear> found;
            collect(graph->block(), found);
            for (const Linear &l : found)
                swap(*graph, l);
            swapped += static_cast<int>(found.size());
        }
    }
    return swapped;
}

} // namespace fc
