//! Container rules of `pkg/apis/core/validation` that `pod.rs` does not
//! cover: extended resources (`ValidateResourceRequirements`,
//! `ValidateResourceQuantityValue`), what a plain init container may not
//! have (`validateInitContainers`), and the pod's `fsGroupChangePolicy`
//! (`validateFSGroupChangePolicy`). Run over every pod template, with the
//! scheduling rules of `affinity.rs`.

use serde_json::Value;

use super::{Sink, arr, map, quantity, str_of};

/// The pod spec of a workload object and its field path, if it has one.
fn pod_spec<'v>(v: &'v Value, kind: &str) -> Option<(&'static str, &'v Value)> {
    let (path, spec) = match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            ("spec.template.spec", &v["spec"]["template"]["spec"])
        }
        "CronJob" => (
            "spec.jobTemplate.spec.template.spec",
            &v["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        ),
        "Pod" => ("spec", &v["spec"]),
        _ => return None,
    };
    spec.is_object().then_some((path, spec))
}

/// Every rule of this file over the object's pod template, if any.
pub(crate) fn check(s: &mut Sink, v: &Value, kind: &str) {
    let Some((path, spec)) = pod_spec(v, kind) else {
        return;
    };
    fs_group_change(s, path, spec);
    super::affinity::check(s, path, spec);
    for list in ["containers", "initContainers"] {
        for (i, c) in arr(&spec[list]).iter().enumerate() {
            let cp = format!("{path}.{list}[{i}]");
            extended(s, &cp, &c["resources"]);
            let sidecar = str_of(&c["restartPolicy"]) == Some("Always");
            if list == "initContainers" && !sidecar {
                plain_init(s, &cp, c);
            }
        }
    }
}

/// `IsNativeResource`: no domain, or the `kubernetes.io` one.
fn native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// `validateInitContainers`: an init container that runs to completion has
/// no lifecycle hooks and no probes (a sidecar, `restartPolicy: Always`, may).
fn plain_init(s: &mut Sink, cp: &str, c: &Value) {
    for field in [
        "lifecycle",
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
    ] {
        if !c[field].is_null() {
            s.refuse(
                "validateInitContainers (Forbidden)",
                format!("{cp}.{field}"),
                None,
                "may not be set for init containers without restartPolicy=Always",
                "remove it, or make the container a sidecar (`[[…sidecars]]` in site.toml)",
            );
        }
    }
}

/// Extended resources (a domain outside `kubernetes.io`) are whole numbers
/// and cannot be overcommitted: a request needs a limit, and equals it.
fn extended(s: &mut Sink, cp: &str, r: &Value) {
    let limits = map(&r["limits"]);
    for section in ["limits", "requests"] {
        let Some(m) = map(&r[section]) else { continue };
        for (name, q) in m.iter().filter(|(n, _)| !native(n)) {
            let rp = format!("{cp}.resources.{section}[{name}]");
            let Ok(v) = quantity::from_json(q) else {
                continue; // pod.rs reports what does not parse
            };
            if !v.is_integer() {
                s.refuse(
                    "ValidateResourceQuantityValue (IsIntegerResourceName)",
                    rp,
                    q.as_str(),
                    "must be an integer",
                    format!("ask for a whole number of `{name}` in site.toml"),
                );
                continue;
            }
            if section == "limits" {
                continue;
            }
            match limits.and_then(|l| l.get(name)) {
                None => s.refuse(
                    "ValidateResourceRequirements (Required)",
                    format!("{cp}.resources.limits"),
                    None,
                    format!("Limit must be set for non overcommitable resources ({name})"),
                    format!("set `limits.\"{name}\"` (the request defaults to it)"),
                ),
                Some(l) => {
                    let equal = quantity::from_json(l).is_ok_and(|l| l.compare(&v).is_eq());
                    if !equal {
                        s.refuse(
                            "ValidateResourceRequirements (IsOvercommitAllowed)",
                            rp,
                            q.as_str(),
                            format!("must be equal to {name} limit of {l}"),
                            format!("set only `limits.\"{name}\"`; the request defaults to it"),
                        );
                    }
                }
            }
        }
    }
}

/// `validateFSGroupChangePolicy`: `OnRootMismatch` or `Always`.
fn fs_group_change(s: &mut Sink, path: &str, spec: &Value) {
    let p = str_of(&spec["securityContext"]["fsGroupChangePolicy"]);
    if let Some(p) = p.filter(|p| !matches!(*p, "OnRootMismatch" | "Always")) {
        s.refuse(
            "validateFSGroupChangePolicy (NotSupported)",
            format!("{path}.securityContext.fsGroupChangePolicy"),
            Some(p),
            format!("`{p}` is not a policy (OnRootMismatch, Always)"),
            "use `fs_group_change = \"on-root-mismatch\"` or `\"always\"` in site.toml",
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{deployment, found};

    fn rules(pod: serde_json::Value) -> Vec<(String, &'static str)> {
        found(&deployment(pod))
    }

    const C: &str = "spec.template.spec.containers[0]";

    #[test]
    fn extended_resources_are_whole_and_not_overcommitted() {
        let ok = rules(json!({ "containers": [{ "name": "a", "image": "i:1",
            "resources": { "limits": { "gpu.intel.com/i915": 1 },
                           "requests": { "gpu.intel.com/i915": "1", "cpu": "100m" } } }] }));
        assert_eq!(ok, vec![]);
        let bad = rules(json!({ "containers": [{ "name": "a", "image": "i:1",
            "resources": { "limits": { "gpu.intel.com/i915": "500m", "example.com/dongle": 2 },
                           "requests": { "example.com/dongle": 1, "example.com/fpga": 1 } } }] }));
        let has = |path: String, rule: &str| {
            assert!(
                bad.iter().any(|(p, r)| *p == path && r.contains(rule)),
                "no {rule} at {path}: {bad:#?}"
            );
        };
        has(
            format!("{C}.resources.limits[gpu.intel.com/i915]"),
            "IsIntegerResourceName",
        );
        has(
            format!("{C}.resources.requests[example.com/dongle]"),
            "IsOvercommitAllowed",
        );
        has(format!("{C}.resources.limits"), "Required");
        assert_eq!(bad.len(), 3, "{bad:#?}");
    }

    #[test]
    fn plain_init_containers_have_no_probes_and_policies_are_known() {
        let found = rules(json!({
            "securityContext": { "fsGroup": 1, "fsGroupChangePolicy": "Sometimes" },
            "containers": [{ "name": "a", "image": "i:1" }],
            "initContainers": [
                { "name": "b", "image": "i:1", "readinessProbe": { "exec": { "command": ["true"] } } },
                { "name": "c", "image": "i:1", "restartPolicy": "Always",
                  "readinessProbe": { "exec": { "command": ["true"] } } }
            ]
        }));
        assert_eq!(
            found,
            vec![
                (
                    "spec.template.spec.securityContext.fsGroupChangePolicy".to_string(),
                    "validateFSGroupChangePolicy (NotSupported)"
                ),
                (
                    "spec.template.spec.initContainers[0].readinessProbe".to_string(),
                    "validateInitContainers (Forbidden)"
                ),
            ]
        );
    }
}
