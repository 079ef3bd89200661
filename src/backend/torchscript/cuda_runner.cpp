// The GPU path of the TorchScript backend: how a batch in host memory gets
// through a tower on a CUDA device and back.
//
// - A call takes a slot: a CUDA stream of its own (from LibTorch's pool),
//   so calls from several threads overlap, and the graphs captured on it.
// - The batch is padded to its bucket (buckets.cpp) and copied to the
//   device asynchronously (page-locked when it comes from cuda_host_alloc,
//   which is where the pipeline stages it); the cast to the model's dtype
//   happens on the device.
// - The first call at a bucket runs op by op, then captures the tower as a
//   CUDA graph on its slot; later calls at that bucket replay the graph.
//   Padding in both cases means the graph and the op-by-op path run the
//   same kernels at the same shapes: the same bytes.
// - Only the n real rows come back, as float32.
//
// Capture is thread-local (cudaStreamCaptureModeThreadLocal), so a thread
// capturing never disturbs calls running in others. Where capture fails the
// model keeps running op by op, and cuda_graphs() says why.
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>

#include <ATen/Context.h>
#include <ATen/core/CachingHostAllocator.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include "backend/torchscript/torchscript.hpp"

namespace fc {
namespace {

// Slots a model keeps: concurrent calls beyond this wait for one. Each slot
// holds its own graphs (a graph's buffers serve one call at a time).
constexpr size_t kMaxSlots = 4;

enum Tower { kImage = 0, kText = 1 };

struct Captured {
    std::unique_ptr<at::cuda::CUDAGraph> graph;
    at::Tensor input;  // [bucket, ...] on the device, in the host's dtype
    at::Tensor output; // [bucket, dim] float32 on the device
};

struct Slot {
    c10::cuda::CUDAStream stream;
    // One memory pool for the slot's graphs: they never run at once.
    decltype(at::cuda::graph_pool_handle()) pool;
    std::map<std::pair<int, int>, Captured> graphs; // (tower, bucket)
    Slot(c10::cuda::CUDAStream s, decltype(pool) p) : stream(s), pool(p) {}
};

// TF32 is one switch for the whole process in LibTorch. Models that need it
// off (float32) and on (TF32) cannot both be live; models in float16 or
// bfloat16 do not care.
std::mutex tf32_lock;
int exact_models = 0, tf32_models = 0;

void set_tf32(bool on)
{
    at::globalContext().setAllowTF32CuBLAS(on);
    at::globalContext().setAllowTF32CuDNN(on);
}

} // namespace

class CudaRunner {
  public:
    CudaRunner(const Towers &t, const Placement &where, const fc__backend_options &options)
        : towers(t), device(where.device), buckets(bucket_sizes(options.max_batch > 0 ? options.max_batch : 1))
    {
        use_graphs = options.cuda_graphs != 0;
        note = use_graphs ? "on: one graph per batch-size bucket, captured at its first call"
                          : "off: params.cuda_graphs is 0";
        float32_weights = where.convert_to() == c10::kFloat ||
                          (where.convert_to() == c10::ScalarType::Undefined && t.image_dtype == c10::kFloat);
        if (float32_weights) {
            bool tf32 = where.precision == FC__PRECISION_TF32;
            std::lock_guard<std::mutex> hold(tf32_lock);
            if (tf32 ? exact_models > 0 : tf32_models > 0)
                throw Failure{FC_ERR_INVALID_ARGUMENT,
                              std::string("a float32 model on a GPU with TF32 ") + (tf32 ? "on" : "off") +
                                  ": this process already has one with TF32 " + (tf32 ? "off" : "on") +
                                  ", and TF32 is a process-wide LibTorch setting"};
            (tf32 ? tf32_models : exact_models)++;
            set_tf32(tf32);
            counted_tf32 = tf32 ? 1 : 0;
        }
    }

    ~CudaRunner()
    {
        {
            // A freed model leaves no work running on its streams.
            std::lock_guard<std::mutex> hold(lock);
            for (auto &s : slots) {
                try {
                    s->stream.synchronize();
                } catch (...) {
                }
            }
        }
        if (float32_weights) {
            std::lock_guard<std::mutex> hold(tf32_lock);
            (counted_tf32 ? tf32_models : exact_models)--;
        }
    }

    void run(Tower tower, const void *host, size_t n, float *out);
    void *host_alloc(size_t bytes);
    void host_free(void *p);
    bool graphs(std::string &why)
    {
        std::lock_guard<std::mutex> hold(lock);
        why = note;
        return use_graphs;
    }

  private:
    Slot *acquire();
    void give_back(Slot *s);
    at::Tensor forward(Tower tower, const at::Tensor &x) const;
    void capture(Slot &s, Tower tower, int bucket, const at::Tensor &input);
    void abandon_capture(Slot &s) noexcept;
    void graphs_failed(const std::string &why);

    const Towers &towers;
    const c10::Device device;
    const std::vector<int> buckets;
    bool float32_weights = false;
    int counted_tf32 = 0;

    std::mutex lock; // slots, idle, use_graphs, note
    std::condition_variable freed;
    std::vector<std::unique_ptr<Slot>> slots;
    std::vector<Slot *> idle;
    bool use_graphs = true;
    std::string note;

    std::mutex host_lock;
    std::unordered_map<void *, at::Tensor> host; // page-locked buffers handed out
};

namespace {

// A slot held for the length of one call.
class SlotLease {
  public:
    SlotLease(Slot *s, std::function<void(Slot *)> back) : slot(s), give(std::move(back)) {}
    ~SlotLease() { give(slot); }
    Slot *slot;

  private:
    std::function<void(Slot *)> give;
};

} // namespace

Slot *CudaRunner::acquire()
{
    std::unique_lock<std::mutex> hold(lock);
    for (;;) {
        if (!idle.empty()) {
            Slot *s = idle.back();
            idle.pop_back();
            return s;
        }
        if (slots.size() < kMaxSlots) {
            c10::cuda::CUDAGuard on(device);
            slots.push_back(std::make_unique<Slot>(c10::cuda::getStreamFromPool(false, device.index()),
                                                   at::cuda::graph_pool_handle()));
            return slots.back().get();
        }
        freed.wait(hold);
    }
}

void CudaRunner::give_back(Slot *s)
{
    {
        std::lock_guard<std::mutex> hold(lock);
        idle.push_back(s);
    }
    freed.notify_one();
}

// The tower on a device input in the host's dtype: the cast, the method and
// the float32 output, the same ops whether captured or not.
at::Tensor CudaRunner::forward(Tower tower, const at::Tensor &x) const
{
    if (tower == kImage)
        return call_tower(towers.module, "encode_image", x.to(towers.image_dtype), towers.shape.dim).to(at::kFloat);
    // CLIP's text towers take int64 ids, as clip.tokenize makes them.
    return call_tower(towers.module, "encode_text", x.to(at::kLong), towers.shape.dim).to(at::kFloat);
}

void CudaRunner::graphs_failed(const std::string &why)
{
    std::lock_guard<std::mutex> hold(lock);
    if (!use_graphs)
        return;
    use_graphs = false;
    note = "off: " + why + "; running op by op";
}

// Undoes what a capture that failed half way left behind, so that the
// process goes on as if it had never begun: the stream leaves capture mode,
// and the allocators stop routing this stream's allocations to the graph's
// pool (LibTorch's capture_end does that only when the capture succeeds;
// left as it is, every later allocation on the stream would go to a pool
// that is never freed). What the capture held goes back with its pool.
void CudaRunner::abandon_capture(Slot &s) noexcept
{
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    if (cudaStreamIsCapturing(s.stream.stream(), &status) == cudaSuccess && status != cudaStreamCaptureStatusNone) {
        cudaGraph_t partial = nullptr;
        if (cudaStreamEndCapture(s.stream.stream(), &partial) == cudaSuccess && partial != nullptr)
            cudaGraphDestroy(partial);
    }
    (void)cudaGetLastError(); // the capture's error is not the next call's
    bool ended_here = false;
    try {
        // Throws when capture_end got as far as ending the routing itself.
        c10::cuda::CUDACachingAllocator::endAllocateToPool(device.index(), s.pool);
        ended_here = true;
    } catch (...) {
    }
    try {
        at::getHostAllocator(at::kCUDA)->end_allocate_to_pool(s.pool);
    } catch (...) {
    }
    if (ended_here) {
        try {
            c10::cuda::CUDACachingAllocator::releasePool(device.index(), s.pool);
        } catch (...) {
        }
    }
    // Some LibTorch versions (2.11) mark the CUDA random generator as
    // capturing when a capture begins and unmark it only when one ends
    // well: until then, any random op in the process fails ("Offset
    // increment outside graph capture"). A capture of one tiny op that
    // succeeds puts it back.
    try {
        at::Tensor one = at::zeros({1}, at::TensorOptions().device(device));
        at::cuda::CUDAGraph reset;
        reset.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
        one.add_(1);
        reset.capture_end();
    } catch (...) {
        (void)cudaGetLastError();
    }
}

void CudaRunner::capture(Slot &s, Tower tower, int bucket, const at::Tensor &input)
{
    Captured c;
    c.input = input;
    c.graph = std::make_unique<at::cuda::CUDAGraph>();
    try {
        c.graph->capture_begin(s.pool, cudaStreamCaptureModeThreadLocal);
        try {
            c.output = forward(tower, c.input);
            c.graph->capture_end();
        } catch (...) {
            abandon_capture(s);
            throw;
        }
    } catch (const Failure &f) {
        graphs_failed("capture failed at batch " + std::to_string(bucket) + ": " + f.message);
        return;
    } catch (const c10::Error &e) {
        std::string what = e.what_without_backtrace();
        graphs_failed("capture failed at batch " + std::to_string(bucket) + ": " + what.substr(0, what.find('\n')));
        return;
    } catch (const std::exception &e) {
        std::string what = e.what();
        graphs_failed("capture failed at batch " + std::to_string(bucket) + ": " + what.substr(0, what.find('\n')));
        return;
    }
    s.graphs.emplace(std::make_pair(static_cast<int>(tower), bucket), std::move(c));
}

void CudaRunner::run(Tower tower, const void *host_rows, size_t n, float *out)
{
    SlotLease lease(acquire(), [this](Slot *s) { give_back(s); });
    Slot &s = *lease.slot;
    c10::cuda::CUDAGuard on(device);
    c10::cuda::CUDAStreamGuard stream(s.stream);
    torch::NoGradGuard no_grad;

    const int64_t rows = static_cast<int64_t>(n);
    std::vector<int64_t> shape;
    at::ScalarType dtype;
    if (tower == kImage) {
        const int64_t side = towers.shape.image_size;
        shape = {rows, 3, side, side};
        dtype = at::kFloat;
    } else {
        shape = {rows, static_cast<int64_t>(towers.shape.context_length)};
        dtype = at::kInt;
    }
    // Only read: from_blob wraps the caller's rows without a copy.
    at::Tensor from = at::from_blob(const_cast<void *>(host_rows), shape, at::TensorOptions().dtype(dtype));

    const int bucket = bucket_for(buckets, n);
    at::Tensor result;
    if (bucket == 0) {
        // Larger than any bucket (only a caller of the backend itself does
        // that: the pipeline never passes more than max_batch): unpadded.
        result = forward(tower, from.to(device, /*non_blocking=*/true));
    } else {
        bool graphs_on;
        {
            std::lock_guard<std::mutex> hold(lock);
            graphs_on = use_graphs;
        }
        auto it = s.graphs.find(std::make_pair(static_cast<int>(tower), bucket));
        if (graphs_on && it != s.graphs.end()) {
            Captured &c = it->second;
            c.input.narrow(0, 0, rows).copy_(from, /*non_blocking=*/true);
            if (rows < bucket)
                c.input.narrow(0, rows, bucket - rows).zero_();
            c.graph->replay();
            result = c.output.narrow(0, 0, rows);
        } else {
            shape[0] = bucket;
            at::Tensor x = at::zeros(shape, at::TensorOptions().dtype(dtype).device(device));
            x.narrow(0, 0, rows).copy_(from, /*non_blocking=*/true);
            result = forward(tower, x).narrow(0, 0, rows);
            if (graphs_on)
                capture(s, tower, bucket, x);
        }
    }
    // A blocking copy on the slot's stream: when it returns, the inputs have
    // been read and the rows are in `out`.
    at::from_blob(out, {rows, static_cast<int64_t>(towers.shape.dim)}, at::TensorOptions().dtype(at::kFloat))
        .copy_(result);
}

void *CudaRunner::host_alloc(size_t bytes)
{
    // LibTorch's page-locked caching allocator: it also records which
    // stream last copied from a buffer, so a reused one is never
    // overwritten while a copy from it is in flight.
    at::Tensor t = at::empty({static_cast<int64_t>(bytes)}, at::TensorOptions().dtype(at::kByte).pinned_memory(true));
    void *p = t.data_ptr();
    std::lock_guard<std::mutex> hold(host_lock);
    host.emplace(p, std::move(t));
    return p;
}

void CudaRunner::host_free(void *p)
{
    std::lock_guard<std::mutex> hold(host_lock);
    host.erase(p);
}

void CudaRunnerFree::operator()(CudaRunner *r) const noexcept
{
    try {
        delete r;
    } catch (...) {
    }
}

CudaRunnerPtr make_cuda_runner(const Towers &towers, const Placement &placement, const fc__backend_options &options)
{
    return CudaRunnerPtr(new CudaRunner(towers, placement, options));
}

void cuda_encode_image(CudaRunner &runner, const float *pixels, size_t n, float *out)
{
    runner.run(kImage, pixels, n, out);
}

void cuda_encode_text(CudaRunner &runner, const int32_t *ids, size_t n, float *out)
{
    runner.run(kText, ids, n, out);
}

void *cuda_host_alloc(CudaRunner &runner, size_t bytes) { return runner.host_alloc(bytes); }

void cuda_host_free(CudaRunner &runner, void *p) { runner.host_free(p); }

bool cuda_graphs(CudaRunner &runner, std::string &why) { return runner.graphs(why); }

void cuda_release_cached_memory() noexcept
{
    try {
        c10::cuda::CUDACachingAllocator::emptyCache();
    } catch (...) {
    }
}

} // namespace fc
