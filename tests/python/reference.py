"""The reference: OpenAI CLIP's preprocessing with Pillow + torchvision.

`reference(image, n, order)` returns what CLIP's `_transform(n)` gives for a
PIL image, as a float32 numpy array (3, n, n):

    Compose([Resize(n, interpolation=BICUBIC), CenterCrop(n),
             lambda im: im.convert("RGB"), ToTensor(),
             Normalize(CLIP mean, CLIP std)])

order "pil" is CLIP's; order "rgb" runs convert("RGB") before everything
else (libfastclip's FC_ORDER_RGB_FIRST). The same code runs with
torchvision 0.14 (Debian) and 0.29 (the pinned venv).

Also here: which cases legitimately differ between the Pillow running the
reference and Pillow 13, the version libfastclip follows.
"""
import io
import warnings

import numpy as np
import PIL
from PIL import Image

import torch
from torchvision import transforms
from torchvision.transforms import InterpolationMode

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)
ORDERS = ("pil", "rgb")

PIL_VERSION = tuple(int(p) for p in PIL.__version__.split(".")[:2])
# libfastclip follows Pillow 13; older Pillows differ in a few documented ways.
PILLOW_IS_TARGET = PIL_VERSION >= (13, 0)

torch.set_num_threads(1)

_transforms = {}


def clip_transform(n):
    """CLIP's `_transform(n)` (clip/clip.py), built once per n."""
    t = _transforms.get(n)
    if t is None:
        t = transforms.Compose([
            transforms.Resize(n, interpolation=InterpolationMode.BICUBIC),
            transforms.CenterCrop(n),
            lambda im: im.convert("RGB"),
            transforms.ToTensor(),
            transforms.Normalize(MEAN, STD),
        ])
        _transforms[n] = t
    return t


def reference(image, n, order="pil"):
    """CLIP's tensor for a PIL image (not modified), as float32 (3, n, n)."""
    assert order in ORDERS
    with warnings.catch_warnings():
        # Palette images with bytes transparency warn on convert; harmless.
        warnings.simplefilter("ignore")
        im = image.convert("RGB") if order == "rgb" else image
        with torch.no_grad():
            t = clip_transform(n)(im)
    assert t.dtype == torch.float32 and tuple(t.shape) == (3, n, n)
    return t.numpy()


def open_image(source):
    """Image.open of a path or of bytes, fully loaded (as CLIP's loader)."""
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(bytes(source))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        im = Image.open(source)
        im.load()
    return im


def reference_file(source, n, order="pil"):
    return reference(open_image(source), n, order)


def pixels_image(array):
    """What Image.fromarray makes of a uint8 (h, w) / (h, w, 2|3|4) array."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    im = Image.fromarray(array)
    expected = {2: "L", 3: {2: "LA", 3: "RGB", 4: "RGBA"}}
    mode = expected[2] if array.ndim == 2 else expected[3][array.shape[2]]
    assert im.mode == mode, (im.mode, mode)
    return im


# --------------------------------------------------------------------------
# Geometry (torchvision Resize(int) + CenterCrop), for tagging cases
# --------------------------------------------------------------------------


def resized_size(w, h, n):
    """torchvision's Resize(n) output size (w', h') for a w x h image."""
    if w <= h:
        return n, int(n * h / w)
    return int(n * w / h), n


def vertical_first(w, h, n):
    """True when Pillow 13 resizes this image vertically first: both passes
    run and the height shrinks by more than twice as many pixels as the
    width ((H - h) > 2 (W - w)). Pillow < 12.2 always runs horizontally
    first; the 8-bit intermediate makes the order visible."""
    ow, oh = resized_size(w, h, n)
    if ow == w or oh == h:
        return False
    dh, dw = h - oh, w - ow
    return dh > 0 and dh > 2 * dw


def compare(ours, ref):
    """None when bit-identical, else a one-line description of the
    difference (count of differing floats, max abs diff, first place)."""
    ours = np.asarray(ours, dtype=np.float32)
    ref = np.asarray(ref, dtype=np.float32)
    if ours.shape != ref.shape:
        return "shape %s, reference %s" % (ours.shape, ref.shape)
    diff = ours.view(np.uint32) != ref.view(np.uint32)
    count = int(diff.sum())
    if count == 0:
        return None
    first = tuple(int(i) for i in np.argwhere(diff)[0])
    with np.errstate(invalid="ignore"):
        absdiff = np.abs(ours.astype(np.float64) - ref.astype(np.float64))
    worst = float(np.nanmax(absdiff)) if np.isfinite(absdiff).any() else float("nan")
    # One 8-bit level is about 1 / (255 * std) ~ 0.0146 in normalised units.
    levels = worst * 0.2613 * 255
    return ("%d of %d values differ (%.2f%%), max abs diff %.6g (~%.1f levels), "
            "first at (c, y, x) = %s: ours %r, reference %r"
            % (count, diff.size, 100.0 * count / diff.size, worst, levels, first,
               float(ours[first]), float(ref[first])))
