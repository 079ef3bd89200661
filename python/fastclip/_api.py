"""The public classes and functions: Model, Tokenizer, tokenize, preprocess."""
import ctypes
import threading

import numpy as np

from . import _lib
from ._errors import FastclipError, Status, raise_for
from ._sources import (as_list, c_bool_arg, c_int_arg, c_uint64_arg, image_source,
                       optional_str_bytes, path_bytes, text_bytes)

_byref = ctypes.byref
_float_p = ctypes.POINTER(ctypes.c_float)
_int32_p = ctypes.POINTER(ctypes.c_int32)
_int_p = ctypes.POINTER(ctypes.c_int)


def _floats(arr):
    return arr.ctypes.data_as(_float_p)


class _Handle:
    """A C object that close() frees. Calls hold it for their duration
    (_acquire/_release, with no lock held during the C call, so threads run
    in parallel); close() stops new calls, waits for running ones, then
    frees. Using it after close() raises ValueError."""
    _free_name = None

    def __init__(self, handle):
        self._handle = handle
        self._active = 0
        self._cv = threading.Condition(threading.Lock())

    def _acquire(self):
        with self._cv:
            if self._handle is None:
                raise ValueError("%s is closed" % type(self).__name__)
            self._active += 1
            return self._handle

    def _release(self):
        with self._cv:
            self._active -= 1
            if self._active == 0:
                self._cv.notify_all()

    @property
    def closed(self):
        return self._handle is None

    def close(self):
        """Frees the C object, after waiting for calls other threads are
        making with it. Calling it again does nothing."""
        with self._cv:
            handle, self._handle = self._handle, None
            while self._active:
                self._cv.wait()
        if handle is not None:
            getattr(_lib.load(), self._free_name)(handle)

    def __enter__(self):
        if self._handle is None:
            raise ValueError("%s is closed" % type(self).__name__)
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle is not None:
            try:
                getattr(_lib.load(), self._free_name)(handle)
            except Exception:  # interpreter shutdown
                pass


def _errors_arg(errors):
    if errors not in ("raise", "return"):
        raise ValueError('errors must be "raise" or "return", not %r' % (errors,))
    return errors == "return"


# Model(kernels=...): the values fc_model_params.kernels takes (fc_kernels).
KERNELS = {"fast": _lib.KERNELS_FAST, "reference": _lib.KERNELS_REFERENCE}


def _precision_arg(precision):
    if precision is None:
        return _lib.PRECISIONS["auto"]
    if not isinstance(precision, str) or precision not in _lib.PRECISIONS:
        raise ValueError("precision must be None or one of %s, not %r"
                         % (", ".join(repr(k) for k in _lib.PRECISIONS), precision))
    return _lib.PRECISIONS[precision]


def _kernels_arg(kernels):
    if not (isinstance(kernels, str) and kernels in KERNELS):
        raise ValueError('kernels must be "fast" or "reference", not %r' % (kernels,))
    return KERNELS[kernels]


class Model(_Handle):
    """A TorchScript CLIP archive loaded by fc_load.

        with fastclip.Model("ViT-B-32.pt") as model:
            image = model.encode_image("photo.jpg", normalize=True)
            text = model.encode_text("a photo of a cat", normalize=True)
            score = float(image @ text)

    mode: "load:cpu" (float32, the default) or "load:cuda[:N]" (the
    archive's precision); device: None (the mode's), "cpu", "cuda",
    "cuda:N"; warmup: warm-up runs of each tower at load (default 2);
    image_size, context_length: for an export that does not carry them (0:
    read from the model); n_threads: > 0 sets LibTorch's intra-op threads
    for the whole process; bpe_path: another bpe_simple_vocab_16e6.txt.gz.

    workers: threads that decode and preprocess the images (or tokenize the
    texts) of a batch call while the model runs, the calling thread counted
    (fc_model_params.workers): None (the default) is one per CPU, 0 or 1 the
    calling thread only. The count never changes a result.
    batch_size: images or texts per model run (fc_model_params.micro_batch,
    default 64): a batch call runs its items this many at a time, so its
    memory does not grow with the batch. The last bits of an embedding can
    depend on it (the model sums in another order at another batch size).

    kernels: which CPU kernels a float32 model runs (fc_model_params.kernels).
    "fast" (the default): the linear layers run oneDNN's matmul, about 2x
    faster, with results within 1e-5 of Python's torch (typically a few
    1e-6 off). "reference": the kernels Python's torch runs, for results
    bit-identical to Python's on the same LibTorch. On a GPU ("load:cuda",
    or a CUDA device) both mean the same. Any other value raises ValueError
    before the library is called.

    precision (fc_model_params.precision): None (the mode's: "float32"
    for load:cpu, "stored" for load:cuda), "stored" (the archive's own,
    float16 for OpenAI's; GPU only), "float32" (true float32, no TF32 on a
    GPU), "tf32" (float32 with TF32 matrix products on a GPU; float32 on the
    CPU) or "bfloat16". cuda_graphs (experimental, default False): on a GPU,
    replay each tower as a CUDA graph per batch-size bucket; the same bytes
    either way.

    One Model may be used from any number of threads at once; every call
    releases the GIL while the library works. close() (or leaving the with
    block) frees it; using it afterwards raises ValueError.
    Raises FastclipError (Status.IO, MODEL, DEVICE, UNSUPPORTED, ...) when
    the archive cannot be loaded.
    """
    _free_name = "fc_free"

    def __init__(self, path, mode="load:cpu", device=None, warmup=2, image_size=0,
                 context_length=0, n_threads=0, bpe_path=None, kernels="fast",
                 workers=None, batch_size=None, precision=None, cuda_graphs=False):
        self._handle = None
        path_b = path_bytes(path, "model path")
        mode_b = optional_str_bytes(mode, "mode")
        kernels_c = _kernels_arg(kernels)
        precision_c = _precision_arg(precision)
        graphs_c = c_bool_arg(cuda_graphs, "cuda_graphs")
        lib = _lib.load()
        params = _lib.fc_model_params()
        lib.fc_model_params_init(_byref(params), ctypes.sizeof(params))
        params.device = optional_str_bytes(device, "device")
        params.warmup = c_int_arg(warmup, "warmup")
        params.image_size = c_int_arg(image_size, "image_size")
        params.context_length = c_int_arg(context_length, "context_length")
        params.n_threads = c_int_arg(n_threads, "n_threads")
        if bpe_path is not None:
            params.bpe_path = path_bytes(bpe_path, "bpe_path")
        params.kernels = kernels_c
        params.precision = precision_c
        params.cuda_graphs = graphs_c
        if workers is not None:
            params.workers = c_int_arg(workers, "workers")
        if batch_size is not None:
            params.micro_batch = c_int_arg(batch_size, "batch_size")
        handle = ctypes.c_void_p()
        err = _lib.fc_error()
        status = lib.fc_load(path_b, mode_b, _byref(params), _byref(handle), _byref(err))
        if status != Status.OK:
            raise_for(status, err)
        super().__init__(handle.value)
        self.path = path
        self.mode = mode
        self.kernels = kernels
        self._dim = lib.fc_model_dim(handle)
        self._image_size = lib.fc_model_image_size(handle)
        self._context_length = lib.fc_model_context_length(handle)
        self._device = lib.fc_model_device(handle).decode()
        code = lib.fc_model_precision(handle)
        self._precision = next(k for k, v in _lib.PRECISIONS.items() if v == code)

    @property
    def dim(self):
        """Floats per embedding (512 for ViT-B/32)."""
        return self._dim

    @property
    def image_size(self):
        """The side n images are preprocessed to (224 for ViT-B/32)."""
        return self._image_size

    @property
    def context_length(self):
        """Tokens per text (77 for OpenAI's models)."""
        return self._context_length

    @property
    def device(self):
        """Where the model runs: "cpu" or "cuda:N"."""
        return self._device

    @property
    def precision(self):
        """The precision it runs in: "stored", "float32", "tf32" or
        "bfloat16"."""
        return self._precision

    @property
    def cuda_graphs(self):
        """(on, why): whether calls replay CUDA graphs, and a line saying
        which, and why not."""
        err = _lib.fc_error()
        handle = self._acquire()
        try:
            on = _lib.load().fc_model_cuda_graphs(handle, _byref(err))
        finally:
            self._release()
        return bool(on), err.message.decode("utf-8", "replace")

    def __repr__(self):
        state = "closed" if self.closed else "dim=%d, image_size=%d, context_length=%d" % (
            self._dim, self._image_size, self._context_length)
        return "<fastclip.Model %r %s>" % (str(self.path), state)

    def _params(self, normalize, rgb_first, truncate, max_pixels, max_bytes):
        p = _lib.fc_encode_params()
        _lib.load().fc_encode_params_init(_byref(p), ctypes.sizeof(p))
        p.normalize = c_bool_arg(normalize, "normalize")
        p.order = _lib.ORDER_RGB_FIRST if c_bool_arg(rgb_first, "rgb_first") else _lib.ORDER_PIL
        p.truncation = _lib.TRUNCATE if c_bool_arg(truncate, "truncate") else _lib.NO_TRUNCATE
        if max_pixels is not None:
            p.max_pixels = c_uint64_arg(max_pixels, "max_pixels")
        if max_bytes is not None:
            p.max_bytes = c_uint64_arg(max_bytes, "max_bytes")
        return p

    def encode_image(self, image, normalize=False, rgb_first=False, *, bgr=False,
                     max_pixels=None, max_bytes=None):
        """One image's embedding, float32 (dim,).

        image: a path (str or os.PathLike), an encoded image (bytes,
        bytearray, memoryview), or a uint8 numpy array H x W (gray),
        H x W x 2 (gray + alpha), H x W x 3 (RGB) or H x W x 4 (RGBA),
        any strides; bgr=True reads 3 and 4 channels as BGR/BGRA (OpenCV).
        normalize: divide by the L2 norm. rgb_first: convert to RGB before
        resizing instead of CLIP's order. max_pixels, max_bytes: limits
        (default: the library's)."""
        params = self._params(normalize, rgb_first, True, max_pixels, max_bytes)
        src = image_source(image, bgr)
        lib = _lib.load()
        img = src.fc_image(lib)
        out = np.empty(self._dim, np.float32)
        err = _lib.fc_error()
        handle = self._acquire()
        try:
            status = lib.fc_encode_image(handle, _byref(img), _byref(params), _floats(out),
                                         out.size, _byref(err))
        finally:
            self._release()
        if status != Status.OK:
            raise_for(status, err)
        return out

    def encode_images(self, images, normalize=False, rgb_first=False, *, bgr=False,
                      max_pixels=None, max_bytes=None, errors="raise"):
        """Embeddings of a list of images (each as for encode_image), in one
        batch: float32 (n, dim), one row per image, in order.

        errors="raise" (the default): the first bad image raises
        FastclipError, whose message names its index. errors="return": bad
        images do not stop the others; returns (embeddings, statuses), where
        statuses is an int32 array of one Status per image (0 for OK) and a
        bad image's row is zeros. A failure of the model itself still
        raises."""
        return_errors = _errors_arg(errors)
        params = self._params(normalize, rgb_first, True, max_pixels, max_bytes)
        sources = [image_source(x, bgr) for x in as_list(images, "encode_images")]
        lib = _lib.load()
        array = (_lib.fc_image * len(sources))(*[s.fc_image(lib) for s in sources])
        return self._batch(lib.fc_encode_images, array, len(sources), params, return_errors)

    def encode_text(self, text, normalize=False, truncate=True):
        """One text's embedding, float32 (dim,). text: a str (or UTF-8
        bytes). truncate=False raises FastclipError (Status.TEXT_TOO_LONG)
        for a text longer than the context instead of cutting it."""
        params = self._params(normalize, False, truncate, None, None)
        b = text_bytes(text)
        out = np.empty(self._dim, np.float32)
        err = _lib.fc_error()
        lib = _lib.load()
        handle = self._acquire()
        try:
            status = lib.fc_encode_text(handle, b, _byref(params), _floats(out), out.size,
                                        _byref(err))
        finally:
            self._release()
        if status != Status.OK:
            raise_for(status, err)
        return out

    def encode_texts(self, texts, normalize=False, truncate=True, *, errors="raise"):
        """Embeddings of a list of texts, in one batch: float32 (n, dim).
        errors as for encode_images."""
        return_errors = _errors_arg(errors)
        params = self._params(normalize, False, truncate, None, None)
        encoded = [text_bytes(t) for t in as_list(texts, "encode_texts")]
        lib = _lib.load()
        array = (ctypes.c_char_p * len(encoded))(*encoded)
        return self._batch(lib.fc_encode_texts, array, len(encoded), params, return_errors)

    def encode_image_tensors(self, pixels, normalize=False):
        """Embeddings of images already preprocessed: pixels is a float32
        array (n, 3, s, s), s = image_size, as fastclip.preprocess or CLIP's
        transform make them (any array-like; copied to C order if needed).
        Returns float32 (n, dim)."""
        s = self._image_size
        a = np.ascontiguousarray(pixels, dtype=np.float32)
        if a.ndim == 3:
            a = a[None]
        if a.ndim != 4 or a.shape[1:] != (3, s, s):
            raise ValueError("pixels must have shape (n, 3, %d, %d), not %s"
                             % (s, s, tuple(np.shape(pixels))))
        return self._prepared(_lib.load().fc_encode_image_tensors, a, _floats(a), normalize)

    def encode_token_ids(self, ids, normalize=False):
        """Embeddings of texts already tokenized: ids is an integer array
        (n, context_length), as fastclip.tokenize or clip.tokenize make them;
        every id must be 0 to 49407. Returns float32 (n, dim)."""
        c = self._context_length
        raw = np.asarray(ids)
        if raw.dtype.kind not in "iu":
            raise ValueError("ids must be integers, not %s" % raw.dtype)
        if raw.ndim == 1:
            raw = raw[None]
        if raw.ndim != 2 or raw.shape[1] != c:
            raise ValueError("ids must have shape (n, %d), not %s" % (c, tuple(np.shape(ids))))
        if raw.size and (raw.min() < 0 or raw.max() >= _lib.VOCAB_SIZE):
            raise ValueError("ids must be 0 to %d; got %d to %d"
                             % (_lib.VOCAB_SIZE - 1, raw.min(), raw.max()))
        a = np.ascontiguousarray(raw, dtype=np.int32)
        return self._prepared(_lib.load().fc_encode_token_ids, a,
                              a.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), normalize)

    def _prepared(self, fn, array, pointer, normalize):
        params = self._params(normalize, False, True, None, None)
        n = array.shape[0]
        out = np.zeros((n, self._dim), np.float32)
        if n == 0:
            return out
        err = _lib.fc_error()
        handle = self._acquire()
        try:
            status = fn(handle, pointer, n, _byref(params), _floats(out), out.size, _byref(err))
        finally:
            self._release()
        if status != Status.OK:
            raise_for(status, err)
        return out

    def _batch(self, fn, array, n, params, return_errors):
        """fc_encode_images / fc_encode_texts on a ctypes array of n items:
        the (n, dim) rows, with the statuses when return_errors."""
        out = np.zeros((n, self._dim), np.float32)
        statuses = np.zeros(n, np.int32)
        if n == 0:
            return (out, statuses) if return_errors else out
        err = _lib.fc_error()
        status_p = statuses.ctypes.data_as(_int_p) if return_errors else None
        handle = self._acquire()
        try:
            status = fn(handle, array, n, _byref(params), _floats(out), out.size, status_p,
                        _byref(err))
        finally:
            self._release()
        if return_errors and status == Status.PARTIAL:
            return out, statuses
        if status != Status.OK:
            raise_for(status, err)
        return (out, statuses) if return_errors else out


class Tokenizer(_Handle):
    """CLIP's tokenizer (fc_tokenizer): the built-in BPE merges, or those of
    bpe_path. Immutable; one may be used from any number of threads.
    fastclip.tokenize uses a shared default one."""
    _free_name = "fc_tokenizer_free"

    def __init__(self, bpe_path=None):
        self._handle = None
        lib = _lib.load()
        params = _lib.fc_tokenizer_params()
        lib.fc_tokenizer_params_init(_byref(params), ctypes.sizeof(params))
        if bpe_path is not None:
            params.bpe_path = path_bytes(bpe_path, "bpe_path")
        handle = ctypes.c_void_p()
        err = _lib.fc_error()
        status = lib.fc_tokenizer_new(_byref(params), _byref(handle), _byref(err))
        if status != Status.OK:
            raise_for(status, err)
        super().__init__(handle.value)

    def tokenize(self, text, context_length=77, truncate=True):
        """As fastclip.tokenize."""
        ctx = c_int_arg(context_length, "context_length")
        trunc = _lib.TRUNCATE if c_bool_arg(truncate, "truncate") else _lib.NO_TRUNCATE
        single = isinstance(text, (str, bytes, bytearray))
        texts = [text_bytes(text)] if single else [text_bytes(t) for t in
                                                   as_list(text, "tokenize")]
        ids = np.zeros((len(texts), max(ctx, 1)), np.int32)
        lib = _lib.load()
        err = _lib.fc_error()
        status, failed = Status.OK, None
        handle = self._acquire()
        try:
            for i, b in enumerate(texts):
                row = ids[i]
                status = lib.fc_tokenize(handle, b, ctx, trunc, row.ctypes.data_as(_int32_p),
                                         row.size, None, _byref(err))
                if status != Status.OK:
                    failed = i
                    break
        finally:
            self._release()
        if failed is not None:
            if single:
                raise_for(status, err)
            raise FastclipError(status, "text %d: %s" % (
                failed, err.message.decode("utf-8", "replace")))
        return ids[0] if single else ids


_default_tokenizer = None
_default_lock = threading.Lock()


def default_tokenizer():
    """The Tokenizer tokenize() uses (built-in merges), made once."""
    global _default_tokenizer
    if _default_tokenizer is None:
        with _default_lock:
            if _default_tokenizer is None:
                _default_tokenizer = Tokenizer()
    return _default_tokenizer


def tokenize(text, context_length=77, truncate=True):
    """CLIP's token ids, as clip.tokenize(text, context_length, truncate):
    int32 (context_length,) for one str, (n, context_length) for a list.
    truncate=False raises FastclipError (Status.TEXT_TOO_LONG) for a text
    that does not fit."""
    return default_tokenizer().tokenize(text, context_length, truncate)


def preprocess(image, size=224, rgb_first=False, *, bgr=False, mean=None, std=None,
               max_pixels=None, max_bytes=None):
    """CLIP's image transform: float32 (3, size, size), channels R, G, B,
    bit-identical to Pillow + torchvision's Resize(size, BICUBIC),
    CenterCrop(size), ToTensor(), Normalize(mean, std). image as for
    Model.encode_image; mean, std: 3 floats each (default CLIP's)."""
    lib = _lib.load()
    params = _lib.fc_preprocess_params()
    lib.fc_preprocess_params_init(_byref(params), ctypes.sizeof(params))
    params.size = c_int_arg(size, "size")
    params.order = _lib.ORDER_RGB_FIRST if c_bool_arg(rgb_first, "rgb_first") else _lib.ORDER_PIL
    for name, value in (("mean", mean), ("std", std)):
        if value is not None:
            v = np.asarray(value, np.float64)
            if v.shape != (3,):
                raise ValueError("%s must hold 3 values (R, G, B), got shape %s" % (name, v.shape))
            setattr(params, name, (ctypes.c_float * 3)(*v.tolist()))
    if max_pixels is not None:
        params.max_pixels = c_uint64_arg(max_pixels, "max_pixels")
    if max_bytes is not None:
        params.max_bytes = c_uint64_arg(max_bytes, "max_bytes")
    src = image_source(image, bgr)
    count = lib.fc_preprocess_output_floats(_byref(params))
    n = params.size if count else 0
    # With invalid params count is 0: the call below still runs, so that the
    # library's message says what is wrong.
    out = np.empty(max(count, 1), np.float32)
    err = _lib.fc_error()
    p, floats = _byref(params), _floats(out)
    if src.kind == _lib.IMAGE_FILE:
        status = lib.fc_preprocess_file(src.path, p, floats, count, _byref(err))
    elif src.kind == _lib.IMAGE_MEMORY:
        status = lib.fc_preprocess_memory(src.data, src.size, p, floats, count, _byref(err))
    else:
        status = lib.fc_preprocess_pixels(src.pixels, src.width, src.height, src.stride,
                                          src.format, p, floats, count, _byref(err))
    if status != Status.OK:
        raise_for(status, err)
    if not count:  # pragma: no cover - the library rejects what gave count 0
        raise FastclipError(Status.INVALID_ARGUMENT, "invalid preprocessing parameters")
    return out.reshape(3, n, n)


def version():
    """The loaded library's version, "MAJOR.MINOR.PATCH" (fc_version_string)."""
    return _lib.load().fc_version_string().decode("ascii")


def library_path():
    """The file of the loaded libfastclip (or the name it was loaded by)."""
    return _lib.library_file() or _lib.path()
