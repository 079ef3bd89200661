/*
 * fastclip.h - libfastclip: CLIP preprocessing, tokenizer and inference, in C.
 *
 * This header is the manual. Anything not declared here is not API.
 *
 * What it does
 *   - Preprocessing: turns an image (a file, bytes in memory, or pixels you
 *     already hold) into the float32 tensor that OpenAI CLIP's Python
 *     preprocessing produces: Pillow's Image.open, torchvision Resize(n,
 *     BICUBIC), CenterCrop(n), convert("RGB"), ToTensor(), Normalize(CLIP
 *     mean, CLIP std). Identical value for value: docs/preprocessing.md.
 *   - Tokenizer: CLIP's, token for token (docs/tokenizer.md).
 *   - Models: loads TorchScript CLIP archives with LibTorch and encodes
 *     images and texts into embeddings equal to Python's (docs/models.md):
 *     fc_load, fc_encode_image, fc_encode_text, fc_free, at the end. On the
 *     CPU, by default within 1e-5 with faster kernels, or bit for bit with
 *     FC_KERNELS_REFERENCE.
 *
 * Usage
 *
 *     #include <fastclip.h>
 *
 *     float *t = malloc(fc_preprocess_output_floats(NULL) * sizeof *t);
 *     fc_error err;
 *     if (fc_preprocess_file("cat.jpg", NULL, t, 3 * 224 * 224, &err) != FC_OK)
 *         fprintf(stderr, "cat.jpg: %s\n", err.message);
 *     // t holds 3 x 224 x 224 floats, CHW, channels R, G, B.
 *
 *     fc_preprocess_params p;
 *     fc_preprocess_params_init(&p, sizeof p);   // defaults
 *     p.size = 336;                              // for ViT-L/14@336px
 *     p.order = FC_ORDER_RGB_FIRST;              // opt-in variant
 *
 * Rules that hold for every function
 *   - Threads: the library has no global mutable state. Any function may be
 *     called from any number of threads at once. Objects you pass in (params,
 *     buffers) are only read, except the outputs you pass, which are written.
 *   - Ownership: the caller owns every buffer. The library never keeps a
 *     pointer to caller memory after a call returns.
 *   - Errors: every function that can fail returns an fc_status. FC_OK (0) is
 *     success; every other value is a failure, and on failure the output
 *     buffer's contents are unspecified (never a partial result reported as
 *     good). When `err` is not NULL it receives the status and a one-line
 *     message naming the problem. `err` may be NULL.
 *   - No C++ exception, signal, abort or exit ever comes out of the library.
 *
 * Versioning: FC_VERSION_* below; the run-time library's version from
 * fc_version(). Status values and struct layouts are append-only.
 */
#ifndef FASTCLIP_H
#define FASTCLIP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && !defined(FC_STATIC)
#  ifdef FC_BUILDING_LIBRARY
#    define FC_API __declspec(dllexport)
#  else
#    define FC_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define FC_API __attribute__((visibility("default")))
#else
#  define FC_API
#endif

/* ---------------------------------------------------------------------------
 * Version. The single source of truth: the Makefile reads these three lines.
 * ------------------------------------------------------------------------- */
#define FC_VERSION_MAJOR 0
#define FC_VERSION_MINOR 5
#define FC_VERSION_PATCH 0
#define FC_VERSION_NUMBER \
    (FC_VERSION_MAJOR * 10000 + FC_VERSION_MINOR * 100 + FC_VERSION_PATCH)

/* The version of the library actually loaded, as FC_VERSION_NUMBER computes
 * it, and as "MAJOR.MINOR.PATCH". The string is static. Since 0.1.0. */
FC_API unsigned fc_version(void);
FC_API const char *fc_version_string(void);

/* ---------------------------------------------------------------------------
 * Status codes. Values are fixed forever; new ones may be added, so treat an
 * unknown non-zero value as a generic failure.
 * ------------------------------------------------------------------------- */
typedef enum fc_status {
    FC_OK = 0,
    FC_ERR_INVALID_ARGUMENT = 1, /* NULL pointer, bad size or bad parameter   */
    FC_ERR_BUFFER_TOO_SMALL = 2, /* the output buffer cannot hold the result  */
    FC_ERR_OUT_OF_MEMORY = 3,    /* an allocation failed                      */
    FC_ERR_IO = 4,               /* a file could not be opened or read        */
    FC_ERR_UNKNOWN_FORMAT = 5,   /* the bytes are not an image we recognise   */
    FC_ERR_UNSUPPORTED = 6,      /* a recognised format, in a variant that
                                    Pillow also rejects or we do not handle
                                    (12-bit JPEG, ...); or models asked of a
                                    libfastclip without its LibTorch backend */
    FC_ERR_CORRUPT = 7,          /* the image data is malformed               */
    FC_ERR_TRUNCATED = 8,        /* the image data ends early                 */
    FC_ERR_TOO_LARGE = 9,        /* over max_pixels or max_bytes              */
    FC_ERR_INTERNAL = 10,        /* a bug in libfastclip; please report it    */
    FC_ERR_INVALID_UTF8 = 11,    /* text is not valid UTF-8                   */
    FC_ERR_TEXT_TOO_LONG = 12,   /* text has more tokens than the context and
                                    truncation was turned off                 */
    FC_ERR_MODEL = 13,           /* the file is not a usable CLIP model, or the
                                    model failed while running                */
    FC_ERR_DEVICE = 14,          /* the requested device is not available     */
    FC_ERR_PARTIAL = 15          /* a batch call encoded some items but not
                                    all: see its per-item statuses            */
} fc_status;

/* A static English name for any status, e.g. "corrupt image data". Never
 * NULL; unknown values give "unknown status". Since 0.1.0. */
FC_API const char *fc_status_string(fc_status status);

/* Where a failing call describes what went wrong. Caller-owned; pass one per
 * call (or per thread). `message` is always NUL-terminated after a call that
 * took this struct; it is "" after success. */
#define FC_ERROR_MESSAGE_SIZE 256
typedef struct fc_error {
    fc_status status;
    char message[FC_ERROR_MESSAGE_SIZE];
} fc_error;

/* ---------------------------------------------------------------------------
 * Preprocessing parameters.
 *
 * Always initialise with fc_preprocess_params_init(&p, sizeof p), then change
 * what you need. The struct only grows at its end; `struct_size` tells the
 * library which fields your program knows about, so a program built against
 * an older header keeps working with a newer library.
 * ------------------------------------------------------------------------- */
typedef enum fc_order {
    /* CLIP's order: resize and crop in the image's own Pillow mode, then
     * convert to RGB. Palette and 1-bit images are resized with nearest
     * neighbour, RGBA and LA with premultiplied alpha. The default. */
    FC_ORDER_PIL = 0,
    /* Convert to RGB first, then resize (bicubic) and crop. Opt-in. */
    FC_ORDER_RGB_FIRST = 1
} fc_order;

typedef struct fc_preprocess_params {
    size_t struct_size; /* set by fc_preprocess_params_init                */
    int size;           /* n: output is 3 x n x n. Default 224.             */
    float mean[3];      /* per-channel mean, R G B. Default CLIP's.         */
    float std[3];       /* per-channel std, R G B, each > 0. Default CLIP's.*/
    fc_order order;     /* Default FC_ORDER_PIL.                            */
    /* Largest image accepted, in pixels (width * height), checked against
     * the header before any large allocation. Default 178956970, Pillow's
     * DecompressionBombError threshold. */
    uint64_t max_pixels;
    /* Largest encoded input accepted (file size or buffer length), in bytes.
     * Default 1 GiB. */
    uint64_t max_bytes;
} fc_preprocess_params;

#define FC_DEFAULT_SIZE 224
#define FC_DEFAULT_MAX_PIXELS 178956970u
#define FC_DEFAULT_MAX_BYTES (1024u * 1024u * 1024u)
#define FC_MAX_SIZE 4096 /* largest accepted params.size */

/* Fills `params` with the defaults. Pass sizeof(*params) as struct_size.
 * Returns FC_ERR_INVALID_ARGUMENT if params is NULL or struct_size is too
 * small to hold even the first version's fields. Since 0.1.0. */
FC_API fc_status fc_preprocess_params_init(fc_preprocess_params *params,
                                           size_t struct_size);

/* Number of floats the output of a preprocess call holds: 3 * n * n, with n
 * from params (NULL means the defaults, so 3 * 224 * 224). Returns 0 if the
 * params are invalid. Since 0.1.0. */
FC_API size_t fc_preprocess_output_floats(const fc_preprocess_params *params);

/* ---------------------------------------------------------------------------
 * Preprocessing.
 *
 * Each function writes 3 * n * n float32 values to `out`, in CHW order with
 * channels R, G, B: out[c * n * n + y * n + x]. `out_floats` is the number
 * of floats `out` can hold; a smaller value gives FC_ERR_BUFFER_TOO_SMALL.
 * `params` may be NULL for the defaults. `err` may be NULL.
 *
 * Formats, chosen by content, never by file name: JPEG (libjpeg-turbo, as
 * Pillow decodes it), PNG, GIF (first frame), BMP, TGA, PNM (PBM, PGM, PPM).
 * No EXIF rotation and no colour management, as in Pillow's default.
 *
 * Returns FC_OK, or FC_ERR_INVALID_ARGUMENT, FC_ERR_BUFFER_TOO_SMALL,
 * FC_ERR_OUT_OF_MEMORY, FC_ERR_IO (file functions only),
 * FC_ERR_UNKNOWN_FORMAT, FC_ERR_UNSUPPORTED, FC_ERR_CORRUPT,
 * FC_ERR_TRUNCATED or FC_ERR_TOO_LARGE.
 * ------------------------------------------------------------------------- */

/* From an image file. Since 0.1.0. */
FC_API fc_status fc_preprocess_file(const char *path,
                                    const fc_preprocess_params *params,
                                    float *out, size_t out_floats,
                                    fc_error *err);

/* From an encoded image held in memory (`size` bytes at `data`). Since 0.1.0. */
FC_API fc_status fc_preprocess_memory(const void *data, size_t size,
                                      const fc_preprocess_params *params,
                                      float *out, size_t out_floats,
                                      fc_error *err);

/* Layouts of caller-held pixels. Each is treated exactly as Pillow treats
 * Image.fromarray() of a uint8 array of that shape: GRAY8 (H x W) is mode L,
 * GRAYA8 (H x W x 2) is LA, RGB8 (H x W x 3) is RGB, RGBA8 (H x W x 4) is
 * RGBA, so RGBA is resized with premultiplied alpha. BGR8 and BGRA8 are the
 * same as RGB8 and RGBA8 with the channel order reversed (OpenCV's order). */
typedef enum fc_pixel_format {
    FC_PIXEL_GRAY8 = 1,
    FC_PIXEL_GRAYA8 = 2,
    FC_PIXEL_RGB8 = 3,
    FC_PIXEL_RGBA8 = 4,
    FC_PIXEL_BGR8 = 5,
    FC_PIXEL_BGRA8 = 6
} fc_pixel_format;

/* From pixels: `height` rows of `width` pixels in `format`, each row starting
 * `stride` bytes after the previous one (stride >= width * bytes per pixel).
 * Since 0.1.0. */
FC_API fc_status fc_preprocess_pixels(const uint8_t *pixels, int width,
                                      int height, size_t stride,
                                      fc_pixel_format format,
                                      const fc_preprocess_params *params,
                                      float *out, size_t out_floats,
                                      fc_error *err);

/* ---------------------------------------------------------------------------
 * Text: CLIP's tokenizer.
 *
 * Token for token what OpenAI's clip.tokenize(text, truncate=True) returns:
 * text cleaning (ftfy's fix_text as far as docs/tokenizer.md says, HTML
 * unescaping, whitespace collapsing, lower-casing), CLIP's split pattern,
 * byte-level BPE, start and end tokens, zero padding.
 * ------------------------------------------------------------------------- */

/* An opaque, immutable tokenizer: the BPE merges and vocabulary. After
 * creation it is only read, so one tokenizer may be used from any number of
 * threads at once. */
typedef struct fc_tokenizer fc_tokenizer;

typedef struct fc_tokenizer_params {
    size_t struct_size; /* set by fc_tokenizer_params_init                 */
    /* Path of a bpe_simple_vocab_16e6.txt.gz to use instead of the copy built
     * into the library; NULL (the default) uses the built-in copy. */
    const char *bpe_path;
} fc_tokenizer_params;

/* Fills `params` with the defaults; pass sizeof(*params). Since 0.1.0. */
FC_API fc_status fc_tokenizer_params_init(fc_tokenizer_params *params,
                                          size_t struct_size);

/* Creates a tokenizer (params may be NULL). On success *out receives it;
 * free it with fc_tokenizer_free. On failure *out is NULL. Since 0.1.0. */
FC_API fc_status fc_tokenizer_new(const fc_tokenizer_params *params,
                                  fc_tokenizer **out, fc_error *err);

/* Frees a tokenizer; NULL is a no-op. Since 0.1.0. */
FC_API void fc_tokenizer_free(fc_tokenizer *tokenizer);

/* Truncation, as clip.tokenize's `truncate` argument. */
typedef enum fc_truncation {
    FC_TRUNCATE = 0,   /* cut to the context, keeping the end token last */
    FC_NO_TRUNCATE = 1 /* FC_ERR_TEXT_TOO_LONG when the text does not fit */
} fc_truncation;

/* Tokenizes NUL-terminated UTF-8 `text` into `context_length` ids written to
 * `ids` (which holds `ids_len` >= context_length values): the start token,
 * the text's tokens, the end token, then zeros. `n_tokens` (may be NULL)
 * receives the number of ids before the padding. Returns FC_OK,
 * FC_ERR_INVALID_ARGUMENT, FC_ERR_BUFFER_TOO_SMALL, FC_ERR_INVALID_UTF8 or
 * FC_ERR_TEXT_TOO_LONG. Since 0.1.0. */
FC_API fc_status fc_tokenize(const fc_tokenizer *tokenizer, const char *text,
                             int context_length, fc_truncation truncation,
                             int32_t *ids, size_t ids_len, size_t *n_tokens,
                             fc_error *err);

/* ---------------------------------------------------------------------------
 * Models: CLIP inference over LibTorch.
 *
 *     fc_model *m;
 *     fc_error err;
 *     if (fc_load("ViT-B-32.pt", "load:cpu", NULL, &m, &err) != FC_OK) {
 *         fprintf(stderr, "%s\n", err.message);
 *         return 1;
 *     }
 *     int dim = fc_model_dim(m);                  // 512 for ViT-B/32
 *     float *img = malloc(dim * sizeof *img), *txt = malloc(dim * sizeof *txt);
 *     fc_image cat = fc_image_file("cat.jpg");
 *     fc_encode_image(m, &cat, NULL, img, dim, &err);
 *     fc_encode_text(m, "a photo of a cat", NULL, txt, dim, &err);
 *     fc_free(m);
 *
 * Models are TorchScript CLIP archives with `encode_image` and `encode_text`
 * methods: OpenAI's released archives (ViT-B-32.pt, ViT-L-14.pt, ...) as
 * they are, or your own scripted or traced export (docs/models.md).
 *
 * Threads: a loaded model is never changed by encoding, so one fc_model may
 * be used from any number of threads at once; results equal serial calls.
 * A model owns worker threads (fc_model_params.workers) that decode and
 * preprocess the items of batch calls while the model runs; the model runs
 * with LibTorch's intra-op thread pool, which is shared by the whole
 * process (see fc_model_params.n_threads).
 * ------------------------------------------------------------------------- */

/* An opaque loaded model. */
typedef struct fc_model fc_model;

/* Which kernels a float32 model runs on the CPU (fc_model_params.kernels).
 * On a GPU, and for "load:cuda", both mean LibTorch's own kernels. */
typedef enum fc_kernels {
    /* The fastest kernels this LibTorch has: the model's linear layers run
     * oneDNN's matmul instead of MKL's sgemm (about 2x faster for ViT-B/32
     * on AMD CPUs, see docs/performance.md). Results differ from Python's
     * by float32 rounding only: within 1e-5, typically a few 1e-6. A
     * LibTorch without that kernel (Debian's 1.13) runs the reference
     * kernels. The default. */
    FC_KERNELS_FAST = 0,
    /* The kernels Python's torch runs for the same archive, so that results
     * are bit-identical to Python's on the same LibTorch build and thread
     * count. */
    FC_KERNELS_REFERENCE = 1
} fc_kernels;

/* The precision a model runs in (fc_model_params.precision). Measured
 * differences from Python's reference for each are in docs/models.md. */
typedef enum fc_precision {
    /* The mode's own: FC_PRECISION_FLOAT32 for "load:cpu",
     * FC_PRECISION_STORED for "load:cuda". The default. */
    FC_PRECISION_AUTO = 0,
    /* As the archive stores its weights and casts (float16 for OpenAI's
     * archives), as clip.load(device="cuda") runs it. GPU only. */
    FC_PRECISION_STORED = 1,
    /* True float32, as clip.load(device="cpu") makes the model: casts to
     * float16 become casts to float32 and the weights float32. On a GPU
     * the matrix products and convolutions run in full float32, not TF32. */
    FC_PRECISION_FLOAT32 = 2,
    /* float32 weights, with the GPU's matrix products and convolutions in
     * TF32 (10-bit mantissa inputs): faster, within about 1e-3 of float32.
     * TF32 is a process-wide LibTorch setting, so a process cannot hold a
     * FLOAT32 and a TF32 model on GPUs at once (FC_ERR_INVALID_ARGUMENT).
     * On the CPU it is FC_PRECISION_FLOAT32. */
    FC_PRECISION_TF32 = 3,
    /* bfloat16 where the archive has float16: its float16 weights become
     * bfloat16 and its casts to float16 casts to bfloat16 (what stays
     * float32 in OpenAI's archives, LayerNorm, stays float32). For archives
     * that store float16 weights (OpenAI's); for others fc_load returns
     * FC_ERR_INVALID_ARGUMENT. */
    FC_PRECISION_BFLOAT16 = 4
} fc_precision;

typedef struct fc_model_params {
    size_t struct_size; /* set by fc_model_params_init                     */
    /* Where the model runs: "cpu", "cuda" or "cuda:N". NULL (the default)
     * means the mode's own device: "cpu" for "load:cpu", "cuda:0" for
     * "load:cuda". A CUDA device with "load:cpu" runs the float32 model on
     * that GPU. */
    const char *device;
    /* Warm-up calls of each tower made by fc_load, so that the first real
     * call is not slowed by TorchScript's profiling and optimisation.
     * Default 2; 0 turns warm-up off. */
    int warmup;
    /* If > 0, sets LibTorch's intra-op thread count. This is process-wide
     * (it changes every LibTorch user in the process), so the default, 0,
     * leaves it alone. */
    int n_threads;
    /* Image side n the model takes. 0 (the default) reads it from the model
     * (its `input_resolution`); set it for an export that does not carry it. */
    int image_size;
    /* Tokens per text. 0 (the default) reads it from the model (its
     * `context_length`, else the length of its `positional_embedding`). */
    int context_length;
    /* Path of a bpe_simple_vocab_16e6.txt.gz to use instead of the copy built
     * into the library; NULL (the default) uses the built-in copy. */
    const char *bpe_path;
    /* Since 0.3.0: FC_KERNELS_FAST (the default) or FC_KERNELS_REFERENCE. */
    fc_kernels kernels;
    /* Since 0.4.0: threads that decode and preprocess (or tokenize) the
     * items of a batch call while the model runs, the calling thread
     * counted. FC_WORKERS_AUTO (the default) is the number of online CPUs;
     * 0 or 1 does everything in the calling thread. The threads belong to
     * the model (started by fc_load, joined by fc_free) and serve all its
     * callers. The worker count never changes a result. */
    int workers;
    /* Since 0.4.0: items per micro-batch, 1 to FC_MAX_MICRO_BATCH. A batch
     * call runs its items through the model this many at a time, preparing
     * the next micro-batch while one runs, so its memory is that of two
     * micro-batches whatever the batch size. Default FC_DEFAULT_MICRO_BATCH.
     * The model's sums may round differently at another batch size, so
     * the last bits of an embedding can depend on this (docs/threading.md). */
    int micro_batch;
    /* Since 0.5.0: FC_PRECISION_AUTO (the default) or another fc_precision. */
    fc_precision precision;
    /* Since 0.5.0, experimental: on a GPU, 1 runs each tower as a CUDA
     * graph captured once per batch-size bucket (1, 2, 3, 4, 6, 8, 12, 16,
     * ... up to micro_batch), a batch being padded to its bucket; 0 (the
     * default) runs the towers op by op. Both give the same bytes: without
     * graphs a batch is padded to its bucket too. Where capture fails the
     * model runs without graphs and fc_model_cuda_graphs says why. Ignored
     * on the CPU. docs/models.md says which archives capture. */
    int cuda_graphs;
} fc_model_params;

#define FC_WORKERS_AUTO (-1)
#define FC_DEFAULT_MICRO_BATCH 64
#define FC_MAX_MICRO_BATCH 4096

/* Fills `params` with the defaults; pass sizeof(*params). Since 0.2.0. */
FC_API fc_status fc_model_params_init(fc_model_params *params,
                                      size_t struct_size);

/* Loads the TorchScript CLIP archive at `path`.
 *
 * `mode` (NULL means "load:cpu"):
 *   "load:cpu"     float32, as OpenAI's clip.load does on the CPU: the
 *                  archive's device constants are pointed at the CPU, its
 *                  casts to float16 become casts to float32, and its weights
 *                  are made float32. The accurate mode.
 *   "load:cuda"    on the GPU, in the archive's own precision (float16 for
 *                  OpenAI's archives). "load:cuda:N" picks GPU N.
 * On success *out receives the model, to be freed with fc_free; on failure
 * *out is NULL. The file is recognised by its first bytes, never its name.
 * fc_load starts the model's worker threads; fc_free joins them.
 * Returns FC_OK, FC_ERR_INVALID_ARGUMENT, FC_ERR_IO (cannot read the file,
 * or not a regular file: never blocks on a FIFO), FC_ERR_MODEL (not a
 * TorchScript archive, no encode_image
 * or encode_text method, outputs of the wrong shape, size unknown),
 * FC_ERR_DEVICE (no such GPU, or a LibTorch without CUDA),
 * FC_ERR_OUT_OF_MEMORY or FC_ERR_UNSUPPORTED (the LibTorch backend,
 * libfastclip_torch.so.<version>, is missing beside libfastclip.so or cannot
 * load: a libfastclip built without LibTorch has none). The backend is
 * loaded by the first fc_load, so programs that only preprocess or tokenize
 * never load LibTorch; FASTCLIP_TORCH_BACKEND=path overrides where it is
 * looked for. Since 0.2.0. */
FC_API fc_status fc_load(const char *path, const char *mode,
                         const fc_model_params *params, fc_model **out,
                         fc_error *err);

/* Frees a model; NULL is a no-op. No call may be using it. Since 0.2.0. */
FC_API void fc_free(fc_model *model);

/* The model's embedding width: floats per output row (512 for ViT-B/32). */
FC_API int fc_model_dim(const fc_model *model);
/* The image side n its images are preprocessed to (224 for ViT-B/32). */
FC_API int fc_model_image_size(const fc_model *model);
/* The number of tokens per text (77 for OpenAI's models). */
FC_API int fc_model_context_length(const fc_model *model);
/* Since 0.5.0: the device the model runs on, "cpu" or "cuda:N". */
FC_API const char *fc_model_device(const fc_model *model);
/* Since 0.5.0: the precision it runs in (never FC_PRECISION_AUTO). */
FC_API fc_precision fc_model_precision(const fc_model *model);
/* Since 0.5.0: 1 if the model's calls replay CUDA graphs, else 0; with
 * `why` not NULL, why->message says which, and why not ("not on a GPU",
 * "turned off by params.cuda_graphs", or the capture's failure). */
FC_API int fc_model_cuda_graphs(const fc_model *model, fc_error *why);

/* An image to encode: a file, encoded bytes in memory, or pixels. Make one
 * with fc_image_file, fc_image_memory or fc_image_pixels. It only points at
 * your data, which must stay valid during the call. */
typedef enum fc_image_kind {
    FC_IMAGE_FILE = 1,
    FC_IMAGE_MEMORY = 2,
    FC_IMAGE_PIXELS = 3
} fc_image_kind;

typedef struct fc_image {
    fc_image_kind kind;
    const char *path;        /* FC_IMAGE_FILE                              */
    const void *data;        /* FC_IMAGE_MEMORY: the encoded bytes ...     */
    size_t size;             /* ... and their count                        */
    const uint8_t *pixels;   /* FC_IMAGE_PIXELS: as fc_preprocess_pixels   */
    int width, height;
    size_t stride;
    fc_pixel_format format;
} fc_image;

FC_API fc_image fc_image_file(const char *path);
FC_API fc_image fc_image_memory(const void *data, size_t size);
FC_API fc_image fc_image_pixels(const uint8_t *pixels, int width, int height,
                                size_t stride, fc_pixel_format format);

typedef struct fc_encode_params {
    size_t struct_size;       /* set by fc_encode_params_init              */
    int normalize;            /* 1: divide each row by its L2 norm (float32).
                                 Default 0.                                */
    fc_order order;           /* image preprocessing order. Default PIL.   */
    fc_truncation truncation; /* long texts. Default FC_TRUNCATE.          */
    uint64_t max_pixels;      /* as in fc_preprocess_params                */
    uint64_t max_bytes;
} fc_encode_params;

/* Fills `params` with the defaults; pass sizeof(*params). Since 0.2.0. */
FC_API fc_status fc_encode_params_init(fc_encode_params *params,
                                       size_t struct_size);

/* ---------------------------------------------------------------------------
 * Encoding. Each output row is fc_model_dim(model) float32 values; `out`
 * holds `out_floats` floats (at least rows * dim, else
 * FC_ERR_BUFFER_TOO_SMALL). `params` may be NULL for the defaults.
 *
 * Images are preprocessed exactly as for fc_preprocess_* at the model's
 * image size, then run through the image tower; texts are tokenized as by
 * fc_tokenize at the model's context length, then run through the text
 * tower. Outputs are always float32, whatever precision the model runs in.
 *
 * Batches give one row per item, in order. They run through the model
 * fc_model_params.micro_batch items at a time, the next micro-batch being
 * prepared by the model's workers meanwhile; memory stays that of two
 * micro-batches whatever the batch size. With `statuses` NULL, the first
 * bad item fails the whole call (its index is in the message). With
 * `statuses` pointing at n values, bad items do not stop the others: each
 * item's status is written there, the rows of bad items are set to zero,
 * and the call returns FC_ERR_PARTIAL if any item failed (FC_OK only when
 * all succeeded). A failure of the model itself fails the whole call.
 *
 * Returns FC_OK, FC_ERR_INVALID_ARGUMENT, FC_ERR_BUFFER_TOO_SMALL, any image
 * error of fc_preprocess_*, FC_ERR_INVALID_UTF8, FC_ERR_TEXT_TOO_LONG,
 * FC_ERR_PARTIAL, FC_ERR_MODEL (the model failed or gave a wrong shape) or
 * FC_ERR_OUT_OF_MEMORY. Since 0.2.0.
 * ------------------------------------------------------------------------- */

FC_API fc_status fc_encode_image(fc_model *model, const fc_image *image,
                                 const fc_encode_params *params, float *out,
                                 size_t out_floats, fc_error *err);

FC_API fc_status fc_encode_images(fc_model *model, const fc_image *images,
                                  size_t n, const fc_encode_params *params,
                                  float *out, size_t out_floats,
                                  fc_status *statuses, fc_error *err);

/* `text` is NUL-terminated UTF-8. */
FC_API fc_status fc_encode_text(fc_model *model, const char *text,
                                const fc_encode_params *params, float *out,
                                size_t out_floats, fc_error *err);

FC_API fc_status fc_encode_texts(fc_model *model, const char *const *texts,
                                 size_t n, const fc_encode_params *params,
                                 float *out, size_t out_floats,
                                 fc_status *statuses, fc_error *err);

/* ---------------------------------------------------------------------------
 * Encoding inputs prepared elsewhere, for callers with their own
 * preprocessing or tokenizer (a torch tensor from Python, say). Since 0.5.0.
 *
 * fc_encode_image_tensors takes `n` images already preprocessed: float32,
 * n x 3 x s x s in C order (NCHW), s = fc_model_image_size(model), as
 * fc_preprocess_* writes them. fc_encode_token_ids takes `n` texts already
 * tokenized: int32, n x c, c = fc_model_context_length(model), as
 * fc_tokenize writes them; every id must be a token of CLIP's vocabulary,
 * 0 to FC_VOCAB_SIZE - 1 (else FC_ERR_INVALID_ARGUMENT, before anything
 * runs). Both run in micro-batches as the calls above, in host memory, and
 * write n rows of fc_model_dim(model) floats; of `params` only `normalize`
 * applies. Returns FC_OK, FC_ERR_INVALID_ARGUMENT, FC_ERR_BUFFER_TOO_SMALL,
 * FC_ERR_MODEL or FC_ERR_OUT_OF_MEMORY.
 * ------------------------------------------------------------------------- */
#define FC_VOCAB_SIZE 49408

FC_API fc_status fc_encode_image_tensors(fc_model *model, const float *pixels,
                                         size_t n,
                                         const fc_encode_params *params,
                                         float *out, size_t out_floats,
                                         fc_error *err);

FC_API fc_status fc_encode_token_ids(fc_model *model, const int32_t *ids,
                                     size_t n, const fc_encode_params *params,
                                     float *out, size_t out_floats,
                                     fc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* FASTCLIP_H */
