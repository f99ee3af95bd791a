#!/usr/bin/env bash
# publish.sh OUT: copies OUT into $DROVER_PUBLISH_ROOT/u/<owner>/<repo>/<commit>/
# with a build_log.json. <owner>/<repo> are the last two parts of the
# repository's URL or path ($DROVER_REPOSITORY, "/srv/git/alice/notes.git"
# → alice/notes) unless OWNER and REPO are set. The files appear at once:
# they are staged next to the destination and renamed into place, so a
# reader never sees half a publication, and a retried task replaces it.
set -euo pipefail
out=${1:?usage: publish.sh OUT}
: "${DROVER_PUBLISH_ROOT:?the worker has no DROVER_PUBLISH_ROOT}"
: "${DROVER_COMMIT:?not run by Drover}"
repo_path=${DROVER_REPOSITORY%/}
repo_path=${repo_path%.git}
REPO=${REPO:-$(basename "$repo_path")}
OWNER=${OWNER:-$(basename "$(dirname "$repo_path")")}
case "$OWNER/$REPO" in
  */.*|.*|*' '*|*/) echo "cannot derive owner/repo from $DROVER_REPOSITORY: set OWNER and REPO" >&2; exit 1 ;;
esac

dest="$DROVER_PUBLISH_ROOT/u/$OWNER/$REPO/$DROVER_COMMIT"
stage="$dest.tmp.$$"
rm -rf "$stage"
mkdir -p "$stage"
started=$(cat "$out/.started" 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
rm -f "$out/.started"
cp -R "$out"/. "$stage"/

json_str() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }
{
  printf '{\n  "project": %s,\n' "$(json_str "$DROVER_PROJECT")"
  printf '  "build_id": %s,\n' "$(json_str "$DROVER_BUILD_ID")"
  printf '  "task": %s,\n' "$(json_str "$DROVER_TASK")"
  printf '  "owner": %s,\n  "repo": %s,\n' "$(json_str "$OWNER")" "$(json_str "$REPO")"
  printf '  "commit": %s,\n  "branch": %s,\n' "$(json_str "$DROVER_COMMIT")" "$(json_str "$DROVER_BRANCH")"
  printf '  "attempt": %s,\n' "${DROVER_ATTEMPT:-1}"
  printf '  "started_at": %s,\n' "$(json_str "$started")"
  printf '  "finished_at": %s,\n' "$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
  printf '  "files": ['
  sep=""
  while IFS= read -r f; do
    printf '%s\n    %s' "$sep" "$(json_str "$f")"
    sep=","
  done < <(cd "$stage" && find . -type f ! -name build_log.json | sed 's|^\./||' | sort)
  printf '\n  ]\n}\n'
} > "$stage/build_log.json"

rm -rf "$dest"
mv "$stage" "$dest"
echo "published $(find "$dest" -type f | wc -l) file(s) to u/$OWNER/$REPO/$DROVER_COMMIT/"
