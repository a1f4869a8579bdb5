//! Semantic diff between two renders of a site: per Kubernetes object, keyed by
//! (apiVersion, kind, namespace, name), with field-level changes and a unified
//! diff of the canonical YAML, and an intent summary read from the two plans
//! (services, images, exposure, backup coverage, DR export). Both sides are
//! canonical data, so ordering and formatting can never show up as a change.
//! Secret values are masked everywhere.

mod access;
mod charts;
mod format;
mod lan;
mod netpol;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

pub use charts::{ChartChange, ChartOrigin};
pub use format::{Format, render};

use crate::pipeline::Built;
use crate::plan::Plan;
use crate::render::{Object, canonical};

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

/// A short, stable fingerprint (FNV-1a) so a changed secret value shows as
/// changed without showing the value.
fn fingerprint(s: &str) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{h:08x}")
}

fn mask_map(m: &mut Value) {
    if let Value::Object(map) = m {
        for v in map.values_mut() {
            let shown = match &*v {
                Value::String(s) => format!("‹hidden #{}›", fingerprint(s)),
                other => format!("‹hidden #{}›", fingerprint(&other.to_string())),
            };
            *v = Value::String(shown);
        }
    }
}

/// The object with every secret value replaced by a fingerprint.
pub fn masked(v: &Value) -> Value {
    let mut v = v.clone();
    match v["kind"].as_str() {
        Some("Secret") => {
            for k in ["data", "stringData"] {
                if let Some(m) = v.get_mut(k) {
                    mask_map(m);
                }
            }
        }
        Some("SealedSecret") => {
            if let Some(m) = v.pointer_mut("/spec/encryptedData") {
                mask_map(m);
            }
            if let Some(m) = v.pointer_mut("/spec/template/data") {
                mask_map(m);
            }
        }
        _ => {}
    }
    v
}

fn key_segment(k: &str) -> String {
    if k.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        format!(".{k}")
    } else {
        format!("[{}]", serde_json::to_string(k).unwrap_or_default())
    }
}

/// Field-level changes, arrays of named items matched by `name`.
fn walk(path: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                walk(
                    &format!("{path}{}", key_segment(k)),
                    x.get(k),
                    y.get(k),
                    out,
                );
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            let named = |v: &Vec<Value>| {
                v.iter()
                    .all(|i| i.get("name").and_then(Value::as_str).is_some())
            };
            if named(x) && named(y) && !x.is_empty() && !y.is_empty() {
                let by_name = |v: &Vec<Value>| -> BTreeMap<String, Value> {
                    v.iter()
                        .map(|i| {
                            (
                                i["name"].as_str().unwrap_or_default().to_string(),
                                i.clone(),
                            )
                        })
                        .collect()
                };
                let (bx, by) = (by_name(x), by_name(y));
                let names: BTreeSet<&String> = bx.keys().chain(by.keys()).collect();
                for n in names {
                    walk(&format!("{path}[name={n}]"), bx.get(n), by.get(n), out);
                }
            } else {
                for i in 0..x.len().max(y.len()) {
                    walk(&format!("{path}[{i}]"), x.get(i), y.get(i), out);
                }
            }
        }
        (a, b) if a != b => out.push(FieldChange {
            path: if path.is_empty() {
                ".".into()
            } else {
                path.into()
            },
            old: a.cloned(),
            new: b.cloned(),
        }),
        _ => {}
    }
}

fn yaml_body(v: &Value) -> String {
    canonical::to_yaml(v)
        .map(|t| t.trim_start_matches(canonical::HEADER).to_string())
        .unwrap_or_default()
}

fn unified(old: Option<&Value>, new: Option<&Value>, file: &str) -> String {
    let (a, b) = (
        old.map(yaml_body).unwrap_or_default(),
        new.map(yaml_body).unwrap_or_default(),
    );
    similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{file}"), &format!("b/{file}"))
        .to_string()
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

fn intent(base: Option<&Plan>, head: &Plan) -> Intent {
    let names = |p: Option<&Plan>| -> BTreeSet<String> {
        p.map(|p| p.services.iter().map(|s| s.name.to_string()).collect())
            .unwrap_or_default()
    };
    let (sa, sb) = (names(base), names(Some(head)));
    let images = |p: Option<&Plan>| -> BTreeMap<String, String> {
        p.map(|p| {
            p.services
                .iter()
                .flat_map(|s| s.workloads.iter().map(move |w| (s, w)))
                .flat_map(|(s, w)| {
                    // The main container as `service/workload`, the others
                    // as `service/workload/container`.
                    w.containers().map(move |c| {
                        let key = match w.is_main(c) {
                            true => format!("{}/{}", s.name, w.name),
                            false => format!("{}/{}/{}", s.name, w.name, c.name),
                        };
                        (key, c.image.clone())
                    })
                })
                .collect()
        })
        .unwrap_or_default()
    };
    let (ia, ib) = (images(base), images(Some(head)));
    let exposure = |p: Option<&Plan>| -> BTreeMap<String, bool> {
        p.map(|p| {
            p.services
                .iter()
                .flat_map(|s| {
                    s.ingresses
                        .iter()
                        .map(move |i| (format!("{}/{}", s.name, i.name), i.auth.is_none()))
                })
                .collect()
        })
        .unwrap_or_default()
    };
    let (ea, eb) = (exposure(base), exposure(Some(head)));
    let covered = |p: Option<&Plan>| -> BTreeSet<String> {
        p.map(|p| {
            p.backups
                .iter()
                .flat_map(|b| b.volumes.iter().cloned())
                .collect()
        })
        .unwrap_or_default()
    };
    let (ca, cb) = (covered(base), covered(Some(head)));
    let volumes: BTreeSet<String> = head
        .services
        .iter()
        .flat_map(|s| {
            s.volumes
                .iter()
                .map(move |v| format!("{}/{}", s.name, v.name))
        })
        .collect();
    let exported = |p: Option<&Plan>| -> BTreeSet<String> {
        p.map(|p| {
            p.services
                .iter()
                .flat_map(|s| {
                    s.secrets
                        .iter()
                        .filter(|x| {
                            x.regenerable.is_none() && crate::dr::placeholder_keys(x).is_empty()
                        })
                        .map(move |x| format!("{}/{}", s.namespace, x.name))
                })
                .collect()
        })
        .unwrap_or_default()
    };
    let (xa, xb) = (exported(base), exported(Some(head)));
    let (namespaces_isolated, namespaces_opened, allows_added, allows_removed) =
        netpol::changes(base, head);
    Intent {
        namespaces_isolated,
        namespaces_opened,
        allows_added,
        allows_removed,
        services_added: sb.difference(&sa).cloned().collect(),
        services_removed: sa.difference(&sb).cloned().collect(),
        images_changed: ib
            .iter()
            .filter_map(|(k, new)| {
                ia.get(k)
                    .filter(|old| *old != new)
                    .map(|old| (k.clone(), old.clone(), new.clone()))
            })
            .collect(),
        ingresses_now_public: eb
            .iter()
            .filter(|(k, open)| **open && ea.get(*k) != Some(&true))
            .map(|(k, _)| k.clone())
            .collect(),
        ingress_access_changed: access::changed(base, head),
        ports_now_on_lan: lan::now_on_lan(base, head),
        volumes_lost_backup: ca
            .difference(&cb)
            .filter(|v| volumes.contains(*v))
            .cloned()
            .collect(),
        volumes_gained_backup: cb.difference(&ca).cloned().collect(),
        secrets_left_export: xa.difference(&xb).cloned().collect(),
        new_findings: Vec::new(),
        charts: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn named_arrays_are_matched_by_name() {
        let a = json!({ "spec": { "containers": [{ "name": "a", "image": "x:1" }, { "name": "b", "image": "y:1" }] } });
        let b = json!({ "spec": { "containers": [{ "name": "b", "image": "y:2" }, { "name": "a", "image": "x:1" }] } });
        let mut out = Vec::new();
        walk("", Some(&a), Some(&b), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].path, ".spec.containers[name=b].image");
    }

    #[test]
    fn odd_keys_are_quoted() {
        let mut out = Vec::new();
        walk(
            "",
            Some(&json!({ "metadata": { "annotations": { "a.io/x": "1" } } })),
            Some(&json!({ "metadata": { "annotations": { "a.io/x": "2" } } })),
            &mut out,
        );
        assert_eq!(out[0].path, ".metadata.annotations[\"a.io/x\"]");
    }

    #[test]
    fn secret_values_are_masked() {
        let v = json!({ "kind": "SealedSecret", "spec": { "encryptedData": { "K": "AgSECRETVALUE" } } });
        let m = masked(&v).to_string();
        assert!(!m.contains("AgSECRETVALUE"));
        assert!(m.contains("‹hidden #"));
        let s = json!({ "kind": "Secret", "data": { "K": "c2VjcmV0" }, "stringData": { "P": "plain" } });
        let m = masked(&s).to_string();
        assert!(!m.contains("c2VjcmV0") && !m.contains("plain"));
    }
}
