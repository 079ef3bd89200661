"""fastclip.Model against `fastclip embed -o X.npy` of the same build:
bit-identical embeddings for every model kind, image source, option and
batch form; the model's properties; the context manager and close()."""
import numpy as np
import pytest

import fastclip
from pkghelpers import cli_embed, model_kwargs, same

TEXTS = ["a photo of a cat", "", "ünïcödé ✓ 日本語", "an extremely long caption " * 20,
         "-starts with a dash"]
IMAGES = ["photo.jpg", "rgba.png", "gray.png", "la.png", "photo.ppm", "indexed.gif"]


@pytest.fixture(scope="module", params=["openai_style", "traced_fp32", "scripted_fp32",
                                        "bare_traced"])
def loaded(request, models):
    entry = models[request.param]
    with fastclip.Model(entry["path"], **model_kwargs(entry)) as model:
        yield entry, model


def test_properties(loaded):
    entry, model = loaded
    assert model.dim == entry["embed_dim"]
    assert model.image_size == entry["image_size"]
    assert model.context_length == entry["context_length"]
    assert not model.closed
    assert "dim=%d" % model.dim in repr(model)


@pytest.mark.parametrize("normalize,rgb_first", [(False, False), (True, True)])
def test_equals_the_cli(cli, images, tmp_path, loaded, normalize, rgb_first):
    entry, model = loaded
    paths = [images[n] for n in IMAGES]
    want = cli_embed(cli, tmp_path, entry, paths, TEXTS, normalize, rgb_first)
    assert want.shape == (len(paths) + len(TEXTS), model.dim)
    want_images, want_texts = want[:len(paths)], want[len(paths):]

    got = model.encode_images(paths, normalize=normalize, rgb_first=rgb_first)
    assert got.dtype == np.float32 and got.shape == want_images.shape
    assert same(got, want_images)
    got = model.encode_texts(TEXTS, normalize=normalize)
    assert same(got, want_texts)
    if normalize:
        assert np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)

    # One item per call: the CLI with one image and one text (batches of
    # one). Rows of a larger batch agree to rounding only: LibTorch's
    # kernels may sum in another order for another batch size.
    want = cli_embed(cli, tmp_path, entry, [paths[1]], [TEXTS[2]], normalize, rgb_first)
    one = model.encode_image(paths[1], normalize=normalize, rgb_first=rgb_first)
    assert one.shape == (model.dim,) and one.dtype == np.float32
    assert same(one, want[0])
    assert same(model.encode_text(TEXTS[2], normalize=normalize), want[1])
    for i, p in enumerate(paths):
        one = model.encode_image(p, normalize=normalize, rgb_first=rgb_first)
        assert np.allclose(one, want_images[i], rtol=1e-5, atol=1e-5), p


def test_image_sources(images, loaded):
    """A path, its bytes (bytes, bytearray, memoryview) and its pixels as
    an array give the same embedding; batches may mix them."""
    _, model = loaded
    for name in ("rgb", "rgba", "gray", "la"):
        path = images[name + ".png"]
        data = path.read_bytes()
        arr = images.arrays[name]
        want = model.encode_image(path)
        sources = [str(path), data, bytearray(data), memoryview(data), arr,
                   np.asfortranarray(arr)]
        for src in sources:
            assert same(model.encode_image(src), want), type(src)
        batch = model.encode_images(sources)
        assert batch.shape == (len(sources), model.dim)
        assert same(batch, model.encode_images([path] * len(sources)))


def test_text_bytes(loaded):
    _, model = loaded
    text = "ünïcödé ✓"
    assert same(model.encode_text(text.encode("utf-8")), model.encode_text(text))


def test_truncate_false(loaded):
    _, model = loaded
    short, long = "a photo", "word " * 200
    assert same(model.encode_text(short, truncate=False), model.encode_text(short))
    with pytest.raises(fastclip.FastclipError) as e:
        model.encode_text(long, truncate=False)
    assert e.value.status == fastclip.Status.TEXT_TOO_LONG


def test_empty_batches(loaded):
    _, model = loaded
    assert model.encode_images([]).shape == (0, model.dim)
    assert model.encode_texts([]).shape == (0, model.dim)
    out, statuses = model.encode_texts([], errors="return")
    assert out.shape == (0, model.dim) and statuses.shape == (0,)


def test_batches_accept_any_iterable(images, loaded):
    _, model = loaded
    paths = [images["photo.jpg"], images["gray.png"]]
    assert same(model.encode_images(tuple(paths)), model.encode_images(paths))
    assert same(model.encode_texts(t for t in TEXTS[:2]), model.encode_texts(TEXTS[:2]))


def test_errors_return(images, loaded):
    """errors="return": bad items get their status and a zero row, the
    good ones the same rows as alone."""
    _, model = loaded
    items = [images["photo.jpg"], images["missing.png"], images["not_an_image.jpg"],
             images["rgba.png"], images["truncated.png"], b""]
    out, statuses = model.encode_images(items, errors="return")
    S = fastclip.Status
    assert statuses.dtype == np.int32
    assert list(statuses) == [S.OK, S.IO, S.UNKNOWN_FORMAT, S.OK, S.TRUNCATED,
                              S.UNKNOWN_FORMAT]
    # Bad items are not run: the good rows are those of a batch of the good.
    good, ok = model.encode_images([items[0], items[3]], errors="return")
    assert not ok.any() and same(good, out[[0, 3]])
    assert same(good, model.encode_images([items[0], items[3]]))
    assert not out[[1, 2, 4, 5]].any()

    texts = ["a cat", b"\xff\xfe", "word " * 200, "\udc80", "a dog"]
    out, statuses = model.encode_texts(texts, truncate=False, errors="return")
    assert list(statuses) == [S.OK, S.INVALID_UTF8, S.TEXT_TOO_LONG, S.INVALID_UTF8, S.OK]
    assert same(out[[0, 4]], model.encode_texts(["a cat", "a dog"]))
    assert not out[1:4].any()


def test_close(models):
    entry = models["traced_fp32"]
    model = fastclip.Model(entry["path"], warmup=0)
    text = model.encode_text("a cat")
    with model as m:
        assert m is model
        assert same(m.encode_text("a cat"), text)
    assert model.closed and "closed" in repr(model)
    for call in (lambda: model.encode_text("a cat"), lambda: model.encode_texts(["a"]),
                 lambda: model.encode_image(b"x"), lambda: model.encode_images([b"x"])):
        with pytest.raises(ValueError, match="closed"):
            call()
    with pytest.raises(ValueError, match="closed"):
        with model:
            pass
    model.close()   # again: nothing
    assert model.dim == entry["embed_dim"]   # properties stay readable


def test_load_options(models, images):
    """warmup changes nothing; n_threads and an explicit device load; a
    context length or image size given for a model that has its own is
    ignored or used as documented, never a crash."""
    entry = models["scripted_fp32"]
    with fastclip.Model(entry["path"], warmup=0) as a, \
            fastclip.Model(entry["path"], mode="load:cpu", device="cpu", warmup=1) as b:
        for model in (a, b):
            assert model.dim == entry["embed_dim"]
        assert same(a.encode_image(images["photo.jpg"]), b.encode_image(images["photo.jpg"]))
        assert same(a.encode_text("a cat"), b.encode_text("a cat"))
    with fastclip.Model(models["bare_traced"]["path"], warmup=0,
                        image_size=models["bare_traced"]["image_size"]) as m:
        assert m.image_size == models["bare_traced"]["image_size"]


def test_workers_and_batch_size_change_no_byte(images, loaded):
    """Model(workers=..., batch_size=...): with the same batch size every
    worker count gives the same bytes, and bad values are refused by name."""
    entry, _ = loaded
    paths = [images[n] for n in IMAGES]
    outs = []
    for workers in (0, 1, 2, 8):
        with fastclip.Model(entry["path"], workers=workers, batch_size=4,
                            **model_kwargs(entry)) as m:
            outs.append(np.concatenate([m.encode_images(paths), m.encode_texts(TEXTS)]))
    assert all(np.array_equal(outs[0], o) for o in outs[1:])
    with pytest.raises(fastclip.FastclipError, match="workers"):
        fastclip.Model(entry["path"], workers=-5, **model_kwargs(entry))
    with pytest.raises(fastclip.FastclipError, match="micro_batch"):
        fastclip.Model(entry["path"], batch_size=0, **model_kwargs(entry))
    with pytest.raises(TypeError, match="batch_size"):
        fastclip.Model(entry["path"], batch_size="big", **model_kwargs(entry))
