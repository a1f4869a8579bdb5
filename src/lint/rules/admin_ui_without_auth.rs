//! HL102: an admin UI without a login of its own, exposed without one.
//!
//! ## What it does
//! The UI of Prometheus or Longhorn is exposed without authentication.
//!
//! ## Why
//! Neither has a login of its own: anyone could read every metric, or delete
//! every volume and backup.
//!
//! ## Example
//! ```toml
//! [services.prometheus]
//! provides = ["metrics"]
//! [services.prometheus.ingresses.web]
//! public = true   # no `auth`
//! ```
//!
//! ## Fix
//! Set `auth = "basic"` and `auth_secret` on the ingress.

use crate::plan::{Capability};
use super::{Check, Code};
use crate::lint::rule::{Context, Sink, allow};

pub(super) const CHECK: Option<Check> = Some(check);

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
