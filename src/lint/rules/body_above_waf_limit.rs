//! HL205: an ingress allows bodies the WAF refuses.
//!
//! ## What it does
//! An ingress's `body_size` is larger than ModSecurity's request body limit.
//!
//! ## Why
//! With the WAF on, ModSecurity reads the whole request body first and answers
//! 413 past `SecRequestBodyLimit` (hearth's ingress-nginx values set 300 MB),
//! whatever `proxy-body-size` allows: uploads between the two sizes fail with
//! no hint in the app.
//!
//! ## Example
//! ```toml
//! [services.photos.ingresses.photos]
//! public = true
//! body_size = "2g"
//! ```
//!
//! ## Fix
//! Lower `body_size` to the WAF limit, or raise `SecRequestBodyLimit` in the
//! ingress-nginx chart's `controller.config.modsecurity-snippet`.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};
use crate::plan::Capability;

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    let Some(limit) = cx
        .plan
        .provider(Capability::Ingress)
        .and_then(|s| s.helm.as_ref())
        .and_then(|h| crate::plan::helm::waf_body_limit(&h.values))
    else {
        return;
    };
    for (s, i) in cx.ingresses() {
        // 0 is "no limit" to nginx: the WAF's limit is then the real one.
        let Some(body) = i.body_limit.filter(|b| *b == 0 || *b > limit) else {
            continue;
        };
        let shown = if body == 0 {
            "no limit".to_string()
        } else {
            format!("{body} bytes")
        };
        let what = format_args!(
            "allows bodies of {shown}, but ModSecurity refuses bodies over {limit} bytes"
        );
        out.ingress(Code::BodyAboveWafLimit, (s, i), what);
    }
}
