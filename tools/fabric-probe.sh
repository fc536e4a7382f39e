#!/usr/bin/env bash
# Asks the Go module proxy for the pinned Fabric release and prints its answer.
# Fabric would be built like Jaeger (a `tool` line in go.mod per program) once the proxy serves it;
# until then `go get -tool` fails, so the lines cannot be in go.mod. Exit 0: served; 1: refused.
set -uo pipefail
# Fabric v2.5.16 (LTS). The module path has no /v2, so a commit resolves to a v1.4.0-rc1 pseudo-version.
FABRIC_COMMIT=f871cf92a026aba7b12e6f06d71ded3e6e659d71
status=0
for module in github.com/hyperledger/fabric github.com/hyperledger/fabric/ccaas_builder; do
  out=$(cd "$(mktemp -d)" && go mod download -json "$module@$FABRIC_COMMIT" 2>&1)
  err=$(printf '%s' "$out" | sed -n 's/.*"Error": "\(.*\)".*/\1/p')
  if [ -n "$err" ]; then
    echo "refused: $module@$FABRIC_COMMIT: $err"
    status=1
  else
    echo "served:  $module@$FABRIC_COMMIT"
  fi
done
exit $status
