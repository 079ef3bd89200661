/* The public face of models: fc_load, fc_free and what a model says about
 * itself. fc_load checks the caller's arguments, picks the backend for the
 * file (src/backend/loader.c), loads it there, and sets up the tokenizer and
 * the batch pipeline in front of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/loader.h"
#include "common/error.h"
#include "model/model.h"
#include "model/params.h"

static int valid(const fc_model *model) { return model != NULL && model->magic == FC__MODEL_MAGIC; }

/* FC_WORKERS_AUTO: one worker per online CPU. */
static int worker_count(int workers)
{
    if (workers != FC_WORKERS_AUTO) return workers;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1 : cpus > 1024 ? 1024 : (int)cpus;
}

/* Frees what a model holds; safe on a partly built one. */
static void release(fc_model *m)
{
    fc__pipeline_close(&m->pipeline);
    if (m->handle != NULL) m->backend->free(m->handle);
    fc_tokenizer_free(m->tokenizer);
    m->magic = 0;
    free(m);
}

/* The caller's mode and params, checked, as what the backend is given. */
static fc_status resolve(const char *mode, const fc_model_params *params, fc_model_params *p,
                         fc__backend_options *options, char device[32], fc_error *err)
{
    fc_status st = fc__model_params_read(params, p, err);
    if (st != FC_OK) return st;
    memset(options, 0, sizeof *options);
    st = fc__placement(mode, p->device, p->precision, device, &options->precision,
                       &p->precision, err);
    if (st != FC_OK) return st;
    options->device = device;
    options->fast_kernels = p->kernels == FC_KERNELS_FAST;
    options->n_threads = p->n_threads;
    options->image_size = p->image_size;
    options->context_length = p->context_length;
    options->cuda_graphs = p->cuda_graphs;
    options->max_batch = p->micro_batch;
    return FC_OK;
}

/* Loads `path` with `backend`, the caller's params already resolved. */
static fc_status load_resolved(const fc__backend *backend, const char *path,
                               const fc_model_params *p, const fc__backend_options *options,
                               fc_model **out, fc_error *err)
{
    fc_status st;
    fc_model *m = calloc(1, sizeof *m);
    if (m == NULL) return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "out of memory");
    m->backend = backend;
    m->precision = p->precision;
    fc_tokenizer_params tp;
    fc_tokenizer_params_init(&tp, sizeof tp);
    tp.bpe_path = p->bpe_path;
    st = fc_tokenizer_new(&tp, &m->tokenizer, err);
    if (st != FC_OK) fc__prefix(err, st, "tokenizer: ");
    if (st == FC_OK) st = backend->load(path, options, &m->handle, &m->info, err);
    if (st == FC_OK && (m->info.dim < 1 || m->info.image_size < 1 || m->info.context_length < 2))
        st = fc__fail(err, FC_ERR_INTERNAL, "the %s backend reported dim %d, image size %d, "
                      "context length %d", backend->name, m->info.dim, m->info.image_size,
                      m->info.context_length);
    if (st == FC_OK)
        st = fc__pipeline_open(&m->pipeline, backend, m->handle, &m->info, m->tokenizer,
                               worker_count(p->workers), (size_t)p->micro_batch, err);
    if (st == FC_OK) st = fc__pipeline_warm_up(&m->pipeline, p->warmup, err);
    if (st != FC_OK) {
        release(m);
        return st;
    }
    m->magic = FC__MODEL_MAGIC;
    *out = m;
    return FC_OK;
}

fc_status fc__load_with(const fc__backend *backend, const char *path, const char *mode,
                        const fc_model_params *params, fc_model **out, fc_error *err)
{
    fc_model_params p;
    fc__backend_options options;
    char device[32];
    fc_status st = resolve(mode, params, &p, &options, device, err);
    return st != FC_OK ? st : load_resolved(backend, path, &p, &options, out, err);
}

fc_status fc_load(const char *path, const char *mode, const fc_model_params *params,
                  fc_model **out, fc_error *err)
{
    fc__clear(err);
    if (out == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (path == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "path is NULL");
    /* Arguments first: a bad mode is a bad mode whatever the file holds. */
    fc_model_params p;
    fc__backend_options options;
    char device[32];
    fc_status st = resolve(mode, params, &p, &options, device, err);
    if (st != FC_OK) return st;
    const fc__backend *backend;
    st = fc__backend_for_file(path, &backend, err);
    return st != FC_OK ? st : load_resolved(backend, path, &p, &options, out, err);
}

void fc_free(fc_model *model)
{
    if (valid(model)) release(model);
}

int fc_model_dim(const fc_model *model) { return valid(model) ? model->info.dim : 0; }

int fc_model_image_size(const fc_model *model) { return valid(model) ? model->info.image_size : 0; }

int fc_model_context_length(const fc_model *model)
{
    return valid(model) ? model->info.context_length : 0;
}

const char *fc_model_device(const fc_model *model) { return valid(model) ? model->info.device : ""; }

fc_precision fc_model_precision(const fc_model *model)
{
    return valid(model) ? model->precision : FC_PRECISION_AUTO;
}

int fc_model_cuda_graphs(const fc_model *model, fc_error *why)
{
    fc__clear(why);
    if (!valid(model)) {
        fc__fail(why, FC_ERR_INVALID_ARGUMENT, "model is NULL or not a loaded fc_model");
        return 0;
    }
    if (model->backend->cuda_graphs == NULL) {
        if (why != NULL) snprintf(why->message, sizeof why->message, "the %s backend has no CUDA "
                                  "graphs", model->backend->name);
        return 0;
    }
    char line[FC_ERROR_MESSAGE_SIZE];
    int on = model->backend->cuda_graphs(model->handle, line, sizeof line);
    if (why != NULL) snprintf(why->message, sizeof why->message, "%s", line);
    return on ? 1 : 0;
}

const fc__pipeline *fc__model_pipeline(const fc_model *model)
{
    return valid(model) ? &model->pipeline : NULL;
}
