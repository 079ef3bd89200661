package fastclip_test

// Tests of the Go binding against the freshly built library and the small
// CLIP archives of tests/models/clipmodels.py (make check-go sets it up):
//
//	FASTCLIP_TEST_MODELS  folder with the archives and manifest.json
//	                      (default ../../build/test-models)
//	FASTCLIP_CLI          the fastclip command of the same build
//	                      (default ../../build/bin/fastclip)
//
// Embeddings, tensors and token ids are compared bit for bit with what the
// fastclip command writes for the same inputs.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"libfastclip.dev/go/fastclip"
)

var (
	modelsDir string // the test archives
	cliPath   string // build/bin/fastclip
	imgDir    string // generated images
)

func TestMain(m *testing.M) {
	modelsDir = envPath("FASTCLIP_TEST_MODELS", "../../build/test-models")
	cliPath = envPath("FASTCLIP_CLI", "../../build/bin/fastclip")
	dir, err := os.MkdirTemp("", "fastclip-go-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	imgDir = dir
	if err := writeImages(dir); err != nil {
		fmt.Fprintln(os.Stderr, "writing test images:", err)
		os.Exit(2)
	}
	code := m.Run()
	closeModels()
	os.RemoveAll(dir)
	os.Exit(code)
}

func envPath(name, def string) string {
	p := os.Getenv(name)
	if p == "" {
		p = def
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return abs
}

// needModels skips (or, when make check-go named them, fails) without the
// test archives and the command.
func needModels(t *testing.T) {
	t.Helper()
	for _, p := range []string{filepath.Join(modelsDir, "manifest.json"), cliPath} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("FASTCLIP_TEST_MODELS") != "" {
				t.Fatalf("%v (FASTCLIP_TEST_MODELS and FASTCLIP_CLI are set, so they must exist)", err)
			}
			t.Skipf("%v: run make check-go, or set FASTCLIP_TEST_MODELS and FASTCLIP_CLI", err)
		}
	}
}

func modelPath(name string) string { return filepath.Join(modelsDir, name+".pt") }

// The archives that load, and the options each needs.
var goodModels = []struct {
	name string
	opts []fastclip.Option
	cli  []string
}{
	{"openai_style", nil, nil},
	{"traced_fp32", nil, nil},
	{"scripted_fp32", nil, nil},
	{"bare_traced", []fastclip.Option{fastclip.WithImageSize(40)}, []string{"--image-size", "40"}},
}

// Models are loaded once and shared by the tests (which is itself a use
// from several goroutines when tests run in parallel).
var (
	loadedMu sync.Mutex
	loaded   = map[string]*fastclip.Model{}
)

func model(t *testing.T, name string) *fastclip.Model {
	t.Helper()
	needModels(t)
	loadedMu.Lock()
	defer loadedMu.Unlock()
	if m := loaded[name]; m != nil {
		return m
	}
	var opts []fastclip.Option
	for _, g := range goodModels {
		if g.name == name {
			opts = g.opts
		}
	}
	m, err := fastclip.Load(modelPath(name), "load:cpu", opts...)
	if err != nil {
		t.Fatalf("Load(%s): %v", name, err)
	}
	loaded[name] = m
	return m
}

func closeModels() {
	loadedMu.Lock()
	defer loadedMu.Unlock()
	for _, m := range loaded {
		m.Close()
	}
}

// ---- inputs ---------------------------------------------------------------------

var texts = []string{
	"a photo of a cat",
	"",
	"A Dog playing in the SNOW!!",
	"ünïcödé ✓ 日本語 &amp; <b>html</b>",
	strings.Repeat("an extremely long caption ", 20),
}

func img(name string) string { return filepath.Join(imgDir, name) }

// The images the embedding tests use (good ones, every decoder path that
// Go's encoders can write: RGB and grey and RGBA PNG, JPEG, GIF).
var goodImages = []string{"rgb.png", "photo.jpg", "gray.png", "alpha.png", "palette.gif"}

func writeImages(dir string) error {
	r := rand.New(rand.NewSource(4))
	rgb := image.NewNRGBA(image.Rect(0, 0, 61, 47))
	for y := 0; y < 47; y++ {
		for x := 0; x < 61; x++ {
			rgb.Set(x, y, color.NRGBA{uint8(x * 4), uint8(y * 5), uint8(r.Intn(256)), 255})
		}
	}
	photo := image.NewRGBA(image.Rect(0, 0, 97, 61))
	for y := 0; y < 61; y++ {
		for x := 0; x < 97; x++ {
			photo.Set(x, y, color.RGBA{uint8(128 + 100*math.Sin(float64(x)/9)), uint8(y * 4),
				uint8(r.Intn(64) + x), 255})
		}
	}
	gray := image.NewGray(image.Rect(0, 0, 33, 29))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(r.Intn(256))
	}
	alpha := image.NewNRGBA(image.Rect(0, 0, 40, 90))
	for y := 0; y < 90; y++ {
		for x := 0; x < 40; x++ {
			alpha.Set(x, y, color.NRGBA{uint8(r.Intn(256)), uint8(x * 6), uint8(y * 2), uint8(y * 255 / 89)})
		}
	}
	pal := image.NewPaletted(image.Rect(0, 0, 50, 50),
		color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 200, 50, 255},
			color.RGBA{20, 30, 250, 255}, color.RGBA{255, 255, 255, 255}})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(r.Intn(5))
	}
	var rgbPNG, bufJPG, grayPNG, alphaPNG, palGIF bytes.Buffer
	for _, err := range []error{
		png.Encode(&rgbPNG, rgb), jpeg.Encode(&bufJPG, photo, &jpeg.Options{Quality: 90}),
		png.Encode(&grayPNG, gray), png.Encode(&alphaPNG, alpha), gif.Encode(&palGIF, pal, nil),
	} {
		if err != nil {
			return err
		}
	}
	// Bad ones: a PNG whose pixel data is damaged (CRCs fixed up, so that
	// only the zlib stream is wrong), the first half of a PNG, not an image.
	corrupt := damagePNG(rgbPNG.Bytes())
	files := map[string][]byte{
		"rgb.png": rgbPNG.Bytes(), "photo.jpg": bufJPG.Bytes(), "gray.png": grayPNG.Bytes(),
		"alpha.png": alphaPNG.Bytes(), "palette.gif": palGIF.Bytes(),
		"corrupt.png":   corrupt,
		"truncated.png": rgbPNG.Bytes()[:rgbPNG.Len()/2],
		"notimage.txt":  []byte("this is not an image\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// damagePNG overwrites the start of the first IDAT chunk's zlib stream
// with an invalid header and recomputes the chunk's CRC.
func damagePNG(p []byte) []byte {
	p = append([]byte(nil), p...)
	for off := 8; off+12 <= len(p); {
		n := int(binary.BigEndian.Uint32(p[off:]))
		if string(p[off+4:off+8]) == "IDAT" {
			data := p[off+8 : off+8+n]
			for i := 0; i < n && i < 16; i++ {
				data[i] ^= 0xA5
			}
			crc := crc32png(p[off+4 : off+8+n])
			binary.BigEndian.PutUint32(p[off+8+n:], crc)
			return p
		}
		off += 12 + n
	}
	panic("no IDAT")
}

func crc32png(b []byte) uint32 {
	c := ^uint32(0)
	for _, v := range b {
		c ^= uint32(v)
		for k := 0; k < 8; k++ {
			if c&1 != 0 {
				c = 0xEDB88320 ^ (c >> 1)
			} else {
				c >>= 1
			}
		}
	}
	return ^c
}

// ---- the fastclip command and its .npy files -------------------------------------

func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(cliPath, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("fastclip %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

var npyShape = regexp.MustCompile(`'shape':\s*\(([0-9,\s]*)\)`)

// readNpy reads a little-endian float32 C-order .npy file.
func readNpy(t *testing.T, path string) ([]float32, []int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		t.Fatalf("%s: not a .npy file", path)
	}
	var hlen, start int
	switch b[6] {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:])), 10
	case 2, 3:
		hlen, start = int(binary.LittleEndian.Uint32(b[8:])), 12
	default:
		t.Fatalf("%s: .npy version %d", path, b[6])
	}
	header := string(b[start : start+hlen])
	if !strings.Contains(header, "'descr': '<f4'") || !strings.Contains(header, "'fortran_order': False") {
		t.Fatalf("%s: not little-endian float32 in C order: %s", path, header)
	}
	sm := npyShape.FindStringSubmatch(header)
	if sm == nil {
		t.Fatalf("%s: no shape in %s", path, header)
	}
	var shape []int
	count := 1
	for _, f := range strings.Split(sm[1], ",") {
		if f = strings.TrimSpace(f); f != "" {
			v, _ := strconv.Atoi(f)
			shape = append(shape, v)
			count *= v
		}
	}
	data := b[start+hlen:]
	if len(data) != 4*count {
		t.Fatalf("%s: %d data bytes for shape %v", path, len(data), shape)
	}
	out := make([]float32, count)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return out, shape
}

// sameBits reports the first index where a and b differ bit for bit.
func sameBits(a, b []float32) (int, bool) {
	if len(a) != len(b) {
		return -1, false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i, false
		}
	}
	return 0, true
}

func assertSame(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if i, ok := sameBits(got, want); !ok {
		if i < 0 {
			t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
		}
		t.Fatalf("%s: value %d is %v, want %v", what, i, got[i], want[i])
	}
}

func flatten(rows [][]float32) []float32 {
	var out []float32
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// ---- version and errors ------------------------------------------------------------

func TestVersion(t *testing.T) {
	if fastclip.Version() != fastclip.HeaderVersion() {
		t.Fatalf("library %s, header %s", fastclip.Version(), fastclip.HeaderVersion())
	}
	if _, err := os.Stat(cliPath); err == nil {
		if got := strings.TrimSpace(runCLI(t, "version")); got != "fastclip "+fastclip.Version() {
			t.Fatalf("fastclip version says %q, Version() %q", got, fastclip.Version())
		}
	}
}

func TestErrorValues(t *testing.T) {
	sentinels := map[fastclip.Status]*fastclip.Error{
		fastclip.StatusInvalidArgument: fastclip.ErrInvalidArgument,
		fastclip.StatusBufferTooSmall:  fastclip.ErrBufferTooSmall,
		fastclip.StatusOutOfMemory:     fastclip.ErrOutOfMemory,
		fastclip.StatusIO:              fastclip.ErrIO,
		fastclip.StatusUnknownFormat:   fastclip.ErrUnknownFormat,
		fastclip.StatusUnsupported:     fastclip.ErrUnsupported,
		fastclip.StatusCorrupt:         fastclip.ErrCorrupt,
		fastclip.StatusTruncated:       fastclip.ErrTruncated,
		fastclip.StatusTooLarge:        fastclip.ErrTooLarge,
		fastclip.StatusInternal:        fastclip.ErrInternal,
		fastclip.StatusInvalidUTF8:     fastclip.ErrInvalidUTF8,
		fastclip.StatusTextTooLong:     fastclip.ErrTextTooLong,
		fastclip.StatusModel:           fastclip.ErrModel,
		fastclip.StatusDevice:          fastclip.ErrDevice,
		fastclip.StatusPartial:         fastclip.ErrPartial,
	}
	if len(sentinels) != 15 || fastclip.StatusPartial != 15 || fastclip.StatusCorrupt != 7 {
		t.Fatal("statuses do not mirror fc_status")
	}
	for s, sentinel := range sentinels {
		err := fmt.Errorf("wrapped: %w", &fastclip.Error{Status: s, Message: "x"})
		for s2, other := range sentinels {
			if errors.Is(err, other) != (s == s2) {
				t.Errorf("errors.Is(%v error, Err for %v) = %v", s, s2, !(s == s2))
			}
		}
		var fe *fastclip.Error
		if !errors.As(err, &fe) || fe.Status != s {
			t.Errorf("errors.As lost status %v", s)
		}
		if s.String() == "" || s.String() == "unknown status" || sentinel.Error() != "fastclip: "+s.String() {
			t.Errorf("status %d: String %q, sentinel %q", int(s), s.String(), sentinel.Error())
		}
	}
	if fastclip.StatusCorrupt.String() != "corrupt image data" || fastclip.Status(999).String() != "unknown status" ||
		fastclip.Status(-1).String() != "unknown status" {
		t.Errorf("status strings: %q %q", fastclip.StatusCorrupt, fastclip.Status(999))
	}
	if !errors.Is(fastclip.ErrClosed, fastclip.ErrInvalidArgument) || errors.Is(fastclip.ErrInvalidArgument, fastclip.ErrClosed) {
		t.Error("ErrClosed is an invalid-argument error, not the other way round")
	}
	if e := (&fastclip.Error{Status: fastclip.StatusIO, Message: "a.jpg: gone"}); e.Error() != "fastclip: a.jpg: gone" {
		t.Errorf("Error() = %q", e.Error())
	}
}

// wantErr checks that err is an *Error of the sentinel's status with a message.
func wantErr(t *testing.T, what string, err error, sentinel *fastclip.Error) *fastclip.Error {
	t.Helper()
	var fe *fastclip.Error
	if err == nil || !errors.As(err, &fe) {
		t.Fatalf("%s: error %v, want %v", what, err, sentinel)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("%s: %v (status %d %v), want status %v", what, err, int(fe.Status), fe.Status, sentinel.Status)
	}
	if fe.Message == "" {
		t.Fatalf("%s: %v has no message", what, err)
	}
	return fe
}

// ---- preprocessing and the tokenizer ------------------------------------------------

func TestPreprocessEqualsCLI(t *testing.T) {
	needModels(t)
	tmp := t.TempDir()
	cases := []struct {
		file string
		size int
		opts []fastclip.EncodeOption
		cli  []string
	}{
		{"photo.jpg", 0, nil, nil},
		{"rgb.png", 64, nil, []string{"--size", "64"}},
		{"alpha.png", 40, nil, []string{"--size", "40"}},
		{"alpha.png", 40, []fastclip.EncodeOption{fastclip.RGBFirst()}, []string{"--size", "40", "--rgb-first"}},
		{"palette.gif", 33, nil, []string{"--size", "33"}},
		{"gray.png", 7, nil, []string{"--size", "7"}},
	}
	for i, c := range cases {
		out := filepath.Join(tmp, fmt.Sprintf("p%d.npy", i))
		runCLI(t, append(append([]string{"preprocess"}, c.cli...), img(c.file), "-o", out)...)
		want, shape := readNpy(t, out)
		n := c.size
		if n == 0 {
			n = 224
		}
		if len(shape) != 3 || shape[0] != 3 || shape[1] != n || shape[2] != n {
			t.Fatalf("%s: CLI shape %v", c.file, shape)
		}
		got, err := fastclip.Preprocess(img(c.file), c.size, c.opts...)
		if err != nil {
			t.Fatalf("Preprocess(%s): %v", c.file, err)
		}
		assertSame(t, "Preprocess "+c.file, got, want)
		data, _ := os.ReadFile(img(c.file))
		got, err = fastclip.PreprocessBytes(data, c.size, c.opts...)
		if err != nil {
			t.Fatalf("PreprocessBytes(%s): %v", c.file, err)
		}
		assertSame(t, "PreprocessBytes "+c.file, got, want)
	}
}

func TestPreprocessErrors(t *testing.T) {
	for _, c := range []struct {
		file     string
		sentinel *fastclip.Error
	}{
		{"missing.png", fastclip.ErrIO}, {"corrupt.png", fastclip.ErrCorrupt},
		{"truncated.png", fastclip.ErrTruncated}, {"notimage.txt", fastclip.ErrUnknownFormat},
	} {
		_, err := fastclip.Preprocess(img(c.file), 0)
		wantErr(t, "Preprocess "+c.file, err, c.sentinel)
	}
	_, err := fastclip.Preprocess(img("rgb.png"), -1)
	wantErr(t, "size -1", err, fastclip.ErrInvalidArgument)
	_, err = fastclip.Preprocess(img("rgb.png"), 5000)
	wantErr(t, "size 5000", err, fastclip.ErrInvalidArgument)
	_, err = fastclip.Preprocess(img("rgb.png")+"\x00.jpg", 0)
	wantErr(t, "NUL in path", err, fastclip.ErrInvalidArgument)
	_, err = fastclip.Preprocess(img("rgb.png"), 0, fastclip.MaxPixels(100))
	wantErr(t, "MaxPixels", err, fastclip.ErrTooLarge)
	_, err = fastclip.PreprocessBytes(nil, 0)
	if err == nil {
		t.Fatal("PreprocessBytes(nil) succeeded")
	}
	_, err = fastclip.PreprocessPixels(make([]byte, 10), 4, 4, 12, fastclip.RGB8, 0)
	wantErr(t, "short pixel buffer", err, fastclip.ErrInvalidArgument)
	_, err = fastclip.PreprocessPixels(make([]byte, 100), 4, 4, 11, fastclip.RGB8, 0)
	wantErr(t, "stride too small", err, fastclip.ErrInvalidArgument)
	_, err = fastclip.PreprocessPixels(make([]byte, 100), 4, 4, 12, fastclip.PixelFormat(9), 0)
	wantErr(t, "unknown format", err, fastclip.ErrInvalidArgument)
	_, err = fastclip.PreprocessPixels(nil, 0, 4, 12, fastclip.RGB8, 0)
	wantErr(t, "zero width", err, fastclip.ErrInvalidArgument)
}

func TestTokenizeEqualsCLI(t *testing.T) {
	needModels(t)
	cases := append(append([]string{}, texts...), "Hello, world", "it's  a\ttest\u00a0\u2019s", "🙂🙂 emoji")
	for _, context := range []int{0, 10, 24} {
		for _, text := range cases {
			args := []string{"tokenize"}
			if context != 0 {
				args = append(args, "--context-length", strconv.Itoa(context))
			}
			fields := strings.Fields(runCLI(t, append(args, "--", text)...))
			got, err := fastclip.Tokenize(text, context, true)
			if err != nil {
				t.Fatalf("Tokenize(%q, %d): %v", text, context, err)
			}
			want := make([]int32, len(fields))
			for i, f := range fields {
				v, _ := strconv.Atoi(f)
				want[i] = int32(v)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("Tokenize(%q, %d) = %v\nfastclip tokenize: %v", text, context, got, want)
			}
		}
	}
	ids, err := fastclip.Tokenize("a b c", 5, false)
	if err != nil || len(ids) != 5 || ids[0] != 49406 || ids[4] != 49407 {
		t.Fatalf("Tokenize(a b c, 5, false) = %v, %v", ids, err)
	}
}

func TestTokenizeErrors(t *testing.T) {
	_, err := fastclip.Tokenize("a b c d e f", 5, false)
	wantErr(t, "too long", err, fastclip.ErrTextTooLong)
	_, err = fastclip.Tokenize("bad \xff\xfe utf-8", 0, true)
	wantErr(t, "invalid UTF-8", err, fastclip.ErrInvalidUTF8)
	_, err = fastclip.Tokenize("nul \x00 byte", 0, true)
	wantErr(t, "NUL", err, fastclip.ErrInvalidArgument)
	_, err = fastclip.Tokenize("x", -3, true)
	wantErr(t, "negative context", err, fastclip.ErrInvalidArgument)
	_, err = fastclip.Tokenize("x", 1, true)
	wantErr(t, "context 1", err, fastclip.ErrInvalidArgument)
}

// ---- models --------------------------------------------------------------------------

func goodPaths() []string {
	var p []string
	for _, f := range goodImages {
		p = append(p, img(f))
	}
	return p
}

// cliEmbed runs fastclip embed on the images then the texts.
func cliEmbed(t *testing.T, name string, extra []string, images, txts []string) ([]float32, []int) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "embed.npy")
	args := append([]string{"embed", "--model", modelPath(name)}, extra...)
	for _, p := range images {
		args = append(args, "--image", p)
	}
	for _, s := range txts {
		args = append(args, "--text", s)
	}
	runCLI(t, append(args, "-o", out)...)
	return readNpy(t, out)
}

func TestEmbeddingsEqualCLI(t *testing.T) {
	needModels(t)
	for _, g := range goodModels {
		g := g
		t.Run(g.name, func(t *testing.T) {
			m := model(t, g.name)
			want, shape := cliEmbed(t, g.name, g.cli, goodPaths(), texts)
			n := len(goodImages) + len(texts)
			if len(shape) != 2 || shape[0] != n || shape[1] != m.Dim() {
				t.Fatalf("CLI shape %v, want [%d %d]", shape, n, m.Dim())
			}
			ims, err := m.EncodeImages(goodPaths())
			if err != nil {
				t.Fatal(err)
			}
			txs, err := m.EncodeTexts(texts)
			if err != nil {
				t.Fatal(err)
			}
			if len(ims) != len(goodImages) || len(txs) != len(texts) {
				t.Fatalf("%d image and %d text rows", len(ims), len(txs))
			}
			assertSame(t, "EncodeImages + EncodeTexts vs fastclip embed", flatten(append(ims, txs...)), want)

			// The same batch from bytes.
			var blobs [][]byte
			for _, p := range goodPaths() {
				b, _ := os.ReadFile(p)
				blobs = append(blobs, b)
			}
			fromBytes, err := m.EncodeImagesBytes(blobs)
			if err != nil {
				t.Fatal(err)
			}
			assertSame(t, "EncodeImagesBytes", flatten(fromBytes), flatten(ims))

			// One at a time, against the command given one image and one
			// text (each a batch of one there).
			w, _ := cliEmbed(t, g.name, g.cli, goodPaths()[:1], texts[:1])
			d := m.Dim()
			one, err := m.EncodeImage(goodPaths()[0])
			if err != nil {
				t.Fatal(err)
			}
			assertSame(t, "EncodeImage", one, w[:d])
			one, err = m.EncodeImageBytes(blobs[0])
			if err != nil {
				t.Fatal(err)
			}
			assertSame(t, "EncodeImageBytes", one, w[:d])
			one, err = m.EncodeText(texts[0])
			if err != nil {
				t.Fatal(err)
			}
			assertSame(t, "EncodeText", one, w[d:])
			for i, p := range goodPaths()[1:] {
				a, err := m.EncodeImage(p)
				if err != nil {
					t.Fatal(err)
				}
				b, err := m.EncodeImageBytes(blobs[i+1])
				if err != nil {
					t.Fatal(err)
				}
				assertSame(t, "EncodeImageBytes vs EncodeImage "+goodImages[i+1], b, a)
			}
		})
	}
}

func TestNormalizeEqualsCLI(t *testing.T) {
	m := model(t, "openai_style")
	want, _ := cliEmbed(t, "openai_style", []string{"--normalize", "--rgb-first"}, goodPaths(), texts)
	ims, err := m.EncodeImages(goodPaths(), fastclip.Normalize(), fastclip.RGBFirst())
	if err != nil {
		t.Fatal(err)
	}
	txs, err := m.EncodeTexts(texts, fastclip.Normalize())
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, "normalized", flatten(append(ims, txs...)), want)
	for _, row := range append(ims, txs...) {
		var s float64
		for _, v := range row {
			s += float64(v) * float64(v)
		}
		if math.Abs(s-1) > 1e-5 {
			t.Fatalf("norm^2 %v", s)
		}
	}
}

// encodeAll is what fastclip embed writes: the images in one batch, then
// the texts in another.
func encodeAll(t *testing.T, m *fastclip.Model, images, txts []string) []float32 {
	t.Helper()
	ims, err := m.EncodeImages(images)
	if err != nil {
		t.Fatal(err)
	}
	txs, err := m.EncodeTexts(txts)
	if err != nil {
		t.Fatal(err)
	}
	return flatten(append(ims, txs...))
}

// TestWorkersChangeNoByte: with the same batch size, every worker count
// gives the same bytes as fastclip embed with that batch size.
func TestWorkersChangeNoByte(t *testing.T) {
	needModels(t)
	paths := goodPaths()
	want, _ := cliEmbed(t, "openai_style", []string{"--batch-size", "3"}, paths, texts)
	for _, w := range []int{0, 1, 2, 8} {
		m, err := fastclip.Load(modelPath("openai_style"), "load:cpu", fastclip.WithWarmup(0),
			fastclip.WithWorkers(w), fastclip.WithBatchSize(3))
		if err != nil {
			t.Fatal(err)
		}
		assertSame(t, fmt.Sprintf("%d workers, batch size 3", w), encodeAll(t, m, paths, texts), want)
		m.Close()
	}
}

// TestKernelsEqualCLI: WithKernels(KernelsReference) gives fastclip embed
// --kernels reference bit for bit, the default and WithKernels(KernelsFast)
// give --kernels fast (the command's default), and the two agree to float32
// rounding.
func TestKernelsEqualCLI(t *testing.T) {
	needModels(t)
	if fastclip.KernelsFast.String() != "fast" || fastclip.KernelsReference.String() != "reference" ||
		fastclip.Kernels(7).String() != "Kernels(7)" || fastclip.KernelsFast != 0 || fastclip.KernelsReference != 1 {
		t.Fatal("Kernels values do not mirror fc_kernels")
	}
	for _, g := range goodModels {
		g := g
		t.Run(g.name, func(t *testing.T) {
			paths := goodPaths()
			wantFast, _ := cliEmbed(t, g.name, append([]string{"--kernels", "fast"}, g.cli...), paths, texts)
			wantRef, _ := cliEmbed(t, g.name, append([]string{"--kernels", "reference"}, g.cli...), paths, texts)

			fast := encodeAll(t, model(t, g.name), paths, texts) // loaded with the defaults
			assertSame(t, "default kernels vs fastclip embed --kernels fast", fast, wantFast)

			load := func(k fastclip.Kernels) *fastclip.Model {
				m, err := fastclip.Load(modelPath(g.name), "load:cpu", append([]fastclip.Option{fastclip.WithKernels(k)}, g.opts...)...)
				if err != nil {
					t.Fatalf("Load with %v kernels: %v", k, err)
				}
				return m
			}
			m := load(fastclip.KernelsFast)
			assertSame(t, "KernelsFast vs fastclip embed --kernels fast", encodeAll(t, m, paths, texts), wantFast)
			m.Close()

			m = load(fastclip.KernelsReference)
			defer m.Close()
			ref := encodeAll(t, m, paths, texts)
			assertSame(t, "KernelsReference vs fastclip embed --kernels reference", ref, wantRef)
			w, _ := cliEmbed(t, g.name, append([]string{"--kernels", "reference"}, g.cli...), paths[:1], texts[:1])
			one, err := m.EncodeImage(paths[0])
			if err != nil {
				t.Fatal(err)
			}
			assertSame(t, "EncodeImage, KernelsReference", one, w[:m.Dim()])
			one, err = m.EncodeText(texts[0])
			if err != nil {
				t.Fatal(err)
			}
			assertSame(t, "EncodeText, KernelsReference", one, w[m.Dim():])

			var worst float64
			for i := range fast {
				if d := math.Abs(float64(fast[i]) - float64(ref[i])); d > worst || math.IsNaN(d) {
					worst = d
				}
			}
			if !(worst <= 1e-5) {
				t.Fatalf("fast and reference kernels differ by %g", worst)
			}
			t.Logf("fast vs reference: at most %g apart", worst)
		})
	}
}

func TestModelSizes(t *testing.T) {
	needModels(t)
	for _, c := range []struct {
		name                string
		dim, size, contextN int
	}{{"openai_style", 32, 64, 77}, {"traced_fp32", 48, 48, 77}, {"scripted_fp32", 24, 32, 24}, {"bare_traced", 40, 40, 32}} {
		m := model(t, c.name)
		if m.Dim() != c.dim || m.ImageSize() != c.size || m.ContextLength() != c.contextN {
			t.Errorf("%s: dim %d image %d context %d, want %d %d %d", c.name, m.Dim(), m.ImageSize(),
				m.ContextLength(), c.dim, c.size, c.contextN)
		}
	}
}

// pixelsOf returns the image file's pixels as Go decodes them, in the layout
// of format, with rows padded to stride.
func pixelsOf(t *testing.T, file string, format fastclip.PixelFormat, pad int) ([]byte, int, int, int) {
	t.Helper()
	f, err := os.Open(img(file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	im, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := im.Bounds()
	w, h := b.Dx(), b.Dy()
	bpp := format.BytesPerPixel()
	stride := w*bpp + pad
	pix := make([]byte, stride*h)
	for i := range pix {
		pix[i] = 0xEE // padding that must not be read
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBAModel.Convert(im.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			p := pix[y*stride+x*bpp:]
			switch format {
			case fastclip.Gray8:
				p[0] = c.R
			case fastclip.RGB8:
				p[0], p[1], p[2] = c.R, c.G, c.B
			case fastclip.BGR8:
				p[0], p[1], p[2] = c.B, c.G, c.R
			case fastclip.RGBA8:
				p[0], p[1], p[2], p[3] = c.R, c.G, c.B, c.A
			case fastclip.BGRA8:
				p[0], p[1], p[2], p[3] = c.B, c.G, c.R, c.A
			}
		}
	}
	return pix, w, h, stride
}

func TestPixelsEqualFiles(t *testing.T) {
	m := model(t, "traced_fp32")
	for _, c := range []struct {
		file   string
		format fastclip.PixelFormat
		pad    int
	}{
		{"rgb.png", fastclip.RGB8, 0}, {"rgb.png", fastclip.RGB8, 5}, {"rgb.png", fastclip.BGR8, 3},
		{"gray.png", fastclip.Gray8, 2}, {"alpha.png", fastclip.RGBA8, 0}, {"alpha.png", fastclip.BGRA8, 4},
	} {
		what := fmt.Sprintf("%s as format %d, stride padding %d", c.file, c.format, c.pad)
		pix, w, h, stride := pixelsOf(t, c.file, c.format, c.pad)
		want, err := m.EncodeImage(img(c.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.EncodeImagePixels(pix, w, h, stride, c.format)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		assertSame(t, what, got, want)
		wantT, err := fastclip.Preprocess(img(c.file), 0)
		if err != nil {
			t.Fatal(err)
		}
		gotT, err := fastclip.PreprocessPixels(pix, w, h, stride, c.format, 0)
		if err != nil {
			t.Fatal(err)
		}
		assertSame(t, "PreprocessPixels "+what, gotT, wantT)
		// The last row needs no padding after it.
		short := pix[:len(pix)-c.pad]
		if _, err := m.EncodeImagePixels(short, w, h, stride, c.format); err != nil {
			t.Fatalf("%s without the last row's padding: %v", what, err)
		}
		_, err = m.EncodeImagePixels(short[:len(short)-1], w, h, stride, c.format)
		wantErr(t, what+" one byte short", err, fastclip.ErrInvalidArgument)
	}
}

func TestLoadErrors(t *testing.T) {
	needModels(t)
	notModel := filepath.Join(t.TempDir(), "text.pt")
	os.WriteFile(notModel, []byte("not a model\n"), 0o644)
	quick := fastclip.WithWarmup(0)
	for _, c := range []struct {
		what     string
		path     string
		mode     string
		opts     []fastclip.Option
		sentinel *fastclip.Error
	}{
		{"missing file", filepath.Join(modelsDir, "missing.pt"), "load:cpu", nil, fastclip.ErrIO},
		{"text file", notModel, "load:cpu", nil, fastclip.ErrModel},
		{"state dict", modelPath("state_dict"), "", nil, fastclip.ErrModel},
		{"no encode methods", modelPath("no_methods"), "load:cpu", nil, fastclip.ErrModel},
		{"bad output shape", modelPath("bad_shape"), "load:cpu", nil, fastclip.ErrModel},
		{"no image size", modelPath("bare_traced"), "load:cpu", nil, fastclip.ErrModel},
		{"GPU 99", modelPath("openai_style"), "load:cuda:99", nil, fastclip.ErrDevice},
		{"device cuda:99", modelPath("openai_style"), "load:cpu", []fastclip.Option{fastclip.WithDevice("cuda:99")}, fastclip.ErrDevice},
		{"bad mode", modelPath("openai_style"), "load:tpu", nil, fastclip.ErrInvalidArgument},
		{"bad device", modelPath("openai_style"), "load:cpu", []fastclip.Option{fastclip.WithDevice("abacus")}, fastclip.ErrInvalidArgument},
		{"NUL in path", modelPath("openai_style") + "\x00x", "load:cpu", nil, fastclip.ErrInvalidArgument},
		{"NUL in mode", modelPath("openai_style"), "load:cpu\x00", nil, fastclip.ErrInvalidArgument},
		{"negative warm-up", modelPath("openai_style"), "load:cpu", []fastclip.Option{fastclip.WithWarmup(-1)}, fastclip.ErrInvalidArgument},
		{"negative image size", modelPath("openai_style"), "load:cpu", []fastclip.Option{fastclip.WithImageSize(-2)}, fastclip.ErrInvalidArgument},
		{"missing BPE file", modelPath("openai_style"), "load:cpu", []fastclip.Option{fastclip.WithBPE(filepath.Join(imgDir, "missing.gz"))}, fastclip.ErrIO},
		{"kernels 2", modelPath("openai_style"), "load:cpu", []fastclip.Option{fastclip.WithKernels(2)}, fastclip.ErrInvalidArgument},
		{"kernels -1", modelPath("openai_style"), "load:cpu", []fastclip.Option{fastclip.WithKernels(-1)}, fastclip.ErrInvalidArgument},
		{"kernels 1<<32", modelPath("openai_style"), "load:cpu", []fastclip.Option{fastclip.WithKernels(1 << 32)}, fastclip.ErrInvalidArgument},
		{"workers -3", modelPath("openai_style"), "load:cpu", []fastclip.Option{fastclip.WithWorkers(-3)}, fastclip.ErrInvalidArgument},
		{"workers 5000", modelPath("openai_style"), "load:cpu", []fastclip.Option{fastclip.WithWorkers(5000)}, fastclip.ErrInvalidArgument},
		{"batch size 0", modelPath("openai_style"), "load:cpu", []fastclip.Option{fastclip.WithBatchSize(0)}, fastclip.ErrInvalidArgument},
		{"batch size 1<<40", modelPath("openai_style"), "load:cpu", []fastclip.Option{fastclip.WithBatchSize(1 << 40)}, fastclip.ErrInvalidArgument},
	} {
		m, err := fastclip.Load(c.path, c.mode, append([]fastclip.Option{quick}, c.opts...)...)
		if m != nil {
			m.Close()
			t.Fatalf("%s: Load succeeded", c.what)
		}
		fe := wantErr(t, c.what, err, c.sentinel)
		t.Logf("%s: %v", c.what, fe)
	}
	// load:cuda: a device error on a machine without a usable GPU.
	m, err := fastclip.Load(modelPath("openai_style"), "load:cuda", quick)
	if err == nil {
		defer m.Close()
		v, err := m.EncodeText("a photo of a cat")
		if err != nil || len(v) != m.Dim() {
			t.Fatalf("load:cuda loaded but EncodeText: %v", err)
		}
		t.Log("load:cuda works here: this machine has a GPU")
	} else {
		wantErr(t, "load:cuda", err, fastclip.ErrDevice)
		t.Logf("load:cuda: %v", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	m := model(t, "openai_style")
	for _, c := range []struct {
		file     string
		sentinel *fastclip.Error
	}{
		{"missing.png", fastclip.ErrIO}, {"corrupt.png", fastclip.ErrCorrupt},
		{"truncated.png", fastclip.ErrTruncated}, {"notimage.txt", fastclip.ErrUnknownFormat},
	} {
		_, err := m.EncodeImage(img(c.file))
		wantErr(t, "EncodeImage "+c.file, err, c.sentinel)
		if c.file != "missing.png" {
			data, _ := os.ReadFile(img(c.file))
			_, err = m.EncodeImageBytes(data)
			wantErr(t, "EncodeImageBytes "+c.file, err, c.sentinel)
		}
	}
	_, err := m.EncodeImageBytes(nil)
	if err == nil {
		t.Fatal("EncodeImageBytes(nil) succeeded")
	}
	_, err = m.EncodeImage(img("rgb.png"), fastclip.MaxPixels(100))
	wantErr(t, "MaxPixels", err, fastclip.ErrTooLarge)
	_, err = m.EncodeImage(img("rgb.png"), fastclip.MaxBytes(10))
	wantErr(t, "MaxBytes", err, fastclip.ErrTooLarge)
	_, err = m.EncodeImage(img("rgb.png\x00"))
	wantErr(t, "NUL in path", err, fastclip.ErrInvalidArgument)
	_, err = m.EncodeImagePixels(make([]byte, 11), 2, 2, 6, fastclip.RGB8)
	wantErr(t, "short pixels", err, fastclip.ErrInvalidArgument)
	_, err = m.EncodeImagePixels(make([]byte, 12), 2, 2, -6, fastclip.RGB8)
	wantErr(t, "negative stride", err, fastclip.ErrInvalidArgument)

	_, err = m.EncodeText("bad \xff\xfe utf-8")
	wantErr(t, "invalid UTF-8", err, fastclip.ErrInvalidUTF8)
	_, err = m.EncodeText("\xc3") // a lone lead byte at the end
	wantErr(t, "cut UTF-8", err, fastclip.ErrInvalidUTF8)
	_, err = m.EncodeText("nul \x00 byte")
	wantErr(t, "NUL in text", err, fastclip.ErrInvalidArgument)
	_, err = m.EncodeText(texts[4], fastclip.NoTruncate())
	wantErr(t, "NoTruncate", err, fastclip.ErrTextTooLong)
	if _, err = m.EncodeText(texts[4]); err != nil {
		t.Fatalf("long text with truncation: %v", err)
	}

	// Batches: the first bad item fails the call and is named.
	_, err = m.EncodeImages([]string{img("rgb.png"), img("corrupt.png"), img("missing.png")})
	fe := wantErr(t, "batch with bad images", err, fastclip.ErrCorrupt)
	if !strings.Contains(fe.Message, "1") {
		t.Errorf("batch error does not name item 1: %v", fe)
	}
	_, err = m.EncodeTexts([]string{"ok", "bad \xff"})
	wantErr(t, "text batch", err, fastclip.ErrInvalidUTF8)
	_, err = m.EncodeTexts([]string{"ok", "nul\x00"})
	wantErr(t, "text batch with NUL", err, fastclip.ErrInvalidArgument)
	if rows, err := m.EncodeTexts(nil); err != nil || len(rows) != 0 {
		t.Fatalf("empty batch: %v %v", rows, err)
	}

	// With PerItemErrors the good items are encoded.
	paths := []string{img("rgb.png"), img("corrupt.png"), img("photo.jpg"), img("missing.png")}
	rows, err := m.EncodeImages(paths, fastclip.PerItemErrors())
	fe = wantErr(t, "partial batch", err, fastclip.ErrPartial)
	wantItems := []fastclip.Status{fastclip.StatusOK, fastclip.StatusCorrupt, fastclip.StatusOK, fastclip.StatusIO}
	if fmt.Sprint(fe.Items) != fmt.Sprint(wantItems) {
		t.Fatalf("items %v, want %v", fe.Items, wantItems)
	}
	if len(rows) != 4 || rows[0] == nil || rows[1] != nil || rows[2] == nil || rows[3] != nil {
		t.Fatalf("partial rows %v", rows)
	}
	one, _ := m.EncodeImage(img("photo.jpg"))
	if len(rows[2]) != len(one) {
		t.Fatalf("row of %d values", len(rows[2]))
	}
	trows, err := m.EncodeTexts([]string{"fine", "\xff", texts[4]}, fastclip.PerItemErrors(), fastclip.NoTruncate())
	fe = wantErr(t, "partial text batch", err, fastclip.ErrPartial)
	if fmt.Sprint(fe.Items) != fmt.Sprint([]fastclip.Status{fastclip.StatusOK, fastclip.StatusInvalidUTF8, fastclip.StatusTextTooLong}) ||
		trows[0] == nil || trows[1] != nil || trows[2] != nil {
		t.Fatalf("text items %v, rows %v", fe.Items, trows)
	}
	if rows, err := m.EncodeImages(goodPaths()[:2], fastclip.PerItemErrors()); err != nil || rows[1] == nil {
		t.Fatalf("good batch with PerItemErrors: %v", err)
	}
}

func TestClosedModel(t *testing.T) {
	needModels(t)
	m, err := fastclip.Load(modelPath("scripted_fp32"), "load:cpu", fastclip.WithWarmup(0))
	if err != nil {
		t.Fatal(err)
	}
	dim := m.Dim()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if m.Dim() != dim {
		t.Fatal("Dim changed after Close")
	}
	calls := map[string]func() error{
		"EncodeImage":       func() error { _, err := m.EncodeImage(img("rgb.png")); return err },
		"EncodeImageBytes":  func() error { _, err := m.EncodeImageBytes([]byte("x")); return err },
		"EncodeImagePixels": func() error { _, err := m.EncodeImagePixels(make([]byte, 3), 1, 1, 3, fastclip.RGB8); return err },
		"EncodeText":        func() error { _, err := m.EncodeText("x"); return err },
		"EncodeImages":      func() error { _, err := m.EncodeImages([]string{img("rgb.png")}); return err },
		"EncodeImagesBytes": func() error { _, err := m.EncodeImagesBytes([][]byte{[]byte("x")}); return err },
		"EncodeTexts":       func() error { _, err := m.EncodeTexts([]string{"x"}); return err },
	}
	for name, call := range calls {
		err := call()
		if err != fastclip.ErrClosed || !errors.Is(err, fastclip.ErrInvalidArgument) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
	var nilModel *fastclip.Model
	if nilModel.Close() != nil {
		t.Error("Close of a nil *Model")
	}
	if _, err := nilModel.EncodeText("x"); err != fastclip.ErrClosed {
		t.Errorf("nil model: %v", err)
	}
}

// ---- goroutines --------------------------------------------------------------------------

type job struct {
	name string
	run  func(m *fastclip.Model) ([]float32, error)
}

func jobs(t *testing.T) []job {
	var out []job
	for _, f := range goodImages {
		p := img(f)
		data, _ := os.ReadFile(p)
		out = append(out,
			job{"file " + f, func(m *fastclip.Model) ([]float32, error) { return m.EncodeImage(p) }},
			job{"bytes " + f, func(m *fastclip.Model) ([]float32, error) { return m.EncodeImageBytes(data) }},
			job{"normalized " + f, func(m *fastclip.Model) ([]float32, error) { return m.EncodeImage(p, fastclip.Normalize()) }})
	}
	pix, w, h, stride := pixelsOf(t, "alpha.png", fastclip.RGBA8, 3)
	out = append(out, job{"pixels", func(m *fastclip.Model) ([]float32, error) {
		return m.EncodeImagePixels(pix, w, h, stride, fastclip.RGBA8)
	}})
	for i, s := range texts {
		s := s
		out = append(out, job{fmt.Sprintf("text %d", i), func(m *fastclip.Model) ([]float32, error) { return m.EncodeText(s) }})
	}
	out = append(out,
		job{"image batch", func(m *fastclip.Model) ([]float32, error) {
			r, err := m.EncodeImages(goodPaths())
			return flatten(r), err
		}},
		job{"text batch", func(m *fastclip.Model) ([]float32, error) {
			r, err := m.EncodeTexts(texts)
			return flatten(r), err
		}},
		job{"tokenize", func(m *fastclip.Model) ([]float32, error) {
			ids, err := fastclip.Tokenize(texts[3], m.ContextLength(), true)
			f := make([]float32, len(ids))
			for i, v := range ids {
				f[i] = float32(v)
			}
			return f, err
		}},
		job{"preprocess", func(m *fastclip.Model) ([]float32, error) {
			return fastclip.Preprocess(img("photo.jpg"), m.ImageSize())
		}},
		job{"error", func(m *fastclip.Model) ([]float32, error) {
			_, err := m.EncodeImage(img("corrupt.png"))
			if !errors.Is(err, fastclip.ErrCorrupt) {
				return nil, fmt.Errorf("corrupt image: %v", err)
			}
			return []float32{}, nil
		}})
	return out
}

func TestGoroutinesEqualSerial(t *testing.T) {
	for _, name := range []string{"openai_style", "scripted_fp32"} {
		m := model(t, name)
		js := jobs(t)
		serial := make([][]float32, len(js))
		for i, j := range js {
			v, err := j.run(m)
			if err != nil {
				t.Fatalf("%s: %s: %v", name, j.name, err)
			}
			serial[i] = v
		}
		const goroutines, rounds = 8, 3
		var wg sync.WaitGroup
		errs := make(chan error, goroutines*rounds*len(js))
		for g := 0; g < goroutines; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				r := rand.New(rand.NewSource(int64(g)))
				for round := 0; round < rounds; round++ {
					for _, i := range r.Perm(len(js)) {
						v, err := js[i].run(m)
						if err != nil {
							errs <- fmt.Errorf("goroutine %d: %s: %v", g, js[i].name, err)
						} else if k, ok := sameBits(v, serial[i]); !ok {
							errs <- fmt.Errorf("goroutine %d: %s differs from serial at %d", g, js[i].name, k)
						}
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		n := 0
		for err := range errs {
			if n++; n <= 10 {
				t.Error(err)
			}
		}
		if n > 0 {
			t.Fatalf("%s: %d of %d calls from %d goroutines failed or differed", name, n,
				goroutines*rounds*len(js), goroutines)
		}
	}
}

// Close while goroutines encode: calls before it return results equal to
// serial ones, calls after it ErrClosed, and nothing crashes.
func TestCloseWhileEncoding(t *testing.T) {
	needModels(t)
	m, err := fastclip.Load(modelPath("traced_fp32"), "load:cpu", fastclip.WithWarmup(0))
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.EncodeImage(img("photo.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	done, closed := 0, 0
	started := make(chan struct{}, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent := false
			signal := func() {
				if !sent {
					sent = true
					started <- struct{}{}
				}
			}
			defer signal()
			for i := 0; ; i++ {
				v, err := m.EncodeImage(img("photo.jpg"))
				if i == 1 {
					signal()
				}
				mu.Lock()
				if err == fastclip.ErrClosed {
					closed++
					mu.Unlock()
					return
				}
				done++
				mu.Unlock()
				if err != nil {
					t.Errorf("before Close: %v", err)
					return
				}
				if _, ok := sameBits(v, want); !ok {
					t.Errorf("result differs before Close")
					return
				}
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-started
	}
	m.Close()
	wg.Wait()
	if closed != 8 || done < 16 {
		t.Fatalf("%d goroutines saw ErrClosed, %d calls succeeded", closed, done)
	}
}

// TestPreparedInputsEqualBatchCalls: EncodeImageTensors on Preprocess's
// tensors and EncodeTokenIDs on Tokenize's ids give the bytes of
// EncodeImages and EncodeTexts; bad lengths and ids are refused.
func TestPreparedInputsEqualBatchCalls(t *testing.T) {
	m := model(t, "openai_style")
	paths := goodPaths()
	var pixels []float32
	for _, p := range paths {
		x, err := fastclip.Preprocess(p, m.ImageSize())
		if err != nil {
			t.Fatal(err)
		}
		pixels = append(pixels, x...)
	}
	want, err := m.EncodeImages(paths)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.EncodeImageTensors(pixels)
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, "EncodeImageTensors", flatten(got), flatten(want))
	var ids []int32
	for _, text := range texts {
		row, err := fastclip.Tokenize(text, m.ContextLength(), true)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, row...)
	}
	wantText, err := m.EncodeTexts(texts)
	if err != nil {
		t.Fatal(err)
	}
	gotText, err := m.EncodeTokenIDs(ids)
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, "EncodeTokenIDs", flatten(gotText), flatten(wantText))
	_, err = m.EncodeImageTensors(pixels[:len(pixels)-1])
	wantErr(t, "a partial image", err, fastclip.ErrInvalidArgument)
	bad := append([]int32(nil), ids...)
	bad[3] = 49408
	_, err = m.EncodeTokenIDs(bad)
	if e := wantErr(t, "an id past the vocabulary", err, fastclip.ErrInvalidArgument); e != nil &&
		!strings.Contains(e.Message, "ids[0][3]") {
		t.Errorf("message %q does not name ids[0][3]", e.Message)
	}
}

// TestPrecisionAndGraphs: what a machine without a GPU can check of the
// precision and CUDA graph options.
func TestPrecisionAndGraphs(t *testing.T) {
	needModels(t)
	m := model(t, "openai_style")
	if m.Device() != "cpu" || m.Precision() != fastclip.PrecisionFloat32 {
		t.Errorf("load:cpu runs %v on %s", m.Precision(), m.Device())
	}
	if on, why, err := m.CUDAGraphs(); on || err != nil || why != "not on a GPU" {
		t.Errorf("CUDAGraphs() = %v, %q, %v", on, why, err)
	}
	tf32, err := fastclip.Load(modelPath("openai_style"), "load:cpu", fastclip.WithWarmup(0),
		fastclip.WithPrecision(fastclip.PrecisionTF32), fastclip.WithCUDAGraphs(true))
	if err != nil {
		t.Fatal(err)
	}
	defer tf32.Close()
	if tf32.Precision() != fastclip.PrecisionFloat32 {
		t.Errorf("TF32 on the CPU runs %v", tf32.Precision())
	}
	paths := goodPaths()
	assertSame(t, "TF32 on the CPU", encodeAll(t, tf32, paths, texts), encodeAll(t, m, paths, texts))
	_, err = fastclip.Load(modelPath("openai_style"), "load:cpu",
		fastclip.WithPrecision(fastclip.PrecisionStored))
	wantErr(t, "stored on the CPU", err, fastclip.ErrInvalidArgument)
	_, err = fastclip.Load(modelPath("openai_style"), "load:cpu", fastclip.WithPrecision(fastclip.Precision(9)))
	wantErr(t, "precision 9", err, fastclip.ErrInvalidArgument)
	if fastclip.PrecisionBFloat16.String() != "bfloat16" || fastclip.Precision(9).String() != "Precision(9)" {
		t.Error("Precision.String")
	}
}
