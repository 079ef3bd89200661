"""JPEG and PNG decoding against Pillow's Image.open(f).load().

Each case is written into pytest's tmp_path, decoded by the library's
internal decoders through <FASTCLIP_BUILD>/tests/fc_decode_dump, and
compared with Pillow exactly: the same verdict (both load, or both fail),
and when both load the same mode, size and samples (np.asarray(im)), plus
the palette for mode P (im.getpalette(), padded to 256 entries with zeros).

Covered: JPEG baseline/progressive, 4:4:4/4:2:2/4:2:0, greyscale, CMYK,
restart markers, arithmetic coding (in a small embedded file), files above
Pillow's 64 KiB read size, MPO, EXIF/ICC; PNG in every colour type and bit
depth, tRNS, PLTE of every length, Adam7, all filters, split and odd IDAT
chunks, APNG, CRC errors before and after IDAT; truncated, corrupt, empty
and oversized files, and a small deterministic fuzz of both formats.
"""
import base64
import io
import os
import pathlib
import random
import struct
import subprocess
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

from fctools import BUILD, SANITIZED  # noqa: E402

DUMP = BUILD / "tests" / "fc_decode_dump"

# fc_status values (fastclip.h)
UNSUPPORTED, CORRUPT, TRUNCATED, TOO_LARGE = 6, 7, 8, 9


# --------------------------------------------------------------------------
# Decoding both ways
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dump():
    if not DUMP.exists():
        pytest.fail("missing %s: build it first (make test-tools)" % DUMP)
    return DUMP


def ours(dump, path):
    """("OK", mode, w, h, bytes) or ("ERROR", status, message)."""
    out = str(path) + ".dump"
    proc = subprocess.run([str(dump), str(path), out], capture_output=True,
                          text=True, timeout=300)
    if proc.returncode == 1 and proc.stdout.startswith("ERROR "):
        parts = proc.stdout.strip().split(" ", 2)
        assert not proc.stderr.strip(), proc.stderr
        return ("ERROR", int(parts[1]), parts[2] if len(parts) > 2 else "")
    assert proc.returncode == 0 and not proc.stderr.strip(), (
        "fc_decode_dump %s: exit %s\n%s%s" % (path, proc.returncode, proc.stdout,
                                              proc.stderr[-3000:]))
    data = pathlib.Path(out).read_bytes()
    os.unlink(out)
    head, body = data.split(b"\n", 1)
    mode, w, h = head.decode().split()
    return ("OK", mode, int(w), int(h), body)


def pillow(path):
    """What Pillow holds after Image.open(path).load(), in the dump layout,
    or ("ERROR", exception name, message)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                im.load()
                a = np.asarray(im)
                if im.mode == "1":
                    a = a.astype(np.uint8) * 255
                body = a.tobytes()
                if im.mode == "P":
                    pal = bytes(im.getpalette() or [])
                    body += pal + bytes(768 - len(pal))
                return ("OK", im.mode, im.width, im.height, body)
    except Exception as e:  # noqa: BLE001 - any failure is Pillow's verdict
        return ("ERROR", type(e).__name__, str(e))


def difference(dump, path):
    """None when the library agrees with Pillow, else a description."""
    a, b = ours(dump, path), pillow(path)
    if a[0] == "ERROR":
        fmt = "jpeg: " if path.suffix == ".jpg" else "png: "
        if not a[2].startswith(fmt) and b[0] == "ERROR":
            return "message does not start with %r: %r" % (fmt, a[2])
    if a[0] != b[0]:
        return "ours %s, Pillow %s" % (a[:3] if a[0] == "ERROR" else a[:4],
                                       b if b[0] == "ERROR" else b[:4])
    if a[0] == "ERROR" or a[1:] == b[1:]:
        return None
    if a[1:4] != b[1:4]:
        return "ours %s %dx%d, Pillow %s %dx%d" % (a[1:4] + b[1:4])
    x = np.frombuffer(a[4], np.uint8).astype(int)
    y = np.frombuffer(b[4], np.uint8).astype(int)
    if x.size != y.size:
        return "ours %d bytes, Pillow %d" % (x.size, y.size)
    d = np.abs(x - y)
    return "samples differ: max %d, %d bytes" % (d.max(), (d > 0).sum())


def check_all(dump, tmp_path, cases):
    """cases: {file name: bytes}. Fails listing every disagreement."""
    problems = []
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        diff = difference(dump, path)
        if diff:
            problems.append("%s: %s" % (name, diff))
    assert not problems, "%d of %d disagree with Pillow:\n%s" % (
        len(problems), len(cases), "\n".join(problems[:40]))


# --------------------------------------------------------------------------
# Content
# --------------------------------------------------------------------------


def smooth(w, h, channels, seed, top=255):
    """Waves and a ramp with noise: typical of photos, stresses rounding."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 6, w)[None, :, None]
    y = np.linspace(0, 4, h)[:, None, None]
    ph = np.arange(channels)[None, None, :]
    v = 0.5 + 0.35 * np.sin(x + ph) * np.cos(1.3 * y + ph)
    v = v * top + rng.normal(0, 0.06 * top + 0.4, (h, w, channels))
    return np.clip(np.rint(v), 0, top).astype(np.int64)


def to_bytes(im, fmt, **params):
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


# --------------------------------------------------------------------------
# A PNG writer for what Pillow cannot write
# --------------------------------------------------------------------------

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4),
         (1, 0, 2, 2), (0, 1, 1, 2)]
SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(ctype, data, crc=None):
    if crc is None:
        crc = zlib.crc32(ctype + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", crc)


def ihdr(w, h, depth, ctype, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace))


def pack_row(samples, depth):
    if depth == 8:
        return samples.astype(np.uint8).tobytes()
    if depth == 16:
        return samples.astype(">u2").tobytes()
    per = 8 // depth
    s = np.concatenate([samples, np.zeros((-len(samples)) % per, np.int64)])
    s = s.reshape(-1, per)
    out = np.zeros(len(s), np.int64)
    for k in range(per):
        out |= s[:, k] << (8 - depth * (k + 1))
    return out.astype(np.uint8).tobytes()


def filter_rows(rows, bpp, filters):
    """Filters raw rows with filter types cycling through `filters`."""
    out, prev = [], None
    for i, row in enumerate(rows):
        x = np.frombuffer(row, np.uint8).astype(np.int64)
        up = prev if prev is not None and len(prev) == len(x) else np.zeros_like(x)
        left = np.concatenate([np.zeros(bpp, np.int64), x[:-bpp]])[: len(x)]
        upleft = np.concatenate([np.zeros(bpp, np.int64), up[:-bpp]])[: len(x)]
        p = left + up - upleft
        pa, pb, pc = np.abs(p - left), np.abs(p - up), np.abs(p - upleft)
        paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, upleft))
        ftype = filters[i % len(filters)]
        pred = [np.zeros_like(x), left, up, (left + up) // 2, paeth][ftype]
        out.append(bytes([ftype]) + ((x - pred) & 255).astype(np.uint8).tobytes())
        prev = x
    return b"".join(out)


def scanlines(samples, ctype, depth, interlace, filters=(0, 1, 2, 3, 4)):
    bpp = max(1, CHANNELS[ctype] * depth // 8)
    if not interlace:
        return filter_rows([pack_row(r.reshape(-1), depth) for r in samples], bpp, filters)
    data = b""
    for x0, y0, dx, dy in ADAM7:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] and sub.shape[1]:
            data += filter_rows([pack_row(r.reshape(-1), depth) for r in sub], bpp, filters)
    return data


def png(samples, ctype, depth, interlace=0, plte=None, trns=None, before=(),
        after=(), split=None, filters=(0, 1, 2, 3, 4), zdata=None, iend=True):
    h, w = samples.shape[:2]
    z = zdata if zdata is not None else zlib.compress(
        scanlines(samples, ctype, depth, interlace, filters))
    out = SIGNATURE + ihdr(w, h, depth, ctype, interlace) + b"".join(before)
    if plte is not None:
        out += chunk(b"PLTE", plte)
    if trns is not None:
        out += chunk(b"tRNS", trns)
    step = split or max(1, len(z))
    out += b"".join(chunk(b"IDAT", z[i:i + step]) for i in range(0, len(z), step))
    out += b"".join(after)
    return out + (chunk(b"IEND", b"") if iend else b"")


# --------------------------------------------------------------------------
# JPEG
# --------------------------------------------------------------------------

# 24x16 RGB, 4:2:0, arithmetic coding, written with libjpeg-turbo's cjpeg
# API (Pillow cannot write arithmetic coding).
ARITHMETIC_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4n"
    "ICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIy"
    "MjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/yQARCAAQABgDASIAAhEBAxEB/8wACgAQEAUBEBEF"
    "/9oADAMBAAIRAxEAPwD/ALMP7mCwXrCC7ES3vGNARhnckSlt48zsevurqoKuHbkz73v/AHE4B78j1rDewts0"
    "IHO+LDduVjI0wBKaDfhiUJ+6oNMeo9X75ajX7Sz16qRJt4+dma1aQKctlwqUbCc0Fsm0bukmhkogZTGpNS2c"
    "02Y5iRcRVBfw/9k=")


def jpeg_scan_start(data):
    """Offset just after the SOS segment."""
    i = 2
    while True:
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        i += 2 + length
        if marker == 0xDA:
            return i


def with_comment(data, scan_at):
    """`data` with a COM segment after SOI that moves the scan to `scan_at`."""
    size = scan_at - jpeg_scan_start(data) - 4
    assert 0 <= size <= 65533
    return data[:2] + b"\xff\xfe" + struct.pack(">H", size + 2) + b"c" * size + data[2:]


def jpeg_cases():
    cases = {}
    for w, h in [(1, 1), (17, 33), (64, 48), (227, 171)]:
        rgb = Image.fromarray(smooth(w, h, 3, w * h).astype(np.uint8))
        for ss in (0, 1, 2):
            for prog in (False, True):
                cases["rgb_%dx%d_ss%d_p%d.jpg" % (w, h, ss, prog)] = to_bytes(
                    rgb, "JPEG", quality=85, subsampling=ss, progressive=prog)
        grey = Image.fromarray(smooth(w, h, 1, w + h)[:, :, 0].astype(np.uint8))
        cmyk = Image.fromarray(smooth(w, h, 4, 3 * w + h).astype(np.uint8), "CMYK")
        for prog in (False, True):
            cases["L_%dx%d_p%d.jpg" % (w, h, prog)] = to_bytes(grey, "JPEG", progressive=prog)
            cases["cmyk_%dx%d_p%d.jpg" % (w, h, prog)] = to_bytes(cmyk, "JPEG", progressive=prog)
    rgb = Image.fromarray(smooth(120, 90, 3, 7).astype(np.uint8))
    cases["restart_blocks.jpg"] = to_bytes(rgb, "JPEG", restart_marker_blocks=2)
    cases["restart_rows.jpg"] = to_bytes(rgb, "JPEG", restart_marker_rows=1)
    cases["optimize_q100.jpg"] = to_bytes(rgb, "JPEG", optimize=True, quality=100)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: must not rotate
    cases["exif_orientation.jpg"] = to_bytes(rgb, "JPEG", exif=exif)
    cases["icc.jpg"] = to_bytes(rgb, "JPEG", icc_profile=b"not really a profile" * 50)
    cases["mpo.jpg"] = to_bytes(rgb, "MPO", save_all=True,
                                append_images=[rgb.transpose(Image.Transpose.FLIP_LEFT_RIGHT)])
    # Larger than one 64 KiB read: data reaches libjpeg block by block.
    big = Image.fromarray(smooth(600, 400, 3, 11).astype(np.uint8))
    cases["big_baseline.jpg"] = to_bytes(big, "JPEG", quality=95)
    cases["big_progressive.jpg"] = to_bytes(big, "JPEG", quality=95, progressive=True)
    assert len(cases["big_baseline.jpg"]) > 2 * 65536
    # Arithmetic coding: libjpeg's arithmetic decoder cannot suspend, so
    # under Pillow it fails when its data crosses a 64 KiB read boundary.
    cases["arith.jpg"] = ARITHMETIC_JPEG
    cases["arith_in_second_block.jpg"] = with_comment(ARITHMETIC_JPEG, 65536 + 10)
    cases["arith_across_blocks.jpg"] = with_comment(ARITHMETIC_JPEG, 65536 - 40)
    cases["arith_across_32k.jpg"] = with_comment(ARITHMETIC_JPEG, 32768 - 40)
    return cases


def test_jpeg_matches_pillow(dump, tmp_path):
    check_all(dump, tmp_path, jpeg_cases())


def test_jpeg_arithmetic_across_read_blocks_fails_as_in_pillow(dump, tmp_path):
    path = tmp_path / "arith_across.jpg"
    path.write_bytes(with_comment(ARITHMETIC_JPEG, 65536 - 40))
    assert pillow(path)[0] == "ERROR"
    assert ours(dump, path)[:2] == ("ERROR", CORRUPT)


def sof_offset(data):
    i = 2
    while data[i + 1] not in (0xC0, 0xC1, 0xC2):
        i += 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
    return i


def test_jpeg_bad_input(dump, tmp_path):
    base = to_bytes(Image.fromarray(smooth(40, 30, 3, 3).astype(np.uint8)), "JPEG")
    sof = sof_offset(base)

    def patched(offset, new):
        return base[:offset] + new + base[offset + len(new):]

    def segment(marker, payload):
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    expect = {  # name: (data, our status)
        "12bit.jpg": (patched(sof + 4, b"\x0c"), UNSUPPORTED),
        "huge.jpg": (patched(sof + 5, b"\xff\xdc\xff\xdc"), TOO_LARGE),
        "zero_height.jpg": (patched(sof + 5, b"\x00\x00"), CORRUPT),
        "half.jpg": (base[: len(base) // 2], TRUNCATED),
        "header_only.jpg": (base[:sof + 10], TRUNCATED),
        "soi_only.jpg": (b"\xff\xd8\xff", TRUNCATED),
        "marker_ff01.jpg": (base[:2] + b"\xff\x01" + base[2:], CORRUPT),
        "short_jfif.jpg": (base[:2] + segment(0xE0, b"JFIF\x00") + base[2:], CORRUPT),
        "short_dqt.jpg": (base[:2] + segment(0xDB, b"\x00" + bytes(20)) + base[2:], CORRUPT),
        "two_sof.jpg": (base[:sof] + base[sof:sof + 19] + base[sof:], CORRUPT),
        "sof3.jpg": (patched(sof + 1, b"\xc3"), UNSUPPORTED),
    }
    sofdata = base[sof + 4:sof + 19]
    two = segment(0xC0, sofdata[:5] + b"\x02" + sofdata[6:12])
    expect["two_components.jpg"] = (base[:sof] + two + base[sof + 19:], UNSUPPORTED)
    problems = []
    for name, (data, status) in expect.items():
        path = tmp_path / name
        path.write_bytes(data)
        diff = difference(dump, path)
        got = ours(dump, path)
        if diff or got[:2] != ("ERROR", status):
            problems.append("%s: %s / ours %s" % (name, diff, got[:3]))
    # Accepted quirks that Pillow accepts too.
    fine = {
        "fill_bytes.jpg": base[:2] + b"\xff\xff\xff" + base[2:],
        "trailing_garbage.jpg": base + b"garbage" * 10,
        "empty_app.jpg": base[:2] + b"\xff\xe5\x00\x02" + base[2:],
    }
    for name, data in fine.items():
        path = tmp_path / name
        path.write_bytes(data)
        got = ours(dump, path)
        if got[0] != "OK" or difference(dump, path):
            problems.append("%s: %s" % (name, difference(dump, path) or got[:3]))
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------
# PNG
# --------------------------------------------------------------------------

COMBOS = [(0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16), (3, 1), (3, 2),
          (3, 4), (3, 8), (4, 8), (4, 16), (6, 8), (6, 16)]


def png_cases():
    cases = {}
    seed = 0
    for ctype, depth in COMBOS:
        for w, h in [(1, 1), (5, 3), (17, 33)]:
            for interlace in (0, 1):
                seed += 1
                s = smooth(w, h, CHANNELS[ctype], seed, (1 << depth) - 1)
                plte = trns = None
                if ctype == 3:
                    count = min(1 << depth, (2, 3, 16, 256)[seed % 4])
                    plte = bytes(np.random.default_rng(seed).integers(0, 256, 3 * count,
                                                                      dtype=np.uint8))
                    if seed % 3 == 0:
                        trns = b"\xff\x00\x80"[:count]
                elif seed % 3 == 0 and ctype in (0, 2):
                    trns = struct.pack(">HHH", 1, 2, 3)[: 6 if ctype == 2 else 2]
                name = "c%d_d%d_%dx%d_i%d.png" % (ctype, depth, w, h, interlace)
                cases[name] = png(s, ctype, depth, interlace, plte, trns,
                                  split=(None, 5, 64)[seed % 3],
                                  filters=((0, 1, 2, 3, 4), (4,), (3, 1))[seed % 3])
    # Palettes: indices past PLTE, partial entries, no PLTE at all.
    idx = np.random.default_rng(5).integers(0, 256, (12, 19, 1))
    for length in (0, 3, 7, 30, 768):
        cases["plte_%d.png" % length] = png(idx, 3, 8,
                                            plte=bytes(i % 256 for i in range(length)))
    cases["plte_too_long.png"] = png(idx, 3, 8, plte=bytes(771))
    cases["plte_missing.png"] = png(idx, 3, 8)
    cases["plte_1bit_4_entries.png"] = png(idx % 2, 3, 1, plte=bytes(range(12)))
    # Through Pillow's own writer.
    rgb = smooth(33, 21, 3, 1).astype(np.uint8)
    for mode in ("RGB", "RGBA", "L", "LA", "P", "1", "I;16"):
        if mode == "I;16":
            im = Image.fromarray(smooth(33, 21, 1, 2, 65535)[:, :, 0].astype(np.uint16))
        else:
            im = Image.fromarray(rgb).convert(mode)
        cases["pillow_%s.png" % mode.replace(";", "")] = to_bytes(im, "PNG")
        cases["pillow_%s_optimize.png" % mode.replace(";", "")] = to_bytes(im, "PNG", optimize=True)
    frames = [Image.fromarray(smooth(20, 14, 3, k).astype(np.uint8)) for k in range(3)]
    cases["apng.png"] = to_bytes(frames[0], "PNG", save_all=True, append_images=frames[1:])
    cases["apng_default_image.png"] = to_bytes(frames[0], "PNG", save_all=True,
                                               append_images=frames[1:], default_image=True)
    big = smooth(400, 300, 4, 9)
    cases["big_rgba.png"] = png(big, 6, 8)
    cases["big_rgba_adam7.png"] = png(big, 6, 8, 1, split=8192)
    return cases


def test_png_matches_pillow(dump, tmp_path):
    check_all(dump, tmp_path, png_cases())


def test_png_chunk_rules(dump, tmp_path):
    """CRCs, chunks around the image data and zlib framing, as Pillow sees
    them (it checks CRCs only before IDAT, and stops at the last row)."""
    s = smooth(23, 19, 3, 4)
    raw = scanlines(s, 2, 8, 0)
    z = zlib.compress(raw)
    head = SIGNATURE + ihdr(23, 19, 8, 2)
    end = chunk(b"IEND", b"")
    good = png(s, 2, 8)
    text = chunk(b"tEXt", b"Comment\x00hello")
    cases = {  # name: (data, loads in Pillow)
        "idat_bad_crc.png": (head + chunk(b"IDAT", z, crc=1) + end, True),
        "ihdr_bad_crc.png": (SIGNATURE + chunk(b"IHDR", good[16:29], crc=1)
                             + chunk(b"IDAT", z) + end, False),
        "text_bad_crc_before.png": (head + chunk(b"tEXt", b"a\x00b", crc=1)
                                    + chunk(b"IDAT", z) + end, False),
        "text_bad_crc_after.png": (head + chunk(b"IDAT", z) + chunk(b"tEXt", b"a\x00b", crc=1)
                                   + end, True),
        "text_cut_after.png": (head + chunk(b"IDAT", z) + text[:-6], False),
        "no_iend.png": (head + chunk(b"IDAT", z), True),
        "after_iend.png": (good + b"more bytes", True),
        "unknown_critical.png": (head + chunk(b"ABCD", b"x") + chunk(b"IDAT", z) + end, True),
        "ztxt_method_1.png": (head + chunk(b"zTXt", b"k\x00\x01x") + chunk(b"IDAT", z) + end,
                              False),
        "gama_short.png": (head + chunk(b"gAMA", b"\x00") + chunk(b"IDAT", z) + end, False),
        "adler_bad.png": (head + chunk(b"IDAT", z[:-4] + b"\x00" * 4) + end, False),
        "adler_bad_own_chunk.png": (head + chunk(b"IDAT", z[:-4]) + chunk(b"IDAT", b"\x00" * 4)
                                    + end, True),
        "zlib_extra.png": (head + chunk(b"IDAT", z + b"extra") + end, True),
        "data_short.png": (head + chunk(b"IDAT", zlib.compress(raw[:-5])) + end, False),
        "text_between_idat.png": (head + chunk(b"IDAT", z[:40]) + text + chunk(b"IDAT", z[40:])
                                  + end, False),
        "idat_length_past_end.png": (head + struct.pack(">I", 0x90000000) + b"IDAT" + z, True),
        "bad_filter.png": (head + chunk(b"IDAT", zlib.compress(b"\x05" + raw[1:])) + end, False),
        "iend_before_idat.png": (head + end + chunk(b"IDAT", z), False),
        "huge.png": (SIGNATURE + ihdr(100000, 100000, 8, 2) + chunk(b"IDAT", z) + end, False),
        "truncated_ihdr.png": (good[:20], False),
        "signature_only.png": (SIGNATURE, False),
    }
    problems = []
    for name, (data, loads) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        diff = difference(dump, path)
        if diff:
            problems.append("%s: %s" % (name, diff))
        elif (pillow(path)[0] == "OK") != loads:
            problems.append("%s: Pillow itself changed its mind" % name)
    assert not problems, "\n".join(problems)
    statuses = {"huge.png": TOO_LARGE, "data_short.png": TRUNCATED,
                "ihdr_bad_crc.png": CORRUPT, "adler_bad.png": CORRUPT,
                "truncated_ihdr.png": TRUNCATED}
    for name, status in statuses.items():
        assert ours(dump, tmp_path / name)[:2] == ("ERROR", status), name


# --------------------------------------------------------------------------
# Both: empty input and a small deterministic fuzz
# --------------------------------------------------------------------------


def test_empty_file(dump, tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    assert ours(dump, path)[0] == "ERROR" and pillow(path)[0] == "ERROR"


def mutants(data, rng, count, keep):
    """Cuts at chosen and random offsets, and random byte changes, never
    touching the first `keep` bytes (the signature picks the decoder)."""
    out = {}
    cuts = {len(data) - 1, len(data) - 2, len(data) - 5}
    cuts.update(rng.randrange(keep, len(data)) for _ in range(count))
    for c in sorted(cuts):
        out["cut%d" % c] = data[:c]
    for k in range(count):
        b = bytearray(data)
        for _ in range(rng.choice((1, 1, 3))):
            b[rng.randrange(keep, len(b))] = rng.randrange(256)
        out["flip%d" % k] = bytes(b)
    return out


def test_fuzz_matches_pillow(dump, tmp_path):
    rng = random.Random(20240613)
    count = 3 if SANITIZED else 8
    rgb = Image.fromarray(smooth(61, 37, 3, 8).astype(np.uint8))
    bases = {
        "baseline.jpg": to_bytes(rgb, "JPEG", quality=90),
        "progressive.jpg": to_bytes(rgb, "JPEG", progressive=True),
        "restart.jpg": to_bytes(rgb, "JPEG", restart_marker_blocks=1),
        "grey.png": png(smooth(30, 20, 1, 3), 0, 8, split=40),
        "palette4_adam7.png": png(smooth(30, 20, 1, 4, 15), 3, 4, 1, plte=bytes(range(48))),
        "rgba16.png": png(smooth(19, 11, 4, 5, 65535), 6, 16),
    }
    cases = {}
    for name, data in bases.items():
        stem, ext = name.rsplit(".", 1)
        keep = 3 if ext == "jpg" else 8
        for tag, mutant in mutants(data, rng, count, keep).items():
            cases["%s_%s.%s" % (stem, tag, ext)] = mutant
    check_all(dump, tmp_path, cases)
