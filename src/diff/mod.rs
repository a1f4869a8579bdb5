//! Semantic diff between two renders of a site: per Kubernetes object, keyed by
//! (apiVersion, kind, namespace, name), with field-level changes and a unified
//! diff of the canonical YAML, and an intent summary read from the two plans
//! (services, images, exposure, backup coverage, DR export). Both sides are
//! canonical data, so ordering and formatting can never show up as a change.
//! Secret values are masked everywhere.

mod access;
mod charts;
mod fields;
mod format;
mod intent;
mod lan;
mod netpol;
mod shrink;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

pub use charts::{ChartChange, ChartOrigin};
pub use fields::masked;
use fields::{unified, walk};
pub use format::{Format, render};
use intent::intent;

use crate::pipeline::Built;
use crate::render::{Manifest, Object};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ObjectKey {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    /// YAML path, e.g. `.spec.template.spec.containers[name=web].image`.
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectDiff {
    pub key: ObjectKey,
    pub change: ChangeKind,
    /// File under `rendered/`.
    pub file: String,
    pub fields: Vec<FieldChange>,
    /// Unified diff of the object's canonical YAML (secret values masked).
    pub unified: String,
    /// The chart that rendered it (`--charts`); None for hearth's own objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart: Option<ChartOrigin>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Intent {
    pub services_added: Vec<String>,
    pub services_removed: Vec<String>,
    /// `service/workload`: old image → new image.
    pub images_changed: Vec<(String, String, String)>,
    /// `service/ingress` now reachable without authentication.
    pub ingresses_now_public: Vec<String>,
    /// `service/ingress` whose auth or networks changed: before, after.
    pub ingress_access_changed: Vec<(String, String, String)>,
    /// `service/workload:port` now reachable from the LAN, and where.
    pub ports_now_on_lan: Vec<(String, String)>,
    /// Namespaces now default-deny (`[site] network_policy`).
    pub namespaces_isolated: Vec<String>,
    /// Namespaces no longer default-deny: every pod reachable again.
    pub namespaces_opened: Vec<String>,
    /// `namespace/policy: reason` of allows added and removed.
    pub allows_added: Vec<String>,
    pub allows_removed: Vec<String>,
    /// `service/volume` no longer covered by any backup.
    pub volumes_lost_backup: Vec<String>,
    pub volumes_gained_backup: Vec<String>,
    /// `service/volume`: old size, new size, why the API server refuses it.
    pub volumes_resize_refused: Vec<(String, String, String, &'static str)>,
    /// `namespace/secret` no longer in the DR export (marked regenerable, set back to
    /// `"placeholder"`, or removed).
    pub secrets_left_export: Vec<String>,
    /// Lint findings (`ID: message`) the head has and the base had not.
    pub new_findings: Vec<String>,
    /// Per chart Application (with `--charts`): its versions and how many of
    /// its objects changed.
    pub charts: Vec<ChartChange>,
}

impl Intent {
    pub fn is_empty(&self) -> bool {
        self.services_added.is_empty()
            && self.services_removed.is_empty()
            && self.images_changed.is_empty()
            && self.ingresses_now_public.is_empty()
            && self.ingress_access_changed.is_empty()
            && self.ports_now_on_lan.is_empty()
            && self.namespaces_isolated.is_empty()
            && self.namespaces_opened.is_empty()
            && self.allows_added.is_empty()
            && self.allows_removed.is_empty()
            && self.volumes_lost_backup.is_empty()
            && self.volumes_gained_backup.is_empty()
            && self.volumes_resize_refused.is_empty()
            && self.secrets_left_export.is_empty()
            && self.new_findings.is_empty()
            && self.charts.is_empty()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub base: String,
    pub head: String,
    pub intent: Intent,
    pub objects: Vec<ObjectDiff>,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
    pub fn count(&self, c: ChangeKind) -> usize {
        self.objects.iter().filter(|o| o.change == c).count()
    }
}

pub fn key_of(o: &Object) -> ObjectKey {
    ObjectKey {
        api_version: o.api_version().into(),
        kind: o.kind().into(),
        namespace: o.namespace().map(str::to_string),
        name: o.name().into(),
    }
}

/// Compare two renders. `base` is None when the site did not exist there.
/// `today` dates lint exceptions (see `lint::lint`).
pub fn diff(
    base: Option<&Built>,
    head: &Built,
    base_name: &str,
    head_name: &str,
    today: &str,
) -> Report {
    let index = |s: Option<&Built>| -> BTreeMap<ObjectKey, (String, Value)> {
        s.map(|s| {
            s.rendered
                .objects
                .iter()
                .filter(|o| o.kind() != "Kustomization")
                .map(|o| (key_of(o), (o.path.clone(), masked(&o.value))))
                .collect()
        })
        .unwrap_or_default()
    };
    let (a, b) = (index(base), index(Some(head)));
    let keys: BTreeSet<&ObjectKey> = a.keys().chain(b.keys()).collect();
    let mut objects: Vec<ObjectDiff> = keys
        .into_iter()
        .filter_map(|k| object_diff(k, a.get(k), b.get(k)))
        .collect();
    let (from_charts, charts) = charts::diff(base, head);
    objects.extend(from_charts);
    let mut intent = intent(base.map(|s| &s.plan), &head.plan);
    intent.charts = charts;
    let findings = |s: &Built| -> BTreeSet<String> {
        s.lint(today)
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.rule.id(), f.message))
            .collect()
    };
    let before = base.map(findings).unwrap_or_default();
    intent.new_findings = findings(head).difference(&before).cloned().collect();
    Report {
        base: base_name.into(),
        head: head_name.into(),
        intent,
        objects,
    }
}

/// One object's change between two sides (each its file and masked value);
/// None when it is the same.
fn object_diff(
    key: &ObjectKey,
    old: Option<&(String, Value)>,
    new: Option<&(String, Value)>,
) -> Option<ObjectDiff> {
    let change = match (old, new) {
        (None, Some(_)) => ChangeKind::Added,
        (Some(_), None) => ChangeKind::Removed,
        (Some(x), Some(y)) if x.1 != y.1 => ChangeKind::Changed,
        _ => return None,
    };
    let file = new.or(old).map(|(f, _)| f.clone()).unwrap_or_default();
    let mut fields = Vec::new();
    if change == ChangeKind::Changed {
        walk("", old.map(|x| &x.1), new.map(|x| &x.1), &mut fields);
    }
    let unified = unified(old.map(|x| &x.1), new.map(|x| &x.1), &file);
    Some(ObjectDiff {
        key: key.clone(),
        change,
        file,
        fields,
        unified,
        chart: None,
    })
}
