#!/bin/sh
# Creates Drover's Temporal namespace when it is missing. Runs in the
# temporalio/admin-tools image (TEMPORAL_ADDRESS points the CLI at the server).
set -eu
ns=${DROVER_TEMPORAL_NAMESPACE:-default}
retention=${TEMPORAL_NAMESPACE_RETENTION:-30d}
if temporal operator namespace describe --namespace "$ns" >/dev/null 2>&1; then
  echo "namespace $ns exists"
else
  temporal operator namespace create --namespace "$ns" --retention "$retention"
  echo "namespace $ns created (retention $retention)"
fi
