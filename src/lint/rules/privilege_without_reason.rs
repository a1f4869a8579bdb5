//! HL104: node-level privileges nobody explained.


use super::{Builtin, Code};
use crate::diag::Severity;
use crate::lint::rule::{Context, Sink, allow};

pub static RULE: Builtin = Builtin {
    name: "privilege-without-reason",
    severity: Severity::Warning,
    summary: "A workload is privileged, uses the host network or adds capabilities without saying why.",
    why: "These settings give a container the node. Each should be a recorded decision.",
    example: r#"[services.homebridge.workloads.homebridge]
kind = "deployment"
image = "homebridge/homebridge:2024-05-02"
host_network = true   # no `security.reason`
"#,
    fix: "Set `security.reason = \"…\"` on the workload, or drop the privilege.",
    check: Some(check),
};

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for s in &cx.plan.services {
        for w in &s.workloads {
            let sec = w.container.security.as_ref();
            let privileged = sec.is_some_and(|s| s.privileged);
            let caps: Vec<&str> = sec
                .map(|s| s.add.iter().map(String::as_str).collect())
                .unwrap_or_default();
            if (privileged || w.host_network || !caps.is_empty()) && w.security_reason.is_none() {
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
                out.at(
                    Code::PrivilegeWithoutReason,
                    format!(
                        "workload `{}/{}` uses {} without a reason",
                        s.name,
                        w.name,
                        what.join(", ")
                    ),
                    w.span.clone(),
                    allow(s, &w.allow),
                );
            }
        }
    }
}
