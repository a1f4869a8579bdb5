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
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for (s, i) in cx.ingresses().filter(|(_, i)| i.auth.is_none()) {
        let ui = if s.capabilities.contains(&Capability::Longhorn) {
            "Longhorn"
        } else if s.capabilities.contains(&Capability::Metrics) {
            "metrics"
        } else {
            continue;
        };
        let what = format_args!("exposes the {ui} UI without authentication");
        out.ingress(Code::AdminUiWithoutAuth, (s, i), what);
    }
}
