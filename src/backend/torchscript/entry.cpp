// The TorchScript backend's table (backend/backend.h): load, run_image,
// run_text, free. Every function runs its body inside guarded(), so no C++
// exception ever crosses into C: each becomes a status and a message.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>

#include <ATen/Parallel.h>

#include "backend/torchscript/torchscript.hpp"

namespace {

#define MODEL_MAGIC 0x46435453u /* "FCTS" */

struct Model {
    uint32_t magic = MODEL_MAGIC;
    fc::Towers towers;
    fc::CudaRunnerPtr cuda; // on a GPU; declared after towers: freed first
    ~Model() { magic = 0; }
};

fc_status fail(fc_error *err, fc_status status, const std::string &message)
{
    if (err != nullptr) {
        err->status = status;
        std::snprintf(err->message, sizeof err->message, "%s", message.c_str());
    }
    return status;
}

std::string first_line(const std::string &s) { return s.substr(0, s.find('\n')); }

template <class Body> fc_status guarded(fc_error *err, Body &&body) noexcept
{
    try {
        return body();
    } catch (const fc::Failure &f) {
        return fail(err, f.status, f.message);
    } catch (const std::bad_alloc &) {
        return fail(err, FC_ERR_OUT_OF_MEMORY, "out of memory");
    } catch (const c10::OutOfMemoryError &e) {
        // LibTorch's allocators (the GPU's caching allocator among them).
        return fail(err, FC_ERR_OUT_OF_MEMORY, "LibTorch: " + first_line(e.what_without_backtrace()));
    } catch (const c10::Error &e) {
        return fail(err, FC_ERR_MODEL, "LibTorch: " + first_line(e.what_without_backtrace()));
    } catch (const std::exception &e) {
        return fail(err, FC_ERR_INTERNAL, "unexpected C++ exception: " + first_line(e.what()));
    } catch (...) {
        return fail(err, FC_ERR_INTERNAL, "unexpected C++ exception");
    }
}

Model *model_of(void *handle)
{
    Model *m = static_cast<Model *>(handle);
    if (m == nullptr || m->magic != MODEL_MAGIC)
        throw fc::Failure{FC_ERR_INTERNAL, "not a TorchScript backend model"};
    return m;
}

const char *dtype_name(c10::ScalarType t)
{
    switch (t) {
    case c10::kFloat: return "float32";
    case c10::kHalf: return "float16";
    case c10::kBFloat16: return "bfloat16";
    case c10::kDouble: return "float64";
    default: return c10::toString(t);
    }
}

void copy_text(char *to, size_t size, const std::string &from) { std::snprintf(to, size, "%s", from.c_str()); }

fc_status load(const char *path, const fc__backend_options *options, void **out, fc__backend_info *info,
               fc_error *err)
{
    *out = nullptr;
    return guarded(err, [&]() -> fc_status {
        fc::Placement where = fc::place(*options);
        if (options->n_threads > 0)
            at::set_num_threads(options->n_threads);
        std::unique_ptr<Model> model(new Model);
        fc::Towers &towers = model->towers;
        towers.module = fc::load_archive(path, where);
        towers.device = where.device;
        if (options->fast_kernels && where.convert_to() == c10::kFloat && where.device.is_cpu())
            fc::use_onednn_linear(towers.module);
        towers.shape = fc::read_shape(towers.module, options->image_size, options->context_length);
        towers.image_dtype = towers.shape.image_dtype;
        if (where.device.is_cuda())
            model->cuda = fc::make_cuda_runner(towers, where, *options);
        if (towers.shape.dim == 0)
            towers.shape.dim = towers.probe_dim();
        info->dim = towers.shape.dim;
        info->image_size = towers.shape.image_size;
        info->context_length = towers.shape.context_length;
        copy_text(info->input_dtype, sizeof info->input_dtype, dtype_name(towers.image_dtype));
        copy_text(info->device, sizeof info->device, where.device.str());
        *out = model.release();
        return FC_OK;
    });
}

fc_status run_image(void *handle, const float *pixels, size_t n, float *out, fc_error *err)
{
    return guarded(err, [&] {
        Model *m = model_of(handle);
        if (m->cuda)
            fc::cuda_encode_image(*m->cuda, pixels, n, out);
        else
            m->towers.encode_image(pixels, n, out);
        return FC_OK;
    });
}

fc_status run_text(void *handle, const int32_t *ids, size_t n, float *out, fc_error *err)
{
    return guarded(err, [&] {
        Model *m = model_of(handle);
        if (m->cuda)
            fc::cuda_encode_text(*m->cuda, ids, n, out);
        else
            m->towers.encode_text(ids, n, out);
        return FC_OK;
    });
}

void free_model(void *handle)
{
    Model *m = static_cast<Model *>(handle);
    if (m == nullptr || m->magic != MODEL_MAGIC)
        return;
    bool on_gpu = static_cast<bool>(m->cuda);
    try {
        delete m;
    } catch (...) {
        // A LibTorch destructor does not throw; if one ever did, the memory
        // is lost rather than the exception crossing into C.
    }
    // The model's weights, graphs and buffers went back to LibTorch's
    // caching allocator, which would keep them from the rest of the
    // machine; give what no live tensor holds back to the driver.
    if (on_gpu)
        fc::cuda_release_cached_memory();
}

// Page-locked staging for a GPU model (its copies to the device are then
// asynchronous); plain memory on the CPU. NULL on failure.
void *host_alloc(void *handle, size_t bytes)
{
    Model *m = static_cast<Model *>(handle);
    if (m == nullptr || m->magic != MODEL_MAGIC)
        return nullptr;
    if (!m->cuda)
        return std::malloc(bytes);
    try {
        return fc::cuda_host_alloc(*m->cuda, bytes);
    } catch (...) {
        return nullptr;
    }
}

void host_free(void *handle, void *p)
{
    Model *m = static_cast<Model *>(handle);
    if (m == nullptr || m->magic != MODEL_MAGIC || p == nullptr)
        return;
    if (!m->cuda) {
        std::free(p);
        return;
    }
    try {
        fc::cuda_host_free(*m->cuda, p);
    } catch (...) {
    }
}

int cuda_graphs(void *handle, char *why, size_t size)
{
    Model *m = static_cast<Model *>(handle);
    std::string line = "not on a GPU";
    bool on = false;
    try {
        if (m != nullptr && m->magic == MODEL_MAGIC && m->cuda)
            on = fc::cuda_graphs(*m->cuda, line);
    } catch (...) {
        line = "unknown";
    }
    if (why != nullptr && size > 0)
        copy_text(why, size, line);
    return on ? 1 : 0;
}

} // namespace

extern "C" __attribute__((visibility("default"))) const fc__backend *fc__torch_backend(void)
{
    static const fc__backend table = {
        FC__BACKEND_ABI, "torchscript", load, run_image, run_text, free_model, host_alloc, host_free,
        cuda_graphs,
    };
    return &table;
}
