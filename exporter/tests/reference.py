#!/usr/bin/env python3
"""Independent reference counts for hearth-exporter's tests.

Reads CRI log files and counts what the exporter's default pipeline must
count, written separately from the Rust code with Python's json module:
the seed's four counters (client_ip <- remote_address, namespace <-
ingress_namespace, status <- status), WAF blocks by ModSecurity rule id,
parse errors by kind. Prints one JSON object.

Usage: reference.py FILE...
"""

import json
import re
import sys

MAX = 64 * 1024
FIELDS = [("client_ip", "remote_address"), ("namespace", "ingress_namespace"), ("status", "status")]
COUNTERS = [
    ("http_requests_total_ip", ["client_ip"]),
    ("http_requests_total_ip_namespace", ["client_ip", "namespace"]),
    ("http_requests_total_ip_status", ["client_ip", "status"]),
    ("http_requests_total_ip_namespace_status", ["client_ip", "namespace", "status"]),
]
NGINX_ERROR = re.compile(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[")
RULE = re.compile(r'\[id "([^"]*)"')

counts = {name: {} for name, _ in COUNTERS}
waf = {}
errors = {k: 0 for k in ["cri", "utf8", "json", "missing_field", "too_long", "garbage"]}
state = {"lines": 0, "ignored": 0}


def label(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    return None  # numbers are rendered from their source text below


def record(msg):
    try:
        text = msg.decode("utf-8")
    except UnicodeDecodeError:
        errors["utf8"] += 1
        return
    t = text.lstrip()
    if t.startswith("{"):
        try:
            # Keep numbers as their text: a label is what the line says.
            obj = json.loads(t, parse_int=str, parse_float=str)
        except ValueError:
            errors["json"] += 1
            return
        if not isinstance(obj, dict) or any(isinstance(v, (dict, list)) for v in obj.values()):
            errors["json"] += 1
            return
        vals = {}
        for lab, field in FIELDS:
            v = obj.get(field)
            if v is None:
                errors["missing_field"] += 1
                return
            vals[lab] = v if isinstance(v, str) else label(v)
        for name, labels in COUNTERS:
            key = tuple(vals[l] for l in labels)
            counts[name][key] = counts[name].get(key, 0) + 1
        return
    at = text.find("ModSecurity:")
    if at >= 0:
        m = RULE.search(text, at)
        if m and m.group(1).isdigit():
            waf[m.group(1)] = waf.get(m.group(1), 0) + 1
            return
    if NGINX_ERROR.match(text) or text.strip() == "":
        state["ignored"] += 1
        return
    errors["garbage"] += 1


def main(paths):
    for path in paths:
        parts, size, too_long = [], 0, False
        with open(path, "rb") as f:
            for line in f:
                if line.endswith(b"\n"):
                    line = line[:-1]
                p = line.split(b" ", 3)
                if len(p) < 3 or p[0] == b"" or p[1] not in (b"stdout", b"stderr") or p[2] not in (b"P", b"F"):
                    errors["cri"] += 1
                    continue
                msg = p[3] if len(p) == 4 else b""
                if p[2] == b"P":
                    if not too_long:
                        if size + len(msg) > MAX:
                            too_long, parts, size = True, [], 0
                        else:
                            parts.append(msg)
                            size += len(msg)
                    continue
                state["lines"] += 1
                if too_long or size + len(msg) > MAX:
                    errors["too_long"] += 1
                else:
                    record(b"".join(parts) + msg)
                parts, size, too_long = [], 0, False
    out = {
        "counters": {n: {"\x1f".join(k): v for k, v in c.items()} for n, c in counts.items()},
        "waf": waf,
        "errors": errors,
        "lines": state["lines"],
        "ignored": state["ignored"],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
