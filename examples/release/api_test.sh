#!/usr/bin/env bash
# api_test.sh PREFIX: API tests against the site published under PREFIX
# (such as staging/), read over HTTP from the S3 endpoint like any client
# would: the version served must be the one Drover deploys, and the items
# must keep their contract (at least one item, each with an id and a name).
# An atomic prefix is followed through its current.json pointer.
set -euo pipefail
prefix=${1:?usage: api_test.sh PREFIX}
endpoint=${RELEASE_S3_ENDPOINT:-http://127.0.0.1:7070}
base="${endpoint%/}/${RELEASE_BUCKET:-release-site}/$prefix"
if pointer=$(curl -fsS "${base}current.json" 2>/dev/null); then
  base="$base$(printf '%s' "$pointer" | jq -r .path)"
fi
echo "testing $base against version ${DROVER_VERSION:?not run by Drover}"

version=$(curl -fsS "${base}api/version.json" | jq -r .version)
[ "$version" = "$DROVER_VERSION" ] || { echo "FAIL: serves version $version, want $DROVER_VERSION"; exit 1; }
echo "ok: version $version"

items=$(curl -fsS "${base}api/items.json")
count=$(printf '%s' "$items" | jq 'length')
[ "$count" -ge 1 ] || { echo "FAIL: items.json lists no items"; exit 1; }
bad=$(printf '%s' "$items" | jq '[.[] | select((.id // "") == "" or (.name // "") == "")] | length')
[ "$bad" -eq 0 ] || { echo "FAIL: $bad item(s) without an id or a name"; exit 1; }
echo "ok: $count item(s) with ids and names"
