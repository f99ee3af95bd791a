#!/bin/bash
# lint.sh TEMPLATE REPORT: checks that TEMPLATE is a CloudFormation template
# Drover can deploy (no tabs, known top-level sections, a Resources section
# whose every resource has a Type) and writes the findings to REPORT as
# JSON. Exits non-zero when there are errors.
set -euo pipefail
template=${1:?usage: lint.sh TEMPLATE REPORT}
report=${2:?usage: lint.sh TEMPLATE REPORT}
errors=$(awk '
  BEGIN { known = "AWSTemplateFormatVersion Description Metadata Parameters Rules Mappings Conditions Transform Resources Outputs" }
  /\t/ { printf "line %d: tab character\n", NR }
  /^[^ #][^:]*:/ {
    section = $1; sub(/:.*/, "", section)
    if (index(" " known " ", " " section " ") == 0) printf "line %d: unknown section %s\n", NR, section
    if (resource != "" && !typed) printf "resource %s has no Type\n", resource
    resource = ""; typed = 0
    if (section == "Resources") { seen = 1 }
    next
  }
  section == "Resources" && /^  [A-Za-z0-9]+:/ {
    if (resource != "" && !typed) printf "resource %s has no Type\n", resource
    resource = $1; sub(/:.*/, "", resource); typed = ($0 ~ /Type:/); count++
    next
  }
  section == "Resources" && /^    Type:/ { typed = 1 }
  END {
    if (resource != "" && !typed) printf "resource %s has no Type\n", resource
    if (!seen || count == 0) print "no Resources"
  }
' "$template")
resources=$(awk '/^[^ ]/ { s = $1 } s == "Resources:" && /^  [A-Za-z0-9]+:/ { n++ } END { print n + 0 }' "$template")
mkdir -p "$(dirname "$report")"
{
  printf '{\n  "template": "%s",\n  "sha256": "%s",\n  "resources": %d,\n  "errors": [' \
    "$(basename "$template")" "$(sha256sum "$template" | cut -d' ' -f1)" "$resources"
  sep=""
  while IFS= read -r e; do
    [ -n "$e" ] || continue
    printf '%s\n    "%s"' "$sep" "${e//\"/\\\"}"
    sep=","
  done <<< "$errors"
  [ -z "$sep" ] && printf ']\n}\n' || printf '\n  ]\n}\n'
} > "$report"
if [ -n "$errors" ]; then
  echo "lint: $template has errors:" >&2
  echo "$errors" >&2
  exit 1
fi
echo "lint: $template: $resources resources, no errors"
