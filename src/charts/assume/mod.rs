//! Names hearth takes for granted that a chart creates, checked against what
//! the charts really render (`--charts`): claims declared `kind = "chart"`,
//! ingress backends on a chart's Services, in-cluster URLs of a chart's
//! Services (Pushgateway, Grafana datasources), the sealed-secrets
//! controller kubeseal and the DR scripts look for, the ingress class every
//! Ingress and HTTP-01 solver names, the `longhorn` storage class, and the
//! exporters the prometheus chart brings that hearth's alerts and dashboards
//! read (`monitoring/catalog.rs`).
//! A miss is `hearth::chart-assumption` at the site line that makes it.

mod platform;

pub use platform::{SEALED_SECRETS_CONTROLLER, missing_exporters};

use std::ops::Range;

use serde_json::Value;

use super::{Doc, Expanded};
use crate::diag::{Code, Errors, InputError};
use crate::plan::{BackendPort, Plan, Service};
use crate::render::{Manifest, Rendered};
use crate::site::Loaded;
use crate::site::kinds::VolumeKind;

/// Everything the checks read.
pub struct Cx<'a> {
    pub expanded: &'a [Expanded],
    pub plan: &'a Plan,
    pub rendered: &'a Rendered,
    pub loaded: &'a Loaded,
}

/// One Service: its name and ports (name, number).
struct Svc {
    name: String,
    ports: Vec<(Option<String>, u64)>,
}

impl Cx<'_> {
    pub(super) fn error(
        &self,
        span: Range<usize>,
        label: &str,
        message: String,
        help: impl Into<String>,
    ) -> InputError {
        InputError::new(Code::ChartAssumption, message)
            .in_file(&self.loaded.source)
            .label(span, label.to_string())
            .help(help)
    }

    /// The charts rendered into namespace `ns`.
    fn charts_in<'b>(&'b self, ns: &'b str) -> impl Iterator<Item = &'b Expanded> + 'b {
        self.expanded.iter().filter(move |e| e.app.namespace == ns)
    }

    /// The chart of one service of the plan.
    pub(super) fn chart_of(&self, s: &Service) -> Option<&Expanded> {
        self.expanded
            .iter()
            .find(|e| e.app.service == s.name.as_str())
    }

    /// The Services in `ns`: hearth's own and every chart's.
    fn services_in(&self, ns: &str) -> Vec<Svc> {
        let own = self
            .rendered
            .objects
            .iter()
            .filter(|o| o.kind() == "Service" && o.namespace() == Some(ns))
            .map(|o| &o.value);
        let charts = self
            .charts_in(ns)
            .flat_map(|e| &e.docs)
            .filter(|d| d.kind() == "Service" && in_ns(d, ns))
            .map(|d| &d.value);
        own.chain(charts).map(svc).collect()
    }
}

fn svc(v: &Value) -> Svc {
    let ports = v["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["name"].as_str().map(str::to_string), p["port"].as_u64()?)))
        .collect();
    Svc {
        name: v["metadata"]["name"].as_str().unwrap_or("").to_string(),
        ports,
    }
}

/// A chart object is in `ns` when it names it or names none (Helm's
/// `--namespace` then places it).
pub(super) fn in_ns(d: &Doc, ns: &str) -> bool {
    d.value["metadata"]["namespace"]
        .as_str()
        .is_none_or(|n| n == ns)
}

/// `a`, `b` and `c` as "`a`, `b`, `c`", or "none".
pub(super) fn listed<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(", ")
    }
}

pub(super) fn chart_named(e: &Expanded) -> String {
    format!("chart `{}` {}", e.app.chart, e.app.version)
}

/// Every assumption of the site about its charts; every miss is an error.
pub fn check(cx: &Cx) -> Result<(), Errors> {
    let mut errs = Errors::default();
    for s in &cx.plan.services {
        let Some(e) = cx.chart_of(s) else {
            continue;
        };
        chart_volumes(cx, s, e, &mut errs);
        chart_backends(cx, s, &mut errs);
    }
    urls(cx, &mut errs);
    platform::sealed_secrets(cx, &mut errs);
    platform::ingress_class(cx, &mut errs);
    platform::longhorn_class(cx, &mut errs);
    platform::producers(cx, &mut errs);
    errs.0.extend(super::scrape::check(cx).0);
    errs.into_result(())
}

/// The claims a chart creates in `ns`: its PersistentVolumeClaims (name,
/// requested size) and one per pod of each StatefulSet claim template
/// (`<template>-<set>-<ordinal>`).
fn claims(e: &Expanded) -> Vec<(String, Option<String>)> {
    let ns = e.app.namespace.as_str();
    let mut out = Vec::new();
    for d in e.docs.iter().filter(|d| in_ns(d, ns)) {
        let size = |v: &Value| {
            v["spec"]["resources"]["requests"]["storage"]
                .as_str()
                .map(str::to_string)
        };
        match d.kind() {
            "PersistentVolumeClaim" => out.push((d.name().to_string(), size(&d.value))),
            "StatefulSet" => {
                let replicas = d.value["spec"]["replicas"].as_u64().unwrap_or(1);
                for t in d.value["spec"]["volumeClaimTemplates"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    let t_name = t["metadata"]["name"].as_str().unwrap_or("");
                    for i in 0..replicas {
                        out.push((format!("{t_name}-{}-{i}", d.name()), size(t)));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `kind = "chart"` volumes: the claim exists, with the size site.toml says.
fn chart_volumes(cx: &Cx, s: &Service, e: &Expanded, errs: &mut Errors) {
    let made = claims(e);
    for v in s.volumes.iter().filter(|v| v.kind == VolumeKind::Chart) {
        let Some(claim) = &v.claim else { continue };
        let what = format!("volume `{}` of service `{}`", v.name, s.name);
        match made.iter().find(|(n, _)| n == claim) {
            None => errs.push(cx.error(
                v.span.clone(),
                "the claim named here",
                format!(
                    "{what}: {} creates no PersistentVolumeClaim `{claim}` in namespace `{}`; it creates {}",
                    chart_named(e),
                    s.namespace,
                    listed(made.iter().map(|(n, _)| n.as_str()))
                ),
                "set `claim` to a claim the chart creates (backups and DR name the claim)",
            )),
            Some((_, Some(size))) if v.size.as_deref().is_some_and(|want| want != size) => {
                errs.push(cx.error(
                    v.span.clone(),
                    "the size declared here",
                    format!(
                        "{what}: {} requests {size} for claim `{claim}`, site.toml says {}",
                        chart_named(e),
                        v.size.as_deref().unwrap_or("")
                    ),
                    "make `size` what the chart values request (DR restores the declared size)",
                ))
            }
            Some(_) => {}
        }
    }
}

/// Ingresses of a chart service whose backend is no Service of hearth's:
/// the chart's Service exists and has the port.
fn chart_backends(cx: &Cx, s: &Service, errs: &mut Errors) {
    let ns = s.namespace.as_str();
    let services = cx.services_in(ns);
    for i in &s.ingresses {
        let what = format!("ingress `{}` of service `{}`", i.name, s.name);
        let refuse = |msg: String, help: &str| cx.error(i.span.clone(), "this ingress", msg, help);
        let Some(found) = services.iter().find(|x| x.name == i.backend_service) else {
            let made = listed(services.iter().map(|x| x.name.as_str()));
            let msg = format!(
                "{what}: no Service `{}` in namespace `{ns}`; the charts there create {made}",
                i.backend_service,
            );
            errs.push(refuse(msg, "set `backend` to a Service the chart creates"));
            continue;
        };
        let has = match &i.backend_port {
            BackendPort::Number(n) => found.ports.iter().any(|p| p.1 == u64::from(*n)),
            BackendPort::Name(n) => found
                .ports
                .iter()
                .any(|p| p.0.as_deref() == Some(n.as_str())),
        };
        if !has {
            let msg = format!(
                "{what}: Service `{}` has no port {}; its ports are {}",
                found.name,
                port_text(&i.backend_port),
                ports_text(found)
            );
            errs.push(refuse(msg, "set `port` to a port of the chart's Service"));
        }
    }
}

fn port_text(p: &BackendPort) -> String {
    match p {
        BackendPort::Number(n) => n.to_string(),
        BackendPort::Name(n) => format!("`{n}`"),
    }
}

fn ports_text(s: &Svc) -> String {
    let v: Vec<String> = s
        .ports
        .iter()
        .map(|(n, p)| match n {
            Some(n) => format!("{p} (`{n}`)"),
            None => p.to_string(),
        })
        .collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// An in-cluster URL `scheme://<name>.<ns>.svc[.cluster.local][:port]/…`:
/// the Service name, namespace and port (the scheme's default when none).
pub fn service_url(url: &str) -> Option<(&str, &str, u64)> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let authority = rest.split(['/', '?']).next()?;
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (authority, if scheme == "https" { 443 } else { 80 }),
    };
    let mut parts = host.split('.');
    let (name, ns) = (parts.next()?, parts.next()?);
    let rest: Vec<&str> = parts.collect();
    matches!(rest.as_slice(), ["svc"] | ["svc", "cluster", "local"]).then_some((name, ns, port))
}

/// In-cluster URLs site.toml gives hearth (pg-backup's Pushgateway, Grafana
/// datasources) that point into a chart's namespace: the Service and port exist.
fn urls(cx: &Cx, errs: &mut Errors) {
    let raw = &cx.loaded.raw;
    let mut found: Vec<(String, &str, Range<usize>)> = Vec::new();
    for (name, b) in &raw.backups {
        if let Some(url) = &b.get_ref().push_gateway {
            found.push((format!("`push_gateway` of backup `{name}`"), url, b.span()));
        }
    }
    if let Some(m) = &raw.monitoring {
        for (uid, d) in &m.get_ref().datasources {
            let url = &d.get_ref().url;
            found.push((format!("datasource `{uid}`"), url.get_ref(), url.span()));
        }
    }
    for (what, url, span) in found {
        let Some((name, ns, port)) = service_url(url) else {
            continue;
        };
        // Namespaces without a chart: hearth's own Services, checked by lint.
        if cx.charts_in(ns).next().is_none() {
            continue;
        }
        let services = cx.services_in(ns);
        let message = match services.iter().find(|s| s.name == name) {
            None => format!(
                "{what}: `{url}` names Service `{name}` in namespace `{ns}`, which no chart there creates; Services there: {}",
                listed(services.iter().map(|x| x.name.as_str()))
            ),
            Some(s) if !s.ports.iter().any(|p| p.1 == port) => format!(
                "{what}: `{url}` reaches Service `{name}` on port {port}; its ports are {}",
                ports_text(s)
            ),
            Some(_) => continue,
        };
        errs.push(cx.error(
            span,
            "this URL",
            message,
            "point the URL at a Service and port the chart creates",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::service_url;

    #[test]
    fn service_urls_name_service_namespace_and_port() {
        assert_eq!(
            service_url("http://prometheus-prometheus-pushgateway.prometheus.svc:9091"),
            Some(("prometheus-prometheus-pushgateway", "prometheus", 9091))
        );
        assert_eq!(
            service_url("http://prometheus-server.prometheus.svc.cluster.local/api"),
            Some(("prometheus-server", "prometheus", 80))
        );
        assert_eq!(
            service_url("https://loki.loki.svc"),
            Some(("loki", "loki", 443))
        );
        assert_eq!(service_url("http://grafana.example.com"), None);
        assert_eq!(service_url("http://nas:9000"), None);
    }
}
