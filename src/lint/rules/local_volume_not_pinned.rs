//! HL203: a pod that can only start on one node, free to land on another.

use crate::plan::{VolumeKind};
use super::{Builtin, Code};
use crate::diag::Severity;
use crate::lint::rule::{Context, Sink, allow};

pub static RULE: Builtin = Builtin {
    name: "local-volume-not-pinned",
    severity: Severity::Warning,
    summary: "A workload mounts a node-local volume without being pinned to that node.",
    why: "The pod can only start where the folder is; unpinned, it waits in Pending after every reschedule elsewhere.",
    example: r#"[services.app.volumes.data]
kind = "local"
node = "pi1"
path = "/srv/data"
size = "1Gi"
[services.app.workloads.web]
kind = "deployment"
image = "nginx:1.27.0"
mounts = [{ path = "/data", volume = "data" }]   # no `node = "pi1"`
"#,
    fix: "Set `node = \"<the volume's node>\"` on the workload.",
    check: Some(check),
};

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for s in &cx.plan.services {
        for w in &s.workloads {
            for (_, v) in cx.plan.mounted_volumes(s, w) {
                if v.kind == VolumeKind::Local && w.node != v.node {
                    let node = v.node.as_ref().map(|n| n.to_string()).unwrap_or_default();
                    out.at(
                        Code::LocalVolumeNotPinned,
                        format!(
                            "workload `{}/{}` mounts local volume `{}` on node `{node}` but is not pinned there",
                            s.name, w.name, v.name
                        ),
                        w.span.clone(),
                        allow(s, &w.allow),
                    );
                }
            }
        }
    }
}
