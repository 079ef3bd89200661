"""Plain helpers for python/tests (fixtures are in conftest.py)."""
import numpy as np


def model_kwargs(entry):
    """fastclip.Model() arguments for a test-model manifest entry: the image
    size for the export that does not carry one, and no warm-up (warm-up
    changes no result)."""
    kw = {"warmup": 0}
    if entry.get("needs_image_size"):
        kw["image_size"] = entry["image_size"]
    return kw


def cli_model_args(entry):
    """The same for `fastclip embed`."""
    args = ["--model", entry["path"], "--no-warmup"]
    if entry.get("needs_image_size"):
        args += ["--image-size", entry["image_size"]]
    return args


def cli_embed(cli, tmp_path, entry, images=(), texts=(), normalize=False, rgb_first=False,
              kernels=None):
    """The rows `fastclip embed -o` writes for a test model: the images,
    then the texts. kernels None leaves --kernels to the CLI's default."""
    out = tmp_path / "embed.npy"
    args = ["embed", *cli_model_args(entry), "-o", out]
    if kernels is not None:
        args += ["--kernels", kernels]
    if normalize:
        args.append("--normalize")
    if rgb_first:
        args.append("--rgb-first")
    for f in images:
        args += ["--image", f]
    for t in texts:
        args += ["--text", t]
    cli(args)
    return npy(out)


def npy(path):
    """A float32 array `fastclip ... -o X.npy` wrote."""
    a = np.load(path, allow_pickle=False)
    assert a.dtype == np.dtype("<f4"), a.dtype
    return a


def same(a, b):
    """Bit-identical float32 arrays (NaN-safe, -0.0 vs 0.0 differ)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
