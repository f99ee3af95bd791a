#!/usr/bin/env bash
set -eo pipefail
for name in Drover Temporal; do
  out=$(./greet.sh "$name")
  echo "greet.sh $name -> $out"
  sleep 1
  [ "$out" = "Hello, $name!" ]
done
echo "all tests passed"
