# libfastclip - build, test, benchmark, install.
#
#   make              build lib/libfastclip.so, its backend and build/bin/fastclip
#   make setup        install every Debian and PyPI package the build and tests need
#   make demo [MODEL=ViT-B-32.pt]   CLIP similarity of ../shared/images and captions
#   make check-fast   the C unit tests (seconds; no LibTorch, no Python)
#   make check        the test suite CI runs first: unit tests, conformance against
#                     Pillow, torchvision, OpenAI's tokenizer and torch, the bindings
#   make check-sanitize   the same suite under AddressSanitizer + UBSan
#   make check-tsan   the unit tests under ThreadSanitizer
#   make check-kernels    the fallback SIMD kernels (built without LibTorch)
#   make check-debian-libtorch   the model tests against Debian's LibTorch 1.13
#   make check-go     the Go binding's tests (go/fastclip), also run by make check
#   make check-python the Python package's tests (python/), also run by make check
#   make bench        benchmarks, side by side with Pillow + torchvision, OpenCV and torch
#   make examples     the C and C++ examples into build/examples/; make check-examples runs them
#   make install / uninstall   honour PREFIX and DESTDIR
#   make clean
#
# The rules live beside what they build: src/build.mk (the libraries and the
# command), src/tokenizer/bpe.mk (CLIP's BPE merges), tests/tests.mk (the test
# tiers and benchmarks), examples/examples.mk, go/go.mk and python/python.mk.

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

# ---- tools and folders ------------------------------------------------------------
CC ?= cc
PYTHON ?= .venv/bin/python
DEBIAN_PYTHON ?= /usr/bin/python3
BUILD ?= build
# Where the shared library lands; the sanitizer builds keep their own copy.
LIBOUT ?= lib

.DELETE_ON_ERROR:
.DEFAULT_GOAL := all
.PHONY: setup demo install uninstall clean print-version print-libtorch

include src/build.mk
include src/tokenizer/bpe.mk
include examples/examples.mk
include tests/tests.mk
include go/go.mk
include python/python.mk

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
	rm -rf build build-asan build-tsan build-k0 build-k1 build-k2 build-deb lib/libfastclip.so* \
	    lib/libfastclip_torch.so* pkgconfig/fastclip.pc

setup:
	sh tests/env/setup.sh

print-version:
	@echo $(VERSION)

print-libtorch:
	@echo "LIBTORCH=$(LIBTORCH) (lib: $(TORCH_LIBDIR), $(TORCH_STD))"
