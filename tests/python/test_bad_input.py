"""Bad input: truncated, corrupt, empty, non-image, unsupported and
oversized files, odd paths and absurd parameters.

Every case asserts the exact fc_status and that the one-line message names
the problem (a keyword such as "truncat", and the format's name where the
format was recognised). Each file case is also run through Pillow (+ CLIP's
transform): where Pillow raises, libfastclip must fail; where Pillow accepts
a damaged file, libfastclip must give Pillow's exact tensor (a few
malformed files Pillow tolerates may instead be rejected: "lenient").

Everything runs through fc_pp_batch (file and memory API), so the sanitizer
build checks all of it for memory errors and leaks. Written for Pillow 13,
the version libfastclip follows.
"""
import os
import resource
import struct
import subprocess
import time
import zlib
from dataclasses import dataclass

import numpy as np
import pytest

import imagegen as g
import reference as ref
from fctools import (BUFFER_TOO_SMALL, CORRUPT, INVALID_ARGUMENT, IO, OK, SANITIZED,
                     TIMEOUT_SCALE, TOO_LARGE, TRUNCATED, UNKNOWN_FORMAT, UNSUPPORTED,
                     BatchJob, run_batch)

# Words that name each problem; a message must contain one of them.
PROBLEM_WORDS = {
    TRUNCATED: ("truncat", "ends", "end of", "premature"),
    CORRUPT: ("corrupt", "invalid", "bad", "malformed", "broken", "must", "outside",
              "over", "no ", "not ", "unknown", "too long", "crosses", "bogus",
              "not defined", "zero"),
    TOO_LARGE: ("too large", "over the limit", "limit", "pixels"),
    UNSUPPORTED: ("not supported", "unsupported"),
    UNKNOWN_FORMAT: ("not an image", "unknown", "empty"),
    IO: ("cannot open", "no such file", "not a regular file", "directory"),
    INVALID_ARGUMENT: ("params", "size", "stride", "format", "std", "mean", "invalid"),
    BUFFER_TOO_SMALL: ("floats", "buffer", "out holds"),
}


@dataclass
class Bad:
    id: str
    data: bytes
    status: int          # the status libfastclip must return (when it fails)
    fmt: str = ""        # format name the message must contain ("" for none)
    words: tuple = ()    # extra: one of these must appear (default PROBLEM_WORDS)
    pillow: str = "raises"  # "raises" | "accepts" | "lenient"


BAD = []


def bad(*args, **kw):
    b = Bad(*args, **kw)
    assert all(x.id != b.id for x in BAD), b.id
    BAD.append(b)


# --------------------------------------------------------------------------
# Base files, and helpers that damage them
# --------------------------------------------------------------------------

W, H = 97, 61
RGB = g.rgb(W, H, 1)
IDX = g.indexed(W, H, 1)
PAL = g.palette_colors(256, 1)
BASE = {
    "png": ("png", g.png(RGB, 2, 8)),
    "png-adam7": ("png", g.png(RGB, 2, 8, interlace=True)),
    "jpeg": ("jpeg", g.pillow_bytes(g.to_image(RGB, "RGB"), "JPEG", quality=90)),
    "jpeg-prog": ("jpeg", g.pillow_bytes(g.to_image(RGB, "RGB"), "JPEG", quality=90,
                                         progressive=True)),
    "gif": ("gif", g.pillow_bytes(g.paletted(IDX, PAL), "GIF")),
    "bmp": ("bmp", g.pillow_bytes(g.to_image(RGB, "RGB"), "BMP")),
    "bmp-rle8": ("bmp", g.bmp_rle8(IDX // 16 * 16, PAL)),
    "tga": ("tga", g.pillow_bytes(g.to_image(RGB, "RGB"), "TGA")),
    "tga-rle": ("tga", g.pillow_bytes(g.to_image(RGB, "RGB"), "TGA", compression="tga_rle")),
    "pnm": ("pnm", g.pillow_bytes(g.to_image(RGB, "RGB"), "PPM")),
}
SIGNATURE = {"png": 8, "jpeg": 3, "gif": 6, "bmp": 2, "pnm": 2}


def patch(data, offset, new):
    b = bytearray(data)
    b[offset:offset + len(new)] = new
    return bytes(b)


def png_chunks(data):
    i, out = 8, []
    while i + 8 <= len(data):
        n = struct.unpack(">I", data[i:i + 4])[0]
        out.append((data[i + 4:i + 8], data[i + 8:i + 8 + n]))
        i += 12 + n
    return out


def png_rebuild(data, ctype, fn=None, crc=None):
    """Rewrites chunk `ctype` with fn(old) (None drops it); `crc` forces a
    (wrong) CRC, otherwise the CRC is recomputed."""
    out = [g.PNG_SIGNATURE]
    for t, d in png_chunks(data):
        if t == ctype:
            d = fn(d) if fn else d
            if d is None:
                continue
            out.append(g.png_chunk(t, d, crc))
        else:
            out.append(g.png_chunk(t, d))
    return b"".join(out)


def jpeg_drop(data, marker):
    out, i = bytearray(data[:2]), 2
    while data[i + 1] != 0xDA:
        n = struct.unpack(">H", data[i + 2:i + 4])[0]
        if data[i + 1] != marker:
            out += data[i:i + 2 + n]
        i += 2 + n
    return bytes(out + data[i:])


def jpeg_sof_patch(data, offset, value):
    """Sets byte `offset` of the SOF segment's payload (0 = precision)."""
    b, i = bytearray(data), 2
    while b[i + 1] not in (0xC0, 0xC1, 0xC2):
        i += 2 + struct.unpack(">H", b[i + 2:i + 4])[0]
    b[i + 4 + offset] = value
    return bytes(b)


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------

# Truncation, for every format and some variants.
for name, (fmt, data) in BASE.items():
    bad("%s-truncated-50pct" % name, data[: len(data) // 2], TRUNCATED, fmt)
    bad("%s-truncated-90pct" % name, data[: len(data) * 9 // 10], TRUNCATED, fmt)
    # The last byte: Pillow ignores it for some formats (IEND CRC, GIF
    # trailer, row padding); then the tensor must match.
    bad("%s-truncated-last-byte" % name, data[:-1], TRUNCATED, fmt,
        pillow="raises" if name in ("jpeg", "jpeg-prog", "pnm") else "accepts")
    if name in SIGNATURE:
        bad("%s-signature-only" % name, data[: SIGNATURE[name]], TRUNCATED, fmt,
            ("truncat", "ends"))
        bad("%s-header-cut" % name, data[:30], TRUNCATED, fmt, ("truncat", "ends"))
# A TGA header is 18 bytes; with less, neither Pillow nor we can tell it is one.
bad("tga-header-cut", BASE["tga"][1][:10], UNKNOWN_FORMAT)

png, jpg = BASE["png"][1], BASE["jpeg"][1]
gif, bmp = BASE["gif"][1], BASE["bmp"][1]
tga, ppm = BASE["tga"][1], BASE["pnm"][1]
bmp8 = g.pillow_bytes(g.paletted(IDX, PAL), "BMP")
tgap = g.pillow_bytes(g.paletted(IDX, PAL), "TGA")
png_p = g.png(IDX, 3, 8, palette=PAL)
noise = bytes(np.random.default_rng(5).integers(0, 256, 3000, dtype=np.uint8))

# PNG
bad("png-idat-not-zlib", png_rebuild(png, b"IDAT", lambda d: noise[: len(d)]), CORRUPT, "png")
bad("png-ihdr-bad-crc", png_rebuild(png, b"IHDR", crc=0x12345678), CORRUPT, "png", ("crc",))
bad("png-colour-type-5", png_rebuild(png, b"IHDR", lambda d: d[:8] + b"\x08\x05" + d[10:]),
    CORRUPT, "png")
bad("png-rgb-depth-4", png_rebuild(png, b"IHDR", lambda d: d[:8] + b"\x04\x02" + d[10:]),
    CORRUPT, "png")
bad("png-filter-method-1", png_rebuild(png, b"IHDR", lambda d: d[:11] + b"\x01" + d[12:]),
    CORRUPT, "png")
bad("png-interlace-method-2", png_rebuild(png, b"IHDR", lambda d: d[:12] + b"\x02"),
    CORRUPT, "png")
bad("png-row-filter-7", png_rebuild(png, b"IDAT", lambda d: zlib.compress(
    b"".join(b"\x07" + RGB[y].tobytes() for y in range(H)))), CORRUPT, "png", ("filter",))
bad("png-no-idat", png_rebuild(png, b"IDAT", lambda d: None), CORRUPT, "png")
bad("png-width-0", png_rebuild(png, b"IHDR", lambda d: b"\0\0\0\0" + d[4:]), CORRUPT, "png",
    ("size", "0x61"))
bad("png-height-0", png_rebuild(png, b"IHDR", lambda d: d[:4] + b"\0\0\0\0" + d[8:]), CORRUPT,
    "png", ("size", "97x0"))
# Pillow reads these damaged files: the tensor must be Pillow's.
bad("png-idat-bad-crc", png_rebuild(png, b"IDAT", crc=0x12345678), OK, "png", pillow="accepts")
bad("png-no-iend", png_rebuild(png, b"IEND", lambda d: None), OK, "png", pillow="accepts")
bad("png-idat-zero-tail", png_rebuild(png, b"IDAT", lambda d: d[: len(d) // 2]
                                      + bytes(len(d) - len(d) // 2)), OK, "png",
    pillow="accepts")
bad("png-idat-extra-data", png_rebuild(png, b"IDAT", lambda d: zlib.compress(
    zlib.decompress(d) + bytes(500))), OK, "png", pillow="accepts")
bad("png-plte-short", png_rebuild(png_p, b"PLTE", lambda d: d[:100]), OK, "png",
    pillow="accepts")
# Malformed files Pillow tolerates; rejecting them is allowed.
bad("png-compression-method-1", png_rebuild(png, b"IHDR", lambda d: d[:10] + b"\x01" + d[11:]),
    CORRUPT, "png", pillow="lenient")
bad("png-palette-without-plte", png_rebuild(png_p, b"PLTE", lambda d: None), CORRUPT, "png",
    ("plte",), pillow="lenient")

# JPEG
sos = jpg.index(b"\xff\xda")
bad("jpeg-no-dqt", jpeg_drop(jpg, 0xDB), CORRUPT, "jpeg", ("quantization",))
bad("jpeg-no-sof", jpeg_drop(jpg, 0xC0), CORRUPT, "jpeg", ("sof", "frame"))
bad("jpeg-12-bit", jpeg_sof_patch(jpg, 0, 12), UNSUPPORTED, "jpeg", ("12-bit",))
bad("jpeg-2-components", jpeg_sof_patch(jpg, 5, 2), UNSUPPORTED, "jpeg", ("component",))
bad("jpeg-bogus-sampling", jpeg_sof_patch(jpg, 7, 0x55), CORRUPT, "jpeg", ("sampling",))
bad("jpeg-height-0", g.jpeg_with_size(jpg, W, 0), CORRUPT, "jpeg")
bad("jpeg-width-0", g.jpeg_with_size(jpg, 0, H), CORRUPT, "jpeg")
bad("jpeg-soi-then-garbage", b"\xff\xd8\xff" + bytes(range(200)), TRUNCATED, "jpeg")
# libjpeg recovers from these (default Huffman tables; corrupt scan data):
# the garbage it produces must be Pillow's garbage.
bad("jpeg-no-dht", jpeg_drop(jpg, 0xC4), OK, "jpeg", pillow="accepts")
bad("jpeg-scan-garbage-no-markers", jpg[: sos + 200]
    + (np.arange(300) * 37 % 251).astype(np.uint8).tobytes() + jpg[sos + 500:], OK, "jpeg",
    pillow="accepts")
# Random bytes in the scan include 0xFF xx: a bad marker, which libjpeg
# treats as an error.
bad("jpeg-scan-garbage-bad-marker", jpg[: sos + 200] + noise[:300] + jpg[sos + 500:], CORRUPT,
    "jpeg", ("marker",))

# GIF
gi = gif.index(b"\x2c", 13 + 768)  # image descriptor after the global palette
bad("gif-no-image", gif[: 13 + 768] + b"\x3b", CORRUPT, "gif", ("no image",))
bad("gif-lzw-min-code-size-12", patch(gif, gi + 10, b"\x0c"), CORRUPT, "gif", ("lzw",))
bad("gif-lzw-garbage", gif[: gi + 12] + noise[:200] + gif[gi + 212:], CORRUPT, "gif", ("lzw",))
bad("gif-size-0", patch(patch(gif, 6, b"\0\0"), gi + 5, b"\0\0"), CORRUPT, "gif",
    ("size", "empty"))
bad("gif-frame-outside-screen", patch(gif, gi + 1, struct.pack("<H", 60)), OK, "gif",
    pillow="accepts")

# BMP
bad("bmp-depth-7", patch(bmp, 28, b"\x07\x00"), UNSUPPORTED, "bmp", ("depth",))
bad("bmp-compression-9", patch(bmp, 30, b"\x09\0\0\0"), UNSUPPORTED, "bmp", ("compression",))
bad("bmp-header-size-20", patch(bmp, 14, b"\x14\0\0\0"), UNSUPPORTED, "bmp", ("header",))
bad("bmp-data-offset-past-end", patch(bmp, 10, struct.pack("<I", len(bmp) + 100)), TRUNCATED,
    "bmp", ("truncat",))
bad("bmp-palette-300-colours", patch(bmp8, 46, struct.pack("<I", 300)), CORRUPT, "bmp",
    ("palette",))
bad("bmp-width-0", patch(bmp, 18, struct.pack("<i", 0)), CORRUPT, "bmp", ("size",))
bad("bmp-height-0", patch(bmp, 22, struct.pack("<i", 0)), CORRUPT, "bmp", ("size",))
bad("bmp-rle8-garbage", BASE["bmp-rle8"][1][:1078] + noise, TRUNCATED, "bmp")
bad("bmp-planes-2", patch(bmp, 26, b"\x02\x00"), OK, "bmp", pillow="accepts")

# TGA (no signature: a broken header makes it "not an image", as in Pillow)
bad("tga-image-type-5", patch(tga, 2, b"\x05"), UNKNOWN_FORMAT)
bad("tga-depth-13", patch(tga, 16, b"\x0d"), UNKNOWN_FORMAT)
bad("tga-width-0", patch(tga, 12, b"\0\0"), UNKNOWN_FORMAT)
bad("tga-colormap-depth-7", patch(tgap, 7, b"\x07"), UNKNOWN_FORMAT)
bad("tga-rle-run-past-row", BASE["tga-rle"][1][:18] + b"\xff\x01\x02\x03" * 3000,
    CORRUPT, "tga", ("rle", "run"))

# PNM
bad("pnm-maxval-0", b"P6\n97 61\n0\n" + ppm[15:], CORRUPT, "pnm", ("maxval",))
bad("pnm-maxval-70000", b"P6\n97 61\n70000\n" + bytes(W * H * 6), CORRUPT, "pnm", ("maxval",))
bad("pnm-width-not-a-number", b"P6\nabc 61\n255\n" + bytes(W * H * 3), CORRUPT, "pnm")
bad("pnm-width-negative", b"P6\n-97 61\n255\n" + bytes(W * H * 3), CORRUPT, "pnm")
bad("pnm-width-0", b"P6\n0 61\n255\n", CORRUPT, "pnm", ("size",))
bad("pnm-plain-sample-over-maxval", b"P2\n2 2\n255\n1 2 3 999\n", CORRUPT, "pnm")
bad("pnm-plain-garbage", b"P2\n2 2\n255\n1 2 x 4\n", CORRUPT, "pnm")
bad("pnm-token-too-long", b"P6\n" + b"9" * 100 + b" 61\n255\n", CORRUPT, "pnm")

# Headers claiming more pixels than the limit, in a tiny file.
HUGE = [
    ("png-claims-100000x100000", g.png_claiming(100000, 100000), "png"),
    ("png-claims-2147483648x61", png_rebuild(png, b"IHDR",
                                              lambda d: struct.pack(">I", 1 << 31) + d[4:]),
     "png"),
    ("jpeg-claims-65500x65500", g.jpeg_with_size(jpg, 65500, 65500), "jpeg"),
    ("gif-claims-65535x65535", g.gif_claiming(65535, 65535), "gif"),
    ("bmp-claims-100000x100000", g.bmp_claiming(100000, 100000), "bmp"),
    ("bmp-width-negative", patch(bmp, 18, struct.pack("<i", -97)), "bmp"),
    ("tga-claims-65535x65535", g.tga_claiming(65535, 65535), "tga"),
    ("pnm-claims-100000x100000", g.pnm_claiming(100000, 100000), "pnm"),
    # One pixel row over Pillow's DecompressionBombError threshold
    # (178956970 pixels): 13378 x 13377 = 178957506.
    ("png-claims-just-over-limit", g.png_claiming(13378, 13377, ctype=0), "png"),
]
for cid, data, fmt in HUGE:
    bad(cid, data, TOO_LARGE, fmt, ("limit",))
# Just under the threshold (13377 x 13377 = 178944129 grey pixels) is allowed:
# the file is then simply truncated.
bad("png-claims-just-under-limit", g.png_claiming(13377, 13377, ctype=0), TRUNCATED, "png",
    ("truncat",))

# Not images.
bad("empty", b"", UNKNOWN_FORMAT, "", ("empty",))
bad("text", b"Hello, this is not an image.\nJust some text.\n" * 20, UNKNOWN_FORMAT, "",
    ("not an image",))
for seed, n in ((1, 5000), (2, 5000), (3, 64)):
    bad("random-bytes-%d-seed%d" % (n, seed),
        bytes(np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8)),
        UNKNOWN_FORMAT, "", ("not an image",))
bad("text-starting-BM", b"BMW is a car brand. " * 20, TRUNCATED, "bmp")
bad("text-starting-P1", b"P1 is a paper size? no.\n" * 5, CORRUPT, "pnm")

# Formats Pillow reads and libfastclip does not: an error naming the format.
UNSUPPORTED_WRITERS = [("TIFF", "TIFF", "TIFF"), ("WEBP", "WebP", "WebP"), ("ICO", "ICO", "ICO"),
                       ("JPEG2000", "JPEG 2000", "JPEG 2000"), ("QOI", "QOI", "QOI")]
_img = g.to_image(RGB, "RGB")
for writer, cid, name in UNSUPPORTED_WRITERS:
    try:
        data = g.pillow_bytes(_img, writer)
    except (KeyError, OSError, ValueError):
        continue  # this Pillow cannot write it; test_unsupported_coverage checks the rest
    bad("unsupported-%s" % cid.replace(" ", ""), data, UNSUPPORTED, "", (name,),
        pillow="accepts-unsupported")
bad("unsupported-PSD-header", b"8BPS" + bytes(100), UNSUPPORTED, "", ("PSD",))
bad("unsupported-PCX", g.pillow_bytes(_img, "PCX"), UNKNOWN_FORMAT, "", ("not an image",),
    pillow="accepts-unsupported")


# --------------------------------------------------------------------------
# Running them
# --------------------------------------------------------------------------


def limits_for_child():
    """Keeps a run from quietly allocating gigabytes: an address-space limit
    for normal builds, ASan's allocation cap for sanitized ones. A decoder
    that allocates before checking the size then fails with
    FC_ERR_OUT_OF_MEMORY instead of FC_ERR_TOO_LARGE."""
    env = dict(os.environ)
    if SANITIZED:
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS", ""),
                                                     "allocator_may_return_null=1",
                                                     "max_allocation_size_mb=1024"]))
        return env, None

    def preexec():
        cap = 2 << 30
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    return env, preexec


def run_limited(exe, jobs, manifest):
    """run_batch under limits_for_child(); returns (BatchRun, seconds)."""
    env, preexec = limits_for_child()
    t0 = time.monotonic()
    result = run_batch(exe, jobs, manifest, env=env, preexec_fn=preexec)
    return result, time.monotonic() - t0


@pytest.fixture(scope="module")
def bad_results(tools, workdir):
    d = workdir / "bad"
    d.mkdir(exist_ok=True)
    jobs, index = [], {}
    for i, b in enumerate(BAD):
        # Neutral file names: a message must not pass because of its path.
        path = d / ("%03d.bin" % i)
        path.write_bytes(b.data)
        for kind in ("file", "memory"):
            index[(b.id, kind)] = len(jobs)
            jobs.append(BatchJob(kind, 224, "pil", str(path), str(d / ("%03d.%s.f32" % (i, kind)))))
    run, seconds = run_limited(tools.batch, jobs, d / "bad.manifest")
    return {"run": run, "index": index, "seconds": seconds, "dir": d}


def pillow_outcome(data):
    """None if Pillow + CLIP's transform accept the bytes, else the error."""
    try:
        return None, ref.reference(ref.open_image(data), 224, "pil")
    except Exception as e:  # Pillow raises many types here
        return e, None


def check_message(b, msg, with_path=None):
    assert msg and "\n" not in msg and len(msg) < 256, repr(msg)
    if with_path:
        assert msg.startswith(with_path + ": "), "file errors start with the path: %r" % msg
        msg = msg[len(with_path) + 2:]
    low = msg.lower()
    if b.fmt:
        assert low.startswith(b.fmt + ":") or b.fmt in low, (
            "%s: the message should name the format %r: %r" % (b.id, b.fmt, msg))
    words = b.words or PROBLEM_WORDS[b.status]
    assert any(w.lower() in low for w in words), (
        "%s: the message should name the problem (one of %s): %r" % (b.id, words, msg))


@pytest.mark.parametrize("b", BAD, ids=[b.id for b in BAD])
def test_bad_input(bad_results, b):
    res_file = bad_results["run"].results[bad_results["index"][(b.id, "file")]]
    res_mem = bad_results["run"].results[bad_results["index"][(b.id, "memory")]]
    assert res_file.status is not None, res_file.describe()
    assert res_mem.status is not None, res_mem.describe()
    assert res_file.status == res_mem.status, (
        "file API: %s; memory API: %s" % (res_file.describe(), res_mem.describe()))
    pil_error, expected = pillow_outcome(b.data)

    if b.pillow == "raises":
        assert pil_error is not None, "%s: Pillow accepts this file; the case is wrong" % b.id
        assert res_mem.status == b.status, (
            "%s: expected status %d, got %s (Pillow: %s: %s)"
            % (b.id, b.status, res_mem.describe(), type(pil_error).__name__, pil_error))
        check_message(b, res_mem.message)
        check_message(b, res_file.message, with_path=res_file.job.input)
    elif b.pillow in ("accepts", "lenient"):
        assert pil_error is None, "%s: Pillow raises %r; the case is wrong" % (b.id, pil_error)
        if b.pillow == "lenient" and not res_mem.ok:
            assert res_mem.status == b.status, res_mem.describe()
            check_message(b, res_mem.message)
            return
        assert res_mem.ok, "%s: Pillow reads this file, libfastclip: %s" % (
            b.id, res_mem.describe())
        for r in (res_mem, res_file):
            diff = ref.compare(r.tensor(), expected)
            assert diff is None, "%s (%s API): %s" % (b.id, r.job.kind, diff)
    elif b.pillow == "accepts-unsupported":
        assert res_mem.status == b.status, res_mem.describe()
        check_message(b, res_mem.message)
    else:
        raise AssertionError(b.pillow)


def test_oversized_headers_fail_fast(bad_results):
    """The whole bad-input batch (including every "claims 100000x100000"
    header) runs in well under a few seconds: sizes are checked before
    anything large is allocated or decoded."""
    limit = 20.0 * TIMEOUT_SCALE
    assert bad_results["seconds"] < limit, bad_results["seconds"]


def test_oversized_headers_each_fast(tools, workdir):
    """Each oversized header alone: fast, TOO_LARGE, under the memory cap."""
    d = workdir / "huge"
    d.mkdir(exist_ok=True)
    for cid, data, fmt in HUGE:
        p = d / (cid + ".bin")
        p.write_bytes(data)
        run, seconds = run_limited(tools.batch, [BatchJob("memory", 224, "pil", str(p),
                                                          str(d / "out.f32"))],
                                   d / (cid + ".manifest"))
        r = run.results[0]
        assert r.status == TOO_LARGE, "%s: %s" % (cid, r.describe())
        assert seconds < 2.0 * TIMEOUT_SCALE, "%s took %.2fs" % (cid, seconds)
        assert run.problems == [], run.problems


def test_unsupported_coverage():
    """At least TIFF and WebP (Pillow always writes them) are covered."""
    ids = {b.id for b in BAD}
    assert {"unsupported-TIFF", "unsupported-WebP"} <= ids, ids


def test_bad_batch_process_clean(bad_results):
    """No crash, no sanitizer report, no leak over all bad inputs."""
    assert bad_results["run"].problems == []


# --------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------


def test_missing_file_and_directory(batch, workdir):
    d = workdir / "paths"
    d.mkdir(exist_ok=True)
    missing = d / "does-not-exist.png"
    jobs = [BatchJob("file", 224, "pil", str(missing), str(d / "a.f32")),
            BatchJob("file", 224, "pil", str(d), str(d / "b.f32"))]
    run = batch(jobs, "paths")
    m, dr = run.results
    assert m.status == IO, m.describe()
    assert str(missing) in m.message and "no such file" in m.message.lower(), m.message
    assert dr.status == IO, dr.describe()
    assert str(d) in dr.message and ("not a regular file" in dr.message.lower()
                                     or "directory" in dr.message.lower()), dr.message
    assert run.problems == []


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_png(workdir):
    p = workdir / "tiny.png"
    p.write_bytes(g.png(g.rgb(31, 17, 3), 2, 8))
    return p


@pytest.mark.parametrize("n,expect", [(0, INVALID_ARGUMENT), (-1, INVALID_ARGUMENT),
                                      (5000, INVALID_ARGUMENT), (4097, INVALID_ARGUMENT),
                                      (1, OK), (4096, OK)],
                         ids=lambda v: str(v))
def test_output_size_bounds(batch, workdir, tiny_png, n, expect):
    """params.size must be 1..FC_MAX_SIZE (4096), for every entry point."""
    d = workdir / "params"
    d.mkdir(exist_ok=True)
    px = d / "px.raw"
    px.write_bytes(bytes(31 * 17 * 3))
    jobs = [BatchJob("file", n, "pil", str(tiny_png), str(d / ("f%d.f32" % n)))]
    if expect != OK:
        jobs += [BatchJob("memory", n, "rgb", str(tiny_png), str(d / ("m%d.f32" % n))),
                 BatchJob("pixels", n, "pil", str(px), str(d / ("p%d.f32" % n)), 3, 31, 17, 93)]
    run = batch(jobs, "size%d" % n)
    for r in run.results:
        assert r.status == expect, "%s n=%d: %s" % (r.job.kind, n, r.describe())
        if expect == INVALID_ARGUMENT:
            assert "size" in r.message and str(n) in r.message, r.message
    if expect == OK:
        out = run.results[0].tensor()
        if n == 1:  # a real tensor: compare it with the reference
            assert ref.compare(out, ref.reference_file(str(tiny_png), 1)) is None
        os.remove(run.results[0].job.output)
    assert run.problems == []


PIXEL_ARGS = [
    ("format-0", 0, 31, 17, 93, INVALID_ARGUMENT, "format"),
    ("format-7", 7, 31, 17, 93, INVALID_ARGUMENT, "format"),
    ("width-0", 3, 0, 17, 93, INVALID_ARGUMENT, "size"),
    ("height-negative", 3, 31, -17, 93, INVALID_ARGUMENT, "size"),
    ("stride-below-row", 3, 31, 17, 92, INVALID_ARGUMENT, "stride"),
    ("rgba-stride-below-row", 4, 31, 17, 123, INVALID_ARGUMENT, "stride"),
    ("over-pixel-limit", 3, 20000, 10000, 60000, TOO_LARGE, "limit"),
]


@pytest.mark.parametrize("case", PIXEL_ARGS, ids=[c[0] for c in PIXEL_ARGS])
def test_pixel_arguments(batch, workdir, case):
    name, fmt, w, h, stride, expect, word = case
    d = workdir / "pixargs"
    d.mkdir(exist_ok=True)
    px = d / "px.raw"
    px.write_bytes(bytes(31 * 17 * 4))  # never read past: each call fails first
    run = batch([BatchJob("pixels", 224, "pil", str(px), str(d / (name + ".f32")), fmt, w, h,
                          stride)], "pix-" + name)
    r = run.results[0]
    assert r.status == expect, r.describe()
    assert word in r.message.lower(), r.message
    assert run.problems == []


# Parameters fc_pp_batch cannot express with its fixed fields. They need
# manifest options: extra tab-separated "key=value" fields after the fixed
# ones (after OUTPUT for file/memory, after STRIDE for pixels):
#   std=R,G,B  mean=R,G,B  out_floats=K  max_pixels=K  max_bytes=K
#   order=K (raw fc_order value)  struct_size=K (params.struct_size)
OPTION_CASES = [
    ("std-zero", "std=0,0.26130258,0.27577711", INVALID_ARGUMENT, "std"),
    ("std-negative", "std=0.26862954,-1,0.27577711", INVALID_ARGUMENT, "std"),
    ("std-nan", "std=nan,0.26130258,0.27577711", INVALID_ARGUMENT, "std"),
    ("mean-inf", "mean=inf,0.4578275,0.40821073", INVALID_ARGUMENT, "mean"),
    ("order-7", "order=7", INVALID_ARGUMENT, "order"),
    ("struct-size-small", "struct_size=8", INVALID_ARGUMENT, "struct_size"),
    ("out-floats-one-short", "out_floats=150527", BUFFER_TOO_SMALL, "150527"),
    ("out-floats-zero", "out_floats=0", BUFFER_TOO_SMALL, "floats"),
    ("max-pixels-below-image", "max_pixels=526", TOO_LARGE, "limit"),
    ("max-bytes-below-file", "max_bytes=100", TOO_LARGE, "limit"),
    ("max-pixels-zero", "max_pixels=0", INVALID_ARGUMENT, "max_pixels"),
]


@pytest.mark.parametrize("case", OPTION_CASES, ids=[c[0] for c in OPTION_CASES])
def test_absurd_params(tools, workdir, tiny_png, case):
    """std 0, NaN mean, a bad order, a too-small output buffer, limits below
    the image: each gives its status, for the file, memory and pixel APIs."""
    name, option, expect, word = case
    d = workdir / "options"
    d.mkdir(exist_ok=True)
    px = d / "px.raw"
    px.write_bytes(bytes(31 * 17 * 3))
    lines = ["file\t224\tpil\t%s\t%s\t%s\n" % (tiny_png, d / "f.f32", option),
             "memory\t224\tpil\t%s\t%s\t%s\n" % (tiny_png, d / "m.f32", option),
             "pixels\t224\tpil\t%s\t%s\t3\t31\t17\t93\t%s\n" % (px, d / "p.f32", option)]
    if name == "max-bytes-below-file":
        lines = lines[:2]  # pixels have no encoded size
    manifest = d / (name + ".manifest")
    manifest.write_text("".join(lines))
    proc = subprocess.run([str(tools.batch), str(manifest)], capture_output=True, text=True,
                          timeout=60 * TIMEOUT_SCALE)
    out = proc.stdout.splitlines()
    assert len(out) == len(lines), (proc.stdout, proc.stderr)
    for line, kind in zip(out, ("file", "memory", "pixels")):
        assert line != "OK", (
            "%s API with %s returned OK: fc_pp_batch does not apply manifest options yet "
            "(needed: key=value fields std/mean/order/struct_size/out_floats/max_pixels/"
            "max_bytes, see the comment above OPTION_CASES)" % (kind, option))
        parts = line.split(" ", 2)
        assert parts[0] == "ERR" and int(parts[1]) == expect, "%s: %s" % (kind, line)
        assert word in parts[2].lower() if len(parts) > 2 else False, line
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
