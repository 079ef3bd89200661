"""fastclip: OpenAI CLIP's preprocessing, tokenizer and inference from
libfastclip (a C library over LibTorch), through ctypes.

    import fastclip

    with fastclip.Model("ViT-B-32.pt") as model:
        images = model.encode_images(["cat.jpg", "dog.png"], normalize=True)
        texts = model.encode_texts(["a cat", "a dog"], normalize=True)
        scores = images @ texts.T          # cosine similarities

    fastclip.preprocess("cat.jpg")         # float32 (3, 224, 224)
    fastclip.tokenize("a photo of a cat")  # int32 (77,)

Images are paths (str or os.PathLike), encoded bytes (bytes, bytearray,
memoryview) or uint8 numpy arrays (H x W, H x W x 2, H x W x 3, H x W x 4).
Results are numpy arrays equal, bit for bit, to what the C library and the
`fastclip` command give. Failures raise FastclipError (.status, .status_name,
.message); misuse (wrong types, shapes, a closed model) raises TypeError or
ValueError before any C call.

The shared library is found through the FASTCLIP_LIBRARY environment
variable (a path), else next to this package, else on the system path
(libfastclip.so.0). It is loaded on first use. Every call into it releases
the GIL; one Model may be used from many threads at once.

docs/bindings-python.md is the guide.
"""
from ._api import Model, Tokenizer, library_path, preprocess, tokenize, version
from ._errors import FastclipError, Status, status_name
from ._lib import LibraryNotFoundError

# The package's own version: the library version it was written for
# (fastclip.h's FC_VERSION_*; a test keeps the two equal).
__version__ = "0.5.0"

__all__ = ["Model", "Tokenizer", "tokenize", "preprocess", "version", "library_path",
           "FastclipError", "Status", "status_name", "LibraryNotFoundError", "__version__"]
