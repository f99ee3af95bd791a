# Drover: `make dev` runs it locally, `make test` runs every test, `make unit`
# only those that need no Temporal server, PostgreSQL, versitygw or browser.
# go.mod needs Go 1.27.3 (security fixes after 1.26.8); the Go module proxy serves it.
export GOTOOLCHAIN ?= go1.27.3
.PHONY: build dev test unit lint bench fuzz vet screenshots

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

bench: build
	go run ./cmd/drover-bench

vet:
	go vet ./...

# Refreshes the README's screenshots in docs/ (make test writes them to build/screenshots/).
screenshots:
	SHOTS_DIR=$(CURDIR)/docs bash scripts/browser-test.sh
