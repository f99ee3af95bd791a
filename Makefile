# Drover: `make dev` runs it locally, `make test` runs every test.
.PHONY: build dev test bench fuzz vet

build:
	mkdir -p bin
	go build -o bin/ ./cmd/...

dev: build
	bash scripts/dev.sh

test:
	bash scripts/test.sh

fuzz:
	go test ./pipeline -run '^$$' -fuzz FuzzParse -fuzztime $${FUZZTIME:-15s}

bench: build
	go run ./cmd/drover-bench

vet:
	go vet ./...
