//! The LAN half of the intent summary: ports a change puts on the LAN (or
//! moves to another address), read from the plans' `<workload>-lan` Services.

use std::collections::BTreeMap;

use crate::plan::Plan;

/// `service/workload:port` → where a LAN client reaches it.
fn on_lan(p: &Plan) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for s in &p.services {
        for w in &s.workloads {
            let Some(lan) = &w.lan else { continue };
            for port in &lan.ports {
                let key = format!("{}/{}:{}", s.name, w.name, port.port.name);
                out.insert(key, lan.reached_at(port));
            }
        }
    }
    out
}

/// Ports reachable from the LAN in `head` and not (or elsewhere) in `base`,
/// each with where it is reached.
pub(super) fn now_on_lan(base: Option<&Plan>, head: &Plan) -> Vec<(String, String)> {
    let before = base.map(on_lan).unwrap_or_default();
    on_lan(head)
        .into_iter()
        .filter(|(k, at)| before.get(k) != Some(at))
        .collect()
}
