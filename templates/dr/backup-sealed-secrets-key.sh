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

{% set default_out = "main.key.age" %}{% set tools = ["kubectl", "age"] %}{% include "dr/common-args.sh" %}

namespace={{ (sealed.namespace if sealed else "kube-system")|tojson }}
selector=sealedsecrets.bitnami.com/sealed-secrets-key
if [ -z "$(kubectl get secret --namespace "$namespace" --selector "$selector" --output name)" ]; then
  echo "no sealed-secrets key in namespace $namespace: is the controller installed?" >&2
  exit 1
fi
kubectl get secret --namespace "$namespace" --selector "$selector" --output yaml \
  | age --encrypt --recipient "$recipient" --output "$out.partial"
mv "$out.partial" "$out"
echo "sealed-secrets keys saved to $out (encrypted for $recipient)"
