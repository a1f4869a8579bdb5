//! An ingress: hosts, backend port, TLS issuer, and its intents (`intents.rs`)
//! in the site's controller's terms (`nginx.rs`, `traefik.rs`).

use std::collections::BTreeMap;

use crate::diag::{Code, closest};
use crate::plan::{self, *};
use crate::site::kinds::IngressController;
use crate::site::model as m;
use crate::site::spanned::Spanned;

use super::resolve::Ctx;

mod intents;
mod nginx;
mod traefik;

pub(super) use intents::check_networks;

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
    issuer(ctx, ing, &hosts, span.clone(), &mut ann);
    let intents = intents::intents(ctx, ns, ing, &hosts[0], &span);
    let (mut rule_hosts, mut middlewares, mut deny_route) = (hosts.clone(), Vec::new(), None);
    match ctx.raw.site.ingress_controller {
        IngressController::IngressNginx => ann.extend(nginx::annotations(&intents)),
        IngressController::Traefik => {
            let t = traefik::render(ctx, ns, name, &intents);
            ann.extend(t.annotations);
            (middlewares, deny_route) = (t.middlewares, t.deny_route);
            // ingress-nginx answers the www host of its redirect by itself;
            // Traefik routes only the hosts the Ingress names.
            rule_hosts = tls_hosts.clone();
        }
    }
    let passthrough = passthrough(ctx, ing, &mut ann);
    Ingress {
        name: name.clone(),
        hosts,
        tls_hosts,
        rule_hosts,
        passthrough,
        tls_secret: format!("{name}-tls"),
        backend_service,
        backend_port,
        annotations: ann,
        public: ing.public,
        auth: ing.auth.as_ref().map(|a| {
            match a.get_ref() {
                m::AuthKind::Basic => "basic",
                m::AuthKind::Forward => "forward",
            }
            .to_string()
        }),
        networks: ing.networks.iter().map(|n| n.get_ref().clone()).collect(),
        deny_paths: intents.deny_paths,
        routes_metrics_port,
        body_limit: intents.body_size.map(|(_, n)| n),
        waf_exclusions: ing.waf_exclusions.iter().map(|w| *w.get_ref()).collect(),
        allow: super::service::exceptions(&ing.allow),
        middlewares,
        deny_route,
        span,
    }
}

/// The site's own annotations, after hearth's: a key hearth already wrote
/// belongs to a setting of the ingress, and two writers would hide one.
/// Returns the keys passed through.
fn passthrough(ctx: &mut Ctx, ing: &m::Ingress, ann: &mut BTreeMap<String, String>) -> Vec<String> {
    let controller = ctx.raw.site.ingress_controller;
    let mut keys = Vec::new();
    for (k, v) in &ing.annotations {
        if let Some(setting) = owner(k) {
            ctx.err(
                Code::Annotation,
                format!("annotation `{k}` is written by hearth"),
                v.span(),
                "set here",
                format!("use the ingress's {setting} instead"),
            );
            continue;
        }
        let other = match controller {
            IngressController::IngressNginx => k.starts_with("traefik.ingress.kubernetes.io/"),
            IngressController::Traefik => k.starts_with("nginx.ingress.kubernetes.io/"),
        };
        if other {
            ctx.err(
                Code::Controller,
                format!("annotation `{k}` is for another ingress controller than the site's `{controller}`"),
                v.span(),
                "set here",
                "the site's controller would ignore it: use an ingress setting, or the controller's own annotation",
            );
            continue;
        }
        ann.insert(k.clone(), v.get_ref().clone());
        keys.push(k.clone());
    }
    keys
}

/// The ingress setting behind an annotation hearth writes, if it is one.
fn owner(key: &str) -> Option<&'static str> {
    let nginx = key.strip_prefix("nginx.ingress.kubernetes.io/");
    Some(match (key, nginx) {
        ("cert-manager.io/cluster-issuer" | "cert-manager.io/issuer", _) => "`issuer`",
        (plan::ingress::TRAEFIK_MIDDLEWARES, _) => "settings (hearth names their middlewares)",
        (_, Some(a)) if a.starts_with("auth-") => "`auth`, `auth_secret`, `auth_url`",
        (_, Some(a)) if a.starts_with("limit-") => "`rate_limit`",
        (_, Some("whitelist-source-range" | "denylist-source-range")) => "`networks`",
        (_, Some("modsecurity-snippet")) => "`waf_exclusions`",
        (_, Some("server-snippet")) => "`deny_paths` and `redirects`",
        (_, Some("proxy-body-size")) => "`body_size`",
        (_, Some("from-to-www-redirect")) => "`www_redirect`",
        _ => return None,
    })
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
        // A wildcard stands for one label: `*.<name>` (its issuer is checked
        // for DNS-01 with the issuer).
        let name = full.strip_prefix("*.").unwrap_or(&full).to_string();
        if let Err(e) = crate::site::values::HostName::new(name) {
            ctx.err(
                Code::Host,
                e,
                h.span(),
                "this host",
                "use a DNS name, `@` for the apex, a single label for `<label>.<domain>`, or `*` for `*.<domain>`",
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
        (None, _) if ing.workload.is_none() && s.workloads.is_empty() => {
            // Nothing of ours to route to: a chart's Service, or a workload to add.
            let help = if s.helm.is_some() {
                "route to a Service the chart creates: `backend = \"<its name>\"` and `port = <its port>`"
            } else {
                "declare a workload under this service's `workloads`, or route to a Service with `backend` and `port`"
            };
            ctx.err(
                Code::Ingress,
                format!("service `{svc}` has no workload for this ingress to route to"),
                span.clone(),
                "this ingress",
                help,
            );
            (String::new(), BackendPort::Number(80))
        }
        (None, _) => {
            let wl = super::service::single_workload(
                ctx,
                s,
                ing.workload.as_ref(),
                span.clone(),
                "ingress",
            );
            let port_ref = wl.as_ref().and_then(|wl| {
                workload_port(
                    ctx,
                    (wl, s.workloads[wl].get_ref()),
                    ing.port.as_ref(),
                    span.clone(),
                )
            });
            (
                wl.map(|w| w.to_string()).unwrap_or_default(),
                port_ref.unwrap_or(BackendPort::Number(80)),
            )
        }
    }
}

/// The port of our workload `wl` an ingress routes to: the one it names (it
/// must be exposed on the workload's Service), or the only exposed one.
fn workload_port(
    ctx: &mut Ctx,
    (wl, w): (&WorkloadName, &m::Workload),
    port: Option<&Spanned<m::PortRef>>,
    span: std::ops::Range<usize>,
) -> Option<BackendPort> {
    let exposed: Vec<(&PortName, &m::Port)> = w
        .ports
        .iter()
        .filter(|(_, p)| p.service.is_some())
        .collect();
    match port.map(|p| (p.span(), p.get_ref())) {
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
        Some((_, m::PortRef::Number(n))) if exposed.iter().any(|(_, p)| p.service == Some(*n)) => {
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
        None if exposed.is_empty() => {
            // An ingress reaches pods through the workload's Service only.
            ctx.err(
                Code::Ingress,
                format!("`{wl}` has no port on its Service for this ingress to route to"),
                span.clone(),
                "this ingress",
                format!("give a port of `{wl}` a Service port, e.g. `ports.http = {{ port = 8080, service = 80 }}`"),
            );
            None
        }
        None => {
            let names: Vec<&str> = exposed.iter().map(|(n, _)| n.as_str()).collect();
            ctx.err(
                Code::Ingress,
                format!("this ingress must name the `port` of `{wl}`"),
                span.clone(),
                "this ingress",
                format!("set `port` to one of {}", names.join(", ")),
            );
            None
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
    hosts: &[String],
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
            let wildcard = hosts.iter().find(|h| h.starts_with("*."));
            if let Some(w) = wildcard
                && raw.issuers[is.get_ref()].get_ref().dns01.is_none()
            {
                let at = ing.issuer.as_ref().map_or(span.clone(), |i| i.span());
                ctx.err(
                    Code::Issuer,
                    format!(
                        "wildcard host `{w}` needs a DNS-01 issuer; `{}` solves HTTP-01",
                        is.get_ref()
                    ),
                    at,
                    "this ingress's issuer",
                    format!(
                        "give [issuers.{}] a `dns01` solver, or name an issuer that has one",
                        is.get_ref()
                    ),
                );
            }
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
