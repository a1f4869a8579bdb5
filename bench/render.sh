#!/usr/bin/env bash
# Render benchmark: hearth (render + validate, in memory and with the write)
# beside `kubectl kustomize` over the same output, in the same run, for the
# reference site and a generated 1,000-service site.
# Usage: bench/render.sh [runs]   (default 5; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release --quiet
hearth=target/release/hearth
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=bench/lib.sh
source bench/lib.sh

# One kustomization over every folder of a rendered tree, so kustomize builds
# all of it in one process (as `kubectl kustomize` would for an app-of-apps).
umbrella() {
  local dir=$1 list
  list=$(cd "$dir" && find . -mindepth 2 -name kustomization.yaml -printf '%h\n' | sort | sed 's|^\./|  - |')
  printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n%s\n' "$list" > "$dir/kustomization.yaml"
  kubectl kustomize "$dir" >/dev/null # fail loudly rather than time an error
}

python3 bench/gen_site.py 1000 > "$work/site1000.toml"
cp site.toml "$work/reference.toml"

printf '%-22s %8s %10s %14s %14s %14s %16s\n' site services objects "validate(ms)" "render(ms)" "cp -r(ms)" "kustomize(ms)"
for name in reference site1000; do
  site=$work/$name.toml
  out=$work/$name-out
  $hearth render --site "$site" --out "$out" >/dev/null
  objects=$(find "$out" -name '*.yaml' ! -name kustomization.yaml | wc -l)
  services=$(grep -c '^\[services\.[a-z0-9-]*\]$' "$site")
  validate=$(median_ms $hearth validate --site "$site")
  render=$(median_ms $hearth render --site "$site" --out "$out")
  copy=$(median_ms bash -c "rm -rf '$work/copy' && cp -r '$out' '$work/copy'")
  umbrella "$out"
  kustomize=$(median_ms kubectl kustomize "$out")
  printf '%-22s %8s %10s %14s %14s %14s %16s\n' "$name" "$services" "$objects" "$validate" "$render" "$copy" "$kustomize"
done
echo
echo "validate = parse + plan + render + validate + serialise, in memory (hearth validate)"
echo "render   = the same plus writing the tree and swapping it in (hearth render)"
echo "cp -r    = copying the rendered tree: the file system's floor for writing it"
echo "kustomize = kubectl kustomize building the same tree (no validation)"
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
