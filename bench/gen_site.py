#!/usr/bin/env python3
"""Write a synthetic site with N services to stdout, for benchmarks.

The platform is the tests' (tests/fixtures/platform.toml). Each service looks
like a typical home app: a Deployment with a pinned image, a Service, a
SealedSecret read through env, a Longhorn volume in the daily backup, a
ConfigMap and a rate-limited public Ingress. Usage: gen_site.py N > site.toml
"""
import sys
from pathlib import Path

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
# The platform of the tests' small site (tests/common/mod.rs, MINIMAL): one
# node, an ACME issuer, a rate limit, an NFS target, Longhorn, and a daily
# Longhorn backup, here of every service's volume.
platform = (Path(__file__).resolve().parent.parent / "tests/fixtures/platform.toml").read_text()
vols = ", ".join(f'"app-{i:04}/data"' for i in range(n))
one = 'volumes = ["app/data"]\n'
assert platform.count(one) == 1, "platform.toml lists the backup's volumes on one line"
out = [platform.replace(one, f"volumes = [{vols}]\n")]
for i in range(n):
    s = f"app-{i:04}"
    out.append(f"""
[services.{s}]
[services.{s}.workloads.web]
kind = "deployment"
image = "ghcr.io/example/app:1.{i}.0"
ports.http = {{ port = 8080, service = 80 }}
env.MODE = "production"
env.PASSWORD = {{ secret = "{s}-secret", key = "PASSWORD" }}
env_from = [{{ config_map = "{s}-config" }}]
resources = {{ requests = {{ cpu = "10m", memory = "32Mi" }}, limits = {{ cpu = "200m", memory = "128Mi" }} }}
probes.readiness = {{ http = "/health", port = "http" }}
mounts = [{{ path = "/data", volume = "data" }}]
[services.{s}.config_maps.{s}-config.data]
LOG_LEVEL = "info"
FEATURE = "on"
[services.{s}.secrets.{s}-secret]
keys = {{ PASSWORD = "placeholder" }}
[services.{s}.volumes.data]
kind = "longhorn"
size = "1Gi"
[services.{s}.ingresses.web]
public = true
rate_limit = "standard"
""")
sys.stdout.write("".join(out))
