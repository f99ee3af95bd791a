#!/usr/bin/env bash
# Builds Drover's binaries exactly as the Dockerfile's build stage does (the
# same `go build` line, read from the Dockerfile so the two cannot drift, run
# over a copy of the build context filtered by .dockerignore, into a temporary
# directory), so CI proves the images' contents compile without a container
# engine.
set -euo pipefail
# go.mod needs Go 1.27.3 (security fixes after 1.26.8); the module proxy serves it.
case "${GOTOOLCHAIN:-}" in ""|local|auto) export GOTOOLCHAIN=go1.27.3 ;; esac # build with go.mod's toolchain, go1.27.3, even where the installed Go is older
cd "$(dirname "$0")/.."
line=$(grep -o 'CGO_ENABLED=0 go build .*' Dockerfile)
[ -n "$line" ] || { echo "no 'CGO_ENABLED=0 go build' line in Dockerfile" >&2; exit 1; }
grep -q -- '-o /out/ ' <<<"$line" || { echo "the Dockerfile's go build must write to /out/" >&2; exit 1; }
out=$(mktemp -d)
ctx=$(mktemp -d)
trap 'rm -rf "$out" "$ctx"' EXIT
# The build context as Docker sends it: the tree without what .dockerignore
# excludes (its patterns are anchored at the root, as rsync's leading "/").
command -v rsync >/dev/null || { echo "docker build check needs rsync" >&2; exit 1; }
rsync -a --exclude-from=<(grep -v -e '^#' -e '^$' .dockerignore | sed 's|^|/|') ./ "$ctx/"
echo "== docker build check: ${line//\/out\//$out/}" >&2
(cd "$ctx" && eval "${line//\/out\//$out/}")
for bin in drover drover-api drover-worker drover-setup; do
  [ -x "$out/$bin" ] || { echo "docker build check: $bin was not built" >&2; exit 1; }
  # The images' binaries must not need a C library (CGO_ENABLED=0).
  if command -v ldd >/dev/null && ldd "$out/$bin" 2>&1 | grep -q '=>'; then
    echo "docker build check: $bin is dynamically linked" >&2; exit 1
  fi
done
# The Dockerfile copies exactly these binaries into its images.
for bin in drover drover-setup drover-api drover-worker; do
  grep -q "/out/.*$bin" Dockerfile || { echo "Dockerfile does not copy $bin" >&2; exit 1; }
done
echo "docker build check: ok ($(ls "$out" | tr '\n' ' '))" >&2
