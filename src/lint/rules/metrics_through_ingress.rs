//! HL105: metrics reachable from the internet through an ingress.
//!
//! ## What it does
//! An ingress routes to a workload's metrics port without denying `/metrics`.
//!
//! ## Why
//! Metrics leak internals (versions, paths, client counts) to the internet.
//!
//! ## Example
//! ```toml
//! [services.app.workloads.web]
//! ports.http = { port = 8080, service = 80 }
//! metrics = { port = "http" }
//! [services.app.ingresses.web]
//! public = true
//! deny_paths = []   # the default denies `/metrics`
//! ```
//!
//! ## Fix
//! Keep `/metrics` in the ingress's `deny_paths` (the default), or route to
//! another port.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for (s, i) in cx.ingresses() {
        if i.routes_metrics_port && !i.deny_paths.iter().any(|p| p == "/metrics") {
            let what = "routes to a metrics port and does not deny `/metrics`";
            out.ingress(Code::MetricsThroughIngress, (s, i), what);
        }
    }
}
