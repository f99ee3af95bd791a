# Drover: `make dev` runs it locally, `make test` runs every test, `make unit`
# only those that need no Temporal server, PostgreSQL, versitygw or browser.
# go.mod accepts Go 1.26.8 and names toolchain go1.27.3 (security fixes after
# 1.26.8), which the Go module proxy serves; make builds with it always, also
# where an unset, local or auto GOTOOLCHAIN would use an older installed Go.
ifeq ($(filter-out local auto,$(GOTOOLCHAIN)),)
export GOTOOLCHAIN := go1.27.3
endif
.PHONY: build dev test unit lint bench bench-readme fuzz vet screenshots chaos

build:
	mkdir -p bin
	go build -o bin/ ./cmd/...

dev: build
	bash scripts/dev.sh

test:
	bash scripts/test.sh

unit:
	go test -short ./...

# golangci-lint v2.15.0 (built once by scripts/go-tool.sh) with .golangci.yaml.
lint:
	"$$(bash scripts/go-tool.sh golangci-lint)" run ./...

fuzz:
	go test ./pipeline -run '^$$' -fuzz FuzzParse -fuzztime $${FUZZTIME:-15s}

# Every figure goes to build/bench.json too (BENCH_FLAGS, e.g. "-rounds 5 -waiting 0";
# see go run ./cmd/drover-bench -h). bench-readme runs it and writes its table
# into README.md's Benchmark section.
bench: build
	mkdir -p build
	go run ./cmd/drover-bench -json build/bench.json $(BENCH_FLAGS)

bench-readme: bench
	go run ./cmd/drover-bench -table build/bench.json -readme README.md

# Kills the worker, the API and the Temporal dev server again and again while
# builds and promotions run, then prints runs started, ended, lost, stuck and
# duplicated (non-zero exit when any was lost or duplicated).
# CHAOS_FLAGS, e.g. "-duration 45s -seed 7 -keep"; see go run ./cmd/drover-chaos -h.
chaos:
	go run ./cmd/drover-chaos $(CHAOS_FLAGS)

vet:
	go vet ./...

# Refreshes the README's screenshots in docs/: the browser test writes every
# page at both sizes and themes to build/screenshots/ (as make test does),
# and the README's choice of them is copied to docs/.
README_SHOTS = runs runs-dark runs-phone runs-phone-dark build build-dark build-phone promotion promotion-dark \
	promotion-phone promotion-log approvals approvals-phone-dark environments environments-phone history-phone history-rollback error-dark
screenshots:
	SHOTS_DIR=$(CURDIR)/build/screenshots bash scripts/browser-test.sh
	for s in $(README_SHOTS); do cp build/screenshots/$$s.png docs/$$s.png; done
