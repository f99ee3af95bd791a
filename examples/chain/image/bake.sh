#!/bin/bash
# bake.sh: "bakes" an image from config.json (the base image and the
# software tag) and writes its id, img-<hash of the inputs>, to out/image-id
# and a manifest to out/manifest.json. A real pipeline would run Packer here.
set -euo pipefail
tag=$(sed -n 's/.*"tag": *"\([^"]*\)".*/\1/p' config.json | head -n1)
base=$(sed -n 's/.*"base": *"\([^"]*\)".*/\1/p' config.json | head -n1)
[ -n "$tag" ] && [ "$tag" != none ] || { echo "config.json names no software tag" >&2; exit 1; }
mkdir -p out
id="img-$(printf '%s %s' "$base" "$tag" | sha256sum | cut -c1-12)"
echo "$id" > out/image-id
echo "$tag" > out/software-tag
printf '{"image_id": "%s", "base": "%s", "software_tag": "%s"}\n' "$id" "$base" "$tag" > out/manifest.json
echo "baked $id from $base with $tag"
