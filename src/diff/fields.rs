//! One object against another: field-level changes (named list items matched
//! by name), secret values masked by a fingerprint, and the unified YAML diff.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::FieldChange;
use crate::render::canonical;

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
pub(super) fn walk(path: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<FieldChange>) {
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

pub(super) fn unified(old: Option<&Value>, new: Option<&Value>, file: &str) -> String {
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
