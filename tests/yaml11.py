"""Read YAML files with PyYAML (a YAML 1.1 parser, as Kubernetes' own) and print
{path: document} as JSON. Values JSON cannot hold (dates, ...) are printed as
{"__not_json__": repr}, so a string that YAML 1.1 turned into a date shows up as
a difference instead of being quietly stringified back."""
import json
import sys

import yaml


def mark(o):
    return {"__not_json__": repr(o)}


out = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        out[path] = yaml.safe_load(f)
print(json.dumps(out, default=mark))
