"""Deterministic generators of test images for the libfastclip test suite.

Everything here is a pure function of its arguments (sizes, seeds, options):
the same call gives the same pixels on every run, under Pillow 13 and under
Debian's Pillow 9.4. Nothing is downloaded and nothing is stored in the
repository; the suite builds its inputs when it runs.

Contents
  * Pixel content: smooth gradients with noise, step edges and saturated
    blocks (`rgb`, `gray`, `alpha`, `rgba`, `la`, `indexed`, `bilevel`).
  * `png()`: a small PNG encoder (zlib + crc32) for every colour type and
    bit depth, tRNS, PLTE of any length, Adam7 interlacing, all five filter
    types, split IDATs and extra ancillary chunks. Pillow's own writer only
    covers some of these.
  * Writers through Pillow: JPEG (quality, subsampling, progressive, L,
    CMYK, restart markers where Pillow has them), BMP, GIF, TGA, PNM.
  * `cjpeg()`: JPEGs from Debian's cjpeg (libjpeg-turbo-progs), for restart
    markers and samplings Pillow cannot write; None when cjpeg is missing.
  * Hand-made variants of BMP, TGA and PNM that Pillow reads but does not
    write, and headers that lie (huge or zero sizes) for the bad-input tests.
"""
import io
import os
import shutil
import struct
import subprocess
import tempfile
import zlib

import numpy as np
from PIL import Image

# --------------------------------------------------------------------------
# Pixel content
# --------------------------------------------------------------------------


def seed_of(text):
    """A stable 32-bit seed from a string (e.g. the case id)."""
    return zlib.crc32(text.encode("utf-8")) & 0xFFFFFFFF


def _grid(w, h):
    x = (np.arange(w, dtype=np.float32) + 0.5) / np.float32(w)
    y = (np.arange(h, dtype=np.float32) + 0.5) / np.float32(h)
    return x[None, :], y[:, None]


def _plane(w, h, rng, noise, blocks=True):
    """One channel: smooth waves + a ramp + uniform noise, with step-edged
    black and white blocks (they make bicubic overshoot and clamp)."""
    x, y = _grid(w, h)
    fx, fy = rng.uniform(0.7, 3.5, 2)
    px, py = rng.uniform(0.0, 6.283, 2)
    amp = rng.uniform(50, 95)
    tilt = rng.uniform(-70, 70)
    v = (np.float32(128) + np.float32(amp) * np.sin(np.float32(6.2832 * fx) * x + np.float32(px))
         * np.cos(np.float32(6.2832 * fy) * y + np.float32(py))
         + np.float32(tilt) * (x - y))
    if noise:
        v = v + rng.integers(-noise, noise + 1, size=(h, w), dtype=np.int16).astype(np.float32)
    out = np.clip(v, 0, 255).astype(np.uint8)
    if blocks and w >= 4 and h >= 4:
        # 11 x 9 grid of cells; a few cells are saturated black or white.
        cx = (np.arange(w) * 11 // w)[None, :]
        cy = (np.arange(h) * 9 // h)[:, None]
        cell = (cx * 7 + cy * 5) % 13
        out = np.where(cell == 3, np.uint8(255), out)
        out = np.where(cell == 8, np.uint8(0), out)
    return out


def rgb(w, h, seed, noise=12):
    rng = np.random.default_rng(seed)
    return np.stack([_plane(w, h, rng, noise) for _ in range(3)], axis=-1)


def gray(w, h, seed, noise=12):
    return _plane(w, h, np.random.default_rng(seed), noise)


def alpha(w, h, seed):
    """An alpha plane with everything the premultiplied path cares about:
    a fully transparent band (A = 0 over non-zero colour), a fully opaque
    band, rows of A = 1 and A = 254, and a smooth noisy gradient."""
    rng = np.random.default_rng(seed ^ 0x5A5A)
    x, y = _grid(w, h)
    a = np.float32(-60) + np.float32(380) * x + np.float32(40) * np.sin(np.float32(9.0) * y)
    a = a + rng.integers(-20, 21, size=(h, w), dtype=np.int16).astype(np.float32)
    a = np.clip(a, 0, 255).astype(np.uint8)
    if h >= 6:
        a[h // 6::6, :] = np.where(a[h // 6::6, :] > 128, 254, 1)
    if w >= 3:
        a[:, : max(1, w // 5)] = 0          # hidden colour under A = 0
        a[:, w - max(1, w // 6):] = 255
    return a


def rgba(w, h, seed):
    return np.dstack([rgb(w, h, seed), alpha(w, h, seed)])


def la(w, h, seed):
    return np.dstack([gray(w, h, seed), alpha(w, h, seed)])


def palette_colors(count, seed):
    """`count` distinct-ish RGB entries, deterministic."""
    rng = np.random.default_rng(seed ^ 0xC0FFEE)
    pal = rng.integers(0, 256, size=(count, 3), dtype=np.uint8)
    if count >= 2:
        pal[0] = (0, 0, 0)
        pal[-1] = (255, 255, 255)
    return pal


def indexed(w, h, seed, count=256):
    """Palette indices 0..count-1 following smooth content with noise."""
    g = gray(w, h, seed, noise=20).astype(np.uint32)
    return (g * count // 256).astype(np.uint8)


def bilevel(w, h, seed):
    """0/255 bytes: thresholded noisy content (for mode "1")."""
    return np.where(gray(w, h, seed, noise=60) >= 128, 255, 0).astype(np.uint8)


def gray16(w, h, seed, dark=False):
    """16-bit grey samples. Normal images use the full range with noisy low
    bytes. `dark` keeps values in 0..300 with hard steps, where a resize
    that clamps its intermediate (I;16) and one that does not (I) differ."""
    g = gray(w, h, seed).astype(np.uint32)
    if dark:
        g = (g * 300) // 255
        return g.astype(np.uint16)
    rng = np.random.default_rng(seed ^ 0x1616)
    low = rng.integers(0, 256, size=(h, w), dtype=np.uint32)
    return (g * 256 + low).astype(np.uint16)


def widen16(samples8, seed):
    """8-bit samples -> 16-bit with the same high byte and random low byte
    (the decoder must take the high byte, not round)."""
    rng = np.random.default_rng(seed ^ 0x1717)
    low = rng.integers(0, 256, size=samples8.shape, dtype=np.uint32)
    return (samples8.astype(np.uint32) * 256 + low).astype(np.uint16)


# --------------------------------------------------------------------------
# PNG encoder
# --------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]  # x0, y0, dx, dy


def png_chunk(ctype, data, crc=None):
    if crc is None:
        crc = zlib.crc32(ctype + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", crc)


def ihdr(width, height, depth, ctype, interlace=0, compression=0, filt=0):
    return struct.pack(">IIBBBBB", width, height, depth, ctype, compression,
                       filt, interlace)


def _raw_rows(samples, depth):
    """(h, w[, c]) samples -> (h, rowbytes) uint8 scanlines (no filter byte)."""
    h = samples.shape[0]
    flat = samples.reshape(h, -1)
    if depth == 16:
        return flat.astype(">u2").view(np.uint8).reshape(h, -1)
    if depth == 8:
        return flat.astype(np.uint8)
    per = 8 // depth
    n = flat.shape[1]
    pad = (-n) % per
    v = np.pad(flat.astype(np.uint8), ((0, 0), (0, pad)))
    v = v.reshape(h, -1, per).astype(np.uint16)
    byte = np.zeros(v.shape[:2], np.uint16)
    for k in range(per):
        byte |= v[:, :, k] << (8 - depth * (k + 1))
    return byte.astype(np.uint8)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))


def _filter(rows, bpp, mode, row_offset=0):
    """Applies PNG filters to raw scanlines. mode: an int 0-4 for every row,
    or "mixed" (row i gets filter (i + row_offset) % 5)."""
    h, n = rows.shape
    if mode == "mixed":
        ftype = (np.arange(h) + row_offset) % 5
    else:
        ftype = np.full(h, int(mode))
    out = np.empty((h, n + 1), np.uint8)
    out[:, 0] = ftype
    for f in range(5):
        idx = np.nonzero(ftype == f)[0]
        if idx.size == 0:
            continue
        r = rows[idx].astype(np.int16)
        if f == 0:
            out[idx, 1:] = rows[idx]
            continue
        up = np.where((idx > 0)[:, None], rows[np.maximum(idx - 1, 0)], 0).astype(np.int16)
        left = np.zeros_like(r)
        upleft = np.zeros_like(r)
        if n > bpp:
            left[:, bpp:] = r[:, :-bpp]
            upleft[:, bpp:] = up[:, :-bpp]
        if f == 1:
            v = r - left
        elif f == 2:
            v = r - up
        elif f == 3:
            v = r - ((left + up) >> 1)
        else:
            v = r - _paeth(left, up, upleft)
        out[idx, 1:] = (v & 0xFF).astype(np.uint8)
    return out


def png_idat_payload(samples, ctype, depth, interlace=False, filters="mixed"):
    """The uncompressed IDAT stream: filtered scanlines, Adam7 if asked."""
    bpp = max(1, CHANNELS[ctype] * depth // 8)
    if not interlace:
        return _filter(_raw_rows(samples, depth), bpp, filters).tobytes()
    parts = []
    for p, (x0, y0, dx, dy) in enumerate(ADAM7):
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue  # empty passes are omitted entirely
        parts.append(_filter(_raw_rows(sub, depth), bpp, filters, row_offset=p).tobytes())
    return b"".join(parts)


def png(samples, ctype, depth, palette=None, trns=None, interlace=False,
        filters="mixed", extra_chunks=(), idat_parts=1, level=6):
    """Encodes a PNG.

    samples: (h, w) for colour types 0 and 3, (h, w, c) otherwise; values in
      the range of `depth` (uint16 for 16-bit).
    palette: (k, 3) uint8 for colour type 3 (any k from 1 to 256).
    trns: bytes of the tRNS chunk, or None.
    extra_chunks: (type, data) pairs placed before IDAT (gAMA, iCCP, ...).
    """
    h, w = samples.shape[:2]
    assert samples.ndim == (2 if CHANNELS[ctype] == 1 else 3)
    out = [PNG_SIGNATURE, png_chunk(b"IHDR", ihdr(w, h, depth, ctype, int(interlace)))]
    for ctype_name, data in extra_chunks:
        out.append(png_chunk(ctype_name, data))
    if palette is not None:
        out.append(png_chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes()))
    if trns is not None:
        out.append(png_chunk(b"tRNS", trns))
    z = zlib.compress(png_idat_payload(samples, ctype, depth, interlace, filters), level)
    step = max(1, -(-len(z) // idat_parts))
    for i in range(0, max(len(z), 1), step):
        out.append(png_chunk(b"IDAT", z[i:i + step]))
    out.append(png_chunk(b"IEND", b""))
    return b"".join(out)


def png_samples(ctype, depth, w, h, seed):
    """Content for a colour type / depth; returns (samples, palette)."""
    maxv = (1 << depth) - 1
    if ctype == 0:
        if depth == 16:
            return gray16(w, h, seed), None
        g = gray(w, h, seed).astype(np.uint32)
        return ((g * (maxv + 1)) >> 8).astype(np.uint8), None
    if ctype == 3:
        count = min(256, 1 << depth)
        return indexed(w, h, seed, count), palette_colors(count, seed)
    if ctype == 2:
        s = rgb(w, h, seed)
    elif ctype == 4:
        s = la(w, h, seed)
    else:
        s = rgba(w, h, seed)
    return (widen16(s, seed) if depth == 16 else s), None


# --------------------------------------------------------------------------
# Writers through Pillow
# --------------------------------------------------------------------------


def to_image(arr, mode):
    """A PIL image of `mode` from a uint8 array, without Image.fromarray's
    mode argument (deprecated in newer Pillow)."""
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape[:2]
    if mode == "1":
        return Image.frombytes("L", (w, h), arr.tobytes()).convert("1", dither=0)
    if mode == "P":
        raise ValueError("use paletted()")
    return Image.frombytes(mode, (w, h), arr.tobytes())


def paletted(indices, palette):
    h, w = indices.shape
    im = Image.frombytes("P", (w, h), np.ascontiguousarray(indices, np.uint8).tobytes())
    im.putpalette(np.asarray(palette, np.uint8).tobytes())
    return im


def pillow_bytes(im, fmt, **params):
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def pillow_encoded(cid, w, h, pil_mode, fmt, content=None, **params):
    """A generated image written by Pillow's own encoder: content(w, h,
    seed) if given, else the generated samples of pil_mode, seeded by cid."""
    seed = seed_of(cid)
    if content is not None:
        im = content(w, h, seed)
    elif pil_mode == "P":
        im = paletted(indexed(w, h, seed, 256), palette_colors(256, seed))
    else:
        arr = {"1": bilevel, "L": gray, "LA": la, "RGB": rgb, "RGBA": rgba}[pil_mode](w, h, seed)
        im = to_image(arr, pil_mode)
    return pillow_bytes(im, fmt, **params)


def pillow_supports_jpeg_restart():
    """Pillow >= 11 writes DRI/RST via restart_marker_blocks/rows."""
    try:
        data = pillow_bytes(to_image(rgb(32, 32, 1), "RGB"), "JPEG",
                            restart_marker_rows=1)
    except TypeError:
        return False
    return b"\xff\xdd" in data


def cjpeg_path():
    return shutil.which("cjpeg")


def cjpeg(arr, args):
    """Encodes a uint8 (h, w) or (h, w, 3) array with Debian's cjpeg, or
    returns None when cjpeg is not installed."""
    exe = cjpeg_path()
    if exe is None:
        return None
    im = to_image(arr, "L" if arr.ndim == 2 else "RGB")
    ppm = pillow_bytes(im, "PPM")
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in.pnm")
        dst = os.path.join(d, "out.jpg")
        with open(src, "wb") as f:
            f.write(ppm)
        subprocess.run([exe, *args, "-outfile", dst, src], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with open(dst, "rb") as f:
            return f.read()


# --------------------------------------------------------------------------
# Hand-made variants Pillow reads but does not write
# --------------------------------------------------------------------------


def bmp_header(width, height, bits, compression=0, image_size=0, colors=0,
               masks=None, header_size=40, data_offset=None, planes=1):
    """BITMAPFILEHEADER + BITMAPINFOHEADER (or V4/V5 sized), and optional
    bitfield masks after a 40-byte header. `height` may be negative
    (top-down)."""
    info = struct.pack("<IiiHHIIiiII", header_size, width, height, planes, bits,
                       compression, image_size, 2835, 2835, colors, 0)
    info += b"\0" * (header_size - 40)
    if masks is not None and header_size >= 40 + 4 * len(masks):
        info = info[:40] + struct.pack("<" + "I" * len(masks), *masks) + info[40 + 4 * len(masks):]
        masks = None
    extra = struct.pack("<" + "I" * len(masks), *masks) if masks else b""
    if data_offset is None:
        data_offset = 14 + len(info) + len(extra) + 4 * colors
    return b"BM" + struct.pack("<IHHI", 0, 0, 0, data_offset) + info + extra


def bmp_rows(rows_bytes, bottom_up=True):
    """Pads each row to 4 bytes and orders rows bottom-up if asked."""
    out = []
    for r in rows_bytes:
        out.append(r + b"\0" * ((-len(r)) % 4))
    if bottom_up:
        out.reverse()
    return b"".join(out)


def bmp_file(header, palette_bgrx, pixel_data):
    data = header + palette_bgrx + pixel_data
    return data[:2] + struct.pack("<I", len(data)) + data[6:]


def bmp_top_down_rgb(arr):
    h, w, _ = arr.shape
    rows = [arr[y, :, ::-1].tobytes() for y in range(h)]
    return bmp_file(bmp_header(w, -h, 24), b"", bmp_rows(rows, bottom_up=False))


def bmp_565(arr):
    """16-bit BI_BITFIELDS 5-6-5 (Pillow: BGR;16)."""
    h, w, _ = arr.shape
    a = arr.astype(np.uint16)
    v = ((a[..., 0] >> 3) << 11) | ((a[..., 1] >> 2) << 5) | (a[..., 2] >> 3)
    rows = [v[y].astype("<u2").tobytes() for y in range(h)]
    return bmp_file(bmp_header(w, h, 16, compression=3, masks=(0xF800, 0x07E0, 0x001F)),
                    b"", bmp_rows(rows))


def bmp_555(arr):
    """16-bit BI_RGB (5-5-5, Pillow: BGR;15)."""
    h, w, _ = arr.shape
    a = arr.astype(np.uint16)
    v = ((a[..., 0] >> 3) << 10) | ((a[..., 1] >> 3) << 5) | (a[..., 2] >> 3)
    rows = [v[y].astype("<u2").tobytes() for y in range(h)]
    return bmp_file(bmp_header(w, h, 16), b"", bmp_rows(rows))


def bmp_32_bitfields_rgba(arr):
    """32-bit BI_BITFIELDS with an alpha mask in a V4 header (Pillow: RGBA)."""
    h, w, _ = arr.shape
    rows = [arr[y][:, [2, 1, 0, 3]].tobytes() for y in range(h)]
    hdr = bmp_header(w, h, 32, compression=3, header_size=108,
                     masks=(0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000))
    return bmp_file(hdr, b"", bmp_rows(rows))


def bmp_rle8(indices, palette):
    """8-bit RLE (BI_RLE8): runs, absolute runs, end-of-line, end-of-bitmap."""
    h, w = indices.shape
    out = bytearray()
    for y in range(h - 1, -1, -1):
        row = indices[y].tolist()
        x = 0
        while x < w:
            run = 1
            while x + run < w and run < 255 and row[x + run] == row[x]:
                run += 1
            if run >= 2:
                out += bytes([run, row[x]])        # encoded run
                x += run
                continue
            k = 1                                   # literal stretch
            while x + k < w and k < 255 and not (x + k + 1 < w and row[x + k] == row[x + k + 1]):
                k += 1
            if k < 3:
                for v in row[x:x + k]:
                    out += bytes([1, v])
            else:
                out += bytes([0, k]) + bytes(row[x:x + k]) + (b"\0" if k % 2 else b"")
            x += k
        out += b"\0\0"  # end of line
    out += b"\0\1"  # end of bitmap
    pal = np.zeros((256, 4), np.uint8)
    pal[: len(palette), :3] = np.asarray(palette)[:, ::-1]
    hdr = bmp_header(w, h, 8, compression=1, image_size=len(out), colors=256)
    return bmp_file(hdr, pal.tobytes(), bytes(out))


def tga_top_left(arr):
    """Uncompressed true-colour TGA with the top-left origin flag."""
    h, w, c = arr.shape
    hdr = struct.pack("<BBBHHBHHHHBB", 0, 0, 2, 0, 0, 0, 0, 0, w, h, 8 * c,
                      0x20 | (8 if c == 4 else 0))
    px = arr[..., [2, 1, 0, 3][:c]] if c == 4 else arr[..., ::-1]
    return hdr + np.ascontiguousarray(px).tobytes()


def pnm_plain(arr, kind):
    """Plain (ASCII) P1/P2/P3. arr: 0/1 for P1 (1 = black), else uint8."""
    h, w = arr.shape[:2]
    if kind == "P1":
        head = b"P1\n# plain bitmap\n%d %d\n" % (w, h)
    else:
        head = b"%s\n%d %d\n255\n" % (kind.encode(), w, h)
    body = "\n".join(" ".join(str(int(v)) for v in row.reshape(-1)) for row in arr)
    return head + body.encode() + b"\n"


def pnm_maxval(arr, maxval):
    """Binary P5 (2-D) or P6 (3-D) with an arbitrary maxval; 2 bytes per
    sample when maxval > 255. arr holds values 0..maxval."""
    h, w = arr.shape[:2]
    kind = b"P6" if arr.ndim == 3 else b"P5"
    body = arr.astype(">u2" if maxval > 255 else np.uint8).tobytes()
    return b"%s\n# maxval %d\n%d %d\n%d\n" % (kind, maxval, w, h, maxval) + body


# --------------------------------------------------------------------------
# Headers that lie, for the bad-input tests
# --------------------------------------------------------------------------


def png_claiming(width, height, ctype=2, depth=8, idat=b""):
    """A PNG whose IHDR claims width x height, with a tiny IDAT."""
    z = idat or zlib.compress(b"\0" * 64)
    return (PNG_SIGNATURE + png_chunk(b"IHDR", ihdr(width, height, depth, ctype))
            + png_chunk(b"IDAT", z) + png_chunk(b"IEND", b""))


def jpeg_with_size(data, width, height):
    """A real JPEG with its SOF frame size rewritten (rest untouched)."""
    b = bytearray(data)
    i = 2
    while i + 4 <= len(b):
        assert b[i] == 0xFF
        marker = b[i + 1]
        seglen = struct.unpack(">H", b[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            b[i + 5:i + 9] = struct.pack(">HH", height, width)
            return bytes(b)
        i += 2 + seglen
    raise ValueError("no SOF marker")


def bmp_claiming(width, height, bits=24):
    return bmp_file(bmp_header(width, height, bits), b"", b"\0" * 64)


def gif_claiming(width, height):
    """GIF87a with a logical screen and image descriptor of width x height
    and a few bytes of LZW data."""
    head = b"GIF87a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0)
    pal = b"\0\0\0\xff\xff\xff"
    desc = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
    return head + pal + desc + b"\x02\x02\x4c\x01\x00\x3b"


def tga_claiming(width, height):
    return struct.pack("<BBBHHBHHHHBB", 0, 0, 2, 0, 0, 0, 0, 0, width, height,
                       24, 0) + b"\0" * 64


def pnm_claiming(width, height, kind=b"P6"):
    return b"%s\n%d %d\n255\n" % (kind, width, height) + b"\0" * 64
