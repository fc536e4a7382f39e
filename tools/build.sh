#!/usr/bin/env bash
# Builds the project's Go tools (tools/go.mod `tool` lines) from the Go module proxy into a cache
# keyed by go.mod, go.sum and the Go version, so a machine that keeps its cache skips the build.
# Prints the bin folder on stdout; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MICTRACT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mictract}
key=$(cat "$here/go.mod" "$here/go.sum" <(go version) | sha256sum | cut -c1-16)
bin="$cache/tools/$key"
link="$here/../.cache/bin"   # stable path for scripts; .cache/ is git-ignored

tools=$(sed -n 's/^tool //p' "$here/go.mod")

missing=0
for t in $tools; do [ -x "$bin/$(basename "$t")" ] || missing=1; done
if [ "$missing" = 1 ]; then
  echo "tools: building $(echo $tools | wc -w) Go tool(s) into $bin (first build takes minutes; later ones are cached)" >&2
  start=$(date +%s)
  mkdir -p "$bin.tmp"
  (cd "$here" && GOBIN="$bin.tmp" go install tool)
  rm -rf "$bin" && mv "$bin.tmp" "$bin"
  echo "tools: built in $(( $(date +%s) - start ))s" >&2
else
  echo "tools: up to date in $bin" >&2
fi
mkdir -p "$(dirname "$link")" && ln -sfn "$bin" "$link"
echo "$link"
