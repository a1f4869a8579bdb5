"""`helm template --include-crds` through Helm's engine as a library
(helm-python-sdk), for machines without a `helm` binary. hearth runs it as
`python3 -c <this file> CHART RELEASE NAMESPACE KUBE_VERSION` with the values
as JSON on stdin, and reads the manifest on stdout: every document preceded
by `# Source: <chart>/<file>` as Helm prints it, the chart's `crds/` first.
A render error goes to stderr (first line: the engine's message), exit 1."""
import json
import sys

import helm_python as helm
from helm_python import _native

chart, release, namespace, kube = sys.argv[1:5]
values = json.load(sys.stdin)
# The public `Chart.render` takes no Kubernetes version; the engine's own
# options do (`kube_version`, as `helm template --kube-version`).
opts = {"name": release, "namespace": namespace, "is_install": True, "kube_version": kube}
try:
    with helm.Chart.load(chart) as ch:
        crds = ch.crds
        out = json.loads(
            _native.call_string("helm_render", ch._raw(), json.dumps(values), json.dumps(opts))
        )
except Exception as e:  # the engine's message names the template and line
    print(str(e).strip() or type(e).__name__, file=sys.stderr)
    sys.exit(1)
parts = [(c["filename"], c["data"]) for c in crds]
parts += sorted(
    (path, text)
    for path, text in out.items()
    if not path.endswith("NOTES.txt") and text.strip()
)
for path, text in parts:
    sys.stdout.write(f"---\n# Source: {path}\n{text.rstrip()}\n")
