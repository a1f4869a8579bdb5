//! What an ingress asks of the edge, decided once from site.toml and checked
//! there; `nginx.rs` and `traefik.rs` each say it in their controller's terms.

use std::ops::Range;

use crate::diag::{Code, closest};
use crate::plan::Namespace;
use crate::site::model as m;
use crate::site::names::{NetworkName, SecretName};
use crate::site::spanned::Spanned;

use super::super::resolve::Ctx;

/// Every intent of one ingress, in the order a request meets them.
#[derive(Debug, Default)]
pub(super) struct Intents {
    /// Redirect `www.<host>` to `<host>` (the first host).
    pub www_redirect: Option<String>,
    /// Exact-path redirects, answered with 301.
    pub redirects: Vec<(String, String)>,
    /// Paths answered with 403 whoever asks.
    pub deny_paths: Vec<String>,
    /// Per client address: requests per second, per minute, burst multiplier.
    pub rate_limit: Option<m::RateLimit>,
    /// Only these source ranges are answered.
    pub source_ranges: Vec<String>,
    pub auth: Option<Auth>,
    /// `body_size` as written (nginx's spelling) and in bytes.
    pub body_size: Option<(String, u64)>,
    /// OWASP CRS rules off for this host (ModSecurity).
    pub waf_exclusions: Vec<Spanned<u32>>,
}

#[derive(Debug)]
pub(super) enum Auth {
    Basic {
        secret: Spanned<SecretName>,
    },
    Forward {
        url: String,
        signin: Option<Spanned<String>>,
        headers: Vec<String>,
    },
}

/// The intents of `ing`, each checked; a bad one is reported and left out.
pub(super) fn intents(
    ctx: &mut Ctx,
    ns: &Namespace,
    ing: &m::Ingress,
    first_host: &str,
    span: &Range<usize>,
) -> Intents {
    let deny = ing
        .deny_paths
        .clone()
        .unwrap_or_else(|| vec!["/metrics".into()]);
    Intents {
        www_redirect: ing.www_redirect.then(|| first_host.to_string()),
        redirects: redirects(ctx, ing, span),
        deny_paths: deny_paths(ctx, deny, span),
        rate_limit: ing.rate_limit.as_ref().and_then(|t| rate_limit(ctx, t)),
        source_ranges: source_ranges(ctx, &ing.networks),
        auth: auth(ctx, ns, ing, span),
        body_size: body_size(ctx, ing, span),
        waf_exclusions: ing.waf_exclusions.clone(),
    }
}

fn body_size(ctx: &mut Ctx, ing: &m::Ingress, span: &Range<usize>) -> Option<(String, u64)> {
    let b = ing.body_size.as_ref()?;
    match super::nginx_size(b) {
        Some(n) => Some((b.clone(), n)),
        None => {
            ctx.err(
                Code::Ingress,
                format!("body size `{b}` is not an nginx size"),
                span.clone(),
                "this ingress",
                "write a number of bytes with an optional k, m or g, e.g. `200m` (0 means no limit)",
            );
            None
        }
    }
}

/// Basic auth (a secret of the namespace) or forward auth (a URL); `public`
/// and `auth` exclude each other.
fn auth(ctx: &mut Ctx, ns: &Namespace, ing: &m::Ingress, span: &Range<usize>) -> Option<Auth> {
    if ing.public && ing.auth.is_some() {
        ctx.err(
            Code::Ingress,
            "an ingress is either `public = true` or has `auth`, not both",
            span.clone(),
            "this ingress",
            "remove one of them",
        );
    }
    let kind = ing.auth.as_ref().map(|a| *a.get_ref());
    let stray = |ctx: &mut Ctx, field: &str, at: Range<usize>, want: &str| {
        ctx.err(
            Code::Ingress,
            format!("`{field}` without `auth = \"{want}\"`"),
            at,
            "set here",
            format!("add `auth = \"{want}\"`, or remove `{field}`"),
        )
    };
    if kind != Some(m::AuthKind::Basic)
        && let Some(s) = &ing.auth_secret
    {
        stray(ctx, "auth_secret", s.span(), "basic");
    }
    if kind != Some(m::AuthKind::Forward) {
        for (field, s) in [
            ("auth_url", &ing.auth_url),
            ("auth_signin", &ing.auth_signin),
        ] {
            if let Some(s) = s {
                stray(ctx, field, s.span(), "forward");
            }
        }
    }
    let at = ing.auth.as_ref().map_or(span.clone(), |a| a.span());
    match kind? {
        m::AuthKind::Basic => match &ing.auth_secret {
            Some(sec) => {
                ctx.check_secret_key(ns, sec.get_ref(), None, sec.span());
                Some(Auth::Basic {
                    secret: sec.clone(),
                })
            }
            None => {
                ctx.err(
                    Code::Ingress,
                    "`auth = \"basic\"` needs `auth_secret`",
                    at,
                    "basic auth asked here",
                    "name a secret of this namespace holding the htpasswd users",
                );
                None
            }
        },
        m::AuthKind::Forward => forward(ctx, ing, at),
    }
}

fn forward(ctx: &mut Ctx, ing: &m::Ingress, at: Range<usize>) -> Option<Auth> {
    let Some(url) = &ing.auth_url else {
        ctx.err(
            Code::Ingress,
            "`auth = \"forward\"` needs `auth_url`",
            at,
            "forward auth asked here",
            "set `auth_url` to the auth server's check URL, e.g. `http://authelia.auth.svc:9091/api/verify`",
        );
        return None;
    };
    for (field, s) in
        std::iter::once(("auth_url", url)).chain(ing.auth_signin.iter().map(|s| ("auth_signin", s)))
    {
        let v = s.get_ref();
        if !(v.starts_with("http://") || v.starts_with("https://")) || v.contains([' ', '"', '\n'])
        {
            ctx.err(
                Code::Ingress,
                format!("`{field}` `{v}` is not an http(s) URL"),
                s.span(),
                "this URL",
                "write an absolute `http://` or `https://` URL without spaces or quotes",
            );
            return None;
        }
    }
    Some(Auth::Forward {
        url: url.get_ref().clone(),
        signin: ing.auth_signin.clone(),
        headers: ing.auth_headers.clone(),
    })
}

/// The rate-limit tier's limits, or a dangling reference.
fn rate_limit(ctx: &mut Ctx, tier: &Spanned<crate::site::names::TierName>) -> Option<m::RateLimit> {
    let raw = ctx.raw;
    if let Some(rl) = raw.rate_limits.get(tier.get_ref()) {
        return Some(rl.clone());
    }
    let names: Vec<&str> = raw.rate_limits.keys().map(|n| n.as_str()).collect();
    let help = closest(tier.get_ref().as_str(), names.iter().copied()).map_or_else(
        || "declare it under [rate_limits]".to_string(),
        |c| format!("did you mean `{c}`?"),
    );
    ctx.err(
        Code::Dangling,
        format!("rate-limit tier `{}` is not declared", tier.get_ref()),
        tier.span(),
        "referenced here",
        help,
    );
    None
}

/// The source ranges of the named networks, in order, each once.
fn source_ranges(ctx: &mut Ctx, networks: &[Spanned<NetworkName>]) -> Vec<String> {
    let site = &ctx.raw.site;
    let mut out: Vec<String> = Vec::new();
    let (mut missing, mut empty) = (Vec::new(), Vec::new());
    for n in networks {
        match site.networks.get(n.get_ref()) {
            // No range would mean no allow list at all: open to everyone.
            Some(ranges) if ranges.is_empty() => empty.push(n),
            Some(ranges) => {
                for r in ranges {
                    if !out.contains(r.get_ref()) {
                        out.push(r.get_ref().clone());
                    }
                }
            }
            None => missing.push(n),
        }
    }
    for n in empty {
        ctx.err(
            Code::Network,
            format!(
                "network `{}` has no ranges: the ingress would answer everyone",
                n.get_ref()
            ),
            n.span(),
            "referenced here",
            "list the network's CIDR ranges in [site.networks]",
        );
    }
    for n in missing {
        let names: Vec<&str> = site.networks.keys().map(|k| k.as_str()).collect();
        let help = closest(n.get_ref().as_str(), names.iter().copied()).map_or_else(
            || {
                format!(
                    "declare it: `[site.networks] {} = [\"10.0.0.0/8\"]`",
                    n.get_ref()
                )
            },
            |c| format!("did you mean `{c}`?"),
        );
        ctx.err(
            Code::Network,
            format!(
                "network `{}` is not declared in [site.networks]",
                n.get_ref()
            ),
            n.span(),
            "referenced here",
            help,
        );
    }
    out
}

/// Checks every range of `[site.networks]` once: a CIDR range with its host
/// bits zero, or a single address.
pub(in crate::plan::build) fn check_networks(ctx: &mut Ctx) {
    let mut errs = Vec::new();
    for (name, ranges) in &ctx.raw.site.networks {
        for r in ranges {
            let v = r.get_ref();
            let ok = match v.parse::<ipnet::IpNet>() {
                Ok(net) => net.trunc() == net,
                Err(_) => v.parse::<std::net::IpAddr>().is_ok(),
            };
            if !ok {
                let help = match v.parse::<ipnet::IpNet>() {
                    Ok(net) => format!("the network is `{}`", net.trunc()),
                    Err(_) => "write an address or a CIDR range, e.g. `192.168.1.0/24`".to_string(),
                };
                errs.push((
                    format!("`{v}` in network `{name}` is not a CIDR range"),
                    r.span(),
                    help,
                ));
            }
        }
    }
    for (msg, span, help) in errs {
        ctx.err(Code::Network, msg, span, "this range", help);
    }
}

/// Denied paths: plain absolute paths (they end up inside nginx's config or a
/// Kubernetes path).
fn deny_paths(ctx: &mut Ctx, deny: Vec<String>, span: &Range<usize>) -> Vec<String> {
    let mut out = Vec::new();
    for p in deny {
        if p.contains(['"', '{', '}', ';']) || !p.starts_with('/') {
            ctx.err(
                Code::Ingress,
                format!("deny path `{p}` must be a plain absolute path"),
                span.clone(),
                "this ingress",
                "paths start with `/` and contain no quotes, braces or semicolons",
            );
            continue;
        }
        out.push(p);
    }
    out
}

fn redirects(ctx: &mut Ctx, ing: &m::Ingress, span: &Range<usize>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in &ing.redirects {
        if [&r.from, &r.to]
            .iter()
            // `$` would be a variable to nginx and a group to Traefik's regexp.
            .any(|p| p.contains(['"', '{', '}', ';', ' ', '$']) || !p.starts_with('/'))
        {
            ctx.err(
                Code::Ingress,
                format!(
                    "redirect `{}` → `{}` must use plain absolute paths",
                    r.from, r.to
                ),
                span.clone(),
                "this ingress",
                "paths start with `/` and contain no quotes, braces, spaces, semicolons or `$`",
            );
            continue;
        }
        out.push((r.from.clone(), r.to.clone()));
    }
    out
}
