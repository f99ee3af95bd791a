#!/usr/bin/env bash
# Validates the deployment files without a container engine or a cluster:
# docker-compose.yml with .env (Debian's docker-compose parses and
# interpolates it without contacting a daemon) and the Kubernetes manifests
# (rendered with kustomize).
set -euo pipefail
# go.mod needs Go 1.27.3 (security fixes after 1.26.8); the module proxy serves it.
case "${GOTOOLCHAIN:-}" in ""|local|auto) export GOTOOLCHAIN=go1.27.3 ;; esac # build with go.mod's toolchain, go1.27.3, even where the installed Go is older
cd "$(dirname "$0")/.."
if ! command -v docker-compose >/dev/null; then
  echo "installing docker-compose from Debian's packages..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
fi
echo "== docker-compose config ($(docker-compose version --short 2>/dev/null || echo '?'))" >&2
# A daemon address nothing answers at proves the check needs no engine.
DOCKER_HOST=unix:///nonexistent/docker.sock docker-compose --env-file .env -f docker-compose.yml config -q
# The worker must scale: no container name, no published port.
DOCKER_HOST=unix:///nonexistent/docker.sock docker-compose --env-file .env -f docker-compose.yml config --services | grep -qx worker

echo "== kustomize build deploy/kubernetes/base" >&2
kustomize=$(bash scripts/go-tool.sh kustomize)
rendered=$("$kustomize" build deploy/kubernetes/base)
for kind in Deployment Service Job HorizontalPodAutoscaler ConfigMap Secret; do
  grep -q "^kind: $kind$" <<<"$rendered" || { echo "kustomize output has no $kind" >&2; exit 1; }
done
echo "compose and kubernetes manifests: ok" >&2
