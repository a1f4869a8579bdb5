//! An ingress: hosts, backend port, TLS issuer and the controller annotations.

use std::collections::BTreeMap;

use crate::diag::{Code, closest};
use crate::plan::*;
use crate::site::model as m;
use crate::site::spanned::Spanned;

use super::resolve::Ctx;

fn host(domain: &str, h: &str) -> String {
    if h == "@" {
        domain.to_string()
    } else if h.contains('.') {
        h.to_string()
    } else {
        format!("{h}.{domain}")
    }
}

pub(super) fn ingress(
    ctx: &mut Ctx,
    svc: &ServiceName,
    ns: &Namespace,
    name: &IngressName,
    i: &Spanned<m::Ingress>,
) -> Ingress {
    let span = i.span();
    let ing = i.get_ref();
    let hosts = hosts(ctx, svc, ing);
    let mut tls_hosts = hosts.clone();
    if ing.www_redirect {
        tls_hosts.push(format!("www.{}", hosts[0]));
    }
    let (backend_service, backend_port) = backend(ctx, svc, ing, span.clone());
    let routes_metrics_port = routes_metrics_port(ctx, svc, ing, &backend_port);
    let mut ann = BTreeMap::new();
    issuer(ctx, ing, span.clone(), &mut ann);
    let deny = nginx_annotations(ctx, ns, ing, span.clone(), &mut ann);
    let body_limit = ing.body_size.as_ref().and_then(|b| match nginx_size(b) {
        Some(n) => Some(n),
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
    });
    Ingress {
        name: name.clone(),
        hosts,
        tls_hosts,
        tls_secret: format!("{name}-tls"),
        backend_service,
        backend_port,
        annotations: ann,
        public: ing.public,
        auth: ing.auth.map(|_| "basic".to_string()),
        deny_paths: deny,
        routes_metrics_port,
        body_limit,
        waf_exclusions: ing.waf_exclusions.clone(),
        allow: super::service::exceptions(&ing.allow),
        span,
    }
}

/// An nginx size (`client_max_body_size`): bytes, or k/m/g (1024-based).
pub(crate) fn nginx_size(s: &str) -> Option<u64> {
    let (num, unit) = match s.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&s[..i], c.to_ascii_lowercase()),
        _ => (s, ' '),
    };
    let n: u64 = num.parse().ok()?;
    let scale: u64 = match unit {
        ' ' => 1,
        'k' => 1 << 10,
        'm' => 1 << 20,
        'g' => 1 << 30,
        _ => return None,
    };
    n.checked_mul(scale)
}

/// The full host names: `@` is the apex, a single label sits under the domain,
/// and no `host` means `<service>.<domain>`.
fn hosts(ctx: &mut Ctx, svc: &ServiceName, ing: &m::Ingress) -> Vec<String> {
    let domain = ctx.raw.site.domain.get_ref().to_string();
    let mut hosts = Vec::new();
    for h in ing.host.iter().chain(ing.extra_hosts.iter()) {
        let full = host(&domain, h.get_ref());
        if let Err(e) = crate::site::values::HostName::new(full.clone()) {
            ctx.err(
                Code::Host,
                e,
                h.span(),
                "this host",
                "use a DNS name, `@` for the apex, or a single label for `<label>.<domain>`",
            );
        }
        hosts.push(full);
    }
    if ing.host.is_none() {
        hosts.insert(0, format!("{svc}.{domain}"));
    }
    hosts
}

/// The backend Service and port: a chart's Service named outright, or the
/// Service of one of our workloads and a port it exposes.
fn backend(
    ctx: &mut Ctx,
    svc: &ServiceName,
    ing: &m::Ingress,
    span: std::ops::Range<usize>,
) -> (String, BackendPort) {
    let s = ctx.raw.services[svc].get_ref();
    match (&ing.backend, &ing.port) {
        (Some(b), Some(p)) => match p.get_ref() {
            m::PortRef::Number(n) => (b.clone(), BackendPort::Number(*n)),
            m::PortRef::Name(n) => (b.clone(), BackendPort::Name(n.clone())),
        },
        (Some(_), None) => {
            ctx.err(
                Code::Ingress,
                "an ingress with `backend` needs a `port`",
                span.clone(),
                "this ingress",
                "set `port` to the chart Service's port number",
            );
            (String::new(), BackendPort::Number(80))
        }
        (None, port) => {
            let wl = super::service::single_workload(
                ctx,
                s,
                ing.workload.as_ref(),
                span.clone(),
                "ingress",
            );
            let port_ref = wl.as_ref().and_then(|wl| {
                let w = s.workloads[wl].get_ref();
                let exposed: Vec<(&PortName, &m::Port)> = w
                    .ports
                    .iter()
                    .filter(|(_, p)| p.service.is_some())
                    .collect();
                match port.as_ref().map(|p| (p.span(), p.get_ref())) {
                    Some((_, m::PortRef::Name(n))) if exposed.iter().any(|(pn, _)| *pn == n) => {
                        Some(BackendPort::Name(n.clone()))
                    }
                    Some((pspan, m::PortRef::Name(n))) => {
                        let names: Vec<&str> = exposed.iter().map(|(n, _)| n.as_str()).collect();
                        let help = closest(n.as_str(), names.iter().copied()).map_or_else(
                            || format!("ports exposed by `{wl}`: {}", names.join(", ")),
                            |c| format!("did you mean `{c}`?"),
                        );
                        ctx.err(
                            Code::Dangling,
                            format!("`{wl}` exposes no port `{n}` on its Service"),
                            pspan,
                            "referenced here",
                            help,
                        );
                        None
                    }
                    Some((_, m::PortRef::Number(n)))
                        if exposed.iter().any(|(_, p)| p.service == Some(*n)) =>
                    {
                        Some(BackendPort::Number(*n))
                    }
                    Some((pspan, m::PortRef::Number(n))) => {
                        ctx.err(
                            Code::Dangling,
                            format!("`{wl}` exposes no Service port {n}"),
                            pspan,
                            "referenced here",
                            "name a port that has `service = <port>`",
                        );
                        None
                    }
                    None if exposed.len() == 1 => Some(BackendPort::Name(exposed[0].0.clone())),
                    None => {
                        ctx.err(
                            Code::Ingress,
                            format!("this ingress must name the `port` of `{wl}`"),
                            span.clone(),
                            "this ingress",
                            "set `port` to a port name with `service = …`",
                        );
                        None
                    }
                }
            });
            (
                wl.map(|w| w.to_string()).unwrap_or_default(),
                port_ref.unwrap_or(BackendPort::Number(80)),
            )
        }
    }
}

/// Does the ingress route to the port our workload serves metrics on?
fn routes_metrics_port(
    ctx: &Ctx,
    svc: &ServiceName,
    ing: &m::Ingress,
    backend_port: &BackendPort,
) -> bool {
    let s = ctx.raw.services[svc].get_ref();
    ing.backend.is_none() && {
        let wl = ing
            .workload
            .as_ref()
            .map(|w| w.get_ref().clone())
            .or_else(|| {
                (s.workloads.len() == 1)
                    .then(|| s.workloads.keys().next().cloned())
                    .flatten()
            });
        wl.and_then(|w| s.workloads.get(&w))
            .and_then(|w| w.get_ref().metrics.as_ref())
            .is_some_and(|mt| *backend_port == BackendPort::Name(mt.port.clone()))
    }
}

/// cert-manager's annotation naming the ingress's (or the site's) issuer.
fn issuer(
    ctx: &mut Ctx,
    ing: &m::Ingress,
    span: std::ops::Range<usize>,
    ann: &mut BTreeMap<String, String>,
) {
    let raw = ctx.raw;
    let issuer = ing.issuer.as_ref().or(raw.site.default_issuer.as_ref());
    match issuer {
        Some(is) if raw.issuers.contains_key(is.get_ref()) => {
            ann.insert(
                "cert-manager.io/cluster-issuer".to_string(),
                is.get_ref().to_string(),
            );
        }
        Some(is) if ing.issuer.is_some() => ctx.err(
            Code::Dangling,
            format!("issuer `{}` is not declared", is.get_ref()),
            is.span(),
            "unknown issuer",
            "declare it under [issuers]",
        ),
        Some(_) => {} // the site's default issuer is reported once, at its own line
        None => ctx.err(
            Code::Ingress,
            "this ingress has no TLS issuer",
            span.clone(),
            "this ingress",
            "set `issuer`, or `default_issuer` in [site]",
        ),
    }
}

/// ingress-nginx's annotation `k`.
fn nginx(k: &str) -> String {
    format!("nginx.ingress.kubernetes.io/{k}")
}

/// ingress-nginx's annotations for auth, rate limits, WAF exclusions, denied
/// paths, redirects, body size and the www redirect; returns the denied paths.
fn nginx_annotations(
    ctx: &mut Ctx,
    ns: &Namespace,
    ing: &m::Ingress,
    span: std::ops::Range<usize>,
    ann: &mut BTreeMap<String, String>,
) -> Vec<String> {
    auth(ctx, ns, ing, &span, ann);
    if let Some(t) = &ing.rate_limit {
        rate_limit(ctx, t, ann);
    }
    if !ing.waf_exclusions.is_empty() {
        let mut ids = ing.waf_exclusions.clone();
        ids.sort_unstable();
        ids.dedup();
        let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        ann.insert(
            nginx("modsecurity-snippet"),
            format!("SecRuleRemoveById {}", ids.join(" ")),
        );
    }
    let deny = ing
        .deny_paths
        .clone()
        .unwrap_or_else(|| vec!["/metrics".into()]);
    let snippet = server_snippet(ctx, ing, &deny, &span);
    if !snippet.is_empty() {
        ann.insert(nginx("server-snippet"), snippet.join("\n"));
    }
    if let Some(b) = &ing.body_size {
        ann.insert(nginx("proxy-body-size"), b.clone());
    }
    if ing.www_redirect {
        ann.insert(nginx("from-to-www-redirect"), "true".into());
    }
    deny
}

/// Basic auth from an htpasswd auth-map secret; `public` and `auth` exclude
/// each other.
fn auth(
    ctx: &mut Ctx,
    ns: &Namespace,
    ing: &m::Ingress,
    span: &std::ops::Range<usize>,
    ann: &mut BTreeMap<String, String>,
) {
    if ing.public && ing.auth.is_some() {
        ctx.err(
            Code::Ingress,
            "an ingress is either `public = true` or has `auth`, not both",
            span.clone(),
            "this ingress",
            "remove one of them",
        );
    }
    match (&ing.auth, &ing.auth_secret) {
        (Some(m::AuthKind::Basic), Some(sec)) => {
            ctx.check_secret_key(ns, sec.get_ref(), None, sec.span());
            ann.insert(nginx("auth-type"), "basic".into());
            ann.insert(nginx("auth-secret"), sec.get_ref().to_string());
            ann.insert(nginx("auth-secret-type"), "auth-map".into());
            ann.insert(nginx("auth-realm"), "Authentication Required".into());
        }
        (Some(m::AuthKind::Basic), None) => ctx.err(
            Code::Ingress,
            "`auth = \"basic\"` needs `auth_secret`",
            span.clone(),
            "this ingress",
            "name a secret of this namespace holding an htpasswd auth-map",
        ),
        (None, Some(_)) => ctx.err(
            Code::Ingress,
            "`auth_secret` without `auth`",
            span.clone(),
            "this ingress",
            "add `auth = \"basic\"`",
        ),
        (None, None) => {}
    }
}

/// The rate-limit tier's limits, or a dangling reference.
fn rate_limit(
    ctx: &mut Ctx,
    tier: &Spanned<crate::site::names::TierName>,
    ann: &mut BTreeMap<String, String>,
) {
    let raw = ctx.raw;
    match raw.rate_limits.get(tier.get_ref()) {
        Some(rl) => {
            ann.insert(nginx("limit-rps"), rl.rps.to_string());
            ann.insert(nginx("limit-rpm"), rl.rpm.to_string());
            ann.insert(nginx("limit-burst-multiplier"), rl.burst.to_string());
        }
        None => {
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
        }
    }
}

/// `location` blocks that deny paths and redirect others.
fn server_snippet(
    ctx: &mut Ctx,
    ing: &m::Ingress,
    deny: &[String],
    span: &std::ops::Range<usize>,
) -> Vec<String> {
    let mut snippet = Vec::new();
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
        snippet.push(format!("location \"{p}\" {{ deny all; return 403; }}"));
    }
    for r in &ing.redirects {
        if [&r.from, &r.to]
            .iter()
            .any(|p| p.contains(['"', '{', '}', ';', ' ']) || !p.starts_with('/'))
        {
            ctx.err(
                Code::Ingress,
                format!(
                    "redirect `{}` → `{}` must use plain absolute paths",
                    r.from, r.to
                ),
                span.clone(),
                "this ingress",
                "paths start with `/` and contain no quotes, braces, spaces or semicolons",
            );
            continue;
        }
        snippet.push(format!("location = {} {{ return 301 {}; }}", r.from, r.to));
    }
    snippet
}

#[cfg(test)]
mod tests {
    use super::nginx_size;

    #[test]
    fn nginx_sizes_read_as_nginx_does() {
        assert_eq!(nginx_size("0"), Some(0));
        assert_eq!(nginx_size("1024"), Some(1024));
        assert_eq!(nginx_size("200m"), Some(200 << 20));
        assert_eq!(nginx_size("2G"), Some(2 << 30));
        assert_eq!(nginx_size("8k"), Some(8 << 10));
        for bad in ["", "m", "10mb", "1.5m", "-1", "10t"] {
            assert_eq!(nginx_size(bad), None, "{bad}");
        }
    }
}
