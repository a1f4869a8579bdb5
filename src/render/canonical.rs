//! One canonical form for every rendered document: keys in a fixed order
//! (`apiVersion`, `kind`, `metadata`, `name`, `namespace` first, the rest sorted),
//! emitted by serde-saphyr, which quotes any string a YAML 1.1 reader (Kubernetes)
//! would take for a boolean, number, null or date. Layout in a template can never
//! leak into the output.

use serde_json::{Map, Value};

const FIRST: [&str; 5] = ["apiVersion", "kind", "metadata", "name", "namespace"];

fn rank(k: &str) -> (usize, &str) {
    (FIRST.iter().position(|f| *f == k).unwrap_or(FIRST.len()), k)
}

/// Reorder every map of `v` into canonical key order.
pub fn canonical(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)));
            let mut out = Map::with_capacity(entries.len());
            for (k, v) in entries {
                out.insert(k, canonical(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

pub const HEADER: &str =
    "# Rendered by hearth from site.toml. Do not edit: change site.toml and run `hearth render`.\n";

/// The bytes of one output file.
pub fn to_yaml(v: &Value) -> Result<String, String> {
    let mut opts = serde_saphyr::SerializerOptions::default();
    // Never fold long single-line strings; multi-line strings stay literal blocks.
    opts.folded_wrap_chars = usize::MAX / 2;
    opts.min_fold_chars = usize::MAX / 2;
    let body = serde_saphyr::to_string_with_options(v, opts).map_err(|e| e.to_string())?;
    Ok(format!("{HEADER}{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order() {
        let v = canonical(
            json!({ "spec": 1, "metadata": { "labels": {}, "name": "x" }, "kind": "K", "apiVersion": "v1" }),
        );
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "spec"]);
        let meta: Vec<&String> = v["metadata"].as_object().unwrap().keys().collect();
        assert_eq!(meta, ["name", "labels"]);
    }

    #[test]
    fn yaml_1_1_traps_are_quoted() {
        let v = json!({ "a": "on", "b": "yes", "c": "0755", "d": "1e3", "e": "2024-01-01", "f": "true", "g": "y", "h": "~", "i": "null", "j": "no" });
        let y = to_yaml(&v).unwrap();
        for line in y.lines().skip(1) {
            let val = line.split_once(": ").unwrap().1;
            assert!(
                val.starts_with('"') || val.starts_with('\''),
                "unquoted: {line}"
            );
        }
    }

    #[test]
    fn multiline_strings_round_trip() {
        let v = json!({ "s": "line one\n  two\nthree\n", "t": "x".repeat(300) + " y" });
        let y = to_yaml(&v).unwrap();
        let back: Value = serde_saphyr::from_str(&y).unwrap();
        assert_eq!(back, v);
    }
}
