//! Where and as whom the pod runs: node selector, service account,
//! `ValidateTolerations`, user and group IDs.

use serde_json::Value;

use super::super::{Sink, arr, names, str_of};

/// The rest of `ValidatePodSpec` a rendered template can get wrong: the node
/// selector is a label map (`ValidateLabels`), tolerations
/// (`ValidateTolerations`), the service account name
/// (`ValidateServiceAccountName`, a DNS subdomain), and user and group IDs in
/// security contexts (`IsValidUserID`/`IsValidGroupID`: 0 to 2^31-1).
pub(super) fn scheduling(s: &mut Sink, path: &str, spec: &Value) {
    super::super::meta::labels(s, &format!("{path}.nodeSelector"), &spec["nodeSelector"]);
    if let Some(sa) = str_of(&spec["serviceAccountName"]).filter(|n| !n.is_empty()) {
        check!(
            s,
            "ValidatePodSpec (ValidateServiceAccountName)",
            format!("{path}.serviceAccountName"),
            sa,
            names::dns1123_subdomain(sa),
            "name the service account as an RFC 1123 subdomain",
        );
    }
    for (i, t) in arr(&spec["tolerations"]).iter().enumerate() {
        toleration(s, &format!("{path}.tolerations[{i}]"), t);
    }
    ids(s, path, spec);
}

/// `ValidateTolerations` for one toleration: a qualified key (or none with
/// `Exists`), the operator's value rule, a known effect, and
/// `tolerationSeconds` only with `NoExecute`.
fn toleration(s: &mut Sink, tp: &str, t: &Value) {
    let key = str_of(&t["key"]).unwrap_or("");
    if !key.is_empty() {
        check!(
            s,
            "ValidateTolerations (IsQualifiedName)",
            format!("{tp}.key"),
            key,
            names::qualified_name(key),
            "use a qualified taint key",
        );
    }
    let value = str_of(&t["value"]).unwrap_or("");
    let op = str_of(&t["operator"]).unwrap_or("");
    if key.is_empty() && op != "Exists" {
        s.refuse("ValidateTolerations", format!("{tp}.operator"), None, "operator must be Exists when `key` is empty, which means \"match all values and all keys\"", "set operator Exists or give a key");
    }
    match op {
        "Equal" | "" => {
            check!(
                s,
                "ValidateTolerations (IsValidLabelValue)",
                format!("{tp}.value"),
                value,
                names::label_value(value),
                "use a label value",
            );
        }
        "Exists" => {
            if !value.is_empty() {
                s.refuse(
                    "ValidateTolerations",
                    format!("{tp}.value"),
                    Some(value),
                    "value must be empty when `operator` is 'Exists'",
                    "remove the value or use operator Equal",
                );
            }
        }
        other => s.refuse(
            "ValidateTolerations (NotSupported)",
            format!("{tp}.operator"),
            Some(other),
            format!("`{other}` is not a toleration operator (Equal, Exists)"),
            "use Equal or Exists",
        ),
    }
    let effect = str_of(&t["effect"]).unwrap_or("");
    if !matches!(effect, "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
        s.refuse(
            "ValidateTolerations (validateTaintEffect)",
            format!("{tp}.effect"),
            Some(effect),
            format!("`{effect}` is not a taint effect (NoSchedule, PreferNoSchedule, NoExecute)"),
            "use NoSchedule, PreferNoSchedule or NoExecute",
        );
    }
    if !t["tolerationSeconds"].is_null() && effect != "NoExecute" {
        s.refuse(
            "ValidateTolerations",
            format!("{tp}.effect"),
            None,
            "effect must be 'NoExecute' when `tolerationSeconds` is set",
            "remove tolerationSeconds or use NoExecute",
        );
    }
}

/// User and group IDs of the pod's and every container's security context
/// (`IsValidUserID`/`IsValidGroupID`: 0 to 2^31-1).
fn ids(s: &mut Sink, path: &str, spec: &Value) {
    let mut contexts = vec![(format!("{path}.securityContext"), &spec["securityContext"])];
    for list in ["containers", "initContainers"] {
        for (i, c) in arr(&spec[list]).iter().enumerate() {
            contexts.push((
                format!("{path}.{list}[{i}].securityContext"),
                &c["securityContext"],
            ));
        }
    }
    for (cp, ctx) in contexts {
        for (field, rule) in [
            ("runAsUser", "IsValidUserID"),
            ("runAsGroup", "IsValidGroupID"),
            ("fsGroup", "IsValidGroupID"),
        ] {
            if let Some(n) = ctx[field]
                .as_i64()
                .filter(|n| !(0..=i64::from(i32::MAX)).contains(n))
            {
                s.refuse(rule, format!("{cp}.{field}"), None, format!("{n} must be between 0 and 2147483647, inclusive"), "use a user or group ID from 0 to 2147483647 in the workload's `security` in site.toml");
            }
        }
        for (j, g) in arr(&ctx["supplementalGroups"]).iter().enumerate() {
            if let Some(n) = g
                .as_i64()
                .filter(|n| !(0..=i64::from(i32::MAX)).contains(n))
            {
                s.refuse(
                    "IsValidGroupID",
                    format!("{cp}.supplementalGroups[{j}]"),
                    None,
                    format!("{n} must be between 0 and 2147483647, inclusive"),
                    "use group IDs from 0 to 2147483647",
                );
            }
        }
    }
}
