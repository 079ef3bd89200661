/* The model API's parameter structs: defaults, and the checks of what a
 * caller passes. They need no backend, so a program can fill its structs
 * before learning whether models load. */
#include "model/params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/params.h"

/* Fields every version of the structs has (0.2.0's). */
#define MODEL_PARAMS_V1_SIZE (offsetof(fc_model_params, bpe_path) + sizeof(const char *))
#define ENCODE_PARAMS_V1_SIZE (offsetof(fc_encode_params, max_bytes) + sizeof(uint64_t))

static void model_defaults(fc_model_params *p)
{
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->device = NULL;
    p->warmup = 2;
    p->n_threads = 0;
    p->image_size = 0;
    p->context_length = 0;
    p->bpe_path = NULL;
    p->kernels = FC_KERNELS_FAST;
    p->workers = FC_WORKERS_AUTO;
    p->micro_batch = FC_DEFAULT_MICRO_BATCH;
    p->precision = FC_PRECISION_AUTO;
    p->cuda_graphs = 0;
}

static void encode_defaults(fc_encode_params *p)
{
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->normalize = 0;
    p->order = FC_ORDER_PIL;
    p->truncation = FC_TRUNCATE;
    p->max_pixels = FC_DEFAULT_MAX_PIXELS;
    p->max_bytes = FC_DEFAULT_MAX_BYTES;
}

fc_status fc_model_params_init(fc_model_params *params, size_t struct_size)
{
    fc_model_params d;
    model_defaults(&d);
    return fc__params_init(params, struct_size, &d, sizeof d, MODEL_PARAMS_V1_SIZE);
}

fc_status fc_encode_params_init(fc_encode_params *params, size_t struct_size)
{
    fc_encode_params d;
    encode_defaults(&d);
    return fc__params_init(params, struct_size, &d, sizeof d, ENCODE_PARAMS_V1_SIZE);
}

fc_status fc__model_params_read(const fc_model_params *in, fc_model_params *p, fc_error *err)
{
    fc_model_params d;
    model_defaults(&d);
    fc_status st = fc__params_read(in, p, &d, sizeof d, MODEL_PARAMS_V1_SIZE,
                                   "fc_model_params_init", err);
    if (st != FC_OK) return st;
    if (p->warmup < 0 || p->warmup > 1000)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "params.warmup is %d; it must be 0 to 1000",
                        p->warmup);
    if (p->n_threads < 0 || p->n_threads > 4096)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.n_threads is %d; it must be 0 to 4096", p->n_threads);
    if (p->image_size < 0 || p->image_size > FC_MAX_SIZE)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.image_size is %d; it must be 0 (from the model) to %d",
                        p->image_size, FC_MAX_SIZE);
    if (p->context_length < 0 || p->context_length == 1 || p->context_length > 1000000)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.context_length is %d; it must be 0 (from the model) or 2 to "
                        "1000000", p->context_length);
    if (p->kernels != FC_KERNELS_FAST && p->kernels != FC_KERNELS_REFERENCE)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.kernels is %d; use FC_KERNELS_FAST or FC_KERNELS_REFERENCE",
                        (int)p->kernels);
    if (p->workers < FC_WORKERS_AUTO || p->workers > 1024)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.workers is %d; it must be FC_WORKERS_AUTO (-1) or 0 to 1024",
                        p->workers);
    if (p->micro_batch < 1 || p->micro_batch > FC_MAX_MICRO_BATCH)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "params.micro_batch is %d; it must be 1 to %d",
                        p->micro_batch, FC_MAX_MICRO_BATCH);
    if ((unsigned)p->precision > FC_PRECISION_BFLOAT16)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.precision is %d; use an fc_precision (FC_PRECISION_AUTO to "
                        "FC_PRECISION_BFLOAT16)", (int)p->precision);
    if (p->cuda_graphs != 0 && p->cuda_graphs != 1)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "params.cuda_graphs is %d; use 0 or 1",
                        p->cuda_graphs);
    return FC_OK;
}

/* "cpu", "cuda" or "cuda:N" (N a decimal index) into `out`; 0 if it is none. */
static int parse_device(const char *name, char *out, size_t size)
{
    if (strcmp(name, "cpu") == 0) {
        snprintf(out, size, "cpu");
        return 1;
    }
    if (strcmp(name, "cuda") == 0) {
        snprintf(out, size, "cuda:0");
        return 1;
    }
    if (strncmp(name, "cuda:", 5) != 0) return 0;
    const char *digits = name + 5;
    size_t len = strspn(digits, "0123456789");
    if (len == 0 || len > 6 || digits[len] != '\0') return 0;
    snprintf(out, size, "cuda:%ld", strtol(digits, NULL, 10));
    return 1;
}

fc_status fc__placement(const char *mode, const char *device_param, fc_precision wanted,
                        char *device, fc__precision *precision, fc_precision *chosen,
                        fc_error *err)
{
    const char *m = mode ? mode : "load:cpu";
    const char *natural;
    fc_precision own;
    if (strcmp(m, "load:cpu") == 0) {
        own = FC_PRECISION_FLOAT32;
        natural = "cpu";
    } else if (strcmp(m, "load:cuda") == 0 || strncmp(m, "load:cuda:", 10) == 0) {
        own = FC_PRECISION_STORED;
        natural = m[9] == ':' ? m + 5 : "cuda:0";
    } else {
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "mode \"%.64s\": use \"load:cpu\", \"load:cuda\" or \"load:cuda:N\"", m);
    }
    const char *name = device_param ? device_param : natural;
    if (!parse_device(name, device, 32))
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "device \"%.64s\": use \"cpu\", \"cuda\" or \"cuda:N\"", name);
    int on_cpu = strcmp(device, "cpu") == 0;
    fc_precision p = wanted == FC_PRECISION_AUTO ? own : wanted;
    if (p == FC_PRECISION_STORED && on_cpu && wanted == FC_PRECISION_AUTO)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "mode %s runs on a GPU, not on \"%s\"; use load:cpu for the CPU", m, name);
    if (p == FC_PRECISION_STORED && on_cpu)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.precision FC_PRECISION_STORED runs on a GPU, not on \"%s\"; on "
                        "the CPU use FC_PRECISION_FLOAT32 or FC_PRECISION_BFLOAT16", name);
    /* TF32 is a GPU's: on the CPU it is plain float32. */
    if (p == FC_PRECISION_TF32 && on_cpu) p = FC_PRECISION_FLOAT32;
    switch (p) {
    case FC_PRECISION_STORED: *precision = FC__PRECISION_STORED; break;
    case FC_PRECISION_TF32: *precision = FC__PRECISION_TF32; break;
    case FC_PRECISION_BFLOAT16: *precision = FC__PRECISION_BFLOAT16; break;
    default: *precision = FC__PRECISION_FLOAT32; break;
    }
    *chosen = p;
    return FC_OK;
}

fc_status fc__encode_options_read(const fc_encode_params *in, fc__encode_options *o,
                                  fc_error *err)
{
    fc_encode_params d, p;
    encode_defaults(&d);
    fc_status st = fc__params_read(in, &p, &d, sizeof d, ENCODE_PARAMS_V1_SIZE,
                                   "fc_encode_params_init", err);
    if (st != FC_OK) return st;
    if (p.normalize != 0 && p.normalize != 1)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "params.normalize is %d; use 0 or 1",
                        p.normalize);
    if (p.order != FC_ORDER_PIL && p.order != FC_ORDER_RGB_FIRST)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.order is %d; use FC_ORDER_PIL or FC_ORDER_RGB_FIRST", (int)p.order);
    if (p.truncation != FC_TRUNCATE && p.truncation != FC_NO_TRUNCATE)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.truncation is %d; use FC_TRUNCATE or FC_NO_TRUNCATE",
                        (int)p.truncation);
    if (p.max_pixels == 0 || p.max_bytes == 0)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT,
                        "params.max_pixels and params.max_bytes must be > 0");
    o->normalize = p.normalize;
    o->order = p.order;
    o->truncation = p.truncation;
    o->max_pixels = p.max_pixels;
    o->max_bytes = p.max_bytes;
    return FC_OK;
}
