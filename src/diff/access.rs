//! The access half of the intent summary: who an ingress answers (auth, and
//! the networks it is limited to), before and after a change.

use std::collections::BTreeMap;

use crate::plan::{Ingress, Plan};

/// Who an ingress answers, in words.
fn access(i: &Ingress) -> String {
    let who = match i.auth.as_deref() {
        Some(a) => format!("{a} auth"),
        None if i.public => "public".to_string(),
        None => "no auth".to_string(),
    };
    if i.networks.is_empty() {
        who
    } else {
        let nets: Vec<&str> = i.networks.iter().map(|n| n.as_str()).collect();
        format!("{who}, only from {}", nets.join(", "))
    }
}

fn by_ingress(p: &Plan) -> BTreeMap<String, String> {
    p.services
        .iter()
        .flat_map(|s| {
            s.ingresses
                .iter()
                .map(move |i| (format!("{}/{}", s.name, i.name), access(i)))
        })
        .collect()
}

/// `service/ingress` present in both plans whose access changed: before, after.
pub(super) fn changed(base: Option<&Plan>, head: &Plan) -> Vec<(String, String, String)> {
    let before = base.map(by_ingress).unwrap_or_default();
    by_ingress(head)
        .into_iter()
        .filter_map(|(k, now)| {
            let was = before.get(&k)?;
            (*was != now).then(|| (k, was.clone(), now))
        })
        .collect()
}
