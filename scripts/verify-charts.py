"""Render every chart Application of rendered/argocd with Helm's engine
(helm-python-sdk), using the values hearth wrote, and report per chart.

Local check only: the upstream charts are not in the repository. Usage:
  .venv/bin/python scripts/verify-charts.py CHARTS_DIR [rendered]
where CHARTS_DIR holds one folder per chart name (argo-cd, grafana, ...) at the
version the site pins (see docs/charts-verified.md for how to get them)."""
import os
import re
import sys

import helm_python as helm
import yaml



class StrictLoader(yaml.SafeLoader):
    """A duplicate key is an error (the API server's JSON decoding is strict
    about them in ConfigMap data; YAML readers silently keep the last)."""


def _mapping(loader, node, deep=False):
    keys = set()
    for k, _ in node.value:
        key = loader.construct_object(k, deep=deep)
        if key in keys:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", k.start_mark)
        keys.add(key)
    return loader.construct_mapping(node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def count_docs(out):
    docs = 0
    for path, text in out.items():
        if not path.endswith((".yaml", ".yml")) or not text.strip():
            continue
        # Split as Helm does (a line starting with `---` ends a document, even
        # `---# comment`), then parse each document: the output must be YAML.
        for part in re.split(r"(?:^|\n)---", text):
            d = yaml.load(part, Loader=StrictLoader)
            if d:
                docs += 1
    return docs


charts_dir = sys.argv[1]
rendered = sys.argv[2] if len(sys.argv) > 2 else "rendered"
failed = 0
apps = sorted(os.listdir(os.path.join(rendered, "argocd")))
for name in apps:
    if not name.endswith(".application.yaml"):
        continue
    with open(os.path.join(rendered, "argocd", name), encoding="utf-8") as f:
        app = yaml.safe_load(f)
    sources = app["spec"].get("sources") or []
    chart = next((s for s in sources if "chart" in s), None)
    if chart is None:
        continue
    folder = os.path.join(charts_dir, chart["chart"])
    release = chart["helm"]["releaseName"]
    ns = app["spec"]["destination"]["namespace"]
    values = chart["helm"].get("valuesObject", {})
    try:
        with helm.Chart.load(folder) as ch:
            out = ch.render(values, name=release, namespace=ns, is_install=True)
    except Exception as e:  # the engine's own message
        failed += 1
        print(f"FAIL {chart['chart']} {chart['targetRevision']}: {e}")
        continue
    docs = 0
    try:
        docs = count_docs(out)
    except yaml.YAMLError as e:
        failed += 1
        print(f"FAIL {chart['chart']} {chart['targetRevision']}: {e}")
        continue
    print(f"ok   {chart['chart']} {chart['targetRevision']} (release {release}, namespace {ns}): {docs} objects")
sys.exit(1 if failed else 0)

