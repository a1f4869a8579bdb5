//! HL104: node-level privileges nobody explained.
//!
//! ## What it does
//! A workload is privileged, uses the host network or adds capabilities (in
//! any of its containers) without saying why.
//!
//! ## Why
//! These settings give a container the node. Each should be a recorded
//! decision.
//!
//! ## Example
//! ```toml
//! [services.homebridge.workloads.homebridge]
//! kind = "deployment"
//! image = "homebridge/homebridge:2024-05-02"
//! host_network = true   # no `security.reason`
//! ```
//!
//! ## Fix
//! Set `security.reason = "…"` on the workload, or drop the privilege.


use super::{Check, Code};
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for (s, w) in cx.workloads() {
        let secs = || w.containers().filter_map(|c| c.security.as_ref());
        let privileged = secs().any(|s| s.privileged);
        let mut caps: Vec<&str> = secs()
            .flat_map(|s| s.add.iter().map(String::as_str))
            .collect();
        caps.sort_unstable();
        caps.dedup();
        if !(privileged || w.host_network || !caps.is_empty()) || w.security_reason.is_some() {
            continue;
        }
        let mut what = Vec::new();
        if privileged {
            what.push("privileged".to_string());
        }
        if w.host_network {
            what.push("host network".to_string());
        }
        if !caps.is_empty() {
            what.push(format!("capabilities {}", caps.join(", ")));
        }
        let what = format_args!("uses {} without a reason", what.join(", "));
        out.workload(Code::PrivilegeWithoutReason, (s, w), what);
    }
}
