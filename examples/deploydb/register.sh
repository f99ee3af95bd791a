#!/usr/bin/env bash
# Plays the three CIs of FOAS: each registers its artifact of VERSION, built
# from its own repository at its own commit, through POST /api/v1/artifacts.
# The version is promoted once the last of the three is registered.
#
#   examples/deploydb/register.sh 1.4.0 [ARTIFACT...]   # default: all three
#
# DROVER_URL (default http://127.0.0.1:8080), DROVER_TOKEN (with an identity
# file: a promoter of foas), DEPLOYDB_REPO (default .drover/examples/deploydb,
# made by scripts/example-repo.sh deploydb).
set -euo pipefail
version=${1:?usage: register.sh VERSION [ARTIFACT...]}
shift
artifacts=("$@")
[ ${#artifacts[@]} -gt 0 ] || artifacts=(foas puppet-foas puppet-mysql)
url=${DROVER_URL:-http://127.0.0.1:8080}
repo=${DEPLOYDB_REPO:-$(cd "$(dirname "$0")/../.." && pwd)/.drover/examples/deploydb}
commit=$(git -C "$repo" rev-parse HEAD)
auth=()
[ -z "${DROVER_TOKEN:-}" ] || auth=(-H "Authorization: Bearer $DROVER_TOKEN")
for name in "${artifacts[@]}"; do
  # Each artifact's own source version: a commit of its repository.
  source=$(printf '%s %s' "$name" "$version" | sha1sum | cut -c1-12)
  body=$(printf '{"project": "foas", "version": "%s", "repository": "%s", "commit": "%s", "branch": "main",
    "artifacts": [{"name": "%s", "url": "https://artifacts.example.com/%s/%s.tgz",
                   "source_repository": "https://git.example.com/fun/%s.git", "source_version": "%s"}]}' \
    "$version" "$repo" "$commit" "$name" "$name" "$source" "$name" "$source")
  echo "register $name of foas $version (from $name@$source):"
  curl -sS -X POST "$url/api/v1/artifacts" -H 'Content-Type: application/json' "${auth[@]}" -d "$body"
  echo
done
