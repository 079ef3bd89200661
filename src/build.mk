# The build: lib/libfastclip.so, its backend libraries, and the fastclip
# command. Included by the Makefile, which sets the version, the install
# paths and BUILD / LIBOUT.

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

SONAME := libfastclip.so.$(VERSION_MAJOR)
REALNAME := libfastclip.so.$(VERSION)

# The library, folder by folder in the order a call flows through them:
# the public entry of models (model/), the batch pipeline (pipeline/),
# the backend loader (backend/); the tokenizer; the image sources and the
# transform (image/), the resampler (resample/), the decoders (decode/);
# errors, limits and files (common/). docs/architecture.md draws it.
LIB_DIRS := model pipeline backend tokenizer image resample decode common
LIB_SRC := $(foreach d,$(LIB_DIRS),$(wildcard src/$(d)/*.c))
CLI_SRC := $(wildcard src/cli/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/pic/%.o) $(BUILD)/pic/gen/bpe_data.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
# The same objects without -fPIC and hidden visibility, linked statically
# into unit tests, internal tools and benchmarks so that they reach
# internal functions.
UNIT_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/bpe_data.o

# ---- the TorchScript backend (src/backend/torchscript/), over LibTorch ----------
# A library of its own, $(LIBOUT)/libfastclip_torch.so.<version>, which
# libfastclip.so opens on the first fc_load of a TorchScript archive
# (src/backend/loader.c). It neither calls nor links libfastclip.
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
# The GPU path (cuda_runner.cpp) where this LibTorch has CUDA and CUDA's
# runtime headers are found: those of the torch wheel's nvidia packages, or
# a CUDA toolkit's. It builds without a GPU. Elsewhere (Debian's
# libtorch-dev, the CPU wheel) cuda_none.cpp stands in. FASTCLIP_CUDA=0
# builds without it anyway.
FASTCLIP_CUDA ?= 1
ifeq ($(FASTCLIP_CUDA)$(if $(wildcard $(TORCH_LIBDIR)/libtorch_cuda.so),yes),1yes)
TORCH_NVIDIA := $(wildcard $(LIBTORCH)/../nvidia/cu1*)
# (cuda_runtime.h needs crt/host_config.h, which the wheels' runtime
# package lacks; their nvcc package, or a toolkit, has it.)
CUDA_INCLUDE ?= $(patsubst %/crt/host_config.h,%,$(firstword $(wildcard \
                  $(addsuffix /include/crt/host_config.h,$(TORCH_NVIDIA) $(LIBTORCH)/../nvidia/cuda_runtime \
                  $(LIBTORCH)/../nvidia/cuda_nvcc) /usr/local/cuda/include/crt/host_config.h)))
CUDART := $(firstword $(wildcard $(addsuffix /lib/libcudart.so.*,$(TORCH_NVIDIA) \
            $(LIBTORCH)/../nvidia/cuda_runtime) /usr/local/cuda/lib64/libcudart.so.*))
ifeq ($(CUDA_INCLUDE)$(if $(CUDART),,missing),$(CUDA_INCLUDE))
ifneq ($(CUDA_INCLUDE),)
BACKEND_CUDA := cuda_runner
TORCH_INCLUDES += -isystem $(CUDA_INCLUDE)
MODEL_LIBS += -L$(TORCH_LIBDIR) -Wl,--no-as-needed -ltorch_cuda -lc10_cuda -Wl,--as-needed \
              $(CUDART) -Wl,-rpath,$(dir $(CUDART))
endif
endif
ifeq ($(BACKEND_CUDA),)
$(warning LIBTORCH=$(LIBTORCH) has CUDA, but CUDA's runtime headers and library were not found (set CUDA_INCLUDE=DIR, or FASTCLIP_CUDA=0): building the backend without its GPU path)
endif
endif
else
BACKEND :=
endif
BACKEND_CUDA ?= cuda_none
BACKEND_OBJ := $(patsubst %.cpp,$(BUILD)/pic/%.o,$(filter-out src/backend/torchscript/cuda_%.cpp,\
                 $(wildcard src/backend/torchscript/*.cpp)) src/backend/torchscript/$(BACKEND_CUDA).cpp)
CXX_WARNINGS := -Wall -Wextra -Wshadow -Wpointer-arith -Wformat=2
CXXFLAGS_ALL = -std=$(TORCH_STD) $(CXX_WARNINGS) -Iinclude -Isrc $(TORCH_INCLUDES) $(OPT) \
               $(SANITIZE) $(CXXFLAGS) $(CPPFLAGS)

.PHONY: all lib cli
all: lib cli

lib: $(LIBOUT)/libfastclip.so $(LIBOUT)/$(SONAME) $(BACKEND) pkgconfig/fastclip.pc
cli: $(BUILD)/bin/fastclip

$(LIBOUT)/$(REALNAME): $(LIB_OBJ) src/fastclip.map
	@mkdir -p $(LIBOUT)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/fastclip.map \
	    -Wl,--no-undefined -o $@ $(LIB_OBJ) $(LDFLAGS_ALL) $(LIBS)

$(LIBOUT)/$(BACKEND_NAME): $(BACKEND_OBJ) src/backend/torchscript/backend.map
	@mkdir -p $(LIBOUT)
	$(CXX) -shared -Wl,-soname,$(BACKEND_NAME) -Wl,--version-script=src/backend/torchscript/backend.map \
	    -Wl,--no-undefined -o $@ $(BACKEND_OBJ) $(LDFLAGS_ALL) $(MODEL_LIBS) -pthread

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

-include $(LIB_OBJ:.o=.d) $(BACKEND_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
