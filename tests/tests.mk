# The tests, in tiers, and the benchmarks (included by the Makefile).
#
#   make check-fast     the C unit tests: no LibTorch, no Python; seconds
#   make check          everything CI runs first: the unit tests, then the
#                       Python suites against Pillow, torchvision, OpenAI's
#                       tokenizer and torch, then the Go and Python bindings
#   make check-sanitize the whole suite again under ASan + UBSan
#   make check-tsan     the unit tests under ThreadSanitizer: the worker
#                       pool, 8 threads encoding on one model, preprocessing
#                       and the tokenizer from 8 threads
#   make check-kernels  the fallback SIMD kernels, each on its own
#   make check-debian-libtorch   the model tests against Debian's LibTorch 1.13
#   make check-gpu-dry-run  tests/gpu/ (checks and benchmark) on the CPU, tiny shapes

TEST_LIBS := -pthread
TEST_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(wildcard tests/tools/*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c)) \
              $(BUILD)/tests/test_buckets
# Test tools that reach internal functions (linked with the objects, not the .so).
INTERNAL_TOOLS := $(patsubst tests/internal/%.c,$(BUILD)/tests/%,$(wildcard tests/internal/*.c))
BENCH_TOOLS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))
# The deterministic backend written in C that the C layer's tests run on.
TEST_BACKEND_OBJ := $(BUILD)/obj/tests/backend/test_backend.o

.PHONY: check-gpu-dry-run test-tools check check-fast check-sanitize check-sanitized-build check-tsan \
        check-tsan-build check-kernels check-kernel-build check-debian-libtorch bench
# Objects linked into test tools are built by pattern rules only; keep them.
.SECONDARY: $(UNIT_OBJ) $(TEST_BACKEND_OBJ)

$(BUILD)/tests/%: tests/tools/%.c tests/tools/read_file.h $(LIBOUT)/libfastclip.so
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDFLAGS_ALL) -L$(LIBOUT) -lfastclip -Wl,-rpath,'$(abspath $(LIBOUT))' -lm $(TEST_LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/check.h tests/backend/test_backend.h $(UNIT_OBJ) $(TEST_BACKEND_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests -o $@ $< $(UNIT_OBJ) $(TEST_BACKEND_OBJ) $(LDFLAGS_ALL) $(LIBS) $(TEST_LIBS)

# The backend's bucket logic is plain C++: tested without LibTorch.
$(BUILD)/tests/test_buckets: tests/unit/test_buckets.cpp tests/unit/check.h \
                             src/backend/torchscript/buckets.cpp src/backend/torchscript/buckets.hpp
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 $(CXX_WARNINGS) $(OPT) $(SANITIZE) $(CXXFLAGS) -Isrc -Itests -o $@ \
	    tests/unit/test_buckets.cpp src/backend/torchscript/buckets.cpp $(LDFLAGS)

$(BUILD)/tests/%: tests/internal/%.c $(UNIT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(UNIT_OBJ) $(LDFLAGS_ALL) $(LIBS)

# The model benchmark goes through the shared library, as users do.
$(BUILD)/bench/fc_model_bench: tests/bench/fc_model_bench.c tests/bench/timing.h $(LIBOUT)/libfastclip.so
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDFLAGS_ALL) -L$(LIBOUT) -lfastclip -Wl,-rpath,'$(abspath $(LIBOUT))'

$(BUILD)/bench/%: tests/bench/%.c tests/bench/timing.h $(UNIT_OBJ) $(TEST_BACKEND_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests -o $@ $< $(UNIT_OBJ) $(TEST_BACKEND_OBJ) $(LDFLAGS_ALL) $(LIBS) $(TEST_LIBS)

# The C unit tests of the current build, one after another.
RUN_UNIT_TESTS = @set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

test-tools: all $(TEST_TOOLS) $(UNIT_TESTS) $(INTERNAL_TOOLS) examples

check-fast: $(UNIT_TESTS)
	$(RUN_UNIT_TESTS)

check: test-tools
	$(RUN_UNIT_TESTS)
	FASTCLIP_BUILD=$(BUILD) $(PYTHON) -m pytest -q tests/python
	FASTCLIP_BUILD=$(BUILD) $(DEBIAN_PYTHON) -m pytest -q -p no:cacheprovider tests/python/test_conformance.py
	$(MAKE) --no-print-directory check-go
	$(MAKE) --no-print-directory check-python

# The same suite with AddressSanitizer and UndefinedBehaviorSanitizer, in a
# build folder of its own. Python loads nothing from it: the tests drive the
# sanitized build through its command-line tools, so leaks are checked too.
# The backend is built without its GPU path (FASTCLIP_CUDA=0): this job
# runs where there is no GPU, and with cuda_runner.cpp linked (libc10_cuda,
# libcudart) LeakSanitizer's tracer crashed at exit ("Tracer caught signal
# 11") on every run that warmed a model up.
check-sanitize: $(BPE_CHECKED)
	$(MAKE) BUILD=build-asan BPE_GZ=$(abspath $(BPE_CHECKED)) LIBOUT=build-asan/lib OPT="-O1 -g" \
	    FASTCLIP_CUDA=0 \
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

# ThreadSanitizer over the C layer: every unit test, in a build without
# LibTorch (its uninstrumented OpenMP pool would only give false reports),
# on the C test backend. halt_on_error: the first race fails the run.
check-tsan: $(BPE_CHECKED)
	$(MAKE) --no-print-directory BUILD=build-tsan BPE_GZ=$(abspath $(BPE_CHECKED)) LIBOUT=build-tsan/lib \
	    LIBTORCH= OPT="-O1 -g" SANITIZE="-fsanitize=thread -fno-omit-frame-pointer" check-tsan-build

check-tsan-build: $(UNIT_TESTS)
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" $(MAKE) --no-print-directory check-fast

# The fallback kernels (portable C, AVX2, AVX-512 without VNNI/VBMI) are not
# what this machine picks, so each is built on its own (FC_KERNEL_LEVEL, see
# src/common/cpu.h) and run through the unit tests and the conformance suite.
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
	@out=$$($(BUILD)/bin/fastclip embed --model Makefile --text x 2>&1); rc=$$?; \
	    echo "$$out"; test $$rc = 4 && echo "$$out" | grep -q "not a model file"
	@printf 'PK\003\004 not really a zip' > $(BUILD)/fake.pt; \
	    out=$$($(BUILD)/bin/fastclip embed --model $(BUILD)/fake.pt --text x 2>&1); rc=$$?; \
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

bench: all $(BENCH_TOOLS)
	FASTCLIP_BUILD=$(BUILD) FASTCLIP_LIBTORCH=$(LIBTORCH) $(PYTHON) tests/bench/bench.py

# The GPU scripts (tests/gpu/), run on this machine's CPU with tiny shapes:
# every step of the checks and the benchmark, so that they are proven before
# they spend device time. Without a GPU the GPU-only checks fail; the dry
# run fails only when a script does.
check-gpu-dry-run: all
	$(PYTHON) tests/gpu/check_cuda.py $(BUILD) --cpu-dry-run
	BUILD=$(BUILD) PYTHON=$(PYTHON) sh tests/gpu/bench.sh --cpu-dry-run
