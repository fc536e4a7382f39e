#!/usr/bin/env bash
# Builds Hyperledger Fabric (peer, orderer, configtxgen, configtxlator, osnadmin, and the CCaaS
# builder's detect/build/release) from the source archives in ../shared/fabric into a cache keyed by
# the archive's sha256 and the Go version, so every checkout on a machine (and CI's fresh clone)
# shares one build. The Go module proxy refuses github.com/hyperledger/*, hence the vendored source.
#
#   tools/fabric.sh [2.5|3.1]     prints the bin folder on stdout; progress goes to stderr
#
# MICTRACT_FABRIC_SRC overrides where the archives are (default: ../shared/fabric beside the repo).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
line=${1:-2.5}
case "$line" in
  2.5|2.5.16) version=2.5.16; commit=f871cf9 ;;
  3.1|3.1.5)  version=3.1.5;  commit=86c1172 ;;
  *) echo "tools/fabric.sh: unknown Fabric line '$line'; use 2.5 or 3.1" >&2; exit 2 ;;
esac
src=${MICTRACT_FABRIC_SRC:-$here/../../shared/fabric}
archive="$src/fabric-$version-src.tar.xz"
[ -r "$archive" ] || { echo "tools/fabric.sh: $archive not found; set MICTRACT_FABRIC_SRC to the folder holding fabric-$version-src.tar.xz" >&2; exit 3; }
cache=${MICTRACT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mictract}
key=$( { sha256sum < "$archive"; go version; } | sha256sum | cut -c1-16)
out="$cache/fabric/$version-$key"
if [ -x "$out/bin/peer" ] && [ -x "$out/bin/release" ] && [ -d "$out/config" ]; then
  echo "fabric $version: up to date in $out" >&2
  echo "$out/bin"; exit 0
fi
echo "fabric $version: building into $out (about 2-3 min cold; cached afterwards)" >&2
start=$(date +%s)
tmp="$out.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp/bin"
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$archive" -C "$tmp"
tree="$tmp/fabric-$version-src"
(cd "$tree" && GOFLAGS=-mod=vendor GOPROXY=off go build -trimpath \
  -ldflags "-X github.com/hyperledger/fabric/common/metadata.Version=$version -X github.com/hyperledger/fabric/common/metadata.CommitSHA=$commit" \
  -o "$tmp/bin/" ./cmd/peer ./cmd/orderer ./cmd/configtxgen ./cmd/configtxlator ./cmd/osnadmin)
# ccaas_builder is its own module; its two small dependencies come from the Go module proxy.
(cd "$tree/ccaas_builder" && GOFLAGS=-mod=mod go build -trimpath -o "$tmp/bin/" ./cmd/... 2>&1 | grep -v '^go: downloading' >&2 || true)
[ -x "$tmp/bin/release" ] || { echo "tools/fabric.sh: ccaas_builder did not build" >&2; exit 1; }
cp -r "$tree/sampleconfig" "$tmp/config"
rm -rf "$tree"
rm -rf "$out"; mv "$tmp" "$out"; trap - EXIT
echo "fabric $version: built in $(( $(date +%s) - start ))s" >&2
echo "$out/bin"
