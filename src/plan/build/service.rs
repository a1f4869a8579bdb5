//! One service: its chart, config maps, secrets, databases, and the shared
//! helpers for labels, exceptions and workload references.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::diag::{Code, closest};
use crate::plan::*;
use crate::site::model as m;
use crate::site::spanned::Spanned;
use serde_json::Value;

use super::resolve::Ctx;

/// Namespaces Kubernetes creates itself; nobody renders a Namespace object for them.
const SYSTEM_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];

pub(super) fn exceptions(list: &[Spanned<m::Exception>]) -> Vec<Exception> {
    list.iter()
        .map(|e| Exception {
            rule: e.get_ref().rule.clone(),
            reason: e.get_ref().reason.clone(),
            until: e.get_ref().until.clone(),
            span: e.span(),
        })
        .collect()
}

pub(super) fn std_labels(
    workload: &str,
    service: &str,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let selector: BTreeMap<String, String> = [
        ("app.kubernetes.io/name".to_string(), workload.to_string()),
        ("app.kubernetes.io/part-of".to_string(), service.to_string()),
    ]
    .into();
    let mut labels = selector.clone();
    labels.insert("app.kubernetes.io/managed-by".into(), "hearth".into());
    (labels, selector)
}

pub(super) fn service(ctx: &mut Ctx, name: &ServiceName, svc: &Spanned<m::Service>) -> Service {
    let s = svc.get_ref();
    let raw = ctx.raw;
    let ns = ctx.namespace_of(name);
    check_depends_on(ctx, s);
    let helm = s.helm.as_ref().map(|h| helm(ctx, name, h));
    let workloads = s
        .workloads
        .iter()
        .map(|(wn, w)| super::workload::workload(ctx, name, &ns, wn, w))
        .collect();
    let volumes = s
        .volumes
        .iter()
        .map(|(vn, v)| super::volume::volume(ctx, name, &ns, vn, v))
        .collect();
    let ingresses = s
        .ingresses
        .iter()
        .map(|(iname, i)| super::ingress::ingress(ctx, name, &ns, iname, i))
        .collect();
    let databases = super::database::databases(ctx, s, &ns);
    Service {
        name: name.clone(),
        owns_namespace: owns_namespace(ctx, name, &ns),
        namespace: ns,
        description: s.description.clone(),
        wave: 0,
        prune: s.prune.unwrap_or(raw.argocd.prune),
        self_heal: s.self_heal.unwrap_or(raw.argocd.self_heal),
        depends_on: s.depends_on.iter().map(|d| d.get_ref().clone()).collect(),
        capabilities: s.provides.clone(),
        helm,
        workloads,
        config_maps: config_maps(s),
        secrets: secrets(s),
        volumes,
        ingresses,
        databases,
        recurring_jobs: Vec::new(),
        network_policies: Vec::new(),
        issuers: Vec::new(),
        allow: exceptions(&s.allow),
        span: svc.span(),
    }
}

/// One service per namespace renders the Namespace object: the one named like
/// the namespace, else the first by name; none for Kubernetes' own.
fn owns_namespace(ctx: &Ctx, name: &ServiceName, ns: &Namespace) -> bool {
    let neighbours = ctx.neighbours(ns);
    let named_like = neighbours.iter().any(|n| n.as_str() == ns.as_str());
    !SYSTEM_NAMESPACES.contains(&ns.as_str())
        && (named_like && name.as_str() == ns.as_str()
            || !named_like && neighbours.first().is_some_and(|f| *f == name))
}

fn check_depends_on(ctx: &mut Ctx, s: &m::Service) {
    for d in &s.depends_on {
        if !ctx.raw.services.contains_key(d.get_ref()) {
            let names: Vec<&str> = ctx.raw.services.keys().map(|n| n.as_str()).collect();
            let help = closest(d.get_ref().as_str(), names.iter().copied()).map_or_else(
                || "declare it under [services]".to_string(),
                |c| format!("did you mean `{c}`?"),
            );
            ctx.err(
                Code::Dangling,
                format!("service `{}` does not exist", d.get_ref()),
                d.span(),
                "referenced here",
                help,
            );
        }
    }
}

/// The chart, pinned to an exact version.
fn helm(ctx: &mut Ctx, name: &ServiceName, h: &Spanned<m::Helm>) -> Helm {
    let hv = h.get_ref();
    let v = hv.version.get_ref();
    let floating = v.is_empty()
        || v.chars()
            .any(|c| matches!(c, '^' | '~' | '*' | '>' | '<' | '=' | ' ' | 'x' | 'X'));
    if floating {
        ctx.err(
            Code::Version,
            format!("chart version `{v}` is not exact"),
            hv.version.span(),
            "a range or wildcard",
            "pin the exact chart version, e.g. `1.15.1`, so every render is the same",
        );
    }
    let (oci, repo_url) = chart_repo(ctx, h);
    Helm {
        repo: hv.repo.clone(),
        oci,
        repo_url,
        chart: hv.chart.clone(),
        version: v.clone(),
        release: hv.release.clone().unwrap_or_else(|| name.to_string()),
        values: Value::Object(hv.values.clone()),
        ignored: crate::plan::drift::rewritten_by(&hv.chart),
    }
}

/// A chart repository: `http(s)://host…`, or `oci://<registry>/<path>`, whose
/// Application `repoURL` is the same without `oci://`.
fn chart_repo(ctx: &mut Ctx, h: &Spanned<m::Helm>) -> (bool, String) {
    let repo = &h.get_ref().repo;
    if let Some(rest) = repo.strip_prefix("oci://") {
        let rest = rest.trim_end_matches('/');
        let ok = rest
            .split_once('/')
            .is_some_and(|(host, path)| !host.is_empty() && !path.is_empty())
            && !rest.contains(['?', '#', '@', ' ']);
        if ok {
            return (true, rest.to_string());
        }
    } else if let Some(rest) = repo
        .strip_prefix("https://")
        .or_else(|| repo.strip_prefix("http://"))
        && !rest.is_empty()
        && !rest.starts_with('/')
        && !rest.contains(' ')
    {
        return (false, repo.clone());
    }
    ctx.err(
        Code::ChartRepo,
        format!("chart repository `{repo}` is neither an http(s):// URL nor oci://<registry>/<path>"),
        h.span(),
        "this chart",
        "write the repository URL (`https://charts.jetstack.io`) or the OCI path above the chart (`oci://ghcr.io/org/charts`)",
    );
    (false, repo.clone())
}

fn config_maps(s: &m::Service) -> Vec<ConfigMap> {
    s.config_maps
        .iter()
        .map(|(n, c)| ConfigMap {
            name: n.clone(),
            data: c
                .data
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            generated: c.generated.iter().map(|g| g.get_ref().clone()).collect(),
        })
        .collect()
}

fn secrets(s: &m::Service) -> Vec<Secret> {
    s.secrets
        .iter()
        .map(|(n, sec)| {
            let sr = sec.get_ref();
            Secret {
                name: n.clone(),
                r#type: sr.r#type.clone().unwrap_or_else(|| "Opaque".into()),
                encrypted: sr
                    .keys
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.get_ref().as_str().to_string()))
                    .collect(),
                regenerable: sr.regenerable.clone(),
                allow: exceptions(&sr.allow),
                span: sec.span(),
            }
        })
        .collect()
}

/// Resolve an optional workload reference, defaulting to the service's only workload.
pub(super) fn single_workload(
    ctx: &mut Ctx,
    s: &m::Service,
    wl: Option<&Spanned<WorkloadName>>,
    span: Range<usize>,
    what: &str,
) -> Option<WorkloadName> {
    match wl {
        Some(w) if s.workloads.contains_key(w.get_ref()) => Some(w.get_ref().clone()),
        Some(w) => {
            let names: Vec<&str> = s.workloads.keys().map(|n| n.as_str()).collect();
            let help = closest(w.get_ref().as_str(), names.iter().copied()).map_or_else(
                || format!("workloads of this service: {}", names.join(", ")),
                |c| format!("did you mean `{c}`?"),
            );
            ctx.err(
                Code::Dangling,
                format!("workload `{}` does not exist in this service", w.get_ref()),
                w.span(),
                "referenced here",
                help,
            );
            None
        }
        None if s.workloads.len() == 1 => s.workloads.keys().next().cloned(),
        None if s.workloads.is_empty() => {
            ctx.err(
                Code::Dangling,
                format!("this {what} needs a workload, and the service has none"),
                span,
                "here",
                "declare the workload serving it under this service's `workloads`",
            );
            None
        }
        None => {
            ctx.err(
                Code::Ambiguous,
                format!("this {what} must name its `workload`"),
                span,
                "which workload?",
                format!(
                    "the service has {} workloads; set `workload = \"…\"`",
                    s.workloads.len()
                ),
            );
            None
        }
    }
}
