#!/usr/bin/env bash
# Builds a Kubernetes control plane without containers from the Go module proxy (go.mod here pins it):
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (k8s.io/kubernetes), etcd (its server
# module's etcdmain, see etcd/main.go) and kwok (fake nodes that run no containers). The tests and the
# bench start them on 127.0.0.1 (provisioner/src/kubernetes/testcluster.ts).
# Output: $MICTRACT_CACHE_DIR/kubernetes/<hash of go.mod, go.sum and the Go version>/, so any checkout on
# the machine finds it; ../../.cache/kubernetes links to it. Prints that folder on stdout; progress goes
# to stderr, Go's own output to build.log beside the binaries. Cold: 20-40 minutes on 2 cores; run it
# with `nice -n 19` on a shared machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MICTRACT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mictract}
link="$here/../../.cache/kubernetes"   # .cache/ is git-ignored
version=$(awk '$1=="k8s.io/kubernetes"{print $2}' "$here/go.mod")
key=$(cat "$here/go.mod" "$here/go.sum" <(go version) | sha256sum | cut -c1-16)
bin="$cache/kubernetes/$key"
tools=$(awk '/^tool \(/{b=1;next} b&&/^\)/{b=0} b{print $1} /^tool [^(]/{print $2}' "$here/go.mod")
# one build at a time on the machine: a second caller waits for the first and then finds it done
mkdir -p "$cache/kubernetes"
exec 9>"$cache/kubernetes/.build.lock"
flock 9
missing=0
for t in $tools; do [ -x "$bin/$(basename "$t")" ] || missing=1; done
if [ "$missing" = 1 ]; then
  echo "kubernetes: building $(echo $tools | xargs -n1 basename | tr '\n' ' ')($version) into $bin (cold: 20-40 min; cached afterwards)" >&2
  start=$(date +%s)
  rm -rf "$bin.tmp"; mkdir -p "$bin.tmp"
  # Stamp the release version so /version and `kubectl version` say it (the default is v0.0.0-master).
  major=$(echo "${version#v}" | cut -d. -f1); minor=$(echo "${version#v}" | cut -d. -f2)
  ldflags="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $p.gitVersion=$version -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  # One line per finished package would be noise; print a progress line every minute instead.
  (cd "$here" && GOBIN="$bin.tmp" GOFLAGS=-mod=mod go install -v -trimpath -ldflags "$ldflags" tool) > "$bin.tmp/build.log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 60 & wait $! || true
    kill -0 "$pid" 2>/dev/null || break
    echo "kubernetes: $(( ($(date +%s) - start) / 60 )) min, $(grep -vc '^go: downloading' "$bin.tmp/build.log" || true) packages built" >&2
  done
  if ! wait "$pid"; then
    grep -v '^go: downloading' "$bin.tmp/build.log" | tail -30 >&2
    echo "kubernetes: build failed; full log in $bin.tmp/build.log" >&2
    exit 1
  fi
  rm -rf "$bin" && mv "$bin.tmp" "$bin"
  echo "kubernetes: built in $(( $(date +%s) - start ))s" >&2
fi
mkdir -p "$(dirname "$link")" && ln -sfn "$bin" "$link"
echo "kubernetes: up to date ($(cd "$bin" && ls | grep -v build.log | tr '\n' ' '))" >&2
echo "$bin"
