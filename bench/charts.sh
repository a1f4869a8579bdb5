#!/usr/bin/env bash
# Charts benchmark (issue #13): the reference site's chart Applications
# expanded and validated by `hearth validate --charts` (cold: no remembered
# outputs; warm: every chart's output remembered), against
# `helm template … | kubernetes-validate --strict` over the same charts and
# the same values (each Application's valuesObject), in the same run.
# The charts are the real upstream ones at the site's pinned versions,
# assembled by bench/upstream-charts.sh from local mirrors; no `helm` binary
# needed (Helm's engine from PyPI helm-python-sdk, as hearth uses it).
# Not part of CI. Usage: bench/charts.sh [runs]   (default 5; medians)
# KEEP=<dir> keeps each chart's manifest and kubernetes-validate output there.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release --quiet -p hearth
hearth=${CARGO_TARGET_DIR:-$PWD/target}/release/hearth
venv=${HEARTH_VENV:-$PWD/.venv}
[ -x "$venv/bin/kubernetes-validate" ] || { echo "run scripts/test first (it sets up $venv)" >&2; exit 2; }
export HEARTH_VENV=$venv
# shellcheck source=bench/lib.sh
source bench/lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bench/upstream-charts.sh "$work/src" >/dev/null
site=$work/site
mkdir -p "$site/bin"
cp -r site.toml templates policies "$site/"
# `helm pull` stand-in: packs the assembled chart as Helm names its archives.
# shellcheck disable=SC2016 # the $ words belong to the script written
printf '#!/bin/sh\n[ "$1" = pull ] || exit 64\nexec tar czf "$8/$2-$6.tgz" -C "$FIXTURES" "$2"\n' > "$site/bin/helm"
chmod +x "$site/bin/helm"
FIXTURES=$work/src HEARTH_HELM=$site/bin/helm "$hearth" charts pull --site "$site/site.toml" >/dev/null
"$hearth" render --site "$site/site.toml" >/dev/null
kube="1.$(sed -n 's/^kubernetes = "1\.\([0-9]*\)"/\1/p' site.toml | head -1)"
[ "$kube" = "1." ] && kube=1.33
kube=$kube.0

# Each chart Application: service, chart, release, namespace; values as JSON.
mkdir -p "$work/apps" "$work/out"
"$venv/bin/python3" - "$site/rendered/argocd" "$work/apps" <<'PY'
import json, pathlib, sys, yaml
src, out = map(pathlib.Path, sys.argv[1:])
for f in sorted(src.glob("*.application.yaml")):
    app = yaml.safe_load(f.read_text())
    for s in app["spec"].get("sources", []):
        if "chart" in s:
            svc = f.name.split(".")[0]
            (out / f"{svc}.json").write_text(json.dumps(s["helm"].get("valuesObject", {})))
            (out / f"{svc}.args").write_text(" ".join([s["chart"], s["helm"]["releaseName"], app["spec"]["destination"]["namespace"]]) + "\n")
PY

template() { # service → manifest on stdout
  read -r chart release ns < "$work/apps/$1.args"
  "$venv/bin/python3" -c "$(cat scripts/helm-template.py)" "$work/src/$chart" "$release" "$ns" "$kube" < "$work/apps/$1.json"
}
helm_validate_all() { # every chart: helm template | kubernetes-validate --strict
  local a rc=0
  for a in "$work"/apps/*.args; do
    a=$(basename "$a" .args)
    template "$a" | "$venv/bin/kubernetes-validate" --strict -k "$kube" --quiet - || rc=1
  done
  return $rc
}
cold() { rm -rf "$work/memo"; HEARTH_CACHE_DIR=$work/memo "$hearth" validate --charts --site "$site/site.toml"; }
warm() { HEARTH_CACHE_DIR=$work/memo "$hearth" validate --charts --site "$site/site.toml"; }

echo "== per chart (helm-python-sdk engine, kubernetes-validate --strict -k $kube)"
printf '%-16s %-24s %8s %10s %s\n' service chart objects "render ms" "kubernetes-validate"
for a in "$work"/apps/*.args; do
  a=$(basename "$a" .args)
  read -r chart _ _ < "$work/apps/$a.args"
  template "$a" > "$work/out/$a.yaml"
  # Documents split as Kubernetes' reader splits them (`---#` too), then parsed.
  n=$("$venv/bin/python3" -c 'import re, sys, yaml; t = open(sys.argv[1]).read(); print(sum(1 for p in re.split(r"(?m)^---(?:[ \t#].*)?$", t) if yaml.safe_load(p)))' "$work/out/$a.yaml")
  ms=$(median_ms template "$a")
  rc=0
  "$venv/bin/kubernetes-validate" --strict -k "$kube" --quiet "$work/out/$a.yaml" > "$work/out/$a.kv" 2>&1 || rc=$?
  kv="exit $rc, $(grep -cE '^(ERROR|WARN)' "$work/out/$a.kv" || true) ERROR/WARN lines"
  [ -n "${KEEP:-}" ] && cp "$work/out/$a.kv" "$work/out/$a.yaml" "$KEEP/"
  printf '%-16s %-24s %8s %10s %s\n' "$a" "$chart $(sed -n 's/^version: //p' "$work/src/$chart/Chart.yaml")" "$n" "$ms" "$kv"
done

echo "== whole site, median of $runs"
cold >/dev/null 2>&1 || { echo "hearth validate --charts fails:" >&2; cold >&2 || true; }
warm | tail -1
printf '%-62s %10s\n' command "median ms"
printf '%-62s %10s\n' "hearth validate --charts, cold (every chart rendered)" "$(median_ms cold)"
printf '%-62s %10s\n' "hearth validate --charts, warm (outputs remembered)" "$(median_ms warm)"
printf '%-62s %10s\n' "hearth validate (no charts)" "$(median_ms "$hearth" validate --site "$site/site.toml")"
printf '%-62s %10s\n' "helm template | kubernetes-validate --strict, every chart" "$(median_ms helm_validate_all)"
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg)"
