"""Conformance: libfastclip against Pillow + torchvision, bit for bit.

Every case is an image generated here (see imagegen.py): every PNG colour
type and bit depth (with and without tRNS, interlaced, short palettes), JPEG
(baseline, progressive, 4:4:4 / 4:2:2 / 4:2:0, greyscale, CMYK, restart
markers), BMP, GIF, TGA and PNM in several modes, alpha gradients with
hidden colour under A = 0, and caller-held pixels in all six layouts. Sizes
run from 1x1 through upsampled, exactly n, n +- 1, extreme aspect ratios
(> 2:1 and > 100:1 both ways) up to 4000x3000.

Each (case, n, order) for n in 224 and 336 and both orders is run through
fc_pp_batch (one process for the lot) and compared with the reference
computed in the same test, as float32 bit patterns. File cases go through
fc_preprocess_file, and at n = 224 also through fc_preprocess_memory;
pixel cases through fc_preprocess_pixels. On a mismatch the message says
whether the decoder (fc_decode_dump vs Image.open) or the transform is at
fault. Test ids read
"<format>-<mode>-<details>-<W>x<H>-n<n>-<order>".

Under a Pillow older than 13 (Debian's 9.4), the cases whose result
legitimately depends on the Pillow version (see `version_reason`) must
differ from libfastclip or make the reference raise; every other case must
still be bit-exact. The differing cases are listed at the end of the run and
written to <build>/pillow-<version>-differences.json.
"""
import os
import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest

import imagegen as g
import reference as ref
from fctools import BatchJob, triage_decoder

NS = (224, 336)
ORDERS = ref.ORDERS
CJPEG_MISSING = ("cjpeg not found: install Debian's libjpeg-turbo-progs "
                 "(tests/env/debian-packages.txt) to test JPEGs written by cjpeg "
                 "(restart markers, 4:4:0, 4:1:1, arithmetic coding)")
PILLOW_RESTART = g.pillow_supports_jpeg_restart()


@dataclass
class Case:
    id: str
    w: int
    h: int
    mode: str                # the mode Pillow 13 opens it in
    make: object             # () -> bytes (files) or (array, raw, fmt, stride)
    ext: str = "img"
    pixels: bool = False
    pal_oob: bool = False    # palette indices past the PLTE's end are used
    needs: str = ""          # "cjpeg" or "pillow-restart"
    tags: set = field(default_factory=set)


CASES = []


def add(case):
    assert all(c.id != case.id for c in CASES), case.id
    CASES.append(case)


def sz(w, h):
    return "%dx%d" % (w, h)


# --------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------

# Geometry: every size class, as 8-bit RGB PNG (and subsets in other modes).
GEOMETRY = [
    (1, 1), (2, 2), (3, 5), (5, 3), (17, 33), (64, 48), (100, 60), (60, 100),
    (223, 223), (224, 224), (225, 225), (224, 300), (300, 224), (223, 300),
    (225, 300), (300, 223), (300, 225), (227, 229), (229, 227),
    (335, 335), (336, 336), (337, 337), (336, 500), (500, 336), (335, 480),
    (337, 480), (480, 335), (480, 337), (640, 480), (480, 640), (500, 375),
    (1023, 767), (7, 300), (300, 7), (1, 300), (300, 1), (2, 700),
    (1000, 10), (10, 1000), (3, 457), (457, 3), (300, 700), (400, 1000),
    (700, 300), (1000, 400), (250, 30000), (30000, 250), (2000, 13),
]
GEOMETRY_SUBSET = [
    (1, 1), (3, 5), (100, 60), (224, 224), (225, 300), (227, 229), (336, 500),
    (337, 480), (640, 480), (480, 640), (7, 300), (3, 457), (300, 700),
    (400, 1000), (1000, 10),
]

ALPHA_CT = {4: "LA", 6: "RGBA"}
PNG_MODE = {(0, 1): "1", (0, 2): "L", (0, 4): "L", (0, 8): "L", (0, 16): "I;16",
            (2, 8): "RGB", (2, 16): "RGB", (3, 1): "P", (3, 2): "P", (3, 4): "P",
            (3, 8): "P", (4, 8): "LA", (4, 16): "RGBA", (6, 8): "RGBA",
            (6, 16): "RGBA"}
PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}


def png_case(cid, w, h, ct, depth, interlace=False, samples=None, palette=None,
             trns=None, pal_oob=False, extra_chunks=(), idat_parts=1,
             filters="mixed"):
    def make():
        s, pal = (samples, palette) if samples is not None else \
            g.png_samples(ct, depth, w, h, g.seed_of(cid))
        return g.png(s() if callable(s) else s, ct, depth, palette=pal, trns=trns,
                     interlace=interlace, extra_chunks=extra_chunks,
                     idat_parts=idat_parts, filters=filters,
                     level=1 if w * h > 1_000_000 else 6)
    add(Case(cid, w, h, PNG_MODE[(ct, depth)], make, "png", pal_oob=pal_oob))


for (w, h) in GEOMETRY:
    png_case("png-RGB-geom-" + sz(w, h), w, h, 2, 8)
for (w, h) in GEOMETRY_SUBSET:
    png_case("png-RGBA-geom-" + sz(w, h), w, h, 6, 8)
    png_case("png-L-geom-" + sz(w, h), w, h, 0, 8)
    png_case("png-P-geom-" + sz(w, h), w, h, 3, 8)
for (w, h) in [(1, 1), (100, 60), (225, 300), (640, 480), (3, 457), (300, 700)]:
    png_case("png-1-geom-" + sz(w, h), w, h, 0, 1)
    png_case("png-LA-geom-" + sz(w, h), w, h, 4, 8)

# Every colour type and depth, plain and Adam7, down- and upsampled.
for ct, depths in PNG_DEPTHS.items():
    for depth in depths:
        mode = PNG_MODE[(ct, depth)].replace(";", "")
        for il, sizes in ((False, [(301, 229), (97, 61)]), (True, [(229, 301), (61, 97)])):
            for (w, h) in sizes:
                png_case("png-%s-ct%d-d%d%s-%s" % (mode, ct, depth, "-adam7" if il else "",
                                                  sz(w, h)), w, h, ct, depth, interlace=il)

# 16-bit grey, dark content with steps: Pillow < 10.3 (mode I) and Pillow 13
# (I;16, clamped intermediate) differ.
for (w, h) in [(301, 229), (64, 33)]:
    png_case("png-I16-dark-" + sz(w, h), w, h, 0, 16,
             samples=lambda w=w, h=h: g.gray16(w, h, 77, dark=True))
    png_case("png-I16-dark-adam7-" + sz(h, w), h, w, 0, 16, interlace=True,
             samples=lambda w=w, h=h: g.gray16(h, w, 78, dark=True))


def _trns_cases():
    w, h = 251, 187
    gs = g.gray(w, h, 11)
    png_case("png-L-trns-grey-" + sz(w, h), w, h, 0, 8, samples=gs, trns=b"\0\x80")
    g16 = g.gray16(w, h, 12)
    png_case("png-I16-trns-grey-" + sz(w, h), w, h, 0, 16, samples=g16, trns=b"\x12\x34")
    g1 = (g.bilevel(w, h, 13) // 255).astype(np.uint8)
    png_case("png-1-trns-" + sz(w, h), w, h, 0, 1, samples=g1, trns=b"\0\1")
    g4 = (g.gray(w, h, 14) >> 4).astype(np.uint8)
    png_case("png-L-d4-trns-adam7-" + sz(w, h), w, h, 0, 4, samples=g4, trns=b"\0\x07",
             interlace=True)
    c = g.rgb(w, h, 15)
    png_case("png-RGB-trns-" + sz(w, h), w, h, 2, 8, samples=c, trns=b"\0\x10\0\x20\0\x30")
    c16 = g.widen16(c, 16)
    png_case("png-RGB16-trns-" + sz(w, h), w, h, 2, 16, samples=c16,
             trns=b"\x10\x00\x20\x00\x30\x00")
    idx = g.indexed(w, h, 17, 256)
    pal = g.palette_colors(256, 17)
    png_case("png-P-trns-single-" + sz(w, h), w, h, 3, 8, samples=idx, palette=pal,
             trns=b"\xff" * 5 + b"\0")
    alphas = bytes((i * 37) & 255 for i in range(200))  # RGBA palette, shorter tRNS
    png_case("png-P-trns-alphas-" + sz(w, h), w, h, 3, 8, samples=idx, palette=pal,
             trns=alphas)
    png_case("png-P-trns-alphas-adam7-" + sz(h, w), h, w, 3, 8,
             samples=g.indexed(h, w, 18, 256), palette=pal, trns=alphas, interlace=True)
    idx4 = g.indexed(w, h, 19, 16)
    png_case("png-P-d4-trns-" + sz(w, h), w, h, 3, 4, samples=idx4,
             palette=g.palette_colors(16, 19), trns=bytes(range(0, 256, 17)))
    idx2 = g.indexed(w, h, 20, 4)
    png_case("png-P-d2-trns-single-" + sz(w, h), w, h, 3, 2, samples=idx2,
             palette=g.palette_colors(4, 20), trns=b"\xff\0")


_trns_cases()


def _short_palette_cases():
    """Palettes shorter than the indices used: Pillow >= 10.1 reads black
    past the end, Pillow 9.4 a grey ramp."""
    for (w, h, depth, plen, il) in [(251, 187, 8, 100, False), (187, 251, 8, 37, True),
                                    (97, 61, 4, 10, False), (301, 229, 2, 3, False),
                                    (100, 60, 8, 1, False)]:
        count = 1 << depth
        idx = g.indexed(w, h, plen, min(plen, count))
        # A wide central band of out-of-range indices (seen by every crop).
        band = slice(h // 3, h - h // 3)
        x = np.arange(w)
        idx[band, :] = (plen + (x % (count - plen)))[None, :].astype(np.uint8)
        png_case("png-P-d%d-plte%d-oob%s-%s" % (depth, plen, "-adam7" if il else "", sz(w, h)),
                 w, h, 3, depth, samples=idx, palette=g.palette_colors(plen, plen),
                 interlace=il, pal_oob=True)


_short_palette_cases()

# Ancillary chunks ignored by Pillow, IDAT split in many chunks, single
# filter types.
_anc = ((b"gAMA", b"\x00\x00\xb1\x8f"), (b"sRGB", b"\x00"),
        (b"cHRM", bytes(32)), (b"tEXt", b"Comment\0libfastclip test"),
        (b"iCCP", b"fake\0\0" + zlib.compress(b"not really a profile" * 8)),
        (b"pHYs", b"\0\0\x0b\x13\0\0\x0b\x13\x01"))
png_case("png-RGBA-ancillary-split-" + sz(211, 173), 211, 173, 6, 8, extra_chunks=_anc,
         idat_parts=9)
for f in range(5):
    png_case("png-RGB-filter%d-%s" % (f, sz(149, 151)), 149, 151, 2, 8, filters=f)
    png_case("png-LA-filter%d-adam7-%s" % (f, sz(83, 79)), 83, 79, 4, 8, filters=f,
             interlace=True)


def pillow_case(cid, w, h, mode, pil_mode, fmt, ext, content=None, needs="", **params):
    """A file written by Pillow's own encoder from generated content."""
    def make():
        return g.pillow_encoded(cid, w, h, pil_mode, fmt, content, **params)
    add(Case(cid, w, h, mode, make, ext, needs=needs))


for (w, h) in [(301, 229), (97, 61)]:
    for m in ("1", "L", "LA", "RGB", "RGBA", "P"):
        pillow_case("png-pillow-%s-%s" % (m, sz(w, h)), w, h, m, m, "PNG", "png")

# JPEG through Pillow (libjpeg-turbo).
JPEG_SIZES = [(227, 171), (17, 33), (500, 333), (1, 1), (224, 224), (333, 500)]
for sub, subname in ((0, "444"), (1, "422"), (2, "420")):
    for prog in (False, True):
        for (w, h) in JPEG_SIZES:
            pillow_case("jpeg-RGB-%s%s-q90-%s" % (subname, "-prog" if prog else "", sz(w, h)),
                        w, h, "RGB", "RGB", "JPEG", "jpg", quality=90, subsampling=sub,
                        progressive=prog)
for q in (25, 50, 75, 95, 100):
    pillow_case("jpeg-RGB-420-q%d-%s" % (q, sz(301, 229)), 301, 229, "RGB", "RGB",
                "JPEG", "jpg", quality=q, subsampling=2)
pillow_case("jpeg-RGB-420-optimize-" + sz(640, 480), 640, 480, "RGB", "RGB", "JPEG", "jpg",
            quality=85, subsampling=2, optimize=True)
for (w, h) in [(1, 1), (17, 33), (640, 480), (224, 300)]:
    for prog in (False, True):
        pillow_case("jpeg-L%s-%s" % ("-prog" if prog else "", sz(w, h)), w, h, "L", "L",
                    "JPEG", "jpg", quality=90, progressive=prog)
for (w, h) in [(301, 229), (33, 17), (480, 640)]:
    pillow_case("jpeg-CMYK-" + sz(w, h), w, h, "CMYK", "CMYK", "JPEG", "jpg", quality=90,
                content=lambda w, h, seed: g.to_image(np.dstack([g.rgb(w, h, seed),
                                                                 g.gray(w, h, seed + 1)]),
                                                      "CMYK"))
pillow_case("jpeg-CMYK-prog-" + sz(229, 301), 229, 301, "CMYK", "CMYK", "JPEG", "jpg",
            quality=80, progressive=True,
            content=lambda w, h, seed: g.to_image(np.dstack([g.rgb(w, h, seed),
                                                             g.gray(w, h, seed + 1)]), "CMYK"))


_exif = b"Exif\0\0MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0"
pillow_case("jpeg-RGB-exif-orient6-icc-" + sz(320, 200), 320, 200, "RGB", "RGB", "JPEG",
            "jpg", quality=90, exif=_exif,
            icc_profile=b"\0" * 128 + b"not a real profile")
# The big one.
pillow_case("jpeg-RGB-420-q90-" + sz(4000, 3000), 4000, 3000, "RGB", "RGB", "JPEG", "jpg",
            quality=90, subsampling=2)
png_case("png-RGBA-big-" + sz(3000, 4000), 3000, 4000, 6, 8, filters=1)

# Restart markers through Pillow (>= 11 writes DRI/RST) ...
for (w, h, kw) in [(301, 229, {"restart_marker_rows": 1}),
                   (227, 171, {"restart_marker_blocks": 3}),
                   (97, 61, {"restart_marker_blocks": 1, "progressive": True})]:
    pillow_case("jpeg-RGB-restart-pillow-%s-%s" % ("-".join("%s%s" % (k.split("_")[-1], v)
                                                           for k, v in kw.items()), sz(w, h)),
                w, h, "RGB", "RGB", "JPEG", "jpg", needs="pillow-restart", quality=90, **kw)


# ... and through cjpeg (restart markers, samplings Pillow cannot write).
def cjpeg_case(cid, w, h, mode, args):
    def make():
        seed = g.seed_of(cid)
        arr = g.gray(w, h, seed) if mode == "L" else g.rgb(w, h, seed)
        data = g.cjpeg(arr, args)
        assert data is not None, CJPEG_MISSING
        return data
    add(Case(cid, w, h, mode, make, "jpg", needs="cjpeg"))


for (name, args, w, h) in [
        ("restart1", ["-quality", "90", "-restart", "1"], 301, 229),
        ("restart2B", ["-quality", "90", "-restart", "2B", "-sample", "2x2"], 227, 171),
        ("restart1-prog", ["-quality", "90", "-restart", "1", "-progressive"], 229, 301),
        ("restart1-444", ["-quality", "90", "-restart", "1", "-sample", "1x1"], 97, 61),
        ("440", ["-quality", "90", "-sample", "1x2"], 301, 229),
        ("411", ["-quality", "90", "-sample", "4x1"], 301, 229),
        ("arith", ["-quality", "90", "-arithmetic"], 227, 171)]:
    cjpeg_case("jpeg-RGB-cjpeg-%s-%s" % (name, sz(w, h)), w, h, "RGB", args)
cjpeg_case("jpeg-L-cjpeg-restart1-" + sz(227, 171), 227, 171, "L",
           ["-quality", "90", "-grayscale", "-restart", "1"])

# BMP through Pillow: 1 and L come back as 1 / L (grey palettes), P, RGB;
# RGBA is written as 32-bit BI_RGB... which Pillow reads back as RGB.
for (w, h) in [(301, 229), (97, 61), (1, 1)]:
    for m, mode in (("1", "1"), ("L", "L"), ("P", "P"), ("RGB", "RGB"), ("RGBA", "RGB")):
        pillow_case("bmp-%s-%s" % (m, sz(w, h)), w, h, mode, m, "BMP", "bmp")


def crafted(cid, w, h, mode, ext, fn):
    add(Case(cid, w, h, mode, lambda: fn(w, h, g.seed_of(cid)), ext))


for (w, h) in [(301, 229), (98, 61)]:
    crafted("bmp-RGB-topdown-" + sz(w, h), w, h, "RGB", "bmp",
            lambda w, h, s: g.bmp_top_down_rgb(g.rgb(w, h, s)))
    crafted("bmp-RGB-555-" + sz(w, h), w, h, "RGB", "bmp",
            lambda w, h, s: g.bmp_555(g.rgb(w, h, s)))
    crafted("bmp-RGB-565-bitfields-" + sz(w, h), w, h, "RGB", "bmp",
            lambda w, h, s: g.bmp_565(g.rgb(w, h, s)))
    crafted("bmp-RGBA-32-bitfields-v4-" + sz(w, h), w, h, "RGBA", "bmp",
            lambda w, h, s: g.bmp_32_bitfields_rgba(g.rgba(w, h, s)))
    crafted("bmp-P-rle8-" + sz(w, h), w, h, "P", "bmp",
            lambda w, h, s: g.bmp_rle8(g.indexed(w, h, s, 64) // 8 * 8, g.palette_colors(256, s)))

# GIF through Pillow (first frame; Pillow writes interlaced GIFs by default).
for (w, h) in [(301, 229), (97, 61), (1, 1)]:
    pillow_case("gif-P-" + sz(w, h), w, h, "P", "P", "GIF", "gif")
    pillow_case("gif-P-noninterlaced-" + sz(w, h), w, h, "P", "P", "GIF", "gif",
                interlace=False)
    pillow_case("gif-L-" + sz(w, h), w, h, "P", "L", "GIF", "gif")  # Pillow reads it as P
pillow_case("gif-P-16colours-transparency-" + sz(251, 187), 251, 187, "P", "P", "GIF",
            "gif", transparency=3,
            content=lambda w, h, s: g.paletted(g.indexed(w, h, s, 16), g.palette_colors(16, s)))
pillow_case("gif-P-2colours-" + sz(187, 251), 187, 251, "P", "P", "GIF", "gif",
            content=lambda w, h, s: g.paletted(g.bilevel(w, h, s) // 255,
                                               g.palette_colors(2, s)))

# TGA through Pillow, raw and RLE, plus a top-left origin file.
for (w, h) in [(301, 229), (97, 61)]:
    for m in ("L", "LA", "P", "RGB", "RGBA"):
        for rle in (False, True):
            params = {"compression": "tga_rle"} if rle else {}
            pillow_case("tga-%s%s-%s" % (m, "-rle" if rle else "", sz(w, h)), w, h, m, m,
                        "TGA", "tga", **params)
    crafted("tga-RGB-topleft-" + sz(w, h), w, h, "RGB", "tga",
            lambda w, h, s: g.tga_top_left(g.rgb(w, h, s)))
    crafted("tga-RGBA-topleft-" + sz(w, h), w, h, "RGBA", "tga",
            lambda w, h, s: g.tga_top_left(g.rgba(w, h, s)))

# PNM through Pillow (binary P4/P5/P6, 16-bit P5) and by hand (plain
# P1/P2/P3, maxval other than 255).
for (w, h) in [(301, 229), (97, 61)]:
    for m, mode in (("1", "1"), ("L", "L"), ("RGB", "RGB")):
        pillow_case("pnm-%s-%s" % (m, sz(w, h)), w, h, mode, m, "PPM", "pnm")
    pillow_case("pnm-I16-" + sz(w, h), w, h, "I", "I", "PPM", "pnm",
                content=lambda w, h, s: g.Image.fromarray(g.gray16(w, h, s).astype(np.int32)))
    crafted("pnm-L-maxval100-" + sz(w, h), w, h, "L", "pnm",
            lambda w, h, s: g.pnm_maxval(g.gray(w, h, s).astype(np.uint32) * 100 // 255, 100))
    crafted("pnm-RGB-maxval1000-" + sz(w, h), w, h, "RGB", "pnm",
            lambda w, h, s: g.pnm_maxval(g.rgb(w, h, s).astype(np.uint32) * 1000 // 255, 1000))
    crafted("pnm-I-maxval4095-" + sz(w, h), w, h, "I", "pnm",
            lambda w, h, s: g.pnm_maxval(g.gray16(w, h, s) >> 4, 4095))
for (w, h) in [(37, 23), (5, 3)]:
    crafted("pnm-1-plain-" + sz(w, h), w, h, "1", "pnm",
            lambda w, h, s: g.pnm_plain(1 - g.bilevel(w, h, s) // 255, "P1"))
    crafted("pnm-L-plain-" + sz(w, h), w, h, "L", "pnm",
            lambda w, h, s: g.pnm_plain(g.gray(w, h, s), "P2"))
    crafted("pnm-RGB-plain-" + sz(w, h), w, h, "RGB", "pnm",
            lambda w, h, s: g.pnm_plain(g.rgb(w, h, s), "P3"))

# Caller-held pixels: fc_pixel_format 1..6, rows padded with garbage.
PIXEL_FORMATS = {1: ("GRAY8", "L", 1), 2: ("GRAYA8", "LA", 2), 3: ("RGB8", "RGB", 3),
                 4: ("RGBA8", "RGBA", 4), 5: ("BGR8", "RGB", 3), 6: ("BGRA8", "RGBA", 4)}


def pixel_case(fmt, w, h, pad):
    name, mode, bpp = PIXEL_FORMATS[fmt]
    cid = "pixels-%s-stride+%d-%s" % (name, pad, sz(w, h))

    def make():
        seed = g.seed_of(cid)
        content = {1: g.gray, 2: g.la, 3: g.rgb, 4: g.rgba, 5: g.rgb, 6: g.rgba}[fmt]
        arr = content(w, h, seed)
        mem = arr
        if fmt == 5:
            mem = arr[..., ::-1]
        elif fmt == 6:
            mem = arr[..., [2, 1, 0, 3]]
        row = w * bpp
        stride = row + pad
        raw = np.full((h, stride), 0xA5, np.uint8)
        raw[:, :row] = np.ascontiguousarray(mem).reshape(h, row)
        return arr, raw.tobytes(), fmt, stride
    add(Case(cid, w, h, mode, make, "raw", pixels=True))


for fmt in PIXEL_FORMATS:
    for (w, h, pad) in [(1, 1, 3), (97, 61, 13), (301, 229, 1), (224, 224, 64),
                        (640, 480, 7), (3, 457, 5), (400, 1000, 0)]:
        pixel_case(fmt, w, h, pad)


# --------------------------------------------------------------------------
# What legitimately depends on the Pillow version
# --------------------------------------------------------------------------


def resizes(case, n):
    return ref.resized_size(case.w, case.h, n) != (case.w, case.h)


def version_reason(case, n, order):
    """Why this (case, n, order) differs between Pillow 13 and an older
    Pillow (9.4), or None if it must not."""
    reasons = []
    nearest = order == "pil" and case.mode in ("P", "1")
    if ref.vertical_first(case.w, case.h, n) and not nearest:
        reasons.append("portrait, (H-h) > 2(W-w): Pillow 13 resizes vertically first")
    if case.pal_oob:
        reasons.append("palette index past the PLTE's end: black in Pillow >= 10.1, "
                       "grey ramp before")
    if case.mode == "I;16" and order == "pil" and resizes(case, n):
        reasons.append("16-bit grey PNG: mode I (unclamped resize) before Pillow 10.3, "
                       "I;16 (clamped) in Pillow 13")
    return "; ".join(reasons) or None


# --------------------------------------------------------------------------
# Running the library
# --------------------------------------------------------------------------

PARAMS = [pytest.param(c, n, o, id="%s-n%d-%s" % (c.id, n, o))
          for c in CASES for n in NS for o in ORDERS]


def available(case):
    if case.needs == "cjpeg" and g.cjpeg_path() is None:
        return CJPEG_MISSING
    if case.needs == "pillow-restart" and not PILLOW_RESTART:
        return ("Pillow %s cannot write JPEG restart markers (restart_marker_* "
                "needs Pillow >= 11); the cjpeg cases cover them" % ref.PIL.__version__)
    return None


@pytest.fixture(scope="module")
def conformance(batch, workdir):
    """Writes every case's input, runs fc_pp_batch once over all of them
    (file API for every (case, n, order), memory API for n=224 in both
    orders, pixel API for the pixel cases) and returns the results."""
    d = workdir / "conformance"
    d.mkdir(exist_ok=True)
    job = BatchJob
    inputs, jobs, index = {}, [], {}
    gen_errors = {}
    for c in CASES:
        if available(c):
            continue
        path = d / ("%s.%s" % (c.id, c.ext))
        try:
            made = c.make()
        except Exception as e:  # reported by the case's own tests
            gen_errors[c.id] = "%s: %s" % (type(e).__name__, e)
            continue
        if c.pixels:
            arr, raw, fmt, stride = made
            path.write_bytes(raw)
            inputs[c.id] = arr
        else:
            path.write_bytes(made)
            inputs[c.id] = str(path)
        for n in NS:
            for o in ORDERS:
                out = d / ("%s-n%d-%s.f32" % (c.id, n, o))
                if c.pixels:
                    j = job("pixels", n, o, str(path), str(out), fmt, c.w, c.h, stride)
                else:
                    j = job("file", n, o, str(path), str(out))
                index[(c.id, n, o, j.kind)] = len(jobs)
                jobs.append(j)
                if not c.pixels and n == 224:
                    mout = d / ("%s-n%d-%s.mem.f32" % (c.id, n, o))
                    index[(c.id, n, o, "memory")] = len(jobs)
                    jobs.append(job("memory", n, o, str(path), str(mout)))
    run = batch(jobs, "conformance")
    return {"inputs": inputs, "index": index, "run": run, "gen_errors": gen_errors}




def memory_result(conformance, case, n, order):
    """The memory-API run of this (case, n, order), if there is one."""
    i = conformance["index"].get((case.id, n, order, "memory"))
    return None if i is None else conformance["run"].results[i]


def result_for(conformance, case, n, order, kind):
    if case.id in conformance["gen_errors"]:
        pytest.fail("could not generate %s: %s" % (case.id, conformance["gen_errors"][case.id]))
    return conformance["run"].results[conformance["index"][(case.id, n, order, kind)]]


_open_cache = {}


def reference_image(conformance, case):
    """The PIL image the reference starts from, opened once per case."""
    src = conformance["inputs"][case.id]
    if _open_cache.get("id") != case.id:
        _open_cache.clear()
        _open_cache["id"] = case.id
        try:
            _open_cache["image"] = (ref.pixels_image(src) if case.pixels
                                    else ref.open_image(src))
            _open_cache["error"] = None
        except Exception as e:
            _open_cache["image"] = None
            _open_cache["error"] = e
    return _open_cache["image"], _open_cache["error"]


@pytest.mark.parametrize("case,n,order", PARAMS)
def test_conformance(conformance, version_differences, tools, case, n, order):
    why_not = available(case)
    if why_not:
        pytest.skip(why_not)
    res = result_for(conformance, case, n, order, "pixels" if case.pixels else "file")
    label = "%s n=%d order=%s" % (case.id, n, order)
    image, open_error = reference_image(conformance, case)
    reason = None if ref.PILLOW_IS_TARGET else version_reason(case, n, order)

    expected = None
    ref_error = open_error
    if image is not None:
        if ref.PILLOW_IS_TARGET:
            assert image.mode == case.mode, (
                "catalogue error: Pillow %s opens %s as %s, the case says %s"
                % (ref.PIL.__version__, case.id, image.mode, case.mode))
        try:
            expected = ref.reference(image, n, order)
        except Exception as e:
            ref_error = e

    if reason is not None:
        # Pillow < 13 on a version-dependent case: must differ or raise.
        assert res.ok, "%s: libfastclip failed: %s" % (label, res.describe())
        mem = memory_result(conformance, case, n, order)
        if mem is not None:
            assert mem.ok and ref.compare(mem.tensor(), res.tensor()) is None, (
                "%s: the memory API differs from the file API: %s" % (label, mem.describe()))
        if ref_error is not None:
            outcome = "raises"
            detail = "%s: %s" % (type(ref_error).__name__, ref_error)
        else:
            diff = ref.compare(res.tensor(), expected)
            assert diff is not None, (
                "%s is tagged version-dependent (%s) but Pillow %s gives the same "
                "tensor as libfastclip" % (label, reason, ref.PIL.__version__))
            outcome = "differs"
            detail = diff
        version_differences.append({"case": "%s-n%d-%s" % (case.id, n, order),
                                    "outcome": outcome, "reason": reason,
                                    "detail": detail})
        return

    if ref_error is not None:
        # Pillow cannot do it: libfastclip must fail too.
        assert not res.ok, ("%s: Pillow %s raises %s: %s, but libfastclip succeeded"
                            % (label, ref.PIL.__version__, type(ref_error).__name__,
                               ref_error))
        pytest.fail("%s: the reference raised %s: %s (libfastclip: %s); every "
                    "conformance case must decode in Pillow"
                    % (label, type(ref_error).__name__, ref_error, res.describe()))
    assert res.ok, "%s: libfastclip failed: %s" % (label, res.describe())
    diff = ref.compare(res.tensor(), expected)
    if diff is not None and not case.pixels:
        diff += "; " + triage_decoder(tools.dump, res.job.input, res.job.output + ".dump")
    assert diff is None, "%s (Pillow mode %s, %dx%d): %s" % (
        label, case.mode, case.w, case.h, diff)
    os.remove(res.job.output)  # the outputs of a full run would fill gigabytes

    mem = memory_result(conformance, case, n, order)
    if mem is not None:
        # fc_preprocess_memory on the same bytes: the same bits.
        assert mem.ok, "%s: memory API failed: %s" % (label, mem.describe())
        diff = ref.compare(mem.tensor(), expected)
        assert diff is None, "%s: memory API: %s" % (label, diff)
        os.remove(mem.job.output)


def test_catalogue_size():
    """The suite covers what the issue asks for (guards against a
    refactoring that silently drops cases)."""
    ids = [c.id for c in CASES]
    assert len(CASES) >= 250, len(CASES)
    for prefix in ("png-", "jpeg-", "bmp-", "gif-", "tga-", "pnm-", "pixels-"):
        assert any(i.startswith(prefix) for i in ids), prefix
    for ct, depths in PNG_DEPTHS.items():
        for d in depths:
            assert any("-ct%d-d%d-adam7-" % (ct, d) in i for i in ids), (ct, d)
    assert any(c.w * c.h >= 12_000_000 for c in CASES)
    assert any(c.h > 100 * c.w for c in CASES) and any(c.w > 100 * c.h for c in CASES)


def test_batch_process_clean(conformance):
    """fc_pp_batch exited 0 with nothing on stderr (under the sanitizer
    build: no memory errors, no leaks)."""
    assert conformance["run"].problems == []


def test_version_dependent_cases_recorded(version_differences):
    """Runs after test_conformance (file order). Under Pillow 13 nothing may
    be recorded as differing; under an older Pillow the version-dependent
    cases must have been seen."""
    if ref.PILLOW_IS_TARGET:
        assert version_differences == []
    else:
        assert version_differences, "no version-dependent case was checked"
