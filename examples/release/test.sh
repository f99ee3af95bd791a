#!/usr/bin/env bash
# test.sh: unit tests of the generator: it runs, and every JSON file it
# writes parses.
set -euo pipefail
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
./generate.sh "$out/site"
json_ok() {
  if command -v jq >/dev/null; then jq empty "$1"; else python3 -m json.tool "$1" >/dev/null; fi
}
for f in "$out"/site/api/*.json; do
  json_ok "$f" || { echo "FAIL: $(basename "$f") is not JSON"; exit 1; }
  echo "ok: $(basename "$f") parses"
done
grep -q "<h1>Release demo</h1>" "$out/site/index.html" && echo "ok: index.html"
