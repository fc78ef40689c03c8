# Gatehouse. `make run` starts the server on embedded SQLite with the built plugins;
# `make test` runs every test (the MySQL suite too when GATEHOUSE_TEST_MYSQL_DSN is set, and
# then it is required when CI is set).

SHELL       := /bin/bash
.SHELLFLAGS := -o pipefail -c

GO        ?= go
BIN       := bin
PLUGINS   := $(BIN)/plugins
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/gatehouse-iam/gatehouse/server.Version=$(VERSION)
CONNECTORS := $(patsubst connectors/%/main.go,%,$(wildcard connectors/*/main.go))
BENCH_MYSQL_DSN ?= root@tcp(127.0.0.1:3306)/gatehouse_bench

.PHONY: all build plugins run test test-short lint proto proto-check bench clean

all: build

build: plugins
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/gatehouse ./server/cmd/gatehouse

plugins:
	@mkdir -p $(PLUGINS)
	@for c in $(CONNECTORS); do \
		echo "building connector $$c"; \
		$(GO) build -o $(PLUGINS)/$$c ./connectors/$$c || exit 1; \
	done

run: build
	GATEHOUSE_PLUGIN_DIR=$(PLUGINS) ./$(BIN)/gatehouse serve

# Fuzz targets run a few seconds each on top of their seed corpus, every time. Their budgets are
# counts of inputs, not durations: Go 1.26's fuzz coordinator can race its own -fuzztime deadline
# and fail the run ("context deadline exceeded", golang/go#75804, fixed in Go 1.27).
FUZZ_TARGETS := ./core/domain:FuzzNormalizePhone:150000x ./adapters/http:FuzzDecodeTokenRequest:10000x

test:
	$(GO) test -race -timeout 20m ./...
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; fn=$${rest%%:*}; budget=$${rest#*:}; \
		echo "fuzz $$fn ($$budget)"; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $$budget $$pkg || exit 1; \
	done

test-short:
	$(GO) test -short ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

proto:
	$(GO) generate ./plugins/internal/protocol

proto-check: proto
	@git diff --exit-code -- plugins/internal/protocol || (echo "generated protocol code is stale: run make proto" && exit 1)

# Benchmarks print their raw lines and then one table. MySQL rows need a reachable server;
# set BENCH_MYSQL_DSN to point elsewhere or to empty to skip them.
bench:
	@if [ -n "$(BENCH_MYSQL_DSN)" ] && command -v mysql >/dev/null 2>&1; then \
		mysql -uroot -h127.0.0.1 -e 'CREATE DATABASE IF NOT EXISTS gatehouse_bench' 2>/dev/null || true; fi
	@# The plugin round trip needs more iterations than the database benchmarks to settle.
	{ GATEHOUSE_TEST_MYSQL_DSN='$(BENCH_MYSQL_DSN)' $(GO) test -run '^$$' -bench . -benchtime 2000x -timeout 60m \
		$$($(GO) list ./... | grep -v /connectors/internal/mock) && \
	  $(GO) test -run '^$$' -bench . -benchtime 20000x ./connectors/internal/mock; } | $(GO) run ./internal/tools/benchtable

clean:
	rm -rf $(BIN)
