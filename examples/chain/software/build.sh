#!/bin/bash
# build.sh: packages src/ as dist/software.tar.gz and writes its tag
# (software-<version>) to dist/tag.
set -euo pipefail
version=${DROVER_VERSION:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo dev)}
mkdir -p dist
tar -czf dist/software.tar.gz src
echo "software-${version}" > dist/tag
echo "packaged dist/software.tar.gz as $(cat dist/tag)"
