//! HL102: an admin UI without a login of its own, exposed without one.

use crate::plan::{Capability};
use super::{Builtin, Code};
use crate::diag::Severity;
use crate::lint::rule::{Context, Sink, allow};

pub static RULE: Builtin = Builtin {
    name: "admin-ui-without-auth",
    severity: Severity::Error,
    summary: "The UI of Prometheus or Longhorn is exposed without authentication.",
    why: "Neither has a login of its own: anyone could read every metric, or delete every volume and backup.",
    example: r#"[services.prometheus]
provides = ["metrics"]
[services.prometheus.ingresses.web]
public = true   # no `auth`
"#,
    fix: "Set `auth = \"basic\"` and `auth_secret` on the ingress.",
    check: Some(check),
};

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for s in &cx.plan.services {
        let admin = s
            .capabilities
            .iter()
            .any(|c| matches!(c, Capability::Longhorn | Capability::Metrics));
        if !admin {
            continue;
        }
        for i in s.ingresses.iter().filter(|i| i.auth.is_none()) {
            out.at(
                Code::AdminUiWithoutAuth,
                format!(
                    "ingress `{}/{}` exposes the {} UI without authentication",
                    s.name,
                    i.name,
                    if s.capabilities.contains(&Capability::Longhorn) {
                        "Longhorn"
                    } else {
                        "metrics"
                    }
                ),
                i.span.clone(),
                allow(s, &i.allow),
            );
        }
    }
}
