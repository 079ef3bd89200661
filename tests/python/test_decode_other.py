"""GIF, BMP, TGA and PNM decoding against Pillow.

Each case writes a file to tmp_path, decodes it with the library's internal
decoders (<FASTCLIP_BUILD or build>/tests/fc_decode_dump) and with Pillow
(Image.open on the bytes, then np.asarray), and requires the same outcome:
the same mode, size and samples, the same palette for mode P (entries past
Pillow's palette black), or an error on both sides. Bad inputs also check
the status code and that the message names the format.

Pillow writes only some variants, so most files are built here by hand:
GIF with a real LZW encoder (code size growth, deferred clear codes, stray
end codes), BMP with every header size, bit-field layout and RLE command,
TGA with colour maps, origins, RLE packets and TGA 2.0 footers, and PNM
with every maxval rule, comments, token quirks and Pillow's 1 MiB block
handling of the plain variants. A deterministic mutation pass at the end
compares the two decoders on a few hundred damaged files.
"""
import io
import os
import pathlib
import random
import struct
import subprocess
import warnings

import numpy as np
import pytest
import PIL
from PIL import Image

if int(PIL.__version__.split(".")[0]) < 13:
    pytest.skip("the reference for these decoders is Pillow 13, found %s" % PIL.__version__,
                allow_module_level=True)

from fctools import BUILD, SANITIZED  # noqa: E402

DUMP = BUILD / "tests" / "fc_decode_dump"

UNKNOWN_FORMAT, UNSUPPORTED, CORRUPT, TRUNCATED, TOO_LARGE = 5, 6, 7, 8, 9

BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "RGB": 3, "RGBA": 4, "I;16": 2, "I": 4, "F": 4}
DTYPES = {"I;16": np.uint16, "I": np.int32, "F": np.float32}


# --------------------------------------------------------------------------
# The two decoders
# --------------------------------------------------------------------------


class Decoded:
    """An outcome: ok with mode/pixels/palette, or an error (status for ours,
    the exception for Pillow's)."""

    def __init__(self, ok, mode=None, pixels=None, palette=None, status=None, message=""):
        self.ok, self.mode, self.pixels, self.palette = ok, mode, pixels, palette
        self.status, self.message = status, message

    def __repr__(self):
        if self.ok:
            return "%s %s" % (self.mode, self.pixels.shape)
        return "error %s %s" % (self.status, self.message)


@pytest.fixture(scope="module")
def dump_tool():
    if not DUMP.exists():
        pytest.fail("missing %s: run make test-tools (FASTCLIP_BUILD=%s)" % (DUMP, BUILD))
    return DUMP


def decode_ours(tool, path):
    out = pathlib.Path(str(path) + ".dump")
    proc = subprocess.run([str(tool), str(path), str(out)], capture_output=True,
                          text=True, timeout=120 * (6 if SANITIZED else 1))
    assert proc.stderr == "", "fc_decode_dump wrote to stderr:\n" + proc.stderr[-3000:]
    if proc.returncode != 0:
        assert proc.returncode == 1 and proc.stdout.startswith("ERROR "), proc
        _, status, message = proc.stdout.rstrip("\n").split(" ", 2)
        return Decoded(False, status=int(status), message=message)
    data = out.read_bytes()
    out.unlink()
    head, _, rest = data.partition(b"\n")
    mode, w, h = head.decode().split()
    w, h = int(w), int(h)
    n = w * h * BYTES_PER_PIXEL[mode]
    pixels = np.frombuffer(rest[:n], DTYPES.get(mode, np.uint8))
    channels = {"LA": 2, "RGB": 3, "RGBA": 4}.get(mode, 1)
    pixels = pixels.reshape((h, w, channels) if channels > 1 else (h, w))
    palette = rest[n:] if mode == "P" else None
    assert len(rest) == n + (768 if mode == "P" else 0), "dump has a wrong length"
    return Decoded(True, mode, pixels, palette)


def decode_pillow(path):
    """Image.open on the bytes: our decoders read memory, and Pillow differs
    between a file and BytesIO in one case (a TGA shorter than its footer)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(pathlib.Path(path).read_bytes())) as im:
                im.load()
                pixels = np.asarray(im)
                if im.mode == "1":
                    pixels = pixels.astype(np.uint8) * 255
                palette = bytes(im.getpalette() or []) if im.mode == "P" else None
                return Decoded(True, im.mode, pixels, palette)
    except Exception as e:  # any failure of Pillow's is "an error" here
        return Decoded(False, message="%s: %s" % (type(e).__name__, e))


def check_same(tool, path, mode=None):
    """Our decoder and Pillow agree on `path`; returns our outcome."""
    ours, ref = decode_ours(tool, path), decode_pillow(path)
    assert ours.ok == ref.ok, "%s: ours %r, Pillow %r" % (path.name, ours, ref)
    if not ours.ok:
        return ours
    assert ours.mode == ref.mode, path.name
    if mode is not None:
        assert ours.mode == mode, path.name
    assert ours.pixels.shape == ref.pixels.shape, path.name
    if not np.array_equal(ours.pixels, ref.pixels):
        where = np.argwhere(ours.pixels != ref.pixels)
        pytest.fail("%s: %d samples differ, first at %s: ours %s, Pillow %s" % (
            path.name, len(where), where[0].tolist(), ours.pixels[tuple(where[0])],
            ref.pixels[tuple(where[0])]))
    if ours.mode == "P":
        n = len(ref.palette)
        assert ours.palette[:n] == ref.palette, path.name + ": palette differs"
        assert not any(ours.palette[n:]), path.name + ": entries past the palette not black"
    return ours


def check_error(tool, path, status, prefix):
    """Pillow fails on `path`, and so do we, with `status` and a message
    naming the format (`prefix` None: the dispatcher's own message)."""
    ours, ref = decode_ours(tool, path), decode_pillow(path)
    assert not ref.ok, "%s: Pillow decodes it: %r" % (path.name, ref)
    assert not ours.ok and ours.status == status, "%s: ours %r (Pillow: %s)" % (
        path.name, ours, ref.message)
    if prefix is not None:
        assert ours.message.startswith(prefix + ": "), ours.message


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


# --------------------------------------------------------------------------
# Files Pillow writes
# --------------------------------------------------------------------------


def random_image(rng, mode, w, h, colours=256):
    if mode == "1":
        return Image.fromarray(rng.integers(0, 2, (h, w)).astype(bool))
    if mode in ("L", "P"):
        im = Image.fromarray(rng.integers(0, colours, (h, w), dtype=np.uint8), "L")
        if mode == "P":
            im = im.convert("P")
            im.putpalette(list(rng.integers(0, 256, 3 * colours)))
        return im
    channels = {"LA": 2, "RGB": 3, "RGBA": 4}[mode]
    return Image.fromarray(rng.integers(0, 256, (h, w, channels), dtype=np.uint8), mode)


PILLOW_WRITTEN = (
    [("bmp", m, {}) for m in ("1", "L", "P", "RGB", "RGBA")]
    + [("tga", m, {"rle": r}) for m in ("L", "P", "RGB", "RGBA", "LA") for r in (False, True)]
    + [("tga", "1", {})]
    + [("ppm", m, {}) for m in ("1", "L", "RGB")]
    + [("gif", m, {}) for m in ("L", "P", "RGB")]
    + [("gif", "P", {"interlace": True}), ("gif", "RGB", {"transparency": 3})]
)


@pytest.mark.parametrize("size", [(1, 1), (7, 5), (33, 18)])
@pytest.mark.parametrize("fmt,mode,options", PILLOW_WRITTEN,
                         ids=["%s-%s-%s" % (f, m, "-".join(o)) for f, m, o in PILLOW_WRITTEN])
def test_pillow_written(dump_tool, tmp_path, fmt, mode, options, size):
    rng = np.random.default_rng(len(PILLOW_WRITTEN) * size[0] + size[1])
    path = tmp_path / ("image." + fmt)
    random_image(rng, mode, *size).save(path, **options)
    check_same(dump_tool, path)


def test_pillow_written_large_and_animated(dump_tool, tmp_path):
    rng = np.random.default_rng(11)
    random_image(rng, "RGB", 300, 200).save(tmp_path / "big.gif")  # LZW table refills
    frames = [random_image(rng, "RGB", 20, 10) for _ in range(3)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    random_image(rng, "P", 41, 23, colours=5).save(tmp_path / "small_palette.gif")
    random_image(rng, "P", 41, 23, colours=5).save(tmp_path / "small_palette.bmp")
    for name in ("big.gif", "anim.gif", "small_palette.gif", "small_palette.bmp"):
        check_same(dump_tool, tmp_path / name)


# --------------------------------------------------------------------------
# GIF
# --------------------------------------------------------------------------


def lzw_encode(indices, code_bits, clear_when_full=True, end_after=None, end=True):
    """GIF LZW. Code widths follow the decoder's table as Pillow grows it.
    clear_when_full=False keeps coding with a full table (deferred clear);
    end_after=k puts a stray end code after the k-th code."""
    clear = 1 << code_bits
    codes = [(clear, code_bits + 1)]
    state = {"next": clear + 2, "size": code_bits + 1, "first": True, "count": 0}

    def emit(code):
        codes.append((code, state["size"]))
        state["count"] += 1
        if state["count"] == end_after:
            codes.append((clear + 1, state["size"]))
        if state["first"]:
            state["first"] = False
        elif state["next"] < 4096:
            if state["next"] == (1 << state["size"]) - 1 and state["size"] < 12:
                state["size"] += 1
            state["next"] += 1

    table, enc_next, w = {(i,): i for i in range(clear)}, clear + 2, ()
    for k in indices:
        if w + (k,) in table:
            w = w + (k,)
            continue
        emit(table[w])
        if enc_next < 4096:
            table[w + (k,)] = enc_next
            enc_next += 1
        elif clear_when_full:
            codes.append((clear, state["size"]))
            table, enc_next = {(i,): i for i in range(clear)}, clear + 2
            state.update(next=clear + 2, size=code_bits + 1, first=True)
        w = (k,)
    if w:
        emit(table[w])
    if end:
        codes.append((clear + 1, state["size"]))
    return pack_codes(codes)


def pack_codes(codes):
    """codes: (code, width) pairs, or plain codes of width 3."""
    bits = nbits = 0
    out = bytearray()
    for item in codes:
        code, width = item if isinstance(item, tuple) else (item, 3)
        bits |= code << nbits
        nbits += width
        while nbits >= 8:
            out.append(bits & 255)
            bits >>= 8
            nbits -= 8
    if nbits:
        out.append(bits & 255)
    return bytes(out)


def sub_blocks(data, terminator=True):
    out = bytearray()
    for i in range(0, len(data), 255):
        out += bytes([len(data[i:i + 255])]) + data[i:i + 255]
    return bytes(out) + (b"\0" if terminator else b"")


def colour_table(table):
    bits = max(1, (len(table) // 3 - 1).bit_length())
    return bits, table + b"\0" * (3 * (1 << bits) - len(table))


def gif(screen, frame, indices=None, gct=None, lct=None, transparency=None,
        code_bits=8, interlace=False, lzw=None, before=b"", after=b";"):
    """A GIF89a with one image; `lzw` replaces the encoded `indices`."""
    out = bytearray(b"GIF89a" + u16(screen[0]) + u16(screen[1]))
    if gct is not None:
        bits, table = colour_table(gct)
        out += bytes([0x80 | (bits - 1), 0, 0]) + table
    else:
        out += b"\0\0\0"
    out += before
    if transparency is not None:
        out += b"\x21\xf9\x04\x01\x00\x00" + bytes([transparency]) + b"\x00"
    out += b"," + b"".join(u16(v) for v in frame)
    flags = 0x40 if interlace else 0
    if lct is not None:
        bits, table = colour_table(lct)
        flags |= 0x80 | (bits - 1)
    out.append(flags)
    if lct is not None:
        out += table
    out.append(code_bits)
    out += lzw if lzw is not None else sub_blocks(lzw_encode(indices, code_bits))
    return bytes(out + after)


GIF_PALETTE = bytes(np.random.default_rng(7).integers(0, 256, 768, dtype=np.uint8))
GREY_RAMP = bytes(v for i in range(256) for v in (i, i, i))


def gif_cases():
    rng = np.random.default_rng(8)

    def idx(w, h, n=256):
        return rng.integers(0, n, w * h).tolist()

    pal, ramp, W, H = GIF_PALETTE, GREY_RAMP, 19, 11
    cases = {}
    for bits in (2, 3, 5, 8, 9, 12):
        for full in (True, False):
            cases["code_bits%d_%s" % (bits, "clear" if full else "deferred")] = (
                "P", gif((W, H), (0, 0, W, H), gct=pal, code_bits=bits,
                         lzw=sub_blocks(lzw_encode(idx(W, H, min(256, 1 << bits)), bits, full))))
    run = idx(160, 100, 8)
    run[500:2500] = [1] * 2000
    for full in (True, False):
        cases["long_%s" % full] = ("P", gif((160, 100), (0, 0, 160, 100), gct=pal[:24], code_bits=3,
                                            lzw=sub_blocks(lzw_encode(run, 3, full))))
    frame = idx(5, 4)
    for name, screen, box in [("inside", (10, 9), (2, 3, 5, 4)), ("past_right", (4, 4), (2, 0, 5, 4)),
                              ("past_corner", (3, 3), (1, 2, 5, 4)), ("screen_0x0", (0, 0), (0, 0, 5, 4))]:
        cases["frame_" + name] = ("P", gif(screen, box, frame, gct=pal))
        cases["frame_%s_transparent" % name] = ("P", gif(screen, box, frame, gct=pal, transparency=200))
    idx16 = idx(W, H, 16)
    cases.update({
        "grey_ramp_global": ("L", gif((W, H), (0, 0, W, H), idx16, gct=ramp[:48])),
        "grey_ramp_256": ("L", gif((W, H), (0, 0, W, H), idx(W, H), gct=ramp)),
        "grey_ramp_local_over_colour": ("L", gif((W, H), (0, 0, W, H), idx16, gct=pal[:48], lct=ramp[:48])),
        "colour_local_over_ramp": ("P", gif((W, H), (0, 0, W, H), idx16, gct=ramp[:48], lct=pal[:48])),
        "almost_ramp": ("P", gif((W, H), (0, 0, W, H), idx16, gct=ramp[:45] + b"\x0f\x0f\x0e")),
        "no_palette": ("L", gif((W, H), (0, 0, W, H), idx(W, H))),
        "no_palette_transparent": ("L", gif((W, H), (2, 2, 15, 7), idx(15, 7), transparency=77)),
        "local_only": ("P", gif((W, H), (0, 0, W, H), idx16, lct=pal[:48])),
        "indices_past_palette": ("P", gif((W, H), (0, 0, W, H), idx(W, H), gct=pal[:6])),
        "interlaced_offset": ("P", gif((9, 20), (2, 3, 5, 13), idx(5, 13), gct=pal, interlace=True, transparency=1)),
        "extensions": ("P", gif((W, H), (0, 0, W, H), idx(W, H), gct=pal, before=(
            b"\x21\xfe\x05hello\x03abc\x00" + b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
            + b"\x21\x01\x0c" + bytes(12) + b"\x02ab\x00"))),
        "gce_without_transparency": ("P", gif((W, H), (1, 1, 4, 4), idx(4, 4), gct=pal,
                                              before=b"\x21\xf9\x04\x00\x05\x00\x09\x00")),
        "gce_then_plain_gce": ("P", gif((W, H), (1, 1, 4, 4), idx(4, 4), gct=pal,
                                        before=b"\x21\xf9\x04\x01\x05\x00\x09\x00\x21\xf9\x04\x00\x05\x00\x09\x00")),
        "gce_3_bytes": ("P", gif((W, H), (1, 1, 4, 4), idx(4, 4), gct=pal, before=b"\x21\xf9\x03\x00\x05\x00\x00")),
        "junk_between_blocks": ("P", gif((W, H), (0, 0, W, H), idx(W, H), gct=pal, before=b"\x00\x01junk\xff")),
        "no_trailer": ("P", gif((W, H), (0, 0, W, H), idx(W, H), gct=pal, after=b"")),
        "kwkwk": ("P", gif((2, 2), (0, 0, 2, 2), gct=pal, code_bits=2, lzw=sub_blocks(pack_codes([4, 1, 6, 1, 5])))),
        "no_clear_code": ("P", gif((2, 2), (0, 0, 2, 2), gct=pal, code_bits=2, lzw=sub_blocks(pack_codes([1, 2, 3, 0, 5])))),
        "codes_after_last_pixel": ("P", gif((2, 2), (0, 0, 2, 2), gct=pal, code_bits=2,
                                            lzw=sub_blocks(pack_codes([4, 1, 2, 3, 0, 1, 1, 5])))),
        # The file ends right after the last pixel's code: Pillow never reads further.
        "cut_after_last_pixel": ("P", gif((W, H), (0, 0, W, H), gct=pal, after=b"",
                                          lzw=sub_blocks(lzw_encode(idx(W, H), 8, end=False), terminator=False))),
        # Pillow reads on past an empty sub-block.
        "empty_sub_block_inside": ("P", gif((W, H), (0, 0, W, H), gct=pal, lzw=(
            lambda d: b"\x05" + d[:5] + b"\x00" + sub_blocks(d[5:]))(lzw_encode(idx(W, H), 8)))),
    })
    # A stray end code: Pillow skips it while the file has more than 64 KiB
    # left to read, and fails (truncated) otherwise.
    stray = sub_blocks(lzw_encode(idx(40, 30, 16), 8, end_after=300))
    cases["stray_end_code_long_file"] = ("P", gif((40, 30), (0, 0, 40, 30), gct=pal, lzw=stray,
                                                  after=b"\x21\xfe" + sub_blocks(bytes(70000)) + b";"))
    for h in (1, 2, 3, 4, 5, 7, 8, 9, 16, 17):
        cases["interlaced_h%d" % h] = ("P", gif((3, h), (0, 0, 3, h), idx(3, h), gct=pal, interlace=True))
    return cases


GIF_CASES = gif_cases()


@pytest.mark.parametrize("name", sorted(GIF_CASES))
def test_gif(dump_tool, tmp_path, name):
    mode, data = GIF_CASES[name]
    check_same(dump_tool, write(tmp_path, name + ".gif", data), mode)


def gif_bad_cases():
    pal, W, H = GIF_PALETTE, 19, 11
    idx = np.random.default_rng(9).integers(0, 256, W * H).tolist()
    good = gif((W, H), (0, 0, W, H), idx, gct=pal)
    return {
        "header_cut": (TRUNCATED, good[:10]),
        "palette_cut": (TRUNCATED, good[:100]),
        "descriptor_cut": (TRUNCATED, good[:13 + 768 + 5]),
        "data_cut": (TRUNCATED, good[:-30]),
        "no_image": (CORRUPT, good[:13 + 768] + b";"),
        "extension_cut": (TRUNCATED, good[:13 + 768] + b"!"),
        "gce_too_short": (CORRUPT, gif((W, H), (1, 1, 4, 4), idx[:16], gct=pal, before=b"\x21\xf9\x02\x01\x05\x00")),
        "fewer_pixels_than_frame": (TRUNCATED, gif((W, H), (0, 0, W, H), idx[:-5], gct=pal)),
        "stray_end_code_short_file": (TRUNCATED, gif((40, 30), (0, 0, 40, 30), gct=pal, lzw=sub_blocks(
            lzw_encode((idx * 6)[:40 * 30], 8, end_after=100)))),
        "first_code_above_clear": (CORRUPT, gif((W, H), (0, 0, W, H), gct=pal, code_bits=2,
                                                lzw=sub_blocks(pack_codes([4, 7, 1, 2])))),
        "code_past_next_entry": (CORRUPT, gif((2, 2), (0, 0, 2, 2), gct=pal, code_bits=2,
                                              lzw=sub_blocks(pack_codes([4, 1, 7, 1, 1, 5])))),
        "code_size_13": (CORRUPT, gif((W, H), (0, 0, W, H), gct=pal, code_bits=13, lzw=sub_blocks(bytes(50)))),
        "empty_frame": (CORRUPT, gif((5, 5), (0, 0, 0, 4), idx[:4], gct=pal)),
        "huge_screen": (TOO_LARGE, gif((65535, 65535), (0, 0, 5, 4), idx[:20], gct=pal)),
        "huge_frame": (TOO_LARGE, gif((10, 10), (65535, 65535, 65535, 65535), idx[:20], gct=pal)),
    }


GIF_BAD = gif_bad_cases()


@pytest.mark.parametrize("name", sorted(GIF_BAD))
def test_gif_bad(dump_tool, tmp_path, name):
    status, data = GIF_BAD[name]
    check_error(dump_tool, write(tmp_path, name + ".gif", data), status, "gif")


# --------------------------------------------------------------------------
# BMP
# --------------------------------------------------------------------------


def info_header(w, h, bits, compression=0, colours=0, size=40, masks=(0, 0, 0, 0)):
    fields = (u32(w) + u32(h) + u16(1) + u16(bits) + u32(compression) + u32(0)
              + u32(2835) + u32(2835) + u32(colours) + u32(0)
              + b"".join(u32(m) for m in masks))
    fields = fields[:size - 4] + b"\0" * max(0, size - 4 - len(fields))
    return u32(size) + fields


def core_header(w, h, bits):
    return u32(12) + u16(w) + u16(h) + u16(1) + u16(bits)


def bmp(header, palette=b"", pixels=b"", offset=None, masks=b""):
    """masks: the three 32-bit masks a 40-byte BI_BITFIELDS header is followed by."""
    if offset is None:
        offset = 14 + len(header) + len(masks) + len(palette)
    body = header + masks + palette + pixels
    return b"BM" + u32(14 + len(body)) + u32(0) + u32(offset) + body


def bmp_rows(rows, bits):
    """Packs rows (in file order) and pads each to 4 bytes."""
    out = b""
    for r in rows:
        r = np.asarray(r, dtype=np.uint8)
        if bits == 1:
            b = np.packbits(r).tobytes()
        elif bits == 4:
            r = np.append(r, [0] * (len(r) % 2))
            b = (r[0::2] << 4 | r[1::2]).astype(np.uint8).tobytes()
        else:
            b = r.tobytes()
        out += b + b"\0" * (-len(b) % 4)
    return out


def bmp_palette(entries, pad=4):
    return b"".join(bytes([b, g, r]) + b"\0" * (pad - 3) for r, g, b in entries)


def rows16(values):
    out = b""
    for r in values:
        b = np.asarray(r, dtype="<u2").tobytes()
        out += b + b"\0" * (-len(b) % 4)
    return out


def rle(rows_, rle4):
    """A simple valid RLE8/RLE4 stream: encoded runs for repeats, absolute
    runs (word aligned) otherwise, end of line after each row."""
    out = bytearray()
    for r in rows_:
        r, i = [int(v) for v in r], 0
        while i < len(r):
            j = i
            while j < len(r) and r[j] == r[i] and j - i < 255:
                j += 1
            if j - i >= 3 or len(r) - i < 3:
                out += bytes([j - i, r[i] * 17 if rle4 else r[i]])
                i = j
                continue
            seg = r[i:i + 20]
            if rle4:
                seg2 = seg + [0] * (len(seg) % 2)
                data = bytes(seg2[a] << 4 | seg2[a + 1] for a in range(0, len(seg2), 2))
            else:
                data = bytes(seg)
            out += bytes([0, len(seg)]) + data + b"\0" * (len(data) % 2)
            i += len(seg)
        out += b"\0\0"
    return bytes(out + b"\0\1")


def bmp_cases():
    rng = np.random.default_rng(12)
    W, H = 13, 7
    colours = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(256)]
    grey = [(i, i, i) for i in range(256)]
    cases = {}
    for bits in (1, 4, 8):
        n = 1 << bits
        idx = rng.integers(0, n, (H, W))
        rows, pal = bmp_rows(idx[::-1], bits), bmp_palette(colours[:n])
        cases["info_%d" % bits] = ("P", bmp(info_header(W, H, bits), pal, rows))
        cases["top_down_%d" % bits] = ("P", bmp(info_header(W, -H, bits), pal, bmp_rows(idx, bits)))
        cases["os2_%d" % bits] = ("P", bmp(core_header(W, H, bits), bmp_palette(colours[:n], 3), rows))
        cases["two_colours_%d" % bits] = ("P", bmp(info_header(W, H, bits, colours=2), bmp_palette(colours[:2]), rows))
        cases["offset_after_header_%d" % bits] = ("P", bmp(info_header(W, H, bits), pal, rows, offset=54))
        cases["offset_0_%d" % bits] = ("P", bmp(info_header(W, H, bits), pal, rows, offset=0))
        for size in (52, 56, 64, 108, 124):
            cases["header%d_%d" % (size, bits)] = ("P", bmp(info_header(W, H, bits, size=size), pal, rows))
    idx = rng.integers(0, 256, (H, W))
    bw = rng.integers(0, 2, (H, W))
    cases.update({
        "grey_256": ("L", bmp(info_header(W, H, 8), bmp_palette(grey), bmp_rows(idx[::-1], 8))),
        "grey_100": ("L", bmp(info_header(W, H, 8, colours=100), bmp_palette(grey[:100]), bmp_rows(idx[::-1], 8))),
        "grey_but_one": ("P", bmp(info_header(W, H, 8), bmp_palette(grey[:255] + [(255, 255, 254)]), bmp_rows(idx[::-1], 8))),
        "grey_300_wrapping": ("L", bmp(info_header(W, H, 8, colours=300), bmp_palette((grey * 2)[:300]), bmp_rows(idx[::-1], 8))),
        "black_white_1": ("1", bmp(info_header(W, H, 1), bmp_palette([(0, 0, 0), (255, 255, 255)]), bmp_rows(bw[::-1], 1))),
        "white_black_1": ("P", bmp(info_header(W, H, 1), bmp_palette([(255, 255, 255), (0, 0, 0)]), bmp_rows(bw[::-1], 1))),
        "black_white_8": ("1", bmp(info_header(W, H, 8, colours=2), bmp_palette([(0, 0, 0), (255, 255, 255)]), bmp_rows(idx[::-1], 8))),
        "black_white_os2": ("1", bmp(core_header(W, H, 1), bmp_palette([(0, 0, 0), (255, 255, 255)], 3), bmp_rows(bw[::-1], 1))),
        "one_colour_black": ("1", bmp(info_header(W, H, 8, colours=1), bmp_palette([(0, 0, 0)]), bmp_rows(idx[::-1], 8))),
        # A 4-bit file with the grey ramp 0..15: Pillow reads it as 8-bit L.
        "grey_ramp_4bit": ("L", bmp(info_header(3, H, 4), bmp_palette(grey[:16]), bmp_rows(idx[::-1, :3] % 16, 4))),
        "palette_of_4": ("P", bmp(info_header(W, H, 8, colours=4), bmp_palette(colours[:4]), bmp_rows(idx[::-1], 8))),
    })
    px24 = rng.integers(0, 256, (H, W, 3))
    px32 = rng.integers(0, 256, (H, W, 4))
    px16 = rng.integers(0, 65536, (H, W))
    full24 = bmp(info_header(W, H, 24), b"", bmp_rows(px24[::-1].reshape(H, -1), 24))
    cases.update({
        "rgb24": ("RGB", full24),
        "rgb24_top_down": ("RGB", bmp(info_header(W, -H, 24), b"", bmp_rows(px24.reshape(H, -1), 24))),
        "rgb24_os2": ("RGB", bmp(core_header(W, H, 24), b"", bmp_rows(px24[::-1].reshape(H, -1), 24))),
        "rgb24_last_padding_missing": ("RGB", full24[:-1]),
        "rgb32": ("RGB", bmp(info_header(W, H, 32), b"", bmp_rows(px32[::-1].reshape(H, -1), 32))),
        "rgb32_v5": ("RGB", bmp(info_header(W, H, 32, size=124), b"", bmp_rows(px32[::-1].reshape(H, -1), 32))),
        "rgb16_555": ("RGB", bmp(info_header(W, H, 16), b"", rows16(px16[::-1]))),
        "bitfields_565": ("RGB", bmp(info_header(W, H, 16, 3), b"", rows16(px16[::-1]), masks=u32(0xF800) + u32(0x7E0) + u32(0x1F))),
        "bitfields_555": ("RGB", bmp(info_header(W, H, 16, 3), b"", rows16(px16[::-1]), masks=u32(0x7C00) + u32(0x3E0) + u32(0x1F))),
        "bitfields_565_v4": ("RGB", bmp(info_header(W, H, 16, 3, size=108, masks=(0xF800, 0x7E0, 0x1F, 0)), b"", rows16(px16[::-1]))),
        "bitfields_24": ("RGB", bmp(info_header(W, H, 24, 3), b"", bmp_rows(px24[::-1].reshape(H, -1), 24),
                                    masks=u32(0xFF0000) + u32(0xFF00) + u32(0xFF))),
    })
    masks32 = [(0xFF0000, 0xFF00, 0xFF, 0), (0xFF000000, 0xFF0000, 0xFF00, 0), (0xFF000000, 0xFF00, 0xFF, 0),
               (0xFF000000, 0xFF0000, 0xFF00, 0xFF), (0xFF, 0xFF00, 0xFF0000, 0xFF000000),
               (0xFF0000, 0xFF00, 0xFF, 0xFF000000), (0xFF000000, 0xFF00, 0xFF, 0xFF0000), (0, 0, 0, 0)]
    for i, m in enumerate(masks32):
        mode = "RGBA" if m[3] or m == (0, 0, 0, 0) else "RGB"
        rows = bmp_rows(px32[::-1].reshape(H, -1), 32)
        cases["bitfields32_v5_%d" % i] = (mode, bmp(info_header(W, H, 32, 3, size=124, masks=m), b"", rows))
        # A 52-byte header has no alpha mask: some of these become unsupported.
        cases["bitfields32_52_%d" % i] = (None, bmp(info_header(W, H, 32, 3, size=52, masks=m), b"", rows))
    for rle4 in (False, True):
        t, n = ("rle4", 16) if rle4 else ("rle8", 256)
        img = rng.integers(0, n, (9, 23))
        img[2, 3:15] = 5
        pal = bmp_palette(colours[:n])

        def rle_bmp(stream, top_down=False, palette=pal, colours_=n):
            return bmp(info_header(23, -9 if top_down else 9, 4 if rle4 else 8, 2 if rle4 else 1,
                                   colours=colours_), palette, stream)

        absolute = bytes(range(1, 31))
        if rle4:
            absolute = bytes((absolute[i] & 15) << 4 | (absolute[i + 1] & 15) for i in range(0, 30, 2))
        cases.update({
            t: ("P", rle_bmp(rle(img[::-1], rle4))),
            t + "_top_down": ("P", rle_bmp(rle(img, rle4), top_down=True)),
            t + "_grey": ("L", rle_bmp(rle(img[::-1], rle4), palette=bmp_palette(grey[:n]))),
            t + "_black_white": ("1", rle_bmp(rle(img[::-1] % 3, rle4), palette=bmp_palette([(0, 0, 0), (255, 255, 255)]), colours_=2)),
            t + "_no_end_of_bitmap": ("P", rle_bmp(rle(img[::-1], rle4)[:-2])),
            t + "_delta": ("P", rle_bmp(bytes([0, 2, 200, 3]) + b"\0\0" * 9 + b"\0\1")),
            t + "_run_past_row_end": ("P", rle_bmp(bytes([40, 0x77, 0, 0]) * 9 + b"\0\1")),
            t + "_absolute_into_next_row": ("P", rle_bmp(bytes([0, 30]) + absolute + b"\0" * (len(absolute) % 2)
                                                         + bytes([4, 0x99, 0, 0]) + bytes([5, 7, 0, 0]) * 9 + b"\0\1")),
            t + "_odd_absolute_runs": ("P", rle_bmp(bytes([0, 3, 9, 8, 7, 2, 0x11, 0, 0]) * 9 + b"\0\1")),
        })
        # Pillow word-aligns absolute runs on the file position: move the data to an odd offset.
        even = rle_bmp(bytes([0, 3, 9, 8, 7, 2, 0x11, 0, 0]) * 9 + b"\0\1")
        off = struct.unpack("<I", even[10:14])[0]
        cases[t + "_odd_file_offset"] = ("P", even[:10] + u32(off + 1) + even[14:off] + b"\0" + even[off:])
    return cases


BMP_CASES = bmp_cases()


@pytest.mark.parametrize("name", sorted(BMP_CASES))
def test_bmp(dump_tool, tmp_path, name):
    mode, data = BMP_CASES[name]
    check_same(dump_tool, write(tmp_path, name + ".bmp", data), mode)


def bmp_bad_cases():
    rng = np.random.default_rng(13)
    W, H = 13, 7
    px = bmp_rows(rng.integers(0, 256, (H, W * 3)), 24)
    full = bmp(info_header(W, H, 24), b"", px)
    pal = bmp_palette([(i, 0, 0) for i in range(256)])
    rle8 = lambda stream: bmp(info_header(W, H, 8, 1), pal, stream)
    return {
        "header_cut": (TRUNCATED, full[:40]),
        "file_header_only": (TRUNCATED, b"BM" + b"\0" * 8),
        "data_cut": (TRUNCATED, full[:-100]),
        "last_pixel_cut": (TRUNCATED, full[:-4]),
        "offset_past_end": (TRUNCATED, bmp(info_header(W, H, 24), b"", px, offset=100000)),
        "masks_cut": (TRUNCATED, bmp(info_header(W, H, 32, 3))[:14 + 40 + 6]),
        "header_size_20": (UNSUPPORTED, b"BM" + u32(100) + u32(0) + u32(54) + u32(20) + b"\0" * 80),
        "bit_depth_2": (UNSUPPORTED, bmp(info_header(W, H, 2), pal[:16], px)),
        "jpeg_compression": (UNSUPPORTED, bmp(info_header(W, H, 0, 4), b"", b"\xff\xd8\xff" + bytes(50))),
        "compression_9": (UNSUPPORTED, bmp(info_header(W, H, 24, 9), b"", px)),
        "bitfields_444": (UNSUPPORTED, bmp(info_header(W, H, 16, 3, size=108, masks=(0xF00, 0xF0, 0xF, 0)), b"", px)),
        "bitfields_rgb_order_24": (UNSUPPORTED, bmp(info_header(W, H, 24, 3), b"", px, masks=u32(0xFF) + u32(0xFF00) + u32(0xFF0000))),
        "bitfields_8bit": (UNSUPPORTED, bmp(info_header(W, H, 8, 3), pal, px, masks=u32(0xFF0000) + u32(0xFF00) + u32(0xFF))),
        "palette_70000": (UNSUPPORTED, bmp(info_header(W, H, 8, colours=70000), pal, px)),
        "rle_24bit": (UNSUPPORTED, bmp(info_header(W, H, 24, 1), b"", bytes([W, 1, 0, 0]) * H + b"\0\1")),
        "palette_300": (CORRUPT, bmp(info_header(W, H, 8, colours=300), pal + pal[:44 * 4], px)),
        "rle_early_end_of_bitmap": (CORRUPT, rle8(bytes([W, 1, 0, 0]) * 3 + b"\0\1")),
        "rle_cut": (TRUNCATED, rle8(bytes([W, 1, 0, 0]) * 3)),
        "rle_absolute_cut": (TRUNCATED, rle8(bytes([0, 20]) + bytes(5))),
        "grey_ramp_4bit_wide": (CORRUPT, bmp(info_header(W, H, 4), bmp_palette([(i, i, i) for i in range(16)]),
                                             bmp_rows(rng.integers(0, 16, (H, W)), 4))),
        "width_0": (CORRUPT, bmp(info_header(0, H, 24), b"", px)),
        "height_0": (CORRUPT, bmp(info_header(W, 0, 24), b"", px)),
        "huge": (TOO_LARGE, bmp(info_header(100000, 100000, 24), b"", px)),
        "negative_width": (TOO_LARGE, bmp(info_header(-5, H, 24), b"", px)),
        "height_0x80000000": (TOO_LARGE, bmp(info_header(W, 0x80000000, 24), b"", px)),
    }


BMP_BAD = bmp_bad_cases()


@pytest.mark.parametrize("name", sorted(BMP_BAD))
def test_bmp_bad(dump_tool, tmp_path, name):
    status, data = BMP_BAD[name]
    check_error(dump_tool, write(tmp_path, name + ".bmp", data), status, "bmp")


# --------------------------------------------------------------------------
# TGA
# --------------------------------------------------------------------------


def tga_header(w, h, image_type, depth, map_type=0, map_first=0, map_length=0, map_depth=0,
               flags=0, id_length=0):
    return struct.pack("<BBBHHBHHHHBB", id_length, map_type, image_type, map_first, map_length,
                       map_depth, 0, 0, w, h, depth, flags)


def tga_rle(pixels, bpp, width, across_rows=False):
    """RLE packets: repeats for equal neighbours, literals otherwise, each
    row on its own unless across_rows."""
    px = [pixels[i:i + bpp] for i in range(0, len(pixels), bpp)]
    rows = [px] if across_rows else [px[i:i + width] for i in range(0, len(px), width)]
    out = bytearray()
    for row in rows:
        i = 0
        while i < len(row):
            j = i
            while j < len(row) and row[j] == row[i] and j - i < 128:
                j += 1
            if j - i >= 2:
                out += bytes([0x80 | (j - i - 1)]) + row[i]
                i = j
                continue
            k = i + 1
            while k < len(row) and k - i < 128 and (k + 1 >= len(row) or row[k] != row[k + 1]):
                k += 1
            out += bytes([k - i - 1]) + b"".join(row[i:k])
            i = k
    return bytes(out)


def tga_footer(extension_offset):
    return u32(extension_offset) + u32(0) + b"TRUEVISION-XFILE.\0"


def tga_cases():
    rng = np.random.default_rng(14)
    W, H = 11, 6

    def noise(*shape, high=256):
        return rng.integers(0, high, shape, dtype=np.uint8).tobytes()

    cases = {}
    for flags in (0, 0x10, 0x20, 0x30):
        cases["rgb24_origin_%x" % flags] = ("RGB", tga_header(W, H, 2, 24, flags=flags) + noise(H, W, 3))
        px32 = noise(H, W, 4)
        cases["rgb32_origin_%x" % flags] = ("RGBA", tga_header(W, H, 2, 32, flags=flags | 8) + px32)
        cases["rgb32_rle_origin_%x" % flags] = ("RGBA", tga_header(W, H, 10, 32, flags=flags) + tga_rle(px32, 4, W))
        cases["grey_rle_origin_%x" % flags] = ("L", tga_header(W, H, 11, 8, flags=flags) + tga_rle(noise(H, W, high=4), 1, W))
    px16 = rng.integers(0, 65536, (H, W)).astype("<u2").tobytes()
    px32 = noise(H, W, 4)
    grey, la = noise(H, W), noise(H, W, 2)
    no_alpha_area = b"\0" * 494 + b"\0"
    cases.update({
        "rgb16": ("RGBA", tga_header(W, H, 2, 16) + px16),
        "rgb16_rle": ("RGBA", tga_header(W, H, 10, 16) + tga_rle(px16, 2, W)),
        "rgb16_footer_no_alpha": ("RGBA", tga_header(W, H, 2, 16) + px16 + no_alpha_area + tga_footer(18 + len(px16))),
        "rgb32_footer_no_alpha": ("RGBA", tga_header(W, H, 2, 32) + px32 + no_alpha_area + tga_footer(18 + len(px32))),
        "rgb32_footer_alpha": ("RGBA", tga_header(W, H, 2, 32) + px32 + b"\0" * 494 + b"\3" + tga_footer(18 + len(px32))),
        "rgb32_footer_no_extension": ("RGBA", tga_header(W, H, 2, 32) + px32 + tga_footer(0)),
        "rgb32_footer_extension_past_end": ("RGBA", tga_header(W, H, 2, 32) + px32 + tga_footer(100000)),
        # Shorter than a footer: Pillow's BytesIO seek stops at 0 (a file on disk fails).
        "rgba_1x1_tiny": ("RGBA", tga_header(1, 1, 2, 32) + b"\1\2\3\4"),
        "rgb_1x1_tiny": ("RGB", tga_header(1, 1, 2, 24) + b"\1\2\3"),
        "grey": ("L", tga_header(W, H, 3, 8) + grey),
        "grey_image_id": ("L", tga_header(W, H, 3, 8, id_length=7) + b"hello!!" + grey),
        "grey_with_colour_map": ("L", tga_header(W, H, 3, 8, 1, 0, 4, 24) + bytes(12) + grey),
        "la": ("LA", tga_header(W, H, 3, 16) + la),
        "la_rle": ("LA", tga_header(W, H, 11, 16) + tga_rle(la, 2, W)),
        "bilevel": ("1", tga_header(W, H, 3, 1) + noise(H, 2)),
        "extra_data": ("RGB", tga_header(W, H, 2, 24) + noise(H, W, 3) + b"extra"),
        "rle_literal_across_rows": ("RGB", tga_header(W, H, 10, 24) + bytes([127]) + noise(128, 3)
                                    + bytes([127]) + noise(128, 3)),
    })
    for map_depth in (16, 24, 32):
        for first, length in ((0, 256), (0, 20), (5, 20), (200, 56)):
            cmap = noise(length * map_depth // 8)
            idx = noise(H, W)
            name = "colour_map%d_%d_%d" % (map_depth, first, length)
            cases[name] = ("P", tga_header(W, H, 1, 8, 1, first, length, map_depth) + cmap + idx)
            cases[name + "_rle"] = ("P", tga_header(W, H, 9, 8, 1, first, length, map_depth, flags=0x20)
                                    + cmap + tga_rle(idx, 1, W))
    return cases


TGA_CASES = tga_cases()


@pytest.mark.parametrize("name", sorted(TGA_CASES))
def test_tga(dump_tool, tmp_path, name):
    mode, data = TGA_CASES[name]
    check_same(dump_tool, write(tmp_path, name + ".tga", data), mode)


def tga_bad_cases():
    rng = np.random.default_rng(15)
    W, H = 11, 6
    px = rng.integers(0, 4, (H, W, 3), dtype=np.uint8).tobytes()
    return {
        "text": (UNKNOWN_FORMAT, b"Hello, this is just some text and not an image at all.\n" * 3),
        "zeros": (UNKNOWN_FORMAT, bytes(100)),
        "short_header": (UNKNOWN_FORMAT, tga_header(W, H, 2, 24)[:17]),
        "image_type_0": (UNKNOWN_FORMAT, tga_header(W, H, 0, 24) + px),
        "image_type_32": (UNKNOWN_FORMAT, tga_header(W, H, 32, 24) + px),
        "map_type_2": (UNKNOWN_FORMAT, tga_header(W, H, 2, 24, map_type=2) + px),
        "depth_15": (UNKNOWN_FORMAT, tga_header(W, H, 2, 15) + px),
        "width_0": (UNKNOWN_FORMAT, tga_header(0, H, 2, 24) + px),
        "map_depth_8": (UNKNOWN_FORMAT, tga_header(W, H, 1, 8, 1, 0, 4, 8) + bytes(4) + px),
        "map_depth_15": (UNSUPPORTED, tga_header(W, H, 1, 8, 1, 0, 4, 15) + bytes(8) + px),
        "grey_24": (UNSUPPORTED, tga_header(W, H, 3, 24) + px),
        "true_colour_8": (UNSUPPORTED, tga_header(W, H, 2, 8) + px),
        "mapped_16": (UNSUPPORTED, tga_header(W, H, 1, 16, 1, 0, 4, 24) + bytes(12) + px),
        "rgb_with_colour_map": (UNSUPPORTED, tga_header(W, H, 2, 24, 1, 0, 4, 24) + bytes(12) + px),
        "bilevel_with_colour_map": (UNSUPPORTED, tga_header(W, H, 3, 1, 1, 0, 4, 24) + bytes(12) + px),
        "colour_map_257": (CORRUPT, tga_header(W, H, 1, 8, 1, 200, 57, 24) + bytes(171) + px),
        "rle_run_across_rows": (CORRUPT, tga_header(W, H, 10, 24) + bytes([0x80 | 15, 1, 2, 3]) * 5),
        "raw_cut": (TRUNCATED, tga_header(W, H, 2, 24) + px[:-1]),
        "rle_cut": (TRUNCATED, tga_header(W, H, 10, 24) + tga_rle(px, 3, W)[:40]),
        "rle_run_cut": (TRUNCATED, tga_header(W, H, 10, 24) + bytes([0x85, 1])),
        "rle_bilevel": (TRUNCATED, tga_header(W, H, 11, 1) + bytes([0x81, 0xAA]) * 20),
        "colour_map_cut": (TRUNCATED, tga_header(W, H, 1, 8, 1, 0, 256, 24) + bytes(100)),
        "huge": (TOO_LARGE, tga_header(65535, 65535, 2, 24) + px),
    }


TGA_BAD = tga_bad_cases()


@pytest.mark.parametrize("name", sorted(TGA_BAD))
def test_tga_bad(dump_tool, tmp_path, name):
    status, data = TGA_BAD[name]
    # Unrecognised data gets the dispatcher's "not an image" message.
    check_error(dump_tool, write(tmp_path, name + ".tga", data), status,
                None if status == UNKNOWN_FORMAT else "tga")


# --------------------------------------------------------------------------
# PNM
# --------------------------------------------------------------------------


def plain(values, per_line=7):
    tokens = [str(int(v)).encode() for v in values]
    return b"\n".join(b" ".join(tokens[i:i + per_line]) for i in range(0, len(tokens), per_line)) + b"\n"


def pnm_cases():
    rng = np.random.default_rng(16)
    W, H = 7, 5
    cases = {}
    for maxval in (1, 7, 100, 254, 255, 256, 1000, 32768, 65534, 65535):
        grey_mode = "I" if maxval > 255 else "L"
        g = rng.integers(0, maxval + 1, W * H)
        c = rng.integers(0, maxval + 1, W * H * 3)
        dt = np.uint8 if maxval < 256 else np.dtype(">u2")
        head = b"%d %d\n%d\n" % (W, H, maxval)
        cases["p2_max%d" % maxval] = (grey_mode, b"P2\n" + head + plain(g))
        cases["p3_max%d" % maxval] = ("RGB", b"P3\n" + head + plain(c))
        cases["p5_max%d" % maxval] = (grey_mode, b"P5\n" + head + np.asarray(g).astype(dt).tobytes())
        cases["p6_max%d" % maxval] = ("RGB", b"P6\n" + head + np.asarray(c).astype(dt).tobytes())
        # Binary samples above maxval are clamped by Pillow.
        cases["p5_max%d_over" % maxval] = (grey_mode, b"P5\n" + head + rng.integers(0, 65536, W * H).astype(dt).tobytes())
    for maxval in (3, 100, 1000, 65534):  # every sample value once: the rounding
        n = maxval + 1
        data = np.arange(n).astype(np.uint8 if maxval < 256 else np.dtype(">u2")).tobytes()
        cases["p5_every_value_%d" % maxval] = (None, b"P5\n%d 1\n%d\n" % (n, maxval) + data)
        cases["p2_every_value_%d" % maxval] = (None, b"P2\n%d 1\n%d\n" % (n, maxval) + plain(range(n)))
    bits = rng.integers(0, 2, (H, W))
    g = rng.integers(0, 256, W * H)
    cases.update({
        "p1": ("1", b"P1\n%d %d\n" % (W, H) + plain(bits.ravel())),
        "p1_no_spaces": ("1", b"P1\n%d %d\n" % (W, H) + b"".join(b"%d" % v for v in bits.ravel())),
        "p1_comments": ("1", b"P1\n# c1\n%d %d\n01#x\n" % (W, H) + b"".join(b"%d" % v for v in bits.ravel()[2:]) + b"\n#end"),
        "p4": ("1", b"P4\n%d %d\n" % (W, H) + np.packbits(bits, axis=1).tobytes()),
        "p4_width_16": ("1", b"P4\n16 2\n" + bytes([0x0F, 0xF0, 0xAA, 0x55])),
        "header_comment": ("L", b"P2\n# comment\n%d %d\n255\n" % (W, H) + plain(g)),
        "header_cr_comment": ("L", b"P2 #c\r%d %d\r255\r" % (W, H) + plain(g)),
        "header_tabs_vt_ff": ("L", b"P2\t%d\x0b%d\x0c255\n" % (W, H) + plain(g)),
        "header_signs_underscores_zeros": ("L", b"P2 +%d 00%d 2_55\n" % (W, H) + plain(g)),
        "header_token_10_chars": ("L", b"P2 %d %d 0000000255\n" % (W, H) + plain(g)),
        # A comment inside a token does not end it: "1#c\n0" reads as 10.
        "header_comment_glues": ("L", b"P2\n1#c\n0 1\n255\n" + plain(range(10))),
        "data_comment_glues": ("L", b"P2\n2 1\n255\n1#x\n2 3\n"),
        "data_signs_underscores": ("L", b"P2\n3 1\n255\n-0 +7 1_0\n"),
        "data_no_final_newline": ("L", b"P2\n2 1\n255\n1 2"),
        "data_short_trailing_junk": ("L", b"P2\n2 1\n255\n1 2 garbage"),
        "data_comment_at_eof": ("L", b"P2\n2 1\n255\n1 2#comment"),
        "p3_crlf_comments": ("RGB", b"P3\r\n2 1\r\n255\r\n1 2 3 # a\r\n4 5 6\r\n"),
        "p5_comment_after_maxval_is_data": ("L", b"P5\n2 2\n255 #x\n" + bytes(range(4))),
        "p5_65535_no_newline": ("I", b"P5 1 1 65535 \x12\x34"),
        "p6_extra_data": ("RGB", b"P6\n2 2\n255\n" + bytes(range(12)) + b"extra"),
    })
    return cases


PNM_CASES = pnm_cases()


@pytest.mark.parametrize("name", sorted(PNM_CASES))
def test_pnm(dump_tool, tmp_path, name):
    mode, data = PNM_CASES[name]
    check_same(dump_tool, write(tmp_path, name + ".pnm", data), mode)


def pnm_bad_cases():
    return {
        "magic_only": (TRUNCATED, b"P6"),
        "no_maxval": (TRUNCATED, b"P6\n2 2\n"),
        "p6_cut": (TRUNCATED, b"P6\n2 2\n255\n" + bytes(11)),
        "p6_16bit_cut": (TRUNCATED, b"P6\n2 2\n65535\n" + bytes(23)),
        "p4_cut": (TRUNCATED, b"P4\n9 2\n" + bytes(3)),
        "p1_short": (TRUNCATED, b"P1\n2 2\n0 1 1\n"),
        "p2_short": (TRUNCATED, b"P2\n2 2\n255\n1 2 3\n"),
        "p2_comment_glues_two_samples": (TRUNCATED, b"P2\n3 1\n255\n1 2#comment\n3"),
        "magic_followed_by_text": (UNKNOWN_FORMAT, b"P6x 2 2 255\n" + bytes(12)),
        "magic_then_comment": (UNKNOWN_FORMAT, b"P6#c\n2 2 255\n" + bytes(12)),
        "maxval_0": (CORRUPT, b"P2 2 1 0\n0 0\n"),
        "maxval_65536": (CORRUPT, b"P2 2 1 65536\n0 0\n"),
        "header_token_11_chars": (CORRUPT, b"P2 2 1 00000000255\n0 0\n"),
        "header_hex": (CORRUPT, b"P2 2 1 0xff\n0 0\n"),
        "negative_width": (CORRUPT, b"P2 -2 1 255\n0 0\n"),
        "zero_width": (CORRUPT, b"P2 0 1 255\n0 0\n"),
        "p1_bad_byte": (CORRUPT, b"P1\n2 1\n0 2\n"),
        "p1_bad_byte_after_data": (CORRUPT, b"P1\n2 1\n0 1 x\n"),
        "p2_bad_token": (CORRUPT, b"P2\n2 1\n255\n1 x\n"),
        "p2_leading_underscore": (CORRUPT, b"P2\n2 1\n255\n_1 2\n"),
        "header_leading_underscore": (CORRUPT, b"P2\n_2 1\n255\n1 2\n"),
        "p2_negative": (CORRUPT, b"P2\n2 1\n255\n1 -2\n"),
        "p2_over_maxval": (CORRUPT, b"P2\n2 1\n100\n1 101\n"),
        "p2_token_11_chars": (CORRUPT, b"P2\n2 1\n255\n1 00000000002\n"),
        "p2_long_junk_at_eof": (CORRUPT, b"P2\n2 1\n255\n1 2 garbagegarbage"),
        "huge": (TOO_LARGE, b"P5\n100000 100000\n255\n" + bytes(100)),
        "huge_10_digits": (TOO_LARGE, b"P5\n9999999999 1\n255\n" + bytes(100)),
    }


PNM_BAD = pnm_bad_cases()


@pytest.mark.parametrize("name", sorted(PNM_BAD))
def test_pnm_bad(dump_tool, tmp_path, name):
    status, data = PNM_BAD[name]
    check_error(dump_tool, write(tmp_path, name + ".pnm", data), status, "pnm")


BLOCK = 1 << 20  # Pillow's ImageFile.SAFEBLOCK: the plain decoders read this much at a time


def ones(n):
    """n bytes of "1 1 1 ..." (n // 2 or so tokens)."""
    return (b"1 " * (n // 2 + 1))[:n]


def pnm_block_cases():
    head = b"P2\n%d 1\n255\n"
    split = ones(BLOCK - 1) + b"23 45 \n"
    comment = ones(BLOCK - 5) + b" #comment that crosses the border\n9 8\n"
    quirk = ones(BLOCK - 2) + b" #" + b"\n5 6\r7 8\n"
    quirk_tokens = len(ones(BLOCK - 2).split())
    half = BLOCK // 2
    return {
        "token_across_blocks": (True, head % len(split.split()) + split),
        "comment_across_blocks": (True, head % (len(ones(BLOCK - 5).split()) + 2) + comment),
        # The next block starts with LF and holds a CR: Pillow's comment end
        # search then skips to the CR, dropping "5 6".
        "comment_end_quirk_2": (True, head % (quirk_tokens + 2) + quirk),
        "comment_end_quirk_3": (False, head % (quirk_tokens + 3) + quirk),
        "long_token_at_block_end": (False, head % 600000 + ones(BLOCK - 6) + b"123456789012 5\n"),
        "p1_junk_in_next_block": (True, b"P1\n%d 1\n" % half + b"0 " * half + b"xyz"),
        "p1_junk_in_same_block": (False, b"P1\n%d 1\n" % (half - 10) + b"0 " * (half - 10) + b"xyz"),
    }


PNM_BLOCKS = pnm_block_cases()


@pytest.mark.parametrize("name", sorted(PNM_BLOCKS))
def test_pnm_plain_blocks(dump_tool, tmp_path, name):
    decodes, data = PNM_BLOCKS[name]
    result = check_same(dump_tool, write(tmp_path, name + ".pnm", data))
    assert result.ok == decodes


# --------------------------------------------------------------------------
# Damaged files: ours and Pillow's must agree on each
# --------------------------------------------------------------------------


def mutate(data, r):
    b = bytearray(data)
    for _ in range(r.randint(1, 4)):
        k = r.random()
        if not b:
            break
        if k < 0.35:
            b[r.randrange(len(b))] = r.randrange(256)
        elif k < 0.5:
            b[r.randrange(len(b))] ^= 1 << r.randrange(8)
        elif k < 0.6:
            b = b[:r.randrange(len(b) + 1)]
        elif k < 0.7:
            i = r.randrange(len(b))
            b[i:i] = bytes(r.randrange(256) for _ in range(r.randint(1, 8)))
        elif k < 0.8:
            i = r.randrange(len(b))
            del b[i:i + r.randint(1, 8)]
        else:  # header fields
            b[r.randrange(min(len(b), 64))] = r.choice([0, 1, 2, 3, 8, 9, 10, 11, 0x10, 0x20, 0x80, 0xFF])
    return bytes(b)


SEEDS = {
    "gif": [d for m, d in GIF_CASES.values() if len(d) < 20000],
    "bmp": [d for m, d in BMP_CASES.values()],
    "tga": [d for m, d in TGA_CASES.values()],
    "pnm": [d for m, d in PNM_CASES.values() if len(d) < 20000],
}


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_damaged_files_agree(dump_tool, tmp_path, fmt):
    r = random.Random("fastclip-" + fmt)
    count = 30 if SANITIZED else 120
    disagree = []
    for i in range(count):
        path = write(tmp_path, "%s_%d.%s" % (fmt, i, fmt), mutate(r.choice(SEEDS[fmt]), r))
        try:
            check_same(dump_tool, path)
        except AssertionError as e:
            disagree.append(str(e).splitlines()[0])
        except pytest.fail.Exception as e:
            disagree.append(str(e).splitlines()[0])
    assert not disagree, "\n".join(disagree[:10])
