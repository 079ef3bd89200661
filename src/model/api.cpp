// The LibTorch backend's C boundary: the functions of the fc__backend table
// (model/backend.h) that libfastclip.so's fc_load, fc_free and fc_encode_*
// call. Every one runs its body inside guarded(), so no C++ exception ever
// reaches the caller: each becomes a status and a message in fc_error.
#include <cstring>
#include <new>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include "model/model.hpp"

#include "model/backend.h"
#include "model/checks.h"
extern "C" {
#include "common/error.h"
}

#define MODEL_MAGIC 0x46434d4cu /* "FCML" */

struct fc_model {
    uint32_t magic = MODEL_MAGIC;
    fc::Towers towers;
    fc::Shape shape;
    fc_tokenizer *tokenizer = nullptr;

    ~fc_model()
    {
        magic = 0;
        fc_tokenizer_free(tokenizer);
    }
};

namespace {

template <class Body> fc_status guarded(fc_error *err, Body &&body) noexcept
{
    try {
        return body();
    } catch (const fc::Failure &f) {
        return fc__fail(err, f.status, "%s", f.message.c_str());
    } catch (const std::bad_alloc &) {
        return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "out of memory");
    } catch (const c10::Error &e) {
        std::string why = e.what_without_backtrace();
        return fc__fail(err, FC_ERR_MODEL, "LibTorch: %s", why.substr(0, why.find('\n')).c_str());
    } catch (const std::exception &e) {
        std::string why = e.what();
        return fc__fail(err, FC_ERR_INTERNAL, "unexpected C++ exception: %s",
                        why.substr(0, why.find('\n')).c_str());
    } catch (...) {
        return fc__fail(err, FC_ERR_INTERNAL, "unexpected C++ exception");
    }
}

bool valid(const fc_model *model) { return model != nullptr && model->magic == MODEL_MAGIC; }

fc::Placement placement_of(const char *mode, const char *device)
{
    fc::Placement where;
    std::string m = mode ? mode : "load:cpu";
    std::string natural;
    if (m == "load:cpu") {
        where.float32 = true;
        natural = "cpu";
    } else if (m == "load:cuda" || m.rfind("load:cuda:", 0) == 0) {
        where.float32 = false;
        natural = m.size() > 9 ? m.substr(5) : "cuda:0";
    } else {
        throw fc::Failure{FC_ERR_INVALID_ARGUMENT,
                          "mode \"" + m + "\": use \"load:cpu\", \"load:cuda\" or \"load:cuda:N\""};
    }
    std::string name = device ? device : natural;
    try {
        where.device = c10::Device(name);
    } catch (const c10::Error &) {
        throw fc::Failure{FC_ERR_INVALID_ARGUMENT,
                          "device \"" + name + "\": use \"cpu\", \"cuda\" or \"cuda:N\""};
    }
    if (!where.device.is_cpu() && !where.device.is_cuda())
        throw fc::Failure{FC_ERR_INVALID_ARGUMENT, "device \"" + name + "\": only cpu and cuda are supported"};
    if (!where.float32 && where.device.is_cpu())
        throw fc::Failure{FC_ERR_INVALID_ARGUMENT,
                          "mode " + m + " runs on a GPU, not on \"" + name + "\"; use load:cpu for the CPU"};
    if (where.device.is_cuda()) {
        int64_t index = where.device.has_index() ? where.device.index() : 0;
        size_t count = torch::cuda::is_available() ? torch::cuda::device_count() : 0;
        if (count == 0)
            throw fc::Failure{FC_ERR_DEVICE, m + " on " + name +
                                                 ": no CUDA GPU is available to LibTorch on this machine"};
        if (index < 0 || static_cast<size_t>(index) >= count)
            throw fc::Failure{FC_ERR_DEVICE, m + " on " + name + ": this machine has " +
                                                 std::to_string(count) + " CUDA GPU(s)"};
        where.device = c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
    }
    return where;
}

// The C checks of model_params.c, as exceptions.
fc_model_params model_params_of(const fc_model_params *in)
{
    fc_model_params p;
    fc_error e{};
    if (fc__resolve_model_params(in, &p, &e) != FC_OK)
        throw fc::Failure{e.status, e.message};
    return p;
}

fc_encode_params encode_params_of(const fc_encode_params *in)
{
    fc_encode_params p;
    fc_error e{};
    if (fc__resolve_encode_params(in, &p, &e) != FC_OK)
        throw fc::Failure{e.status, e.message};
    return p;
}

// Checks shared by the encode calls: the model, the output room.
void check_call(const fc_model *model, const void *items, size_t n, const float *out, size_t out_floats,
                const char *what)
{
    if (!valid(model))
        throw fc::Failure{FC_ERR_INVALID_ARGUMENT, "model is NULL or not a loaded fc_model"};
    if (n == 0)
        return;
    if (items == nullptr)
        throw fc::Failure{FC_ERR_INVALID_ARGUMENT, std::string(what) + " is NULL"};
    if (out == nullptr)
        throw fc::Failure{FC_ERR_INVALID_ARGUMENT, "out is NULL"};
    size_t dim = static_cast<size_t>(model->shape.dim);
    if (n > out_floats / dim)
        throw fc::Failure{FC_ERR_BUFFER_TOO_SMALL, "out holds " + std::to_string(out_floats) + " floats; " +
                                                       std::to_string(n) + " rows of " + std::to_string(dim) +
                                                       " need " + std::to_string(n * dim)};
}

// The batch outcome: which items went in, and the first failure.
struct Batch {
    std::vector<size_t> good; // indices of items that were prepared
    size_t failed = 0;
    size_t first_bad = 0;
    fc_error first_error{};
};

// One failed item: with `statuses`, noted; without, it ends the call.
void item_failed(Batch &batch, size_t i, fc_status st, const fc_error &e, fc_status *statuses, bool is_batch,
                 const char *what)
{
    if (statuses == nullptr) {
        throw fc::Failure{st, is_batch ? std::string(what) + " " + std::to_string(i) + ": " + e.message
                                       : std::string(e.message)};
    }
    statuses[i] = st;
    if (batch.failed++ == 0) {
        batch.first_bad = i;
        batch.first_error = e;
    }
}

// Rows of `result` into `out` at the good items' places; zeros elsewhere.
fc_status finish(const Batch &batch, const at::Tensor &result, size_t n, size_t dim, float *out,
                 fc_status *statuses, const char *what, fc_error *err)
{
    if (n == 0)
        return FC_OK;
    std::memset(out, 0, n * dim * sizeof *out);
    for (size_t k = 0; k < batch.good.size(); k++) {
        size_t i = batch.good[k];
        std::memcpy(out + i * dim, result.data_ptr<float>() + k * dim, dim * sizeof *out);
        if (statuses)
            statuses[i] = FC_OK;
    }
    if (batch.failed)
        return fc__fail(err, FC_ERR_PARTIAL, "%zu of %zu %ss failed; first, %s %zu: %s", batch.failed, n, what,
                        what, batch.first_bad, batch.first_error.message);
    return FC_OK;
}

fc_status encode_images(fc_model *model, const fc_image *images, size_t n, const fc_encode_params *params,
                        float *out, size_t out_floats, fc_status *statuses, bool is_batch, fc_error *err)
{
    check_call(model, images, n, out, out_floats, "images");
    fc_encode_params p = encode_params_of(params);
    const fc::Shape &shape = model->shape;

    fc_preprocess_params pp;
    fc_preprocess_params_init(&pp, sizeof pp);
    pp.size = shape.image_size;
    pp.order = p.order;
    pp.max_pixels = p.max_pixels;
    pp.max_bytes = p.max_bytes;
    const size_t floats = 3 * static_cast<size_t>(shape.image_size) * shape.image_size;

    Batch batch;
    at::Tensor pixels = at::empty({static_cast<int64_t>(n), 3, shape.image_size, shape.image_size}, at::kFloat);
    for (size_t i = 0; i < n; i++) {
        fc_error e{};
        float *slot = pixels.data_ptr<float>() + batch.good.size() * floats;
        fc_status st = fc__preprocess_image(&images[i], &pp, slot, floats, &e);
        if (st != FC_OK)
            item_failed(batch, i, st, e, statuses, is_batch, "image");
        else
            batch.good.push_back(i);
    }
    at::Tensor result;
    if (!batch.good.empty())
        result = model->towers.encode_image(pixels.narrow(0, 0, static_cast<int64_t>(batch.good.size())),
                                            shape.dim, p.normalize != 0);
    return finish(batch, result, n, static_cast<size_t>(shape.dim), out, statuses, "image", err);
}

fc_status encode_texts(fc_model *model, const char *const *texts, size_t n, const fc_encode_params *params,
                       float *out, size_t out_floats, fc_status *statuses, bool is_batch, fc_error *err)
{
    check_call(model, texts, n, out, out_floats, "texts");
    fc_encode_params p = encode_params_of(params);
    const size_t context = static_cast<size_t>(model->shape.context_length);

    Batch batch;
    std::vector<int32_t> ids(context);
    at::Tensor tokens = at::zeros({static_cast<int64_t>(n), static_cast<int64_t>(context)}, at::kLong);
    for (size_t i = 0; i < n; i++) {
        fc_error e{};
        fc_status st = texts[i] == nullptr
                           ? fc__fail(&e, FC_ERR_INVALID_ARGUMENT, "text is NULL")
                           : fc_tokenize(model->tokenizer, texts[i], static_cast<int>(context), p.truncation,
                                         ids.data(), context, nullptr, &e);
        if (st != FC_OK) {
            item_failed(batch, i, st, e, statuses, is_batch, "text");
            continue;
        }
        int64_t *row = tokens.data_ptr<int64_t>() + batch.good.size() * context;
        for (size_t k = 0; k < context; k++)
            row[k] = ids[k];
        batch.good.push_back(i);
    }
    at::Tensor result;
    if (!batch.good.empty())
        result = model->towers.encode_text(tokens.narrow(0, 0, static_cast<int64_t>(batch.good.size())),
                                           model->shape.dim, p.normalize != 0);
    return finish(batch, result, n, static_cast<size_t>(model->shape.dim), out, statuses, "text", err);
}

// Runs both towers `runs` times at batch 1. The first run also tells the
// embedding width when the parameters did not, and checks that both
// towers give [1, dim].
void warm_up(fc_model &model, int runs)
{
    const fc::Shape &s = model.shape;
    at::Tensor image = at::zeros({1, 3, s.image_size, s.image_size}, at::kFloat);
    std::vector<int32_t> ids(static_cast<size_t>(s.context_length));
    fc_error e{};
    if (fc_tokenize(model.tokenizer, "a photo", s.context_length, FC_TRUNCATE, ids.data(), ids.size(), nullptr,
                    &e) != FC_OK)
        throw fc::Failure{FC_ERR_INTERNAL, std::string("warm-up tokens: ") + e.message};
    at::Tensor tokens = at::zeros({1, s.context_length}, at::kLong);
    for (size_t k = 0; k < ids.size(); k++)
        tokens.data_ptr<int64_t>()[k] = ids[k];
    for (int r = 0; r < runs; r++) {
        try {
            at::Tensor a = model.towers.encode_image(image, model.shape.dim, false);
            if (model.shape.dim == 0)
                model.shape.dim = static_cast<int>(a.size(1));
            model.towers.encode_text(tokens, model.shape.dim, false);
        } catch (const fc::Failure &f) {
            throw fc::Failure{f.status, "first run at load: " + f.message};
        }
    }
}

fc_status backend_load(const char *path, const char *mode, const fc_model_params *params, fc_model **out,
                       fc_error *err)
{
    fc__clear(err);
    if (out == nullptr)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    return guarded(err, [&]() -> fc_status {
        if (path == nullptr)
            throw fc::Failure{FC_ERR_INVALID_ARGUMENT, "path is NULL"};
        fc_model_params p = model_params_of(params);
        fc::Placement where = placement_of(mode, p.device);
        if (p.n_threads > 0)
            at::set_num_threads(p.n_threads);

        std::unique_ptr<fc_model> model(new fc_model);
        fc_tokenizer_params tp;
        fc_tokenizer_params_init(&tp, sizeof tp);
        tp.bpe_path = p.bpe_path;
        fc_error e{};
        fc_status st = fc_tokenizer_new(&tp, &model->tokenizer, &e);
        if (st != FC_OK)
            throw fc::Failure{st, std::string("tokenizer: ") + e.message};

        model->towers.module = fc::load_archive(path, where);
        model->towers.device = where.device;
        if (p.kernels == FC_KERNELS_FAST && where.float32 && where.device.is_cpu())
            fc::use_onednn_linear(model->towers.module);
        model->shape = fc::read_shape(model->towers.module, p);
        model->towers.image_dtype = model->shape.image_dtype;
        int runs = p.warmup;
        if (runs == 0 && model->shape.dim == 0)
            runs = 1; // only a run can tell this model's embedding width
        warm_up(*model, runs);
        *out = model.release();
        return FC_OK;
    });
}

void backend_free(fc_model *model)
{
    if (!valid(model))
        return;
    try {
        delete model;
    } catch (...) {
        // A LibTorch destructor does not throw; if one ever did, the memory
        // is lost rather than the exception crossing into C.
    }
}

int backend_dim(const fc_model *model) { return valid(model) ? model->shape.dim : 0; }
int backend_image_size(const fc_model *model) { return valid(model) ? model->shape.image_size : 0; }
int backend_context_length(const fc_model *model) { return valid(model) ? model->shape.context_length : 0; }

fc_status backend_encode_images(fc_model *model, const fc_image *images, size_t n, const fc_encode_params *params,
                                float *out, size_t out_floats, fc_status *statuses, int is_batch, fc_error *err)
{
    fc__clear(err);
    return guarded(err, [&] {
        return encode_images(model, images, n, params, out, out_floats, statuses, is_batch != 0, err);
    });
}

fc_status backend_encode_texts(fc_model *model, const char *const *texts, size_t n, const fc_encode_params *params,
                               float *out, size_t out_floats, fc_status *statuses, int is_batch, fc_error *err)
{
    fc__clear(err);
    return guarded(err, [&] {
        return encode_texts(model, texts, n, params, out, out_floats, statuses, is_batch != 0, err);
    });
}

} // namespace

extern "C" __attribute__((visibility("default"))) const fc__backend *fc__torch_backend(void)
{
    static const fc__backend table = {
        FC__BACKEND_ABI,       backend_load,          backend_free,         backend_dim,
        backend_image_size,    backend_context_length, backend_encode_images, backend_encode_texts,
    };
    return &table;
}
