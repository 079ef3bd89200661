// fastclip.hpp - a thin, header-only C++17 wrapper over libfastclip's C API.
//
// It adds ownership (RAII, move-only handles) and exceptions, nothing else:
// every call is one call of include/fastclip.h, with the same semantics,
// thread rules and statuses. The library itself never throws; the
// exceptions are made here, in your program, from the fc_status and the
// message the C call returned.
//
//     #include "fastclip.hpp"
//
//     fastclip::Model model("ViT-B-32.pt");                  // load:cpu
//     fc_encode_params ep = fastclip::encode_params();
//     ep.normalize = 1;
//     std::vector<float> image = model.encode_image_file("cat.jpg", ep);
//     std::vector<float> text = model.encode_text("a photo of a cat", ep);
//     // on failure: fastclip::Error, with .status() and .what()
//
// Build: c++ -std=c++17 app.cpp $(pkg-config --cflags --libs fastclip)
// This file is an example, not part of the installed API; copy it into
// your project.
#ifndef FASTCLIP_HPP
#define FASTCLIP_HPP

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fastclip.h>

namespace fastclip {

// A failed call: the fc_status and the library's one-line message (what()).
class Error : public std::runtime_error {
public:
    Error(fc_status status, const std::string &message)
        : std::runtime_error(message.empty() ? fc_status_string(status) : message), status_(status)
    {
    }
    explicit Error(const fc_error &err) : Error(err.status, err.message) {}

    fc_status status() const noexcept { return status_; }
    // The status's static English name, e.g. "corrupt image data".
    const char *status_string() const noexcept { return fc_status_string(status_); }

private:
    fc_status status_;
};

// Throws Error unless `status` is FC_OK.
inline void check(fc_status status, const fc_error &err)
{
    if (status != FC_OK)
        throw Error(status, err.status == status ? std::string(err.message) : std::string());
}

// The library actually loaded ("MAJOR.MINOR.PATCH").
inline const char *version() noexcept { return fc_version_string(); }

// Parameter structs with their defaults, ready to change.
inline fc_model_params model_params() noexcept
{
    fc_model_params p;
    fc_model_params_init(&p, sizeof p);
    return p;
}

inline fc_encode_params encode_params() noexcept
{
    fc_encode_params p;
    fc_encode_params_init(&p, sizeof p);
    return p;
}

// A loaded CLIP model (fc_load ... fc_free). Move-only. Encoding never
// changes the model, so the const methods may be called from any number of
// threads at once on one Model; destroying or moving it while a call runs
// is not allowed, as with fc_free.
class Model {
public:
    // fc_load: `mode` is "load:cpu" (the default), "load:cuda" or
    // "load:cuda:N"; `params` as fc_model_params (model_params() gives the
    // defaults).
    explicit Model(const std::string &path, const std::string &mode = "load:cpu")
    {
        load(path, mode, nullptr);
    }
    Model(const std::string &path, const std::string &mode, const fc_model_params &params)
    {
        load(path, mode, &params);
    }

    // Takes ownership of a model loaded with fc_load (may be nullptr).
    explicit Model(fc_model *adopted) noexcept : model_(adopted) {}

    ~Model() { fc_free(model_); }

    Model(const Model &) = delete;
    Model &operator=(const Model &) = delete;
    Model(Model &&other) noexcept : model_(std::exchange(other.model_, nullptr)) {}
    Model &operator=(Model &&other) noexcept
    {
        if (this != &other) {
            fc_free(model_);
            model_ = std::exchange(other.model_, nullptr);
        }
        return *this;
    }

    // The C handle, for calls this wrapper does not cover; still owned here.
    fc_model *get() const noexcept { return model_; }
    // Gives up ownership: the caller must fc_free the result.
    fc_model *release() noexcept { return std::exchange(model_, nullptr); }
    explicit operator bool() const noexcept { return model_ != nullptr; }

    // Floats per embedding, the image side and the tokens per text; 0 for a
    // moved-from Model.
    int dim() const noexcept { return fc_model_dim(model_); }
    int image_size() const noexcept { return fc_model_image_size(model_); }
    int context_length() const noexcept { return fc_model_context_length(model_); }

    // One embedding of dim() floats.
    std::vector<float> encode_image(const fc_image &image, const fc_encode_params &params = encode_params()) const
    {
        std::vector<float> out(row_floats());
        fc_error err;
        check(fc_encode_image(model_, &image, &params, out.data(), out.size(), &err), err);
        return out;
    }
    std::vector<float> encode_image_file(const std::string &path,
                                         const fc_encode_params &params = encode_params()) const
    {
        return encode_image(fc_image_file(path.c_str()), params);
    }
    std::vector<float> encode_image_memory(const void *data, std::size_t size,
                                           const fc_encode_params &params = encode_params()) const
    {
        return encode_image(fc_image_memory(data, size), params);
    }
    std::vector<float> encode_image_pixels(const std::uint8_t *pixels, int width, int height, std::size_t stride,
                                           fc_pixel_format format,
                                           const fc_encode_params &params = encode_params()) const
    {
        return encode_image(fc_image_pixels(pixels, width, height, stride, format), params);
    }

    // `text` is UTF-8; the C API takes NUL-terminated strings, so a text
    // holding a NUL byte is refused rather than silently cut.
    std::vector<float> encode_text(const std::string &text, const fc_encode_params &params = encode_params()) const
    {
        check_text(text);
        std::vector<float> out(row_floats());
        fc_error err;
        check(fc_encode_text(model_, text.c_str(), &params, out.data(), out.size(), &err), err);
        return out;
    }

    // Batches: images.size() * dim() floats, row i for item i. Without
    // `statuses`, the first bad item throws. With it, bad items do not stop
    // the others: statuses gets one fc_status per item, the rows of bad items
    // are zero, and nothing is thrown for them (FC_ERR_PARTIAL); a failure
    // of the model itself still throws.
    std::vector<float> encode_images(const std::vector<fc_image> &images,
                                     const fc_encode_params &params = encode_params(),
                                     std::vector<fc_status> *statuses = nullptr) const
    {
        std::vector<float> out(images.size() * row_floats());
        fc_status *st = prepare(statuses, images.size());
        fc_error err;
        fc_status s = fc_encode_images(model_, images.data(), images.size(), &params, out.data(), out.size(),
                                       st, &err);
        if (!(s == FC_ERR_PARTIAL && st != nullptr))
            check(s, err);
        return out;
    }

    std::vector<float> encode_texts(const std::vector<std::string> &texts,
                                    const fc_encode_params &params = encode_params(),
                                    std::vector<fc_status> *statuses = nullptr) const
    {
        std::vector<const char *> ptrs;
        ptrs.reserve(texts.size());
        for (const std::string &t : texts) {
            check_text(t);
            ptrs.push_back(t.c_str());
        }
        std::vector<float> out(texts.size() * row_floats());
        fc_status *st = prepare(statuses, texts.size());
        fc_error err;
        fc_status s = fc_encode_texts(model_, ptrs.data(), ptrs.size(), &params, out.data(), out.size(), st, &err);
        if (!(s == FC_ERR_PARTIAL && st != nullptr))
            check(s, err);
        return out;
    }

private:
    fc_model *model_ = nullptr;

    void load(const std::string &path, const std::string &mode, const fc_model_params *params)
    {
        fc_error err;
        check(fc_load(path.c_str(), mode.c_str(), params, &model_, &err), err);
    }

    std::size_t row_floats() const
    {
        if (model_ == nullptr)
            throw Error(FC_ERR_INVALID_ARGUMENT, "fastclip::Model: no model (moved from or released)");
        return static_cast<std::size_t>(fc_model_dim(model_));
    }

    static fc_status *prepare(std::vector<fc_status> *statuses, std::size_t n)
    {
        if (statuses == nullptr)
            return nullptr;
        statuses->assign(n, FC_OK);
        return statuses->data();
    }

    static void check_text(const std::string &text)
    {
        if (text.find('\0') != std::string::npos)
            throw Error(FC_ERR_INVALID_ARGUMENT, "text holds a NUL byte");
    }
};

} // namespace fastclip

#endif // FASTCLIP_HPP
