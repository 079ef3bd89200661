"""Inputs prepared elsewhere (encode_image_tensors, encode_token_ids) and
the precision and CUDA graph parameters, on the CPU: tensors and ids give
the bytes the same images and texts give through the batch calls; bfloat16
is Python's own bfloat16 run of the same archive; what a machine without a
GPU can check of the GPU options."""
import numpy as np
import pytest
import torch

import fastclip
from pkghelpers import cli_model_args, model_kwargs, npy, same

TEXTS = ["a photo of a cat", "", "a diagram of a ViT", "ünïcödé ✓ 日本語",
         "an extremely long caption " * 20]


def image_list(images):
    return [images["photo.jpg"], images["rgba.png"], images["gray.png"], images["wide.png"],
            images.arrays["rgb"], images["photo.ppm"], images["la.png"]]


@pytest.mark.parametrize("name", ["openai_style", "traced_fp32", "scripted_fp32"])
def test_tensors_and_ids_equal_the_batch_calls(models, images, name):
    entry = models[name]
    items = image_list(images)
    with fastclip.Model(entry["path"], batch_size=3, **model_kwargs(entry)) as m:
        pixels = np.stack([fastclip.preprocess(x, size=m.image_size) for x in items])
        assert pixels.shape == (len(items), 3, m.image_size, m.image_size)
        want = m.encode_images(items)
        assert same(m.encode_image_tensors(pixels), want)
        # A torch tensor, as a Python caller with CLIP's own transform has.
        assert same(m.encode_image_tensors(torch.from_numpy(pixels)), want)
        assert same(m.encode_image_tensors(pixels, normalize=True),
                    m.encode_images(items, normalize=True))
        ids = fastclip.tokenize(TEXTS, context_length=m.context_length)
        assert same(m.encode_token_ids(ids), m.encode_texts(TEXTS))
        assert same(m.encode_token_ids(ids.astype(np.int64)), m.encode_texts(TEXTS))
        assert m.encode_image_tensors(pixels[:0]).shape == (0, m.dim)


def test_prepared_inputs_are_checked(models):
    entry = models["openai_style"]
    with fastclip.Model(entry["path"], **model_kwargs(entry)) as m:
        s, c = m.image_size, m.context_length
        with pytest.raises(ValueError, match=r"pixels must have shape \(n, 3, %d, %d\)" % (s, s)):
            m.encode_image_tensors(np.zeros((2, 3, s + 1, s), np.float32))
        with pytest.raises(ValueError, match=r"ids must have shape \(n, %d\)" % c):
            m.encode_token_ids(np.zeros((2, c - 1), np.int32))
        with pytest.raises(ValueError, match="ids must be integers"):
            m.encode_token_ids(np.zeros((1, c), np.float32))
        ids = np.zeros((2, c), np.int32)
        ids[1, 3] = 49408
        with pytest.raises(ValueError, match="ids must be 0 to 49407"):
            m.encode_token_ids(ids)


def test_precision_on_the_cpu(models, images):
    entry = models["openai_style"]
    items = image_list(images)
    with fastclip.Model(entry["path"], **model_kwargs(entry)) as f32:
        assert f32.precision == "float32" and f32.device == "cpu"
        on, why = f32.cuda_graphs
        assert not on and why == "not on a GPU"
        want = f32.encode_images(items)
        # TF32 is a GPU's: on the CPU the model is float32, byte for byte.
        with fastclip.Model(entry["path"], precision="tf32", **model_kwargs(entry)) as tf32:
            assert tf32.precision == "float32"
            assert same(tf32.encode_images(items), want)
    with pytest.raises(fastclip.FastclipError, match="FC_PRECISION_STORED runs on a GPU") as e:
        fastclip.Model(entry["path"], precision="stored", **model_kwargs(entry))
    assert e.value.status == fastclip.Status.INVALID_ARGUMENT
    with pytest.raises(ValueError, match="precision must be None or one of"):
        fastclip.Model(entry["path"], precision="fp8")
    with pytest.raises((TypeError, ValueError), match="cuda_graphs"):
        fastclip.Model(entry["path"], cuda_graphs="yes")


def python_bfloat16(path):
    """The archive as a Python user makes it bfloat16: torch.jit.load on the
    CPU, clip.load's patch_device and patch_float with bfloat16 (15) in place of float32 (6),
    then its float16 weights bfloat16."""
    model = torch.jit.load(str(path), map_location="cpu").eval()
    for module in [model] + list(model.modules()):
        for method in module._c._method_names():
            graph = getattr(module, method).graph
            for node in graph.findAllNodes("prim::Constant"):
                if "value" in node.attributeNames() and node.kindOf("value") == "s" \
                        and str(node.output().type()) == "Device" \
                        and node.s("value").startswith("cuda"):
                    node.s_("value", "cpu")
            for node in graph.findAllNodes("aten::to"):
                for i in (1, 2):
                    inputs = list(node.inputs())
                    if i >= len(inputs):
                        continue
                    const = inputs[i].node()
                    if const.kind() == "prim::Constant" and "value" in const.attributeNames() \
                            and const.kindOf("value") == "i" and const.i("value") == 5:
                        const.i_("value", 15)
    for t in list(model.parameters()) + list(model.buffers()):
        if t.dtype == torch.float16:
            t.data = t.data.to(torch.bfloat16)
    return model


@pytest.mark.parametrize("name", ["openai_style"])
def test_bfloat16_is_pythons_bfloat16(models, images, name):
    entry = models[name]
    items = image_list(images)
    with fastclip.Model(entry["path"], precision="bfloat16", kernels="reference",
                        **model_kwargs(entry)) as m:
        assert m.precision == "bfloat16"
        pixels = np.stack([fastclip.preprocess(x, size=m.image_size) for x in items])
        ids = fastclip.tokenize(TEXTS, context_length=m.context_length)
        got_images, got_texts = m.encode_image_tensors(pixels), m.encode_token_ids(ids)
        with fastclip.Model(entry["path"], **model_kwargs(entry)) as f32:
            exact = f32.encode_image_tensors(pixels)
    ref = python_bfloat16(entry["path"])
    with torch.no_grad():
        want_images = ref.encode_image(torch.from_numpy(pixels).to(torch.bfloat16)).float().numpy()
        want_texts = ref.encode_text(torch.from_numpy(ids.astype(np.int64))).float().numpy()
    scale = np.abs(want_images).max()
    image_diff = np.abs(got_images - want_images).max() / scale
    text_diff = np.abs(got_texts - want_texts).max() / np.abs(want_texts).max()
    print("%s bfloat16 vs Python bfloat16: images %.3g, texts %.3g (relative max diff)"
          % (name, image_diff, text_diff))
    # The same LibTorch runs the same kernels on the same bfloat16 inputs.
    assert image_diff <= 1e-6 and text_diff <= 1e-6
    # And bfloat16 is not float32: the option does something.
    assert not same(got_images, exact)


def test_bfloat16_needs_float16_weights(models):
    """bfloat16 is the archive's float16 run in bfloat16: an export with
    float32 weights has none, and is refused at load."""
    for name in ("traced_fp32", "scripted_fp32"):
        entry = models[name]
        with pytest.raises(fastclip.FastclipError, match="has no float16 weights") as e:
            fastclip.Model(entry["path"], precision="bfloat16", **model_kwargs(entry))
        assert e.value.status == fastclip.Status.INVALID_ARGUMENT


def test_cli_precision(cli, models, images, tmp_path):
    """fastclip embed --precision gives the package's bytes for the same
    precision; a bad value is a usage error, stored on the CPU a refusal."""
    entry = models["openai_style"]
    items = [images["photo.jpg"], images["rgba.png"]]
    out = tmp_path / "bf16.npy"
    args = ["embed", *cli_model_args(entry), "--precision", "bfloat16", "-o", out]
    for f in items:
        args += ["--image", f]
    for t in TEXTS[:2]:
        args += ["--text", t]
    cli(args)
    with fastclip.Model(entry["path"], precision="bfloat16", **model_kwargs(entry)) as m:
        want = np.concatenate([m.encode_images(items), m.encode_texts(TEXTS[:2])])
    assert same(npy(out), want)
    bad = cli(["embed", *cli_model_args(entry), "--precision", "bf16", "--text", "a"], check=False)
    assert bad.returncode == 2 and b"use stored, float32, tf32 or bfloat16" in bad.stderr
    stored = cli(["embed", *cli_model_args(entry), "--precision", "stored", "--text", "a"],
                 check=False)
    assert stored.returncode != 0 and b"FC_PRECISION_STORED runs on a GPU" in stored.stderr
