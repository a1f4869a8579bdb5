//! RBAC: `ValidatePolicyRule`, `ValidateRoleBinding`/`ValidateClusterRoleBinding`
//! and `ValidateRoleBindingSubject` of kubernetes/kubernetes
//! `pkg/apis/rbac/validation/validation.go`.

use serde_json::Value;

use super::{Sink, arr, names, str_of};

const GROUP: &str = "rbac.authorization.k8s.io";

pub(super) fn role(s: &mut Sink, v: &Value, namespaced: bool) {
    for (i, r) in arr(&v["rules"]).iter().enumerate() {
        let rp = format!("rules[{i}]");
        if arr(&r["verbs"]).is_empty() {
            s.refuse("ValidatePolicyRule (Required)", format!("{rp}.verbs"), None, "verbs must contain at least one value", "give the workload's `rbac` rule at least one verb in site.toml (e.g. get, list, watch)");
        }
        if !arr(&r["nonResourceURLs"]).is_empty() {
            if namespaced {
                s.refuse(
                    "ValidatePolicyRule",
                    format!("{rp}.nonResourceURLs"),
                    None,
                    "namespaced rules cannot apply to non-resource URLs",
                    "move non-resource URLs into a ClusterRole",
                );
            }
            if !arr(&r["apiGroups"]).is_empty()
                || !arr(&r["resources"]).is_empty()
                || !arr(&r["resourceNames"]).is_empty()
            {
                s.refuse(
                    "ValidatePolicyRule",
                    format!("{rp}.nonResourceURLs"),
                    None,
                    "rules cannot apply to both regular resources and non-resource URLs",
                    "split the rule in two",
                );
            }
            continue;
        }
        if arr(&r["apiGroups"]).is_empty() {
            s.refuse(
                "ValidatePolicyRule (Required)",
                format!("{rp}.apiGroups"),
                None,
                "resource rules must supply at least one api group",
                "list the API groups of the rule (`\"\"` for the core group)",
            );
        }
        if arr(&r["resources"]).is_empty() {
            s.refuse(
                "ValidatePolicyRule (Required)",
                format!("{rp}.resources"),
                None,
                "resource rules must supply at least one resource",
                "list the resources of the rule",
            );
        }
    }
}

pub(super) fn binding(s: &mut Sink, v: &Value, namespaced: bool) {
    let rr = &v["roleRef"];
    if str_of(&rr["apiGroup"]) != Some(GROUP) {
        s.refuse(
            "ValidateRoleBinding (NotSupported)",
            "roleRef.apiGroup",
            str_of(&rr["apiGroup"]),
            format!("must be `{GROUP}`"),
            "refer to an RBAC role",
        );
    }
    match (str_of(&rr["kind"]), namespaced) {
        (Some("Role" | "ClusterRole"), true) | (Some("ClusterRole"), false) => {}
        (k, _) => s.refuse(
            "ValidateRoleBinding/ValidateClusterRoleBinding (NotSupported)",
            "roleRef.kind",
            k,
            if namespaced {
                "must be Role or ClusterRole"
            } else {
                "must be ClusterRole"
            },
            "bind a role of a kind this binding can refer to",
        ),
    }
    if let Some(name) = s.required(
        "ValidateRoleBinding (Required)",
        "roleRef.name",
        &rr["name"],
        "the role's name is required",
        "name the role",
    ) {
        check!(
            s,
            "ValidateRoleBinding (ValidateRBACName)",
            "roleRef.name",
            name,
            names::path_segment_name(name),
            "name the role without `/` or `%`",
        );
    }
    for (i, sub) in arr(&v["subjects"]).iter().enumerate() {
        subject(s, &format!("subjects[{i}]"), sub, namespaced);
    }
}

/// `ValidateRoleBindingSubject`: a name; a ServiceAccount in the core group
/// with a subdomain name (and a namespace in a ClusterRoleBinding); a User or
/// Group in the RBAC group.
fn subject(s: &mut Sink, sp: &str, sub: &Value, namespaced: bool) {
    let sname = s
        .required(
            "ValidateRoleBindingSubject (Required)",
            format!("{sp}.name"),
            &sub["name"],
            "a subject needs a name",
            "name the subject",
        )
        .unwrap_or("");
    match str_of(&sub["kind"]).unwrap_or("") {
        "ServiceAccount" => {
            if let Some(g) = str_of(&sub["apiGroup"]).filter(|g| !g.is_empty()) {
                s.refuse(
                    "ValidateRoleBindingSubject (NotSupported)",
                    format!("{sp}.apiGroup"),
                    Some(g),
                    "a ServiceAccount subject has the core group (\"\")",
                    "remove apiGroup from the ServiceAccount subject",
                );
            }
            if !sname.is_empty() {
                check!(
                    s,
                    "ValidateRoleBindingSubject (ValidateServiceAccountName)",
                    format!("{sp}.name"),
                    sname,
                    names::dns1123_subdomain(sname),
                    "name the service account as an RFC 1123 subdomain",
                );
            }
            if !namespaced && str_of(&sub["namespace"]).is_none_or(str::is_empty) {
                s.refuse(
                    "ValidateRoleBindingSubject (Required)",
                    format!("{sp}.namespace"),
                    None,
                    "a ServiceAccount subject of a ClusterRoleBinding needs a namespace",
                    "give the subject its namespace",
                );
            }
        }
        "User" | "Group" => {
            if str_of(&sub["apiGroup"]) != Some(GROUP) {
                s.refuse(
                    "ValidateRoleBindingSubject (NotSupported)",
                    format!("{sp}.apiGroup"),
                    str_of(&sub["apiGroup"]),
                    format!("must be `{GROUP}`"),
                    "set the subject's apiGroup",
                );
            }
        }
        k => s.refuse(
            "ValidateRoleBindingSubject (NotSupported)",
            format!("{sp}.kind"),
            Some(k),
            format!("`{k}` is not a subject kind (ServiceAccount, User, Group)"),
            "bind a ServiceAccount, User or Group",
        ),
    }
}
