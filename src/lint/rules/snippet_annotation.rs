//! HL110: raw nginx configuration passed through an ingress annotation.
//!
//! ## What it does
//! An ingress's `annotations` sets one of ingress-nginx's snippet annotations
//! (`configuration-snippet`, `auth-snippet`, `stream-snippet`; hearth writes
//! `server-snippet` and `modsecurity-snippet` itself and refuses them there).
//!
//! ## Why
//! A snippet is pasted into nginx's configuration unchecked. Whoever can write
//! one can read every Secret the controller can (CVE-2021-25742) or switch off
//! the WAF for a host; ingress-nginx refuses them by default since 1.9
//! (`allow-snippet-annotations: false`). hearth's chart preset allows them
//! only for the snippets hearth writes itself from checked settings
//! (`deny_paths`, `redirects`, `waf_exclusions`).
//!
//! ## Example
//! ```toml
//! [services.app.ingresses.web]
//! public = true
//! annotations = { "nginx.ingress.kubernetes.io/configuration-snippet" = "more_set_headers \"X: y\";" }
//! ```
//!
//! ## Fix
//! Use the ingress setting that says the same thing (`deny_paths`,
//! `redirects`, `waf_exclusions`), a non-snippet annotation, or excuse the
//! ingress with `allow = [{ rule = "HL110", reason = "..." }]`.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for (s, i) in cx.ingresses() {
        for k in &i.passthrough {
            if let Some(a) = k.strip_prefix("nginx.ingress.kubernetes.io/")
                && a.ends_with("-snippet")
            {
                out.ingress(
                    Code::SnippetAnnotation,
                    (s, i),
                    format_args!("passes raw nginx configuration through `{k}`"),
                );
            }
        }
    }
}
