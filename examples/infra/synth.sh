#!/bin/bash
# synth.sh OUT: writes the stack's CloudFormation template to OUT: a bucket
# tagged with the commit, plus every resource fragment in resources.d/
# (YAML mappings of logical ID to resource, indented by two spaces).
set -euo pipefail
out=${1:?usage: synth.sh OUT}
commit=${DROVER_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
mkdir -p "$(dirname "$out")"
{
  cat <<YAML
AWSTemplateFormatVersion: "2010-09-09"
Description: infra synthesised from commit ${commit}
Parameters:
  Env: {Type: String}
  Version: {Type: String}
  Report: {Type: String, Default: ""}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      Tags:
        - {Key: drover:commit, Value: "${commit}"}
        - {Key: drover:env, Value: !Ref Env}
YAML
  for f in resources.d/*.yaml; do
    [ -e "$f" ] || continue
    sed 's/^/  /' "$f"
  done
  cat <<YAML
Outputs:
  BucketName: {Value: !Ref Bucket}
  Env: {Value: !Ref Env}
  Version: {Value: !Ref Version}
  Commit: {Value: "${commit}"}
YAML
} > "$out"
echo "synthesised $out from commit $commit"
