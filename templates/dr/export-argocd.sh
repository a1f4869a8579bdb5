#!/usr/bin/env bash
# Rendered by hearth from site.toml. Do not edit: change site.toml and run `hearth render`.
#
# Exports ArgoCD's configuration (Applications, projects, repositories, settings)
# with `argocd admin export`, encrypted for an offline age key.
set -euo pipefail
umask 077

usage() {
  cat <<'USAGE'
Usage: export-argocd.sh [--recipient AGE_PUBLIC_KEY] [--out FILE]

Writes `argocd admin export` encrypted with age to FILE (default: argocd-export.yaml.age).
Restore: age --decrypt --identity KEY argocd-export.yaml.age | argocd admin import --namespace NS -
Needs: argocd (the CLI, with access to the cluster), age.
USAGE
}

{% set default_out = "argocd-export.yaml.age" %}{% set tools = ["argocd", "age"] %}{% include "dr/common-args.sh" %}

argocd admin export --namespace {{ argocd.namespace|tojson }} \
  | age --encrypt --recipient "$recipient" --output "$out.partial"
mv "$out.partial" "$out"
echo "ArgoCD configuration saved to $out (encrypted for $recipient)"
