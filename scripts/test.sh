#!/usr/bin/env bash
# Runs every test: vet, golangci-lint, unit, workflow, activity, ledger (SQLite
# and PostgreSQL), integration tests against a real Temporal dev server,
# govulncheck, and a short fuzz run of every parser of outside input.
set -euo pipefail
# go.mod needs Go 1.27.3 (security fixes after 1.26.8); the module proxy serves it.
case "${GOTOOLCHAIN:-}" in ""|local|auto) export GOTOOLCHAIN=go1.27.3 ;; esac # build with go.mod's toolchain, go1.27.3, even where the installed Go is older
cd "$(dirname "$0")/.."
# Every task, deploy and check script runs under bubblewrap; the worker
# refuses to start without it, and the sandbox tests need it.
if ! command -v bwrap >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap
  else
    echo "bubblewrap (bwrap) is missing: apt-get install bubblewrap" >&2
    exit 1
  fi
fi
bash scripts/postgres.sh
export DROVER_TEMPORAL_CLI="$(bash scripts/temporal-cli.sh)"
export DROVER_REQUIRE_POSTGRES=1
export DROVER_VERSITYGW="$(bash scripts/versitygw.sh)"
export DROVER_REQUIRE_S3=1
echo "== go vet" >&2
go vet ./...
echo "== golangci-lint (.golangci.yaml)" >&2
"$(bash scripts/go-tool.sh golangci-lint)" run ./...
echo "== govulncheck (database from the golang.org/x/vulndb module, offline)" >&2
bash scripts/govulncheck.sh
echo "== go test" >&2
go test -count=1 -timeout 20m ./...
# fuzz runs one fuzz target briefly. Go's fuzz coordinator can report its own
# -fuzztime deadline as a failure ("context deadline exceeded") when it
# expires mid-minimization; a real finding always writes its failing input.
fuzz() {
  local pkg=$1 target=$2 time=$3 fuzzlog
  echo "== fuzz $pkg $target ($time)" >&2
  fuzzlog=$(mktemp)
  if ! go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$time" -fuzzminimizetime 5s 2>&1 | tee "$fuzzlog"; then
    if grep -q "Failing input written" "$fuzzlog" || ! grep -q "context deadline exceeded" "$fuzzlog"; then
      rm -f "$fuzzlog"
      exit 1
    fi
    echo "fuzz: the run ended on Go's own fuzztime deadline with no failing input; not a finding" >&2
  fi
  rm -f "$fuzzlog"
}
# Every parser of outside input: drover.yaml, each forge's webhook, Slack
# interactions and callback reports.
fuzz ./pipeline FuzzParse "${FUZZTIME:-15s}"
for target in FuzzHookGitHub FuzzHookGitea FuzzHookGogs FuzzHookGitLab FuzzSlackInteraction FuzzCallback; do
  fuzz ./api "$target" "${FUZZTIME_EACH:-3s}"
done
echo "== deployment: images' binaries, compose file, kubernetes manifests, workflowcheck" >&2
bash scripts/docker-build-check.sh
bash scripts/compose-check.sh
bash scripts/workflowcheck.sh
echo "== browser tests (headless chromium, playwright-core)" >&2
if ! bash scripts/browser-test.sh; then
  echo "browser test failed once; running it again to tell a flake from a failure" >&2
  bash scripts/browser-test.sh
fi
