# gtrace build, test and measurement targets. Tests load real eBPF programs
# and need root; `make test` prepares the machine first (scripts/setup-test-env).

GO        ?= go
BIN       ?= ./gtrace
PREFIX    ?= /usr/local
FUZZTIME  ?= 10m
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)

.PHONY: build test setup fuzz bench lint install clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/gtrace

setup:
	./scripts/setup-test-env

test: setup
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

# Each fuzz target for FUZZTIME (default 10m), one after the other.
fuzz:
	./scripts/fuzz-all $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/gtrace

clean:
	rm -f $(BIN)
