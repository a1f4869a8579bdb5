//! A chart's manifest as Kubernetes' reader takes it: documents cut at
//! `---` lines (a comment may follow the dashes), each with its `# Source:`,
//! and null fields unset as the API server decodes them.

use serde_json::Value;

/// Remove every map entry whose value is null, at any depth. Charts print
/// empty blocks (`annotations:` with nothing under it); the API server
/// decodes a null field as unset (Go's encoding/json leaves the field at its
/// zero value), so the object it stores has no such field, and neither is
/// it validated here. Nulls inside lists stay: they are items.
pub(super) fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// A document separator as Kubernetes' reader (ArgoCD's, kubectl's) takes
/// it: `---` followed by nothing, blanks or a comment, so `---# text` (which
/// cert-manager 1.15's rbac.yaml prints) separates too
/// (apimachinery pkg/util/yaml/decoder.go `YAMLReader.Read`); `--- ` with a
/// value after it starts a document as YAML allows.
fn separates(line: &str) -> bool {
    line.strip_prefix("---").is_some_and(|rest| {
        let rest = rest.trim_end();
        rest.is_empty() || rest.starts_with('#') || rest.starts_with(' ') || rest.starts_with('\t')
    })
}

/// A manifest cut at its `---` lines, each part with the `# Source:` it
/// names (or the previous part's: a template printing several documents).
pub fn split(manifest: &str) -> Vec<(&str, &str)> {
    // Byte ranges of the parts between `---` lines.
    let mut ranges = Vec::new();
    let (mut start, mut offset) = (0, 0);
    for line in manifest.split_inclusive('\n') {
        if separates(line) {
            ranges.push(start..offset);
            start = offset + line.len();
        }
        offset += line.len();
    }
    ranges.push(start..manifest.len());
    let mut parts = Vec::new();
    let mut source = "";
    for r in ranges {
        let text = &manifest[r];
        if let Some(s) = text.lines().find_map(|l| l.strip_prefix("# Source: ")) {
            source = s.trim();
        }
        if !text.trim().is_empty() {
            parts.push((source, text));
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    #[test]
    fn split_keeps_each_documents_source() {
        let m = "---\n# Source: c/crds/a.yaml\nkind: A\n---\n# Source: c/templates/b.yaml\nkind: B\n---\nkind: C\n";
        let parts = super::split(m);
        let sources: Vec<&str> = parts.iter().map(|p| p.0).collect();
        assert_eq!(
            sources,
            ["c/crds/a.yaml", "c/templates/b.yaml", "c/templates/b.yaml"]
        );
        assert!(parts[2].1.contains("kind: C"));
    }

    #[test]
    fn null_fields_are_unset_as_the_api_server_decodes_them() {
        let mut v = serde_json::json!({"metadata": {"name": "a", "annotations": null}, "spec": {"env": [null, {"name": "X", "value": null}]}});
        super::drop_nulls(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"metadata": {"name": "a"}, "spec": {"env": [null, {"name": "X"}]}})
        );
    }

    #[test]
    fn a_comment_right_after_the_dashes_still_separates() {
        let m = "# Source: c/templates/rbac.yaml\nkind: A\n---# a comment\nkind: B\n----\nx: 1\n";
        let parts = super::split(m);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(parts[1].1.contains("kind: B") && parts[1].1.contains("----"));
    }
}
