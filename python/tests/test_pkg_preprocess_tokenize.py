"""fastclip.preprocess and fastclip.tokenize against the `fastclip` command
of the same build: bit-identical tensors, identical ids. Every image
source (path, bytes, bytearray, memoryview, arrays of every layout and
stride) gives the same tensor as the file."""
import os
import pathlib

import numpy as np
import pytest

import fastclip
import tokcorpus
from pkghelpers import npy, same


@pytest.mark.parametrize("name", ["photo.jpg", "rgba.png", "gray.png", "la.png", "wide.png",
                                  "photo.ppm", "indexed.gif"])
@pytest.mark.parametrize("size,rgb_first", [(224, False), (37, True)])
def test_preprocess_equals_the_cli(cli, images, tmp_path, name, size, rgb_first):
    out = tmp_path / "cli.npy"
    cli(["preprocess", "--size", size, *(["--rgb-first"] if rgb_first else []),
         images[name], "-o", out])
    want = npy(out)
    assert want.shape == (3, size, size)
    path = images[name]
    data = path.read_bytes()
    for src in (str(path), path, data, bytearray(data), memoryview(data)):
        got = fastclip.preprocess(src, size=size, rgb_first=rgb_first)
        assert same(got, want), type(src)


@pytest.mark.parametrize("name", ["rgb", "rgba", "gray", "la", "wide"])
def test_pixel_arrays_equal_their_png(images, name):
    """An array is what Pillow's Image.fromarray makes of it, so it gives
    exactly the tensor of the PNG holding the same pixels."""
    want = fastclip.preprocess(images[name + ".png"], size=50)
    arr = images.arrays[name]
    assert same(fastclip.preprocess(arr, size=50), want)
    assert same(fastclip.preprocess(arr, size=50, rgb_first=True),
                fastclip.preprocess(images[name + ".png"], size=50, rgb_first=True))


def strided_views(arr):
    """The same pixels as arrays of other memory layouts."""
    h, w = arr.shape[:2]
    padded = np.zeros((h, w + 13) + arr.shape[2:], np.uint8)
    padded[:, 5:5 + w] = arr
    yield "padded rows", padded[:, 5:5 + w]
    yield "fortran order", np.asfortranarray(arr)
    yield "rows bottom-up", np.ascontiguousarray(arr[::-1])[::-1]
    yield "pixels right to left", np.ascontiguousarray(arr[:, ::-1])[:, ::-1]
    yield "transposed back", np.ascontiguousarray(np.swapaxes(arr, 0, 1)).swapaxes(0, 1)
    yield "read-only", np.frombuffer(arr.tobytes(), np.uint8).reshape(arr.shape)
    every_other = np.zeros((2 * h, 2 * w) + arr.shape[2:], np.uint8)
    every_other[::2, ::2] = arr
    yield "every other pixel", every_other[::2, ::2]
    if arr.ndim == 3:
        wider = np.zeros((h, w, arr.shape[2] + 1), np.uint8)
        wider[:, :, :arr.shape[2]] = arr
        yield "channel slice", wider[:, :, :arr.shape[2]]


@pytest.mark.parametrize("name", ["rgb", "rgba", "gray", "la"])
def test_any_strides(images, name):
    arr = images.arrays[name]
    want = fastclip.preprocess(arr, size=41)
    for what, view in strided_views(arr):
        assert np.array_equal(view, arr)
        assert same(fastclip.preprocess(view, size=41), want), what


def test_row_strides_are_passed_not_copied(images):
    from fastclip._sources import pixel_array
    arr = images.arrays["rgba"]
    views = dict(strided_views(arr))
    for what in ("padded rows", "read-only"):
        view = views[what]
        got, width, height, stride, _ = pixel_array(view)
        assert got is view and stride == view.strides[0], what
        assert (width, height) == (arr.shape[1], arr.shape[0])
    for what in ("fortran order", "every other pixel", "channel slice", "pixels right to left",
                 "rows bottom-up"):
        got, _, _, stride, _ = pixel_array(views[what])
        assert got is not views[what] and got.flags.c_contiguous, what


def test_one_row_and_one_column(images):
    arr = images.arrays["rgb"]
    for view in (arr[5:6], arr[:, 7:8], arr[5:6, 7:8], arr[5:6, ::-1]):
        want = fastclip.preprocess(np.ascontiguousarray(view), size=9)
        assert same(fastclip.preprocess(view, size=9), want)


def test_bgr(images):
    for name in ("rgb", "rgba"):
        arr = images.arrays[name]
        swapped = arr.copy()
        swapped[:, :, :3] = arr[:, :, 2::-1]
        assert same(fastclip.preprocess(swapped, bgr=True), fastclip.preprocess(arr))
    gray = images.arrays["gray"]   # bgr changes nothing for gray images
    assert same(fastclip.preprocess(gray, bgr=True), fastclip.preprocess(gray))


def test_mean_and_std(images):
    path = images["photo.jpg"]
    clip = fastclip.preprocess(path)
    mean, std = (0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)
    assert same(fastclip.preprocess(path, mean=mean, std=std), clip)
    raw = fastclip.preprocess(path, mean=(0, 0, 0), std=(1, 1, 1))
    assert raw.min() >= 0 and raw.max() <= 1
    assert np.allclose(raw, clip * np.float32(std)[:, None, None] + np.float32(mean)[:, None, None],
                       atol=1e-5)


def test_path_types(images, tmp_path):
    """str and os.PathLike; a name that is not UTF-8 reaches the file
    system as its bytes (os.fsencode)."""
    odd = os.fsdecode(b"caf\xe9-\xff.jpg")    # surrogate-escaped
    target = tmp_path / odd
    target.write_bytes(images["photo.jpg"].read_bytes())
    assert os.fsencode(str(target)).endswith(b"caf\xe9-\xff.jpg")
    want = fastclip.preprocess(images["photo.jpg"])
    assert same(fastclip.preprocess(str(target)), want)
    assert same(fastclip.preprocess(pathlib.PurePath(target)), want)


TEXTS = ["a photo of a cat", "", "   ", "Hello, World! It's 12:30pm.",
         "fish &amp; chips", "cafÃ© Zürich", "東京タワーの写真 🙂", "ΟΔΟΣ", "<|endoftext|>",
         "a\tb\nc", " ".join(["word"] * 100)] + tokcorpus.EMOJI[:3] + tokcorpus.MOJIBAKE[:3]


def cli_ids(cli, text, context_length=77, truncate=True):
    args = ["tokenize", "--context-length", context_length]
    if not truncate:
        args.append("--no-truncate")
    out = cli([*args, "--", text]).stdout.decode()
    return np.array([int(x) for x in out.split()], np.int32)


def test_tokenize_equals_the_cli(cli):
    got = fastclip.tokenize(TEXTS)
    assert got.dtype == np.int32 and got.shape == (len(TEXTS), 77)
    for i, text in enumerate(TEXTS):
        want = cli_ids(cli, text)
        one = fastclip.tokenize(text)
        assert one.dtype == np.int32 and one.shape == (77,)
        assert np.array_equal(one, want), text
        assert np.array_equal(got[i], want), text
        assert np.array_equal(fastclip.tokenize(text.encode("utf-8")), want), text


@pytest.mark.parametrize("context_length", [2, 5, 24, 200])
def test_tokenize_context_lengths(cli, context_length):
    for text in ("a photo of a cat", " ".join(["word"] * 300)):
        want = cli_ids(cli, text, context_length)
        assert want.shape == (context_length,)
        assert np.array_equal(fastclip.tokenize(text, context_length), want)


def test_tokenizer_with_a_bpe_file():
    """Tokenizer(bpe_path) reads the merges from a file (the build's checked
    copy of CLIP's, else the shared one beside the project: the same bytes,
    so the ids are the built-in ones)."""
    import fctools
    candidates = [fctools.BUILD / "bpe" / "bpe_simple_vocab_16e6.txt.gz",
                  fctools.ROOT.parent / "shared" / "clip" / "bpe_simple_vocab_16e6.txt.gz"]
    bpe = next((p for p in candidates if p.exists()), None)
    assert bpe is not None, "no BPE merges file at %s" % " or ".join(map(str, candidates))
    with fastclip.Tokenizer(bpe) as tok:
        assert np.array_equal(tok.tokenize(TEXTS), fastclip.tokenize(TEXTS))
    with pytest.raises(ValueError, match="closed"):
        tok.tokenize("x")


def test_version():
    assert fastclip.version() == fastclip.__version__
    assert os.path.exists(fastclip.library_path())
