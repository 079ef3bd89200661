"""Every error path of the package: the library's statuses raised as
FastclipError with its message; misuse (wrong types, shapes, values, a
closed model or tokenizer) raised as TypeError or ValueError before any C
call; and the library itself missing or wrong."""
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import fastclip
from conftest import PACKAGE_ROOT
from pkghelpers import model_kwargs

S = fastclip.Status


@pytest.fixture(scope="module")
def model(models):
    entry = models["traced_fp32"]
    with fastclip.Model(entry["path"], **model_kwargs(entry)) as m:
        yield m


def raises(status, call, *needles):
    with pytest.raises(fastclip.FastclipError) as info:
        call()
    e = info.value
    assert e.status == status, (e.status, e.message)
    assert isinstance(e.status, S)
    assert e.status_name == fastclip.status_name(status)
    assert e.message and "\0" not in e.message
    assert str(e) == "%s (%s)" % (e.message, e.status_name)
    for n in needles:
        assert n in e.message, (n, e.message)
    return e


# ---- the exception ---------------------------------------------------------------


def test_error_object():
    e = fastclip.FastclipError(7, "photo.jpg: bad marker")
    assert e.status is S.CORRUPT and e.status_name == "corrupt image data"
    assert str(e) == "photo.jpg: bad marker (corrupt image data)"
    copy = pickle.loads(pickle.dumps(e))
    assert (copy.status, copy.message) == (e.status, e.message)
    newer = fastclip.FastclipError(77, "from a newer library")
    assert newer.status == 77 and newer.status_name == "unknown status"
    assert isinstance(e, Exception) and not isinstance(e, (ValueError, OSError))


# ---- images ----------------------------------------------------------------------------


IMAGE_ERRORS = [
    ("missing.png", S.IO, ["missing.png", "No such file"]),
    ("not_an_image.jpg", S.UNKNOWN_FORMAT, ["not an image"]),
    ("truncated.png", S.TRUNCATED, []),
    ("corrupt.png", S.CORRUPT, ["CRC"]),
    ("unsupported.jpg", S.UNSUPPORTED, ["0 components"]),
]


@pytest.mark.parametrize("name,status,needles", IMAGE_ERRORS)
def test_bad_image_files(images, model, name, status, needles):
    path = images[name]
    raises(status, lambda: fastclip.preprocess(path), *needles)
    raises(status, lambda: model.encode_image(path), *needles)
    e = raises(status, lambda: model.encode_images([images["photo.jpg"], path]), *needles)
    assert "image 1" in e.message
    if path.exists():
        data = path.read_bytes()
        raises(status, lambda: fastclip.preprocess(data))
        raises(status, lambda: model.encode_image(memoryview(data)))


def test_a_directory_is_not_an_image(images, model):
    raises(S.IO, lambda: fastclip.preprocess(images.dir))
    raises(S.IO, lambda: model.encode_image(images.dir))


def test_empty_bytes(model):
    raises(S.UNKNOWN_FORMAT, lambda: fastclip.preprocess(b""), "empty")
    raises(S.UNKNOWN_FORMAT, lambda: model.encode_image(bytearray()), "empty")


def test_limits(images, model):
    path = images["photo.jpg"]
    raises(S.TOO_LARGE, lambda: fastclip.preprocess(path, max_pixels=100), "over the limit")
    raises(S.TOO_LARGE, lambda: fastclip.preprocess(path, max_bytes=100), "over the limit")
    raises(S.TOO_LARGE, lambda: model.encode_image(path, max_pixels=100))
    raises(S.TOO_LARGE, lambda: model.encode_image(path.read_bytes(), max_bytes=100))
    raises(S.TOO_LARGE, lambda: model.encode_image(images.arrays["rgb"], max_pixels=100))
    model.encode_image(path, max_pixels=97 * 61, max_bytes=path.stat().st_size)


def test_bad_preprocess_params(images):
    path = images["photo.jpg"]
    for size in (0, -3, 5000):
        raises(S.INVALID_ARGUMENT, lambda: fastclip.preprocess(path, size=size), "size")
    raises(S.INVALID_ARGUMENT, lambda: fastclip.preprocess(path, std=(0, 1, 1)), "std")
    raises(S.INVALID_ARGUMENT, lambda: fastclip.preprocess(path, std=(1, float("nan"), 1)))
    with pytest.raises(ValueError, match="3 values"):
        fastclip.preprocess(path, mean=(0.5, 0.5))
    with pytest.raises(ValueError, match="size must be"):
        fastclip.preprocess(path, size=2 ** 40)
    with pytest.raises(TypeError, match="size must be an int"):
        fastclip.preprocess(path, size=224.0)


@pytest.mark.parametrize("bad,error,needle", [
    (np.zeros((8, 8, 3), np.float32), TypeError, "uint8"),
    (np.zeros((8, 8, 3), np.int16), TypeError, "uint8"),
    (np.zeros((8, 8, 3), bool), TypeError, "uint8"),
    (np.zeros((8, 8, 5), np.uint8), ValueError, "shape"),
    (np.zeros((8, 8, 1), np.uint8), ValueError, "shape"),
    (np.zeros((2, 8, 8, 3), np.uint8), ValueError, "shape"),
    (np.zeros(64, np.uint8), ValueError, "shape"),
    (np.zeros((0, 8, 3), np.uint8), ValueError, "empty"),
    (np.zeros((8, 0), np.uint8), ValueError, "empty"),
    (12, TypeError, "an image is"),
    (None, TypeError, "an image is"),
    ([1, 2, 3], TypeError, "an image is"),
    ("nul\0in path.jpg", ValueError, "NUL"),
])
def test_bad_image_values(model, bad, error, needle):
    with pytest.raises(error, match=needle):
        fastclip.preprocess(bad)
    with pytest.raises(error, match=needle):
        model.encode_image(bad)
    with pytest.raises(error, match=needle):
        model.encode_images([np.zeros((8, 8), np.uint8), bad])


def test_batches_take_lists(model, images):
    for bad in ("photo.jpg", b"bytes", images["photo.jpg"], np.zeros((2, 8, 8, 3), np.uint8)):
        with pytest.raises(TypeError, match="takes a list"):
            model.encode_images(bad)
    with pytest.raises(TypeError, match="takes a list"):
        model.encode_images(7)
    for bad in ("a text", b"a text"):
        with pytest.raises(TypeError, match="takes a list"):
            model.encode_texts(bad)


def test_errors_argument(model):
    for call in (model.encode_images, model.encode_texts):
        with pytest.raises(ValueError, match="errors must be"):
            call([], errors="ignore")


def test_options_must_be_bools(model, images):
    with pytest.raises(TypeError, match="normalize"):
        model.encode_text("x", normalize="yes")
    with pytest.raises(TypeError, match="rgb_first"):
        model.encode_image(images["photo.jpg"], rgb_first=None)
    with pytest.raises(TypeError, match="truncate"):
        fastclip.tokenize("x", truncate="no")
    with pytest.raises(ValueError, match="max_pixels"):
        model.encode_image(images["photo.jpg"], max_pixels=-1)


# ---- texts -----------------------------------------------------------------------------


def test_invalid_utf8(model):
    """bytes are passed as they are and checked by the library; a str with
    lone surrogates (not valid Unicode) reaches it as invalid UTF-8 too."""
    for bad in (b"\xff", b"caf\xe9", b"ok then \xc3", "\udc80", "a\ud83d"):
        raises(S.INVALID_UTF8, lambda: fastclip.tokenize(bad), "UTF-8")
        raises(S.INVALID_UTF8, lambda: model.encode_text(bad), "UTF-8")
        e = raises(S.INVALID_UTF8, lambda: model.encode_texts(["fine", bad]))
        assert "text 1" in e.message
    e = raises(S.INVALID_UTF8, lambda: fastclip.tokenize(["fine", b"\xff"]))
    assert e.message.startswith("text 1: ")


def test_text_too_long(model):
    long = "word " * 200
    raises(S.TEXT_TOO_LONG, lambda: fastclip.tokenize(long, truncate=False), "tokens")
    raises(S.TEXT_TOO_LONG, lambda: fastclip.tokenize("a b c d", 5, truncate=False))
    raises(S.TEXT_TOO_LONG, lambda: model.encode_text(long, truncate=False))
    raises(S.TEXT_TOO_LONG, lambda: model.encode_texts(["a", long], truncate=False))


def test_bad_context_length():
    for n in (1, 0, -5):
        raises(S.INVALID_ARGUMENT, lambda: fastclip.tokenize("x", n), "context_length")
    with pytest.raises(ValueError, match="context_length must be"):
        fastclip.tokenize("x", 2 ** 31)


@pytest.mark.parametrize("bad,error", [(None, TypeError), (12, TypeError), (["ok", 3], TypeError),
                                       ("nul\0char", ValueError), (b"nul\0", ValueError)])
def test_bad_text_values(model, bad, error):
    with pytest.raises(error):
        fastclip.tokenize(bad)
    with pytest.raises(error):
        model.encode_text(bad) if not isinstance(bad, list) else model.encode_texts(bad)


# ---- models ----------------------------------------------------------------------------


def test_bad_archives(models, images):
    d = models["traced_fp32"]["path"].parent
    raises(S.IO, lambda: fastclip.Model(d / "missing.pt"), "missing.pt")
    raises(S.IO, lambda: fastclip.Model(d), "not a regular file")
    raises(S.MODEL, lambda: fastclip.Model(d / "state_dict.pt"), "TorchScript")
    raises(S.MODEL, lambda: fastclip.Model(d / "no_methods.pt"), "encode_image")
    raises(S.MODEL, lambda: fastclip.Model(d / "bad_shape.pt"), "shape")
    raises(S.MODEL, lambda: fastclip.Model(images["photo.jpg"]))
    raises(S.MODEL, lambda: fastclip.Model(models["bare_traced"]["path"], warmup=0),
           "image_size")


def test_bad_load_arguments(models):
    path = models["traced_fp32"]["path"]
    raises(S.INVALID_ARGUMENT, lambda: fastclip.Model(path, mode="load:tpu"), "load:tpu")
    raises(S.INVALID_ARGUMENT, lambda: fastclip.Model(path, device="gpu7"), "gpu7")
    raises(S.INVALID_ARGUMENT, lambda: fastclip.Model(path, warmup=-1), "warmup")
    raises(S.DEVICE, lambda: fastclip.Model(path, mode="load:cuda:99"))
    raises(S.IO, lambda: fastclip.Model(path, bpe_path="/nonexistent/bpe.txt.gz"))
    with pytest.raises(TypeError, match="model path"):
        fastclip.Model(None)
    with pytest.raises(TypeError, match="model path"):
        fastclip.Model(b"model.pt")
    with pytest.raises(TypeError, match="mode"):
        fastclip.Model(path, mode=1)
    with pytest.raises(ValueError, match="warmup must be"):
        fastclip.Model(path, warmup=2 ** 40)
    with pytest.raises(ValueError, match="NUL"):
        fastclip.Model(path, device="cpu\0")


def test_bad_bpe_file(images):
    raises(S.IO, lambda: fastclip.Tokenizer("/nonexistent/bpe.txt.gz"))
    raises(S.CORRUPT, lambda: fastclip.Tokenizer(images["photo.jpg"]), "gzip")


def test_closed_model_and_tokenizer(models):
    m = fastclip.Model(models["scripted_fp32"]["path"], warmup=0)
    m.close()
    with pytest.raises(ValueError, match="Model is closed"):
        m.encode_text("x")
    t = fastclip.Tokenizer()
    t.close()
    with pytest.raises(ValueError, match="Tokenizer is closed"):
        t.tokenize("x")


# ---- the library itself ------------------------------------------------------------------


def run_python(code, **env):
    e = dict(os.environ)
    e.update(env)
    e["PYTHONPATH"] = str(PACKAGE_ROOT)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=e, timeout=120)


def test_library_not_found(tmp_path):
    code = ("import fastclip\n"
            "try:\n    fastclip.tokenize('x')\n"
            "except fastclip.LibraryNotFoundError as e:\n"
            "    assert isinstance(e, OSError)\n    print(e)\n")
    proc = run_python(code, FASTCLIP_LIBRARY=str(tmp_path / "libfastclip.so.0"))
    assert proc.returncode == 0, proc.stderr
    assert "cannot load libfastclip" in proc.stdout and "FASTCLIP_LIBRARY" in proc.stdout
    # A library that is not libfastclip.
    import ctypes.util
    other = ctypes.util.find_library("z")
    proc = run_python(code, FASTCLIP_LIBRARY=other)
    assert proc.returncode == 0, proc.stderr
    assert "not libfastclip" in proc.stdout


def test_import_needs_no_library(tmp_path):
    """import fastclip works without the library (it is loaded on first
    use), so tools can read __version__."""
    proc = run_python("import fastclip; print(fastclip.__version__)",
                      FASTCLIP_LIBRARY=str(tmp_path / "nothing.so"))
    assert proc.returncode == 0 and proc.stdout.strip() == fastclip.__version__


def test_model_backend_missing(models, tmp_path):
    """Without its LibTorch backend the library still preprocesses and
    tokenizes, and Model() raises Status.UNSUPPORTED saying why."""
    code = ("import fastclip\n"
            "assert fastclip.tokenize('a cat')[1] == 320\n"
            "try:\n    fastclip.Model(%r)\n"
            "except fastclip.FastclipError as e:\n"
            "    print(int(e.status), e.message)\n" % str(models["traced_fp32"]["path"]))
    proc = run_python(code, FASTCLIP_TORCH_BACKEND=str(tmp_path / "no_backend.so"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("%d " % S.UNSUPPORTED), proc.stdout
    assert "no_backend.so" in proc.stdout
