#!/usr/bin/env bash
# Lint benchmark: `hearth lint` of a generated 1,000-service site (render,
# validate and every rule, from site.toml) beside PyPI's kubernetes-validate
# and check-jsonschema over the same rendered files, in the same run.
# Usage: bench/lint.sh [runs]   (default 5; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release --quiet
hearth=$PWD/target/release/hearth
venv=${HEARTH_VENV:-$PWD/.venv}
[ -x "$venv/bin/kubernetes-validate" ] || { echo "run scripts/test first (it sets up $venv)" >&2; exit 2; }
# shellcheck source=bench/lib.sh
source bench/lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 bench/gen_site.py 1000 > "$work/site.toml"
$hearth render --site "$work/site.toml" >/dev/null
mapfile -t core < <(grep -lE '^apiVersion: (v1|apps/v1|batch/v1|networking.k8s.io/v1)$' -r "$work/rendered")
mapfile -t deployments < <(find "$work/rendered" -name '*.deployment.yaml' | sort)
schema=$work/deployment.schema.json
python3 - "$schema" <<'PY'
import json, sys
# A minimal Deployment schema, so check-jsonschema does comparable work per file.
json.dump({"type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
           "properties": {"kind": {"const": "Deployment"}, "spec": {"type": "object", "required": ["selector", "template"]}}},
          open(sys.argv[1], "w"))
PY

printf '%-58s %10s\n' "command (1,000 services)" "median ms"
printf '%-58s %10s\n' "hearth lint (render + validate + all rules)" "$(median_ms "$hearth" lint --site "$work/site.toml" --format json)"
printf '%-58s %10s\n' "kubernetes-validate --strict (${#core[@]} core files)" "$(median_ms "$venv/bin/kubernetes-validate" --strict -k 1.30.0 --quiet "${core[@]}")"
printf '%-58s %10s\n' "check-jsonschema (${#deployments[@]} Deployments, tiny schema)" "$(median_ms "$venv/bin/check-jsonschema" --schemafile "$schema" "${deployments[@]}")"
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
