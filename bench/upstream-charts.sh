#!/usr/bin/env bash
# Assemble the charts of the reference site and of examples/lab, at their
# pinned versions, from local copies of the upstream repositories (no network:
# the `fetch` tool's mirrors under /work/.mirror, or any clones; MIRRORS names
# their folder, each repo at `<owner>+<name>/repo`), into OUT/<chart>/ as
# `helm pull` would unpack them, subcharts under charts/ at the versions of
# the chart's Chart.lock.
# Not part of CI: upstream charts are never committed (see docs/charts-upstream.md).
#
# Usage: bench/upstream-charts.sh [OUT]   (default /work/upstream-charts/src)
set -euo pipefail
MIRRORS=${MIRRORS:-/work/.mirror}
OUT=${1:-/work/upstream-charts/src}
rm -rf "$OUT"
mkdir -p "$OUT"

# repo tag path-in-repo destination (relative to OUT)
extract() {
  local repo=$1 tag=$2 path=$3 dest=$4 strip
  strip=$(awk -F/ '{print NF}' <<<"$path")
  mkdir -p "$OUT/$dest"
  git --git-dir="$MIRRORS/$repo/repo" archive "$tag" "$path" \
    | tar -x -C "$OUT/$dest" --strip-components="$strip"
}

extract argoproj+argo-helm argo-cd-7.3.7 charts/argo-cd argo-cd
extract bitnami-labs+sealed-secrets helm-v2.16.0 helm/sealed-secrets sealed-secrets
extract longhorn+longhorn v1.6.2 chart longhorn
extract kubernetes+ingress-nginx helm-chart-4.11.0 charts/ingress-nginx ingress-nginx
extract grafana+helm-charts grafana-8.3.4 charts/grafana grafana

# prometheus 25.24.0 and the subcharts of its Chart.lock.
extract prometheus-community+helm-charts prometheus-25.24.0 charts/prometheus prometheus
for sub in alertmanager-1.11.0 kube-state-metrics-5.21.0 prometheus-node-exporter-4.37.0 prometheus-pushgateway-2.14.0; do
  extract prometheus-community+helm-charts "$sub" "charts/${sub%-*}" "prometheus/charts/${sub%-*}"
done

# cert-manager v1.15.1 as its make target assembles the chart
# (make/manifests.mk): Chart.yaml with version and appVersion set, the CRDs
# of deploy/crds concatenated into templates/crds.yaml.
cm=cert-manager+cert-manager
extract $cm v1.15.1 deploy/charts/cert-manager cert-manager
rm -f "$OUT/cert-manager/Chart.template.yaml" "$OUT/cert-manager/README.template.md"
git --git-dir="$MIRRORS/$cm/repo" show v1.15.1:deploy/charts/cert-manager/Chart.template.yaml \
  | sed -e 's/^version: v0.0.0/version: v1.15.1/' -e 's/^appVersion: v0.0.0/appVersion: v1.15.1/' \
        -e 's/"{{IS_PRERELEASE}}"/"false"/' > "$OUT/cert-manager/Chart.yaml"
first=1
for f in $(git --git-dir="$MIRRORS/$cm/repo" ls-tree --name-only v1.15.1:deploy/crds | grep '^crd-.*\.yaml$'); do
  [ $first = 1 ] || printf '\n---\n'
  first=0
  git --git-dir="$MIRRORS/$cm/repo" show "v1.15.1:deploy/crds/$f"
done > "$OUT/cert-manager/templates/crds.yaml"

# The lab's own charts (examples/lab/site.toml).
# metallb 0.14.5: the release tag, where the release process set Chart.yaml's
# version (the chart-only tag metallb-chart-0.14.5 still says 0.0.0); its crds
# subchart is in the folder, frr-k8s (off by default) as the archive it commits.
extract metallb+metallb v0.14.5 charts/metallb metallb
extract traefik+traefik-helm-chart v28.3.0 traefik traefik
# Its .helmignore keeps these out of the published archive (`helm package`);
# the stand-in `helm pull` packs the folder as it is.
rm -rf "$OUT/traefik/crds/kustomization.yaml" "$OUT/traefik/tests"
for c in operator:device-plugin-operator gpu:gpu-device-plugin; do
  extract intel+helm-charts "intel-device-plugins-${c%%:*}-0.30.0" "charts/${c#*:}" "intel-device-plugins-${c%%:*}"
done

ls "$OUT"
