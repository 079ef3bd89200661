/* The model API's entry points in libfastclip.so. They forward to the
 * LibTorch backend, libfastclip_torch.so.<version>, which is loaded on the
 * first fc_load from the folder this library was loaded from (see
 * src/model/backend.h for why it is a separate file). FASTCLIP_TORCH_BACKEND
 * names another path, for unusual installs. */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/version.h"
#include "model/backend.h"

#define BACKEND_FILE "libfastclip_torch.so." FC__VERSION_STRING

static pthread_once_t backend_once = PTHREAD_ONCE_INIT;
static const fc__backend *backend;      /* set once, then only read */
static char backend_error[512]; /* fc__fail cuts it to fit fc_error */

/* The backend beside this library: same folder, same version. */
static void backend_path(char *path, size_t size)
{
    const char *forced = getenv("FASTCLIP_TORCH_BACKEND");
    if (forced != NULL && forced[0] != '\0') {
        snprintf(path, size, "%s", forced);
        return;
    }
    Dl_info info;
    const char *self = NULL;
    if (dladdr((void *)&fc_load, &info) != 0 && info.dli_fname != NULL) self = info.dli_fname;
    const char *slash = self ? strrchr(self, '/') : NULL;
    if (slash == NULL)
        snprintf(path, size, "%s", BACKEND_FILE);
    else
        snprintf(path, size, "%.*s/%s", (int)(slash - self), self, BACKEND_FILE);
}

static void open_backend(void)
{
    char path[4096];
    backend_path(path, sizeof path);
    /* Never closed: LibTorch does not support being unloaded. */
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        const char *why = dlerror();
        snprintf(backend_error, sizeof backend_error,
                 "cannot load the LibTorch backend (%.160s); a libfastclip built without "
                 "LibTorch has none: rebuild with make LIBTORCH=<dir>",
                 why ? why : path);
        return;
    }
    fc__backend_entry entry;
    *(void **)&entry = dlsym(lib, FC__BACKEND_SYMBOL);
    const fc__backend *table = entry ? entry() : NULL;
    if (table == NULL || table->abi != FC__BACKEND_ABI) {
        snprintf(backend_error, sizeof backend_error,
                 "%.200s is not the LibTorch backend of libfastclip %s", path,
                 fc_version_string());
        return;
    }
    backend = table;
}

/* The backend, or NULL with `err` set. */
static const fc__backend *get_backend(fc_error *err)
{
    pthread_once(&backend_once, open_backend);
    if (backend == NULL) fc__fail(err, FC_ERR_UNSUPPORTED, "%s", backend_error);
    return backend;
}

fc_status fc_load(const char *path, const char *mode, const fc_model_params *params,
                  fc_model **out, fc_error *err)
{
    fc__clear(err);
    if (out == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    const fc__backend *b = get_backend(err);
    return b ? b->load(path, mode, params, out, err) : FC_ERR_UNSUPPORTED;
}

/* A model exists only if fc_load succeeded, so the backend is loaded
 * whenever `model` is not NULL. */
void fc_free(fc_model *model)
{
    if (model != NULL && backend != NULL) backend->free_model(model);
}

int fc_model_dim(const fc_model *model)
{
    return model != NULL && backend != NULL ? backend->dim(model) : 0;
}

int fc_model_image_size(const fc_model *model)
{
    return model != NULL && backend != NULL ? backend->image_size(model) : 0;
}

int fc_model_context_length(const fc_model *model)
{
    return model != NULL && backend != NULL ? backend->context_length(model) : 0;
}

fc_status fc_encode_image(fc_model *model, const fc_image *image,
                          const fc_encode_params *params, float *out, size_t out_floats,
                          fc_error *err)
{
    fc__clear(err);
    /* A model implies a loaded backend: refuse NULL without loading it. */
    if (model == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "model is NULL");
    const fc__backend *b = get_backend(err);
    return b ? b->encode_images(model, image, 1, params, out, out_floats, NULL, 0, err)
             : FC_ERR_UNSUPPORTED;
}

fc_status fc_encode_images(fc_model *model, const fc_image *images, size_t n,
                           const fc_encode_params *params, float *out, size_t out_floats,
                           fc_status *statuses, fc_error *err)
{
    fc__clear(err);
    /* A model implies a loaded backend: refuse NULL without loading it. */
    if (model == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "model is NULL");
    const fc__backend *b = get_backend(err);
    return b ? b->encode_images(model, images, n, params, out, out_floats, statuses, 1, err)
             : FC_ERR_UNSUPPORTED;
}

fc_status fc_encode_text(fc_model *model, const char *text, const fc_encode_params *params,
                         float *out, size_t out_floats, fc_error *err)
{
    fc__clear(err);
    if (text == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "text is NULL");
    /* A model implies a loaded backend: refuse NULL without loading it. */
    if (model == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "model is NULL");
    const fc__backend *b = get_backend(err);
    return b ? b->encode_texts(model, &text, 1, params, out, out_floats, NULL, 0, err)
             : FC_ERR_UNSUPPORTED;
}

fc_status fc_encode_texts(fc_model *model, const char *const *texts, size_t n,
                          const fc_encode_params *params, float *out, size_t out_floats,
                          fc_status *statuses, fc_error *err)
{
    fc__clear(err);
    /* A model implies a loaded backend: refuse NULL without loading it. */
    if (model == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "model is NULL");
    const fc__backend *b = get_backend(err);
    return b ? b->encode_texts(model, texts, n, params, out, out_floats, statuses, 1, err)
             : FC_ERR_UNSUPPORTED;
}
