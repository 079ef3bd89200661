# The examples: C and C++ programs over the public API (included by the
# Makefile).
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
