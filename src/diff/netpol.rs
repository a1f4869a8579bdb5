//! The network-policy half of the intent summary: namespaces a change
//! isolates or opens, and allows it adds or removes, read from the plans'
//! NetworkPolicies (each allow carries the reason the plan gave it).

use std::collections::BTreeSet;

use crate::plan::Plan;

/// Namespaces with a `default-deny` policy.
fn isolated(p: &Plan) -> BTreeSet<String> {
    p.services
        .iter()
        .flat_map(|s| &s.network_policies)
        .filter(|n| n.name == "default-deny")
        .map(|n| n.namespace.to_string())
        .collect()
}

/// `namespace/policy: reason` of every allow of a workload or service.
fn allows(p: &Plan) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for n in p.services.iter().flat_map(|s| &s.network_policies) {
        if n.name.ends_with("-pods") || n.name.ends_with("-service") {
            for why in &n.reasons {
                out.insert(format!("{}/{}: {why}", n.namespace, n.name));
            }
        }
    }
    out
}

/// What changed: (now isolated, no longer isolated, allows added, allows removed).
pub(super) type Changes = (Vec<String>, Vec<String>, Vec<String>, Vec<String>);

pub(super) fn changes(base: Option<&Plan>, head: &Plan) -> Changes {
    let (ia, ib) = (base.map(isolated).unwrap_or_default(), isolated(head));
    let (aa, ab) = (base.map(allows).unwrap_or_default(), allows(head));
    (
        ib.difference(&ia).cloned().collect(),
        ia.difference(&ib).cloned().collect(),
        ab.difference(&aa).cloned().collect(),
        aa.difference(&ab).cloned().collect(),
    )
}
