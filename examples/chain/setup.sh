#!/usr/bin/env bash
# Makes the three repositories of the chain example, software → image →
# infrastructure, as bare repositories under .drover/examples/chain/
# (registered in examples/projects.yaml), each with the branches dev, qa
# and main, and prints their paths. Bare, so that push steps can update any
# branch (git refuses a push to a work tree's checked-out branch).
# Repositories that exist are left as they are.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=.drover/examples/chain
for name in software image infrastructure; do
  repo="$root/$name.git"
  if [ ! -d "$repo" ]; then
    work=$(mktemp -d)
    cp -a "examples/chain/$name/." "$work/"
    git -C "$work" init -q -b main
    git -C "$work" add -A
    git -C "$work" -c user.name=drover -c user.email=drover@localhost commit -q -m "example chain $name"
    git -C "$work" branch dev
    git -C "$work" branch qa
    git init -q --bare "$repo"
    git -C "$work" push -q "$(cd "$repo" && pwd)" main dev qa
    rm -rf "$work"
  fi
  (cd "$repo" && pwd)
done
