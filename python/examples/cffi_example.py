#!/usr/bin/env python3
"""libfastclip through cffi in ABI mode: no compiler, no fastclip package,
only the declarations of include/fastclip.h (CDEF below) and the shared
library.

    python cffi_example.py [--library PATH] [--image-size N] [-o OUT.npy]
                           MODEL IMAGE... -- TEXT...

Prints the library's version, each text's CLIP tokens, and the cosine
similarity of every image with every text. With -o it also writes the raw
embeddings, one row per image then one per text, as `fastclip embed -o`
does (float32 .npy).

The library: --library PATH, else $FASTCLIP_LIBRARY, else libfastclip.so.0
on the system path. Needs cffi (pip install cffi) and numpy.

Rules the C API sets, as this example follows them:
  * every *_params struct is filled by its *_params_init(p, sizeof) first;
  * the caller owns every buffer: ffi.new() memory stays alive as long as
    the Python object returned by ffi.new() does, so keep those in
    variables until the call has returned;
  * a failed call returns a non-zero fc_status and writes a message to the
    fc_error passed in.
cffi releases the GIL around each call, so calls from several Python
threads run in parallel (one fc_model may be shared by all of them).
"""
import argparse
import os
import sys

import numpy as np
from cffi import FFI

# The part of fastclip.h this example uses, as cffi reads it: the structs
# must match the header field for field (ABI mode lays them out itself).
CDEF = """
typedef enum fc_status {
    FC_OK = 0, FC_ERR_INVALID_ARGUMENT = 1, FC_ERR_BUFFER_TOO_SMALL = 2,
    FC_ERR_OUT_OF_MEMORY = 3, FC_ERR_IO = 4, FC_ERR_UNKNOWN_FORMAT = 5,
    FC_ERR_UNSUPPORTED = 6, FC_ERR_CORRUPT = 7, FC_ERR_TRUNCATED = 8,
    FC_ERR_TOO_LARGE = 9, FC_ERR_INTERNAL = 10, FC_ERR_INVALID_UTF8 = 11,
    FC_ERR_TEXT_TOO_LONG = 12, FC_ERR_MODEL = 13, FC_ERR_DEVICE = 14,
    FC_ERR_PARTIAL = 15
} fc_status;

#define FC_ERROR_MESSAGE_SIZE 256
typedef struct fc_error {
    fc_status status;
    char message[FC_ERROR_MESSAGE_SIZE];
} fc_error;

typedef enum fc_order { FC_ORDER_PIL = 0, FC_ORDER_RGB_FIRST = 1 } fc_order;
typedef enum fc_truncation { FC_TRUNCATE = 0, FC_NO_TRUNCATE = 1 } fc_truncation;
typedef enum fc_image_kind {
    FC_IMAGE_FILE = 1, FC_IMAGE_MEMORY = 2, FC_IMAGE_PIXELS = 3
} fc_image_kind;
typedef enum fc_pixel_format {
    FC_PIXEL_GRAY8 = 1, FC_PIXEL_GRAYA8 = 2, FC_PIXEL_RGB8 = 3,
    FC_PIXEL_RGBA8 = 4, FC_PIXEL_BGR8 = 5, FC_PIXEL_BGRA8 = 6
} fc_pixel_format;

typedef struct fc_preprocess_params {
    size_t struct_size;
    int size;
    float mean[3];
    float std[3];
    fc_order order;
    uint64_t max_pixels;
    uint64_t max_bytes;
} fc_preprocess_params;

typedef struct fc_tokenizer fc_tokenizer;
typedef struct fc_tokenizer_params {
    size_t struct_size;
    const char *bpe_path;
} fc_tokenizer_params;

typedef struct fc_model fc_model;
typedef enum fc_kernels { FC_KERNELS_FAST = 0, FC_KERNELS_REFERENCE = 1 } fc_kernels;
typedef enum fc_precision {
    FC_PRECISION_AUTO = 0, FC_PRECISION_STORED = 1, FC_PRECISION_FLOAT32 = 2,
    FC_PRECISION_TF32 = 3, FC_PRECISION_BFLOAT16 = 4
} fc_precision;
typedef struct fc_model_params {
    size_t struct_size;
    const char *device;
    int warmup;
    int n_threads;
    int image_size;
    int context_length;
    const char *bpe_path;
    fc_kernels kernels;    /* since 0.3.0 */
    int workers;           /* since 0.4.0 */
    int micro_batch;       /* since 0.4.0 */
    fc_precision precision; /* since 0.5.0 */
    int cuda_graphs;       /* since 0.5.0 */
} fc_model_params;

typedef struct fc_image {
    fc_image_kind kind;
    const char *path;
    const void *data;
    size_t size;
    const uint8_t *pixels;
    int width, height;
    size_t stride;
    fc_pixel_format format;
} fc_image;

typedef struct fc_encode_params {
    size_t struct_size;
    int normalize;
    fc_order order;
    fc_truncation truncation;
    uint64_t max_pixels;
    uint64_t max_bytes;
} fc_encode_params;

unsigned fc_version(void);
const char *fc_version_string(void);
const char *fc_status_string(fc_status status);

fc_status fc_preprocess_params_init(fc_preprocess_params *params, size_t struct_size);
size_t fc_preprocess_output_floats(const fc_preprocess_params *params);
fc_status fc_preprocess_file(const char *path, const fc_preprocess_params *params,
                             float *out, size_t out_floats, fc_error *err);
fc_status fc_preprocess_memory(const void *data, size_t size,
                               const fc_preprocess_params *params,
                               float *out, size_t out_floats, fc_error *err);
fc_status fc_preprocess_pixels(const uint8_t *pixels, int width, int height,
                               size_t stride, fc_pixel_format format,
                               const fc_preprocess_params *params,
                               float *out, size_t out_floats, fc_error *err);

fc_status fc_tokenizer_params_init(fc_tokenizer_params *params, size_t struct_size);
fc_status fc_tokenizer_new(const fc_tokenizer_params *params, fc_tokenizer **out,
                           fc_error *err);
void fc_tokenizer_free(fc_tokenizer *tokenizer);
fc_status fc_tokenize(const fc_tokenizer *tokenizer, const char *text,
                      int context_length, fc_truncation truncation,
                      int32_t *ids, size_t ids_len, size_t *n_tokens, fc_error *err);

fc_status fc_model_params_init(fc_model_params *params, size_t struct_size);
fc_status fc_load(const char *path, const char *mode, const fc_model_params *params,
                  fc_model **out, fc_error *err);
void fc_free(fc_model *model);
int fc_model_dim(const fc_model *model);
int fc_model_image_size(const fc_model *model);
int fc_model_context_length(const fc_model *model);
const char *fc_model_device(const fc_model *model);
fc_precision fc_model_precision(const fc_model *model);
int fc_model_cuda_graphs(const fc_model *model, fc_error *why);

fc_image fc_image_file(const char *path);
fc_image fc_image_memory(const void *data, size_t size);
fc_image fc_image_pixels(const uint8_t *pixels, int width, int height,
                         size_t stride, fc_pixel_format format);

fc_status fc_encode_params_init(fc_encode_params *params, size_t struct_size);
fc_status fc_encode_image(fc_model *model, const fc_image *image,
                          const fc_encode_params *params, float *out,
                          size_t out_floats, fc_error *err);
fc_status fc_encode_images(fc_model *model, const fc_image *images, size_t n,
                           const fc_encode_params *params, float *out,
                           size_t out_floats, fc_status *statuses, fc_error *err);
fc_status fc_encode_text(fc_model *model, const char *text,
                         const fc_encode_params *params, float *out,
                         size_t out_floats, fc_error *err);
fc_status fc_encode_texts(fc_model *model, const char *const *texts, size_t n,
                          const fc_encode_params *params, float *out,
                          size_t out_floats, fc_status *statuses, fc_error *err);
fc_status fc_encode_image_tensors(fc_model *model, const float *pixels, size_t n,
                                  const fc_encode_params *params, float *out,
                                  size_t out_floats, fc_error *err);
fc_status fc_encode_token_ids(fc_model *model, const int32_t *ids, size_t n,
                              const fc_encode_params *params, float *out,
                              size_t out_floats, fc_error *err);
"""

ffi = FFI()
ffi.cdef(CDEF)


def open_library(path=None):
    """The library, by ffi.dlopen (ABI mode)."""
    return ffi.dlopen(path or os.environ.get("FASTCLIP_LIBRARY") or "libfastclip.so.0")


class FastclipError(Exception):
    pass


def check(lib, status, err):
    """Raises with the library's message when a call failed."""
    if status != lib.FC_OK:
        raise FastclipError("%s (%s)" % (ffi.string(err.message).decode("utf-8", "replace"),
                                         ffi.string(lib.fc_status_string(status)).decode()))


def tokenize(lib, texts, context_length=77):
    params = ffi.new("fc_tokenizer_params *")
    lib.fc_tokenizer_params_init(params, ffi.sizeof("fc_tokenizer_params"))
    tok = ffi.new("fc_tokenizer **")
    err = ffi.new("fc_error *")
    check(lib, lib.fc_tokenizer_new(params, tok, err), err)
    try:
        out = []
        ids = ffi.new("int32_t[]", context_length)
        n_tokens = ffi.new("size_t *")
        for text in texts:
            check(lib, lib.fc_tokenize(tok[0], text.encode("utf-8"), context_length,
                                       lib.FC_TRUNCATE, ids, context_length, n_tokens, err), err)
            out.append(list(ids)[:n_tokens[0]])
        return out
    finally:
        lib.fc_tokenizer_free(tok[0])


def embed(lib, model_path, image_paths, texts, image_size=0):
    """(images [n, dim], texts [m, dim]) float32, not normalised, each set
    in one batch call."""
    load = ffi.new("fc_model_params *")
    lib.fc_model_params_init(load, ffi.sizeof("fc_model_params"))
    load.image_size = image_size
    model_p = ffi.new("fc_model **")
    err = ffi.new("fc_error *")
    check(lib, lib.fc_load(os.fsencode(model_path), b"load:cpu", load, model_p, err), err)
    model = model_p[0]
    try:
        dim = lib.fc_model_dim(model)
        params = ffi.new("fc_encode_params *")
        lib.fc_encode_params_init(params, ffi.sizeof("fc_encode_params"))

        # Images: an array of fc_image made by fc_image_file; the path
        # strings must outlive the call, so they are kept in `paths`.
        paths = [ffi.new("char[]", os.fsencode(p)) for p in image_paths]
        images = ffi.new("fc_image[]", len(paths))
        for i, p in enumerate(paths):
            images[i] = lib.fc_image_file(p)
        image_out = ffi.new("float[]", max(1, len(paths) * dim))
        if paths:
            check(lib, lib.fc_encode_images(model, images, len(paths), params, image_out,
                                            len(paths) * dim, ffi.NULL, err), err)

        strings = [ffi.new("char[]", t.encode("utf-8")) for t in texts]
        text_array = ffi.new("const char *[]", strings)
        text_out = ffi.new("float[]", max(1, len(texts) * dim))
        if texts:
            check(lib, lib.fc_encode_texts(model, text_array, len(texts), params, text_out,
                                           len(texts) * dim, ffi.NULL, err), err)

        def rows(buf, n):
            return np.frombuffer(ffi.buffer(buf), np.float32)[:n * dim].reshape(n, dim).copy()
        return rows(image_out, len(paths)), rows(text_out, len(texts))
    finally:
        lib.fc_free(model)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--library")
    ap.add_argument("--image-size", type=int, default=0)
    ap.add_argument("-o", "--out")
    ap.add_argument("model")
    ap.add_argument("images", nargs="+", metavar="IMAGE")
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--" not in argv:
        ap.error("give the images, then --, then the texts")
    split = argv.index("--")
    args = ap.parse_args(argv[:split])
    images, texts = args.images, argv[split + 1:]
    if not texts:
        ap.error("no texts after --")

    lib = open_library(args.library)
    print("libfastclip", ffi.string(lib.fc_version_string()).decode())
    for text, ids in zip(texts, tokenize(lib, texts)):
        print("tokens %r: %s" % (text, " ".join(map(str, ids))))
    try:
        image_rows, text_rows = embed(lib, args.model, images, texts, args.image_size)
    except FastclipError as e:
        print("error:", e, file=sys.stderr)
        return 1
    if args.out:
        np.save(args.out, np.concatenate([image_rows, text_rows]))
    a = image_rows / np.linalg.norm(image_rows, axis=1, keepdims=True)
    b = text_rows / np.linalg.norm(text_rows, axis=1, keepdims=True)
    print("\t".join(["image"] + texts))
    for path, row in zip(images, a @ b.T):
        print("\t".join([path] + ["%.6f" % v for v in row]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
