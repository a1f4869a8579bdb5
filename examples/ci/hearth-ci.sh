#!/usr/bin/env bash
# hearth in any CI system: check that rendered/ matches site.toml, then write the
# semantic diff against the base branch as Markdown (for a merge-request comment)
# and as JSON (for tools).
#   usage: hearth-ci.sh [BASE_REF]     (default: origin/main)
# Exit codes: 0 fine, 1 rendered/ is stale, 2 bad input.
set -euo pipefail

base=${1:-origin/main}
out=${HEARTH_CI_OUT:-hearth-ci}
mkdir -p "$out"

hearth check

if git rev-parse --verify --quiet "$base" >/dev/null; then
  hearth diff --base "$base" --format markdown > "$out/diff.md"
  hearth diff --base "$base" --format json > "$out/diff.json"
  head -n 20 "$out/diff.md"
else
  echo "base $base not found (shallow clone?); skipping the diff" >&2
fi
