"""Python values to the library's image sources and C strings, checked in
Python so that misuse raises TypeError or ValueError before any C call.

Each helper returns the ctypes value together with the Python objects that
own the memory it points at; callers keep those alive until the C call has
returned (the library keeps no pointer after a call)."""
import operator
import os

import numpy as np

from . import _lib

INT_MAX = 2 ** 31 - 1
UINT64_MAX = 2 ** 64 - 1

_GRAY_FORMATS = {2: _lib.PIXEL_GRAYA8}
_RGB_FORMATS = {3: _lib.PIXEL_RGB8, 4: _lib.PIXEL_RGBA8}
_BGR_FORMATS = {3: _lib.PIXEL_BGR8, 4: _lib.PIXEL_BGRA8}


def c_int_arg(value, name, lo=-INT_MAX - 1, hi=INT_MAX):
    """An int argument that must fit C's int (ctypes would wrap it)."""
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError("%s must be an int, not %s" % (name, type(value).__name__)) from None
    if not lo <= v <= hi:
        raise ValueError("%s must be %d to %d, got %d" % (name, lo, hi, v))
    return v


def c_uint64_arg(value, name):
    return c_int_arg(value, name, 0, UINT64_MAX)


def c_bool_arg(value, name):
    if not isinstance(value, (bool, int, np.bool_)):
        raise TypeError("%s must be a bool, not %s" % (name, type(value).__name__))
    return 1 if value else 0


def path_bytes(path, what="path"):
    """str or os.PathLike to the bytes C gets (os.fsencode: a str from
    os.listdir with undecodable bytes round-trips)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError("%s must be a str or os.PathLike, not %s" % (what, type(path).__name__))
    b = os.fsencode(path)
    if b"\0" in b:
        raise ValueError("%s contains a NUL character" % what)
    return b


def optional_str_bytes(value, what):
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("%s must be a str or None, not %s" % (what, type(value).__name__))
    b = value.encode("utf-8")
    if b"\0" in b:
        raise ValueError("%s contains a NUL character" % what)
    return b


def text_bytes(text, what="text"):
    """A text as the NUL-terminated UTF-8 C gets. str is encoded with
    surrogatepass, so a str holding lone surrogates (not valid Unicode
    text) reaches the library as invalid UTF-8 and fails there with
    Status.INVALID_UTF8. bytes are passed as they are: the library checks
    that they are UTF-8."""
    if isinstance(text, str):
        b = text.encode("utf-8", "surrogatepass")
    elif isinstance(text, (bytes, bytearray)):
        b = bytes(text)
    else:
        raise TypeError("%s must be a str (or UTF-8 bytes), not %s" % (what, type(text).__name__))
    if b"\0" in b:
        raise ValueError("%s contains a NUL character, which a C string cannot hold" % what)
    return b


def _buffer_array(src):
    """bytes, bytearray or memoryview as a 1-D uint8 array over the same
    memory (no copy, except for a non-contiguous memoryview)."""
    if isinstance(src, memoryview):
        if not src.contiguous:
            return np.frombuffer(src.tobytes(), np.uint8)
        if src.ndim != 1 or src.format not in ("B", "b", "c"):
            src = src.cast("B")
    return np.frombuffer(src, np.uint8)


def pixel_array(arr, bgr=False):
    """A uint8 image array as (array, width, height, stride, format). The
    array is copied only when its rows are not each one run of packed
    pixels (a transposed or channel-sliced view, say); any row stride is
    passed to the library as it is."""
    if not isinstance(arr, np.ndarray):
        raise TypeError("pixels must be a numpy.ndarray, not %s" % type(arr).__name__)
    if arr.dtype != np.uint8:
        raise TypeError("pixel arrays must have dtype uint8, not %s" % arr.dtype)
    if arr.ndim == 2:
        channels, fmt = 1, _lib.PIXEL_GRAY8
    elif arr.ndim == 3 and arr.shape[2] in (2, 3, 4):
        channels = arr.shape[2]
        fmt = (_BGR_FORMATS if bgr else _RGB_FORMATS).get(channels) or _GRAY_FORMATS[channels]
    else:
        raise ValueError("pixel arrays must be H x W (gray), H x W x 2 (gray + alpha), "
                         "H x W x 3 (RGB) or H x W x 4 (RGBA); got shape %s" % (arr.shape,))
    height, width = arr.shape[0], arr.shape[1]
    if height == 0 or width == 0:
        raise ValueError("pixel array is empty (shape %s)" % (arr.shape,))
    if height > INT_MAX or width > INT_MAX:
        raise ValueError("pixel array too large (shape %s)" % (arr.shape,))
    row_bytes = width * channels
    packed = (arr.strides[-1] == 1 if channels > 1 else True) and \
        (width == 1 or arr.strides[1] == channels)
    if not packed or (height > 1 and arr.strides[0] < row_bytes):
        arr = np.ascontiguousarray(arr)
    stride = arr.strides[0] if height > 1 else row_bytes
    return arr, width, height, stride, fmt


class Source:
    """One image, ready for C: kind, the fields of fc_image, and `keep`
    (what owns the memory)."""
    __slots__ = ("kind", "path", "data", "size", "pixels", "width", "height", "stride",
                 "format", "keep")

    def fc_image(self, lib):
        if self.kind == _lib.IMAGE_FILE:
            return lib.fc_image_file(self.path)
        if self.kind == _lib.IMAGE_MEMORY:
            return lib.fc_image_memory(self.data, self.size)
        return lib.fc_image_pixels(self.pixels, self.width, self.height, self.stride,
                                   self.format)


def image_source(src, bgr=False):
    """A path (str or os.PathLike), encoded bytes (bytes, bytearray,
    memoryview) or a uint8 pixel array, as a Source."""
    s = Source()
    if isinstance(src, np.ndarray):
        arr, s.width, s.height, s.stride, s.format = pixel_array(src, bgr)
        s.kind, s.pixels, s.keep = _lib.IMAGE_PIXELS, arr.ctypes.data, arr
    elif isinstance(src, (bytes, bytearray, memoryview)):
        arr = _buffer_array(src)
        s.kind, s.data, s.size, s.keep = _lib.IMAGE_MEMORY, arr.ctypes.data, arr.size, arr
    elif isinstance(src, (str, os.PathLike)):
        s.kind = _lib.IMAGE_FILE
        s.path = s.keep = path_bytes(src, "image path")
    else:
        raise TypeError("an image is a path (str or os.PathLike), encoded bytes (bytes, "
                        "bytearray, memoryview) or a uint8 numpy array, not %s"
                        % type(src).__name__)
    return s


def as_list(items, what):
    """A batch argument as a list, refusing the single values that would
    otherwise iterate (a str, bytes, an array)."""
    if isinstance(items, (str, bytes, bytearray, memoryview, os.PathLike, np.ndarray)):
        raise TypeError("%s takes a list; for one item use the singular method%s"
                        % (what, " (or list(array) for a stack of images)"
                           if isinstance(items, np.ndarray) else ""))
    try:
        return list(items)
    except TypeError:
        raise TypeError("%s takes a list, not %s" % (what, type(items).__name__)) from None
