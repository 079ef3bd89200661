"""Model inference against Python + torch: `fastclip embed` on small CLIP
archives (tests/models/clipmodels.py) gives the embeddings OpenAI's code
gives, to 1e-5.

The archives: openai_style (traced "on a GPU in float16" as OpenAI's
released ViT archives are, loaded the way clip.load(jit=True) does),
traced_fp32, scripted_fp32 (a context of 24 tokens and the size attributes
of a scripted model) and bare_traced (no size buffers: the image size is
given with --image-size). They are built once into <build>/test-models/ by
the model python (FASTCLIP_MODEL_PYTHON, default this python; see
modeltools.py).

The reference of each input is computed here: images by reference.py
(Pillow + torchvision at the model's image size), texts by OpenAI's
clip.tokenize (truncating at the model's context); then the embeddings by
`clipmodels.py embed-batch` under the model python (clip.load(jit=True)
for the traced archives with size buffers, torch.jit.load for the others),
one process for all models. Ours: one `fastclip embed` call per model with
every image and text.

Images: every decoded format and mode (JPEG RGB / L / CMYK, PNG of every
colour type with 16-bit and tRNS, GIF, BMP, TGA, PNM) and every size class
against each model's n (smaller, equal, larger, extreme aspect ratios), and
../shared/images. Texts: tokcorpus.py's scripts, HTML, emoji, whitespace,
the empty string and texts far over the context. Also: --normalize,
--rgb-first, one call with many inputs against one call per input, and the
exit codes of bad models and inputs.

Under a Pillow older than 13 the image cases whose preprocessing
legitimately differs from Pillow 13 (see test_conformance.version_reason)
are skipped; the suite is meant to run in the venv with Pillow 13.
"""
import hashlib
import pathlib
import shutil
import subprocess
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest

import imagegen as g
import modeltools as mt
import reference as ref
import tokcorpus
from fctools import ROOT, TIMEOUT_SCALE

TOL = 1e-5          # max abs difference against the torch reference
BATCH_TOL = 1e-6    # one call with many inputs against one call per input
MODELS = mt.MODEL_NAMES
SHARED = ROOT.parent / "shared" / "images"

# Exit codes of `fastclip embed`.
EXIT_INPUT, EXIT_USAGE, EXIT_OUTPUT, EXIT_MODEL = 1, 2, 3, 4


# --------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------


@dataclass
class Img:
    id: str
    w: int
    h: int
    mode: str          # the mode Pillow 13 opens it in
    make: object       # () -> bytes, or a pathlib.Path of a shared file
    ext: str


IMAGES = []


def add(cid, w, h, mode, make, ext):
    assert all(c.id != cid for c in IMAGES), cid
    IMAGES.append(Img(cid, w, h, mode, make, ext))


def sz(w, h):
    return "%dx%d" % (w, h)


def png(cid, w, h, ct, depth, mode, interlace=False, trns=None, samples=None, palette=None):
    def make():
        s, pal = (samples, palette) if samples is not None else \
            g.png_samples(ct, depth, w, h, g.seed_of(cid))
        return g.png(s, ct, depth, palette=pal, trns=trns, interlace=interlace)
    add(cid, w, h, mode, make, "png")


def pillow(cid, w, h, mode, pil_mode, fmt, ext, content=None, **params):
    def make():
        return g.pillow_encoded(cid, w, h, pil_mode, fmt, content, **params)
    add(cid, w, h, mode, make, ext)


def crafted(cid, w, h, mode, ext, fn):
    add(cid, w, h, mode, lambda: fn(w, h, g.seed_of(cid)), ext)


# Geometry against the models' n (32, 40, 48, 64): smaller, equal, one
# more, larger, both orientations, extreme aspect ratios.
for (w, h) in [(1, 1), (7, 5), (5, 7), (20, 31), (31, 31), (32, 32), (33, 33), (40, 40),
               (47, 47), (48, 48), (64, 64), (65, 65), (100, 60), (60, 100), (301, 229),
               (229, 301), (640, 480), (3, 457), (457, 3), (1000, 10), (10, 1000),
               (250, 3000)]:
    png("png-RGB-" + sz(w, h), w, h, 2, 8, "RGB")

# PNG: every colour type, 16-bit, low depths, tRNS, Adam7.
png("png-1-" + sz(97, 61), 97, 61, 0, 1, "1")
png("png-L-d4-" + sz(29, 23), 29, 23, 0, 4, "L")
png("png-L-" + sz(301, 229), 301, 229, 0, 8, "L")
png("png-I16-" + sz(301, 229), 301, 229, 0, 16, "I;16")
png("png-I16-" + sz(29, 23), 29, 23, 0, 16, "I;16")
png("png-RGB16-" + sz(97, 61), 97, 61, 2, 16, "RGB")
png("png-P-" + sz(301, 229), 301, 229, 3, 8, "P")
png("png-P-d2-" + sz(29, 23), 29, 23, 3, 2, "P")
png("png-LA-" + sz(301, 229), 301, 229, 4, 8, "LA")
png("png-LA16-" + sz(97, 61), 97, 61, 4, 16, "RGBA")
png("png-RGBA-" + sz(301, 229), 301, 229, 6, 8, "RGBA")
png("png-RGBA-" + sz(29, 23), 29, 23, 6, 8, "RGBA")
png("png-RGBA16-" + sz(97, 61), 97, 61, 6, 16, "RGBA")
png("png-RGBA-adam7-" + sz(229, 301), 229, 301, 6, 8, "RGBA", interlace=True)
png("png-RGB-trns-" + sz(97, 61), 97, 61, 2, 8, "RGB", trns=b"\0\x10\0\x20\0\x30")
png("png-P-trns-alphas-" + sz(301, 229), 301, 229, 3, 8, "P",
    samples=g.indexed(301, 229, 17, 256), palette=g.palette_colors(256, 17),
    trns=bytes((i * 37) & 255 for i in range(200)))

# JPEG (libjpeg-turbo through Pillow): RGB in three samplings, progressive,
# greyscale, CMYK.
pillow("jpeg-RGB-420-" + sz(301, 229), 301, 229, "RGB", "RGB", "JPEG", "jpg", quality=90,
       subsampling=2)
pillow("jpeg-RGB-444-prog-" + sz(29, 23), 29, 23, "RGB", "RGB", "JPEG", "jpg", quality=90,
       subsampling=0, progressive=True)
pillow("jpeg-RGB-422-" + sz(500, 333), 500, 333, "RGB", "RGB", "JPEG", "jpg", quality=85,
       subsampling=1)
pillow("jpeg-L-" + sz(301, 229), 301, 229, "L", "L", "JPEG", "jpg", quality=90)
pillow("jpeg-CMYK-" + sz(301, 229), 301, 229, "CMYK", "CMYK", "JPEG", "jpg", quality=90,
       content=lambda w, h, s: g.to_image(np.dstack([g.rgb(w, h, s), g.gray(w, h, s + 1)]),
                                          "CMYK"))

# GIF, BMP, TGA, PNM.
pillow("gif-P-" + sz(301, 229), 301, 229, "P", "P", "GIF", "gif")
pillow("gif-P-noninterlaced-" + sz(29, 23), 29, 23, "P", "P", "GIF", "gif", interlace=False)
pillow("gif-P-transparency-" + sz(97, 61), 97, 61, "P", "P", "GIF", "gif", transparency=3,
       content=lambda w, h, s: g.paletted(g.indexed(w, h, s, 16), g.palette_colors(16, s)))
pillow("bmp-RGB-" + sz(301, 229), 301, 229, "RGB", "RGB", "BMP", "bmp")
pillow("bmp-P-" + sz(97, 61), 97, 61, "P", "P", "BMP", "bmp")
pillow("bmp-1-" + sz(97, 61), 97, 61, "1", "1", "BMP", "bmp")
crafted("bmp-RGBA-32-bitfields-" + sz(97, 61), 97, 61, "RGBA", "bmp",
        lambda w, h, s: g.bmp_32_bitfields_rgba(g.rgba(w, h, s)))
crafted("bmp-P-rle8-" + sz(98, 61), 98, 61, "P", "bmp",
        lambda w, h, s: g.bmp_rle8(g.indexed(w, h, s, 64) // 8 * 8, g.palette_colors(256, s)))
pillow("tga-RGB-" + sz(301, 229), 301, 229, "RGB", "RGB", "TGA", "tga")
pillow("tga-RGBA-rle-" + sz(97, 61), 97, 61, "RGBA", "RGBA", "TGA", "tga",
       compression="tga_rle")
pillow("tga-LA-" + sz(97, 61), 97, 61, "LA", "LA", "TGA", "tga")
pillow("tga-P-" + sz(97, 61), 97, 61, "P", "P", "TGA", "tga")
pillow("tga-L-rle-" + sz(29, 23), 29, 23, "L", "L", "TGA", "tga", compression="tga_rle")
pillow("pnm-1-" + sz(97, 61), 97, 61, "1", "1", "PPM", "pnm")
pillow("pnm-L-" + sz(301, 229), 301, 229, "L", "L", "PPM", "pnm")
pillow("pnm-RGB-" + sz(97, 61), 97, 61, "RGB", "RGB", "PPM", "pnm")
pillow("pnm-I16-" + sz(97, 61), 97, 61, "I", "I", "PPM", "pnm",
       content=lambda w, h, s: g.Image.fromarray(g.gray16(w, h, s).astype(np.int32)))
crafted("pnm-RGB-plain-" + sz(37, 23), 37, 23, "RGB", "pnm",
        lambda w, h, s: g.pnm_plain(g.rgb(w, h, s), "P3"))

# The shared photos.
for path, w, h, mode in ((SHARED / "CLIP.png", 2162, 762, "RGBA"),
                        (SHARED / "coffee-640x425.jpg", 640, 425, "RGB")):
    add("shared-" + path.name, w, h, mode, path, path.suffix.lstrip("."))

# Where --rgb-first changes the tensor: alpha and palettes.
RGB_FIRST = ["png-RGBA-301x229", "png-LA-301x229", "png-P-301x229",
             "png-P-trns-alphas-301x229", "gif-P-transparency-97x61", "tga-RGBA-rle-97x61",
             "shared-CLIP.png"]
RGB_FIRST_MODELS = ("openai_style", "scripted_fp32")

# One call with all inputs against one call per input.
SEPARATE = ["png-RGBA-301x229", "jpeg-RGB-420-301x229", "png-RGB-1x1"]
SEPARATE_MODEL = "openai_style"

# --normalize: the first images and texts of the main run.
NORMALIZE_ROWS = 8


def version_reason(case, n, order="pil"):
    """Why this case's preprocessing differs between Pillow 13 and an older
    reference Pillow (as test_conformance.version_reason), or None."""
    if ref.PILLOW_IS_TARGET:
        return None
    reasons = []
    w, h = case.w, case.h
    nearest = order == "pil" and case.mode in ("P", "1")
    if ref.vertical_first(w, h, n) and not nearest:
        reasons.append("portrait, (H-h) > 2(W-w): Pillow 13 resizes vertically first")
    if case.mode == "I;16" and order == "pil" and ref.resized_size(w, h, n) != (w, h):
        reasons.append("16-bit grey PNG: mode I before Pillow 10.3")
    return "; ".join(reasons) or None


# --------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------

LONG_CAPTION = ("a photo of two people walking a red dog in a park at night next to a blue "
                "car parked on the side of a wet street with reflections of the lights in "
                "the puddles and a diagram of an engine on a poster")   # ~40 tokens


def _texts():
    c = tokcorpus
    fixed = ["", "a photo of a cat", "A PHOTO OF A CAT.", LONG_CAPTION,
             c.CONTRACTIONS[0], c.ACCENTED[0], c.ACCENTED[7], c.GREEK[0], c.CYRILLIC[1],
             c.ARABIC[0], c.CJK[0], c.CJK[1], c.CJK[4], c.EMOJI[1], c.EMOJI[2], c.HTML[0],
             c.HTML[4], c.MOJIBAKE[3], c.PUNCT[4], c.PUNCT[13], c.PUNCT[15], c.NUMBERS[0],
             c.NUMBERS[6], " ", "a\tb", "line1\nline2\nline3", "a\u00a0b", c.DECOMPOSED[0],
             "--dash-start", "-"]
    gen = tokcorpus.generated()
    # generated(): i % 5 == 3 are far over 77 tokens, i % 5 == 4 long runs.
    longs = [gen[i] for i in (3, 8, 13)] + [gen[i] for i in (4, 9, 14)]
    mixed = [gen[i] for i in (1, 2, 6, 7)]
    out = []
    for t in fixed + longs + mixed:
        if t not in out:
            out.append(t)
    return out


TEXTS = _texts()


def text_id(i):
    t = TEXTS[i]
    short = "".join(ch if ch.isalnum() else "_" for ch in t[:16])
    return "t%02d-%s" % (i, short or "empty")


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def models():
    return mt.build_models()


@pytest.fixture(scope="module")
def image_files(workdir):
    d = workdir / "model-images"
    d.mkdir(exist_ok=True)
    files = {}
    for c in IMAGES:
        if isinstance(c.make, pathlib.Path):
            files[c.id] = c.make
            continue
        p = d / ("%s.%s" % (c.id, c.ext))
        p.write_bytes(c.make())
        files[c.id] = p
    return files


def preprocess_reference(image_files, n, order="pil", ids=None):
    """{case id: (3, n, n) float32 reference, or an exception}."""
    out = {}
    for c in IMAGES:
        if ids is not None and c.id not in ids:
            continue
        try:
            im = ref.open_image(str(image_files[c.id]))
            if ref.PILLOW_IS_TARGET:
                assert im.mode == c.mode, "catalogue error: %s opens as %s, not %s" % (
                    c.id, im.mode, c.mode)
            out[c.id] = ref.reference(im, n, order)
        except Exception as e:  # reported by that case's test
            out[c.id] = e
    return out


def describe(proc):
    return "exit %s, stderr %r" % (proc.returncode, proc.stderr.decode("utf-8", "replace")[-2000:])


@pytest.fixture(scope="module")
def runs(models, cli, image_files, workdir):
    """For every model: the references of every image (PIL order; and RGB
    order for RGB_FIRST) and text, and ours from one `fastclip embed` call
    with all of them (plus the --rgb-first call for RGB_FIRST_MODELS)."""
    d = workdir / "model-runs"
    d.mkdir(exist_ok=True)
    texts_by_ctx = {}
    out = {}
    jobs = []
    for name in MODELS:
        m = models[name]
        n, ctx = m["image_size"], m["context_length"]
        pre = preprocess_reference(image_files, n)
        pre_rgb = preprocess_reference(image_files, n, "rgb", set(RGB_FIRST))
        good = [c.id for c in IMAGES if not isinstance(pre[c.id], Exception)]
        good_rgb = [i for i in RGB_FIRST if not isinstance(pre_rgb[i], Exception)]
        stack = [pre[i] for i in good] + [pre_rgb[i] for i in good_rgb]
        if ctx not in texts_by_ctx:
            texts_by_ctx[ctx] = mt.tokenize(TEXTS, ctx)
        jobs.append({"model": m, "images": np.stack(stack), "tokens": texts_by_ctx[ctx]})
        out[name] = SimpleNamespace(model=m, pre=pre, pre_rgb=pre_rgb, good=good,
                                    good_rgb=good_rgb, tokens=texts_by_ctx[ctx])
    refs = mt.reference_embeddings(jobs, d, "refs")
    for name, (img, txt) in zip(MODELS, refs):
        r = out[name]
        k = len(r.good)
        r.ref_image = {cid: img[i] for i, cid in enumerate(r.good)}
        r.ref_rgb = {cid: img[k + i] for i, cid in enumerate(r.good_rgb)}
        r.ref_text = txt
        assert txt.shape == (len(TEXTS), r.model["embed_dim"]), txt.shape

        # Ours: every image and text in one call. When images fail (exit 1,
        # stderr names them), once more without them, so that one bad case
        # does not hide the others.
        o = d / ("%s-all.npy" % name)
        cases = list(IMAGES)
        r.failed = {}
        for attempt in range(2):
            files = [image_files[c.id] for c in cases]
            r.proc = cli(mt.embed_args(r.model, files, TEXTS, out=o), timeout=300)
            err = r.proc.stderr.decode("utf-8", "replace")
            named = [c for c in cases if str(image_files[c.id]) in err]
            if r.proc.returncode != EXIT_INPUT or not named or attempt:
                break
            for c in named:
                r.failed[c.id] = describe(r.proc)
            cases = [c for c in cases if c not in named]
        r.ours_image = r.ours_text = None
        if r.proc.returncode == 0:
            a = mt.read_embeddings(o, len(cases) + len(TEXTS))
            r.ours_image = {c.id: a[i] for i, c in enumerate(cases)}
            r.ours_text = a[len(cases):]
        # The same call with the reference kernels (Python's own) and the
        # reference's thread count: Python's results bit for bit.
        r.kernels_proc = None
        if r.proc.returncode == 0:
            o = d / ("%s-reference-kernels.npy" % name)
            r.kernels_proc = cli(mt.embed_args(
                r.model, [image_files[c.id] for c in cases], TEXTS, out=o,
                kernels="reference", threads=mt.REFERENCE_THREADS), timeout=300)
            if r.kernels_proc.returncode == 0:
                a = mt.read_embeddings(o, len(cases) + len(TEXTS))
                r.kernels_image = {c.id: a[i] for i, c in enumerate(cases)}
                r.kernels_text = a[len(cases):]
        r.rgb_proc = None
        if name in RGB_FIRST_MODELS:
            o = d / ("%s-rgb-first.npy" % name)
            r.rgb_proc = cli(mt.embed_args(
                r.model, [image_files[i] for i in RGB_FIRST], rgb_first=True, out=o),
                timeout=300)
            if r.rgb_proc.returncode == 0:
                a = mt.read_embeddings(o, len(RGB_FIRST))
                r.ours_rgb = dict(zip(RGB_FIRST, a))
    return out


def ours_or_fail(r):
    proc = r.proc
    if proc.returncode != 0:
        pytest.fail("fastclip embed failed on %s: %s" % (r.model["name"], describe(proc)))


def close(ours, want, tol, label):
    diff = mt.max_abs_diff(ours, want)
    assert diff <= tol, "%s: max abs diff %.3g > %g (ours %s..., reference %s...)" % (
        label, diff, tol, np.round(ours[:4], 6), np.round(want[:4], 6))


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def test_models_built(models):
    """The archives are what the tests assume (manifest.json)."""
    for name in MODELS:
        m = models[name]
        assert m["path"].exists(), m["path"]
        assert m["image_size"] and m["context_length"] and m["embed_dim"], m
    assert models["scripted_fp32"]["context_length"] < 77
    assert models["bare_traced"]["needs_image_size"]
    assert models["openai_style"]["reference"] == "clip_load_jit"
    assert models["openai_style"]["patched"]["dtype"] > 0
    assert len({models[n]["image_size"] for n in MODELS}) == len(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_references_discriminate(runs, name):
    """The random models tell inputs apart (the comparisons mean something):
    different images and texts give clearly different embeddings."""
    r = runs[name]
    rows = np.stack(list(r.ref_image.values()))
    assert np.isfinite(rows).all() and np.isfinite(r.ref_text).all()
    spread = rows.std(axis=0).mean()
    assert spread > 100 * TOL, spread
    assert r.ref_text.std(axis=0).mean() > 100 * TOL
    if name in RGB_FIRST_MODELS:
        moved = [i for i in r.good_rgb
                 if mt.max_abs_diff(r.ref_rgb[i], r.ref_image[i]) > 100 * TOL]
        assert len(moved) >= len(r.good_rgb) - 1, moved


@pytest.mark.parametrize("case", IMAGES, ids=[c.id for c in IMAGES])
@pytest.mark.parametrize("name", MODELS)
def test_image_embedding(runs, name, case):
    r = runs[name]
    n = r.model["image_size"]
    why = version_reason(case, n)
    if why:
        pytest.skip("Pillow %s: %s" % (ref.PIL.__version__, why))
    pre = r.pre[case.id]
    if isinstance(pre, Exception):
        pytest.fail("the reference failed on %s: %s: %s" % (case.id, type(pre).__name__, pre))
    if case.id in r.failed:
        pytest.fail("fastclip embed failed on %s: %s" % (case.id, r.failed[case.id]))
    ours_or_fail(r)
    close(r.ours_image[case.id], r.ref_image[case.id], TOL,
          "%s n=%d %s (Pillow mode %s)" % (name, n, case.id, case.mode))


@pytest.mark.parametrize("i", range(len(TEXTS)), ids=[text_id(i) for i in range(len(TEXTS))])
@pytest.mark.parametrize("name", MODELS)
def test_text_embedding(runs, name, i):
    r = runs[name]
    ours_or_fail(r)
    close(r.ours_text[i], r.ref_text[i], TOL, "%s context=%d text %r (tokens %s)" % (
        name, r.model["context_length"], TEXTS[i][:60], r.tokens[i][:12].tolist()))


def kernel_rows(r):
    """(ours with the reference kernels, ours with the default fast ones,
    the reference, label) for every image and text the reference embeds the
    same way."""
    ours_or_fail(r)
    if r.kernels_proc.returncode != 0:
        pytest.fail("fastclip embed --kernels reference failed: %s" % describe(r.kernels_proc))
    rows = []
    for cid, want in r.ref_image.items():
        case = next(c for c in IMAGES if c.id == cid)
        if cid in r.kernels_image and not version_reason(case, r.model["image_size"]):
            rows.append((r.kernels_image[cid], r.ours_image[cid], want, "image " + cid))
    for i, want in enumerate(r.ref_text):
        rows.append((r.kernels_text[i], r.ours_text[i], want, "text %r" % TEXTS[i][:40]))
    return rows


@pytest.mark.parametrize("name", MODELS)
def test_reference_kernels_are_bit_identical(runs, name):
    """--kernels reference runs the kernels Python runs, with its thread
    count: every embedding equals Python's bit for bit, not merely to 1e-5."""
    rows = kernel_rows(runs[name])
    assert len(rows) >= len(TEXTS) + 20, len(rows)
    differ = [(label, mt.max_abs_diff(ours, want)) for ours, _, want, label in rows
              if not np.array_equal(ours, want)]
    assert not differ, "%d of %d rows differ from Python, e.g. %s" % (
        len(differ), len(rows), differ[:3])


MICRO = 8   # a micro-batch size that cuts the inputs into several batches


@pytest.mark.parametrize("name", ["openai_style", "scripted_fp32"])
def test_micro_batches_are_python_batches(runs, cli, image_files, workdir, name):
    """--batch-size 8 with the reference kernels: each row equals, bit for
    bit, Python's row for the same inputs run in the same batches of 8
    (how batch composition may move the last bits: docs/threading.md), and
    the worker count changes nothing."""
    r = runs[name]
    ours_or_fail(r)
    cases = [c for c in IMAGES if c.id in r.ref_image and c.id in r.ours_image
             and not version_reason(c, r.model["image_size"])]
    pre = np.stack([r.pre[c.id] for c in cases])
    jobs = [{"model": r.model, "images": pre[i:i + MICRO], "tokens": r.tokens[i:i + MICRO]}
            for i in range(0, max(len(pre), len(r.tokens)), MICRO)]
    for job in jobs:
        if not len(job["images"]):
            job["images"] = None
        if not len(job["tokens"]):
            job["tokens"] = None
    refs = mt.reference_embeddings(jobs, workdir / "model-runs", "micro-%s" % name)
    want = np.concatenate([img for img, _ in refs] + [txt for _, txt in refs])
    outs = []
    for workers in (1, 3):
        o = workdir / "model-runs" / ("%s-micro-w%d.npy" % (name, workers))
        proc = cli(mt.embed_args(r.model, [image_files[c.id] for c in cases], TEXTS, out=o,
                                 kernels="reference", threads=mt.REFERENCE_THREADS,
                                 batch_size=MICRO, workers=workers), timeout=300)
        assert proc.returncode == 0, describe(proc)
        outs.append(mt.read_embeddings(o, len(cases) + len(TEXTS)))
    assert np.array_equal(outs[0], outs[1]), "the worker count changed a row"
    differ = [i for i in range(len(want)) if not np.array_equal(outs[0][i], want[i])]
    assert not differ, "%d of %d rows differ from Python's batches of %d, e.g. row %d: %g" % (
        len(differ), len(want), MICRO, differ[0], mt.max_abs_diff(outs[0][differ[0]], want[differ[0]]))


@pytest.mark.parametrize("name", MODELS)
def test_fast_kernels_change_only_roundings(runs, name):
    """The default fast kernels are really in use where LibTorch has them
    (the rows differ from the reference kernels' in the last bits; all are
    within TOL, which test_image_embedding and test_text_embedding check
    against Python), and where it has not (Debian's 1.13) they are the
    reference kernels."""
    r = runs[name]
    rows = kernel_rows(r)
    diffs = [mt.max_abs_diff(fast, reference) for reference, fast, _, _ in rows]
    if r.model["onednn_linear"]:
        changed = sum(d > 0 for d in diffs)
        assert changed >= len(rows) // 2, "only %d of %d rows changed: are the fast " \
            "kernels in use? (torch %s)" % (changed, len(rows), r.model["torch"])
        assert max(diffs) <= TOL, max(diffs)
    else:
        assert max(diffs) == 0.0, (max(diffs), r.model["torch"])


def test_truncation_matters():
    """Some texts are cut at 24 tokens but not at 77, some at both (so the
    short-context model checks the library's truncation)."""
    t24, t77 = mt.tokenize(TEXTS, 24), mt.tokenize(TEXTS, 77)
    eot = 49407

    def cut(t):
        return (t[:, -1] == eot) & (np.count_nonzero(t, axis=1) == t.shape[1])
    assert np.count_nonzero(cut(t24) & ~cut(t77)) >= 2
    assert np.count_nonzero(cut(t77)) >= 3


@pytest.mark.parametrize("name", MODELS)
def test_normalize(runs, cli, image_files, workdir, name):
    r = runs[name]
    cases = [c for c in IMAGES if c.id in r.ref_image and not version_reason(
        c, r.model["image_size"])][:NORMALIZE_ROWS]
    texts = TEXTS[:NORMALIZE_ROWS]
    o = workdir / "model-runs" / ("%s-normalize.npy" % name)
    proc = cli(mt.embed_args(r.model, [image_files[c.id] for c in cases], texts,
                                      normalize=True, out=o))
    assert proc.returncode == 0, describe(proc)
    a = mt.read_embeddings(o, len(cases) + len(texts), r.model["embed_dim"])
    want = np.stack([r.ref_image[c.id] for c in cases] + list(r.ref_text[:len(texts)]))
    want = want.astype(np.float64)
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    norms = np.linalg.norm(a.astype(np.float64), axis=1)
    assert np.abs(norms - 1).max() <= 1e-5, norms
    labels = [c.id for c in cases] + ["text %r" % t for t in texts]
    for k, label in enumerate(labels):
        close(a[k], want[k], TOL, "%s --normalize %s" % (name, label))


@pytest.mark.parametrize("case", RGB_FIRST)
@pytest.mark.parametrize("name", RGB_FIRST_MODELS)
def test_rgb_first(runs, name, case):
    r = runs[name]
    if r.rgb_proc.returncode != 0:
        pytest.fail("fastclip embed --rgb-first failed: %s" % describe(r.rgb_proc))
    pre = r.pre_rgb[case]
    if isinstance(pre, Exception):
        pytest.fail("the reference failed: %s: %s" % (type(pre).__name__, pre))
    close(r.ours_rgb[case], r.ref_rgb[case], TOL, "%s --rgb-first %s" % (name, case))


def test_one_call_equals_separate_calls(runs, cli, image_files, workdir):
    """The rows of the main call (every image and text at once) equal those
    of one call per input. These calls keep the default warm-up."""
    r = runs[SEPARATE_MODEL]
    ours_or_fail(r)
    missing = [cid for cid in SEPARATE if cid not in r.ours_image]
    assert not missing, "failed in the main call: %s" % missing
    d = workdir / "model-runs"
    for k, cid in enumerate(SEPARATE):
        o = d / ("separate-image-%d.npy" % k)
        proc = cli(mt.embed_args(r.model, [image_files[cid]], warmup=True, out=o))
        assert proc.returncode == 0, describe(proc)
        a = mt.read_embeddings(o, 1, r.model["embed_dim"])
        close(a[0], r.ours_image[cid], BATCH_TOL, "image %s alone vs in the batch" % cid)
    for k, i in enumerate((1, 3)):
        o = d / ("separate-text-%d.npy" % k)
        proc = cli(mt.embed_args(r.model, texts=[TEXTS[i]], warmup=True, out=o))
        assert proc.returncode == 0, describe(proc)
        a = mt.read_embeddings(o, 1, r.model["embed_dim"])
        close(a[0], r.ours_text[i], BATCH_TOL, "text %r alone vs in the batch" % TEXTS[i])


# --------------------------------------------------------------------------
# Exit codes
# --------------------------------------------------------------------------


def one_line_error(proc, code):
    assert proc.returncode == code, describe(proc)
    err = proc.stderr.decode("utf-8", "replace")
    assert err.endswith("\n") and err.count("\n") == 1, "not one line: %r" % err
    assert err.startswith("fastclip"), err
    return err


@pytest.mark.parametrize("bad", ["no_methods", "bad_shape", "state_dict", "missing"])
def test_bad_model(models, cli, workdir, bad):
    """Not a usable CLIP archive: exit 4 with a one-line message (the load
    checks both towers' output shapes on a warm-up run)."""
    if bad == "missing":
        m = {"path": workdir / "no-such-model.pt"}
    else:
        m = models[bad]
    args = ["embed", "--model", m["path"], "--mode", "load:cpu", "--image-size", 32,
            "--text", "a photo of a cat", "-o", workdir / ("bad-%s.npy" % bad)]
    proc = cli(args)
    one_line_error(proc, EXIT_MODEL)
    assert not (workdir / ("bad-%s.npy" % bad)).exists()


def test_bare_model_needs_image_size(models, cli, workdir):
    m = models["bare_traced"]
    proc = cli(["embed", "--model", m["path"], "--mode", "load:cpu", "--no-warmup",
                "--text", "a photo of a cat", "-o", workdir / "bare-no-size.npy"])
    one_line_error(proc, EXIT_MODEL)


def test_bad_image(models, cli, image_files, workdir):
    """A file that is not an image among good ones: exit 1, and stderr names
    the bad file (each line "fastclip: ..."), not the good one; no output."""
    bad = workdir / "not-an-image.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + hashlib.sha256(b"x").digest())
    good = image_files["png-RGB-1x1"]
    out = workdir / "bad-image.npy"
    proc = cli(mt.embed_args(models["traced_fp32"], [good, bad], out=out))
    assert proc.returncode == EXIT_INPUT, describe(proc)
    err = proc.stderr.decode("utf-8", "replace")
    assert err.endswith("\n") and all(line.startswith("fastclip: ")
                                      for line in err.splitlines()), err
    assert str(bad) in err and str(good) not in err, err
    assert not out.exists()


def test_bad_text(models, tools, workdir):
    """A text that is not UTF-8: exit 1 with a one-line message."""
    out = workdir / "bad-text.npy"
    args = [str(a) for a in mt.embed_args(models["traced_fp32"], texts=["fine"], out=out)]
    proc = subprocess.run([str(tools.cli), *args, "--text", b"caf\xe9 \xff"],
                          capture_output=True, timeout=120 * TIMEOUT_SCALE)
    one_line_error(proc, EXIT_INPUT)
    assert not out.exists()


def test_cuda_mode_without_gpu(models, cli, workdir):
    """load:cuda where there is no GPU (or a LibTorch without CUDA): exit 4
    with a one-line message."""
    if shutil.which("nvidia-smi") or pathlib.Path("/dev/nvidia0").exists():
        pytest.skip("this machine has a GPU")
    proc = cli(mt.embed_args(models["openai_style"], texts=["a photo of a cat"],
                             mode="load:cuda", out=workdir / "cuda.npy"))
    one_line_error(proc, EXIT_MODEL)
