#!/usr/bin/env bash
# Rendered by hearth from site.toml. Do not edit: change site.toml and run `hearth render`.
#
# Exports every secret of the DR set ({{ exported|length }} secrets), as the cluster
# decrypts them, into ONE file encrypted for an offline age key. Plaintext never
# touches the disk: kubectl's output goes straight into age.
set -euo pipefail
umask 077

usage() {
  cat <<'USAGE'
Usage: export-secrets.sh [--recipient AGE_PUBLIC_KEY] [--out FILE]

Writes every secret of the site's DR set, encrypted with age, to FILE
(default: hearth-secrets-<UTC time>.yaml.age). The recipient defaults to
$HEARTH_AGE_RECIPIENT, then to [dr] age_recipient of site.toml.
Restore one: age --decrypt --identity KEY FILE | kubectl apply -f -
Needs: kubectl (with access to the cluster), age.
USAGE
}

{% set default_out = "\"hearth-secrets-$(date -u +%Y%m%dT%H%M%SZ).yaml.age\"" %}{% set tools = ["kubectl", "age"] %}{% include "dr/common-args.sh" %}

secrets=(
{%- for s in exported %}
  {{ s.secret|tojson }}
{%- endfor %}
)
{
  for ns_name in "${secrets[@]}"; do
    printf -- '---\n'
    kubectl get secret --namespace "${ns_name%%/*}" "${ns_name#*/}" --output yaml
  done
} | age --encrypt --recipient "$recipient" --output "$out.partial"
mv "$out.partial" "$out"
echo "exported {{ exported|length }} secrets to $out (encrypted for $recipient)"
