#!/usr/bin/env bash
# Makes sure a local PostgreSQL answers on 127.0.0.1:5432 for the ledger tests,
# installing it from Debian's packages and starting it when needed.
set -euo pipefail
# go.mod needs Go 1.27.3 (security fixes after 1.26.8); the module proxy serves it.
case "${GOTOOLCHAIN:-}" in ""|local|auto) export GOTOOLCHAIN=go1.27.3 ;; esac # build with go.mod's toolchain, go1.27.3, even where the installed Go is older
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
ready && exit 0
if ! command -v pg_lsclusters >/dev/null; then
  echo "installing PostgreSQL from Debian's packages..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -n | tail -1)
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do ready && break; sleep 1; done
ready || { echo "PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
# Trust auth is what the Debian test machines ship; make sure the postgres role can log in over TCP.
psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1 || \
  su postgres -c "psql -Atc \"select 1\"" >/dev/null
