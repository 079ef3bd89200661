# The Go binding (go/fastclip): go test against this build (included by the
# Makefile).
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
