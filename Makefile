# libfastclip - build, test, benchmark, install.
#
#   make              build lib/libfastclip.so and build/bin/fastclip
#   make demo [MODEL=ViT-B-32.pt]   CLIP similarity of ../shared/images and captions
#   make setup        install every Debian and PyPI package the build and tests need
#   make check        the test suite (C unit tests, conformance against Pillow, bad input)
#   make check-sanitize   the same suite under AddressSanitizer + UBSan
#   make check-kernels    the fallback SIMD kernels (built without LibTorch)
#   make check-debian-libtorch   the model tests against Debian's LibTorch 1.13
#   make check-go     the Go binding's tests (go/fastclip), also run by make check
#   make check-python the Python package's tests (python/), also run by make check
#   make bench        benchmarks, side by side with Pillow + torchvision and OpenCV
#   make examples     the C and C++ examples into build/examples/; make check-examples runs them
#   make install / uninstall   honour PREFIX and DESTDIR
#   make clean

# ---- version: read from the header, the one source of truth ----------------
VERSION_MAJOR := $(shell sed -n 's/^\#define FC_VERSION_MAJOR \([0-9]*\)/\1/p' include/fastclip.h)
VERSION_MINOR := $(shell sed -n 's/^\#define FC_VERSION_MINOR \([0-9]*\)/\1/p' include/fastclip.h)
VERSION_PATCH := $(shell sed -n 's/^\#define FC_VERSION_PATCH \([0-9]*\)/\1/p' include/fastclip.h)
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)

# ---- install locations --------------------------------------------------------
PREFIX ?= /usr/local
DESTDIR ?=
EXEC_PREFIX ?= $(PREFIX)
LIBDIR ?= $(EXEC_PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(EXEC_PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DOCDIR ?= $(PREFIX)/share/doc/fastclip

# ---- tools and flags -------------------------------------------------------------
CC ?= cc
PYTHON ?= .venv/bin/python
DEBIAN_PYTHON ?= /usr/bin/python3
BUILD ?= build
# Where the shared library lands; the sanitizer build keeps its own copy.
LIBOUT ?= lib

WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wvla -Wformat=2
# -ffp-contract=off: Pillow's coefficients are computed without FMA; a
# contracted multiply-add would change rare weights by one unit.
BASE_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -ffp-contract=off -fno-fast-math \
               $(WARNINGS) -Iinclude -Isrc
OPT ?= -O3 -g
SANITIZE ?=
CFLAGS_ALL = $(BASE_CFLAGS) $(OPT) $(SANITIZE) $(CFLAGS) $(CPPFLAGS)
LDFLAGS_ALL = $(SANITIZE) $(LDFLAGS)
LIBS := -ljpeg -lpng -lutf8proc -lz -lm -ldl -pthread
TEST_LIBS := -pthread

SONAME := libfastclip.so.$(VERSION_MAJOR)
REALNAME := libfastclip.so.$(VERSION)

LIB_SRC := $(wildcard src/common/*.c src/image/*.c src/decode/*.c src/text/*.c src/api/*.c)
CLI_SRC := $(wildcard src/cli/*.c)

# ---- LibTorch, for the model API (src/model/) ------------------------------------
# The model API's code is a separate library, $(LIBOUT)/libfastclip_torch.so.<version>,
# which libfastclip.so loads on the first fc_load (src/model/backend.h says why).
# LIBTORCH=DIR names a LibTorch: DIR/include and DIR/lib, as in a torch
# wheel's torch/ folder or a libtorch download, or /usr for Debian's
# libtorch-dev. The default is the torch wheel in the project's venv (make
# setup). LIBTORCH= (empty) builds no backend: preprocessing and the
# tokenizer work, and fc_load returns FC_ERR_UNSUPPORTED.
LIBTORCH ?= $(firstword $(wildcard $(CURDIR)/.venv/lib/python3*/site-packages/torch))
BACKEND_NAME := libfastclip_torch.so.$(VERSION)
ifneq ($(strip $(LIBTORCH)),)
TORCH_LIBDIR := $(patsubst %/,%,$(dir $(firstword $(wildcard $(LIBTORCH)/lib/libtorch.so \
                    $(LIBTORCH)/lib/*-linux-gnu/libtorch.so))))
ifeq ($(TORCH_LIBDIR),)
$(error LIBTORCH=$(LIBTORCH) has no lib/libtorch.so; give LibTorch's folder, or LIBTORCH= to build without models)
endif
# /usr/include is the compiler's own; naming it again would break #include_next.
TORCH_INCLUDES := $(addprefix -isystem ,$(filter-out /usr/include,$(LIBTORCH)/include) \
                    $(LIBTORCH)/include/torch/csrc/api/include)
# LibTorch 2.x headers need C++20; Debian's 1.13 is C++17.
TORCH_STD := $(if $(shell grep -s -l 'C++20 or later' $(LIBTORCH)/include/ATen/ATen.h),c++20,c++17)
# libtorch.so itself is needed though we call nothing in it: in a CUDA build
# it pulls in libtorch_cuda, which registers the GPU backend.
MODEL_LIBS := -L$(TORCH_LIBDIR) -Wl,-rpath,$(TORCH_LIBDIR) -Wl,--no-as-needed -ltorch \
              -ltorch_cpu -lc10 -Wl,--as-needed
BACKEND := $(LIBOUT)/$(BACKEND_NAME)
else
BACKEND :=
endif
BACKEND_OBJ := $(patsubst %.cpp,$(BUILD)/pic/%.o,$(wildcard src/model/*.cpp)) \
               $(BUILD)/pic/src/model/checks.o $(BUILD)/pic/src/common/error.o
CXX_WARNINGS := -Wall -Wextra -Wshadow -Wpointer-arith -Wformat=2
CXXFLAGS_ALL = -std=$(TORCH_STD) $(CXX_WARNINGS) -Iinclude -Isrc $(TORCH_INCLUDES) $(OPT) \
               $(SANITIZE) $(CXXFLAGS) $(CPPFLAGS)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/pic/%.o) $(BUILD)/pic/gen/bpe_data.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(wildcard tests/tools/*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))
# Test tools that reach internal functions (linked with the objects, not the .so).
INTERNAL_TOOLS := $(patsubst tests/internal/%.c,$(BUILD)/tests/%,$(wildcard tests/internal/*.c))
BENCH_TOOLS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))
# The library's own object files, linked statically into unit tests so that
# they can reach internal (hidden) functions.
UNIT_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/bpe_data.o

.PHONY: print-version print-libtorch all lib cli setup check check-unit check-conformance check-pillow94 \
        check-sanitize check-sanitized-build check-kernels check-kernel-build check-debian-libtorch demo bench install uninstall clean test-tools
.DELETE_ON_ERROR:
# Objects linked into test tools are built by pattern rules only; keep them.
.SECONDARY: $(UNIT_OBJ)

all: lib cli

lib: $(LIBOUT)/libfastclip.so $(LIBOUT)/$(SONAME) $(BACKEND) pkgconfig/fastclip.pc
cli: $(BUILD)/bin/fastclip

$(LIBOUT)/$(REALNAME): $(LIB_OBJ) src/fastclip.map
	@mkdir -p $(LIBOUT)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/fastclip.map \
	    -Wl,--no-undefined -o $@ $(LIB_OBJ) $(LDFLAGS_ALL) $(LIBS)

# The LibTorch backend: the C++ of src/model/, exporting one table.
$(LIBOUT)/$(BACKEND_NAME): $(BACKEND_OBJ) src/model/backend.map $(LIBOUT)/libfastclip.so
	$(CXX) -shared -Wl,-soname,$(BACKEND_NAME) -Wl,--version-script=src/model/backend.map \
	    -Wl,--no-undefined -o $@ $(BACKEND_OBJ) $(LDFLAGS_ALL) -L$(LIBOUT) -lfastclip \
	    $(MODEL_LIBS) -pthread

$(LIBOUT)/$(SONAME): $(LIBOUT)/$(REALNAME)
	ln -sf $(REALNAME) $@
$(LIBOUT)/libfastclip.so: $(LIBOUT)/$(SONAME)
	ln -sf $(SONAME) $@

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fPIC -fvisibility=hidden -DFC_BUILDING_LIBRARY -MMD -MP -c $< -o $@

$(BUILD)/pic/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS_ALL) -fPIC -fvisibility=hidden -fvisibility-inlines-hidden \
	    -DFC_BUILDING_LIBRARY -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/bin/fastclip: $(CLI_OBJ) $(LIBOUT)/libfastclip.so
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(CLI_OBJ) $(LDFLAGS_ALL) -L$(LIBOUT) -lfastclip -Wl,-rpath,'$(abspath $(LIBOUT))'

# The pc file for the default locations; install writes one for its own.
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|'
pkgconfig/fastclip.pc: pkgconfig/fastclip.pc.in include/fastclip.h Makefile
	$(PC_SED) $< > $@

# ---- CLIP's BPE merges, built into the library -----------------------------
# Never committed: fetched from the pinned PyPI package (its sdist holds
# clip/bpe_simple_vocab_16e6.txt.gz), or taken from BPE_GZ=/path/file.gz;
# either way its SHA-256 must match before it is embedded.
BPE_PACKAGE := openai-clip==1.0.1
BPE_SHA256 := 924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a
# The project venv when it exists (make setup), else the python3 on PATH.
BPE_PIP ?= $(if $(wildcard $(PYTHON)),$(PYTHON),python3) -m pip
BPE_GZ ?=
BPE_CHECKED := $(BUILD)/bpe/bpe_simple_vocab_16e6.txt.gz
ifeq ($(strip $(BPE_GZ)),)
BPE_SOURCE := $(BUILD)/bpe/download/bpe_simple_vocab_16e6.txt.gz
$(BPE_SOURCE):
	rm -rf $(BUILD)/bpe/download
	mkdir -p $(BUILD)/bpe/download
	$(BPE_PIP) download -q --disable-pip-version-check --no-deps --no-binary :all: \
	    $(BPE_PACKAGE) -d $(BUILD)/bpe/download
	$(DEBIAN_PYTHON) -c 'import glob, sys, tarfile; \
	    t = tarfile.open(glob.glob(sys.argv[1] + "/openai-clip-*.tar.gz")[0]); \
	    m = [m for m in t.getmembers() if m.name.endswith("/clip/bpe_simple_vocab_16e6.txt.gz")][0]; \
	    open(sys.argv[1] + "/bpe_simple_vocab_16e6.txt.gz", "wb").write(t.extractfile(m).read())' \
	    $(BUILD)/bpe/download
else
BPE_SOURCE := $(BPE_GZ)
endif

$(BPE_CHECKED): $(BPE_SOURCE)
	@mkdir -p $(dir $@)
	@echo "$(BPE_SHA256)  $<" | sha256sum -c --quiet - || \
	    { echo "error: $< is not CLIP's bpe_simple_vocab_16e6.txt.gz (SHA-256 must be $(BPE_SHA256))" >&2; exit 1; }
	cp $< $@

# The merges' gzip bytes go into the library as read-only data.
$(BUILD)/gen/bpe_data.S: $(BPE_CHECKED)
	@mkdir -p $(dir $@)
	{ echo '/* Generated by the Makefile: CLIP BPE merges (gzip), SHA-256 $(BPE_SHA256). */'; \
	  echo '    .section .rodata'; \
	  echo '    .balign 16'; \
	  echo '    .globl fc__bpe_gz'; echo '    .hidden fc__bpe_gz'; \
	  echo '    .type fc__bpe_gz, @object'; \
	  echo 'fc__bpe_gz:'; \
	  echo '    .incbin "$(abspath $(BPE_CHECKED))"'; \
	  echo '    .globl fc__bpe_gz_end'; echo '    .hidden fc__bpe_gz_end'; \
	  echo 'fc__bpe_gz_end:'; \
	  echo '    .section .note.GNU-stack,"",@progbits'; } > $@

$(BUILD)/pic/gen/bpe_data.o: $(BUILD)/gen/bpe_data.S $(BPE_CHECKED)
	@mkdir -p $(dir $@)
	$(CC) -fPIC -c $< -o $@
$(BUILD)/obj/gen/bpe_data.o: $(BUILD)/gen/bpe_data.S $(BPE_CHECKED)
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

# ---- tests ---------------------------------------------------------------------
$(BUILD)/tests/%: tests/tools/%.c tests/tools/read_file.h $(LIBOUT)/libfastclip.so
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDFLAGS_ALL) -L$(LIBOUT) -lfastclip -Wl,-rpath,'$(abspath $(LIBOUT))' -lm $(TEST_LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/check.h $(UNIT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(UNIT_OBJ) $(LDFLAGS_ALL) $(LIBS) $(TEST_LIBS)

$(BUILD)/tests/%: tests/internal/%.c $(UNIT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(UNIT_OBJ) $(LDFLAGS_ALL) $(LIBS)

# The model benchmark goes through the shared library, as users do.
$(BUILD)/bench/fc_model_bench: tests/bench/fc_model_bench.c tests/bench/timing.h $(LIBOUT)/libfastclip.so
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDFLAGS_ALL) -L$(LIBOUT) -lfastclip -Wl,-rpath,'$(abspath $(LIBOUT))'

$(BUILD)/bench/%: tests/bench/%.c tests/bench/timing.h $(UNIT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(UNIT_OBJ) $(LDFLAGS_ALL) $(LIBS)

# The C unit tests of the current build, one after another.
RUN_UNIT_TESTS = @set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

test-tools: all $(TEST_TOOLS) $(UNIT_TESTS) $(INTERNAL_TOOLS) examples

check: test-tools
	$(RUN_UNIT_TESTS)
	FASTCLIP_BUILD=$(BUILD) $(PYTHON) -m pytest -q tests/python
	FASTCLIP_BUILD=$(BUILD) $(DEBIAN_PYTHON) -m pytest -q -p no:cacheprovider tests/python/test_conformance.py
	$(MAKE) --no-print-directory check-go
	$(MAKE) --no-print-directory check-python

# The same suite with AddressSanitizer and UndefinedBehaviorSanitizer, in a
# build folder of its own. Python loads nothing from it: the tests drive the
# sanitized build through its command-line tools, so leaks are checked too.
check-sanitize: $(BPE_CHECKED)
	$(MAKE) BUILD=build-asan BPE_GZ=$(abspath $(BPE_CHECKED)) LIBOUT=build-asan/lib OPT="-O1 -g" \
	    SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    check-sanitized-build

# Runs inside check-sanitize's make: C tests directly, Python tests driving
# only the sanitized command-line tools (never loading the library into Python).
# LibTorch's own static initialisers are suppressed for LeakSanitizer
# (tests/env/lsan-suppressions.txt says why).
check-sanitized-build: test-tools
	$(RUN_UNIT_TESTS)
	FASTCLIP_BUILD=$(BUILD) FASTCLIP_SANITIZED=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/env/lsan-suppressions.txt:print_suppressions=0 \
	    $(PYTHON) -m pytest -q tests/python

# The fallback kernels (portable C, AVX2, AVX-512 without VNNI/VBMI) are not
# what this machine picks, so each is built on its own (FC_KERNEL_LEVEL, see
# src/image/cpu.h) and run through the unit tests and the conformance suite.
KERNEL_LEVELS ?= 0 1 2
check-kernels: $(BPE_CHECKED)
	@set -e; for level in $(KERNEL_LEVELS); do \
	    echo "== kernels capped at level $$level"; \
	    $(MAKE) --no-print-directory BUILD=build-k$$level LIBOUT=build-k$$level/lib \
	        BPE_GZ=$(abspath $(BPE_CHECKED)) LIBTORCH= \
	        CPPFLAGS="$(CPPFLAGS) -DFC_KERNEL_LEVEL=$$level" check-kernel-build; \
	done

# The kernel builds leave LibTorch out (LIBTORCH=), which also checks that
# such a build says plainly that it cannot load models.
check-kernel-build: test-tools
	$(RUN_UNIT_TESTS)
	FASTCLIP_BUILD=$(BUILD) $(PYTHON) -m pytest -q tests/python/test_conformance.py
	@out=$$($(BUILD)/bin/fastclip embed --model none.pt --text x 2>&1); rc=$$?; \
	    echo "$$out"; test $$rc = 4 && echo "$$out" | grep -q "built without LibTorch"

# The model tests against Debian's LibTorch 1.13 (libtorch-dev), with test
# models and reference embeddings made by Debian's torch 1.13 (.venv-debian).
DEBIAN_LIBTORCH ?= /usr
DEBIAN_MODEL_PYTHON ?= .venv-debian/bin/python
check-debian-libtorch: $(BPE_CHECKED)
	$(MAKE) --no-print-directory BUILD=build-deb LIBOUT=build-deb/lib LIBTORCH=$(DEBIAN_LIBTORCH) \
	    BPE_GZ=$(abspath $(BPE_CHECKED)) test-tools
	FASTCLIP_BUILD=build-deb FASTCLIP_MODEL_PYTHON=$(DEBIAN_MODEL_PYTHON) $(PYTHON) -m pytest -q \
	    tests/python/test_model_exact.py tests/python/test_model_api.py

# ---- the Go binding (go/fastclip): go test against this build ----------------------
# cgo finds the library with pkg-config, which prefers fastclip-uninstalled.pc
# (this build tree, with an rpath) when its folder is on PKG_CONFIG_PATH.
# Offline and nothing under $HOME: Go's caches stay in $(BUILD)/go.
GO ?= go
GO_PC := $(BUILD)/pkgconfig-uninstalled/fastclip-uninstalled.pc
GO_ENV = PKG_CONFIG_PATH=$(abspath $(dir $(GO_PC))) CGO_ENABLED=1 GOFLAGS="-mod=mod -modcacherw" GOPROXY=off \
         GOENV=off GOCACHE=$(abspath $(BUILD))/go/cache GOPATH=$(abspath $(BUILD))/go/path \
         GODEBUG=cgocheck=2 FASTCLIP_TEST_MODELS=$(abspath $(BUILD))/test-models \
         FASTCLIP_CLI=$(abspath $(BUILD))/bin/fastclip
.PHONY: check-go
$(GO_PC): include/fastclip.h Makefile
	@mkdir -p $(dir $@)
	printf '%s\n' 'libdir=$(abspath $(LIBOUT))' 'includedir=$(CURDIR)/include' '' \
	    'Name: fastclip' 'Description: libfastclip, uninstalled build in $(CURDIR)' \
	    'Version: $(VERSION)' 'Libs: -L$${libdir} -Wl,-rpath,$${libdir} -lfastclip' \
	    'Cflags: -I$${includedir}' > $@

check-go: all $(GO_PC)
	@test -f $(BUILD)/test-models/manifest.json || \
	    $(PYTHON) tests/models/clipmodels.py make $(BUILD)/test-models
	@cd go && out=$$(gofmt -l .) && test -z "$$out" || { echo "gofmt -l: $$out" >&2; exit 1; }
	cd go && $(GO_ENV) $(GO) vet ./... && $(GO_ENV) $(GO) test -count=1 ./...

# ---- the Python package (python/) ------------------------------------------------
# python/tests against this build's library, loaded into Python through the
# package (ctypes) and through cffi (docs/bindings-python.md).
.PHONY: check-python
check-python: all
	FASTCLIP_LIBRARY=$(abspath $(LIBOUT))/$(SONAME) FASTCLIP_BUILD=$(BUILD) \
	    $(PYTHON) -m pytest -q -p no:cacheprovider python/tests

# ---- the main job: CLIP similarity of images and captions ----------------------
# make demo MODEL=ViT-B-32.pt runs OpenAI's archive; without MODEL it builds a
# small CLIP with random weights (tests/models/clipmodels.py), whose scores
# mean nothing but show the whole path working.
MODEL ?=
DEMO_IMAGES ?= $(wildcard ../shared/images/*.png ../shared/images/*.jpg)
DEMO_MODEL_DIR := $(BUILD)/demo-model
demo: all
	@test -n "$(DEMO_IMAGES)" || { echo "demo: no images; set DEMO_IMAGES='a.jpg b.png'" >&2; exit 2; }
	@set -e; model="$(MODEL)"; \
	if [ -z "$$model" ]; then \
	    echo "demo: no MODEL=path given, so using a small CLIP with RANDOM weights: its"; \
	    echo "      scores are meaningless. For real ones: make demo MODEL=ViT-B-32.pt"; \
	    if [ ! -f $(DEMO_MODEL_DIR)/openai_style.pt ]; then \
	        $(PYTHON) tests/models/clipmodels.py make $(DEMO_MODEL_DIR) >/dev/null; fi; \
	    model=$(DEMO_MODEL_DIR)/openai_style.pt; \
	fi; \
	echo "model: $$model"; \
	$(BUILD)/bin/fastclip similarity --model "$$model" $(DEMO_IMAGES) -- \
	    "a diagram" "a photo of a cup of coffee" "a dog playing in the snow" "the CLIP logo"

bench: all $(BENCH_TOOLS)
	FASTCLIP_BUILD=$(BUILD) FASTCLIP_LIBTORCH=$(LIBTORCH) $(PYTHON) tests/bench/bench.py

# ---- examples (examples/): C and C++ programs over the public API ----------------
# Built as a user builds them, with only include/ and the library (and
# -Werror), into $(BUILD)/examples/, linked to this tree's library by rpath.
# test-tools builds them, so make check runs tests/python/test_examples.py.
EXAMPLE_C := $(wildcard examples/*.c)
EXAMPLE_CPP := $(wildcard examples/cpp/*.cpp)
EXAMPLES := $(EXAMPLE_C:examples/%.c=$(BUILD)/examples/%) \
            $(EXAMPLE_CPP:examples/cpp/%.cpp=$(BUILD)/examples/cpp/%)
EXAMPLE_LINK = $(LDFLAGS_ALL) -L$(LIBOUT) -lfastclip -Wl,-rpath,'$(abspath $(LIBOUT))'
.PHONY: examples check-examples
examples: $(EXAMPLES)

$(BUILD)/examples/%: examples/%.c include/fastclip.h $(LIBOUT)/libfastclip.so
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -Iinclude $(OPT) $(SANITIZE) $(CFLAGS) -o $@ $< $(EXAMPLE_LINK)

$(BUILD)/examples/cpp/%: examples/cpp/%.cpp examples/cpp/fastclip.hpp include/fastclip.h $(LIBOUT)/libfastclip.so
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 -Wall -Wextra -Werror -Iinclude $(OPT) $(SANITIZE) $(CXXFLAGS) -o $@ $< $(EXAMPLE_LINK)

# Runs them on the small test models and ../shared/images, against the CLI.
check-examples: all examples
	@test -f $(BUILD)/test-models/manifest.json || \
	    $(PYTHON) tests/models/clipmodels.py make $(BUILD)/test-models
	FASTCLIP_BUILD=$(BUILD) $(PYTHON) -m pytest -q tests/python/test_examples.py

# ---- install --------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(DOCDIR)
	install -m 644 include/fastclip.h $(DESTDIR)$(INCLUDEDIR)/fastclip.h
	install -m 755 lib/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(REALNAME)
	$(if $(BACKEND),install -m 755 $(BACKEND) $(DESTDIR)$(LIBDIR)/$(BACKEND_NAME))
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libfastclip.so
	$(CC) -o $(DESTDIR)$(BINDIR)/fastclip $(CLI_OBJ) $(LDFLAGS_ALL) -L$(LIBOUT) -lfastclip -Wl,-rpath,$(LIBDIR)
	$(PC_SED) pkgconfig/fastclip.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/fastclip.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/fastclip.pc
	install -m 644 README.md LICENSE docs/*.md $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/fastclip.h $(DESTDIR)$(LIBDIR)/$(REALNAME) \
	    $(DESTDIR)$(LIBDIR)/$(BACKEND_NAME) \
	    $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libfastclip.so \
	    $(DESTDIR)$(BINDIR)/fastclip $(DESTDIR)$(PKGCONFIGDIR)/fastclip.pc
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build build-asan build-k0 build-k1 build-k2 build-deb lib/libfastclip.so* \
	    lib/libfastclip_torch.so* pkgconfig/fastclip.pc

-include $(LIB_OBJ:.o=.d) $(BACKEND_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)

setup:
	sh tests/env/setup.sh

print-version:
	@echo $(VERSION)

print-libtorch:
	@echo "LIBTORCH=$(LIBTORCH) (lib: $(TORCH_LIBDIR), $(TORCH_STD))"
