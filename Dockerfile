# syntax=docker/dockerfile:1
# Drover's images, from one multi-stage build:
#   docker build --target api    -t drover-api .     # the API (+ drover-setup, the one-shot setup job)
#   docker build --target worker -t drover-worker .  # the worker: runs tasks, bash scripts in git checkouts
# Both run as the unprivileged user drover (uid 10001) under tini, which reaps
# the processes tasks leave behind. scripts/docker-build-check.sh runs the
# build command below outside Docker so CI proves the images' contents compile.

FROM golang:1.27.3-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -buildvcs=false -trimpath -ldflags="-s -w" -o /out/ ./cmd/drover ./cmd/drover-api ./cmd/drover-worker ./cmd/drover-setup

# runtime: what both processes need. The API reads drover.yaml from git
# repositories and the worker checks them out, so both need git (and ssh for
# git@ remotes); a distroless image would not do. /var/lib/drover/data is
# created owned by drover so a named volume mounted there starts writable.
# safe.directory: repositories mounted from the host (docker-compose.override.yml
# for local trials) belong to another uid, and git would refuse to read them.
FROM debian:12.12-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates git openssh-client tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 drover \
 && useradd --system --uid 10001 --gid drover --home-dir /var/lib/drover --create-home --shell /bin/bash drover \
 && install -d -o drover -g drover /var/lib/drover/data \
 && git config --system --add safe.directory '*'
ENV HOME=/var/lib/drover \
    DROVER_DATA_DIR=/var/lib/drover/data
WORKDIR /var/lib/drover
COPY --from=build /out/drover /out/drover-setup /usr/local/bin/
USER 10001:10001
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS api
COPY --from=build /out/drover-api /usr/local/bin/
ENV DROVER_API_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s \
  CMD ["drover-setup", "healthcheck", "http://127.0.0.1:8080/healthz"]
CMD ["drover-api"]

# worker: tasks are bash scripts; curl, make and unzip cover what most
# build and deploy scripts call. Add your toolchains in an image FROM this one.
# bubblewrap sandboxes every script; it needs user namespaces, which Docker's
# default seccomp profile denies (see the README's "Sandbox" section).
FROM runtime AS worker
USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      bash bubblewrap curl make unzip xz-utils \
 && rm -rf /var/lib/apt/lists/*
USER 10001:10001
COPY --from=build /out/drover-worker /usr/local/bin/
ENV DROVER_WORKER_METRICS_ADDR=0.0.0.0:9090
EXPOSE 9090
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s \
  CMD ["drover-setup", "healthcheck", "http://127.0.0.1:9090/healthz"]
CMD ["drover-worker"]
