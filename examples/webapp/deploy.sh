#!/usr/bin/env bash
# Deploys the webapp binary from the version's artifacts to an environment:
# stops the instance running there and starts the new one on the environment's port.
set -euo pipefail
env=${1:?usage: deploy.sh ENVIRONMENT}
case "$env" in
  dev) port=18081 ;; staging) port=18082 ;; prod) port=18083 ;;
  *) echo "unknown environment $env" >&2; exit 2 ;;
esac
home="${DROVER_EXAMPLE_HOME:-/tmp/drover-webapp}/$env"
mkdir -p "$home"
if [ -f "$home/pid" ] && kill -0 "$(cat "$home/pid")" 2>/dev/null; then
  kill "$(cat "$home/pid")" && sleep 0.2
fi
cp "$DROVER_ARTIFACTS_DIR/webapp" "$home/webapp"
chmod +x "$home/webapp"
# setsid: the service must outlive this deploy script's process group.
setsid "$home/webapp" -addr "127.0.0.1:$port" >"$home/webapp.log" 2>&1 < /dev/null &
echo $! > "$home/pid"
echo "deployed $DROVER_VERSION to $env on port $port (rollback: ${DROVER_ROLLBACK:-0})"
echo "::output url=http://127.0.0.1:$port"
