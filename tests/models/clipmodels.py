#!/usr/bin/env python3
"""Small CLIP models for libfastclip's model tests, built with OpenAI's own
model code (`clip.model.CLIP`, random weights from a fixed seed), exported as
TorchScript the ways real CLIP archives are, and the Python reference
embeddings for them.

Runs under a "model python" with torch and openai-clip: the pinned venv
(torch 2.x) or Debian's python3 (torch 1.13); the same code works on both.

    clipmodels.py make OUTDIR
        Writes the archives and OUTDIR/manifest.json (written last: a folder
        without it is incomplete). Deterministic; a few seconds.

    clipmodels.py embed --model FILE --reference clip_load_jit|jit_load
                        [--images IMAGES.npy] [--tokens TOKENS.npy] --out OUT.npz
        The reference embeddings, not normalised: `image` [N, dim] from
        IMAGES.npy (float32 [N, 3, n, n], already preprocessed) and `text`
        [M, dim] from TOKENS.npy (int64 [M, context]), both float32, under
        torch.no_grad(), each set in one batch.
        clip_load_jit loads with `clip.load(FILE, device="cpu", jit=True)`,
        OpenAI's own loader (it patches the device constants and the half
        casts of a GPU-traced archive and makes the weights float; on torch
        2.x, which dropped the `node["value"]` it uses, that accessor is put
        back as torch 1.x defined it); jit_load with
        `torch.jit.load(FILE, map_location="cpu")`.

    clipmodels.py embed-batch JOBS.json
        Several embed runs in one process (torch and clip are imported once):
        JOBS.json is a list of {"model", "reference", "images", "tokens",
        "out"} with the meanings above ("images" / "tokens" may be null).

The archives (manifest.json lists each with its kind, image_size,
context_length, embed_dim and reference method):

  openai_style.pt   as OpenAI's released ViT archives: traced "on a GPU in
                    float16". The graphs carry Device constants "cuda:0" and
                    casts to half (dtype 5); conv/linear/attention weights and
                    the projections are half as `convert_weights` leaves them,
                    LayerNorms and embeddings float32; int64 buffers
                    input_resolution, context_length and vocab_size on the
                    root. Linear layers are traced in torch 1.7's forms
                    (addmm, or matmul and add_), as OpenAI's were.
                    Made without a GPU: the weights are bfloat16 while
                    tracing on the CPU, then every bfloat16 dtype constant
                    that feeds a `dtype` argument becomes half, every "cpu"
                    Device constant "cuda:0", and the weights half. `make`
                    checks that torch.jit.load cannot run it on the CPU (no
                    GPU here) and that clip.load(jit=True) runs it in float32
                    and agrees with clip.load(jit=False).
  traced_fp32.pt    torch.jit.trace_module in float32, with the three buffers.
  scripted_fp32.pt  torch.jit.script (a short context, 24): the int attributes
                    context_length, vocab_size on the root and
                    input_resolution on `visual`, no buffers.
  bare_traced.pt    traced float32 without the buffers: the image size must
                    be given; the context length is positional_embedding's.
  no_methods.pt     a scripted module with only forward.
  bad_shape.pt      encode_image returns a 3-D tensor, encode_text the wrong
                    batch size.
  state_dict.pt     torch.save of a state dict: a zip, not TorchScript.

The weights are the same under both torches; the graphs are not: archives
made by torch 2.x call aten::scaled_dot_product_attention, which torch 1.13
cannot load. Make them with a torch no newer than the LibTorch the library
uses (Debian's python3 for a build against Debian's libtorch 1.13). With
the same torch, `make` writes the same bytes on every run.
"""
import argparse
import hashlib
import json
import os
import pathlib
import sys
import warnings

warnings.filterwarnings("ignore")  # pkg_resources, torch.jit deprecations, tracer

if __name__ == "__main__" and sys.argv[1:2] == ["make"] and os.environ.get("PYTHONHASHSEED") != "0":
    # torch.jit.script writes class constants in set order: a fixed string
    # hash makes the archives byte for byte the same on every run.
    os.execve(sys.executable, [sys.executable, os.path.abspath(__file__), *sys.argv[1:]],
              dict(os.environ, PYTHONHASHSEED="0"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

# The reference's thread count; the tests run our reference kernels with the
# same count (modeltools.REFERENCE_THREADS), so that the sums are the same.
torch.set_num_threads(int(os.environ.get("FASTCLIP_REFERENCE_THREADS") or
                          max(1, min(4, os.cpu_count() or 1))))

VOCAB = 49408
HALF, BFLOAT16 = 5, 15  # c10::ScalarType numbers

# name -> CLIP constructor arguments (ViT; vision heads = vision_width // 64).
SPECS = {
    # Heads = width // 64 as in OpenAI's models, so that clip.build_model
    # rebuilds it from the state dict (clip.load(jit=False)).
    "openai_style": dict(seed=101, embed_dim=32, image_resolution=64, vision_layers=2,
                         vision_width=128, vision_patch_size=16, context_length=77,
                         transformer_width=64, transformer_heads=1, transformer_layers=2),
    "traced_fp32": dict(seed=202, embed_dim=48, image_resolution=48, vision_layers=2,
                        vision_width=128, vision_patch_size=8, context_length=77,
                        transformer_width=96, transformer_heads=3, transformer_layers=2),
    "scripted_fp32": dict(seed=303, embed_dim=24, image_resolution=32, vision_layers=2,
                          vision_width=64, vision_patch_size=8, context_length=24,
                          transformer_width=64, transformer_heads=4, transformer_layers=2),
    "bare_traced": dict(seed=404, embed_dim=40, image_resolution=40, vision_layers=1,
                        vision_width=64, vision_patch_size=10, context_length=32,
                        transformer_width=64, transformer_heads=2, transformer_layers=2),
}


def _cm():
    from clip import model as cm
    return cm


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------


def build(name):
    """A CLIP in eval mode with seeded random weights. Beyond OpenAI's own
    initialisation, LayerNorms, biases and the attention's input bias get
    random values too, so that every parameter matters."""
    cm = _cm()
    spec = dict(SPECS[name])
    torch.manual_seed(spec.pop("seed"))
    m = cm.CLIP(vocab_size=VOCAB, **spec)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.LayerNorm):
                mod.weight.copy_(1.0 + 0.2 * torch.randn_like(mod.weight))
                mod.bias.copy_(0.1 * torch.randn_like(mod.bias))
            elif isinstance(mod, torch.nn.MultiheadAttention):
                mod.in_proj_bias.copy_(0.05 * torch.randn_like(mod.in_proj_bias))
                mod.out_proj.bias.copy_(0.05 * torch.randn_like(mod.out_proj.bias))
    return m.eval()


def example_inputs(spec, batch=2, seed=7):
    g = torch.Generator().manual_seed(seed)
    n, ctx = spec["image_resolution"], spec["context_length"]
    img = torch.randn(batch, 3, n, n, generator=g)
    txt = torch.zeros(batch, ctx, dtype=torch.long)
    for i in range(batch):
        k = 3 + 2 * i
        txt[i, 0] = VOCAB - 2                                   # <|startoftext|>
        txt[i, 1:k] = torch.randint(1, VOCAB - 2, (k - 1,), generator=g)
        txt[i, k] = VOCAB - 1                                   # <|endoftext|>
    return img, txt


def add_buffers(m, spec):
    """The int64 tensors OpenAI's archives carry on the root (clip.load
    reads model.input_resolution.item()). They replace CLIP's plain int
    attributes context_length and vocab_size."""
    for name in ("input_resolution", "context_length", "vocab_size"):
        if name in m.__dict__:
            delattr(m, name)
    m.register_buffer("input_resolution", torch.tensor(spec["image_resolution"]))
    m.register_buffer("context_length", torch.tensor(spec["context_length"]))
    m.register_buffer("vocab_size", torch.tensor(VOCAB))


def _linear_as_torch_1_7(input, weight, bias=None):
    """torch.nn.functional.linear as torch 1.7 wrote it in Python, which is
    what OpenAI's released archives were traced with: addmm(b, x, t(W)) for
    2-D input with a bias, else matmul(x, t(W)) then add_(b). Newer torches
    trace a single aten::linear instead."""
    if input.dim() == 2 and bias is not None:
        return torch.addmm(bias, input, weight.t())
    output = input.matmul(weight.t())
    if bias is not None:
        output += bias
    return output


def trace(m, spec, legacy_linear=False):
    """Traces forward, encode_image and encode_text; with `legacy_linear`,
    linear layers are traced in torch 1.7's form (_linear_as_torch_1_7).
    nn.Linear and multi_head_attention_forward both look up
    torch.nn.functional's global `linear` at call time."""
    img, txt = example_inputs(spec)
    functional = torch.nn.functional
    saved = functional.linear
    if legacy_linear:
        functional.linear = _linear_as_torch_1_7
    try:
        with torch.no_grad():
            return torch.jit.trace_module(
                m, {"forward": (img, txt), "encode_image": img, "encode_text": txt},
                check_trace=False)
    finally:
        functional.linear = saved


def to_bfloat16_like_convert_weights(m):
    """cm.convert_weights, with bfloat16 for half (the CPU can run it)."""
    cm = _cm()

    def conv(l):
        if isinstance(l, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Linear)):
            l.weight.data = l.weight.data.bfloat16()
            if l.bias is not None:
                l.bias.data = l.bias.data.bfloat16()
        if isinstance(l, torch.nn.MultiheadAttention):
            for attr in ["in_proj_weight", "q_proj_weight", "k_proj_weight",
                         "v_proj_weight", "in_proj_bias", "bias_k", "bias_v"]:
                t = getattr(l, attr)
                if t is not None:
                    t.data = t.data.bfloat16()
        for attr in ["text_projection", "proj"]:
            t = getattr(l, attr, None)
            if t is not None:
                t.data = t.data.bfloat16()

    m.apply(conv)
    assert cm.CLIP.dtype.fget(m) == torch.bfloat16


def _argument_names(node):
    """The node's schema argument names, or None for nodes without one."""
    try:
        s = node.schema()
    except Exception:
        return None
    if not s or s == "(no schema)":
        return None
    try:
        return [a.name for a in torch._C.parse_schema(s).arguments]
    except Exception:
        return None


def _graphs(traced):
    """(where, graph) for every method of every module of a traced module."""
    out = []
    for mname, mod in traced.named_modules():
        for meth in mod._c._method_names():
            out.append(("%s.%s" % (mname or "<root>", meth), mod._c._get_method(meth).graph))
    return out


def _is_device_constant(node):
    return (node.kind() == "prim::Constant" and "value" in node.attributeNames()
            and node.output().type().kind() == "DeviceObjType")


def _all_nodes(graph):
    return list(graph.nodes()) + [n for b in _blocks(graph) for n in b.nodes()]


def _dtype_constants(graph, value):
    """(user, input index) of every int constant `value` that feeds an
    argument named dtype (by the user's schema: a 15 used as a size is
    left alone)."""
    out = []
    for node in _all_nodes(graph):
        names = _argument_names(node)
        if names is None:
            continue
        for i, inp in enumerate(node.inputs()):
            if i >= len(names) or names[i] != "dtype":
                continue
            c = inp.node()
            if (c.kind() == "prim::Constant" and "value" in c.attributeNames()
                    and c.kindOf("value") == "i" and c.i("value") == value):
                out.append((node, i))
    return out


def patch_as_if_gpu_half(traced):
    """Rewrites the graphs of a module traced on the CPU with bfloat16 weights
    into what tracing on "cuda:0" in half gives. Returns counts."""
    counts = {"dtype": 0, "device": 0, "tensor_constant": 0}
    for _, graph in _graphs(traced):
        for node in list(graph.findAllNodes("prim::Constant")):
            if _is_device_constant(node) and node.s("value") == "cpu":
                node.s_("value", "cuda:0")
                counts["device"] += 1
            elif ("value" in node.attributeNames() and node.kindOf("value") == "t"
                  and node.t("value").dtype == torch.bfloat16):
                node.t_("value", node.t("value").half())  # the attention mask
                counts["tensor_constant"] += 1
        for node, i in _dtype_constants(graph, BFLOAT16):
            # A new constant for each user: constants may be shared.
            node.replaceInput(i, _int_constant_before(graph, node, HALF))
            counts["dtype"] += 1
        # The old bfloat16 constants, now without users.
        for node in list(graph.findAllNodes("prim::Constant")):
            if not node.output().uses() and "value" in node.attributeNames() \
                    and node.kindOf("value") == "i" and node.i("value") == BFLOAT16:
                node.destroy()
    for p in traced.parameters():
        if p.dtype == torch.bfloat16:
            p.data = p.data.half()
    for where, graph in _graphs(traced):
        assert not _dtype_constants(graph, BFLOAT16), "bfloat16 left in " + where
    return counts


def _blocks(graph):
    """Every nested block (there are none in traced graphs; kept general)."""
    out = []
    todo = [n for n in graph.nodes()]
    while todo:
        n = todo.pop()
        for b in n.blocks():
            out.append(b)
            todo.extend(b.nodes())
    return out


def _int_constant_before(graph, user, value):
    c = graph.create("prim::Constant")
    c.i_("value", value)
    c.output().setType(torch._C.IntType.get())
    c.insertBefore(user)
    return c.output()


def graph_text(traced):
    return "\n".join(str(g) for _, g in _graphs(traced))


# --------------------------------------------------------------------------
# The scripted export
# --------------------------------------------------------------------------


def scriptable(m):
    """OpenAI's CLIP does not script as is: LayerNorm's super().forward and
    norm(dim=...) without p. Swaps in subclasses that do."""
    cm = _cm()

    class ScriptLayerNorm(cm.LayerNorm):
        def forward(self, x: torch.Tensor):
            orig = x.dtype
            ret = torch.nn.functional.layer_norm(x.type(torch.float32), self.normalized_shape,
                                                 self.weight, self.bias, self.eps)
            return ret.type(orig)

    class ScriptCLIP(cm.CLIP):
        def forward(self, image, text):
            image_features = self.encode_image(image)
            text_features = self.encode_text(text)
            image_features = image_features / image_features.norm(p=2, dim=1, keepdim=True)
            text_features = text_features / text_features.norm(p=2, dim=1, keepdim=True)
            logit_scale = self.logit_scale.exp()
            logits_per_image = logit_scale * image_features @ text_features.t()
            logits_per_text = logits_per_image.t()
            return logits_per_image, logits_per_text

    for mod in m.modules():
        if type(mod) is cm.LayerNorm:
            mod.__class__ = ScriptLayerNorm
    m.__class__ = ScriptCLIP
    return m


# --------------------------------------------------------------------------
# Bad archives
# --------------------------------------------------------------------------


class OnlyForward(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2.0


class BadShapes(torch.nn.Module):
    """Looks like a CLIP archive (buffers, positional_embedding) but returns
    the wrong shapes."""

    def __init__(self):
        super().__init__()
        self.register_buffer("input_resolution", torch.tensor(32))
        self.register_buffer("context_length", torch.tensor(77))
        self.register_buffer("vocab_size", torch.tensor(VOCAB))
        self.positional_embedding = torch.nn.Parameter(torch.zeros(77, 16))

    def forward(self, image: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        return self.encode_image(image)

    @torch.jit.export
    def encode_image(self, image: torch.Tensor) -> torch.Tensor:
        # [N, 3, 16]: 3-D
        return image.mean(dim=3)[:, :, :16]

    @torch.jit.export
    def encode_text(self, text: torch.Tensor) -> torch.Tensor:
        # [N + 1, 16]: one row too many
        n = text.shape[0] + 1
        return torch.ones(n, 16) * text.float().mean()


# --------------------------------------------------------------------------
# make
# --------------------------------------------------------------------------


def _entry(name, file, kind, reference, spec=None, **extra):
    e = {"name": name, "file": file, "kind": kind, "reference": reference,
         "image_size": spec["image_resolution"] if spec else None,
         "context_length": spec["context_length"] if spec else None,
         "embed_dim": spec["embed_dim"] if spec else None}
    e.update(extra)
    return e


def make_openai_style(path):
    spec = SPECS["openai_style"]
    m = build("openai_style")
    add_buffers(m, spec)
    to_bfloat16_like_convert_weights(m)
    traced = trace(m, spec, legacy_linear=True)
    counts = patch_as_if_gpu_half(traced)
    assert counts["dtype"] > 0 and counts["device"] > 0, counts
    text = graph_text(traced)
    assert '"cpu"' not in text, "a cpu device constant is left"
    assert '"cuda:0"' in text
    # Linear layers in torch 1.7's traced forms, as in OpenAI's archives.
    assert "aten::linear" not in text
    assert "aten::matmul" in text and "aten::addmm" in text and "aten::add_" in text
    dtypes = {p.dtype for p in traced.parameters()}
    assert dtypes == {torch.float16, torch.float32}, dtypes
    torch.jit.save(traced, str(path))
    verify_openai_style(path, spec)
    return counts


def verify_openai_style(path, spec):
    """As a real GPU-traced archive: plain torch.jit.load on the CPU cannot
    run it (cuda:0 constants), clip.load(jit=True) can, in float32."""
    img, txt = example_inputs(spec, batch=3, seed=11)
    raw = torch.jit.load(str(path), map_location="cpu")
    assert raw.visual.conv1.weight.dtype == torch.float16
    assert raw.token_embedding.weight.dtype == torch.float32
    assert raw.ln_final.weight.dtype == torch.float32
    assert int(raw.input_resolution.item()) == spec["image_resolution"]
    if torch.cuda.is_available():
        # On a GPU it is what it claims to be: half on cuda:0.
        raw = torch.jit.load(str(path), map_location="cuda:0")
        with torch.no_grad():
            out = raw.encode_image(img.cuda())
        assert out.dtype == torch.float16 and out.device.type == "cuda", out
    else:
        try:
            with torch.no_grad():
                raw.encode_image(img)
        except Exception:
            pass
        else:
            raise AssertionError("openai_style.pt runs on the CPU without patching: "
                                 "its device constants were not rewritten")
    model = clip_load_jit(path)
    with torch.no_grad():
        a = model.encode_image(img)
        b = model.encode_text(txt)
    assert a.dtype == torch.float32 and tuple(a.shape) == (3, spec["embed_dim"]), a.shape
    assert b.dtype == torch.float32 and tuple(b.shape) == (3, spec["embed_dim"]), b.shape
    assert torch.isfinite(a).all() and torch.isfinite(b).all()
    # OpenAI's other loader, clip.load(jit=False), rebuilds the eager model
    # from the archive's state dict (float32 on the CPU): the same numbers.
    import clip
    eager, _ = clip.load(str(path), device="cpu", jit=False)
    with torch.no_grad():
        ea = eager.encode_image(img)
        eb = eager.encode_text(txt)
    assert float((ea - a).abs().max()) < 1e-5, float((ea - a).abs().max())
    assert float((eb - b).abs().max()) < 1e-5, float((eb - b).abs().max())


def make_traced_fp32(path, name="traced_fp32", buffers=True):
    spec = SPECS[name]
    m = build(name)
    if buffers:
        add_buffers(m, spec)
    traced = trace(m, spec)
    torch.jit.save(traced, str(path))
    check_plain(path, spec, buffers=buffers)


def make_scripted_fp32(path):
    spec = SPECS["scripted_fp32"]
    m = scriptable(build("scripted_fp32"))
    s = torch.jit.script(m)
    torch.jit.save(s, str(path))
    loaded = check_plain(path, spec, buffers=False)
    assert loaded.context_length == spec["context_length"]
    assert loaded.vocab_size == VOCAB
    assert loaded.visual.input_resolution == spec["image_resolution"]


def check_plain(path, spec, buffers):
    """A float32 archive runs as loaded and agrees with the eager model."""
    loaded = torch.jit.load(str(path), map_location="cpu")
    names = {n for n, _ in loaded.named_buffers()}
    for b in ("input_resolution", "context_length", "vocab_size"):
        assert (b in names) == buffers, (b, names)
    img, txt = example_inputs(spec, batch=3, seed=12)
    with torch.no_grad():
        a = loaded.encode_image(img)
        b = loaded.encode_text(txt)
    for t in (a, b):
        assert t.dtype == torch.float32 and tuple(t.shape) == (3, spec["embed_dim"]), t.shape
        assert torch.isfinite(t).all()
    return loaded


def make_bad(outdir):
    s = torch.jit.script(OnlyForward())
    torch.jit.save(s, str(outdir / "no_methods.pt"))
    s = torch.jit.script(BadShapes())
    torch.jit.save(s, str(outdir / "bad_shape.pt"))
    with torch.no_grad():
        a = s.encode_image(torch.zeros(2, 3, 32, 32))
        b = s.encode_text(torch.zeros(2, 77, dtype=torch.long))
    assert a.dim() == 3 and b.shape[0] == 3
    torch.save(build("bare_traced").state_dict(), str(outdir / "state_dict.pt"))


def make(outdir):
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    manifest_path = outdir / "manifest.json"
    if manifest_path.exists():
        manifest_path.unlink()
    entries = []
    counts = make_openai_style(outdir / "openai_style.pt")
    entries.append(_entry("openai_style", "openai_style.pt", "openai_style", "clip_load_jit",
                          SPECS["openai_style"], needs_image_size=False, patched=counts))
    make_traced_fp32(outdir / "traced_fp32.pt")
    entries.append(_entry("traced_fp32", "traced_fp32.pt", "traced", "clip_load_jit",
                          SPECS["traced_fp32"], needs_image_size=False))
    make_scripted_fp32(outdir / "scripted_fp32.pt")
    entries.append(_entry("scripted_fp32", "scripted_fp32.pt", "scripted", "jit_load",
                          SPECS["scripted_fp32"], needs_image_size=False))
    make_traced_fp32(outdir / "bare_traced.pt", name="bare_traced", buffers=False)
    entries.append(_entry("bare_traced", "bare_traced.pt", "bare_traced", "jit_load",
                          SPECS["bare_traced"], needs_image_size=True))
    make_bad(outdir)
    entries.append(_entry("no_methods", "no_methods.pt", "bad", None,
                          error="scripted module with only forward (no encode_image / "
                                "encode_text)"))
    entries.append(_entry("bad_shape", "bad_shape.pt", "bad", None, image_size=32,
                          context_length=77,
                          error="encode_image returns [N, 3, 16], encode_text N + 1 rows"))
    entries.append(_entry("state_dict", "state_dict.pt", "bad", None,
                          error="torch.save of a state dict: a zip, not TorchScript"))
    for e in entries:
        e["sha256"] = hashlib.sha256((outdir / e["file"]).read_bytes()).hexdigest()
    manifest = {
        "generator": "tests/models/clipmodels.py",
        "generator_sha256": hashlib.sha256(pathlib.Path(__file__).read_bytes()).hexdigest(),
        "python": sys.executable,
        "torch": torch.__version__,
        # Whether this torch (so the LibTorch of the same version) has the
        # oneDNN linear kernel that libfastclip's fast kernels use.
        "onednn_linear": hasattr(torch.ops.mkldnn, "_linear_pointwise"),
        "models": entries,
    }
    tmp = outdir / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(tmp, manifest_path)
    return manifest


# --------------------------------------------------------------------------
# embed
# --------------------------------------------------------------------------


def _node_getitem(self, k):
    """node["value"], as torch 1.x defined it (torch/onnx/_patch_torch.py):
    clip.load(jit=True) relies on it, and torch 2.x no longer has it."""
    sel = self.kindOf(k)
    return getattr(self, sel)(k)


def clip_load_jit(path):
    """OpenAI's loader for JIT archives, on the CPU."""
    import clip
    if not hasattr(torch._C.Node, "__getitem__"):
        torch._C.Node.__getitem__ = _node_getitem
    model, _ = clip.load(str(path), device="cpu", jit=True)
    return model


def load_reference(path, how):
    if how == "clip_load_jit":
        return clip_load_jit(path)
    if how == "jit_load":
        return torch.jit.load(str(path), map_location="cpu").eval()
    raise ValueError("unknown reference method %r" % how)


def embed(model_path, how, images=None, tokens=None):
    model = load_reference(model_path, how)
    out = {}
    with torch.no_grad():
        if images is not None and len(images):
            x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))
            out["image"] = model.encode_image(x).float().numpy()
        if tokens is not None and len(tokens):
            t = torch.from_numpy(np.ascontiguousarray(tokens, dtype=np.int64))
            out["text"] = model.encode_text(t).float().numpy()
    dim = next((v.shape[1] for v in out.values()), 0)
    for k in ("image", "text"):
        out.setdefault(k, np.zeros((0, dim), np.float32))
        out[k] = np.ascontiguousarray(out[k], dtype=np.float32)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    mk = sub.add_parser("make", help="write the archives and manifest.json")
    mk.add_argument("outdir")
    em = sub.add_parser("embed", help="reference embeddings")
    em.add_argument("--model", required=True)
    em.add_argument("--reference", required=True, choices=("clip_load_jit", "jit_load"))
    em.add_argument("--images")
    em.add_argument("--tokens")
    em.add_argument("--out", required=True)
    eb = sub.add_parser("embed-batch", help="several embed jobs in one process")
    eb.add_argument("jobs", help="JSON list of {model, reference, images, tokens, out}")
    args = ap.parse_args(argv)
    if args.cmd == "make":
        m = make(args.outdir)
        print("wrote %d files to %s (torch %s)" % (len(m["models"]), args.outdir, m["torch"]))
        return 0
    if args.cmd == "embed":
        jobs = [{"model": args.model, "reference": args.reference, "images": args.images,
                 "tokens": args.tokens, "out": args.out}]
    else:
        jobs = json.loads(pathlib.Path(args.jobs).read_text())
    for job in jobs:
        images = np.load(job["images"], allow_pickle=False) if job.get("images") else None
        tokens = np.load(job["tokens"], allow_pickle=False) if job.get("tokens") else None
        if images is not None:
            assert images.ndim == 4 and images.shape[1] == 3, images.shape
        if tokens is not None:
            assert tokens.ndim == 2, tokens.shape
        out = embed(job["model"], job["reference"], images, tokens)
        np.savez(job["out"], **out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
