#!/usr/bin/env bash
# Rendered by hearth from site.toml. Do not edit: change site.toml and run `hearth render`.
#
# The disaster-recovery exports of this site, one subcommand each, every one
# encrypted for an offline age key. Plaintext never touches the disk: the
# cluster's output goes straight into age, and a file is renamed into place only
# once age has finished it. Self-contained on purpose: copy this file alone to
# the machine that runs it.
set -euo pipefail
umask 077

subcommands=(export-secrets backup-sealed-secrets-key export-argocd)
site_recipient=""
secrets=(
)
sealed_namespace="kube-system"
selector=sealedsecrets.bitnami.com/sealed-secrets-key
argocd_namespace="argocd"

# describe SUB: what SUB saves, its default file, the command its file is
# decrypted into on restore, and the client it runs (age is always needed).
# Fails for an unknown SUB.
describe() {
  restore="kubectl apply -f -" client=kubectl
  case "$1" in
    export-secrets)
      what="every secret of the site's DR set (0 secrets)"
      default_out="hearth-secrets-<UTC time>.yaml.age" ;;
    backup-sealed-secrets-key)
      what="the Sealed Secrets controller's keys (label $selector
  in namespace $sealed_namespace): every SealedSecret in Git is useless without them"
      default_out=main.key.age ;;
    export-argocd)
      what="ArgoCD's configuration (Applications, projects, repositories, settings)
  as \`argocd admin export\` prints it"
      default_out=argocd-export.yaml.age
      restore="argocd admin import --namespace $argocd_namespace -" client=argocd ;;
    *) return 1 ;;
  esac
}

# sub_help SUB: its synopsis, default file, restore command and needed tools.
sub_help() (
  describe "$1"
  echo "dr.sh $1 [--recipient AGE_PUBLIC_KEY] [--out FILE]"
  echo "  Saves $what."
  echo "  Encrypted with age to FILE (default: $default_out)."
  echo "  Restore: age --decrypt --identity KEY FILE | $restore"
  echo "  Needs: $client (with access to the cluster), age."
)

# usage [SUB]: the help of SUB, or of every subcommand.
usage() {
  if [ $# -gt 0 ]; then
    printf 'Usage: '
    sub_help "$1"
  else
    echo "Usage: dr.sh SUBCOMMAND [--recipient AGE_PUBLIC_KEY] [--out FILE]"
    local sub
    for sub in "${subcommands[@]}"; do
      echo
      sub_help "$sub"
    done
  fi
  echo
  echo "The recipient defaults to \$HEARTH_AGE_RECIPIENT, then to [dr] age_recipient of site.toml."
}

# encrypt MESSAGE COMMAND...: COMMAND's output into age; the file gets its name
# only if the whole pipeline succeeded (otherwise set -e stops at $out.partial).
encrypt() {
  "${@:2}" | age --encrypt --recipient "$recipient" --output "$out.partial"
  mv "$out.partial" "$out"
  echo "$1 to $out (encrypted for $recipient)"
}

each_secret() {
  for ns_name in "${secrets[@]}"; do
    printf -- '---\n'
    kubectl get secret --namespace "${ns_name%%/*}" "${ns_name#*/}" --output yaml
  done
}

export_secrets() {
  encrypt "exported 0 secrets" each_secret
}

# sealed_keys FORMAT: the controller's key secrets, as `kubectl --output FORMAT`.
sealed_keys() {
  kubectl get secret --namespace "$sealed_namespace" --selector "$selector" --output "$1"
}

backup_sealed_secrets_key() {
  if [ -z "$(sealed_keys name)" ]; then
    echo "no sealed-secrets key in namespace $sealed_namespace: is the controller installed?" >&2
    exit 1
  fi
  encrypt "sealed-secrets keys saved" sealed_keys yaml
}

export_argocd() {
  encrypt "ArgoCD configuration saved" argocd admin export --namespace "$argocd_namespace"
}

case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  "") usage >&2; exit 2 ;;
esac
sub=$1
shift
describe "$sub" || { echo "unknown subcommand: $sub" >&2; usage >&2; exit 2; }
recipient=${HEARTH_AGE_RECIPIENT:-$site_recipient}
out=${default_out/"<UTC time>"/$(date -u +%Y%m%dT%H%M%SZ)}
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage "$sub"; exit 0 ;;
    --recipient) recipient=${2:?--recipient needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    *) echo "unknown argument: $1" >&2; usage "$sub" >&2; exit 2 ;;
  esac
done
if [ -z "$recipient" ]; then
  echo "no age recipient: pass --recipient age1..., set HEARTH_AGE_RECIPIENT, or [dr] age_recipient in site.toml" >&2
  exit 2
fi
for tool in "$client" age; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done
"${sub//-/_}"
