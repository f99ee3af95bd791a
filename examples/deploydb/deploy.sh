#!/usr/bin/env bash
# Deploys FOAS to an environment: records which source version of each of
# its artifacts runs there, as Drover hands them to the deploy
# (DROVER_ARTIFACT_<NAME>_VERSION, and every artifact in
# $DROVER_ARTIFACTS_JSON), under $FOAS_HOME/<environment>.
set -euo pipefail
env=${1:?usage: deploy.sh ENVIRONMENT}
dir="${FOAS_HOME:-/tmp/drover-foas}/$env"
mkdir -p "$dir"
{
  echo "version=$DROVER_VERSION"
  echo "foas=$DROVER_ARTIFACT_FOAS_VERSION"
  echo "puppet-foas=$DROVER_ARTIFACT_PUPPET_FOAS_VERSION"
  echo "puppet-mysql=$DROVER_ARTIFACT_PUPPET_MYSQL_VERSION"
} > "$dir/VERSIONS"
cp "$DROVER_ARTIFACTS_JSON" "$dir/artifacts.json"
echo "deployed FOAS $DROVER_VERSION to $env:"
sed 's/^/  /' "$dir/VERSIONS"
echo "::output foas=$DROVER_ARTIFACT_FOAS_VERSION"
