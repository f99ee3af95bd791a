#!/usr/bin/env bash
# Prints the path of the pinned Temporal CLI (dev server + Temporal Web),
# building it from the Go module proxy on first use and caching it.
set -euo pipefail
# go.mod needs Go 1.27.3 (security fixes after 1.26.8); the module proxy serves it.
case "${GOTOOLCHAIN:-}" in ""|local|auto) export GOTOOLCHAIN=go1.27.3 ;; esac # build with go.mod's toolchain, go1.27.3, even where the installed Go is older
version=v1.5.1 # the last release `go install` accepts; server 1.29.1
dir="${DROVER_TOOLS_DIR:-$(go env GOPATH)/drover-tools}/temporal-cli-$version"
if [ ! -x "$dir/temporal" ]; then
  echo "building Temporal CLI $version (about 5 minutes, once)..." >&2
  mkdir -p "$dir"
  GOBIN="$dir" GOFLAGS=-buildvcs=false go install "github.com/temporalio/cli/cmd/temporal@$version" >&2
fi
echo "$dir/temporal"
