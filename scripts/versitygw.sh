#!/usr/bin/env bash
# Prints the path of the pinned versitygw, a real S3-compatible server (posix
# backend) the S3 tests run against, building it from the Go module proxy on
# first use (about 90 s) and caching it.
set -euo pipefail
# go.mod needs Go 1.27.3 (security fixes after 1.26.8); the module proxy serves it.
case "${GOTOOLCHAIN:-}" in ""|local|auto) export GOTOOLCHAIN=go1.27.3 ;; esac # build with go.mod's toolchain, go1.27.3, even where the installed Go is older
version=v1.8.0
dir="${DROVER_TOOLS_DIR:-$(go env GOPATH)/drover-tools}/versitygw-$version"
if [ ! -x "$dir/versitygw" ]; then
  echo "building versitygw $version (about 90 seconds, once)..." >&2
  mkdir -p "$dir"
  GOBIN="$dir" GOFLAGS=-buildvcs=false go install "github.com/versity/versitygw/cmd/versitygw@$version" >&2
fi
echo "$dir/versitygw"
