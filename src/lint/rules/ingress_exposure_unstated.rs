//! HL101: an ingress on the internet by accident.
//!
//! ## What it does
//! An ingress is neither `public = true`, nor protected by `auth`, nor
//! limited to `networks` of `[site.networks]`.
//!
//! ## Why
//! Everything behind the ingress controller is on the internet. Saying so
//! explicitly, or putting authentication in front, is the difference between a
//! decision and an accident.
//!
//! ## Example
//! ```toml
//! [services.app.ingresses.web]
//! rate_limit = "standard"   # neither `public = true` nor `auth`
//! ```
//!
//! ## Fix
//! Set `auth = "basic"` with `auth_secret` (or `auth = "forward"` with
//! `auth_url`), `networks = ["lan"]` for a LAN-only ingress, or `public = true`
//! when the application has its own login.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for (s, i) in cx.ingresses() {
        if !i.public && i.auth.is_none() && i.networks.is_empty() {
            let what = format_args!("({}) is neither public nor authenticated", i.hosts.join(", "));
            out.ingress(Code::IngressExposureUnstated, (s, i), what);
        }
    }
}
