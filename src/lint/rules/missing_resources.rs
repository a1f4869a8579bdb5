//! HL201: a workload the scheduler cannot size.
//!
//! ## What it does
//! A container of a workload (the main one, an init container or a sidecar)
//! has no CPU/memory requests or limits.
//!
//! ## Why
//! On a Raspberry Pi, one runaway container starves every other; without
//! requests the scheduler packs blindly.
//!
//! ## Example
//! ```toml
//! [services.app.workloads.web]
//! kind = "deployment"
//! image = "nginx:1.27.0"   # no `resources`
//! ```
//!
//! ## Fix
//! Set `resources = { requests = { cpu, memory }, limits = { cpu, memory } }`.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};
use crate::plan::{Container, Service, Workload};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for (s, w) in cx.workloads() {
        for c in w.containers() {
            check_container(out, (s, w), c);
        }
    }
}

/// One container's finding: "container `x` lacks …" (the main container's
/// reads as the workload's).
fn check_container<'p>(out: &mut Sink<'p>, (s, w): (&'p Service, &'p Workload), c: &Container) {
    let res = c.resources.as_ref();
    let has = |k: &str| {
        res.map(|r| if k == "requests" { &r.requests } else { &r.limits })
            .is_some_and(|q| q.cpu.is_some() && q.memory.is_some())
    };
    let lacks = match (has("requests"), has("limits")) {
        (true, true) => return,
        (true, false) => "limits",
        (false, true) => "requests",
        (false, false) => "requests and limits",
    };
    out.workload(
        Code::MissingResources,
        (s, w),
        format_args!("{}lacks CPU/memory {lacks}", w.which(c)),
    );
}
