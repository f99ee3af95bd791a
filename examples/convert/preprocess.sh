#!/usr/bin/env bash
# preprocess.sh MANIFEST OUT: tX's preprocessing step. Copies each project
# the manifest lists, in its order, to OUT/<identifier>.md, so that the
# converter sees one flat file per project (the site's pages are
# <identifier>.html). A project whose file is missing is a warning, a
# Markdown file under docs/ that no project lists is a warning (it is not
# published), a path that leaves the repository is an error and fails the
# build. Needs bash and awk only.
set -euo pipefail
manifest=${1:?usage: preprocess.sh MANIFEST OUT}
out=${2:?usage: preprocess.sh MANIFEST OUT}
mkdir -p "$out"
# "<identifier> <path>" per project object of the manifest's "projects".
projects=$(awk '
  { text = text $0 "\n" }
  END {
    i = index(text, "\"projects\"")
    if (i == 0) exit
    text = substr(text, i)
    while (match(text, /\{[^{}]*\}/)) {
      obj = substr(text, RSTART, RLENGTH); text = substr(text, RSTART + RLENGTH)
      id = ""; p = ""
      if (match(obj, /"identifier"[ \t\n]*:[ \t\n]*"[^"]*"/)) { id = substr(obj, RSTART, RLENGTH); sub(/^[^:]*:[ \t\n]*"/, "", id); sub(/"$/, "", id) }
      if (match(obj, /"path"[ \t\n]*:[ \t\n]*"[^"]*"/)) { p = substr(obj, RSTART, RLENGTH); sub(/^[^:]*:[ \t\n]*"/, "", p); sub(/"$/, "", p) }
      if (p != "") print id, p
    }
  }' "$manifest")
status=0 count=0 listed=""
while read -r id path; do
  [ -n "$path" ] || continue
  path=${path#./}
  case "/$path/" in
    */../*|//*) echo "::error file=$manifest::project $id: path $path leaves the repository"; status=1; continue ;;
  esac
  if ! [[ $id =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]]; then
    echo "::error file=$manifest::project \"$id\": an identifier is letters, digits, - and _"; status=1; continue
  fi
  listed="$listed $path "
  if [ ! -f "$path" ]; then
    echo "::warning file=$manifest::project $id: $path does not exist: no page for it"
    continue
  fi
  cp "$path" "$out/$id.md"
  echo "project $id: $path -> $id.md"
  count=$((count + 1))
done <<< "$projects"
if [ -d docs ]; then
  while IFS= read -r -d '' md; do
    md=${md#./}
    case "$listed" in *" $md "*) ;; *) echo "::warning file=$md::not listed in $manifest: not published" ;; esac
  done < <(find docs -type f -name '*.md' -print0 | sort -z)
fi
[ "$status" -eq 0 ] || exit 1
echo "$count project(s) preprocessed"
