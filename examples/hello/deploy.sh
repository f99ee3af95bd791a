#!/usr/bin/env bash
# deploy.sh ENV: unpacks the version's hello artifact into
# $HELLO_HOME/ENV (default /tmp/drover-hello/ENV) and records the version.
# deploy.sh check ENV: runs the deployed greet.sh and checks the version.
set -euo pipefail
home=${HELLO_HOME:-/tmp/drover-hello}
if [ "${1:-}" = check ]; then
  env=${2:?usage: deploy.sh check ENV}
  [ "$(cat "$home/$env/VERSION")" = "$DROVER_VERSION" ] || { echo "$env runs $(cat "$home/$env/VERSION"), not $DROVER_VERSION" >&2; exit 1; }
  bash "$home/$env/greet.sh"
  exit 0
fi
env=${1:?usage: deploy.sh ENV}
rm -rf "$home/$env.new"
mkdir -p "$home/$env.new"
tar -xzf "$DROVER_ARTIFACTS_DIR/hello" -C "$home/$env.new"
echo "$DROVER_VERSION" > "$home/$env.new/VERSION"
rm -rf "$home/$env.old"
[ -d "$home/$env" ] && mv "$home/$env" "$home/$env.old"
mv "$home/$env.new" "$home/$env"
echo "deployed $DROVER_PROJECT $DROVER_VERSION to $env (rollback: ${DROVER_ROLLBACK:-0})"
