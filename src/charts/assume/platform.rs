//! Names hearth assumes the platform charts create, by the capability
//! their service provides: the sealed-secrets controller, the ingress
//! class, Longhorn's storage class, the prometheus chart's exporters.

use std::ops::Range;

use serde_json::Value;

use super::{Cx, chart_named, in_ns, listed};
use crate::charts::Expanded;
use crate::diag::Errors;
use crate::plan::Service;
use crate::render::Manifest;
use crate::site::kinds::Capability;

/// The name kubeseal looks for by default (`--controller-name`), which
/// hearth's sealed-secrets preset gives the chart (`plan/helm.rs`).
pub const SEALED_SECRETS_CONTROLLER: &str = "sealed-secrets-controller";

/// The storage class of `kind = "longhorn"` volumes (`plan/build/volume.rs`).
const LONGHORN_CLASS: &str = "longhorn";

/// kubeseal (`--fetch-cert`, `--controller-name` by default) and the DR
/// scripts find the controller by its name in the provider's namespace.
pub(super) fn sealed_secrets(cx: &Cx, errs: &mut Errors) {
    let Some(s) = cx.plan.provider(Capability::SealedSecrets) else {
        return;
    };
    let Some(e) = cx.chart_of(s) else { return };
    let ns = s.namespace.as_str();
    let kinds = ["Service", "Deployment"];
    let made = |kind: &str| {
        e.docs
            .iter()
            .filter(|d| d.kind() == kind && in_ns(d, ns))
            .collect::<Vec<_>>()
    };
    for kind in kinds {
        let all = made(kind);
        if all.iter().any(|d| d.name() == SEALED_SECRETS_CONTROLLER) {
            continue;
        }
        errs.push(cx.error(
            helm_span(cx, s),
            "the sealed-secrets chart",
            format!(
                "service `{}`: {} creates no {kind} `{SEALED_SECRETS_CONTROLLER}` in namespace `{ns}` (it creates {}); `kubeseal --fetch-cert` and `hearth seal`'s certificate hint look for that name",
                s.name,
                chart_named(e),
                listed(all.iter().map(|d| d.name()))
            ),
            format!(
                "drop the `fullnameOverride` from `[services.{}.helm.values]` (hearth sets it to `{SEALED_SECRETS_CONTROLLER}`), or pass `--controller-name` to every kubeseal call",
                s.name
            ),
        ));
    }
}

/// The `[services.x.helm]` span of a plan service.
fn helm_span(cx: &Cx, s: &Service) -> Range<usize> {
    cx.expanded
        .iter()
        .find(|e| e.app.service == s.name.as_str())
        .map_or(s.span.clone(), |e| e.app.span.clone())
}

/// The IngressClass every Ingress (and each HTTP-01 solver) names exists
/// when the ingress controller comes from a chart.
pub(super) fn ingress_class(cx: &Cx, errs: &mut Errors) {
    let Some(s) = cx.plan.provider(Capability::Ingress) else {
        return;
    };
    let Some(e) = cx.chart_of(s) else { return };
    let classes: Vec<&str> = cx
        .expanded
        .iter()
        .flat_map(|e| &e.docs)
        .filter(|d| d.kind() == "IngressClass")
        .map(|d| d.name())
        .chain(
            cx.rendered
                .objects
                .iter()
                .filter(|o| o.kind() == "IngressClass")
                .map(|o| o.name()),
        )
        .collect();
    let mut wanted = vec![(
        cx.loaded.raw.site.ingress_class(),
        helm_span(cx, s),
        "Ingress",
    )];
    for is in cx.loaded.raw.issuers.values() {
        if let Some(c) = &is.get_ref().ingress_class {
            wanted.push((c.clone(), is.span(), "HTTP-01 solver"));
        }
    }
    for (class, span, user) in wanted {
        if classes.contains(&class.as_str()) {
            continue;
        }
        errs.push(cx.error(
            span,
            "names the ingress class",
            format!(
                "every {user} hearth renders names ingress class `{class}`, and {} of service `{}` creates no IngressClass `{class}` (IngressClasses of the site: {})",
                chart_named(e),
                s.name,
                listed(classes.iter().copied())
            ),
            "set `[site] ingress_class` (or the issuer's) to the class the controller chart creates, or its `controller.ingressClassResource.name` value to the class",
        ));
    }
}

/// `kind = "longhorn"` volumes claim storage class `longhorn`: the Longhorn
/// chart creates it, as an object or in the ConfigMap its manager applies.
pub(super) fn longhorn_class(cx: &Cx, errs: &mut Errors) {
    let Some(s) = cx.plan.provider(Capability::Longhorn) else {
        return;
    };
    let Some(e) = cx.chart_of(s) else { return };
    let Some((owner, v)) = cx.plan.services.iter().find_map(|o| {
        o.volumes
            .iter()
            .find(|v| v.storage_class.as_deref() == Some(LONGHORN_CLASS))
            .map(|v| (o, v))
    }) else {
        return;
    };
    let mut classes: Vec<String> = Vec::new();
    for d in cx.expanded.iter().flat_map(|e| &e.docs) {
        match d.kind() {
            "StorageClass" => classes.push(d.name().to_string()),
            "ConfigMap" => classes.extend(embedded_classes(&d.value)),
            _ => {}
        }
    }
    if classes.iter().any(|c| c == LONGHORN_CLASS) {
        return;
    }
    errs.push(cx.error(
        v.span.clone(),
        "this volume claims storage class `longhorn`",
        format!(
            "volume `{}` of service `{}` claims storage class `{LONGHORN_CLASS}`, and {} of service `{}` creates no StorageClass of that name (storage classes of the charts: {})",
            v.name,
            owner.name,
            chart_named(e),
            s.name,
            listed(classes.iter().map(String::as_str))
        ),
        format!(
            "keep the Longhorn chart's default class (`persistence.defaultClass`) in `[services.{}.helm.values]`",
            s.name
        ),
    ));
}

/// StorageClasses written as YAML inside a ConfigMap's data (Longhorn's
/// `longhorn-storageclass`, applied by its manager).
fn embedded_classes(cm: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for text in cm["data"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(Value::as_str)
        .filter(|t| t.contains("StorageClass"))
    {
        for v in crate::render::yaml::documents(text).unwrap_or_default() {
            if v["kind"] == "StorageClass"
                && let Some(n) = v["metadata"]["name"].as_str()
            {
                out.push(n.to_string());
            }
        }
    }
    out
}

/// The exporters hearth's monitoring counts on from the prometheus chart
/// (`monitoring/catalog.rs`: `node_` and `kube_` series for the health
/// alerts and dashboards, and backup staleness from kube-state-metrics),
/// each with the image its workload runs.
const PROMETHEUS_EXPORTERS: [(&str, &str); 2] = [
    ("node-exporter", "prometheus-node-exporter.enabled"),
    ("kube-state-metrics", "kube-state-metrics.enabled"),
];

/// The exporters of `PROMETHEUS_EXPORTERS` no workload of the chart runs.
pub fn missing_exporters(e: &Expanded) -> Vec<(&'static str, &'static str)> {
    let images: Vec<&str> = e
        .docs
        .iter()
        .filter(|d| matches!(d.kind(), "Deployment" | "DaemonSet" | "StatefulSet"))
        .flat_map(|d| {
            d.value["spec"]["template"]["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .filter_map(|c| c["image"].as_str())
        .collect();
    PROMETHEUS_EXPORTERS
        .into_iter()
        .filter(|(name, _)| {
            !images.iter().any(|i| {
                let repo = i.split(['@', ':']).next().unwrap_or(i);
                repo.rsplit('/').next() == Some(name)
            })
        })
        .collect()
}

/// With `[monitoring]`, the prometheus chart runs the exporters hearth's
/// alerts and dashboards read.
pub(super) fn producers(cx: &Cx, errs: &mut Errors) {
    if cx.loaded.raw.monitoring.is_none() {
        return;
    }
    for e in cx.expanded.iter().filter(|e| e.app.chart == "prometheus") {
        for (name, switch) in missing_exporters(e) {
            errs.push(cx.error(
                e.app.span.clone(),
                "this chart",
                format!(
                    "service `{}`: {} runs no {name}, and hearth's alerts and dashboards read its series (`[monitoring]`)",
                    e.app.service,
                    chart_named(e)
                ),
                format!("leave `{switch}` on in `[services.{}.helm.values]`", e.app.service),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn exporters_are_known_by_their_image() {
        use crate::charts::{ChartApp, Doc, Expanded};
        let ds = |image: &str| Doc {
            source: "prometheus/charts/x/templates/daemonset.yaml".into(),
            value: serde_json::json!({"kind": "DaemonSet", "spec": {"template": {"spec": {"containers": [{"image": image}]}}}}),
        };
        let e = Expanded {
            app: ChartApp {
                service: "prometheus".into(),
                chart: "prometheus".into(),
                version: "25.24.0".into(),
                release: "prometheus".into(),
                namespace: "prometheus".into(),
                values: serde_json::Value::Null,
                span: 0..0,
            },
            docs: vec![ds("quay.io/prometheus/node-exporter:v1.8.1")],
        };
        assert_eq!(
            super::missing_exporters(&e),
            [("kube-state-metrics", "kube-state-metrics.enabled")]
        );
    }
}
