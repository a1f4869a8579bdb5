"""Render a chart with Helm's engine (helm-python-sdk): chart folder, values
JSON file, release name and namespace as arguments; prints {template: text}
as JSON, or the engine's error on stderr with exit 1."""
import json
import sys

import helm_python as helm

chart, values, release, namespace = sys.argv[1:5]
with open(values, encoding="utf-8") as f:
    vals = json.load(f)
try:
    with helm.Chart.load(chart) as ch:
        out = ch.render(vals, name=release, namespace=namespace, is_install=True)
except Exception as e:  # the engine's message names template and line
    print(e, file=sys.stderr)
    sys.exit(1)
json.dump(out, sys.stdout)
