//! HL109: a port on the LAN nobody explained.
//!
//! ## What it does
//! A workload port has `expose` (a LoadBalancer or NodePort Service) but no
//! `expose_reason`.
//!
//! ## Why
//! A LAN-exposed port skips the ingress controller: no TLS, no
//! authentication, no rate limit, no WAF. Every device on the network
//! (guests, the smart TV, a compromised laptop) reaches it directly. Saying
//! why keeps the exposure a decision someone can review.
//!
//! ## Example
//! ```toml
//! [services.mqtt.workloads.broker]
//! kind = "deployment"
//! image = "eclipse-mosquitto:2.0.18"
//! ports.mqtt = { port = 1883, service = 1883, expose = "load-balancer" }   # no `expose_reason`
//! ```
//!
//! ## Fix
//! Add `expose_reason = "…"` to the port (e.g. "sensors on the LAN speak
//! MQTT only"), or drop `expose` and reach the port through an ingress or
//! from inside the cluster.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink, allow};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for (s, w) in cx.workloads() {
        let Some(lan) = &w.lan else { continue };
        for p in lan.ports.iter().filter(|p| p.reason.is_none()) {
            out.at(
                Code::LanExposureUnstated,
                format!(
                    "port `{}` of workload `{}/{}` is reachable on the LAN at {} without an `expose_reason`",
                    p.port.name,
                    s.name,
                    w.name,
                    lan.reached_at(p)
                ),
                p.span.clone(),
                allow(s, &w.allow),
            );
        }
    }
}
