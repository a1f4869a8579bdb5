//! Object metadata: `ValidateObjectMetaAccessor` (apimachinery
//! `pkg/api/validation/objectmeta.go`) with each kind's name function, labels
//! (`ValidateLabels`, `pkg/apis/meta/v1/validation`), annotations
//! (`ValidateAnnotations`) and label selectors (`ValidateLabelSelector`).

use serde_json::Value;

use super::names;
use super::{Sink, arr, map, str_of};

/// Kinds that live outside namespaces (`requiresNamespace == false`).
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterIssuer",
];

/// The name function each kind's `Validate<Kind>` passes to ValidateObjectMeta.
fn name_rule(kind: &str) -> (&'static str, fn(&str) -> Vec<String>) {
    match kind {
        // core: ValidateNamespaceName = NameIsDNSLabel
        "Namespace" => (
            "ValidateNamespaceName (NameIsDNSLabel)",
            names::dns1123_label,
        ),
        // core: ValidateServiceName = NameIsDNS1035Label
        "Service" => (
            "ValidateServiceName (NameIsDNS1035Label)",
            names::dns1035_label,
        ),
        // rbac: ValidateRBACName = path.IsValidPathSegmentName
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => (
            "ValidateRBACName (IsValidPathSegmentName)",
            names::path_segment_name,
        ),
        // Everything else hearth renders (ConfigMap, Secret, ServiceAccount,
        // PV/PVC, Deployment, StatefulSet, DaemonSet, CronJob, Ingress, and
        // custom resources) uses NameIsDNSSubdomain.
        _ => ("NameIsDNSSubdomain", names::dns1123_subdomain),
    }
}

pub(super) fn object_meta(s: &mut Sink, v: &Value, kind: &str) {
    let m = &v["metadata"];
    let name = str_of(&m["name"]).unwrap_or("");
    let (rule, f) = name_rule(kind);
    if name.is_empty() {
        s.refuse(
            "ValidateObjectMetaAccessor",
            "metadata.name",
            None,
            "name is required",
            "give the object a name",
        );
    } else {
        check!(
            s,
            rule,
            "metadata.name",
            name,
            f(name),
            format!("rename it in site.toml so the {kind} name fits the rule"),
        );
    }
    if let Some(ns) = str_of(&m["namespace"]) {
        if CLUSTER_SCOPED.contains(&kind) {
            s.refuse(
                "ValidateObjectMetaAccessor",
                "metadata.namespace",
                Some(ns),
                format!("a {kind} has no namespace (\"not allowed on this type\")"),
                "remove `metadata.namespace` from this object",
            );
        } else {
            check!(
                s,
                "ValidateNamespaceName (NameIsDNSLabel)",
                "metadata.namespace",
                ns,
                names::dns1123_label(ns),
                "set the service's `namespace` in site.toml to an RFC 1123 label",
            );
        }
    }
    labels(s, "metadata.labels", &m["labels"]);
    annotations(s, "metadata.annotations", &m["annotations"]);
}

/// `ValidateLabels`: keys are qualified names, values label values.
pub(super) fn labels(s: &mut Sink, path: &str, v: &Value) {
    let Some(m) = map(v) else { return };
    for (k, val) in m {
        check!(
            s,
            "ValidateLabels (IsQualifiedName)",
            format!("{path}[{k}]"),
            k,
            names::qualified_name(k),
            "use a label key of at most 63 characters (letters, digits, `-`, `_`, `.`), optionally after a DNS prefix and `/` (node `labels` and workload labels in site.toml)",
        );
        if let Some(val) = str_of(val) {
            check!(
                s,
                "ValidateLabels (IsValidLabelValue)",
                format!("{path}[{k}]"),
                val,
                names::label_value(val),
                "use a label value of at most 63 characters: letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit",
            );
        }
    }
}

/// `ValidateAnnotations`: keys are qualified names once lowercased; keys and
/// values together at most 256 KiB (`TotalAnnotationSizeLimitB`).
pub(super) fn annotations(s: &mut Sink, path: &str, v: &Value) {
    let Some(m) = map(v) else { return };
    let mut total = 0usize;
    for (k, val) in m {
        check!(
            s,
            "ValidateAnnotations (IsQualifiedName)",
            format!("{path}[{k}]"),
            k,
            names::qualified_name(&k.to_lowercase()),
            "use an annotation key that is a qualified name (e.g. `example.com/my-key`)",
        );
        total += k.len() + str_of(val).map_or(0, str::len);
    }
    const LIMIT: usize = 256 * 1024;
    if total > LIMIT {
        s.refuse(
            "ValidateAnnotationsSize",
            path,
            None,
            format!("annotations take {total} bytes; at most {LIMIT} are allowed"),
            "move large values (dashboards, configuration) into a ConfigMap (`config_maps` in site.toml)",
        );
    }
}

/// `ValidateLabelSelector`: `matchLabels` as labels; each expression has a
/// qualified key, a known operator, values for `In`/`NotIn` and none for
/// `Exists`/`DoesNotExist`.
pub(super) fn label_selector(s: &mut Sink, path: &str, v: &Value) {
    labels(s, &format!("{path}.matchLabels"), &v["matchLabels"]);
    for (i, e) in arr(&v["matchExpressions"]).iter().enumerate() {
        let p = format!("{path}.matchExpressions[{i}]");
        let key = str_of(&e["key"]).unwrap_or("");
        check!(
            s,
            "ValidateLabelSelectorRequirement (IsQualifiedName)",
            format!("{p}.key"),
            key,
            names::qualified_name(key),
            "use a qualified label key",
        );
        let values = arr(&e["values"]);
        match str_of(&e["operator"]).unwrap_or("") {
            "In" | "NotIn" if values.is_empty() => s.refuse(
                "ValidateLabelSelectorRequirement",
                format!("{p}.values"),
                None,
                "must be specified when `operator` is 'In' or 'NotIn'",
                "give the expression at least one value",
            ),
            "Exists" | "DoesNotExist" if !values.is_empty() => s.refuse(
                "ValidateLabelSelectorRequirement",
                format!("{p}.values"),
                None,
                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                "remove the values",
            ),
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            op => s.refuse(
                "ValidateLabelSelectorRequirement",
                format!("{p}.operator"),
                Some(op),
                format!(
                    "`{op}` is not a valid selector operator (In, NotIn, Exists, DoesNotExist)"
                ),
                "use In, NotIn, Exists or DoesNotExist",
            ),
        }
    }
}

/// Whether a selector is empty (matches nothing to a controller: refused).
pub(super) fn selector_is_empty(v: &Value) -> bool {
    map(&v["matchLabels"]).is_none_or(|m| m.is_empty()) && arr(&v["matchExpressions"]).is_empty()
}

/// `labels.Selector.Matches` of `LabelSelectorAsSelector(selector)`.
pub(super) fn selector_matches(sel: &Value, labels: &Value) -> bool {
    let get = |k: &str| labels.get(k).and_then(Value::as_str);
    let by_labels = map(&sel["matchLabels"]).is_none_or(|m| {
        m.iter()
            .all(|(k, v)| get(k).is_some() && get(k) == v.as_str())
    });
    by_labels
        && arr(&sel["matchExpressions"]).iter().all(|e| {
            let key = e["key"].as_str().unwrap_or("");
            let vals: Vec<&str> = arr(&e["values"]).iter().filter_map(Value::as_str).collect();
            match e["operator"].as_str().unwrap_or("") {
                "In" => get(key).is_some_and(|v| vals.contains(&v)),
                "NotIn" => get(key).is_none_or(|v| !vals.contains(&v)),
                "Exists" => get(key).is_some(),
                "DoesNotExist" => get(key).is_none(),
                _ => false,
            }
        })
}
