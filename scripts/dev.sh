#!/usr/bin/env bash
# Runs Drover locally: a Temporal dev server (state in .drover/temporal.db,
# Temporal Web on :8233), the worker and the API. Ctrl-C stops everything.
set -euo pipefail
# go.mod needs Go 1.27.3 (security fixes after 1.26.8); the module proxy serves it.
case "${GOTOOLCHAIN:-}" in ""|local|auto) export GOTOOLCHAIN=go1.27.3 ;; esac # build with go.mod's toolchain, go1.27.3, even where the installed Go is older
# DROVER_IDENTITY_FILE (users, token hashes, groups) turns authentication on;
# a relative path is taken from the caller's directory. Unset: no
# authentication, callers name themselves (local development).
if [ -n "${DROVER_IDENTITY_FILE:-}" ]; then
  [ -r "$DROVER_IDENTITY_FILE" ] || { echo "DROVER_IDENTITY_FILE $DROVER_IDENTITY_FILE: not readable" >&2; exit 1; }
  DROVER_IDENTITY_FILE=$(cd "$(dirname "$DROVER_IDENTITY_FILE")" && pwd)/$(basename "$DROVER_IDENTITY_FILE")
  export DROVER_IDENTITY_FILE
fi
# DROVER_PROJECTS_FILE registers the projects (repositories, roles, protected
# environments); with an identity file and without it, every project is
# refused. Unset with no identity file: nothing is protected.
if [ -n "${DROVER_PROJECTS_FILE:-}" ]; then
  [ -r "$DROVER_PROJECTS_FILE" ] || { echo "DROVER_PROJECTS_FILE $DROVER_PROJECTS_FILE: not readable" >&2; exit 1; }
  DROVER_PROJECTS_FILE=$(cd "$(dirname "$DROVER_PROJECTS_FILE")" && pwd)/$(basename "$DROVER_PROJECTS_FILE")
  export DROVER_PROJECTS_FILE
fi
cd "$(dirname "$0")/.."
root=$(pwd)
state="$root/.drover"
mkdir -p "$state/data" "$state/logs"

temporal=$(bash scripts/temporal-cli.sh)
port=${DROVER_TEMPORAL_PORT:-7233}
ui_port=${DROVER_TEMPORAL_UI_PORT:-8233}
export DROVER_TEMPORAL_ADDRESS="127.0.0.1:$port"
export DROVER_DATA_DIR="${DROVER_DATA_DIR:-$state/data}"
export DROVER_API_ADDR="${DROVER_API_ADDR:-127.0.0.1:8080}"
# Project secrets are sealed with DROVER_SECRETS_KEY (32 random bytes, base64):
# generated once into the data dir (mode 0600), shared by the worker and the API.
if [ -z "${DROVER_SECRETS_KEY:-}" ]; then
  keyfile="$DROVER_DATA_DIR/secrets.key"
  if [ ! -s "$keyfile" ]; then
    mkdir -p "$DROVER_DATA_DIR"
    (umask 077 && head -c 32 /dev/urandom | base64 > "$keyfile")
  fi
  chmod 600 "$keyfile"
  DROVER_SECRETS_KEY=$(cat "$keyfile")
  export DROVER_SECRETS_KEY
fi
# Scripts run sandboxed with a private /tmp: the examples' deploys keep their
# environments in these directories, which every sandbox may write (the
# webapp's deploys start services, which run as uid 65534).
if [ -z "${DROVER_SANDBOX_BINDS:-}" ]; then
  mkdir -p /tmp/drover-hello /tmp/drover-webapp /tmp/drover-foas
  chmod 1777 /tmp/drover-hello /tmp/drover-webapp /tmp/drover-foas 2>/dev/null || true
  export DROVER_SANDBOX_BINDS=/tmp/drover-hello,/tmp/drover-webapp,/tmp/drover-foas
fi

args=(server start-dev --ip 127.0.0.1 --port "$port" --ui-port "$ui_port"
  --db-filename "$state/temporal.db" --log-level error)
while read -r sa; do [ -n "$sa" ] && args+=(--search-attribute "$sa"); done < deploy/temporal/search-attributes.txt
while read -r dc; do [ -n "$dc" ] && args+=(--dynamic-config-value "$dc"); done < deploy/temporal/dynamic-config.txt
# SQLite pragmas of the file-backed server (WAL, synchronous=NORMAL: see the file).
while read -r sp; do args+=(--sqlite-pragma "$sp"); done < <(grep -Ev '^[[:space:]]*(#|$)' deploy/temporal/sqlite-pragmas.txt)

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "stopping Drover..."
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
# After Ctrl-C or TERM, stop everything and exit (not "a process exited" below).
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

"$temporal" "${args[@]}" >"$state/logs/temporal.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  "$temporal" operator cluster health --address "$DROVER_TEMPORAL_ADDRESS" >/dev/null 2>&1 && break
  sleep 0.5
done
"$temporal" operator cluster health --address "$DROVER_TEMPORAL_ADDRESS" >/dev/null || {
  echo "Temporal dev server did not start; see $state/logs/temporal.log" >&2; exit 1; }
# start-dev registers --search-attribute only in a new database: register the
# ones Drover added since .drover/temporal.db was made (workflows that set an
# unknown attribute stall).
known=$("$temporal" operator search-attribute list --address "$DROVER_TEMPORAL_ADDRESS" | awk '{print $1}')
while IFS='=' read -r name type; do
  [ -z "$name" ] || grep -qx "$name" <<<"$known" ||
    "$temporal" operator search-attribute create --address "$DROVER_TEMPORAL_ADDRESS" --name "$name" --type "$type" >/dev/null
done < deploy/temporal/search-attributes.txt

# DROVER_DEV_S3=1 also runs a local S3 (versitygw, built once by
# scripts/versitygw.sh; objects under .drover/s3) on DROVER_DEV_S3_ADDR
# (default 127.0.0.1:7070), creates the buckets of DROVER_DEV_S3_BUCKETS
# (default: convert-site release-site, those of the examples) readable
# anonymously, and points the worker and the API at it.
if [ "${DROVER_DEV_S3:-}" = 1 ]; then
  s3_addr=${DROVER_DEV_S3_ADDR:-127.0.0.1:7070}
  export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-demo} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-demo-secret}
  export AWS_REGION=${AWS_REGION:-us-east-1} DROVER_S3_ENDPOINT="http://$s3_addr" DROVER_S3_PATH_STYLE=1
  mkdir -p "$state/s3"
  "$(bash scripts/versitygw.sh)" --port "$s3_addr" --access "$AWS_ACCESS_KEY_ID" --secret "$AWS_SECRET_ACCESS_KEY" \
    posix "$state/s3" >"$state/logs/s3.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 40); do curl -s -o /dev/null "$DROVER_S3_ENDPOINT" && break; sleep 0.25; done
  s3() { curl -sS -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
    --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"; }
  for b in ${DROVER_DEV_S3_BUCKETS:-convert-site release-site}; do
    code=$(s3 -X PUT "$DROVER_S3_ENDPOINT/$b")
    case "$code" in 200|409) ;; *) echo "local S3: create bucket $b: HTTP $code; see $state/logs/s3.log" >&2; exit 1 ;; esac
    s3 -X PUT -H 'Content-Type: application/json' --data-binary \
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::'"$b"'/*"]}]}' \
      "$DROVER_S3_ENDPOINT/$b?policy=" >/dev/null
  done
fi

bin/drover-worker >"$state/logs/worker.log" 2>&1 &
pids+=($!)
bin/drover-api >"$state/logs/api.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 40); do curl -fsS "http://$DROVER_API_ADDR/healthz" >/dev/null 2>&1 && break; sleep 0.25; done

if [ -n "${DROVER_IDENTITY_FILE:-}" ]; then
  auth="identity file $DROVER_IDENTITY_FILE (the CLI sends DROVER_TOKEN)"
else
  auth="off (no DROVER_IDENTITY_FILE; callers name themselves)"
fi
if [ -n "${DROVER_PROJECTS_FILE:-}" ]; then
  auth="$auth; projects registered in $DROVER_PROJECTS_FILE"
elif [ -n "${DROVER_IDENTITY_FILE:-}" ]; then
  auth="$auth; NO DROVER_PROJECTS_FILE: every project is refused"
else
  auth="$auth; nothing is protected"
fi
cat <<MSG
Drover is running:
  API            http://$DROVER_API_ADDR
  Temporal Web   http://127.0.0.1:$ui_port
  Temporal       $DROVER_TEMPORAL_ADDRESS
  logs           $state/logs/{temporal,worker,api}.log
  authentication $auth
  S3             ${DROVER_S3_ENDPOINT:-the AWS configuration} (DROVER_DEV_S3=1: a local one, buckets ${DROVER_DEV_S3_BUCKETS:-convert-site release-site})
Try:  bin/drover build start --repo "\$(scripts/example-repo.sh hello)" --watch
Ctrl-C stops everything; state is kept in $state.
MSG
wait -n "${pids[@]}" || true
echo "a Drover process exited; see $state/logs" >&2
