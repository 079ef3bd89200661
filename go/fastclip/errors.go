package fastclip

/*
#include <fastclip.h>
*/
import "C"

// Status is the library's fc_status: why a call failed. The values are the
// C library's and are fixed forever; new ones may be added, so treat an
// unknown non-zero value as a generic failure.
type Status int

// The statuses, one for each fc_status of fastclip.h.
const (
	StatusOK              Status = C.FC_OK
	StatusInvalidArgument Status = C.FC_ERR_INVALID_ARGUMENT // bad argument, size or parameter
	StatusBufferTooSmall  Status = C.FC_ERR_BUFFER_TOO_SMALL // never seen from Go: the package sizes its buffers
	StatusOutOfMemory     Status = C.FC_ERR_OUT_OF_MEMORY
	StatusIO              Status = C.FC_ERR_IO             // a file could not be opened or read
	StatusUnknownFormat   Status = C.FC_ERR_UNKNOWN_FORMAT // the bytes are not an image the library recognises
	StatusUnsupported     Status = C.FC_ERR_UNSUPPORTED    // a format variant Pillow also rejects, or no LibTorch backend
	StatusCorrupt         Status = C.FC_ERR_CORRUPT        // the image data is malformed
	StatusTruncated       Status = C.FC_ERR_TRUNCATED      // the image data ends early
	StatusTooLarge        Status = C.FC_ERR_TOO_LARGE      // over MaxPixels or MaxBytes
	StatusInternal        Status = C.FC_ERR_INTERNAL       // a bug in libfastclip
	StatusInvalidUTF8     Status = C.FC_ERR_INVALID_UTF8   // text is not valid UTF-8
	StatusTextTooLong     Status = C.FC_ERR_TEXT_TOO_LONG  // more tokens than the context, with NoTruncate
	StatusModel           Status = C.FC_ERR_MODEL          // not a usable CLIP model, or the model failed
	StatusDevice          Status = C.FC_ERR_DEVICE         // the requested device is not available
	StatusPartial         Status = C.FC_ERR_PARTIAL        // a batch with PerItemErrors: some items failed
)

// String is the library's English name of the status (fc_status_string),
// e.g. "corrupt image data".
func (s Status) String() string {
	if s < 0 || int64(s) > int64(^uint32(0)) {
		return "unknown status"
	}
	return C.GoString(C.fc_status_string(C.fc_status(s)))
}

// Error is the error every function of this package returns: the library's
// status and its one-line message. Compare with errors.Is against the
// Err... sentinels (errors.Is(err, fastclip.ErrCorrupt)), or take the
// status with errors.As:
//
//	var fe *fastclip.Error
//	if errors.As(err, &fe) && fe.Status == fastclip.StatusIO { ... }
type Error struct {
	Status  Status
	Message string // the library's message, e.g. "cat.jpg: No such file or directory"
	// Items holds, for a batch call made with PerItemErrors that returned
	// StatusPartial, the status of each item in order (StatusOK for the
	// ones that were encoded). Nil otherwise.
	Items []Status
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "fastclip: " + e.Status.String()
	}
	return "fastclip: " + e.Message
}

// Is makes errors.Is(err, target) true when target is an *Error without a
// message (the Err... sentinels) and of the same status.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && t.Message == "" && t.Items == nil && t.Status == e.Status
}

// Sentinels for errors.Is, one per status. errors.Is(err, ErrIO) is true for
// every *Error whose Status is StatusIO, whatever its message.
var (
	ErrInvalidArgument = &Error{Status: StatusInvalidArgument}
	ErrBufferTooSmall  = &Error{Status: StatusBufferTooSmall}
	ErrOutOfMemory     = &Error{Status: StatusOutOfMemory}
	ErrIO              = &Error{Status: StatusIO}
	ErrUnknownFormat   = &Error{Status: StatusUnknownFormat}
	ErrUnsupported     = &Error{Status: StatusUnsupported}
	ErrCorrupt         = &Error{Status: StatusCorrupt}
	ErrTruncated       = &Error{Status: StatusTruncated}
	ErrTooLarge        = &Error{Status: StatusTooLarge}
	ErrInternal        = &Error{Status: StatusInternal}
	ErrInvalidUTF8     = &Error{Status: StatusInvalidUTF8}
	ErrTextTooLong     = &Error{Status: StatusTextTooLong}
	ErrModel           = &Error{Status: StatusModel}
	ErrDevice          = &Error{Status: StatusDevice}
	ErrPartial         = &Error{Status: StatusPartial}
)

// ErrClosed is returned by every method of a Model after Close. It has
// StatusInvalidArgument, so errors.Is(err, ErrInvalidArgument) holds too.
var ErrClosed = &Error{Status: StatusInvalidArgument, Message: "the model is closed"}

// fromC turns a failed call's status and fc_error into an *Error.
func fromC(st C.fc_status, cerr *C.fc_error) *Error {
	e := &Error{Status: Status(st)}
	if cerr != nil {
		e.Message = C.GoString(&cerr.message[0])
	}
	return e
}

func invalid(msg string) *Error {
	return &Error{Status: StatusInvalidArgument, Message: msg}
}
