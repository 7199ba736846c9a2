# gtrace build, test and measurement targets. Tests load real eBPF programs
# and need root; `make test` prepares the machine first (scripts/setup-test-env).

GO        ?= go
BIN       ?= ./gtrace
PREFIX    ?= /usr/local
FUZZTIME  ?= 10m
SOAKTIME  ?= 10m
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)

.PHONY: build handwritten test setup vmtest fuzz soak bench lint staticcheck install uninstall clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/gtrace

# The benchmark programs in hand-written eBPF (bench/handwritten), the
# peer that stands for the limit: bench.sh ./gtrace ./handwritten --only event
handwritten:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o ./handwritten ./bench/handwritten

setup:
	./scripts/setup-test-env

# The suite, then a short VM smoke: the kprobe/fentry basics on one Debian
# kernel under qemu (skipped, with the reason, where qemu cannot run).
test: setup lint
	$(GO) test -count=1 -timeout 20m ./...
	./scripts/vmtest --smoke

# The kernel tests on every kernel of scripts/vmtest's KERNELS, booted
# under qemu (KVM when it works, else software emulation). Root.
vmtest:
	./scripts/vmtest

# Each fuzz target for FUZZTIME (default 10m), one after the other.
fuzz:
	./scripts/fuzz-all $(FUZZTIME)

# A SOAKTIME (default 10m) getppid storm traced by a printf and a count()
# gtrace: every event accounted for, RSS stable. Root; not part of test.
soak:
	./scripts/soak $(SOAKTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# gofmt, go vet and staticcheck (its checks: staticcheck.conf). staticcheck
# is pinned and installed from the Go module proxy into GOPATH/bin when
# that version is missing.
STATICCHECK_VERSION ?= 0.8.2
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck

lint: staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(STATICCHECK) ./...

staticcheck:
	@$(STATICCHECK) -version 2>/dev/null | grep -qF '($(STATICCHECK_VERSION))' || \
		GOBIN=$(dir $(STATICCHECK)) $(GO) install honnef.co/go/tools/cmd/staticcheck@v$(STATICCHECK_VERSION)

BINDIR    := $(DESTDIR)$(PREFIX)/bin
TOOLSDIR  := $(DESTDIR)$(PREFIX)/share/gtrace/tools
MANDIR    := $(DESTDIR)$(PREFIX)/share/man/man8
BASHCOMP  := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHCOMP   := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
TOOLS     := $(basename $(notdir $(wildcard tools/*.bt)))

# gtrace, its tools (each also on the PATH as gtrace-TOOL, a symlink to the
# script, which finds gtrace through its #!/usr/bin/env line), the man page
# and the bash and zsh completions. DESTDIR stages a package.
install: build
	install -D -m 0755 $(BIN) $(BINDIR)/gtrace
	install -d $(TOOLSDIR)
	install -m 0755 tools/*.bt $(TOOLSDIR)/
	for t in $(TOOLS); do ln -sfn ../share/gtrace/tools/$$t.bt $(BINDIR)/gtrace-$$t; done
	install -D -m 0644 man/gtrace.8 $(MANDIR)/gtrace.8
	install -D -m 0644 completions/gtrace.bash $(BASHCOMP)/gtrace
	install -D -m 0644 completions/_gtrace $(ZSHCOMP)/_gtrace

uninstall:
	rm -f $(BINDIR)/gtrace $(MANDIR)/gtrace.8 $(BASHCOMP)/gtrace $(ZSHCOMP)/_gtrace
	for t in $(TOOLS); do rm -f $(BINDIR)/gtrace-$$t; done
	rm -rf $(DESTDIR)$(PREFIX)/share/gtrace

clean:
	rm -f $(BIN)
