#!/usr/bin/env python3
"""Independent reference counts for hearth-exporter's tests.

Reads CRI log files and counts what the exporter's default pipeline must
count, written separately from the Rust code with Python's json module:
the seed's four counters (client_ip <- remote_address, namespace <-
ingress_namespace, status <- status), WAF blocks and rule matches by
ModSecurity rule id,
parse errors by kind. Prints one JSON object.

Usage: reference.py FILE...
"""

import codecs
import json
import re
import sys

# A physical line this long without a newline is no CRI frame containerd
# wrote (it splits at 16 KiB); records themselves have no length limit.
MAX_PHYSICAL = 64 * 1024
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
# Blocked requests (one per "Access denied with code" interruption) and rule
# matches (every ModSecurity line with a rule id), by rule id.
waf = {"blocked": {}, "matches": {}}
errors = {k: 0 for k in ["cri", "json", "missing_field", "too_long", "garbage"]}

# Promtail's Go JSON decoder turns each byte of an invalid UTF-8 sequence into
# one U+FFFD (Python's "replace" would make one per sequence).
codecs.register_error("go", lambda e: ("\ufffd" * (e.end - e.start), e.end))
state = {"lines": 0, "ignored": 0}


def label(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    return None  # numbers are rendered from their source text below


def record(msg):
    text = msg.decode("utf-8", "go")
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
    at = text.find("ModSecurity: ")
    if at >= 0:
        m = RULE.search(text, at)
        if m and m.group(1).isdigit():
            rule = m.group(1)
            waf["matches"][rule] = waf["matches"].get(rule, 0) + 1
            if text.startswith("Access denied with code ", at + len("ModSecurity: ")):
                waf["blocked"][rule] = waf["blocked"].get(rule, 0) + 1
            return
    if NGINX_ERROR.match(text) or text.strip() == "":
        state["ignored"] += 1
        return
    errors["garbage"] += 1


def main(paths):
    for path in paths:
        parts = []
        with open(path, "rb") as f:
            for line in f:
                if line.endswith(b"\n"):
                    line = line[:-1]
                if len(line) >= MAX_PHYSICAL:
                    state["lines"] += 1
                    errors["too_long"] += 1
                    continue
                p = line.split(b" ", 3)
                if len(p) < 3 or p[0] == b"" or p[1] not in (b"stdout", b"stderr") or p[2] not in (b"P", b"F"):
                    errors["cri"] += 1
                    continue
                msg = p[3] if len(p) == 4 else b""
                if p[2] == b"P":
                    parts.append(msg)
                    continue
                state["lines"] += 1
                record(b"".join(parts) + msg)
                parts = []
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
