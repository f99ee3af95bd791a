#!/usr/bin/env bash
# End-to-end test of the web pages in a real browser: Debian's chromium,
# driven by npm's playwright-core (tests/browser). It installs what is
# missing, builds bin/, starts a Temporal dev server, the worker and the API
# (identity file examples/identities.yaml: alice, bob in group release,
# carol) on free ports, runs tests/browser/pages.test.mjs, saves a
# screenshot of each page at 1400 and 390 px, light and dark, into
# build/screenshots/ (SHOTS_DIR; `make screenshots` copies the README's
# choice to docs/) and stops everything it started.
#   bash scripts/browser-test.sh          # KEEP=1 keeps the temporary directory
set -euo pipefail
# go.mod needs Go 1.27.3 (security fixes after 1.26.8); the module proxy serves it.
case "${GOTOOLCHAIN:-}" in ""|local|auto) export GOTOOLCHAIN=go1.27.3 ;; esac # build with go.mod's toolchain, go1.27.3, even where the installed Go is older
cd "$(dirname "$0")/.."
root=$(pwd)

if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium..." >&2
  if ! apt-get install -y chromium >/dev/null 2>&1; then
    apt-get update >/dev/null && apt-get install -y chromium >/dev/null
  fi
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && { npm ci --no-audit --no-fund || npm install --no-audit --no-fund; }) >&2
fi
go build -o bin/ ./cmd/...

tmp=$(mktemp -d)
pids=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$rc" -ne 0 ]; then
    echo "browser test failed; process logs:" >&2
    for f in "$tmp"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 40 "$f" >&2; }; done
  fi
  if [ -n "${KEEP:-}" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
tport=$(free_port); hport=$(free_port); mport=$(free_port); aport=$(free_port)

temporal=$(bash scripts/temporal-cli.sh)
args=(server start-dev --ip 127.0.0.1 --port "$tport" --http-port "$hport" --metrics-port "$mport" --headless
  --db-filename "$tmp/temporal.db" --log-level error)
while read -r sa; do [ -n "$sa" ] && args+=(--search-attribute "$sa"); done < deploy/temporal/search-attributes.txt
while read -r dc; do [ -n "$dc" ] && args+=(--dynamic-config-value "$dc"); done < deploy/temporal/dynamic-config.txt
# SQLite pragmas of the file-backed server (WAL, synchronous=NORMAL: see the file).
while read -r sp; do args+=(--sqlite-pragma "$sp"); done < <(grep -Ev '^[[:space:]]*(#|$)' deploy/temporal/sqlite-pragmas.txt)
"$temporal" "${args[@]}" >"$tmp/temporal.log" 2>&1 &
pids+=($!)
ok=
for _ in $(seq 1 240); do
  if "$temporal" operator cluster health --address "127.0.0.1:$tport" >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.25
done
[ -n "$ok" ] || { echo "Temporal dev server did not start" >&2; exit 1; }

export DROVER_TEMPORAL_ADDRESS="127.0.0.1:$tport"
export DROVER_DATA_DIR="$tmp/data"
export DROVER_LEDGER_DSN="$tmp/data/ledger.db"
export DROVER_API_ADDR="127.0.0.1:$aport"
export DROVER_PUBLIC_URL="http://127.0.0.1:$aport"
export DROVER_IDENTITY_FILE="$root/examples/identities.yaml"
# The page test's project, registered: the identity file's users may all
# build and promote it (the workflow's approvers decide who approves).
cat >"$tmp/projects.yaml" <<YAML
projects:
  - name: webdemo
    paths: ["$tmp/repo"]
    reads: public
    roles: {admin: [alice, bob, carol, dave]}
YAML
export DROVER_PROJECTS_FILE="$tmp/projects.yaml"
export DROVER_STARTED_SIGNAL_DELAY=100ms
mkdir -p "$DROVER_DATA_DIR"
bin/drover-worker >"$tmp/worker.log" 2>&1 &
pids+=($!)
bin/drover-api >"$tmp/api.log" 2>&1 &
pids+=($!)
ok=
for _ in $(seq 1 240); do
  if curl -fsS "$DROVER_PUBLIC_URL/healthz" >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.25
done
[ -n "$ok" ] || { echo "API did not start" >&2; exit 1; }

# A project whose build writes its log slowly and whose promotion waits for
# an approval of prod by the release group.
repo="$tmp/repo"
mkdir -p "$repo"
cat >"$repo/drover.yaml" <<'YAML'
project: webdemo
build:
  stages:
    - name: build
      tasks:
        - name: compile
          run: |
            for i in $(seq 1 20); do echo "compile step $i"; sleep 0.4; done
    - name: check
      tasks:
        - {name: unit, run: echo "unit tests pass"}
        - {name: lint, run: echo "lint clean"}
promotion:
  environments:
    - name: dev
      branches: [main]
      deploy: {shell: echo "deployed to dev"}
    - name: prod
      approval: {approvers: ["group:release"], required: 1, timeout: 1h}
      deploy: {shell: echo "deployed to prod"}
YAML
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" -c user.name=drover -c user.email=drover@localhost commit -q -m "web demo"

shots="${SHOTS_DIR:-$root/build/screenshots}"
mkdir -p "$shots"
DROVER_URL="$DROVER_PUBLIC_URL" DROVER_REPO="$repo" SHOTS_DIR="$shots" PROFILE_DIR="$tmp/chromium" \
  node tests/browser/pages.test.mjs
