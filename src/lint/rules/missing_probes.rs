//! HL202: a long-running workload that never says it is ready.
//!
//! ## What it does
//! A long-running workload has no readiness probe.
//!
//! ## Why
//! Without probes, traffic reaches pods that are still starting and a hung
//! process is never restarted.
//!
//! ## Example
//! ```toml
//! [services.app.workloads.web]
//! kind = "deployment"
//! image = "nginx:1.27.0"
//! ports.http = { port = 8080 }   # no `probes.readiness`
//! ```
//!
//! ## Fix
//! Add `probes.readiness` (and `probes.liveness`) with an HTTP path, a TCP port
//! or a command.

use crate::plan::{Origin, WorkloadKind};
use super::{Check, Code};
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for (s, w) in cx.workloads() {
        if w.kind != WorkloadKind::CronJob
            && w.origin == Origin::Site
            && w.container.readiness.is_none()
        {
            out.workload(Code::MissingProbes, (s, w), "has no readiness probe");
        }
    }
}
