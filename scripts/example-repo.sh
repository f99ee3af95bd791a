#!/usr/bin/env bash
# Turns examples/<name> into a git repository of its own under .drover/examples/<name>
# (a commit per run), so Drover can build it, and prints its path.
set -euo pipefail
# go.mod needs Go 1.27.3 (security fixes after 1.26.8); the module proxy serves it.
case "${GOTOOLCHAIN:-}" in ""|local|auto) export GOTOOLCHAIN=go1.27.3 ;; esac # build with go.mod's toolchain, go1.27.3, even where the installed Go is older
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/example-repo.sh NAME}
src="examples/$name"; dst=".drover/examples/$name"
[ -d "$src" ] || { echo "no example $src" >&2; exit 1; }
mkdir -p "$dst"
[ -d "$dst/.git" ] || git -C "$dst" init -q -b main
# Push steps of other examples may update the checked-out branch (a clean work tree follows).
git -C "$dst" config receive.denyCurrentBranch updateInstead
rsync -a --delete --exclude .git "$src/" "$dst/" 2>/dev/null || { find "$dst" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +; cp -a "$src/." "$dst/"; }
git -C "$dst" add -A
git -C "$dst" -c user.name=drover -c user.email=drover@localhost commit -q -m "example $name" --allow-empty
cd "$dst" && pwd
