//! HL103: an image tag that floats.

use super::{Builtin, Code};
use crate::diag::Severity;
use crate::lint::rule::{Context, Sink, allow};

pub static RULE: Builtin = Builtin {
    name: "image-latest",
    severity: Severity::Error,
    summary: "A container image uses the `latest` tag.",
    why: "`latest` floats: the cluster runs whatever was pushed last, not what Git says, and a restore brings back a different version.",
    example: r#"[services.app.workloads.web]
kind = "deployment"
image = "nginx:latest"
"#,
    fix: "Pin a version tag or a digest.",
    check: Some(check),
};

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for s in &cx.plan.services {
        for w in &s.workloads {
            if w.container
                .image
                .rsplit('/')
                .next()
                .and_then(|l| l.split_once(':'))
                .is_some_and(|(_, t)| t == "latest")
            {
                out.at(
                    Code::ImageLatest,
                    format!(
                        "workload `{}/{}` runs `{}`",
                        s.name, w.name, w.container.image
                    ),
                    w.span.clone(),
                    allow(s, &w.allow),
                );
            }
        }
    }
}
