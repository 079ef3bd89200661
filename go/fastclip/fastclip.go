// Package fastclip runs OpenAI CLIP from Go through libfastclip (cgo): image
// preprocessing bit-identical to Pillow + torchvision, CLIP's tokenizer, and
// TorchScript CLIP models over LibTorch.
//
//	m, err := fastclip.Load("ViT-B-32.pt", "load:cpu")
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer m.Close()
//	img, err := m.EncodeImage("cat.jpg", fastclip.Normalize())
//	txt, err := m.EncodeText("a photo of a cat", fastclip.Normalize())
//	// cosine similarity: the dot product of img and txt
//
// The C library is found with pkg-config (`#cgo pkg-config: fastclip`), so
// PKG_CONFIG_PATH must reach fastclip.pc (an install) or
// fastclip-uninstalled.pc (a build tree); docs/bindings-go.md says how.
//
// Every function may be called from any number of goroutines at once, and so
// may every method of one Model: the C model is never changed by encoding.
// Close waits for calls in flight on that model and makes later ones return
// ErrClosed. No pointer to Go memory is kept by C after a call returns, and
// every result is a fresh Go slice.
//
// Errors are *Error values carrying the library's status and message;
// errors.Is(err, fastclip.ErrCorrupt) and its siblings test the status.
package fastclip

/*
#cgo pkg-config: fastclip
#include <stdlib.h>
#include <fastclip.h>
*/
import "C"

import (
	"fmt"
	"strings"
	"sync"
	"unsafe"
)

// Version is the version of the libfastclip actually loaded, "MAJOR.MINOR.PATCH"
// (fc_version_string).
func Version() string {
	return C.GoString(C.fc_version_string())
}

// HeaderVersion is the version of the fastclip.h this package was compiled
// against, "MAJOR.MINOR.PATCH". The library loaded at run time (Version) may
// be newer.
func HeaderVersion() string {
	return fmt.Sprintf("%d.%d.%d", C.FC_VERSION_MAJOR, C.FC_VERSION_MINOR, C.FC_VERSION_PATCH)
}

// cString copies s into C memory for one call; the caller frees it. Strings
// holding a NUL byte cannot be passed to C whole and are refused.
func cString(s, what string) (*C.char, *Error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, invalid(what + " contains a NUL byte")
	}
	return C.CString(s), nil
}

// ---- tokenizer -----------------------------------------------------------

var (
	tokOnce sync.Once
	tok     *C.fc_tokenizer // immutable once made; never freed
	tokErr  error
)

func tokenizer() (*C.fc_tokenizer, error) {
	tokOnce.Do(func() {
		var cerr C.fc_error
		if st := C.fc_tokenizer_new(nil, &tok, &cerr); st != C.FC_OK {
			tokErr = fromC(st, &cerr)
		}
	})
	return tok, tokErr
}

// DefaultContextLength is CLIP's context: 77 tokens.
const DefaultContextLength = 77

// Tokenize returns CLIP's token ids for text, exactly as OpenAI's
// clip.tokenize(text, context_length, truncate) does: contextLength ids
// (0 means 77): the start token, the text's tokens, the end token, then
// zeros. With truncate false a text that does not fit gives
// ErrTextTooLong; invalid UTF-8 gives ErrInvalidUTF8. The tokenizer (CLIP's
// BPE merges, built into the library) is made by the first call and shared.
func Tokenize(text string, contextLength int, truncate bool) ([]int32, error) {
	if contextLength == 0 {
		contextLength = DefaultContextLength
	}
	if contextLength < 0 || contextLength > 1<<30 {
		return nil, invalid(fmt.Sprintf("context length %d is out of range", contextLength))
	}
	t, err := tokenizer()
	if err != nil {
		return nil, err
	}
	ctext, e := cString(text, "text")
	if e != nil {
		return nil, e
	}
	defer C.free(unsafe.Pointer(ctext))
	trunc := C.fc_truncation(C.FC_TRUNCATE)
	if !truncate {
		trunc = C.FC_NO_TRUNCATE
	}
	ids := make([]int32, contextLength)
	var cerr C.fc_error
	st := C.fc_tokenize(t, ctext, C.int(contextLength), trunc,
		(*C.int32_t)(unsafe.Pointer(&ids[0])), C.size_t(len(ids)), nil, &cerr)
	if st != C.FC_OK {
		return nil, fromC(st, &cerr)
	}
	return ids, nil
}

// ---- preprocessing ---------------------------------------------------------

// PixelFormat is the layout of pixels you hold (fc_pixel_format), each
// treated as Pillow's Image.fromarray treats a uint8 array of that shape.
type PixelFormat int

const (
	Gray8  PixelFormat = C.FC_PIXEL_GRAY8  // H x W, Pillow mode L
	GrayA8 PixelFormat = C.FC_PIXEL_GRAYA8 // H x W x 2, mode LA
	RGB8   PixelFormat = C.FC_PIXEL_RGB8   // H x W x 3, mode RGB
	RGBA8  PixelFormat = C.FC_PIXEL_RGBA8  // H x W x 4, mode RGBA (resized premultiplied)
	BGR8   PixelFormat = C.FC_PIXEL_BGR8   // RGB8 with the channels reversed (OpenCV's order)
	BGRA8  PixelFormat = C.FC_PIXEL_BGRA8  // RGBA8 with B, G, R reversed
)

// BytesPerPixel is the size of one pixel in the format, 0 for an unknown one.
func (f PixelFormat) BytesPerPixel() int {
	switch f {
	case Gray8:
		return 1
	case GrayA8:
		return 2
	case RGB8, BGR8:
		return 3
	case RGBA8, BGRA8:
		return 4
	}
	return 0
}

// DefaultImageSize is CLIP's usual image side, 224.
const DefaultImageSize = 224

// checkPixels makes sure C reads only inside pix: C cannot check a length.
func checkPixels(pix []byte, width, height, stride int, format PixelFormat) *Error {
	bpp := format.BytesPerPixel()
	if bpp == 0 {
		return invalid(fmt.Sprintf("unknown pixel format %d", int(format)))
	}
	const maxInt32 = 1<<31 - 1
	if width <= 0 || height <= 0 || width > maxInt32 || height > maxInt32 {
		return invalid(fmt.Sprintf("image size %d x %d is invalid", width, height))
	}
	row := uint64(width) * uint64(bpp)
	if stride < 0 || uint64(stride) < row {
		return invalid(fmt.Sprintf("stride %d is less than width %d times %d bytes per pixel", stride, width, bpp))
	}
	need := uint64(height-1)*uint64(stride) + row
	if uint64(len(pix)) < need {
		return invalid(fmt.Sprintf("pixel buffer holds %d bytes; %d x %d with stride %d needs %d",
			len(pix), width, height, stride, need))
	}
	return nil
}

func preprocessParams(size int, opts []EncodeOption) (C.fc_preprocess_params, int, *Error) {
	var p C.fc_preprocess_params
	C.fc_preprocess_params_init(&p, C.sizeof_fc_preprocess_params)
	if size == 0 {
		size = DefaultImageSize
	}
	if size < 1 || size > C.FC_MAX_SIZE {
		return p, 0, invalid(fmt.Sprintf("image size %d is out of range 1..%d", size, C.FC_MAX_SIZE))
	}
	cfg := newEncodeConfig(opts)
	p.size = C.int(size)
	p.order = cfg.order
	if cfg.maxPixels != 0 {
		p.max_pixels = C.uint64_t(cfg.maxPixels)
	}
	if cfg.maxBytes != 0 {
		p.max_bytes = C.uint64_t(cfg.maxBytes)
	}
	return p, 3 * size * size, nil
}

// Preprocess returns CLIP's input tensor for the image file at path: 3 x n x
// n float32 values (n = size, 0 meaning 224), CHW, channels R, G, B, equal
// to Pillow + torchvision's value for value. RGBFirst, MaxPixels and MaxBytes
// apply; other options are ignored.
func Preprocess(path string, size int, opts ...EncodeOption) ([]float32, error) {
	p, n, e := preprocessParams(size, opts)
	if e != nil {
		return nil, e
	}
	cpath, e := cString(path, "path")
	if e != nil {
		return nil, e
	}
	defer C.free(unsafe.Pointer(cpath))
	out := make([]float32, n)
	var cerr C.fc_error
	if st := C.fc_preprocess_file(cpath, &p, (*C.float)(&out[0]), C.size_t(n), &cerr); st != C.FC_OK {
		return nil, fromC(st, &cerr)
	}
	return out, nil
}

// PreprocessBytes is Preprocess for an encoded image held in memory.
func PreprocessBytes(data []byte, size int, opts ...EncodeOption) ([]float32, error) {
	p, n, e := preprocessParams(size, opts)
	if e != nil {
		return nil, e
	}
	out := make([]float32, n)
	var cerr C.fc_error
	if st := C.fc_preprocess_memory(bytesPtr(data), C.size_t(len(data)), &p,
		(*C.float)(&out[0]), C.size_t(n), &cerr); st != C.FC_OK {
		return nil, fromC(st, &cerr)
	}
	return out, nil
}

// PreprocessPixels is Preprocess for pixels you hold: height rows of width
// pixels in format, each row starting stride bytes after the previous one.
func PreprocessPixels(pix []byte, width, height, stride int, format PixelFormat, size int,
	opts ...EncodeOption) ([]float32, error) {
	if e := checkPixels(pix, width, height, stride, format); e != nil {
		return nil, e
	}
	p, n, e := preprocessParams(size, opts)
	if e != nil {
		return nil, e
	}
	out := make([]float32, n)
	var cerr C.fc_error
	if st := C.fc_preprocess_pixels((*C.uint8_t)(unsafe.Pointer(&pix[0])), C.int(width), C.int(height),
		C.size_t(stride), C.fc_pixel_format(format), &p, (*C.float)(&out[0]), C.size_t(n), &cerr); st != C.FC_OK {
		return nil, fromC(st, &cerr)
	}
	return out, nil
}

// bytesPtr passes a byte slice's memory to C for the duration of a call
// (allowed by cgo: the bytes hold no Go pointers); nil for an empty slice.
func bytesPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}
