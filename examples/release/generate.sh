#!/usr/bin/env bash
# generate.sh OUT: builds the static site: OUT/index.html,
# OUT/api/version.json (the version Drover gives a build: the commit's
# first 12 characters) and OUT/api/items.json (from data/items.json).
set -euo pipefail
out=${1:?usage: generate.sh OUT}
version=${DROVER_COMMIT:-dev}
version=${version:0:12}
mkdir -p "$out/api"
cp data/items.json "$out/api/items.json"
printf '{"version": "%s", "built_at": "%s"}\n' "$version" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$out/api/version.json"
cat > "$out/index.html" <<HTML
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Release demo $version</title></head>
<body><h1>Release demo</h1><p>Version $version: <a href="api/items.json">items</a>, <a href="api/version.json">version</a>.</p></body></html>
HTML
echo "generated version $version in $out"
