"""fastclip.Model(kernels=...): fc_model_params.kernels (since 0.3.0).

"reference" gives exactly `fastclip embed --kernels reference`, the
default (and "fast") exactly `fastclip embed --kernels fast`, the two agree
to float32 rounding (1e-5), and any other value is a ValueError raised
before the library is called."""
import os

import numpy as np
import pytest

import fastclip
from pkghelpers import cli_embed, model_kwargs, same

TEXTS = ["a photo of a cat", "", "ünïcödé ✓ 日本語", "an extremely long caption " * 20]
IMAGES = ["photo.jpg", "rgba.png", "gray.png", "la.png", "indexed.gif"]
MODELS = ["openai_style", "traced_fp32", "scripted_fp32", "bare_traced"]


def encode(model, paths, texts, normalize=False):
    """The rows `fastclip embed` writes: the images in one batch, then the
    texts in another."""
    return np.concatenate([model.encode_images(paths, normalize=normalize),
                           model.encode_texts(texts, normalize=normalize)])


@pytest.fixture(scope="module", params=MODELS)
def pair(request, models):
    """(entry, the model loaded with the default kernels, with "reference")."""
    entry = models[request.param]
    with fastclip.Model(entry["path"], **model_kwargs(entry)) as default, \
            fastclip.Model(entry["path"], kernels="reference", **model_kwargs(entry)) as ref:
        yield entry, default, ref


def test_reference_equals_the_cli(cli, images, tmp_path, pair):
    entry, _, model = pair
    assert model.kernels == "reference"
    paths = [images[n] for n in IMAGES]
    want = cli_embed(cli, tmp_path, entry, paths, TEXTS, kernels="reference")
    assert same(encode(model, paths, TEXTS), want)
    want = cli_embed(cli, tmp_path, entry, paths, TEXTS, normalize=True, kernels="reference")
    assert same(encode(model, paths, TEXTS, normalize=True), want)
    # One item per call, against the command given one image and one text.
    want = cli_embed(cli, tmp_path, entry, [paths[0]], [TEXTS[2]], kernels="reference")
    assert same(model.encode_image(paths[0]), want[0])
    assert same(model.encode_text(TEXTS[2]), want[1])


def test_default_equals_the_fast_cli(cli, images, tmp_path, models, pair):
    entry, model, _ = pair
    assert model.kernels == "fast"
    paths = [images[n] for n in IMAGES]
    want = cli_embed(cli, tmp_path, entry, paths, TEXTS, kernels="fast")
    assert same(cli_embed(cli, tmp_path, entry, paths, TEXTS), want)  # the CLI's default
    got = encode(model, paths, TEXTS)
    assert same(got, want)
    with fastclip.Model(entry["path"], kernels="fast", **model_kwargs(entry)) as fast:
        assert same(encode(fast, paths, TEXTS), want)
    want = cli_embed(cli, tmp_path, entry, [paths[0]], [TEXTS[2]], kernels="fast")
    assert same(model.encode_image(paths[0]), want[0])
    assert same(model.encode_text(TEXTS[2]), want[1])


def test_fast_and_reference_agree(images, pair):
    """The same numbers to float32 rounding: within 1e-5."""
    _, fast, ref = pair
    paths = [images[n] for n in IMAGES]
    for normalize in (False, True):
        a = encode(fast, paths, TEXTS, normalize)
        b = encode(ref, paths, TEXTS, normalize)
        assert a.shape == b.shape and a.dtype == b.dtype == np.float32
        assert np.all(np.isfinite(a)) and np.all(np.isfinite(b))
        diff = float(np.max(np.abs(a.astype(np.float64) - b)))
        assert diff <= 1e-5, diff


@pytest.mark.parametrize("bad", ["Fast", "REFERENCE", "", "onednn", " fast", b"fast", None, 0,
                                 1, fastclip.Status.OK, ["fast"], 1.0])
def test_bad_kernels(models, tmp_path, bad):
    """A ValueError naming the values allowed, before any C call: a path
    that does not exist would otherwise fail in fc_load with Status.IO."""
    for path in (tmp_path / "missing.pt", models["traced_fp32"]["path"]):
        with pytest.raises(ValueError, match='kernels must be "fast" or "reference"'):
            fastclip.Model(path, warmup=0, kernels=bad)


def test_struct_without_kernels_runs_fast(models):
    """A caller declaring fc_model_params as before 0.3.0 (struct_size up
    to bpe_path, as an old cffi cdef would) gets the default, fast kernels:
    the library reads no field past struct_size."""
    import ctypes
    from fastclip import _lib
    lib = _lib.load()
    entry = models["traced_fp32"]
    params = _lib.fc_model_params()
    old_size = _lib.fc_model_params.kernels.offset
    assert lib.fc_model_params_init(ctypes.byref(params), old_size) == fastclip.Status.OK
    assert params.struct_size == old_size
    params.warmup = 0
    params.kernels = _lib.KERNELS_REFERENCE   # past struct_size: not read
    handle = ctypes.c_void_p()
    err = _lib.fc_error()
    status = lib.fc_load(os.fsencode(entry["path"]), None, ctypes.byref(params), ctypes.byref(handle),
                         ctypes.byref(err))
    assert status == fastclip.Status.OK, err.message
    try:
        out = np.empty(lib.fc_model_dim(handle), np.float32)
        status = lib.fc_encode_text(handle, b"a photo of a cat", None,
                                    out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), out.size,
                                    ctypes.byref(err))
        assert status == fastclip.Status.OK, err.message
    finally:
        lib.fc_free(handle)
    with fastclip.Model(entry["path"], warmup=0) as fast:
        assert same(out, fast.encode_text("a photo of a cat"))
