#!/usr/bin/env bash
# Rendered by hearth from site.toml. Do not edit: change site.toml and run `hearth render`.
#
# Backs up the Sealed Secrets controller's private keys (every SealedSecret in Git
# is useless without them), encrypted for an offline age key.
set -euo pipefail
umask 077

usage() {
  cat <<'USAGE'
Usage: backup-sealed-secrets-key.sh [--recipient AGE_PUBLIC_KEY] [--out FILE]

Writes the controller's keys (label sealedsecrets.bitnami.com/sealed-secrets-key)
encrypted with age to FILE (default: main.key.age).
Restore: age --decrypt --identity KEY main.key.age | kubectl apply -f -
Needs: kubectl (with access to the cluster), age.
USAGE
}

site_recipient=""
recipient=${HEARTH_AGE_RECIPIENT:-$site_recipient}
out=main.key.age
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
for tool in kubectl age; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done

namespace="kube-system"
selector=sealedsecrets.bitnami.com/sealed-secrets-key
if [ -z "$(kubectl get secret --namespace "$namespace" --selector "$selector" --output name)" ]; then
  echo "no sealed-secrets key in namespace $namespace: is the controller installed?" >&2
  exit 1
fi
kubectl get secret --namespace "$namespace" --selector "$selector" --output yaml \
  | age --encrypt --recipient "$recipient" --output "$out.partial"
mv "$out.partial" "$out"
echo "sealed-secrets keys saved to $out (encrypted for $recipient)"
