//! The site.toml reference in Markdown, generated from the JSON Schema (and so
//! from the doc comments of the model): `hearth schema --markdown`. README.md
//! carries it between markers, and a test keeps the two equal.

use std::collections::{BTreeSet, VecDeque};

use serde_json::Value;

fn def_name(r: &str) -> &str {
    r.rsplit('/').next().unwrap_or(r)
}

fn is_table(defs: &Value, name: &str) -> bool {
    defs[name].get("properties").is_some()
}

fn enum_values(s: &Value) -> Option<Vec<String>> {
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        return Some(
            e.iter()
                .map(|v| format!("`{}`", v.as_str().unwrap_or_default()))
                .collect(),
        );
    }
    let alts = s.get("oneOf").and_then(Value::as_array)?;
    let mut out = Vec::new();
    for a in alts {
        if let Some(c) = a.get("const").and_then(Value::as_str) {
            out.push(format!("`{c}`"));
        } else if let Some(e) = a.get("enum").and_then(Value::as_array) {
            out.extend(
                e.iter()
                    .map(|v| format!("`{}`", v.as_str().unwrap_or_default())),
            );
        } else {
            return None;
        }
    }
    Some(out)
}

/// A short type description of a schema, queueing referenced tables.
fn type_of(s: &Value, defs: &Value, queue: &mut VecDeque<String>) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = def_name(r);
        if is_table(defs, name) {
            queue.push_back(name.to_string());
            return format!("[{name}](#{})", name.to_lowercase());
        }
        let def = &defs[name];
        if def.get("type") == Some(&Value::from("string")) && enum_values(def).is_none() {
            return format!("string ({name})");
        }
        return type_of(def, defs, queue);
    }
    if let Some(values) = enum_values(s) {
        return format!("one of {}", values.join(", "));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = alts
                .iter()
                .filter(|a| a.get("type") != Some(&Value::from("null")))
                .map(|a| type_of(a, defs, queue))
                .collect();
            return parts.join(" or ");
        }
    }
    match s.get("type") {
        Some(Value::Array(ts)) => {
            let non_null: Vec<&Value> = ts.iter().filter(|t| *t != "null").collect();
            if non_null.len() == 1 {
                let mut one = s.clone();
                one["type"] = non_null[0].clone();
                return type_of(&one, defs, queue);
            }
            non_null
                .iter()
                .filter_map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        }
        Some(Value::String(t)) if t == "array" => format!(
            "list of {}",
            s.get("items")
                .map_or("values".into(), |i| type_of(i, defs, queue))
        ),
        Some(Value::String(t)) if t == "object" => {
            let value = s
                .get("additionalProperties")
                .filter(|v| v.is_object())
                .or_else(|| {
                    s.get("patternProperties")
                        .and_then(|p| p.as_object())
                        .and_then(|p| p.values().next())
                });
            match value {
                Some(v) => format!("table of name → {}", type_of(v, defs, queue)),
                None => "table".into(),
            }
        }
        Some(Value::String(t)) => {
            let pattern = s
                .get("pattern")
                .and_then(Value::as_str)
                .map(|p| format!(" matching `{p}`"))
                .unwrap_or_default();
            if t == "string" && !pattern.is_empty() {
                format!("string{pattern}")
            } else {
                t.clone()
            }
        }
        _ => "any".into(),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

fn table(out: &mut String, title: &str, s: &Value, defs: &Value, queue: &mut VecDeque<String>) {
    out.push_str(&format!("### {title}\n\n"));
    if let Some(d) = s.get("description").and_then(Value::as_str) {
        out.push_str(&format!("{}\n\n", one_line(d)));
    }
    out.push_str("| key | type | required / default | meaning |\n|---|---|---|---|\n");
    let required: BTreeSet<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for (k, p) in props {
            let ty = type_of(p, defs, queue);
            let req = if required.contains(k.as_str()) {
                "required".to_string()
            } else {
                p.get("default")
                    .map(|d| format!("`{d}`"))
                    .unwrap_or_else(|| "optional".into())
            };
            let desc = p
                .get("description")
                .and_then(Value::as_str)
                .map(one_line)
                .unwrap_or_default();
            out.push_str(&format!("| `{k}` | {ty} | {req} | {desc} |\n"));
        }
    }
    out.push('\n');
}

/// The whole reference.
pub fn markdown() -> String {
    let schema =
        serde_json::to_value(schemars::schema_for!(super::RawSite)).expect("schemas serialise");
    let defs = &schema["$defs"];
    let mut queue = VecDeque::new();
    let mut out = String::new();
    table(&mut out, "site.toml (top level)", &schema, defs, &mut queue);
    let mut seen = BTreeSet::new();
    while let Some(name) = queue.pop_front() {
        if !seen.insert(name.clone()) {
            continue;
        }
        table(&mut out, &name, &defs[&name], defs, &mut queue);
    }
    out.push_str(NAMES);
    out.trim_end().to_string() + "\n"
}

const NAMES: &str = "### Value types\n\n\
| type | rule |\n|---|---|\n\
| ServiceName, Namespace, NodeName, VolumeName, SecretName, … | lowercase letters, digits and `-`, starting and ending with a letter or digit (RFC 1123 label) |\n\
| Image | `repo/name:tag` or `repo/name@sha256:<64 hex>`; an image without a tag is refused |\n\
| Quantity | a Kubernetes quantity: `100m`, `128Mi`, `5Gi`, `1.5` |\n\
| Cron | five cron fields: minute hour day-of-month month day-of-week |\n\
| AbsPath | an absolute path without `..` |\n\
| HostName | a DNS name of lowercase labels |\n\
| DataKey | a Secret or ConfigMap key: letters, digits, `-`, `_`, `.` |\n\
| SealedValue | kubeseal ciphertext (starts with `Ag`), or `\"placeholder\"`; plaintext is refused |\n";
