//! What hearth assumes charts create, checked against their real output
//! (`validate --charts`, Helm's engine over the fixture chart
//! tests/fixtures/charts/platform, whose every name comes from a value): a
//! site whose charts create what it names passes; the same site with the
//! charts naming things differently gets one `hearth::chart-assumption` per
//! assumption, at the line that makes it.

mod common;

use common::charts::{engine_ready, pulled, validate_charts};
use common::stderr;

const SITE: &str = r#"[site]
name = "lab"
domain = "lab.example"
repo_url = "https://git.example/lab.git"
default_issuer = "le"

[issuers.le]
acme_server = "https://acme-v02.api.letsencrypt.org/directory"
email = "ops@lab.example"
ingress_class = "nginx"

[nodes.pi1]
arch = "arm64"
roles = ["server"]

[services.longhorn]
namespace = "longhorn-system"
provides = ["longhorn"]
[services.longhorn.helm]
repo = "https://charts.example"
chart = "platform"
version = "0.1.0"
values = { storageClass = "longhorn" }

[services.edge]
provides = ["ingress"]
[services.edge.helm]
repo = "https://charts.example"
chart = "platform"
version = "0.1.0"
values = { ingressClass = "nginx" }

[services.sealer]
namespace = "kube-system"
provides = ["sealed-secrets"]
[services.sealer.helm]
repo = "https://charts.example"
chart = "platform"
version = "0.1.0"
values = { controller = "sealed-secrets-controller" }

[services.metrics]
[services.metrics.helm]
repo = "https://charts.example"
chart = "platform"
version = "0.1.0"
[services.metrics.helm.values]
claim = { name = "metrics-data", size = "2Gi" }
store = { replicas = 1 }
web = { service = "metrics-web", port = 80 }
podAnnotations = { "prometheus.io/scrape" = "true", "prometheus.io/port" = "8080" }
serviceAnnotations = { "prometheus.io/scrape" = "true", "prometheus.io/port" = "9091" }
[services.metrics.volumes.data]
kind = "chart"
claim = "metrics-data"
size = "2Gi"
no_backup = "test data"
[services.metrics.volumes.store]
kind = "chart"
claim = "storage-metrics-store-0"
size = "1Gi"
no_backup = "test data"
[services.metrics.ingresses.web]
backend = "metrics-web"
port = 80
public = true

[services.app]
[services.app.workloads.web]
kind = "deployment"
image = "nginx:1.27.0"
ports.http = { port = 8080, service = 80 }
mounts = [{ path = "/data", volume = "data" }]
[services.app.volumes.data]
kind = "longhorn"
size = "1Gi"
no_backup = "test data"
"#;

/// The same site, with each chart creating another name than the site says.
fn renamed() -> String {
    [
        (
            "storageClass = \"longhorn\"",
            "storageClass = \"longhorn-ssd\"",
        ),
        ("ingressClass = \"nginx\"", "ingressClass = \"edge\""),
        (
            "controller = \"sealed-secrets-controller\"",
            "controller = \"sealer\"",
        ),
        (
            "claim = { name = \"metrics-data\", size = \"2Gi\" }",
            "claim = { name = \"metrics-db\", size = \"2Gi\" }",
        ),
        (
            "store = { replicas = 1 }",
            "store = { replicas = 2 }\n# the second pod's claim",
        ),
        (
            "claim = \"storage-metrics-store-0\"\nsize = \"1Gi\"",
            "claim = \"storage-metrics-store-1\"\nsize = \"5Gi\"",
        ),
        (
            "web = { service = \"metrics-web\", port = 80 }",
            "web = { service = \"metrics-http\", port = 8000 }",
        ),
        (
            "\"prometheus.io/port\" = \"8080\"",
            "\"prometheus.io/port\" = \"9100\"",
        ),
        (
            "\"prometheus.io/port\" = \"9091\"",
            "\"prometheus.io/port\" = \"9092\"",
        ),
    ]
    .iter()
    .fold(SITE.to_string(), |s, (from, to)| {
        assert!(s.contains(from), "{from}");
        s.replace(from, to)
    })
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn names_the_charts_create_as_the_site_says_pass() {
    if !engine_ready() {
        return;
    }
    let s = pulled(SITE);
    let out = validate_charts(&s);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn each_name_a_chart_does_not_create_is_an_error_at_the_line_assuming_it() {
    if !engine_ready() {
        return;
    }
    let s = pulled(&renamed());
    let out = validate_charts(&s);
    let err = common::refused_with(
        &out,
        &[
            // The claims: a name the chart does not create, a size it does not request.
            "volume `data` of service `metrics`: chart `platform` 0.1.0 creates no PersistentVolumeClaim `metrics-data` in namespace `metrics`; it creates `metrics-db`, `storage-metrics-store-0`, `storage-metrics-store-1`",
            "volume `store` of service `metrics`: chart `platform` 0.1.0 requests 1Gi for claim `storage-metrics-store-1`, site.toml says 5Gi",
            // The ingress backend.
            "ingress `web` of service `metrics`: no Service `metrics-web` in namespace `metrics`; the charts there create `metrics-http`",
            // The controller kubeseal looks for, in the provider's namespace.
            "service `sealer`: chart `platform` 0.1.0 creates no Service `sealed-secrets-controller` in namespace `kube-system` (it creates `sealer`)",
            "creates no Deployment `sealed-secrets-controller`",
            // The ingress class.
            "every Ingress hearth renders names ingress class `nginx`, and chart `platform` 0.1.0 of service `edge` creates no IngressClass `nginx` (IngressClasses of the site: `edge`)",
            "every HTTP-01 solver hearth renders names ingress class `nginx`",
            // Longhorn's storage class.
            "volume `data` of service `app` claims storage class `longhorn`, and chart `platform` 0.1.0 of service `longhorn` creates no StorageClass of that name (storage classes of the charts: `longhorn-ssd`)",
            // Scrape annotations.
            "chart `platform` 0.1.0 of service `metrics`, template `platform/templates/web.yaml`: Deployment `metrics-web` annotates `prometheus.io/port: \"9100\"` on its pods, and no container declares that port (declared: 8080, 9091)",
            "Service `metrics-http` annotates `prometheus.io/port: \"9092\"`, and no container of the pods it selects declares that port (declared: 8080, 9091)",
            "error: 10 problems",
        ],
    );
    assert_eq!(err.matches("hearth::chart-assumption").count(), 10, "{err}");
    // Each at the line that makes the assumption.
    for line in [
        "[services.metrics.volumes.data]",
        "[services.metrics.volumes.store]",
        "[services.metrics.ingresses.web]",
        "[services.sealer.helm]",
        "[services.edge.helm]",
        "[issuers.le]",
        "[services.app.volumes.data]",
        "[services.metrics.helm]",
    ] {
        assert!(err.contains(line), "no label at {line}:\n{err}");
    }
}
