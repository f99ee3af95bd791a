#!/usr/bin/env bash
# Runs govulncheck (pinned, built by scripts/go-tool.sh) over the module with
# a vulnerability database read offline from the golang.org/x/vulndb module,
# which the Go module proxy serves like any module. Its data/osv directory is
# a flat directory of OSV entries, which govulncheck reads as a database when
# given -db file://<dir> (it builds the index itself). Pin a newer database
# with DROVER_VULNDB_VERSION (see: go list -m -json golang.org/x/vulndb@latest).
# Exits non-zero when govulncheck finds a vulnerability the code can reach.
set -euo pipefail
case "${GOTOOLCHAIN:-}" in ""|local|auto) export GOTOOLCHAIN=go1.27.3 ;; esac # build with go.mod's toolchain, go1.27.3, even where the installed Go is older
cd "$(dirname "$0")/.."
vulndb_version="${DROVER_VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}"
govulncheck="$(bash scripts/go-tool.sh govulncheck)"
# Downloaded outside the module so that go.mod is never touched.
dir="$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod go mod download -json "golang.org/x/vulndb@$vulndb_version" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
rmdir "${TMPDIR:-/tmp}"/tmp.* 2>/dev/null || true
if [ -z "$dir" ] || [ ! -d "$dir/data/osv" ]; then
  echo "govulncheck: no data/osv in golang.org/x/vulndb@$vulndb_version" >&2
  exit 1
fi
echo "govulncheck: database golang.org/x/vulndb@$vulndb_version ($(ls "$dir/data/osv" | wc -l) entries)" >&2
exec "$govulncheck" -db "file://$dir/data/osv" "$@" ./...
