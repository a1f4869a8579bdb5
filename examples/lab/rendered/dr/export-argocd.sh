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

site_recipient=""
recipient=${HEARTH_AGE_RECIPIENT:-$site_recipient}
out=argocd-export.yaml.age
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --recipient) recipient=${2:?--recipient needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [ -z "$recipient" ]; then
  echo "no age recipient: pass --recipient age1..., set HEARTH_AGE_RECIPIENT, or [dr] age_recipient in site.toml" >&2
  exit 2
fi
for tool in argocd age; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done

argocd admin export --namespace "argocd" \
  | age --encrypt --recipient "$recipient" --output "$out.partial"
mv "$out.partial" "$out"
echo "ArgoCD configuration saved to $out (encrypted for $recipient)"
