#!/usr/bin/env python3
"""Write a synthetic site with N services to stdout, for benchmarks.

Each service looks like a typical home app: a Deployment with a pinned image,
a Service, a SealedSecret read through env, a Longhorn volume in a backup, a
ConfigMap and a rate-limited public Ingress. Usage: gen_site.py N > site.toml
"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
out = [
    """[site]
name = "bench"
domain = "bench.example"
repo_url = "https://git.example/bench.git"
default_issuer = "le"

[nodes.node1]
arch = "arm64"
roles = ["server"]

[issuers.le]
acme_server = "https://acme-v02.api.letsencrypt.org/directory"
email = "ops@bench.example"

[rate_limits.standard]
rps = 10
rpm = 100
burst = 2

[backup_targets.nas]
kind = "nfs"
server = "nas.bench.example"
path = "/backups"

[services.longhorn]
namespace = "longhorn-system"
provides = ["longhorn"]
[services.longhorn.helm]
repo = "https://charts.longhorn.io"
chart = "longhorn"
version = "1.6.2"
"""
]
vols = ", ".join(f'"app-{i:04}/data"' for i in range(n))
out.append(f"""
[backups.daily]
kind = "longhorn"
target = "nas"
schedule = "0 3 * * *"
retain = 7
volumes = [{vols}]
""")
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
