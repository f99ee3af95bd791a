#!/usr/bin/env bash
# Prints the path of a pinned Go tool, building it from the Go module proxy on
# first use and caching it under $(go env GOPATH)/drover-tools (like
# scripts/temporal-cli.sh). Usage: scripts/go-tool.sh kustomize|workflowcheck|golangci-lint|govulncheck
set -euo pipefail
# go.mod needs Go 1.27.3 (security fixes after 1.26.8); the module proxy serves it.
case "${GOTOOLCHAIN:-}" in ""|local|auto) export GOTOOLCHAIN=go1.27.3 ;; esac # build with go.mod's toolchain, go1.27.3, even where the installed Go is older
case "${1:-}" in
  # The last versions checked to build with Go 1.26.
  kustomize) name=kustomize pkg=sigs.k8s.io/kustomize/kustomize/v5 version=v5.8.1 ;;
  workflowcheck) name=workflowcheck pkg=go.temporal.io/sdk/contrib/tools/workflowcheck version=v0.6.0 ;;
  # The newest release the module proxy serves; its go.mod asks for Go 1.26.0
  # and it builds with Go 1.27.3.
  golangci-lint) name=golangci-lint pkg=github.com/golangci/golangci-lint/v2/cmd/golangci-lint version=v2.15.0 ;;
  govulncheck) name=govulncheck pkg=golang.org/x/vuln/cmd/govulncheck version=v1.9.0 ;;
  *) echo "usage: $0 kustomize|workflowcheck|golangci-lint|govulncheck" >&2; exit 2 ;;
esac
dir="${DROVER_TOOLS_DIR:-$(go env GOPATH)/drover-tools}/$name-$version"
if [ ! -x "$dir/$name" ]; then
  echo "building $name $version (once)..." >&2
  mkdir -p "$dir"
  GOBIN="$dir" GOFLAGS=-buildvcs=false go install "$pkg@$version" >&2
fi
echo "$dir/$name"
