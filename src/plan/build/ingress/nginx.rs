//! ingress-nginx's terms: annotations on the Ingress, and `location` blocks in
//! its server snippet (the chart preset allows snippet annotations).

use std::collections::BTreeMap;

use super::intents::{Auth, Intents};

/// ingress-nginx's annotation `k`.
pub(super) fn nginx(k: &str) -> String {
    format!("nginx.ingress.kubernetes.io/{k}")
}

/// The annotations that say `i` to ingress-nginx.
pub(super) fn annotations(i: &Intents) -> BTreeMap<String, String> {
    let mut ann = BTreeMap::new();
    match &i.auth {
        Some(Auth::Basic { secret }) => {
            ann.insert(nginx("auth-type"), "basic".into());
            ann.insert(nginx("auth-secret"), secret.get_ref().to_string());
            ann.insert(nginx("auth-secret-type"), "auth-map".into());
            ann.insert(nginx("auth-realm"), "Authentication Required".into());
        }
        Some(Auth::Forward {
            url,
            signin,
            headers,
        }) => {
            ann.insert(nginx("auth-url"), url.clone());
            if let Some(s) = signin {
                ann.insert(nginx("auth-signin"), s.get_ref().clone());
            }
            if !headers.is_empty() {
                ann.insert(nginx("auth-response-headers"), headers.join(","));
            }
        }
        None => {}
    }
    if let Some(rl) = &i.rate_limit {
        ann.insert(nginx("limit-rps"), rl.rps.to_string());
        ann.insert(nginx("limit-rpm"), rl.rpm.to_string());
        ann.insert(nginx("limit-burst-multiplier"), rl.burst.to_string());
    }
    if !i.source_ranges.is_empty() {
        ann.insert(nginx("whitelist-source-range"), i.source_ranges.join(","));
    }
    if !i.waf_exclusions.is_empty() {
        let mut ids: Vec<u32> = i.waf_exclusions.iter().map(|s| *s.get_ref()).collect();
        ids.sort_unstable();
        ids.dedup();
        let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        ann.insert(
            nginx("modsecurity-snippet"),
            format!("SecRuleRemoveById {}", ids.join(" ")),
        );
    }
    let snippet = server_snippet(i);
    if !snippet.is_empty() {
        ann.insert(nginx("server-snippet"), snippet.join("\n"));
    }
    if let Some((b, _)) = &i.body_size {
        ann.insert(nginx("proxy-body-size"), b.clone());
    }
    if i.www_redirect.is_some() {
        ann.insert(nginx("from-to-www-redirect"), "true".into());
    }
    ann
}

/// `location` blocks that deny paths and redirect others (both answered in
/// nginx's rewrite phase, before rate limits, allow lists and auth).
fn server_snippet(i: &Intents) -> Vec<String> {
    let deny = i
        .deny_paths
        .iter()
        .map(|p| format!("location \"{p}\" {{ deny all; return 403; }}"));
    let redirects = i
        .redirects
        .iter()
        .map(|(from, to)| format!("location = {from} {{ return 301 {to}; }}"));
    deny.chain(redirects).collect()
}
