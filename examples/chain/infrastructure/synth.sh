#!/bin/bash
# synth.sh OUT: writes the stack's CloudFormation template to OUT: an
# instance of the image image.json names, tagged with the commit, plus every
# resource fragment in resources.d/.
set -euo pipefail
out=${1:?usage: synth.sh OUT}
commit=${DROVER_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
image=$(sed -n 's/.*"image_id": *"\([^"]*\)".*/\1/p' image.json | head -n1)
[ -n "$image" ] && [ "$image" != none ] || { echo "image.json names no image" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
{
  cat <<YAML
AWSTemplateFormatVersion: "2010-09-09"
Description: chain infrastructure synthesised from commit ${commit}
Parameters:
  Env: {Type: String}
  Version: {Type: String}
  Report: {Type: String, Default: ""}
Resources:
  Server:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: "${image}"
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
  ImageId: {Value: "${image}"}
  Env: {Value: !Ref Env}
  Version: {Value: !Ref Version}
  Commit: {Value: "${commit}"}
YAML
} > "$out"
echo "synthesised $out from commit $commit with image $image"
