# The Python package (python/), included by the Makefile.
# python/tests against this build's library, loaded into Python through the
# package (ctypes) and through cffi (docs/bindings-python.md).
.PHONY: check-python
check-python: all
	FASTCLIP_LIBRARY=$(abspath $(LIBOUT))/$(SONAME) FASTCLIP_BUILD=$(BUILD) \
	    $(PYTHON) -m pytest -q -p no:cacheprovider python/tests
