#!/usr/bin/env bash
# Deploys the webapp binary from the version's artifacts to an environment:
# stops the instance running there and starts the new one on the environment's port.
set -euo pipefail
env=${1:?usage: deploy.sh ENVIRONMENT}
case "$env" in
  dev) port=18081 ;; staging) port=18082 ;; prod) port=18083 ;;
  *) echo "unknown environment $env" >&2; exit 2 ;;
esac
port=${DROVER_EXAMPLE_PORT:-$port} # tests pick a free port
home="${DROVER_EXAMPLE_HOME:-/tmp/drover-webapp}/$env"
mkdir -p "$home"
if [ -f "$home/pid" ] && old=$(cat "$home/pid") && kill "$old" 2>/dev/null; then
  # Wait for the old instance to go, so that its port is free.
  for _ in $(seq 1 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
fi
cp "$DROVER_ARTIFACTS_DIR/webapp" "$home/webapp"
chmod +x "$home/webapp"
# setsid: the service must outlive this deploy script's process group, which
# Drover kills when the script exits unless the deploy says service: true (as
# drover.yaml does: the sandbox then lets it outlive the script). Until the
# child has called setsid it is still in that group, so wait for it to lead its
# own session first.
setsid "$home/webapp" -addr "127.0.0.1:$port" >"$home/webapp.log" 2>&1 < /dev/null &
pid=$!
for _ in $(seq 1 50); do
  [ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ] && break
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null || { echo "webapp exited at once; see $home/webapp.log" >&2; exit 1; }
echo "$pid" > "$home/pid"
echo "deployed $DROVER_VERSION to $env on port $port (rollback: ${DROVER_ROLLBACK:-0})"
echo "::output url=http://127.0.0.1:$port"
