//! HL206: a WebDAV application behind the OWASP CRS without its exclusions.
//!
//! ## What it does
//! A WebDAV application (Nextcloud, ownCloud, Radicale, …) sits behind the
//! OWASP CRS without an exclusion for WebDAV methods.
//!
//! ## Why
//! The CRS allows only GET, HEAD, POST and OPTIONS by default (rule 911100):
//! sync clients' PROPFIND, MKCOL, MOVE and LOCK requests get 403, and files
//! stop syncing while the web page still works.
//!
//! ## Example
//! ```toml
//! [services.cloud.workloads.nextcloud]
//! kind = "deployment"
//! image = "nextcloud:29.0.3"
//! [services.cloud.ingresses.cloud]
//! public = true
//! ```
//!
//! ## Fix
//! Add `waf_exclusions = [911100]` to the ingress (and the app's own CRS
//! exclusions if it has them), or keep the warning with an exception that says
//! why.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};
use crate::plan::Capability;

/// Images of applications whose clients speak WebDAV (file sync, calendars,
/// contacts), by a fragment of the image name.
const WEBDAV_APPS: [&str; 7] = [
    "nextcloud",
    "owncloud",
    "seafile",
    "radicale",
    "baikal",
    "sftpgo",
    "webdav",
];

/// CRS 3.3 rule 911100 refuses methods outside `tx.allowed_methods` (GET, HEAD,
/// POST, OPTIONS by default): PROPFIND, MKCOL, MOVE, COPY, LOCK are blocked.
const METHOD_RULE: u32 = 911100;

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    let waf = cx
        .plan
        .provider(Capability::Ingress)
        .and_then(|s| s.helm.as_ref())
        .is_some_and(|h| {
            h.values["controller"]["config"]["enable-modsecurity"].as_str() == Some("true")
        });
    if !waf {
        return;
    }
    for (s, i) in cx.ingresses() {
        let app = s
            .workloads
            .iter()
            .filter(|w| w.name.as_str() == i.backend_service)
            .find_map(|w| {
                let image = w.container.image.to_ascii_lowercase();
                WEBDAV_APPS.into_iter().find(|a| image.contains(a))
            });
        let Some(app) = app else { continue };
        if i.waf_exclusions.contains(&METHOD_RULE) {
            continue;
        }
        let what =
            format_args!("routes to {app} behind the OWASP CRS, which refuses WebDAV methods");
        out.ingress(Code::WebdavBehindWaf, (s, i), what);
    }
}
