#!/usr/bin/env bash
# manifest.sh MANIFEST OUT: loads the repository's manifest (tX's
# manifest.json: a "dublin_core" with the book's identifier, title and
# language, and "projects", each with an identifier, a title and a path)
# and saves it to OUT, which the build keeps as the artifact "manifest"
# for the next stages (the s3 deploy publishes the repository's copy
# beside the site). A manifest that is missing, or has no identifier or
# no project, is an error and fails the build; one without a language is
# a warning. Needs bash and awk only.
set -euo pipefail
manifest=${1:?usage: manifest.sh MANIFEST OUT}
out=${2:?usage: manifest.sh MANIFEST OUT}
if [ ! -f "$manifest" ]; then
  echo "::error file=$manifest::no manifest: the repository must have a $manifest"
  exit 1
fi
# field NAME: the first "NAME": "value" of the manifest (dublin_core's
# come first), or nothing.
field() { { grep -o "\"$1\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" "$manifest" || true; } | head -n 1 | sed 's/.*:[[:space:]]*"\(.*\)"/\1/'; }
identifier=$(field identifier)
title=$(field title)
projects=$(grep -c '"path"[[:space:]]*:' "$manifest" || true)
status=0
if [ -z "$identifier" ]; then
  echo "::error file=$manifest::dublin_core has no identifier"
  status=1
fi
if [ "$projects" -eq 0 ]; then
  echo "::error file=$manifest::no project lists a path"
  status=1
fi
if ! grep -q '"language"' "$manifest"; then
  echo "::warning file=$manifest::dublin_core has no language: the site is published without one"
fi
[ "$status" -eq 0 ] || exit 1
mkdir -p "$(dirname "$out")"
cp "$manifest" "$out"
echo "manifest $identifier (\"$title\"): $projects project(s), saved to $out"
