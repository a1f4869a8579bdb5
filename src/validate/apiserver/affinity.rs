//! Node affinity and topology spread of a pod template, as
//! `pkg/apis/core/validation` checks them: `validateNodeSelectorRequirement`
//! (a qualified label key; values exactly when the operator compares them),
//! `validatePreferredSchedulingTerms` (weights 1-100) and
//! `validateTopologySpreadConstraints` (maxSkew > 0, a qualified topology
//! key, a known whenUnsatisfiable).

use serde_json::Value;

use super::{Sink, arr, names, str_of};

/// Every rule of this file over the pod spec at `path`.
pub(crate) fn check(s: &mut Sink, path: &str, spec: &Value) {
    let na = &spec["affinity"]["nodeAffinity"];
    let required = &na["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"];
    let rp = format!(
        "{path}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
    );
    for (i, term) in arr(required).iter().enumerate() {
        term_rules(s, &format!("{rp}[{i}]"), term);
    }
    let pp =
        format!("{path}.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution");
    for (i, p) in arr(&na["preferredDuringSchedulingIgnoredDuringExecution"])
        .iter()
        .enumerate()
    {
        let w = p["weight"].as_i64().unwrap_or(0);
        if !(1..=100).contains(&w) {
            s.refuse(
                "validatePreferredSchedulingTerms",
                format!("{pp}[{i}].weight"),
                None,
                format!("{w} must be in the range 1-100"),
                "give the preferred rule a `weight` from 1 to 100 in site.toml",
            );
        }
        term_rules(s, &format!("{pp}[{i}].preference"), &p["preference"]);
    }
    for (i, c) in arr(&spec["topologySpreadConstraints"]).iter().enumerate() {
        spread(s, &format!("{path}.topologySpreadConstraints[{i}]"), c);
    }
}

fn term_rules(s: &mut Sink, tp: &str, term: &Value) {
    for (j, e) in arr(&term["matchExpressions"]).iter().enumerate() {
        let ep = format!("{tp}.matchExpressions[{j}]");
        let key = str_of(&e["key"]).unwrap_or("");
        check!(
            s,
            "validateNodeSelectorRequirement (ValidateLabelName)",
            format!("{ep}.key"),
            key,
            names::qualified_name(key),
            "use a node label key such as `hearth.dev/disk`",
        );
        let op = str_of(&e["operator"]).unwrap_or("");
        let values = arr(&e["values"]).len();
        let problem = match op {
            "In" | "NotIn" if values == 0 => {
                Some("must be specified when `operator` is 'In' or 'NotIn'")
            }
            "Exists" | "DoesNotExist" if values > 0 => {
                Some("may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
            }
            "Gt" | "Lt" if values != 1 => {
                Some("must be specified single value when `operator` is 'Lt' or 'Gt'")
            }
            "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt" => None,
            _ => {
                s.refuse(
                    "validateNodeSelectorRequirement (NotSupported)",
                    format!("{ep}.operator"),
                    Some(op),
                    format!("`{op}` is not a node selector operator"),
                    "use in, not-in, exists or does-not-exist in site.toml",
                );
                None
            }
        };
        if let Some(msg) = problem {
            s.refuse(
                "validateNodeSelectorRequirement",
                format!("{ep}.values"),
                None,
                msg,
                "give `values` to in/not-in rules only",
            );
        }
    }
}

fn spread(s: &mut Sink, cp: &str, c: &Value) {
    let skew = c["maxSkew"].as_i64().unwrap_or(0);
    if skew <= 0 {
        s.refuse(
            "validateTopologySpreadConstraints (ValidatePositiveField)",
            format!("{cp}.maxSkew"),
            None,
            format!("{skew} must be greater than zero"),
            "set `max_skew` to 1 or more in site.toml",
        );
    }
    if let Some(key) = s.required(
        "validateTopologySpreadConstraints (Required)",
        format!("{cp}.topologyKey"),
        &c["topologyKey"],
        "can not be empty",
        "name the node label of a domain, e.g. `kubernetes.io/hostname`",
    ) {
        check!(
            s,
            "validateTopologySpreadConstraints (ValidateLabelName)",
            format!("{cp}.topologyKey"),
            key,
            names::qualified_name(key),
            "name the node label of a domain, e.g. `kubernetes.io/hostname`",
        );
    }
    let when = str_of(&c["whenUnsatisfiable"]).unwrap_or("");
    if !matches!(when, "DoNotSchedule" | "ScheduleAnyway") {
        s.refuse(
            "validateTopologySpreadConstraints (NotSupported)",
            format!("{cp}.whenUnsatisfiable"),
            Some(when),
            format!("`{when}` is not DoNotSchedule or ScheduleAnyway"),
            "use do-not-schedule or schedule-anyway in site.toml",
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{deployment, found};

    #[test]
    fn affinity_and_spread_follow_the_api_servers_rules() {
        let pod = json!({
            "containers": [{ "name": "a", "image": "i:1" }],
            "affinity": { "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": { "nodeSelectorTerms": [{ "matchExpressions": [
                    { "key": "disk", "operator": "In", "values": ["ssd"] },
                    { "key": "bad key", "operator": "Exists" },
                    { "key": "gpu", "operator": "In" }
                ] }] },
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    { "weight": 0, "preference": { "matchExpressions": [{ "key": "x", "operator": "Exists", "values": ["y"] }] } }
                ]
            } },
            "topologySpreadConstraints": [
                { "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway" },
                { "maxSkew": 0, "topologyKey": "", "whenUnsatisfiable": "Sometimes" }
            ]
        });
        let mut found: Vec<String> = found(&deployment(pod))
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        found.sort();
        let s = "spec.template.spec";
        let req = format!(
            "{s}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions"
        );
        let pref =
            format!("{s}.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]");
        let mut want = vec![
            format!("{req}[1].key"),
            format!("{req}[2].values"),
            format!("{pref}.weight"),
            format!("{pref}.preference.matchExpressions[0].values"),
            format!("{s}.topologySpreadConstraints[1].maxSkew"),
            format!("{s}.topologySpreadConstraints[1].topologyKey"),
            format!("{s}.topologySpreadConstraints[1].whenUnsatisfiable"),
        ];
        want.sort();
        assert_eq!(found, want);
    }
}
