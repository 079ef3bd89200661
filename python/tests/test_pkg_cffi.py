"""The cffi route (ABI mode): python/examples/cffi_example.py runs and
gives exactly the CLI's embeddings and tokens; its declarations match
fastclip.h's layout as the C compiler sees it; and the same surface
(preprocessing, errors) works through cffi in this process."""
import os
import subprocess
import sys

import numpy as np
import pytest

import fastclip
from conftest import PACKAGE_ROOT, STRUCT_FIELDS
from pkghelpers import cli_model_args, npy, same

EXAMPLE = PACKAGE_ROOT / "examples" / "cffi_example.py"

try:
    import cffi  # noqa: F401
except ImportError:  # pragma: no cover
    pytest.fail("cffi is missing: pip install -r tests/env/requirements.txt", pytrace=False)


@pytest.fixture(scope="module")
def example():
    sys.path.insert(0, str(EXAMPLE.parent))
    try:
        import cffi_example
    finally:
        sys.path.remove(str(EXAMPLE.parent))
    return cffi_example


@pytest.fixture(scope="module")
def lib(example, library):
    return example.open_library(str(library))


def test_cdef_layout_matches_the_header(example, c_layout):
    ffi = example.ffi
    for name, fields in STRUCT_FIELDS.items():
        assert ffi.sizeof(name) == c_layout[name]["sizeof"], name
        for f in fields:
            assert ffi.offsetof(name, f) == c_layout[name][f][0], (name, f)


def test_cdef_declares_every_function(example, lib):
    from fastclip import _lib
    for name in _lib.PROTOTYPES:
        assert callable(getattr(lib, name)), name
    for s in fastclip.Status:
        const = "FC_OK" if s == 0 else "FC_ERR_" + s.name
        assert getattr(lib, const) == s.value


@pytest.mark.parametrize("name", ["openai_style", "bare_traced"])
def test_example_equals_the_cli(cli, models, images, tmp_path, library, name):
    entry = models[name]
    paths = [images["photo.jpg"], images["rgba.png"], images["gray.png"]]
    texts = ["a photo of a cat", "ünïcödé ✓", "-dash"]
    out = tmp_path / "cffi.npy"
    args = [sys.executable, str(EXAMPLE), "-o", str(out), str(entry["path"]),
            *[str(p) for p in paths], "--", *texts]
    if entry.get("needs_image_size"):
        args[2:2] = ["--image-size", str(entry["image_size"])]
    env = dict(os.environ, FASTCLIP_LIBRARY=str(library))
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "libfastclip %s" % fastclip.version()

    want_path = tmp_path / "cli.npy"
    cli_args = ["embed", *cli_model_args(entry), "-o", want_path]
    for p in paths:
        cli_args += ["--image", p]
    for t in texts:
        cli_args += ["--text", t]
    cli(cli_args)
    want = npy(want_path)
    assert same(npy(out), want)

    for text, line in zip(texts, lines[1:4]):
        ids = fastclip.tokenize(text)
        assert line == "tokens %r: %s" % (text, " ".join(str(i) for i in ids[ids != 0]))
    table = [line.split("\t") for line in lines[4:]]
    assert table[0] == ["image", *texts]
    unit = want / np.linalg.norm(want, axis=1, keepdims=True)
    sims = unit[:3] @ unit[3:].T
    for row, path, expected in zip(table[1:], paths, sims):
        assert row[0] == str(path)
        assert np.allclose([float(v) for v in row[1:]], expected, atol=2e-6)


def test_example_reports_errors(models, images, tmp_path, library):
    env = dict(os.environ, FASTCLIP_LIBRARY=str(library))
    proc = subprocess.run([sys.executable, str(EXAMPLE), str(models["traced_fp32"]["path"]),
                           str(images["not_an_image.jpg"]), "--", "x"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 1
    assert "not an image" in proc.stderr and "image 0" in proc.stderr


def test_preprocess_through_cffi(example, lib, images):
    """The same tensor as the package; pixels from a numpy array through
    ffi.from_buffer; a failure's status and message."""
    ffi = example.ffi
    params = ffi.new("fc_preprocess_params *")
    assert lib.fc_preprocess_params_init(params, ffi.sizeof("fc_preprocess_params")) == lib.FC_OK
    params.size = 64
    n = lib.fc_preprocess_output_floats(params)
    assert n == 3 * 64 * 64
    out = ffi.new("float[]", n)
    err = ffi.new("fc_error *")
    status = lib.fc_preprocess_file(os.fsencode(images["photo.jpg"]), params, out, n, err)
    assert status == lib.FC_OK and ffi.string(err.message) == b""
    got = np.frombuffer(ffi.buffer(out), np.float32).reshape(3, 64, 64)
    assert same(got, fastclip.preprocess(images["photo.jpg"], size=64))

    arr = images.arrays["rgba"]
    h, w = arr.shape[:2]
    status = lib.fc_preprocess_pixels(ffi.from_buffer("uint8_t[]", arr), w, h, arr.strides[0],
                                      lib.FC_PIXEL_RGBA8, params, out, n, err)
    assert status == lib.FC_OK
    assert same(np.frombuffer(ffi.buffer(out), np.float32).reshape(3, 64, 64),
                fastclip.preprocess(arr, size=64))

    status = lib.fc_preprocess_file(os.fsencode(images["photo.jpg"]), params, out, n - 1, err)
    assert status == lib.FC_ERR_BUFFER_TOO_SMALL == err.status
    assert ffi.string(lib.fc_status_string(status)) == \
        fastclip.status_name(fastclip.Status.BUFFER_TOO_SMALL).encode()
    data = images["not_an_image.jpg"].read_bytes()
    status = lib.fc_preprocess_memory(data, len(data), params, out, n, err)
    assert status == lib.FC_ERR_UNKNOWN_FORMAT
    assert b"not an image" in ffi.string(err.message)


def test_kernels_through_cffi(example, lib, models):
    """fc_model_params.kernels as the example declares it: FC_KERNELS_FAST
    by default, FC_KERNELS_REFERENCE gives the package's "reference"
    embeddings, and fc_load refuses any other value with
    FC_ERR_INVALID_ARGUMENT."""
    ffi = example.ffi
    entry = models["traced_fp32"]
    path = os.fsencode(entry["path"])
    params = ffi.new("fc_model_params *")
    assert lib.fc_model_params_init(params, ffi.sizeof("fc_model_params")) == lib.FC_OK
    assert params.kernels == lib.FC_KERNELS_FAST == 0 and lib.FC_KERNELS_REFERENCE == 1
    params.warmup = 0
    model = ffi.new("fc_model **")
    err = ffi.new("fc_error *")
    for bad in (2, 1000):   # cffi makes fc_kernels unsigned: no negative values
        params.kernels = bad
        assert lib.fc_load(path, b"load:cpu", params, model, err) == lib.FC_ERR_INVALID_ARGUMENT
        assert model[0] == ffi.NULL and b"kernels" in ffi.string(err.message)

    params.kernels = lib.FC_KERNELS_REFERENCE
    assert lib.fc_load(path, b"load:cpu", params, model, err) == lib.FC_OK, \
        ffi.string(err.message)
    try:
        dim = lib.fc_model_dim(model[0])
        out = ffi.new("float[]", dim)
        text = ffi.new("char[]", b"a photo of a cat")
        assert lib.fc_encode_text(model[0], text, ffi.NULL, out, dim, err) == lib.FC_OK
        got = np.frombuffer(ffi.buffer(out), np.float32).copy()
    finally:
        lib.fc_free(model[0])
    with fastclip.Model(entry["path"], warmup=0, kernels="reference") as ref:
        assert same(got, ref.encode_text("a photo of a cat"))
