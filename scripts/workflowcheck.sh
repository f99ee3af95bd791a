#!/usr/bin/env bash
# Runs Temporal's workflowcheck (static determinism checks) over the
# workflows. A finding that is safe gets a `//workflowcheck:ignore` comment
# on that line, with the reason.
set -euo pipefail
# go.mod needs Go 1.27.3 (security fixes after 1.26.8); the module proxy serves it.
case "${GOTOOLCHAIN:-}" in ""|local|auto) export GOTOOLCHAIN=go1.27.3 ;; esac # build with go.mod's toolchain, go1.27.3, even where the installed Go is older
cd "$(dirname "$0")/.."
wfc=$(bash scripts/go-tool.sh workflowcheck)
echo "== workflowcheck ./workflows/..." >&2
"$wfc" -config scripts/workflowcheck.yaml ./workflows/...
