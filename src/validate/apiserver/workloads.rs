//! Workloads: kubernetes/kubernetes `pkg/apis/apps/validation/validation.go`
//! (`ValidateDeploymentSpec`, `ValidateDeploymentStrategy`,
//! `ValidateRollingUpdateDeployment`, `ValidateStatefulSetSpec`,
//! `ValidateDaemonSetSpec`, `ValidatePodTemplateSpecForReplicaSet`) and
//! `pkg/apis/batch/validation/validation.go` (`ValidateCronJobCreate`,
//! `validateCronJobSpec`, `validateJobSpec`).

use serde_json::Value;

use super::meta::{label_selector, selector_is_empty, selector_matches};
use super::pod::{self, Restart};
use super::{Sink, names, str_of};

/// `ValidateNonnegativeField` on an optional integer.
pub(super) fn nonnegative(s: &mut Sink, rule: &'static str, path: String, v: &Value) {
    if let Some(n) = v.as_i64().filter(|n| *n < 0) {
        s.refuse(
            rule,
            path,
            None,
            format!("{n} must be greater than or equal to 0"),
            "use a number that is 0 or more",
        );
    }
}

/// A StatefulSet's pod template with its volume claim templates as pod
/// volumes: the controller adds them to every pod it creates, so mounts may
/// name them (the union upstream's `ValidatePodTemplateSpecForStatefulSet`
/// leaves as a TODO and checks only at pod creation).
fn with_claims(tmpl: &Value, spec: &Value) -> Value {
    let mut t = tmpl.clone();
    let claims: Vec<Value> = super::arr(&spec["volumeClaimTemplates"])
        .iter()
        .filter_map(|c| str_of(&c["metadata"]["name"]))
        .map(|n| serde_json::json!({ "name": n, "persistentVolumeClaim": { "claimName": n } }))
        .collect();
    if !claims.is_empty() {
        let vols = &mut t["spec"]["volumes"];
        if !vols.is_array() {
            *vols = Value::Array(Vec::new());
        }
        if let Some(a) = vols.as_array_mut() {
            a.extend(claims);
        }
    }
    t
}

pub(super) fn apps(s: &mut Sink, v: &Value, kind: &str) {
    let spec = &v["spec"];
    nonnegative(
        s,
        "ValidateNonnegativeField",
        "spec.replicas".into(),
        &spec["replicas"],
    );
    let tmpl = &spec["template"];
    selector(s, spec, kind);
    if kind == "StatefulSet" {
        pod::template(
            s,
            "spec.template",
            &with_claims(tmpl, spec),
            Restart::Always,
        );
    } else {
        pod::template(s, "spec.template", tmpl, Restart::Always);
    }
    if !tmpl["spec"]["activeDeadlineSeconds"].is_null() {
        s.refuse(
            "ValidatePodTemplateSpecForReplicaSet",
            "spec.template.spec.activeDeadlineSeconds",
            None,
            "must not be specified for a long-running workload",
            "remove activeDeadlineSeconds",
        );
    }
    match kind {
        "Deployment" => deployment(s, spec),
        "StatefulSet" => stateful_set(s, spec),
        "DaemonSet" => update_strategy(
            s,
            &spec["updateStrategy"],
            "ValidateDaemonSetUpdateStrategy",
        ),
        _ => {}
    }
}

/// `spec.selector`: required, valid, not empty, and matching the template.
fn selector(s: &mut Sink, spec: &Value, kind: &str) {
    let tmpl = &spec["template"];
    let sel = &spec["selector"];
    if sel.is_null() {
        s.refuse("Validate*Spec (Required)", "spec.selector", None, format!("a {kind} needs a selector"), "hearth sets the selector from the workload's labels; a site-local template must keep `spec.selector`");
    } else {
        label_selector(s, "spec.selector", sel);
        if selector_is_empty(sel) {
            s.refuse(
                "Validate*Spec",
                "spec.selector",
                None,
                format!("empty selector is invalid for {}", kind.to_lowercase()),
                "select the pods by at least one label",
            );
        } else if !selector_matches(sel, &tmpl["metadata"]["labels"]) {
            s.refuse(
                "ValidatePodTemplateSpecForReplicaSet / ValidatePodTemplateSpecForStatefulSet / ValidateDaemonSetSpec",
                "spec.template.metadata.labels",
                None,
                "`selector` does not match template `labels`",
                "the pod template's labels must include every label of `spec.selector`; keep the workload's labels in the template",
            );
        }
    }
}

/// `ValidateStatefulSetSpec` beyond the pod template.
fn stateful_set(s: &mut Sink, spec: &Value) {
    if let Some(p) = str_of(&spec["podManagementPolicy"])
        && !matches!(p, "OrderedReady" | "Parallel")
    {
        s.refuse(
            "ValidateStatefulSetSpec",
            "spec.podManagementPolicy",
            Some(p),
            "must be 'OrderedReady' or 'Parallel'",
            "use OrderedReady or Parallel",
        );
    }
    update_strategy(s, &spec["updateStrategy"], "ValidateStatefulSetSpec");
    // hearth: the controller sets each pod's `subdomain` to serviceName,
    // and ValidatePodSpec requires a subdomain to be an RFC 1123 label;
    // a bad serviceName passes here but no pod can ever be created.
    if let Some(name) = str_of(&spec["serviceName"]).filter(|n| !n.is_empty()) {
        check!(
            s,
            "hearth: serviceName becomes every pod's spec.subdomain (ValidatePodSpec, IsDNS1123Label)",
            "spec.serviceName",
            name,
            names::dns1123_label(name),
            "rename the statefulset workload in site.toml (its governing Service is named after it)",
        );
    }
}

fn update_strategy(s: &mut Sink, u: &Value, rule: &'static str) {
    match str_of(&u["type"]) {
        None | Some("RollingUpdate") => {}
        Some("OnDelete") => {
            if !u["rollingUpdate"].is_null() {
                s.refuse(
                    rule,
                    "spec.updateStrategy.rollingUpdate",
                    None,
                    "only allowed for updateStrategy 'RollingUpdate'",
                    "remove rollingUpdate or use RollingUpdate",
                );
            }
        }
        Some(other) => s.refuse(
            rule,
            "spec.updateStrategy.type",
            Some(other),
            format!("`{other}` must be 'RollingUpdate' or 'OnDelete'"),
            "use RollingUpdate or OnDelete",
        ),
    }
}

/// An int-or-percent of `ValidateRollingUpdateDeployment`; `Some(true)` when zero.
fn int_or_percent(s: &mut Sink, path: &str, v: &Value) -> Option<bool> {
    match v {
        Value::Number(n) => {
            let n = n.as_i64().unwrap_or(-1);
            if n < 0 {
                s.refuse(
                    "ValidatePositiveIntOrPercent",
                    path,
                    None,
                    format!("{n} must be greater than or equal to 0"),
                    "use 0 or more",
                );
            }
            Some(n == 0)
        }
        Value::String(p) => {
            let digits = p
                .strip_suffix('%')
                .filter(|d| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit()));
            match digits {
                None => {
                    s.refuse(
                        "ValidatePositiveIntOrPercent (IsValidPercent)",
                        path,
                        Some(p),
                        format!("`{p}` must be an integer or a percentage like `25%`"),
                        "write a number or a percentage",
                    );
                    None
                }
                Some(d) => {
                    let pct: u64 = d.parse().unwrap_or(u64::MAX);
                    if pct > 100 && path.ends_with("maxUnavailable") {
                        s.refuse(
                            "IsNotMoreThan100Percent",
                            path,
                            Some(p),
                            "must not be greater than 100%",
                            "use at most 100%",
                        );
                    }
                    Some(pct == 0)
                }
            }
        }
        _ => None,
    }
}

fn deployment(s: &mut Sink, spec: &Value) {
    let st = &spec["strategy"];
    match str_of(&st["type"]) {
        None | Some("RollingUpdate") => {
            let ru = &st["rollingUpdate"];
            if !ru.is_null() {
                let surge0 =
                    int_or_percent(s, "spec.strategy.rollingUpdate.maxSurge", &ru["maxSurge"]);
                let unav0 = int_or_percent(
                    s,
                    "spec.strategy.rollingUpdate.maxUnavailable",
                    &ru["maxUnavailable"],
                );
                if surge0 == Some(true) && unav0 == Some(true) {
                    s.refuse(
                        "ValidateRollingUpdateDeployment",
                        "spec.strategy.rollingUpdate.maxUnavailable",
                        None,
                        "may not be 0 when `maxSurge` is 0",
                        "allow at least one pod of surge or of unavailability",
                    );
                }
            }
        }
        Some("Recreate") => {
            if !st["rollingUpdate"].is_null() {
                s.refuse(
                    "ValidateDeploymentStrategy (Forbidden)",
                    "spec.strategy.rollingUpdate",
                    None,
                    "may not be specified when strategy `type` is 'Recreate'",
                    "remove rollingUpdate",
                );
            }
        }
        Some(other) => s.refuse(
            "ValidateDeploymentStrategy (NotSupported)",
            "spec.strategy.type",
            Some(other),
            format!("`{other}` is not a strategy (Recreate, RollingUpdate)"),
            "set the workload's `strategy` in site.toml to recreate or rolling-update",
        ),
    }
    for f in ["minReadySeconds", "revisionHistoryLimit"] {
        nonnegative(
            s,
            "ValidateDeploymentSpec (ValidateNonnegativeField)",
            format!("spec.{f}"),
            &spec[f],
        );
    }
    if let Some(p) = spec["progressDeadlineSeconds"].as_i64() {
        let min_ready = spec["minReadySeconds"].as_i64().unwrap_or(0);
        if p <= min_ready {
            s.refuse(
                "ValidateDeploymentSpec",
                "spec.progressDeadlineSeconds",
                None,
                format!("{p} must be greater than minReadySeconds ({min_ready})"),
                "raise progressDeadlineSeconds above minReadySeconds",
            );
        }
    }
}
