#!/usr/bin/env bash
# convert.sh SRC OUT: converts every SRC/**/*.md to OUT/**/*.html, the
# body of a page (the s3 deploy's layout wraps it into the site's page).
# A deliberately small Markdown subset, no pandoc needed: ATX headings
# (# to ######), paragraphs, "- " or "* " lists, ``` fenced code, and
# inline `code`, **bold** and *emphasis*. Text is HTML-escaped first.
# What looks wrong is reported as GitHub-style annotations, which Drover
# collects into the build, its callback and build_log.json:
# "::warning file=F,line=L::…" for a page without a "# " title heading,
# "::error file=F::…" for an unclosed ``` fence. Every file is converted;
# then a conversion that reported an error fails (exit 1).
set -euo pipefail
src=${1:?usage: convert.sh SRC OUT}
out=${2:?usage: convert.sh SRC OUT}
mkdir -p "$out"

to_html() {
  awk '
    function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
    function inline(s) {
      s = esc(s)
      while (match(s, /`[^`]+`/)) s = substr(s, 1, RSTART-1) "<code>" substr(s, RSTART+1, RLENGTH-2) "</code>" substr(s, RSTART+RLENGTH)
      while (match(s, /\*\*[^*]+\*\*/)) s = substr(s, 1, RSTART-1) "<strong>" substr(s, RSTART+2, RLENGTH-4) "</strong>" substr(s, RSTART+RLENGTH)
      while (match(s, /\*[^*]+\*/)) s = substr(s, 1, RSTART-1) "<em>" substr(s, RSTART+1, RLENGTH-2) "</em>" substr(s, RSTART+RLENGTH)
      return s
    }
    function close_blocks() {
      if (para != "") { print "<p>" para "</p>"; para = "" }
      if (list) { print "</ul>"; list = 0 }
    }
    /^```/ {
      if (code) { print "</code></pre>"; code = 0 } else { close_blocks(); printf "<pre><code>"; code = 1 }
      next
    }
    code { print esc($0); next }
    /^#+ / && index($0, " ") <= 7 {
      close_blocks()
      n = index($0, " ") - 1
      print "<h" n ">" inline(substr($0, n + 2)) "</h" n ">"
      next
    }
    /^[-*] / {
      if (para != "") { print "<p>" para "</p>"; para = "" }
      if (!list) { print "<ul>"; list = 1 }
      print "<li>" inline(substr($0, 3)) "</li>"
      next
    }
    /^[[:space:]]*$/ { close_blocks(); next }
    { para = (para == "" ? "" : para " ") inline($0) }
    END { if (code) print "</code></pre>"; close_blocks() }
  ' "$1"
}

count=0 errors=0
while IFS= read -r -d '' md; do
  rel=${md#"$src"/}
  html="$out/${rel%.md}.html"
  mkdir -p "$(dirname "$html")"
  to_html "$md" > "$html"
  if ! grep -q '^# ' "$md"; then
    echo "::warning file=$rel,line=1::no \"# \" heading: the page has no title"
  fi
  if (( $(grep -c '^```' "$md" || true) % 2 )); then
    echo "::error file=$rel::unclosed code fence"
    errors=$((errors + 1))
  fi
  echo "converted $rel"
  count=$((count + 1))
done < <(find "$src" -type f -name '*.md' -print0 | sort -z)
echo "$count file(s) converted, $errors with errors"
if [ "$errors" -gt 0 ]; then
  echo "conversion failed: $errors file(s) with errors"
  exit 1
fi
