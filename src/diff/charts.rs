//! `hearth diff --charts`: the objects each chart rendered on both sides,
//! compared like hearth's own (masked, field by field), so a chart version
//! bump or a values change shows per object; and one intent line per chart
//! ("grafana chart 8.3.4 → 8.4.0: 2 objects changed, 1 added").
//!
//! Chart objects are matched within their service by (apiVersion, kind,
//! namespace, name). Helm leaves `metadata.namespace` out of most objects and
//! ArgoCD puts them in the Application's namespace, so that namespace is the
//! key's unless the kind is one the cluster keeps outside namespaces.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::{ChangeKind, ObjectDiff, ObjectKey, masked, object_diff};
use crate::charts::{Doc, Expanded, output};
use crate::pipeline::Built;
use crate::render::{Manifest, canonical::canonical};

/// Where a chart object came from.
#[derive(Debug, Clone, Serialize)]
pub struct ChartOrigin {
    pub service: String,
    pub chart: String,
    /// The version on the side the object is shown from (the head's, unless removed).
    pub version: String,
    /// The chart template that printed it, e.g. `grafana/templates/configmap.yaml`.
    pub template: String,
}

/// One chart Application's change: versions on each side (None: not there)
/// and its objects added, removed and changed.
#[derive(Debug, Clone, Serialize)]
pub struct ChartChange {
    pub service: String,
    pub chart: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
}

/// Kinds the API server keeps outside namespaces (the usual ones charts print).
const CLUSTER_SCOPED: [&str; 13] = [
    "APIService",
    "CSIDriver",
    "ClusterIssuer",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "PersistentVolume",
    "PriorityClass",
    "StorageClass",
    "ValidatingWebhookConfiguration",
];

fn key(d: &Doc, namespace: &str) -> ObjectKey {
    let own = d.value["metadata"]["namespace"].as_str();
    let namespace = match own {
        Some(ns) => Some(ns.to_string()),
        None if CLUSTER_SCOPED.contains(&d.kind()) => None,
        None => Some(namespace.to_string()),
    };
    ObjectKey {
        api_version: d.api_version().into(),
        kind: d.kind().into(),
        namespace,
        name: d.name().into(),
    }
}

/// Per service: the chart, its version, and each object by key (its file
/// under `rendered-charts/`, masked value, template).
type Side<'a> = BTreeMap<&'a str, (&'a Expanded, BTreeMap<ObjectKey, Entry>)>;
type Entry = ((String, Value), String);

fn side(built: Option<&Built>) -> Side<'_> {
    let mut out = Side::new();
    for e in built.map(|b| b.charts.as_slice()).unwrap_or_default() {
        let paths = output::paths(e);
        let objects = e
            .docs
            .iter()
            .zip(paths)
            .map(|(d, path)| {
                let file = format!("{}/{path}", output::FOLDER);
                (
                    key(d, &e.app.namespace),
                    (
                        (file, masked(&canonical(d.value.clone()))),
                        d.source.clone(),
                    ),
                )
            })
            .collect();
        out.insert(e.app.service.as_str(), (e, objects));
    }
    out
}

/// Every chart object that differs, and one change per chart Application
/// whose version or objects differ.
pub fn diff(base: Option<&Built>, head: &Built) -> (Vec<ObjectDiff>, Vec<ChartChange>) {
    let (a, b) = (side(base), side(Some(head)));
    let services: BTreeSet<&str> = a.keys().chain(b.keys()).copied().collect();
    let mut objects = Vec::new();
    let mut charts = Vec::new();
    let empty = BTreeMap::new();
    for svc in services {
        let (old, new) = (a.get(svc), b.get(svc));
        let (oa, ob) = (
            old.map_or(&empty, |(_, o)| o),
            new.map_or(&empty, |(_, o)| o),
        );
        let shown = new
            .or(old)
            .map(|(e, _)| e.app.clone())
            .expect("on one side");
        let keys: BTreeSet<&ObjectKey> = oa.keys().chain(ob.keys()).collect();
        let mut counts = [0usize; 3];
        for k in keys {
            let (x, y) = (oa.get(k), ob.get(k));
            let Some(mut d) = object_diff(k, x.map(|e| &e.0), y.map(|e| &e.0)) else {
                continue;
            };
            counts[d.change as usize] += 1;
            let (from, template) = match (y, new) {
                (Some(y), Some((e, _))) => (&e.app, y.1.clone()),
                _ => (
                    &old.expect("removed from the base").0.app,
                    x.map(|e| e.1.clone()).unwrap_or_default(),
                ),
            };
            d.chart = Some(ChartOrigin {
                service: svc.to_string(),
                chart: from.chart.clone(),
                version: from.version.clone(),
                template,
            });
            objects.push(d);
        }
        let (before, after) = (
            old.map(|(e, _)| e.app.version.clone()),
            new.map(|(e, _)| e.app.version.clone()),
        );
        if counts != [0; 3] || before != after {
            charts.push(ChartChange {
                service: svc.to_string(),
                chart: shown.chart,
                before,
                after,
                added: counts[ChangeKind::Added as usize],
                removed: counts[ChangeKind::Removed as usize],
                changed: counts[ChangeKind::Changed as usize],
            });
        }
    }
    (objects, charts)
}

impl ChartChange {
    /// The intent line: `grafana chart 8.3.4 → 8.4.0: 2 objects changed, 1 added`.
    pub fn line(&self) -> String {
        let svc = if self.service == self.chart {
            String::new()
        } else {
            format!(" (service {})", self.service)
        };
        let what = match (&self.before, &self.after) {
            (Some(a), Some(b)) if a != b => format!("{} chart {a} → {b}{svc}", self.chart),
            (Some(a), Some(_)) => format!("{} chart {a}{svc}", self.chart),
            (None, Some(b)) => format!("{} chart {b}{svc} added", self.chart),
            (Some(a), None) => format!("{} chart {a}{svc} removed", self.chart),
            (None, None) => format!("{} chart{svc}", self.chart),
        };
        let mut parts = Vec::new();
        for (n, verb) in [
            (self.changed, "changed"),
            (self.added, "added"),
            (self.removed, "removed"),
        ] {
            if n == 0 {
                continue;
            }
            if parts.is_empty() {
                let noun = if n == 1 { "object" } else { "objects" };
                parts.push(format!("{n} {noun} {verb}"));
            } else {
                parts.push(format!("{n} {verb}"));
            }
        }
        if parts.is_empty() {
            format!("{what}: no object changed")
        } else {
            format!("{what}: {}", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(before: Option<&str>, after: Option<&str>, counts: [usize; 3]) -> ChartChange {
        ChartChange {
            service: "monitoring".into(),
            chart: "grafana".into(),
            before: before.map(str::to_string),
            after: after.map(str::to_string),
            added: counts[0],
            removed: counts[1],
            changed: counts[2],
        }
    }

    #[test]
    fn one_line_per_chart_says_versions_and_counts() {
        let bump = change(Some("8.3.4"), Some("8.4.0"), [1, 0, 2]);
        assert_eq!(
            bump.line(),
            "grafana chart 8.3.4 → 8.4.0 (service monitoring): 2 objects changed, 1 added"
        );
        let values = change(Some("8.3.4"), Some("8.3.4"), [0, 0, 1]);
        assert_eq!(
            values.line(),
            "grafana chart 8.3.4 (service monitoring): 1 object changed"
        );
        let gone = change(Some("8.3.4"), None, [0, 3, 0]);
        assert_eq!(
            gone.line(),
            "grafana chart 8.3.4 (service monitoring) removed: 3 objects removed"
        );
        let same_output = change(Some("8.3.4"), Some("8.3.5"), [0, 0, 0]);
        assert_eq!(
            same_output.line(),
            "grafana chart 8.3.4 → 8.3.5 (service monitoring): no object changed"
        );
    }

    #[test]
    fn objects_without_a_namespace_take_the_applications_unless_cluster_scoped() {
        let doc = |v: Value| Doc {
            source: "c/templates/x.yaml".into(),
            value: v,
        };
        let cm = doc(
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
        );
        assert_eq!(key(&cm, "apps").namespace.as_deref(), Some("apps"));
        let own = doc(
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "kube-system"}}),
        );
        assert_eq!(key(&own, "apps").namespace.as_deref(), Some("kube-system"));
        let role = doc(
            serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "a"}}),
        );
        assert_eq!(key(&role, "apps").namespace, None);
    }
}
