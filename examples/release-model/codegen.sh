#!/usr/bin/env bash
# codegen.sh OUT: generates the backend's data from model.json: OUT/items.json,
# the entities as the backend's API serves them (id, name, price). It checks
# only that the model parses and has entities; the backend's API tests are
# the quality gate of what it generates.
set -euo pipefail
out=${1:?usage: codegen.sh OUT}
mkdir -p "$out"
jq -e '.entities | length > 0' model.json >/dev/null || { echo "model.json has no entities" >&2; exit 1; }
jq '[.entities[] | {id, name, price}]' model.json > "$out/items.json"
echo "generated $out/items.json: $(jq length "$out/items.json") item(s)"
