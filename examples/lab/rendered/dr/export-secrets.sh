#!/usr/bin/env bash
# Rendered by hearth from site.toml. Do not edit: change site.toml and run `hearth render`.
#
# Exports every secret of the DR set (0 secrets), as the cluster
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

site_recipient=""
recipient=${HEARTH_AGE_RECIPIENT:-$site_recipient}
out="hearth-secrets-$(date -u +%Y%m%dT%H%M%SZ).yaml.age"
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

secrets=(
)
{
  for ns_name in "${secrets[@]}"; do
    printf -- '---\n'
    kubectl get secret --namespace "${ns_name%%/*}" "${ns_name#*/}" --output yaml
  done
} | age --encrypt --recipient "$recipient" --output "$out.partial"
mv "$out.partial" "$out"
echo "exported 0 secrets to $out (encrypted for $recipient)"
