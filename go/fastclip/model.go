package fastclip

/*
#include <stdlib.h>
#include <fastclip.h>

// fc_image values are built here, on the C side: a Go-allocated fc_image
// holding a pointer to Go memory may not be passed to C.
static fc_status fcgo_encode_file(fc_model *m, const char *path, const fc_encode_params *p,
                                  float *out, size_t n, fc_error *err)
{
    fc_image img = fc_image_file(path);
    return fc_encode_image(m, &img, p, out, n, err);
}

static fc_status fcgo_encode_memory(fc_model *m, const void *data, size_t size,
                                    const fc_encode_params *p, float *out, size_t n, fc_error *err)
{
    fc_image img = fc_image_memory(data, size);
    return fc_encode_image(m, &img, p, out, n, err);
}

static fc_status fcgo_encode_pixels(fc_model *m, const uint8_t *pixels, int width, int height,
                                    size_t stride, fc_pixel_format format,
                                    const fc_encode_params *p, float *out, size_t n, fc_error *err)
{
    fc_image img = fc_image_pixels(pixels, width, height, stride, format);
    return fc_encode_image(m, &img, p, out, n, err);
}

// Both only store C pointers into C memory.
static void fcgo_set_file(fc_image *images, size_t i, const char *path)
{
    images[i] = fc_image_file(path);
}

static void fcgo_set_memory(fc_image *images, size_t i, const void *data, size_t size)
{
    images[i] = fc_image_memory(data, size);
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// ---- options ----------------------------------------------------------------

// Option changes how Load loads a model (fc_model_params).
type Option func(*loadConfig)

type loadConfig struct {
	device        string
	warmup        int
	warmupSet     bool // else the library's default (2)
	threads       int
	imageSize     int
	contextLength int
	bpePath       string
	kernels       Kernels
	kernelsSet    bool // else the library's default (KernelsFast)
	workers       int
	workersSet    bool // else the library's default (one per CPU)
	batchSize     int
	batchSizeSet  bool // else the library's default (64)
	precision     Precision
	precisionSet  bool // else PrecisionAuto
	graphs        bool
}

// WithDevice picks where the model runs: "cpu", "cuda" or "cuda:N". The
// default is the mode's own device ("cpu" for "load:cpu", "cuda:0" for
// "load:cuda"); a CUDA device with "load:cpu" runs the float32 model on that GPU.
func WithDevice(device string) Option { return func(c *loadConfig) { c.device = device } }

// WithWarmup sets the warm-up runs of each tower made by Load (default 2;
// 0 turns warm-up off). Warm-up changes no result, only the first call's speed.
func WithWarmup(n int) Option { return func(c *loadConfig) { c.warmup, c.warmupSet = n, true } }

// WithThreads sets LibTorch's intra-op thread count. This is process-wide:
// it changes every LibTorch user in the process. The default leaves it alone.
func WithThreads(n int) Option { return func(c *loadConfig) { c.threads = n } }

// WithImageSize gives the image side n for an export that does not carry
// its input_resolution (docs/models.md).
func WithImageSize(n int) Option { return func(c *loadConfig) { c.imageSize = n } }

// WithContextLength gives the tokens per text for a model that does not say.
func WithContextLength(n int) Option { return func(c *loadConfig) { c.contextLength = n } }

// WithBPE uses the bpe_simple_vocab_16e6.txt.gz at path instead of the copy
// of CLIP's BPE merges built into the library.
func WithBPE(path string) Option { return func(c *loadConfig) { c.bpePath = path } }

// Kernels picks the CPU kernels a float32 model runs (fc_kernels, the
// kernels field of fc_model_params; since libfastclip 0.3.0). On a GPU, and
// for "load:cuda", both values mean LibTorch's own kernels.
type Kernels int

const (
	// KernelsFast, the default: the model's linear layers run oneDNN's
	// matmul instead of MKL's sgemm (about 2x faster for ViT-B/32 on AMD
	// CPUs). Results differ from Python's torch by float32 rounding only:
	// within 1e-5, typically a few 1e-6. A LibTorch without that kernel
	// (Debian's 1.13) runs the reference kernels.
	KernelsFast Kernels = C.FC_KERNELS_FAST
	// KernelsReference runs the kernels Python's torch runs for the same
	// archive, so that results are bit-identical to Python's on the same
	// LibTorch build and thread count.
	KernelsReference Kernels = C.FC_KERNELS_REFERENCE
)

// String is "fast" or "reference" (the fastclip command's --kernels values),
// else "Kernels(N)".
func (k Kernels) String() string {
	switch k {
	case KernelsFast:
		return "fast"
	case KernelsReference:
		return "reference"
	}
	return fmt.Sprintf("Kernels(%d)", int(k))
}

// WithKernels picks the CPU kernels of a float32 model: KernelsFast (the
// default) or KernelsReference. Load returns ErrInvalidArgument for any
// other value.
func WithKernels(k Kernels) Option {
	return func(c *loadConfig) { c.kernels, c.kernelsSet = k, true }
}

// WithWorkers sets the threads that decode and preprocess (or tokenize) the
// items of a batch call while the model runs, the calling thread counted
// (fc_model_params.workers; since libfastclip 0.4.0). The default is one per
// CPU; 0 or 1 does everything in the calling thread. The count never
// changes a result.
func WithWorkers(n int) Option { return func(c *loadConfig) { c.workers, c.workersSet = n, true } }

// WithBatchSize sets the images or texts per model run
// (fc_model_params.micro_batch; since libfastclip 0.4.0, default 64): a batch
// call runs its items this many at a time, so its memory does not grow with
// the batch. The last bits of an embedding can depend on it.
func WithBatchSize(n int) Option {
	return func(c *loadConfig) { c.batchSize, c.batchSizeSet = n, true }
}

// Precision is the precision a model runs in (fc_precision, the precision
// field of fc_model_params; since libfastclip 0.5.0). docs/models.md gives
// each one's measured difference from Python's float32.
type Precision int

const (
	// PrecisionAuto, the default: the mode's own (PrecisionFloat32 for
	// "load:cpu", PrecisionStored for "load:cuda").
	PrecisionAuto Precision = C.FC_PRECISION_AUTO
	// PrecisionStored: as the archive stores it (float16 for OpenAI's), as
	// clip.load(device="cuda") runs it. GPU only.
	PrecisionStored Precision = C.FC_PRECISION_STORED
	// PrecisionFloat32: true float32 (on a GPU without TF32).
	PrecisionFloat32 Precision = C.FC_PRECISION_FLOAT32
	// PrecisionTF32: float32 weights, TF32 matrix products on a GPU;
	// float32 on the CPU. TF32 is one switch per process.
	PrecisionTF32 Precision = C.FC_PRECISION_TF32
	// PrecisionBFloat16: the archive's float16 weights and casts in bfloat16.
	PrecisionBFloat16 Precision = C.FC_PRECISION_BFLOAT16
)

// String is "auto", "stored", "float32", "tf32" or "bfloat16", else
// "Precision(N)".
func (p Precision) String() string {
	switch p {
	case PrecisionAuto:
		return "auto"
	case PrecisionStored:
		return "stored"
	case PrecisionFloat32:
		return "float32"
	case PrecisionTF32:
		return "tf32"
	case PrecisionBFloat16:
		return "bfloat16"
	}
	return fmt.Sprintf("Precision(%d)", int(p))
}

// WithPrecision sets the precision (default PrecisionAuto). Load returns
// ErrInvalidArgument for a value that is none of the above, and for
// PrecisionStored on the CPU.
func WithPrecision(p Precision) Option {
	return func(c *loadConfig) { c.precision, c.precisionSet = p, true }
}

// WithCUDAGraphs turns CUDA graphs on or off for a model on a GPU
// (fc_model_params.cuda_graphs; since libfastclip 0.5.0, experimental, off
// by default). Results are the same bytes either way; Model.CUDAGraphs
// says whether they are in use, and why not.
func WithCUDAGraphs(on bool) Option { return func(c *loadConfig) { c.graphs = on } }

// EncodeOption changes how images and texts are encoded (fc_encode_params)
// or, for the Preprocess functions, preprocessed.
type EncodeOption func(*encodeConfig)

type encodeConfig struct {
	normalize  bool
	order      C.fc_order
	truncation C.fc_truncation
	maxPixels  uint64
	maxBytes   uint64
	perItem    bool
}

// Normalize divides each embedding by its L2 norm (in float32, as
// x / x.norm(dim=-1, keepdim=True) does), so that dot products are cosines.
func Normalize() EncodeOption { return func(c *encodeConfig) { c.normalize = true } }

// RGBFirst converts images to RGB before resizing instead of CLIP's order
// (resize in the image's own mode, then convert).
func RGBFirst() EncodeOption { return func(c *encodeConfig) { c.order = C.FC_ORDER_RGB_FIRST } }

// NoTruncate makes texts longer than the context fail with ErrTextTooLong
// instead of being cut (clip.tokenize's truncate=False).
func NoTruncate() EncodeOption { return func(c *encodeConfig) { c.truncation = C.FC_NO_TRUNCATE } }

// MaxPixels sets the largest image accepted, in pixels (width * height);
// larger ones give ErrTooLarge. Default 178956970, Pillow's bomb threshold.
func MaxPixels(n uint64) EncodeOption { return func(c *encodeConfig) { c.maxPixels = n } }

// MaxBytes sets the largest encoded input accepted (file or buffer), in
// bytes; larger ones give ErrTooLarge. Default 1 GiB.
func MaxBytes(n uint64) EncodeOption { return func(c *encodeConfig) { c.maxBytes = n } }

// PerItemErrors makes a batch call encode every good item even when some
// fail: the rows of failed items are nil, and the error is an *Error with
// StatusPartial whose Items gives each item's status. Without it the first
// bad item fails the whole call (its index is in the message).
func PerItemErrors() EncodeOption { return func(c *encodeConfig) { c.perItem = true } }

func newEncodeConfig(opts []EncodeOption) encodeConfig {
	cfg := encodeConfig{order: C.FC_ORDER_PIL, truncation: C.FC_TRUNCATE}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return cfg
}

func (cfg *encodeConfig) params() C.fc_encode_params {
	var p C.fc_encode_params
	C.fc_encode_params_init(&p, C.sizeof_fc_encode_params)
	if cfg.normalize {
		p.normalize = 1
	}
	p.order = cfg.order
	p.truncation = cfg.truncation
	if cfg.maxPixels != 0 {
		p.max_pixels = C.uint64_t(cfg.maxPixels)
	}
	if cfg.maxBytes != 0 {
		p.max_bytes = C.uint64_t(cfg.maxBytes)
	}
	return p
}

// ---- the model ----------------------------------------------------------------

// Model is a loaded CLIP model. Its methods may be called from any number of
// goroutines at once; results equal serial calls. Close frees it.
type Model struct {
	mu            sync.RWMutex // read-held by every call, write-held by Close
	c             *C.fc_model  // nil once closed
	dim           int
	imageSize     int
	contextLength int
	device        string
	precision     Precision
}

// Load loads the TorchScript CLIP archive at path (OpenAI's released
// archives as they are, or your own export; docs/models.md).
//
// mode is "load:cpu" (float32, as clip.load does on the CPU; "" means this)
// or "load:cuda" / "load:cuda:N" (on the GPU, in the archive's own
// precision). Errors: ErrIO (cannot read the file), ErrModel (not a usable
// CLIP archive), ErrDevice (no such GPU, or a LibTorch without CUDA),
// ErrInvalidArgument (a bad mode or option), ErrUnsupported (the LibTorch
// backend, libfastclip_torch.so, cannot be loaded).
func Load(path, mode string, opts ...Option) (*Model, error) {
	var cfg loadConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	var p C.fc_model_params
	C.fc_model_params_init(&p, C.sizeof_fc_model_params)
	if cfg.kernelsSet {
		// Checked here: a Go int need not fit the C enum, and would wrap.
		if cfg.kernels != KernelsFast && cfg.kernels != KernelsReference {
			return nil, invalid(fmt.Sprintf("kernels is %d; use KernelsFast or KernelsReference", int(cfg.kernels)))
		}
		p.kernels = C.fc_kernels(cfg.kernels)
	}
	if cfg.workersSet {
		if cfg.workers < 0 || cfg.workers > 1<<30 {
			return nil, invalid(fmt.Sprintf("workers is %d; it must be 0 to 1024", cfg.workers))
		}
		p.workers = C.int(cfg.workers)
	}
	if cfg.batchSizeSet {
		if cfg.batchSize < 0 || cfg.batchSize > 1<<30 {
			return nil, invalid(fmt.Sprintf("micro_batch is %d; it must be 1 to %d", cfg.batchSize,
				C.FC_MAX_MICRO_BATCH))
		}
		p.micro_batch = C.int(cfg.batchSize)
	}
	if cfg.precisionSet {
		if cfg.precision < PrecisionAuto || cfg.precision > PrecisionBFloat16 {
			return nil, invalid(fmt.Sprintf("precision is %d; use a Precision constant", int(cfg.precision)))
		}
		p.precision = C.fc_precision(cfg.precision)
	}
	if cfg.graphs {
		p.cuda_graphs = 1
	}
	if cfg.warmupSet {
		if cfg.warmup < 0 || cfg.warmup > 1<<30 {
			return nil, invalid(fmt.Sprintf("warm-up %d is out of range", cfg.warmup))
		}
		p.warmup = C.int(cfg.warmup)
	}
	for _, v := range []struct {
		name  string
		value int
		dst   *C.int
	}{{"threads", cfg.threads, &p.n_threads}, {"image size", cfg.imageSize, &p.image_size},
		{"context length", cfg.contextLength, &p.context_length}} {
		if v.value < 0 || v.value > 1<<30 {
			return nil, invalid(fmt.Sprintf("%s %d is out of range", v.name, v.value))
		}
		*v.dst = C.int(v.value)
	}
	// C strings for this call only; the library copies what it keeps.
	var strs []*C.char
	defer func() {
		for _, s := range strs {
			C.free(unsafe.Pointer(s))
		}
	}()
	str := func(s, what string) (*C.char, *Error) {
		cs, e := cString(s, what)
		if e == nil {
			strs = append(strs, cs)
		}
		return cs, e
	}
	cpath, e := str(path, "path")
	if e != nil {
		return nil, e
	}
	var cmode *C.char // NULL: "load:cpu"
	if mode != "" {
		if cmode, e = str(mode, "mode"); e != nil {
			return nil, e
		}
	}
	if cfg.device != "" {
		if p.device, e = str(cfg.device, "device"); e != nil {
			return nil, e
		}
	}
	if cfg.bpePath != "" {
		if p.bpe_path, e = str(cfg.bpePath, "BPE path"); e != nil {
			return nil, e
		}
	}
	var cm *C.fc_model
	var cerr C.fc_error
	if st := C.fc_load(cpath, cmode, &p, &cm, &cerr); st != C.FC_OK {
		return nil, fromC(st, &cerr)
	}
	m := &Model{
		c:             cm,
		dim:           int(C.fc_model_dim(cm)),
		imageSize:     int(C.fc_model_image_size(cm)),
		contextLength: int(C.fc_model_context_length(cm)),
		device:        C.GoString(C.fc_model_device(cm)),
		precision:     Precision(C.fc_model_precision(cm)),
	}
	if m.dim <= 0 {
		C.fc_free(cm)
		return nil, &Error{Status: StatusInternal, Message: "the model reports no embedding width"}
	}
	// A model that is dropped without Close is freed by the collector.
	runtime.SetFinalizer(m, (*Model).Close)
	return m, nil
}

// Close frees the model. It waits for calls in flight on this model to
// return; calls after it return ErrClosed. Closing again does nothing.
func (m *Model) Close() error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.c != nil {
		C.fc_free(m.c)
		m.c = nil
		runtime.SetFinalizer(m, nil)
	}
	return nil
}

// Dim is the embedding width: floats per embedding (512 for ViT-B/32).
func (m *Model) Dim() int { return m.dim }

// ImageSize is the side n images are preprocessed to (224 for ViT-B/32).
func (m *Model) ImageSize() int { return m.imageSize }

// ContextLength is the number of tokens per text (77 for OpenAI's models).
func (m *Model) ContextLength() int { return m.contextLength }

// Device is where the model runs: "cpu" or "cuda:N".
func (m *Model) Device() string { return m.device }

// Precision is the precision the model runs in (never PrecisionAuto).
func (m *Model) Precision() Precision { return m.precision }

// CUDAGraphs says whether the model's calls replay CUDA graphs, and why
// not ("not on a GPU", "off: params.cuda_graphs is 0", or the capture's
// failure).
func (m *Model) CUDAGraphs() (bool, string, error) {
	c, err := m.acquire()
	if err != nil {
		return false, "", err
	}
	defer m.mu.RUnlock()
	var why C.fc_error
	on := C.fc_model_cuda_graphs(c, &why) != 0
	return on, C.GoString(&why.message[0]), nil
}

// acquire read-locks the model for one call; the caller must RUnlock after
// the C call returns (the deferred RUnlock also keeps m alive until then).
func (m *Model) acquire() (*C.fc_model, error) {
	if m == nil {
		return nil, ErrClosed
	}
	m.mu.RLock()
	if m.c == nil {
		m.mu.RUnlock()
		return nil, ErrClosed
	}
	return m.c, nil
}

type oneCall func(c *C.fc_model, p *C.fc_encode_params, out *C.float, n C.size_t, cerr *C.fc_error) C.fc_status

func (m *Model) encodeOne(opts []EncodeOption, call oneCall) ([]float32, error) {
	cfg := newEncodeConfig(opts)
	p := cfg.params()
	c, err := m.acquire()
	if err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	out := make([]float32, m.dim)
	var cerr C.fc_error
	if st := call(c, &p, (*C.float)(&out[0]), C.size_t(len(out)), &cerr); st != C.FC_OK {
		return nil, fromC(st, &cerr)
	}
	return out, nil
}

type batchCall func(c *C.fc_model, p *C.fc_encode_params, out *C.float, n C.size_t,
	statuses *C.fc_status, cerr *C.fc_error) C.fc_status

func (m *Model) encodeBatch(n int, opts []EncodeOption, call batchCall) ([][]float32, error) {
	cfg := newEncodeConfig(opts)
	p := cfg.params()
	c, err := m.acquire()
	if err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	d := m.dim
	flat := make([]float32, n*d)
	var statuses []C.fc_status
	var sp *C.fc_status
	if cfg.perItem {
		statuses = make([]C.fc_status, n)
		sp = &statuses[0]
	}
	var cerr C.fc_error
	st := call(c, &p, (*C.float)(&flat[0]), C.size_t(len(flat)), sp, &cerr)
	if st != C.FC_OK && !(st == C.FC_ERR_PARTIAL && cfg.perItem) {
		return nil, fromC(st, &cerr)
	}
	rows := make([][]float32, n)
	for i := range rows {
		if statuses == nil || statuses[i] == C.FC_OK {
			rows[i] = flat[i*d : (i+1)*d : (i+1)*d]
		}
	}
	if st != C.FC_OK {
		e := fromC(st, &cerr)
		e.Items = make([]Status, n)
		for i, s := range statuses {
			e.Items[i] = Status(s)
		}
		return rows, e
	}
	return rows, nil
}

// EncodeImage returns the embedding of the image file at path: Dim()
// float32 values. The image is preprocessed exactly as Preprocess does at
// the model's ImageSize, then run through the image tower. Errors: those
// of Preprocess, ErrModel, ErrClosed.
func (m *Model) EncodeImage(path string, opts ...EncodeOption) ([]float32, error) {
	cpath, e := cString(path, "path")
	if e != nil {
		return nil, e
	}
	defer C.free(unsafe.Pointer(cpath))
	return m.encodeOne(opts, func(c *C.fc_model, p *C.fc_encode_params, out *C.float, n C.size_t, cerr *C.fc_error) C.fc_status {
		return C.fcgo_encode_file(c, cpath, p, out, n, cerr)
	})
}

// EncodeImageBytes is EncodeImage for an encoded image (JPEG, PNG, GIF, BMP,
// TGA, PNM) held in memory. data is only read, and only during the call.
func (m *Model) EncodeImageBytes(data []byte, opts ...EncodeOption) ([]float32, error) {
	return m.encodeOne(opts, func(c *C.fc_model, p *C.fc_encode_params, out *C.float, n C.size_t, cerr *C.fc_error) C.fc_status {
		return C.fcgo_encode_memory(c, bytesPtr(data), C.size_t(len(data)), p, out, n, cerr)
	})
}

// EncodeImagePixels is EncodeImage for pixels you hold: height rows of width
// pixels in format, each row starting stride bytes after the previous one
// (stride >= width * format.BytesPerPixel()). pix must hold them all, else
// ErrInvalidArgument. An RGBA image from Go's image package is
// EncodeImagePixels(img.Pix, w, h, img.Stride, fastclip.RGBA8) (non-premultiplied
// *image.NRGBA; image.RGBA is premultiplied).
func (m *Model) EncodeImagePixels(pix []byte, width, height, stride int, format PixelFormat,
	opts ...EncodeOption) ([]float32, error) {
	if e := checkPixels(pix, width, height, stride, format); e != nil {
		return nil, e
	}
	return m.encodeOne(opts, func(c *C.fc_model, p *C.fc_encode_params, out *C.float, n C.size_t, cerr *C.fc_error) C.fc_status {
		return C.fcgo_encode_pixels(c, (*C.uint8_t)(unsafe.Pointer(&pix[0])), C.int(width), C.int(height),
			C.size_t(stride), C.fc_pixel_format(format), p, out, n, cerr)
	})
}

// EncodeText returns the embedding of a UTF-8 text: tokenized as Tokenize
// does at the model's ContextLength (cut to fit unless NoTruncate), then run
// through the text tower. Errors: ErrInvalidUTF8, ErrTextTooLong,
// ErrInvalidArgument (a NUL byte in text), ErrModel, ErrClosed.
func (m *Model) EncodeText(text string, opts ...EncodeOption) ([]float32, error) {
	ctext, e := cString(text, "text")
	if e != nil {
		return nil, e
	}
	defer C.free(unsafe.Pointer(ctext))
	return m.encodeOne(opts, func(c *C.fc_model, p *C.fc_encode_params, out *C.float, n C.size_t, cerr *C.fc_error) C.fc_status {
		return C.fc_encode_text(c, ctext, p, out, n, cerr)
	})
}

// cArray allocates n zeroed elements of size bytes in C memory.
func cArray(n int, size uintptr) (unsafe.Pointer, error) {
	ptr := C.calloc(C.size_t(n), C.size_t(size))
	if ptr == nil {
		return nil, &Error{Status: StatusOutOfMemory, Message: "cannot allocate the batch"}
	}
	return ptr, nil
}

// EncodeImages encodes image files as one batch: one embedding per path, in
// order. See PerItemErrors for batches with bad items.
func (m *Model) EncodeImages(paths []string, opts ...EncodeOption) ([][]float32, error) {
	n := len(paths)
	if n == 0 {
		return [][]float32{}, nil
	}
	ptr, err := cArray(n, C.sizeof_fc_image)
	if err != nil {
		return nil, err
	}
	defer C.free(ptr)
	images := (*C.fc_image)(ptr)
	cpaths := make([]*C.char, 0, n)
	defer func() {
		for _, s := range cpaths {
			C.free(unsafe.Pointer(s))
		}
	}()
	for i, path := range paths {
		cs, e := cString(path, fmt.Sprintf("path %d", i))
		if e != nil {
			return nil, e
		}
		cpaths = append(cpaths, cs)
		C.fcgo_set_file(images, C.size_t(i), cs)
	}
	return m.encodeBatch(n, opts, func(c *C.fc_model, p *C.fc_encode_params, out *C.float, outN C.size_t,
		st *C.fc_status, cerr *C.fc_error) C.fc_status {
		return C.fc_encode_images(c, images, C.size_t(n), p, out, outN, st, cerr)
	})
}

// EncodeImagesBytes encodes encoded images held in memory as one batch. The
// bytes are copied into C memory for the call (cgo forbids C memory holding
// pointers to Go memory).
func (m *Model) EncodeImagesBytes(data [][]byte, opts ...EncodeOption) ([][]float32, error) {
	n := len(data)
	if n == 0 {
		return [][]float32{}, nil
	}
	ptr, err := cArray(n, C.sizeof_fc_image)
	if err != nil {
		return nil, err
	}
	defer C.free(ptr)
	images := (*C.fc_image)(ptr)
	copies := make([]unsafe.Pointer, 0, n)
	defer func() {
		for _, b := range copies {
			C.free(b)
		}
	}()
	for i, b := range data {
		var cb unsafe.Pointer
		if len(b) > 0 {
			cb = C.CBytes(b)
			copies = append(copies, cb)
		}
		C.fcgo_set_memory(images, C.size_t(i), cb, C.size_t(len(b)))
	}
	return m.encodeBatch(n, opts, func(c *C.fc_model, p *C.fc_encode_params, out *C.float, outN C.size_t,
		st *C.fc_status, cerr *C.fc_error) C.fc_status {
		return C.fc_encode_images(c, images, C.size_t(n), p, out, outN, st, cerr)
	})
}

// EncodeTexts encodes texts as one batch: one embedding per text, in order.
// See PerItemErrors for batches with bad items.
func (m *Model) EncodeTexts(texts []string, opts ...EncodeOption) ([][]float32, error) {
	n := len(texts)
	if n == 0 {
		return [][]float32{}, nil
	}
	ptr, err := cArray(n, unsafe.Sizeof((*C.char)(nil)))
	if err != nil {
		return nil, err
	}
	defer C.free(ptr)
	ctexts := unsafe.Slice((**C.char)(ptr), n)
	defer func() {
		for _, s := range ctexts {
			if s != nil {
				C.free(unsafe.Pointer(s))
			}
		}
	}()
	for i, text := range texts {
		cs, e := cString(text, fmt.Sprintf("text %d", i))
		if e != nil {
			return nil, e
		}
		ctexts[i] = cs
	}
	return m.encodeBatch(n, opts, func(c *C.fc_model, p *C.fc_encode_params, out *C.float, outN C.size_t,
		st *C.fc_status, cerr *C.fc_error) C.fc_status {
		return C.fc_encode_texts(c, (**C.char)(ptr), C.size_t(n), p, out, outN, st, cerr)
	})
}

// preparedCall is fc_encode_image_tensors or fc_encode_token_ids on the
// caller's data.
type preparedCall func(c *C.fc_model, n C.size_t, p *C.fc_encode_params, out *C.float, outN C.size_t,
	cerr *C.fc_error) C.fc_status

// encodePrepared runs one of them on n inputs and splits the rows out.
func (m *Model) encodePrepared(n int, opts []EncodeOption, call preparedCall) ([][]float32, error) {
	if n == 0 {
		return [][]float32{}, nil
	}
	cfg := newEncodeConfig(opts)
	p := cfg.params()
	c, err := m.acquire()
	if err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	d := m.dim
	flat := make([]float32, n*d)
	var cerr C.fc_error
	if st := call(c, C.size_t(n), &p, (*C.float)(&flat[0]), C.size_t(len(flat)), &cerr); st != C.FC_OK {
		return nil, fromC(st, &cerr)
	}
	rows := make([][]float32, n)
	for i := range rows {
		rows[i] = flat[i*d : (i+1)*d : (i+1)*d]
	}
	return rows, nil
}

// EncodeImageTensors encodes images that were already preprocessed: pixels
// holds n x 3 x s x s float32 values in C order (NCHW), s = ImageSize(), as
// Preprocess returns them one after another (fc_encode_image_tensors; since
// libfastclip 0.5.0). Only Normalize applies of the options. Errors:
// ErrInvalidArgument (a length that is not a whole number of images),
// ErrModel, ErrClosed.
func (m *Model) EncodeImageTensors(pixels []float32, opts ...EncodeOption) ([][]float32, error) {
	per := 3 * m.imageSize * m.imageSize
	if per == 0 || len(pixels)%per != 0 {
		return nil, invalid(fmt.Sprintf("pixels has %d floats; images of 3 x %d x %d take %d each",
			len(pixels), m.imageSize, m.imageSize, per))
	}
	return m.encodePrepared(len(pixels)/per, opts, func(c *C.fc_model, n C.size_t, p *C.fc_encode_params,
		out *C.float, outN C.size_t, cerr *C.fc_error) C.fc_status {
		return C.fc_encode_image_tensors(c, (*C.float)(&pixels[0]), n, p, out, outN, cerr)
	})
}

// EncodeTokenIDs encodes texts that were already tokenized: ids holds n x c
// token ids, c = ContextLength(), as Tokenize returns them one after
// another (fc_encode_token_ids; since libfastclip 0.5.0). Every id must be
// 0 to 49407 (ErrInvalidArgument otherwise, before anything runs). Only
// Normalize applies of the options.
func (m *Model) EncodeTokenIDs(ids []int32, opts ...EncodeOption) ([][]float32, error) {
	per := m.contextLength
	if per == 0 || len(ids)%per != 0 {
		return nil, invalid(fmt.Sprintf("ids has %d values; texts of %d tokens take %d each",
			len(ids), per, per))
	}
	return m.encodePrepared(len(ids)/per, opts, func(c *C.fc_model, n C.size_t, p *C.fc_encode_params,
		out *C.float, outN C.size_t, cerr *C.fc_error) C.fc_status {
		return C.fc_encode_token_ids(c, (*C.int32_t)(&ids[0]), n, p, out, outN, cerr)
	})
}
