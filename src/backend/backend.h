/* The backend interface: tensors in, tensors out.
 *
 * A backend runs the two towers of a CLIP model. It is handed images that
 * are already preprocessed (float32, N x 3 x n x n, host memory) and texts
 * that are already tokenized (int32 ids, N x context, host memory), and it
 * writes float32 embeddings (N x dim, host memory). Everything else is the
 * C layer's: argument checks, preprocessing, tokenizing, micro-batches and
 * worker threads, per-item statuses, L2 normalisation (src/model/,
 * src/pipeline/).
 *
 * A backend never calls libfastclip and does not link it: it includes this
 * header and, for its types only, fastclip.h. Each backend is a shared
 * library of its own (LibTorch is large, and a program that only
 * preprocesses should not load it), exporting one function that returns
 * its table; src/backend/loader.c says which file holds which backend and
 * which model files go to it.
 *
 * Threads: load and free are never called at the same time as anything
 * else on the same model. run_image and run_text may be called from any
 * number of threads at once on one model, and must give the same bytes as
 * serial calls for the same inputs. */
#ifndef FC_BACKEND_BACKEND_H
#define FC_BACKEND_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "fastclip.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever the table or the structs below change; the loader
 * refuses a backend of any other. */
#define FC__BACKEND_ABI 3

/* The precision a model is loaded in (fc_load's mode). */
typedef enum fc__precision {
    /* "load:cpu": float32, as OpenAI's clip.load makes a model on the CPU
     * (its casts to float16 become casts to float32, its weights float32). */
    FC__PRECISION_FLOAT32 = 0,
    /* "load:cuda": as the model file stores it (float16 for OpenAI's). */
    FC__PRECISION_STORED = 1,
    /* float32 weights; on a GPU, matrix products and convolutions in TF32. */
    FC__PRECISION_TF32 = 2,
    /* bfloat16 where the model file has float16 (fc_precision's). */
    FC__PRECISION_BFLOAT16 = 3
} fc__precision;

typedef struct fc__backend_options {
    const char *device;      /* "cpu" or "cuda:N", checked by the C layer   */
    fc__precision precision;
    int fast_kernels;        /* 1: the fastest kernels the backend has; 0:
                                the ones the reference runs, for its bits   */
    int n_threads;           /* > 0: the backend's compute threads          */
    int image_size;          /* > 0: the caller's; 0: read from the model   */
    int context_length;      /* > 0: the caller's; 0: read from the model   */
    int cuda_graphs;         /* 1: replay CUDA graphs on a GPU; 0: don't    */
    int max_batch;           /* the most inputs one run_* call is given by
                                the batch calls (the micro-batch): a GPU
                                backend sizes its graph buckets by it       */
} fc__backend_options;

/* What load learns about the model. */
typedef struct fc__backend_info {
    int dim;                 /* embedding width: floats per output row      */
    int image_size;          /* n of the 3 x n x n input                    */
    int context_length;      /* ids per text                                */
    char input_dtype[16];    /* what the image tower computes in, for
                                messages and docs: "float32", "float16"     */
    char device[32];         /* where it runs: "cpu", "cuda:0"              */
} fc__backend_info;

typedef struct fc__backend {
    int abi;                 /* FC__BACKEND_ABI                             */
    const char *name;        /* "torchscript"                               */

    /* Loads the model file at `path`. On success *model is the backend's
     * handle and *info is filled; on failure *model is NULL, and `err` says
     * why with FC_ERR_IO, FC_ERR_MODEL, FC_ERR_DEVICE, FC_ERR_OUT_OF_MEMORY
     * or FC_ERR_INVALID_ARGUMENT (an option the model contradicts). */
    fc_status (*load)(const char *path, const fc__backend_options *options, void **model,
                      fc__backend_info *info, fc_error *err);

    /* `n` >= 1 inputs in, n x dim float32 out. FC_ERR_MODEL when the model
     * fails or returns anything but [n, dim]; FC_ERR_OUT_OF_MEMORY. */
    fc_status (*run_image)(void *model, const float *pixels, size_t n, float *out,
                           fc_error *err);
    fc_status (*run_text)(void *model, const int32_t *ids, size_t n, float *out,
                          fc_error *err);

    void (*free)(void *model);

    /* Optional (NULL: the C layer uses malloc and free). Where the pipeline
     * stages the inputs it hands to run_*: a GPU backend gives page-locked
     * memory here, so that its copies to the device can be asynchronous. */
    void *(*host_alloc)(void *model, size_t bytes);
    void (*host_free)(void *model, void *p);

    /* Optional (NULL: never). 1 if runs replay CUDA graphs, else 0; `why`
     * (`size` bytes) gets a line saying which, and why not. */
    int (*cuda_graphs)(void *model, char *why, size_t size);
} fc__backend;

/* The one function a backend library exports, by the name its row in the
 * loader's table gives (e.g. "fc__torch_backend"). */
typedef const fc__backend *(*fc__backend_entry)(void);

#ifdef __cplusplus
}
#endif

#endif
