//! HL202: a long-running workload that never says it is ready.

use crate::plan::{Origin, WorkloadKind};
use super::{Builtin, Code};
use crate::diag::Severity;
use crate::lint::rule::{Context, Sink, allow};

pub static RULE: Builtin = Builtin {
    name: "missing-probes",
    severity: Severity::Warning,
    summary: "A long-running workload has no readiness probe.",
    why: "Without probes, traffic reaches pods that are still starting and a hung process is never restarted.",
    example: r#"[services.app.workloads.web]
kind = "deployment"
image = "nginx:1.27.0"
ports.http = { port = 8080 }   # no `probes.readiness`
"#,
    fix: "Add `probes.readiness` (and `probes.liveness`) with an HTTP path, a TCP port or a command.",
    check: Some(check),
};

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for s in &cx.plan.services {
        for w in &s.workloads {
            if w.kind != WorkloadKind::CronJob
                && w.origin == Origin::Site
                && w.container.readiness.is_none()
            {
                out.at(
                    Code::MissingProbes,
                    format!("workload `{}/{}` has no readiness probe", s.name, w.name),
                    w.span.clone(),
                    allow(s, &w.allow),
                );
            }
        }
    }
}
