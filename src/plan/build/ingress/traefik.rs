//! Traefik's terms: one `Middleware` per intent, named on the Ingress in the
//! order nginx applies the same intents (HTTPS, redirects, rate limits, source
//! ranges, auth, body size), and a second Ingress for denied paths. What
//! Traefik cannot do (ModSecurity, a sign-in redirect of its own) is an input
//! error at the setting, never a silent drop.

use std::collections::BTreeMap;

use crate::diag::Code;
use crate::plan::Namespace;
use crate::plan::ingress::{DenyRoute, Middleware, MiddlewareSpec, NO_CLIENT, TRAEFIK_MIDDLEWARES};
use crate::site::names::IngressName;

use super::super::resolve::Ctx;
use super::intents::{Auth, Intents};

/// Traefik's rendering of one ingress.
pub(super) struct Traefik {
    pub annotations: BTreeMap<String, String>,
    pub middlewares: Vec<Middleware>,
    pub deny_route: Option<DenyRoute>,
}

/// The reference an Ingress annotation makes to a Middleware of the Kubernetes
/// CRD provider: `<namespace>-<name>@kubernetescrd`.
fn reference(ns: &Namespace, name: &str) -> String {
    format!("{ns}-{name}@kubernetescrd")
}

/// Go's `regexp` escape of a literal (RE2 syntax).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(super) fn render(ctx: &mut Ctx, ns: &Namespace, name: &IngressName, i: &Intents) -> Traefik {
    // Once per ingress, at its first excluded rule.
    if let Some(w) = i.waf_exclusions.first() {
        ctx.err(
            Code::Controller,
            "Traefik has no ModSecurity WAF: `waf_exclusions` would switch off rules that do not run",
            w.span(),
            "a CRS rule excluded here",
            "remove `waf_exclusions`, or set `[site] ingress_controller = \"ingress-nginx\"` for its ModSecurity WAF",
        );
    }
    let mut mws: Vec<Middleware> = chain(ctx, ns, i)
        .into_iter()
        .map(|(purpose, spec)| Middleware {
            name: format!("{name}-{purpose}"),
            spec,
        })
        .collect();
    let refs: Vec<String> = mws.iter().map(|m| reference(ns, &m.name)).collect();
    let annotations = BTreeMap::from([(TRAEFIK_MIDDLEWARES.to_string(), refs.join(","))]);
    let deny_route = (!i.deny_paths.is_empty()).then(|| {
        let deny = format!("{name}-deny");
        mws.push(Middleware {
            name: deny.clone(),
            spec: MiddlewareSpec::IpAllowList {
                source_range: vec![NO_CLIENT.to_string()],
            },
        });
        DenyRoute {
            name: deny.clone(),
            paths: i.deny_paths.clone(),
            annotations: BTreeMap::from([(TRAEFIK_MIDDLEWARES.to_string(), reference(ns, &deny))]),
        }
    });
    Traefik {
        annotations,
        middlewares: mws,
        deny_route,
    }
}

/// The ingress's middlewares, each with its purpose (its name's suffix), in
/// the order ingress-nginx applies the same intents.
fn chain(ctx: &mut Ctx, ns: &Namespace, i: &Intents) -> Vec<(String, MiddlewareSpec)> {
    // ingress-nginx sends plain HTTP to HTTPS for an Ingress with TLS (its
    // `ssl-redirect`); Traefik serves both entry points unless told.
    let https = MiddlewareSpec::RedirectScheme {
        scheme: "https".into(),
        permanent: true,
    };
    let mut out = vec![("https".to_string(), https)];
    out.extend(redirects(i));
    if let Some(rl) = &i.rate_limit {
        // nginx's limit-rps and limit-rpm are two limits with burst = limit ×
        // multiplier; Traefik takes one rate per middleware.
        let mult = u64::from(rl.burst).max(1);
        for (purpose, limit, period) in [
            ("rate-limit", rl.rps, "1s"),
            ("rate-limit-rpm", rl.rpm, "1m"),
        ] {
            let spec = MiddlewareSpec::RateLimit {
                average: u64::from(limit),
                period: period.into(),
                burst: u64::from(limit) * mult,
            };
            out.push((purpose.to_string(), spec));
        }
    }
    if !i.source_ranges.is_empty() {
        let spec = MiddlewareSpec::IpAllowList {
            source_range: i.source_ranges.clone(),
        };
        out.push(("networks".to_string(), spec));
    }
    if let Some(spec) = auth(ctx, ns, i) {
        out.push(("auth".to_string(), spec));
    }
    if let Some((_, bytes)) = i.body_size {
        let spec = MiddlewareSpec::Buffering {
            max_request_body_bytes: bytes,
        };
        out.push(("body-size".to_string(), spec));
    }
    out
}

/// The www redirect and the path redirects, as redirectRegex over the whole
/// request URL.
fn redirects(i: &Intents) -> Vec<(String, MiddlewareSpec)> {
    let mut out = Vec::new();
    if let Some(host) = &i.www_redirect {
        let spec = MiddlewareSpec::RedirectRegex {
            regex: format!("^https?://www\\.{}(?::\\d+)?/(.*)$", escape(host)),
            replacement: format!("https://{host}/${{1}}"),
            permanent: true,
        };
        out.push(("www".to_string(), spec));
    }
    for (n, (from, to)) in i.redirects.iter().enumerate() {
        // nginx's `location = <from>`: that exact path, any query.
        let spec = MiddlewareSpec::RedirectRegex {
            regex: format!("^(https?://[^/]+){}(\\?.*)?$", escape(from)),
            replacement: format!("${{1}}{to}"),
            permanent: true,
        };
        out.push((format!("redirect-{n}"), spec));
    }
    out
}

/// basicAuth reads one key of htpasswd lines (or `username` and `password`);
/// forwardAuth asks the URL and passes its answer, a sign-in redirect
/// included, to the client.
fn auth(ctx: &mut Ctx, ns: &Namespace, i: &Intents) -> Option<MiddlewareSpec> {
    match i.auth.as_ref()? {
        Auth::Basic { secret } => {
            if let Some(s) = ctx.find_secret(ns, secret.get_ref()) {
                let keys: Vec<&str> = s.keys.keys().map(|k| k.as_str()).collect();
                if keys.len() != 1 && keys != ["password", "username"] {
                    ctx.err(
                        Code::Controller,
                        format!(
                            "Traefik reads a basic-auth secret as one key of htpasswd lines; `{}` has {} keys",
                            secret.get_ref(),
                            keys.len()
                        ),
                        secret.span(),
                        "this secret",
                        "keep one key (e.g. `users`) holding `user:hash` lines, one per user",
                    );
                }
            }
            Some(MiddlewareSpec::BasicAuth {
                secret: secret.get_ref().to_string(),
                realm: "Authentication Required".into(),
            })
        }
        Auth::Forward {
            url,
            signin,
            headers,
        } => {
            if let Some(s) = signin {
                ctx.err(
                    Code::Controller,
                    "Traefik's forwardAuth has no sign-in URL: it passes the auth server's own answer to the client",
                    s.span(),
                    "sign-in URL here",
                    "remove `auth_signin` and let the auth server redirect (Authelia: `?rd=<portal>` on `auth_url`)",
                );
            }
            Some(MiddlewareSpec::ForwardAuth {
                address: url.clone(),
                trust_forward_header: true,
                auth_response_headers: headers.clone(),
            })
        }
    }
}
