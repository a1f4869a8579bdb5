//! HL201: a workload the scheduler cannot size.

use super::{Builtin, Code};
use crate::diag::Severity;
use crate::lint::rule::{Context, Sink, allow};

pub static RULE: Builtin = Builtin {
    name: "missing-resources",
    severity: Severity::Warning,
    summary: "A workload has no CPU/memory requests or limits.",
    why: "On a Raspberry Pi, one runaway container starves every other; without requests the scheduler packs blindly.",
    example: r#"[services.app.workloads.web]
kind = "deployment"
image = "nginx:1.27.0"   # no `resources`
"#,
    fix: "Set `resources = { requests = { cpu, memory }, limits = { cpu, memory } }`.",
    check: Some(check),
};

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for s in &cx.plan.services {
        for w in &s.workloads {
            let res = w.container.resources.as_ref();
            let has = |k: &str| {
                res.map(|r| if k == "requests" { &r.requests } else { &r.limits })
                    .is_some_and(|q| q.cpu.is_some() && q.memory.is_some())
            };
            if !has("requests") || !has("limits") {
                out.at(
                    Code::MissingResources,
                    format!(
                        "workload `{}/{}` lacks CPU/memory {}",
                        s.name,
                        w.name,
                        if has("requests") {
                            "limits"
                        } else if has("limits") {
                            "requests"
                        } else {
                            "requests and limits"
                        }
                    ),
                    w.span.clone(),
                    allow(s, &w.allow),
                );
            }
        }
    }
}
