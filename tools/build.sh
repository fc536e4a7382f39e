#!/usr/bin/env bash
# Builds the project's Go tools from the Go module proxy into a cache, one Go module per tool family
# (their dependency graphs would otherwise pull each other's versions):
#   tools/go.mod              Jaeger v2 (trace store in tests and the demo, in place of Tempo)
#   tools/prometheus/go.mod   Prometheus 3 and promtool
# Each module builds into $MICTRACT_CACHE_DIR/tools/<hash of its go.mod, go.sum and the Go version>,
# so any checkout on the machine (CI's fresh clone too) finds it; .cache/bin links every binary.
# Prints the .cache/bin folder on stdout; progress goes to stderr, Go's own output to a log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MICTRACT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mictract}
link="$here/../.cache/bin"   # .cache/ is git-ignored
mkdir -p "$link"

build_module() {
  local dir=$1 ldflags=${2:-}
  local key bin tools missing=0
  key=$(cat "$dir/go.mod" "$dir/go.sum" <(go version) | sha256sum | cut -c1-16)
  bin="$cache/tools/$key"
  # `tool x` lines and `tool ( ... )` blocks alike
  tools=$(awk '/^tool \(/{b=1;next} b&&/^\)/{b=0} b{print $1} /^tool [^(]/{print $2}' "$dir/go.mod")
  for t in $tools; do [ -x "$bin/$(basename "$t")" ] || missing=1; done
  if [ "$missing" = 1 ]; then
    echo "tools: building $(echo $tools | xargs -n1 basename | tr '\n' ' ')into $bin (cold: minutes; cached afterwards)" >&2
    local start; start=$(date +%s)
    rm -rf "$bin.tmp"; mkdir -p "$bin.tmp"
    if ! (cd "$dir" && GOBIN="$bin.tmp" GOFLAGS=-mod=mod go install -trimpath -ldflags "$ldflags" tool) > "$bin.tmp/build.log" 2>&1; then
      grep -v '^go: downloading' "$bin.tmp/build.log" | tail -30 >&2
      echo "tools: build of $dir failed; full log in $bin.tmp/build.log" >&2
      exit 1
    fi
    rm -rf "$bin" && mv "$bin.tmp" "$bin"
    echo "tools: built in $(( $(date +%s) - start ))s" >&2
  fi
  for t in $tools; do ln -sfn "$bin/$(basename "$t")" "$link/$(basename "$t")"; done
}

build_module "$here"
# Prometheus 3.X.Y is tagged v0.3XX.Y for Go; stamp the release version so --version and /api/v1/status/buildinfo say it.
prom_version=$(awk '$1=="github.com/prometheus/prometheus"{split(substr($2,2),v,"."); printf "%d.%d.%s", substr(v[2],1,1), substr(v[2],2)+0, v[3]}' "$here/prometheus/go.mod")
build_module "$here/prometheus" "-X github.com/prometheus/common/version.Version=$prom_version -X github.com/prometheus/common/version.Branch=v$prom_version"
echo "tools: up to date ($(ls "$link" | tr '\n' ' '))" >&2
echo "$link"
