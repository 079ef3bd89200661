"""The C library through ctypes: finding it, the structs of fastclip.h, and
the prototypes of every function the package calls.

Nothing here is public API; fastclip/__init__.py re-exports what is.

The structs mirror include/fastclip.h field for field (python/tests checks
their sizes and offsets against a C compiler). Every *_params struct is
filled by its C *_params_init function with ctypes.sizeof, never by hand,
so defaults come from the library that is loaded.

The library is loaded with ctypes.CDLL, which releases the GIL for the
duration of every foreign call: encoding, preprocessing and tokenizing run
while other Python threads keep going.
"""
import ctypes
import ctypes.util
import os
import pathlib
import threading

# The soname this package was written against (fastclip.h's major version).
SONAME = "libfastclip.so.0"
# The oldest library with everything the package calls (the model API,
# fc_model_params.kernels, new in 0.3.0, its workers and micro_batch, new
# in 0.4.0, its precision and cuda_graphs and the encode calls for prepared
# inputs, new in 0.5.0).
MIN_VERSION = (0, 5, 0)
ENV_LIBRARY = "FASTCLIP_LIBRARY"

c_size_t = ctypes.c_size_t
c_int = ctypes.c_int
c_float = ctypes.c_float
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
c_uint64 = ctypes.c_uint64
c_int32 = ctypes.c_int32

ERROR_MESSAGE_SIZE = 256  # FC_ERROR_MESSAGE_SIZE


class fc_error(ctypes.Structure):
    _fields_ = [("status", c_int),  # fc_status
                ("message", ctypes.c_char * ERROR_MESSAGE_SIZE)]


class fc_preprocess_params(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t),
                ("size", c_int),
                ("mean", c_float * 3),
                ("std", c_float * 3),
                ("order", c_int),  # fc_order
                ("max_pixels", c_uint64),
                ("max_bytes", c_uint64)]


class fc_tokenizer_params(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t),
                ("bpe_path", c_char_p)]


class fc_model_params(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t),
                ("device", c_char_p),
                ("warmup", c_int),
                ("n_threads", c_int),
                ("image_size", c_int),
                ("context_length", c_int),
                ("bpe_path", c_char_p),
                ("kernels", c_int),  # fc_kernels, since 0.3.0
                ("workers", c_int),  # since 0.4.0
                ("micro_batch", c_int),  # since 0.4.0
                ("precision", c_int),  # fc_precision, since 0.5.0
                ("cuda_graphs", c_int)]  # since 0.5.0


class fc_image(ctypes.Structure):
    _fields_ = [("kind", c_int),  # fc_image_kind
                ("path", c_char_p),
                ("data", c_void_p),
                ("size", c_size_t),
                ("pixels", c_void_p),
                ("width", c_int),
                ("height", c_int),
                ("stride", c_size_t),
                ("format", c_int)]  # fc_pixel_format


class fc_encode_params(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t),
                ("normalize", c_int),
                ("order", c_int),       # fc_order
                ("truncation", c_int),  # fc_truncation
                ("max_pixels", c_uint64),
                ("max_bytes", c_uint64)]


STRUCTS = {"fc_error": fc_error,
           "fc_preprocess_params": fc_preprocess_params,
           "fc_tokenizer_params": fc_tokenizer_params,
           "fc_model_params": fc_model_params,
           "fc_image": fc_image,
           "fc_encode_params": fc_encode_params}

# Enum values of fastclip.h.
ORDER_PIL, ORDER_RGB_FIRST = 0, 1
TRUNCATE, NO_TRUNCATE = 0, 1
IMAGE_FILE, IMAGE_MEMORY, IMAGE_PIXELS = 1, 2, 3
PIXEL_GRAY8, PIXEL_GRAYA8, PIXEL_RGB8, PIXEL_RGBA8, PIXEL_BGR8, PIXEL_BGRA8 = 1, 2, 3, 4, 5, 6
KERNELS_FAST, KERNELS_REFERENCE = 0, 1
PRECISIONS = {"auto": 0, "stored": 1, "float32": 2, "tf32": 3, "bfloat16": 4}
VOCAB_SIZE = 49408

_P = ctypes.POINTER
_status = c_int

# name: (restype, argtypes)
PROTOTYPES = {
    "fc_version": (ctypes.c_uint, []),
    "fc_version_string": (c_char_p, []),
    "fc_status_string": (c_char_p, [_status]),
    "fc_preprocess_params_init": (_status, [_P(fc_preprocess_params), c_size_t]),
    "fc_preprocess_output_floats": (c_size_t, [_P(fc_preprocess_params)]),
    "fc_preprocess_file": (_status, [c_char_p, _P(fc_preprocess_params), _P(c_float),
                                     c_size_t, _P(fc_error)]),
    "fc_preprocess_memory": (_status, [c_void_p, c_size_t, _P(fc_preprocess_params),
                                       _P(c_float), c_size_t, _P(fc_error)]),
    "fc_preprocess_pixels": (_status, [c_void_p, c_int, c_int, c_size_t, c_int,
                                       _P(fc_preprocess_params), _P(c_float), c_size_t,
                                       _P(fc_error)]),
    "fc_tokenizer_params_init": (_status, [_P(fc_tokenizer_params), c_size_t]),
    "fc_tokenizer_new": (_status, [_P(fc_tokenizer_params), _P(c_void_p), _P(fc_error)]),
    "fc_tokenizer_free": (None, [c_void_p]),
    "fc_tokenize": (_status, [c_void_p, c_char_p, c_int, c_int, _P(c_int32), c_size_t,
                              _P(c_size_t), _P(fc_error)]),
    "fc_model_params_init": (_status, [_P(fc_model_params), c_size_t]),
    "fc_load": (_status, [c_char_p, c_char_p, _P(fc_model_params), _P(c_void_p),
                          _P(fc_error)]),
    "fc_free": (None, [c_void_p]),
    "fc_model_dim": (c_int, [c_void_p]),
    "fc_model_image_size": (c_int, [c_void_p]),
    "fc_model_context_length": (c_int, [c_void_p]),
    "fc_model_device": (c_char_p, [c_void_p]),
    "fc_model_precision": (c_int, [c_void_p]),
    "fc_model_cuda_graphs": (c_int, [c_void_p, _P(fc_error)]),
    "fc_encode_image_tensors": (_status, [c_void_p, _P(c_float), c_size_t, _P(fc_encode_params),
                                          _P(c_float), c_size_t, _P(fc_error)]),
    "fc_encode_token_ids": (_status, [c_void_p, _P(c_int32), c_size_t, _P(fc_encode_params),
                                      _P(c_float), c_size_t, _P(fc_error)]),
    "fc_image_file": (fc_image, [c_char_p]),
    "fc_image_memory": (fc_image, [c_void_p, c_size_t]),
    "fc_image_pixels": (fc_image, [c_void_p, c_int, c_int, c_size_t, c_int]),
    "fc_encode_params_init": (_status, [_P(fc_encode_params), c_size_t]),
    "fc_encode_image": (_status, [c_void_p, _P(fc_image), _P(fc_encode_params), _P(c_float),
                                  c_size_t, _P(fc_error)]),
    "fc_encode_images": (_status, [c_void_p, _P(fc_image), c_size_t, _P(fc_encode_params),
                                   _P(c_float), c_size_t, _P(c_int), _P(fc_error)]),
    "fc_encode_text": (_status, [c_void_p, c_char_p, _P(fc_encode_params), _P(c_float),
                                 c_size_t, _P(fc_error)]),
    "fc_encode_texts": (_status, [c_void_p, _P(c_char_p), c_size_t, _P(fc_encode_params),
                                  _P(c_float), c_size_t, _P(c_int), _P(fc_error)]),
}


class LibraryNotFoundError(OSError):
    """libfastclip could not be found or loaded (or is too old)."""


def candidates():
    """Where the library is looked for, in order: (description, name or
    path) pairs, generated lazily (find_library runs ldconfig, so it is
    asked last, only when the others failed). FASTCLIP_LIBRARY, when set,
    is the only candidate."""
    env = os.environ.get(ENV_LIBRARY)
    if env:
        yield "%s=%s" % (ENV_LIBRARY, env), env
        return
    here = pathlib.Path(__file__).resolve().parent
    for name in (SONAME, "libfastclip.so"):
        if (here / name).exists():
            yield "next to the package", str(here / name)
    yield "the system path", SONAME
    found = ctypes.util.find_library("fastclip")
    if found and found != SONAME:
        yield "ctypes.util.find_library", found


def _open(name):
    return ctypes.CDLL(name)


def _bind(lib):
    for name, (restype, argtypes) in PROTOTYPES.items():
        f = getattr(lib, name)
        f.restype = restype
        f.argtypes = argtypes
    return lib


def _version_tuple(lib):
    v = lib.fc_version()
    return (v // 10000, v // 100 % 100, v % 100)


_lock = threading.Lock()
_lib = None
_path = None


def load():
    """The loaded library (loaded on first use, once per process)."""
    global _lib, _path
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        tried = []
        for where, name in candidates():
            try:
                lib = _open(name)
            except OSError as e:
                tried.append("%s: %s" % (where, e))
                continue
            try:
                lib.fc_version.restype = ctypes.c_uint
                version = _version_tuple(lib)
            except AttributeError as e:
                tried.append("%s: not libfastclip (%s)" % (where, e))
                continue
            if version < MIN_VERSION:
                tried.append("%s: libfastclip %d.%d.%d is older than the %d.%d.%d this "
                             "package needs" % ((where,) + version + MIN_VERSION))
                continue
            try:
                _bind(lib)
            except AttributeError as e:
                tried.append("%s: %s" % (where, e))
                continue
            _lib = lib
            _path = getattr(lib, "_name", name)
            return _lib
        raise LibraryNotFoundError(
            "cannot load libfastclip (%s); set %s to the path of libfastclip.so.0, "
            "put it next to the fastclip package, or install it on the system path. "
            "Tried: %s" % (SONAME, ENV_LIBRARY, "; ".join(tried)))


def path():
    """The name or path the library was loaded from."""
    load()
    return _path


def library_file():
    """The file the loaded library maps, from /proc/self/maps on Linux;
    None when that cannot be told."""
    lib = load()
    addr = ctypes.cast(lib.fc_version, c_void_p).value
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split(None, 5)
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                if lo <= addr < hi and len(parts) == 6:
                    return parts[5].strip()
    except (OSError, ValueError):
        pass
    return None
