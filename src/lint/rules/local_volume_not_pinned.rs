//! HL203: a pod that can only start on one node, free to land on another.
//!
//! ## What it does
//! A workload mounts a node-local volume without being pinned to that node.
//!
//! ## Why
//! The pod can only start where the folder is; unpinned, it waits in Pending
//! after every reschedule elsewhere.
//!
//! ## Example
//! ```toml
//! [services.app.volumes.data]
//! kind = "local"
//! node = "pi1"
//! path = "/srv/data"
//! size = "1Gi"
//! [services.app.workloads.web]
//! kind = "deployment"
//! image = "nginx:1.27.0"
//! mounts = [{ path = "/data", volume = "data" }]   # no `node = "pi1"`
//! ```
//!
//! ## Fix
//! Set `node = "<the volume's node>"` on the workload.

use crate::plan::{VolumeKind};
use super::{Check, Code};
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for (s, w) in cx.workloads() {
        for (_, v) in cx.plan.mounted_volumes(s, w) {
            if v.kind == VolumeKind::Local && w.node != v.node {
                let node = v.node.as_ref().map(|n| n.to_string()).unwrap_or_default();
                let what = format_args!(
                    "mounts local volume `{}` on node `{node}` but is not pinned there",
                    v.name
                );
                out.workload(Code::LocalVolumeNotPinned, (s, w), what);
            }
        }
    }
}
